"""Coverage of the Lee bounds' Imbens-Manski interval (issue 8): nearly equal response,
and a two-site trial with different allocation and response rates between sites.
Seeded; results in results/*.json."""

from __future__ import annotations

import numpy as np
import pytest

from tests.simulation._study import check_coverage, record
from trustexp.stats import lee_bounds

pytestmark = pytest.mark.slow


def _arm(rng, n, q, shift, tau):
    """Monotone response: respond when U < q; outcome correlated with U; effect tau."""
    u = rng.random(n)
    y = rng.normal(size=n) + 1.5 * (u - 0.5) + shift + tau
    return y, u < q


@pytest.mark.parametrize("outcome", ["continuous", "binary"])
def test_imbens_manski_interval_covers_with_nearly_equal_response(outcome):
    rng = np.random.default_rng(950 if outcome == "continuous" else 951)
    reps, tau = 1000, 0.2
    in_bounds = hit = 0
    for _ in range(reps):
        # control responds below 0.70, treated below 0.73: always-responders are u < 0.70,
        # and their effect is tau in both arms' potential outcomes
        u1, u0 = rng.random(150), rng.random(150)
        e1, e0 = rng.normal(size=150), rng.normal(size=150)
        y1 = e1 + 1.5 * (u1 - 0.5) + tau
        y0 = e0 + 1.5 * (u0 - 0.5)
        truth = tau
        if outcome == "binary":
            y1, y0 = (y1 > 0.3).astype(float), (y0 > 0.3).astype(float)
            truth = _binary_truth(tau)
        y = np.r_[y1, y0]
        t = np.r_[np.ones(150, bool), np.zeros(150, bool)]
        o = np.r_[u1 < 0.73, u0 < 0.70]
        res = lee_bounds(y, t, o)
        in_bounds += res.lower <= truth <= res.upper
        hit += res.ci_low <= truth <= res.ci_high
    label = "continuous" if outcome == "continuous" else "binary (approximate)"
    record(f"lee_{outcome}", [
        {"quantity": f"Lee bounds contain the effect ({label}; no interval, old)",
         "design": "150 per arm, response 73% vs 70%", "nominal": 0.95,
         "observed": in_bounds / reps, "reps": reps},
        {"quantity": f"Lee Imbens-Manski 95% interval ({label})",
         "design": "150 per arm, response 73% vs 70%", "nominal": 0.95,
         "observed": hit / reps, "reps": reps}])
    if outcome == "continuous":
        check_coverage(hit / reps, reps, 0.94)


def _binary_truth(tau: float) -> float:
    """P(Y1 = 1) - P(Y0 = 1) among always-responders (u < 0.70), by a large draw."""
    rng = np.random.default_rng(0)
    u = rng.random(2_000_000) * 0.70
    e = rng.normal(size=u.size)
    base = e + 1.5 * (u - 0.5)
    return float(((base + tau) > 0.3).mean() - (base > 0.3).mean())


def test_two_site_interval_covers_the_null_effect():
    """No effect and no differential attrition within either site, different allocation,
    response rates and outcome levels between sites (the pooled bounds never held 0)."""
    rng = np.random.default_rng(960)
    reps = 1000
    hit = hit_raw = 0
    for _ in range(reps):
        parts = []
        for site, n_t, n_c, rate, level in ((0, 300, 100, 0.9, 2.0), (1, 100, 300, 0.5, 0.0)):
            t = np.r_[np.ones(n_t, bool), np.zeros(n_c, bool)]
            u = rng.random(n_t + n_c)
            y = level + rng.normal(size=n_t + n_c) + (u - 0.5)
            parts.append((y, t, u < rate, np.full(n_t + n_c, site)))
        y, t, o, site = (np.concatenate(x) for x in zip(*parts, strict=True))
        res = lee_bounds(y, t, o, strata=site)
        raw = lee_bounds(y, t, o)
        hit += res.ci_low <= 0 <= res.ci_high
        hit_raw += raw.ci_low <= 0 <= raw.ci_high
    record("lee_two_sites", [
        {"quantity": "Lee Imbens-Manski 95% interval, trimmed within sites",
         "design": "two sites, allocation 3:1 and 1:3, response 90% and 50%",
         "nominal": 0.95, "observed": hit / reps, "reps": reps},
        {"quantity": "same, pooled without sites (old, not used)",
         "design": "two sites, allocation 3:1 and 1:3, response 90% and 50%",
         "nominal": 0.95, "observed": hit_raw / reps, "reps": reps}])
    check_coverage(hit / reps, reps, 0.94)
