"""Randomisation-inference confidence intervals by test inversion (issue 8), against a
brute-force grid of randomisation tests, each refitting the model with statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from trustexp.stats import draw_assignments
from trustexp.stats.randomisation import ri_confidence_interval, ri_p_value_at


def _data(seed, n=40):
    rng = np.random.default_rng(seed)
    strata = np.repeat([0, 1], n // 2)
    treated = draw_assignments(np.resize([0, 1], n), strata=strata, draws=1, seed=seed)[0]
    treated = treated.astype(np.int64)
    x = rng.normal(size=n)
    y = 1.0 + 0.8 * treated + x + rng.standard_t(4, size=n)
    draws = draw_assignments(treated, strata=strata, draws=199, seed=seed + 1).astype(np.int64)
    return y, treated, x, strata, draws


def _brute_p(tau, y, treated, x, strata, draws):
    """The same p-value by a loop that refits OLS with HC2 for every draw (statsmodels)."""
    y0 = y - tau * treated

    def t_of(d):
        design = np.column_stack([np.ones_like(y), d, strata == 1, x - x.mean()])
        return sm.OLS(y0, design).fit(cov_type="HC2").tvalues[1]

    t_obs = abs(t_of(treated))
    t_b = np.abs([t_of(d) for d in draws])
    return (1 + (t_b >= t_obs * (1 - 1e-9)).sum()) / (len(draws) + 1)


def test_p_value_at_tau_matches_a_refitting_loop():
    y, treated, x, strata, draws = _data(3)
    for tau in (0.0, 0.8, 2.0):
        got = ri_p_value_at(tau, y, treated, draws, covariates=x[:, None], strata=strata)
        assert got == pytest.approx(_brute_p(tau, y, treated, x, strata, draws))


@pytest.mark.parametrize("seed", [5, 6])
@pytest.mark.slow
def test_interval_ends_match_a_brute_force_grid(seed):
    y, treated, x, strata, draws = _data(seed)
    model = {"covariates": x[:, None], "strata": strata}
    fit = sm.OLS(y, np.column_stack([np.ones_like(y), treated, strata == 1, x - x.mean()])).fit(
        cov_type="HC2")
    est, se = fit.params[1], fit.bse[1]
    ci = ri_confidence_interval(y, treated, draws, estimate=est, std_error=se, **model)
    grid = np.linspace(est - 4 * se, est + 4 * se, 161)
    step = grid[1] - grid[0]
    accepted = grid[[ri_p_value_at(t, y, treated, draws, **model) > 0.05 for t in grid]]
    assert accepted.min() - step < ci.ci_low <= accepted.min() + 1e-9
    assert accepted.max() - 1e-9 <= ci.ci_high < accepted.max() + step
    # the ends are accepted, and just beyond them the test rejects
    assert ri_p_value_at(ci.ci_low, y, treated, draws, **model) > 0.05
    assert ri_p_value_at(ci.ci_low - 1e-3 * se, y, treated, draws, **model) <= 0.05
    assert ri_p_value_at(ci.ci_high + 1e-3 * se, y, treated, draws, **model) <= 0.05
    assert ci.ci_low < est < ci.ci_high


@pytest.mark.slow
def test_primary_outcomes_get_ri_intervals_in_the_effects():
    from tests._evalkit import base_raw, memory_trial, simulate_tables
    from trustexp.evaluation import evaluate

    ev = evaluate(memory_trial(base_raw(), simulate_tables(seed=31, n=240)), permutations=99)
    eff = ev.effects
    prim = eff.loc[eff["primary"] & eff["std_error"].notna()]
    assert len(prim) and prim["ri_ci_low"].notna().all()
    assert (prim["ri_ci_low"] < prim["estimate"]).all()
    assert (prim["estimate"] < prim["ri_ci_high"]).all()
    assert eff.loc[~eff["primary"], "ri_ci_low"].isna().all()
    assert "ri_ci_low" not in evaluate(memory_trial(base_raw(), simulate_tables(seed=31, n=240)),
                                       permutations=0).effects.columns
