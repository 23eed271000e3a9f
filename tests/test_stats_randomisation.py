"""draw_assignments and permutation_test: the design's re-randomisations, and a
vectorised permutation test that must equal refitting estimate_itt draw by draw."""

from __future__ import annotations

import numpy as np
import pytest

from tests._stats_reference import codes, read_data
from trustexp.errors import OptionError
from trustexp.stats import draw_assignments, estimate_itt, permutation_test
from trustexp.stats import randomisation as rnd

DRAWS = 200


# -- draw_assignments -------------------------------------------------------------------------


def _design():
    frame = read_data("trial_four.csv")
    return codes(frame["arm"]), codes(frame["stratum"]), codes(frame["cluster"])


def test_draws_are_deterministic_by_seed():
    arm, strata, _ = _design()
    a = draw_assignments(arm, strata=strata, draws=50, seed=7)
    b = draw_assignments(arm, strata=strata, draws=50, seed=7)
    c = draw_assignments(arm, strata=strata, draws=50, seed=8)
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()
    assert a.shape == (50, arm.size) and a.dtype == np.int8


def test_draws_keep_each_stratums_arm_counts():
    arm, strata, _ = _design()
    draws = draw_assignments(arm, strata=strata, draws=100, seed=1)
    for s in np.unique(strata):
        rows = strata == s
        expected = np.bincount(arm[rows], minlength=4)
        for d in draws:
            np.testing.assert_array_equal(np.bincount(d[rows], minlength=4), expected)
    assert (draws != arm).any(axis=1).all()


def test_draws_move_whole_clusters_within_strata():
    arm, strata, clusters = _design()
    draws = draw_assignments(arm, strata=strata, clusters=clusters, draws=100, seed=2)
    for d in draws:
        for g in np.unique(clusters):
            assert np.unique(d[clusters == g]).size == 1
        for s in np.unique(strata):
            rows = strata == s
            np.testing.assert_array_equal(
                np.bincount(d[rows], minlength=4), np.bincount(arm[rows], minlength=4)
            )


def test_draws_are_uniform_over_permutations():
    # one stratum of 6 units with arms (0, 0, 0, 1, 1, 2): each unit is in arm 1 with
    # probability 1/3 and in arm 2 with probability 1/6
    arm = np.array([0, 0, 0, 1, 1, 2])
    draws = draw_assignments(arm, draws=12000, seed=3)
    np.testing.assert_allclose((draws == 1).mean(axis=0), 1 / 3, atol=0.02)
    np.testing.assert_allclose((draws == 2).mean(axis=0), 1 / 6, atol=0.02)
    # all 60 distinct assignments appear, about equally often
    _, counts = np.unique(draws, axis=0, return_counts=True)
    assert counts.size == 60
    assert counts.min() > 120 and counts.max() < 280


def test_draws_refuse_clusters_across_arms_or_strata():
    arm, strata, clusters = _design()
    mixed = clusters.copy()
    mixed[:16] = 0  # clusters 0 and 1 merged: same stratum, maybe different arms
    bad_arm = arm.copy()
    bad_arm[1] = (arm[0] + 1) % 4
    with pytest.raises(OptionError, match="whole clusters are randomised"):
        draw_assignments(bad_arm, clusters=clusters, draws=2, seed=1)
    bad_strata = strata.copy()
    bad_strata[0] = strata[0] + 1
    with pytest.raises(OptionError, match="clusters must lie within strata"):
        draw_assignments(arm, strata=bad_strata, clusters=clusters, draws=2, seed=1)
    with pytest.raises(OptionError, match="'draws'"):
        draw_assignments(arm, draws=-1, seed=1)


# -- permutation_test against a brute-force refit loop -----------------------------------------


def _brute_force(y, arm, assignments, observed, **kw):
    """Refit estimate_itt on the observed rows for every draw."""

    def rows(x):
        return None if x is None else np.asarray(x)[observed]

    fit_kw = {k: rows(v) if k in ("covariates", "strata", "clusters") else v for k, v in kw.items()}
    t_obs = estimate_itt(y[observed], arm[observed], **fit_kw).statistic
    t_draws = np.array(
        [estimate_itt(y[observed], a[observed], **fit_kw).statistic for a in assignments]
    )
    hits = (np.abs(t_draws) >= np.abs(t_obs) * (1 - 1e-9)).sum(axis=0)
    return t_obs, t_draws, (1 + hits) / (len(assignments) + 1)


def _case(name):
    if name.startswith("two"):
        frame = read_data("trial_two.csv")
        arm = codes(frame["arm"])
        return frame, arm, 2, codes(frame["stratum"]), None
    if name.startswith("four"):
        frame = read_data("trial_four.csv")
        return frame, codes(frame["arm"]), 4, codes(frame["stratum"]), codes(frame["cluster"])
    frame = read_data("trial_few.csv")
    return frame, codes(frame["arm"]), 2, None, codes(frame["cluster"])


CONFIGS = {
    "two_additive_strata_HC2": ("y", ["x1", "x2"], True, "additive", "HC2"),
    "two_lin_strata_missing_HC3": ("y_miss", ["x1", "x2", "wb0"], True, "lin", "HC3"),
    "two_ancova_missing_HC1": ("wb2", ["wb0"], True, "additive", "HC1"),
    "two_binary_HC0": ("y_bin", [], False, "additive", "HC0"),
    "four_additive_HC2": ("y", ["x1", "x2"], True, "additive", "HC2"),
    "four_cluster_missing_CR2": ("y_miss", ["x1", "x2"], True, "additive", "CR2"),
    "four_lin_cluster_CR2": ("y", ["x1", "x2"], True, "lin", "CR2"),
    "four_lin_missing_CR1": ("y_miss", ["x1"], True, "lin", "CR1"),
    "four_cluster_CR0": ("y", [], False, "additive", "CR0"),
    "few_CR2": ("y", [], False, "additive", "CR2"),
    "few_lin_CR2": ("y", ["x1"], False, "lin", "CR2"),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
@pytest.mark.slow
def test_permutation_test_equals_refitting_each_draw(name):
    y_col, covs, use_strata, adjustment, se_type = CONFIGS[name]
    frame, arm, n_arms, strata, clusters = _case(name)
    strata = strata if use_strata else None
    cluster_se = se_type.startswith("CR")
    assignments = draw_assignments(
        arm, strata=strata, clusters=clusters if cluster_se else None, draws=DRAWS, seed=11
    )
    y = frame[y_col].to_numpy(dtype=float)
    observed = np.isfinite(y)
    kw = dict(
        n_arms=n_arms,
        covariates=frame[covs].to_numpy(dtype=float) if covs else None,
        strata=strata,
        clusters=clusters if cluster_se else None,
        adjustment=adjustment,
        se_type=se_type,
    )
    res = permutation_test(y, arm, assignments, observed=observed, **kw)
    t_obs, t_draws, p = _brute_force(y, arm, assignments, observed, **kw)
    assert res.t_draws.shape == (DRAWS, n_arms - 1)
    np.testing.assert_allclose(res.t_observed, t_obs, rtol=0, atol=1e-8)
    np.testing.assert_allclose(res.t_draws, t_draws, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(res.p_value, p)
    # default `observed` is where y is not NaN
    again = permutation_test(y, arm, assignments, **kw)
    np.testing.assert_array_equal(again.p_value, res.p_value)


def test_chunking_does_not_change_results(monkeypatch):
    frame, arm, n_arms, strata, clusters = _case("four")
    y = frame["y_miss"].to_numpy(dtype=float)
    assignments = draw_assignments(arm, strata=strata, clusters=clusters, draws=50, seed=3)
    kw = dict(n_arms=n_arms, strata=strata, clusters=clusters, se_type="CR2")
    whole = permutation_test(y, arm, assignments, **kw)
    monkeypatch.setattr(rnd, "CHUNK_BYTES", 1)  # one draw per chunk
    single = permutation_test(y, arm, assignments, **kw)
    np.testing.assert_allclose(single.t_draws, whole.t_draws, rtol=0, atol=1e-10)


def test_degenerate_draws_give_nan_like_the_refit():
    # 12 people, 3 arms, only 5 outcomes observed: some draws leave an arm (or the
    # control arm) without an observed outcome
    rng = np.random.default_rng(5)
    arm = np.resize(np.arange(3), 12)
    y = rng.normal(size=12)
    y[[1, 2, 4, 7, 8, 10, 11]] = np.nan
    assignments = draw_assignments(arm, draws=DRAWS, seed=4)
    res = permutation_test(y, arm, assignments, n_arms=3, se_type="HC1")
    observed = np.isfinite(y)
    t_obs, t_draws, _ = _brute_force(y, arm, assignments, observed, n_arms=3, se_type="HC1")
    assert np.isnan(t_draws).any()
    # estimate_itt reports no standard error for an arm fitted exactly (issue 8); the
    # randomisation statistic of such a draw stays the batched kernel's (any statistic
    # defined on every draw keeps the test exact), so those entries are not compared
    exact = np.array([[r == "exact_fit" for r in estimate_itt(
        y[observed], a[observed], n_arms=3, se_type="HC1").reason] for a in assignments])
    t_draws = np.where(exact, res.t_draws, t_draws)
    exact_obs = np.array([r == "exact_fit" for r in estimate_itt(
        y[observed], arm[observed], n_arms=3, se_type="HC1").reason])
    t_obs = np.where(exact_obs, res.t_observed, t_obs)
    np.testing.assert_array_equal(np.isnan(res.t_draws), np.isnan(t_draws))
    np.testing.assert_allclose(res.t_draws, t_draws, rtol=0, atol=1e-8)
    finite = np.isfinite(t_draws)
    hits = (finite & (np.abs(t_draws) >= np.abs(t_obs) * (1 - 1e-9))).sum(axis=0)
    expected = np.where(np.isnan(t_obs), np.nan, (1 + hits) / (1 + finite.sum(axis=0)))
    assert np.isnan(t_obs[0])  # arm 1 has no observed outcome
    np.testing.assert_array_equal(res.p_value, expected)


def test_identity_draw_counts_as_a_tie():
    frame, arm, n_arms, strata, _ = _case("two")
    y = frame["y"].to_numpy(dtype=float)
    res = permutation_test(y, arm, np.tile(arm, (9, 1)), n_arms=2, strata=strata)
    assert res.p_value[0] == 1.0


def test_permutation_test_argument_errors():
    frame, arm, n_arms, strata, _ = _case("two")
    y = frame["y"].to_numpy(dtype=float)
    with pytest.raises(OptionError, match="'assignments'"):
        permutation_test(y, arm, arm[None, :-1], n_arms=2)
    with pytest.raises(OptionError, match="'observed'"):
        permutation_test(y, arm, arm[None, :], n_arms=2, observed=np.ones(y.size))
    with pytest.raises(OptionError, match="needs 'clusters'"):
        permutation_test(y, arm, arm[None, :], n_arms=2, se_type="CR2")


@pytest.mark.parametrize(
    ("adjustment", "se_type"), [("additive", "HC2"), ("lin", "CR2"), ("additive", "CR1")]
)
def test_several_outcomes_at_once_equal_one_at_a_time(adjustment, se_type):
    frame, arm, n_arms, strata, clusters = _case("four")
    observed = frame["y_miss"].notna().to_numpy()
    ys = frame[["y_miss", "y", "y_bin"]].to_numpy(dtype=float)
    assignments = draw_assignments(arm, strata=strata, clusters=clusters, draws=60, seed=9)
    kw = dict(
        n_arms=n_arms,
        covariates=frame[["x1", "x2"]].to_numpy(dtype=float),
        strata=strata,
        clusters=clusters if se_type.startswith("CR") else None,
        adjustment=adjustment,
        se_type=se_type,
    )
    joint = permutation_test(ys, arm, assignments, observed=observed, **kw)
    assert joint.t_draws.shape == (60, 3, 3) and joint.p_value.shape == (3, 3)
    for k in range(3):
        one = permutation_test(ys[:, k], arm, assignments, observed=observed, **kw)
        np.testing.assert_allclose(joint.t_observed[k], one.t_observed, rtol=0, atol=1e-10)
        np.testing.assert_allclose(joint.t_draws[:, k], one.t_draws, rtol=0, atol=1e-10)
        np.testing.assert_array_equal(joint.p_value[k], one.p_value)


@pytest.mark.parametrize("adjustment", ["additive", "lin"])
def test_collinear_and_constant_covariates_match_the_refit(adjustment):
    frame, arm, n_arms, strata, _ = _case("two")
    frame = frame[frame["site"] == 0]  # x3 is constant here
    arm = codes(frame["arm"])
    x1 = frame["x1"].to_numpy(dtype=float)
    covariates = np.column_stack([x1, frame["x3"].to_numpy(dtype=float), 2 * x1 + 1])
    y = frame["y_miss"].to_numpy(dtype=float)
    strata = codes(frame["stratum"])
    assignments = draw_assignments(arm, strata=strata, draws=DRAWS, seed=12)
    kw = dict(n_arms=2, covariates=covariates, strata=strata, adjustment=adjustment)
    res = permutation_test(y, arm, assignments, **kw)
    t_obs, t_draws, p = _brute_force(y, arm, assignments, np.isfinite(y), **kw)
    np.testing.assert_allclose(res.t_observed, t_obs, rtol=0, atol=1e-8)
    np.testing.assert_allclose(res.t_draws, t_draws, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(res.p_value, p)


def test_permutation_test_names_the_original_row_of_a_missing_covariate():
    frame, arm, n_arms, strata, _ = _case("two")
    y = frame["y_miss"].to_numpy(dtype=float)
    x = frame[["x1"]].to_numpy(dtype=float).copy()
    x[np.flatnonzero(np.isfinite(y))[3], 0] = np.nan
    row = np.flatnonzero(np.isfinite(y))[3]
    with pytest.raises(OptionError, match=f"'covariates'.*finite on the observed rows.*row {row}"):
        permutation_test(y, arm, arm[None, :], n_arms=2, covariates=x)
    x[np.flatnonzero(np.isnan(y))[0], 0] = np.nan  # unobserved rows may be NaN
    x[row, 0] = 1.0
    permutation_test(y, arm, arm[None, :], n_arms=2, covariates=x)
    with pytest.raises(OptionError, match="'strata'"):
        permutation_test(y, arm, arm[None, :], n_arms=2, strata=strata[:-1])
