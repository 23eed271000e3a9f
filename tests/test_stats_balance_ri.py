"""Randomisation tests of balance and attrition: the batched statistics against a
loop of wald_f on each draw, the p-value against its definition, and the
"not testable" rule (issue 8)."""

from __future__ import annotations

import numpy as np
import pytest

from trustexp.stats import _matrices as _design
from trustexp.stats import _ols, differential_attrition, draw_assignments, joint_test
from trustexp.stats._joint_draws import wald_statistics
from trustexp.stats.balance import wald_f

SE = ["HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"]


def _design_data(seed, n=60, n_clusters=12):
    rng = np.random.default_rng(seed)
    strata = np.repeat([0, 1], n // 2)
    clusters = np.arange(n) // (n // n_clusters)
    unit_arm = np.concatenate([rng.permutation(np.resize([0, 1, 2], n_clusters // 2))
                               for _ in range(2)])
    arm = unit_arm[clusters]
    x = np.column_stack([rng.normal(size=n), rng.exponential(size=n), rng.random(n) < 0.3])
    return rng, strata, clusters, arm, x.astype(float)


def dense_wald_f(y, strata, tested, se_type, clusters):
    """The Wald F of the model with one dummy column per stratum, by the plain fit."""
    fixed = _design.fixed_block(y.size, strata, None)
    k0 = fixed.shape[1]
    x = np.hstack([fixed, tested])
    keep = _design.independent_columns(x)
    fit = _ols.fit(x[:, keep], y)
    vcov, _ = _ols.robust_vcov(fit, se_type, clusters, df_for=np.array([], dtype=np.int64))
    where = (np.cumsum(keep) - 1)[k0:][keep[k0:]]
    v, b = vcov[np.ix_(where, where)], fit.coef[where]
    return float(b @ np.linalg.solve(v, b)) / where.size


@pytest.mark.parametrize("nested", [True, False])
@pytest.mark.parametrize("se_type", SE)
def test_absorbed_wald_f_equals_the_dummy_column_model(se_type, nested):
    rng, strata, clusters, arm, x = _design_data(11)
    if not nested:  # clusters that cut across the strata
        clusters = rng.integers(0, 12, strata.size)
    cl = clusters if se_type.startswith("CR") else None
    d = (arm == 1).astype(float)
    for st in (strata, None):
        got = wald_f(d, st, x, se_type, cl).statistic
        np.testing.assert_allclose(got, dense_wald_f(d, st, x, se_type, cl), rtol=1e-9)
        draws = draw_assignments(d.astype(int), strata=st, draws=5, seed=2).astype(float)
        batched = wald_statistics(draws, st, x, se_type, cl)
        want = [dense_wald_f(row, st, x, se_type, cl) for row in draws]
        np.testing.assert_allclose(batched, want, rtol=1e-9)


@pytest.mark.parametrize("se_type", SE)
def test_batched_balance_statistics_equal_a_loop(se_type):
    rng, strata, clusters, arm, x = _design_data(1)
    d = (arm == 1).astype(float)
    cl = clusters if se_type.startswith("CR") else None
    draws = draw_assignments(d.astype(int), strata=strata, clusters=clusters, draws=20, seed=3)
    got = wald_statistics(draws.astype(float), strata, x, se_type, cl)
    want = [wald_f(row.astype(float), strata, x, se_type, cl).statistic for row in draws]
    np.testing.assert_allclose(got, want, rtol=1e-8)


@pytest.mark.parametrize("se_type", SE)
def test_batched_attrition_statistics_equal_a_loop(se_type):
    rng, strata, clusters, arm, _ = _design_data(2)
    r = (rng.random(arm.size) < 0.7).astype(float)
    cl = clusters if se_type.startswith("CR") else None
    draws = draw_assignments(arm, strata=strata, clusters=clusters, draws=20, seed=4)
    tested = (draws[:, :, None] == np.array([1, 2])[None, None, :]).astype(float)
    got = wald_statistics(r, strata, tested, se_type, cl)
    want = [wald_f(r, strata, _design.dummies(row, 3), se_type, cl).statistic for row in draws]
    np.testing.assert_allclose(got, want, rtol=1e-8)


def test_balance_randomisation_p_value_by_its_definition():
    rng, strata, clusters, arm, x = _design_data(5)
    d = (arm == 2).astype(float)
    res = joint_test(d, x, strata=strata, clusters=clusters, se_type="CR2", draws=199, seed=9)
    draws = draw_assignments(d.astype(int), strata=strata, clusters=clusters, draws=199, seed=9)
    stats_b = np.array([wald_f(b.astype(float), strata, x, "CR2", clusters).statistic
                        for b in draws])
    stats_b = np.where(np.isfinite(stats_b), stats_b, -np.inf)
    want = (1 + (stats_b >= res.statistic * (1 - 1e-9)).sum()) / 200
    assert res.method == "randomisation" and res.draws == 199
    assert res.p_value == pytest.approx(want)
    wald = joint_test(d, x, strata=strata, clusters=clusters, se_type="CR2", method="wald")
    assert wald.statistic == pytest.approx(res.statistic)


def test_attrition_randomisation_p_value_by_its_definition():
    rng, strata, clusters, arm, _ = _design_data(6, n=90, n_clusters=18)
    r = (rng.random(arm.size) < 0.6).astype(float)
    res = differential_attrition(r, arm, n_arms=3, strata=strata, se_type="HC2", draws=99,
                                 seed=1)
    draws = draw_assignments(arm, strata=strata, draws=99, seed=1)
    stats_b = np.array([wald_f(r, strata, _design.dummies(b, 3), "HC2", None).statistic
                        for b in draws])
    want = (1 + (stats_b >= res.statistic * (1 - 1e-9)).sum()) / 100
    assert res.p_value == pytest.approx(want)
    assert res.testable and res.reason == ""


def test_constant_response_is_not_testable():
    """Issue 8: 100% response at wave 0 gave F = 4.79, p = 0.003 on rounding noise."""
    rng, strata, clusters, arm, _ = _design_data(7)
    for r, reason in ((np.ones(arm.size), "constant response"),
                      (np.r_[0.0, np.ones(arm.size - 1)], "nearly constant response")):
        for method in ("randomisation", "wald"):
            res = differential_attrition(r, arm, n_arms=3, strata=strata, method=method)
            assert not res.testable and res.reason == reason
            assert np.isnan(res.p_value) and np.isnan(res.statistic)


def test_option_errors():
    from trustexp.errors import OptionError

    with pytest.raises(OptionError, match="'method' parameter of joint_test must be one of"):
        joint_test(np.r_[0.0, 1.0, 0.0, 1.0], np.arange(4.0), method="exact")
    with pytest.raises(OptionError, match="0/1 assignment"):
        joint_test(np.arange(4.0), np.arange(4.0) ** 2)
    with pytest.raises(OptionError, match="'draws' parameter of joint_test"):
        joint_test(np.r_[0.0, 1.0, 0.0, 1.0], np.arange(4.0), draws=0)


@pytest.mark.parametrize("se_type", ["HC0", "HC1", "HC2", "HC3"])
def test_binary_draws_meat_by_one_product_equals_the_residuals(se_type):
    """The balance fast path (0/1 draws with fixed stratum sums) gives, draw by draw, the
    statistics of the general path and of the dummy-column model."""
    rng, strata, _, arm, x = _design_data(12, n=96)
    d = (arm == 2).astype(float)
    draws = draw_assignments(d.astype(int), strata=strata, draws=30, seed=8).astype(float)
    fast = wald_statistics(draws, strata, x, se_type, None, permuted_binary=True)
    general = wald_statistics(draws, strata, x, se_type, None)
    np.testing.assert_allclose(fast, general, rtol=1e-10)
    want = [dense_wald_f(row, strata, x, se_type, None) for row in draws]
    np.testing.assert_allclose(fast, want, rtol=1e-9)
