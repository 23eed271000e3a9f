"""Simulations of timing (issue 11): RMST with gaps in the panel, the sup-t band's coverage.

Run with ``python -m pytest -q -m slow tests/simulation/test_timing_simulation.py -s``;
the tables printed are recorded in tests/simulation/README.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trustexp.outcomes import _Panel, follow_up_months, time_to_exit
from trustexp.stats.paths import estimate_paths
from trustexp.stats.survival import rmst

pytestmark = pytest.mark.slow

TAU = 24
HAZARD = {0: 0.05, 1: 0.07}  # monthly exit hazard of control and treatment


def true_rmst(h: float, tau: int = TAU) -> float:
    return float(sum((1 - h) ** t for t in range(tau)))


def _panel(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Persons randomised in 2019-01; exit month geometric by arm; a gap (end of the
    gap-free run) with hazard 1% a month before the exit and 6% after it (people who found
    work move away more often: the complete-case analysis loses their exits)."""
    arm = rng.integers(0, 2, n)
    h = np.where(arm == 1, HAZARD[1], HAZARD[0])
    t_exit = rng.geometric(h)
    months = np.arange(1, TAU + 1)
    after = months[None, :] > t_exit[:, None]
    gap = rng.random((n, TAU)) < np.where(after, 0.06, 0.01)
    # a gap removes that month's row; later months may come back (a hole in the panel)
    present = ~gap
    off = months[None, :] >= t_exit[:, None]
    rows = np.nonzero(present)
    parts = pd.DataFrame({"person_id": [f"p{i}" for i in range(n)],
                          "randomised_on": pd.Timestamp("2019-01-15")})
    m0 = 2019 * 12
    monthly = pd.DataFrame({
        "person_id": [f"p{i}" for i in rows[0]],
        "month": m0 + months[rows[1]],
        "on_benefit": (~off[rows]).astype(np.int8),
        "employed": off[rows].astype(np.int8),
    })
    return parts, monthly, arm


def _one(seed: int, n: int) -> tuple[float, float, float]:
    rng = np.random.default_rng(seed)
    parts, monthly, arm = _panel(rng, n)
    panel = _Panel(follow_up_months(parts, monthly), n, TAU)
    value, event = time_to_exit(panel, 1, TAU, None)
    ok = np.isfinite(value)
    t, d, a = value[ok].astype(int), event[ok].astype(int), arm[ok]
    r1, s1 = rmst(t[a == 1], d[a == 1], TAU)
    r0, s0 = rmst(t[a == 0], d[a == 0], TAU)
    # the old rule: min(T, W) over persons whose whole window is observed
    full = panel.present.all(axis=1)
    exits = (panel.values["employed"] == 1) & (panel.values["on_benefit"] == 0)
    first = np.where(exits.any(axis=1), exits.argmax(axis=1) + 1, TAU)
    cc = first[full & (arm == 1)].mean() - first[full & (arm == 0)].mean()
    return r1 - r0, float(np.hypot(s1, s0)), float(cc)


def test_rmst_difference_unbiased_with_gaps_and_covers():
    reps, n = 1000, 800
    truth = true_rmst(HAZARD[1]) - true_rmst(HAZARD[0])
    res = np.array([_one(s, n) for s in range(reps)])
    est, se, cc = res[:, 0], res[:, 1], res[:, 2]
    z = stats.norm.ppf(0.975)
    cover = np.mean(np.abs(est - truth) <= z * se)
    mcse = est.std(ddof=1) / np.sqrt(reps)
    print(f"\nRMST difference, {reps} trials of {n}: truth {truth:.3f}; KM mean {est.mean():.3f}"
          f" (bias {est.mean() - truth:+.3f}, MC s.e. {mcse:.3f}); complete-case min(T, W)"
          f" mean {cc.mean():.3f} (bias {cc.mean() - truth:+.3f}); coverage {cover:.3f};"
          f" mean s.e. {se.mean():.3f}, s.d. {est.std(ddof=1):.3f}")
    assert abs(est.mean() - truth) < 3 * mcse
    assert cover >= 0.94


def test_sup_t_band_covers_all_months_at_once():
    """Under no effect, correlated months: the band covers the whole path in >= 94% of
    trials, the pointwise intervals far less often."""
    reps, n, months = 500, 400, 24
    band_cover, point_cover = 0, 0
    for s in range(reps):
        rng = np.random.default_rng(10_000 + s)
        arm = rng.integers(0, 3, n)
        person = rng.normal(size=(n, 1))
        ar = np.cumsum(rng.normal(size=(n, months)) * 0.5, axis=1)
        y = ((person + ar + rng.normal(size=(n, months))) > 0.5).astype(float)
        y[rng.random((n, months)) < 0.05] = np.nan
        strata = rng.integers(0, 4, n)
        r = estimate_paths(y, arm, n_arms=3, strata=strata, draws=2000, seed=s)
        band_cover += bool(np.all((r.band_low[:, 0] <= 0) & (r.band_high[:, 0] >= 0)))
        point_cover += bool(np.all((r.ci_low[:, 0] <= 0) & (r.ci_high[:, 0] >= 0)))
    print(f"\nsup-t band, {reps} null trials of {n} x {months} months: simultaneous coverage"
          f" of the band {band_cover / reps:.3f}, of the pointwise intervals"
          f" {point_cover / reps:.3f}")
    assert band_cover / reps >= 0.94
