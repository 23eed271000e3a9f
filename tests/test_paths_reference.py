"""Effects month by month: against estimatr::lm_robust month by month (tests/reference/paths.R),
against a loop of estimate_itt, and the band's correlation against a stacked regression."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustexp.stats import estimate_itt
from trustexp.stats.paths import estimate_paths

REF = Path(__file__).parent / "reference"


def _wide():
    d = pd.read_csv(REF / "data" / "paths_panel.csv")
    people = d.drop_duplicates("person").set_index("person").sort_index()
    y = d.pivot(index="person", columns="month", values="y").reindex(people.index)
    return y.to_numpy(dtype=float), people


@pytest.mark.parametrize("se_type", ["HC2", "CR2"])
def test_paths_match_lm_robust_month_by_month(se_type):
    ref = json.loads((REF / "paths.json").read_text())[se_type]
    y, p = _wide()
    res = estimate_paths(y, p.arm.to_numpy(), n_arms=3, covariates=p[["x"]].to_numpy(),
                         strata=p.stratum.to_numpy(),
                         clusters=p.cluster.to_numpy() if se_type == "CR2" else None,
                         se_type=se_type, draws=500)
    for r in ref:
        t = int(r["month"]) - 1
        np.testing.assert_allclose(res.estimate[t], r["estimate"], rtol=0, atol=1e-6)
        np.testing.assert_allclose(res.std_error[t], r["std_error"], rtol=0, atol=1e-6)
        np.testing.assert_allclose(res.df[t], r["df"], rtol=1e-6)
        np.testing.assert_allclose(res.p_value[t], r["p_value"], rtol=0, atol=1e-4)
        np.testing.assert_allclose(res.ci_low[t], r["ci_low"], rtol=0, atol=1e-6)


@pytest.mark.parametrize(("se_type", "adjustment", "clustered"), [
    ("HC2", "additive", False), ("HC1", "lin", False), ("HC3", "additive", False),
    ("CR2", "lin", True), ("CR1", "additive", True), ("CR0", "additive", True)])
def test_paths_equal_one_estimate_itt_per_month(se_type, adjustment, clustered):
    rng = np.random.default_rng(3)
    n, months = 300, 7
    arm = rng.integers(0, 4, n)
    strata = rng.integers(0, 4, n)
    cl = rng.integers(0, 35, n)
    x = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n)])
    y = rng.normal(size=(n, months)) + 0.3 * arm[:, None]
    y[rng.random((n, months)) < 0.15] = np.nan
    y[:, 2] = y[:, 1]  # two months with the same observed persons: one solve
    y[strata == 3, 4] = np.nan  # a stratum nobody is observed in: the exact column selection
    res = estimate_paths(y, arm, n_arms=4, covariates=x, strata=strata,
                         clusters=cl if clustered else None, adjustment=adjustment,
                         se_type=se_type, draws=500)
    for t in range(months):
        o = np.isfinite(y[:, t])
        one = estimate_itt(y[o, t], arm[o], n_arms=4, covariates=x[o], strata=strata[o],
                           clusters=cl[o] if clustered else None, adjustment=adjustment,
                           se_type=se_type)
        for name in ("estimate", "std_error", "df", "p_value", "ci_low", "ci_high"):
            np.testing.assert_allclose(getattr(res, name)[t], getattr(one, name),
                                       rtol=1e-9, atol=1e-12, err_msg=f"{name} month {t}")
        assert res.n[t] == one.n and res.n_control[t] == one.n_control


def test_band_correlation_matches_stacked_regression_hc0():
    """HC0: the covariance of two months' estimates is that of a stacked regression
    (month-specific coefficients) clustered by person, which the band's draws use."""
    rng = np.random.default_rng(5)
    n, months = 200, 3
    arm = rng.integers(0, 2, n)
    y = rng.normal(size=(n, months)) + rng.normal(size=(n, 1))  # correlated within person
    res = estimate_paths(y, arm, n_arms=2, se_type="HC0", draws=20_000, seed=1)
    # brute force: per person influence of each month's arm coefficient
    x = np.column_stack([np.ones(n), arm])
    bread = np.linalg.inv(x.T @ x)
    infl = np.column_stack([(x @ bread)[:, 1] * (y[:, t] - x @ (bread @ x.T @ y[:, t]))
                            for t in range(months)])
    cov = infl.T @ infl
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), res.std_error[:, 0], rtol=1e-10)
    corr = cov / np.outer(np.sqrt(np.diag(cov)), np.sqrt(np.diag(cov)))
    z = np.random.default_rng(2).multivariate_normal(np.zeros(months), corr, 200_000)
    crit = np.quantile(np.abs(z).max(axis=1), 0.95)
    assert res.critical[0] == pytest.approx(max(crit, 1.96), abs=0.02)
    assert np.all(res.band_low <= res.ci_low) and np.all(res.band_high >= res.ci_high)
