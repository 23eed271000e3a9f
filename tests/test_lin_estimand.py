"""The population-average variance of the Lin estimate (issue 8, item 7) against a fit
built here with statsmodels: HC2 plus g' S_x g / n from the interaction coefficients."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from trustexp.errors import OptionError
from trustexp.stats import estimate_itt


def test_population_variance_adds_the_covariate_mean_term():
    rng = np.random.default_rng(12)
    n = 200
    arm = rng.permutation(np.resize([0, 1, 2], n))
    x = np.column_stack([rng.normal(size=n), rng.exponential(size=n)])
    y = x[:, 0] * (1 + arm) + rng.normal(size=n)
    xc = x - x.mean(axis=0)
    d = np.column_stack([arm == 1, arm == 2]).astype(float)
    design = np.column_stack([np.ones(n), xc, d, d[:, [0]] * xc, d[:, [1]] * xc])
    fit = sm.OLS(y, design).fit(cov_type="HC2")
    s_x = np.cov(xc, rowvar=False)
    want = []
    for j in range(2):
        g = fit.params[5 + 2 * j: 7 + 2 * j]
        want.append(np.sqrt(fit.cov_params()[3 + j, 3 + j] + g @ s_x @ g / n))
    pop = estimate_itt(y, arm, n_arms=3, covariates=x, adjustment="lin", estimand="population")
    smp = estimate_itt(y, arm, n_arms=3, covariates=x, adjustment="lin")
    np.testing.assert_allclose(pop.std_error, want, rtol=1e-8)
    np.testing.assert_allclose(smp.std_error, np.sqrt(np.diag(fit.cov_params())[3:5]), rtol=1e-8)
    np.testing.assert_allclose(pop.estimate, smp.estimate)
    # additive adjustment: one estimand, the option changes nothing
    add = estimate_itt(y, arm, n_arms=3, covariates=x, estimand="population")
    np.testing.assert_allclose(add.std_error, estimate_itt(y, arm, n_arms=3, covariates=x).std_error)
    with pytest.raises(OptionError, match="'estimand' parameter of estimate_itt"):
        estimate_itt(y, arm, n_arms=3, estimand="superpopulation")
