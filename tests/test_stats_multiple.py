"""Holm and Benjamini-Hochberg against R's p.adjust; Romano-Wolf against an R
implementation and a brute-force one; family-wise error rate by simulation."""

from __future__ import annotations

import numpy as np
import pytest

from tests._stats_reference import DATA, as_array, load_json
from trustexp.errors import OptionError
from trustexp.stats import (
    adjust,
    benjamini_hochberg,
    draw_assignments,
    holm,
    permutation_test,
    romano_wolf,
)

MULTIPLE = load_json("multiple.json")
RW_DRAWS = np.loadtxt(DATA / MULTIPLE["romano_wolf"]["draws_file"][0], delimiter=",", skiprows=1)


def _name(case):
    return case["name"][0]


@pytest.mark.parametrize("case", MULTIPLE["p_adjust"], ids=_name)
def test_holm_and_bh_match_p_adjust(case):
    p = as_array(case["p"])
    np.testing.assert_allclose(holm(p), as_array(case["holm"]), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(
        benjamini_hochberg(p), as_array(case["bh"]), rtol=1e-12, equal_nan=True
    )
    np.testing.assert_allclose(adjust(p, "holm"), holm(p), equal_nan=True)
    np.testing.assert_allclose(adjust(p, "bh"), benjamini_hochberg(p), equal_nan=True)
    np.testing.assert_array_equal(adjust(p, "none"), p)


@pytest.mark.parametrize("case", MULTIPLE["romano_wolf"]["cases"], ids=_name)
def test_romano_wolf_matches_r(case):
    t_obs = as_array(case["t_observed"])
    expected = as_array(case["adjusted"])
    np.testing.assert_allclose(romano_wolf(t_obs, RW_DRAWS), expected, rtol=1e-12)
    p_raw = np.ones_like(t_obs)
    np.testing.assert_allclose(
        adjust(p_raw, "romano-wolf", t_observed=t_obs, t_draws=RW_DRAWS), expected, rtol=1e-12
    )


def _romano_wolf_brute_force(t_obs, t_draws):
    """Step-down written as in Romano and Wolf (2016, Algorithm 2): reject in rounds."""
    m = len(t_obs)
    active = set(range(m))
    adjusted = [None] * m
    previous = 0.0
    while active:
        # the hypothesis with the largest |t| among those still active
        top = max(sorted(active), key=lambda j: abs(t_obs[j]))
        exceed = 0
        for row in t_draws:
            biggest = max(abs(row[j]) for j in active)
            if biggest >= abs(t_obs[top]) * (1 - 1e-9):
                exceed += 1
        p = (1 + exceed) / (len(t_draws) + 1)
        previous = max(previous, p)
        adjusted[top] = previous
        active.remove(top)
    return np.array(adjusted)


@pytest.mark.parametrize("seed", range(5))
def test_romano_wolf_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    m, draws = 5, 300
    cov = 0.6 + 0.4 * np.eye(m)
    t_draws = rng.multivariate_normal(np.zeros(m), cov, size=draws).round(2)
    t_obs = np.array([2.5, -1.0, 0.2, 3.0, -2.1]) * (1 + 0.3 * seed)
    t_obs[seed % m] = t_draws[3, seed % m]  # an exact tie with a draw
    np.testing.assert_allclose(
        romano_wolf(t_obs, t_draws), _romano_wolf_brute_force(t_obs, t_draws)
    )


def test_romano_wolf_properties():
    t_obs = np.array([3.0, np.nan, -1.0, 2.0])
    adj = romano_wolf(t_obs, RW_DRAWS[:, :4])
    assert np.isnan(adj[1])
    # monotone in |t|, and at least the single-hypothesis permutation p-value
    order = np.argsort(-np.abs(t_obs[[0, 2, 3]]))
    assert np.all(np.diff(adj[[0, 2, 3]][order]) >= 0)
    for j in (0, 2, 3):
        single = (1 + (np.abs(RW_DRAWS[:, j]) >= abs(t_obs[j])).sum()) / (len(RW_DRAWS) + 1)
        assert adj[j] >= single


def test_adjust_errors():
    with pytest.raises(OptionError, match="'method' parameter of adjust must be one of"):
        adjust([0.1], "bonferroni")
    with pytest.raises(OptionError, match="needs 't_observed' and 't_draws'"):
        adjust([0.1], "romano-wolf")
    with pytest.raises(OptionError, match="p-values in \\[0, 1\\]"):
        holm([0.1, 1.2])


@pytest.mark.slow
def test_family_wise_error_rate_under_the_global_null():
    """Under the global null, P(any adjusted p <= alpha) <= alpha (+ Monte Carlo error).

    Three correlated outcomes x two treatment arms = six hypotheses, randomisation
    test with 199 re-randomisations in four strata. The unadjusted rate must be
    clearly above alpha, so that the simulation can detect a procedure that fails.
    """
    rng = np.random.default_rng(2024)
    reps, draws, alpha, n = 2000, 199, 0.05, 90
    strata = np.repeat(np.arange(4), [24, 21, 24, 21])
    base_arm = np.concatenate([np.resize(np.arange(3), k) for k in (24, 21, 24, 21)])
    any_rw = any_holm = any_raw = 0
    for _ in range(reps):
        arm = draw_assignments(base_arm, strata=strata, draws=1, seed=int(rng.integers(2**31)))[0]
        common = rng.normal(size=n)
        ys = [common + rng.standard_t(4, size=n) for _ in range(3)]
        ys[2] = (ys[2] > 0).astype(float)  # a binary outcome
        assignments = draw_assignments(
            arm, strata=strata, draws=draws, seed=int(rng.integers(2**31))
        )
        results = [
            permutation_test(y, arm, assignments, n_arms=3, strata=strata, se_type="HC2")
            for y in ys
        ]
        t_obs = np.concatenate([r.t_observed for r in results])
        t_draws = np.hstack([r.t_draws for r in results])
        p = np.concatenate([r.p_value for r in results])
        any_rw += bool((romano_wolf(t_obs, t_draws) <= alpha).any())
        any_holm += bool((holm(p) <= alpha).any())
        any_raw += bool((p <= alpha).any())
    mc = 2.5 * np.sqrt(alpha * (1 - alpha) / reps)
    print(
        f"FWER: Romano-Wolf {any_rw / reps:.4f}, Holm {any_holm / reps:.4f}, none {any_raw / reps:.4f}"
    )
    assert any_rw / reps <= alpha + mc
    assert any_holm / reps <= alpha + mc
    assert any_raw / reps > alpha + 3 * mc


def test_romano_wolf_counts_an_undefined_draw_as_never_exceeding():
    """A NaN draw is -inf for its hypothesis: counted in B, never exceeds (brute force)."""
    rng = np.random.default_rng(7)
    t_draws = rng.normal(size=(400, 4))
    t_draws[rng.random(t_draws.shape) < 0.15] = np.nan
    t_obs = np.array([2.2, -0.4, 1.7, 2.9])
    # brute force on |t|: an undefined draw gets magnitude 0, below every observed |t|
    filled = np.where(np.isfinite(t_draws), t_draws, 0.0)
    want = _romano_wolf_brute_force(t_obs, filled)
    np.testing.assert_allclose(romano_wolf(t_obs, t_draws), want)
    assert np.isfinite(romano_wolf(t_obs, t_draws)).all()


def test_family_keeps_a_member_with_undefined_draws():
    """Issue 8: a rare binary outcome with undefined re-randomisation statistics stays in
    its family; the other members are adjusted as the whole family (not a smaller one)."""
    import pandas as pd

    from trustexp.analysis.effects import _adjust_families

    rng = np.random.default_rng(11)
    draws = rng.normal(size=(999, 3))
    draws[rng.random(999) < 0.2, 2] = np.nan  # the rare outcome: undefined in 20% of draws
    t_obs = np.array([2.4, 1.1, 2.6])
    frame = pd.DataFrame({"p_value": [0.02, 0.3, 0.01], "statistic": t_obs,
                          "family": ["work"] * 3})
    got = _adjust_families(frame, "romano-wolf", draws)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, romano_wolf(t_obs, draws))
    # the smaller family the old code used would have given the first member a smaller p
    assert got[0] >= romano_wolf(t_obs[:2], draws[:, :2])[0]
