"""The batched randomisation kernel with absorbed strata equals refitting each draw.

:mod:`trustexp.stats._batched` absorbs the strata (stratum-mean projection plus
an orthonormal basis of the demeaned covariates) instead of forming a dummy
column per stratum. Its t statistics must equal, draw by draw and outcome by
outcome, those of :func:`trustexp.stats.estimate_itt` refitted with each
draw's arm labels (the single fit, checked against R), to 1e-10 relative, for
every ``se_type``, additive and Lin adjustment, with and without covariates,
with clusters nested in the strata and cutting across them, several outcomes
at once, draws under which an arm is not identified, collinear covariates and
singleton strata. The fixed parts must not grow with the number of strata
times the number of people, and the result must not depend on how the draws
are split into chunks and slices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

from trustexp.stats import _batched, draw_assignments, estimate_itt, permutation_test
from trustexp.stats import randomisation as rnd

RTOL = 1e-10
DRAWS = 20
SE = ("HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2")
#: estimate_itt reports no standard error for these; the randomisation statistic
#: stays the kernel's there (see tests/test_stats_randomisation.py), so they are
#: not compared.
_NOT_COMPARED = ("exact_fit", "few_clusters")


def _design(seed: int, *, nested: bool, n: int = 150, n_strata: int = 7, n_arms: int = 3):
    """People in strata (one stratum of one), clusters, arms, 2 covariates, 3 outcomes."""
    rng = np.random.default_rng(seed)
    strata = rng.integers(0, n_strata, n)
    strata[0] = n_strata  # a singleton stratum
    if nested:  # clusters of about 5 inside a stratum: whole clusters are randomised
        clusters = strata * 100 + rng.integers(0, max(1, n // (5 * n_strata)), n)
        units, unit_of = np.unique(clusters, return_inverse=True)
        arm = rng.integers(0, n_arms, units.size)[unit_of]
    else:  # clusters across strata: people are randomised, clusters only for the SEs
        clusters = rng.integers(0, n // 6, n)
        arm = rng.integers(0, n_arms, n)
    cov = np.column_stack([rng.normal(size=n), rng.integers(0, 4, n).astype(float)])
    base = 0.4 * arm + 0.3 * strata + cov @ np.array([0.5, -0.3])
    y = np.column_stack(
        [
            base + rng.normal(size=n) * (1 + arm),
            base + rng.standard_t(3, size=n),
            (base + rng.normal(size=n) > 1).astype(float),
        ]
    )
    y[rng.random(n) < 0.15, :] = np.nan  # the same rows missing in every outcome
    return y, arm, strata, clusters, cov


def _reference(
    y: np.ndarray, assignments: np.ndarray, observed: np.ndarray, **kw: Any
) -> tuple[np.ndarray, np.ndarray]:
    """(draws, K, m) t statistics and whether each is compared, by refitting estimate_itt."""

    def rows(x: Any) -> Any:
        return None if x is None else np.asarray(x)[observed]

    fit_kw = {k: rows(v) if k in ("covariates", "strata", "clusters") else v for k, v in kw.items()}
    t = np.empty((assignments.shape[0], y.shape[1], kw["n_arms"] - 1))
    compared = np.empty(t.shape, dtype=bool)
    for b, a in enumerate(assignments):
        for k in range(y.shape[1]):
            fit = estimate_itt(y[observed, k], a[observed], **fit_kw)
            t[b, k] = fit.statistic
            compared[b, k] = [r not in _NOT_COMPARED for r in fit.reason]
    return t, compared


def _check(res_t: np.ndarray, ref_t: np.ndarray, compared: np.ndarray) -> None:
    """Equal NaN patterns and values to RTOL on the compared entries."""
    assert compared.mean() > 0.5  # most entries are compared
    got, want = res_t[compared], ref_t[compared]
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    finite = np.isfinite(want)
    assert finite.any()
    np.testing.assert_allclose(got[finite], want[finite], rtol=RTOL, atol=RTOL)


def _run(y, arm, strata, clusters, cov, *, se_type, adjustment, n_arms=3, whole_clusters=True):
    """permutation_test against the refit; whole clusters are randomised if asked."""
    cluster_se = se_type.startswith("CR")
    assignments = draw_assignments(arm, strata=strata, draws=DRAWS, seed=5,
                                   clusters=clusters if whole_clusters else None)
    kw = dict(
        n_arms=n_arms,
        covariates=cov,
        strata=strata,
        clusters=clusters if cluster_se else None,
        adjustment=adjustment,
        se_type=se_type,
    )
    observed = np.isfinite(y).all(axis=1)
    res = permutation_test(y, arm, assignments, **kw)
    ref_t, compared = _reference(y, assignments, observed, **kw)
    obs_t, obs_cmp = _reference(y, arm[None, :], observed, **kw)
    _check(res.t_draws, ref_t, compared)
    got = res.t_observed[obs_cmp[0]]
    want = obs_t[0][obs_cmp[0]]
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got[np.isfinite(want)], want[np.isfinite(want)], rtol=RTOL,
                               atol=RTOL)
    return res, ref_t


@pytest.mark.parametrize("se_type", SE)
@pytest.mark.parametrize("adjustment", ["additive", "lin"])
@pytest.mark.parametrize("covariates", [True, False])
def test_clusters_nested_in_strata_equal_the_refit(se_type, adjustment, covariates):
    y, arm, strata, clusters, cov = _design(1, nested=True)
    _run(y, arm, strata, clusters, cov if covariates else None, se_type=se_type,
         adjustment=adjustment)


@pytest.mark.parametrize("se_type", ["CR0", "CR1", "CR2"])
@pytest.mark.parametrize("adjustment", ["additive", "lin"])
@pytest.mark.parametrize("covariates", [True, False])
def test_clusters_across_strata_equal_the_refit(se_type, adjustment, covariates):
    y, arm, strata, clusters, cov = _design(2, nested=False)
    # the clusters really cut across strata
    per_cluster = [np.unique(strata[clusters == g]).size for g in np.unique(clusters)]
    assert max(per_cluster) > 2
    _run(y, arm, strata, clusters, cov if covariates else None, se_type=se_type,
         adjustment=adjustment, whole_clusters=False)


@pytest.mark.parametrize("se_type", ["HC1", "CR2"])
@pytest.mark.parametrize("adjustment", ["additive", "lin"])
def test_without_strata_equals_the_refit(se_type, adjustment):
    y, arm, _, clusters, cov = _design(3, nested=False)
    _run(y, arm, None, clusters, cov, se_type=se_type, adjustment=adjustment,
         whole_clusters=False)


@pytest.mark.parametrize("se_type", ["HC2", "CR2"])
@pytest.mark.parametrize("adjustment", ["additive", "lin"])
def test_four_arms_equal_the_refit(se_type, adjustment):
    y, arm, strata, clusters, cov = _design(4, nested=True, n=220, n_arms=4)
    _run(y, arm, strata, clusters, cov, se_type=se_type, adjustment=adjustment, n_arms=4)


@pytest.mark.parametrize("se_type", ["HC0", "HC3", "CR1", "CR2"])
@pytest.mark.parametrize("adjustment", ["additive", "lin"])
def test_collinear_covariates_equal_the_refit(se_type, adjustment):
    # a constant, a linear combination of others, and one constant within strata
    # (collinear with the strata effects only: dropped given the strata)
    y, arm, strata, clusters, cov = _design(6, nested=True)
    by_stratum = np.random.default_rng(0).normal(size=strata.max() + 1)[strata]
    covariates = np.column_stack(
        [cov[:, 0], np.full(arm.size, 2.0), cov[:, 0] - 3 * cov[:, 1] + 1, cov[:, 1],
         by_stratum]
    )
    _run(y, arm, strata, clusters, covariates, se_type=se_type, adjustment=adjustment)
    model = _batched.prepare(
        np.nan_to_num(y), covariates, strata, None, n_arms=3, adjustment=adjustment,
        se_type="HC2",
    )  # fmt: skip
    assert model.q_c.shape[1] == 2  # x0 and x1 are kept, the others dropped
    assert model.k_fixed == np.unique(strata).size + 2


@pytest.mark.parametrize("se_type", ["HC1", "HC2", "CR2"])
@pytest.mark.parametrize("adjustment", ["additive", "lin"])
def test_arms_not_identified_under_some_draws_give_nan_like_the_refit(se_type, adjustment):
    # arm 2 is two people of stratum 0, whose four people have two outcomes observed:
    # under some draws arm 2 is that stratum's observed rows (not identified given the
    # strata), under others it has no observed row
    rng = np.random.default_rng(8)
    n = 100
    strata = np.r_[np.zeros(4, dtype=np.int64), 1 + np.arange(n - 4) % 12]
    arm = np.r_[[2, 2, 0, 1], rng.integers(0, 2, n - 4)]
    clusters = np.r_[[0, 0, 1, 1], 2 + np.arange(n - 4) // 4]  # cut across strata
    cov = rng.normal(size=(n, 1))
    y = np.column_stack([rng.normal(size=n) + arm, rng.normal(size=n)])
    y[[0, 3]] = np.nan
    y[4 + np.flatnonzero(rng.random(n - 4) < 0.1)] = np.nan
    res, ref_t = _run(y, arm, strata, clusters, cov, se_type=se_type, adjustment=adjustment,
                      whole_clusters=False)
    arm2 = ref_t[:, :, 1]
    assert np.isnan(arm2).any() and np.isfinite(ref_t[:, :, 0]).all()
    assert np.isnan(res.t_draws[:, :, 1]).any()


def test_several_outcomes_share_the_draws_exactly():
    y, arm, strata, clusters, cov = _design(9, nested=False)
    assignments = draw_assignments(arm, strata=strata, draws=DRAWS, seed=3)
    kw = dict(n_arms=3, covariates=cov, strata=strata, clusters=clusters, adjustment="lin",
              se_type="CR2")
    joint = permutation_test(y, arm, assignments, **kw)
    for k in range(y.shape[1]):
        one = permutation_test(y[:, k], arm, assignments, observed=np.isfinite(y).all(axis=1),
                               **kw)
        np.testing.assert_allclose(joint.t_draws[:, k], one.t_draws, rtol=1e-12, atol=1e-12)


class _Sliced:
    """An executor that runs the slices here, to check the slicing alone."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def map(self, fn: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]) -> list[Any]:
        return [fn(shared, item) for item in items]


def test_same_bits_for_any_slicing(monkeypatch):
    y, arm, strata, clusters, cov = _design(10, nested=False, n=200, n_strata=12)
    assignments = draw_assignments(arm, strata=strata, draws=37, seed=2)
    kw = dict(n_arms=3, covariates=cov, strata=strata, clusters=clusters, adjustment="lin",
              se_type="CR2")
    model = _batched.prepare(
        np.nan_to_num(y), cov, strata, np.sort(clusters), n_arms=3, adjustment="lin",
        se_type="CR2",
    )  # fmt: skip
    monkeypatch.setattr(rnd, "CHUNK_BYTES", 5 * model.bytes_per_draw())  # chunks of about 5
    here = permutation_test(y, arm, assignments, **kw)
    for workers, tasks in ((1, None), (2, None), (3, 2), (2, 7)):
        there = permutation_test(y, arm, assignments, executor=_Sliced(workers), tasks=tasks,
                                 **kw)
        assert np.array_equal(here.t_draws, there.t_draws, equal_nan=True)
        assert np.array_equal(here.p_value, there.p_value, equal_nan=True)


def test_fixed_parts_do_not_grow_with_the_strata():
    # 2,000 people in 500 strata: nothing of the model is people x strata, and the
    # memory of a draw is about that of one stratum
    rng = np.random.default_rng(11)
    n, n_strata = 2000, 500
    strata = rng.integers(0, n_strata, n)
    clusters = np.sort(strata * 10 + rng.integers(0, 2, n))
    strata = clusters // 10
    y = rng.normal(size=(n, 2))
    cov = rng.normal(size=(n, 2))
    many = _batched.prepare(y, cov, strata, clusters, n_arms=4, adjustment="lin", se_type="CR2")
    one = _batched.prepare(y, cov, None, clusters, n_arms=4, adjustment="lin", se_type="CR2")
    assert many.n_strata == np.unique(strata).size and one.n_strata == 1
    for name in many.__slots__:
        value = getattr(many, name)
        if isinstance(value, np.ndarray) and value.ndim == 2:
            assert value.shape[1] < 10, name
    assert many.bytes_per_draw() < 1.2 * one.bytes_per_draw()
    assign = rng.integers(0, 4, size=(3, n))
    assert many.t_statistics(assign).shape == (3, 2, 3)
