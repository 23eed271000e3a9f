"""Size of the subgroup interaction tests and coverage of random-effects pooling.

Run by ``make simulate`` (marked slow); the figures are in tests/simulation/README.md.

Interaction tests (:mod:`trustexp.analysis.subgroups`)
    Trials of ``n`` persons in four strata, one arm against control, a
    subgroup of about 40% (two groups) or three groups, a common effect
    (so there is no interaction: the null), outcomes with variances that differ
    by group and arm. The Wald F test (HC2) and its randomisation version
    (plug-in common effect, 199 draws) should reject in about 5% of trials.
Pooling (:mod:`trustexp.stats.meta`)
    3 to 6 sites with effects ``theta_i ~ N(mu, tau2)`` and estimates
    ``y_i ~ N(theta_i, v_i)`` with unequal ``v_i`` (sites of 100 to 400 persons):
    coverage of the 95% interval of ``mu`` by REML with the normal distribution,
    Knapp-Hartung, and Knapp-Hartung with the ad hoc correction, and of the
    prediction intervals for a new site's ``theta`` (the default, Sidik-Jonkman
    ``tau2`` with t on k - 2 degrees of freedom; REML ``tau2`` with t on k - 2;
    ``metafor``'s default with t on k - 1), recorded in ``results/pooling_*.json``.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from tests.simulation._study import check_coverage, record
from trustexp.analysis.subgroups import _randomisation_p, interaction_test
from trustexp.stats import draw_assignments, estimate_itt
from trustexp.stats.meta import random_effects

pytestmark = pytest.mark.slow


def _trial(rng: np.random.Generator, n: int, cuts: tuple[float, ...]):
    strata = rng.integers(0, 4, n)
    arm = np.zeros(n, dtype=np.int64)
    for s in range(4):
        idx = np.flatnonzero(strata == s)
        arm[rng.permutation(idx)[: idx.size // 2]] = 1
    u = rng.uniform(size=n)
    group = np.searchsorted(np.asarray(cuts), u).astype(str)
    sd = 1.0 + 0.8 * (group == "1") + 0.5 * arm
    y = 0.5 * strata + 0.3 * arm + rng.normal(size=n) * sd
    return y, arm, strata, group


def _wald(y, arm, strata, group, names):
    est, se, df = [], [], []
    for g in names:
        sel = group == g
        res = estimate_itt(y[sel], arm[sel], n_arms=2, strata=strata[sel], se_type="HC2")
        est.append(res.estimate[0])
        se.append(res.std_error[0])
        df.append(res.df[0])
    return interaction_test(np.array(est), np.array(se), np.array(df))["p_value"]


def _ri(y, arm, strata, group, names, seed):
    tau = estimate_itt(y, arm, n_arms=2, strata=strata, se_type="HC2").estimate[0]
    d = SimpleNamespace(y=y, obs=np.ones(y.size, dtype=bool), cov=None)
    sample = SimpleNamespace(arm=arm, blocks=strata, clusters=None, se_type="HC2")
    an = SimpleNamespace(adjustment="additive", alpha=0.05)
    return _randomisation_p(d, sample, group, names, 1, float(tau), 199, seed, an, draw_assignments)


@pytest.mark.parametrize(("n", "cuts", "reps", "ri_reps"), [
    (400, (0.4,), 1000, 300),
    (120, (0.4,), 1000, 300),
    (150, (0.3, 0.65), 1000, 300),
])
def test_interaction_test_size(n, cuts, reps, ri_reps, record_property):
    rng = np.random.default_rng(20261201 + n)
    names = tuple(str(i) for i in range(len(cuts) + 1))
    wald, ri = [], []
    for r in range(reps):
        y, arm, strata, group = _trial(rng, n, cuts)
        wald.append(_wald(y, arm, strata, group, names))
        if r < ri_reps:
            ri.append(_ri(y, arm, strata, group, names, 1000 + r))
    size_w = float(np.mean(np.array(wald) < 0.05))
    size_ri = float(np.mean(np.array(ri) < 0.05))
    record_property("size", {"wald": size_w, "ri": size_ri})
    print(f"interaction n={n} groups={len(names)}: Wald {size_w:.3f} ({reps}), RI {size_ri:.3f} ({ri_reps})")
    assert 0.025 <= size_w <= 0.075
    assert size_ri <= 0.09


@pytest.mark.parametrize("k", [3, 4, 5, 6])
@pytest.mark.parametrize("tau", [0.0, 0.05, 0.1])
def test_pooled_interval_coverage(k, tau, record_property):
    rng = np.random.default_rng(7000 + 10 * k + int(100 * tau))
    reps = 2000
    mu = 0.03
    cover = {"z": 0, "knha": 0, "adhoc": 0, "pi_sj": 0, "pi_hts": 0, "pi_metafor": 0}
    width = dict.fromkeys(cover, 0.0)
    for _ in range(reps):
        sizes = rng.integers(100, 401, k)
        se = np.sqrt(0.25 * 4 / sizes)  # a binary outcome near 50%, half the site in each arm
        theta = mu + rng.normal(size=k) * tau
        y = theta + rng.normal(size=k) * se
        new = mu + rng.normal() * tau
        fits = {"z": random_effects(y, se, knapp_hartung=False),
                "knha": random_effects(y, se, adhoc=False),
                "adhoc": random_effects(y, se)}
        for name, f in fits.items():
            cover[name] += f.ci_low <= mu <= f.ci_high
            width[name] += f.ci_high - f.ci_low
        for pi in ("sj", "hts", "metafor"):
            f = fits["adhoc"] if pi == "sj" else random_effects(y, se, prediction=pi)  # type: ignore[arg-type]
            cover[f"pi_{pi}"] += f.pi_low <= new <= f.pi_high
            width[f"pi_{pi}"] += f.pi_high - f.pi_low
    rates = {n: c / reps for n, c in cover.items()}
    print(f"pooling k={k} tau={tau}: " + ", ".join(f"{n} {v:.3f} ({width[n] / reps:.3f})"
                                                  for n, v in rates.items()))
    record_property("coverage", rates)
    design = f"{k} sites of 100-400, binary near 50%, tau = {tau}"
    names = {"z": "pooled 95% interval, REML, normal (not used)",
             "knha": "pooled 95% interval, REML, Knapp-Hartung (not used)",
             "adhoc": "pooled 95% interval, REML, Knapp-Hartung ad hoc (default)",
             "pi_sj": "95% prediction interval, Sidik-Jonkman tau2, t on k-2 (default)",
             "pi_hts": "95% prediction interval, REML tau2, t on k-2 (prediction='hts')",
             "pi_metafor": "95% prediction interval, metafor's predict, t on k-1 (prediction='metafor')"}
    record(f"pooling_k{k}_tau{tau:g}", [
        {"quantity": names[n], "design": design, "nominal": 0.95, "observed": v, "reps": reps,
         "mean_width": width[n] / reps} for n, v in rates.items()])
    assert rates["adhoc"] >= 0.93
    assert rates["adhoc"] >= rates["knha"] - 1e-12 and rates["adhoc"] >= rates["z"] - 0.01
    # the default prediction interval covers a new site's effect at the nominal level or above
    # with 3 to 6 sites; metafor's (t with k - 1 df) under-covers with heterogeneity
    check_coverage(rates["pi_sj"], reps, 0.93)
    assert rates["pi_sj"] >= rates["pi_metafor"] - 1e-12
