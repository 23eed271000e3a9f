"""Absorbed strata effects give the dummy-column results (HC0-3, CR0/1/2).

The absorbed fit (:mod:`trustexp.stats._absorb`, used by ``estimate_itt`` with
strata) is compared with the full model with one dummy column per stratum
(:mod:`trustexp.stats._ols`), to 1e-10: coefficients, variances, degrees of
freedom and leverages, with and without covariates, additive and Lin, with
singleton strata, with clusters nested in strata, and with clusters that cut
across strata (not nested): the absorbed CR2 forms the stratum block of each
cluster from its rows' strata, so it is exact in that case too.
"""

from __future__ import annotations

import numpy as np
import pytest

from trustexp.stats import _absorb, _ols, estimate_itt
from trustexp.stats import _matrices as _design

TOL = 1e-10
SE = ("HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2")


def _data(seed: int, *, singleton: bool, nested: bool):
    rng = np.random.default_rng(seed)
    n_strata = 6
    n = 180
    strata = rng.integers(0, n_strata, n)
    if singleton:
        strata[0] = n_strata  # a stratum of one
    # clusters of about 5 rows: inside a stratum (nested) or across strata
    if nested:
        clusters = strata * 100 + rng.integers(0, 6, n)
    else:
        clusters = rng.integers(0, 30, n)
    arm = rng.integers(0, 3, n)
    cov = np.column_stack([rng.normal(size=n), rng.integers(0, 4, n).astype(float)])
    y = 0.3 * arm + strata * 0.2 + cov @ np.array([0.5, -0.2]) + rng.normal(size=n) * (1 + arm)
    return y, arm, strata, clusters, cov


def _dummy_model(y, arm, strata, cov, adjustment):
    n = y.size
    xc = _design.centre(cov)
    w = _design.fixed_block(n, strata, xc)
    x = np.hstack([w, _design.arm_block(arm, 3, xc if adjustment == "lin" else None)])
    # the dummy-column reference keeps all columns (no collinearity in these data)
    return _ols.fit(x, y), _design.factorize(strata)[1]


def _absorbed_model(y, arm, strata, cov, adjustment):
    xc = _design.centre(cov)
    groups, n_groups = _design.factorize(strata)
    w = np.empty((y.size, 0)) if xc is None else xc
    x = np.hstack([w, _design.arm_block(arm, 3, xc if adjustment == "lin" else None)])
    keep = _design.absorbed_independent_columns(x, groups, n_groups)
    assert keep.all()
    return _absorb.fit_absorbed(x, y, groups, n_groups), n_groups


@pytest.mark.parametrize("se_type", SE)
@pytest.mark.parametrize("adjustment", ["none", "additive", "lin"])
@pytest.mark.parametrize("singleton", [False, True])
@pytest.mark.parametrize("nested", [True, False])
def test_absorbed_equals_dummy_columns(se_type, adjustment, singleton, nested):
    y, arm, strata, clusters, cov = _data(3, singleton=singleton, nested=nested)
    cov = None if adjustment == "none" else cov
    cl = clusters if se_type.startswith("CR") else None
    full, offset = _dummy_model(y, arm, strata, cov, adjustment)
    absd, _ = _absorbed_model(y, arm, strata, cov, adjustment)
    v_full, df_full = _ols.robust_vcov(full, se_type, cl)
    v_abs, df_abs = _absorb.robust_vcov_absorbed(absd, se_type, cl)
    # the absorbed coefficients are the full model's after its intercept and dummies
    tail = slice(offset, None)
    np.testing.assert_allclose(absd.coef, full.coef[tail], rtol=0, atol=TOL)
    np.testing.assert_allclose(absd.resid, full.resid, rtol=0, atol=TOL)
    np.testing.assert_allclose(absd.leverage, full.leverage, rtol=0, atol=TOL)
    np.testing.assert_allclose(absd.bread, full.bread[tail, tail], rtol=0, atol=TOL)
    np.testing.assert_allclose(v_abs, v_full[tail, tail], rtol=1e-9, atol=TOL)
    np.testing.assert_allclose(df_abs, df_full[tail], rtol=1e-9, atol=TOL)


@pytest.mark.parametrize("se_type", SE)
@pytest.mark.parametrize("adjustment", ["additive", "lin"])
def test_estimate_itt_matches_dummy_columns(se_type, adjustment):
    """``estimate_itt`` (absorbed) against the dummy-column sandwich, per arm."""
    y, arm, strata, clusters, cov = _data(11, singleton=True, nested=True)
    cl = clusters if se_type.startswith("CR") else None
    res = estimate_itt(y, arm, n_arms=3, covariates=cov, strata=strata, clusters=cl,
                       adjustment=adjustment, se_type=se_type)
    full, offset = _dummy_model(y, arm, strata, cov, adjustment)
    v_full, df_full = _ols.robust_vcov(full, se_type, cl)
    arms = offset + cov.shape[1] + np.arange(2)
    np.testing.assert_allclose(res.estimate, full.coef[arms], rtol=0, atol=TOL)
    np.testing.assert_allclose(res.std_error, np.sqrt(np.diag(v_full)[arms]), rtol=1e-9, atol=TOL)
    np.testing.assert_allclose(res.df, df_full[arms], rtol=1e-9, atol=TOL)


def test_singleton_stratum_row_is_fitted_exactly():
    y, arm, strata, clusters, cov = _data(5, singleton=True, nested=True)
    absd, _ = _absorbed_model(y, arm, strata, cov, "additive")
    assert absd.leverage[0] == pytest.approx(1.0, abs=1e-12)
    assert absd.resid[0] == pytest.approx(0.0, abs=1e-12)


def test_collinear_columns_dropped_as_with_dummies():
    """A covariate constant within strata is dropped by both rules."""
    y, arm, strata, clusters, cov = _data(7, singleton=False, nested=True)
    cov = np.column_stack([cov, strata * 2.0 + 1.0])
    xc = _design.centre(cov)
    x_full = np.hstack([_design.fixed_block(y.size, strata, xc), _design.arm_block(arm, 3, xc)])
    groups, n_groups = _design.factorize(strata)
    keep_abs = _design.absorbed_independent_columns(
        np.hstack([xc, _design.arm_block(arm, 3, xc)]), groups, n_groups)
    keep_full = _design.independent_columns(x_full)
    assert not keep_abs[2]
    np.testing.assert_array_equal(keep_full[n_groups:], keep_abs)


@pytest.mark.parametrize("nested", [True, False])
@pytest.mark.parametrize("se_type", SE)
def test_wald_statistics_absorbed_equal_the_dummy_column_model(se_type, nested):
    """The re-randomisation kernel with the strata absorbed equals, draw by draw, the
    Wald F of the plain fit with one dummy column per stratum (balance and attrition
    forms; clusters nested in the strata or cutting across them)."""
    from test_stats_balance_ri import dense_wald_f

    from trustexp.stats._joint_draws import wald_statistics
    from trustexp.stats.randomisation import draw_assignments

    y, arm, strata, clusters, cov = _data(13, singleton=False, nested=nested)
    cl = clusters if se_type.startswith("CR") else None
    d = (clusters % 2 == 0).astype(np.int64)
    draws = draw_assignments(d, strata=strata, draws=20, seed=4).astype(float)
    got = wald_statistics(draws, strata, cov, se_type, cl)
    want = [dense_wald_f(row, strata, cov, se_type, cl) for row in draws]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=TOL)
    # attrition form: one tested block per draw
    blocks = np.stack([_design.dummies(a.astype(np.int64), 2) for a in draws])
    got = wald_statistics(y, strata, blocks, se_type, cl)
    want = [dense_wald_f(y, strata, blk, se_type, cl) for blk in blocks]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=TOL)
