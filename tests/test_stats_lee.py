"""Lee bounds within strata, their standard errors and the Imbens-Manski interval,
against an independent R implementation (tests/reference/06_lee_strata.R), and the
examples of issue 8."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests._stats_reference import load_json, read_data
from trustexp.stats import lee_bounds
from trustexp.stats.lee import imbens_manski_c

REF = load_json("lee_strata.json")

FIELDS = ("lower", "upper", "lower_se", "upper_se", "ci_low", "ci_high", "set_ci_low",
          "set_ci_high", "trimming_share")


@pytest.mark.parametrize("case", REF["lee"], ids=lambda c: c["spec"]["name"])
def test_stratified_lee_bounds_match_r(case):
    spec = case["spec"]
    frame = read_data(spec["data"])
    control, treated_arm = spec["arms"]
    frame = frame[frame["arm"].isin([control, treated_arm])].reset_index(drop=True)
    cells = spec["cells"]
    strata = None
    if cells:
        strata = pd.factorize(frame[list(np.atleast_1d(cells))].astype(str).agg("/".join, axis=1),
                              sort=True)[0]
    y = frame[spec["y"]].to_numpy(dtype=float)
    res = lee_bounds(y, (frame["arm"] == treated_arm).to_numpy(), np.isfinite(y),
                     strata=strata, alpha=spec["alpha"])
    for field in FIELDS:
        assert getattr(res, field) == pytest.approx(case[field], rel=1e-9, abs=1e-12), field
    assert res.trimmed_group == case["trimmed_group"]
    assert (res.n, res.n_arm, res.n_control, res.cells) == (
        case["n"], case["n_arm"], case["n_control"], case["cells"])
    # the delta-method standard errors agree with R's bootstrap (2000 resamples)
    assert res.lower_se == pytest.approx(case["boot_lower_se"], rel=0.15)
    assert res.upper_se == pytest.approx(case["boot_upper_se"], rel=0.15)


def test_imbens_manski_critical_value():
    z975, z95 = stats.norm.ppf(0.975), stats.norm.ppf(0.95)
    assert imbens_manski_c(0.0, 1.0, 0.05) == pytest.approx(z975)
    assert imbens_manski_c(50.0, 1.0, 0.05) == pytest.approx(z95, abs=1e-9)
    c = imbens_manski_c(1.0, 0.5, 0.05)
    assert z95 < c < z975
    assert stats.norm.cdf(c + 2.0) - stats.norm.cdf(-c) == pytest.approx(0.95, abs=1e-12)


def _two_site_trial(rng, exact=False):
    """Issue 8: two sites, no effect, no differential attrition within either site,
    but different allocation and response rates (and outcome levels) between sites."""
    parts = []
    for site, n_t, n_c, rate, level in ((0, 300, 100, 0.9, 2.0), (1, 100, 300, 0.5, 0.0)):
        treated = np.r_[np.ones(n_t, bool), np.zeros(n_c, bool)]
        if exact:
            obs = np.r_[np.arange(n_t) < rate * n_t, np.arange(n_c) < rate * n_c]
        else:
            obs = rng.random(n_t + n_c) < rate
        y = level + rng.normal(size=n_t + n_c)
        parts.append((y, treated, obs, np.full(n_t + n_c, site)))
    return [np.concatenate(x) for x in zip(*parts, strict=True)]


def test_two_site_bounds_pooled_without_strata_miss_zero_and_with_strata_cover_it():
    rng = np.random.default_rng(8)
    covered = covered_raw = 0
    reps = 30
    for _ in range(reps):
        y, t, o, site = _two_site_trial(rng)
        raw = lee_bounds(y, t, o)
        res = lee_bounds(y, t, o, strata=site)
        covered_raw += raw.lower <= 0 <= raw.upper
        covered += res.ci_low <= 0 <= res.ci_high
    assert covered_raw <= 3  # the old pooled bounds: 0 of 30 in the issue
    assert covered >= 27


def test_exact_equal_response_in_every_cell_gives_the_weighted_difference():
    y, t, o, site = _two_site_trial(np.random.default_rng(3), exact=True)
    res = lee_bounds(y, t, o, strata=site)
    assert res.trimming_share == 0.0 and res.trimmed_group == "none"
    diffs, weights = [], []
    for s in (0, 1):
        k = site == s
        diffs.append(y[k & t & o].mean() - y[k & ~t & o].mean())
        weights.append(k.sum() * min(o[k & t].mean(), o[k & ~t].mean()))
    want = np.average(diffs, weights=weights)
    assert res.lower == pytest.approx(want) and res.upper == pytest.approx(want)


@pytest.mark.slow
def test_interval_covers_the_effect_with_nearly_equal_response():
    """Issue 8: response 70% vs 73%, 150 per arm: the bounds alone miss the true effect
    in 44% of samples; the Imbens-Manski interval covers it."""
    rng = np.random.default_rng(44)
    reps, hit_bounds, hit_ci = 400, 0, 0
    for _ in range(reps):
        t = np.r_[np.ones(150, bool), np.zeros(150, bool)]
        y = rng.normal(size=300) + 0.2 * t
        o = rng.random(300) < np.where(t, 0.73, 0.70)
        res = lee_bounds(y, t, o)
        hit_bounds += res.lower <= 0.2 <= res.upper
        hit_ci += res.ci_low <= 0.2 <= res.ci_high
    assert hit_bounds / reps < 0.75
    assert hit_ci / reps >= 0.93
