"""Coverage of the effect intervals (HC2, CR2 with few clusters), size of randomisation
inference, coverage of the randomisation-inference interval, and the family-wise error
rate of Holm and Romano-Wolf (with undefined draws), under heteroskedastic, skewed and
clustered designs. Seeded; results in results/*.json."""

from __future__ import annotations

import numpy as np
import pytest

from tests.simulation._study import (
    assign,
    check_coverage,
    check_size,
    clustered_template,
    record,
)
from trustexp.stats import adjust, draw_assignments, estimate_itt, permutation_test
from trustexp.stats.randomisation import ri_confidence_interval

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("errors", ["exponential", "lognormal"])
def test_hc2_interval_covers_with_heteroskedastic_skewed_outcomes(errors):
    """Skewed errors with 3x the spread in the treated arm. Exponential errors (skewness 2)
    must cover 0.94; lognormal errors (skewness 6) are recorded as a stress design, where
    any t interval of 60 per arm under-covers (approximate, not asserted)."""
    rng = np.random.default_rng(901 if errors == "exponential" else 902)
    reps, n, tau = 2000, 120, 0.5
    template, strata = np.resize([0, 1], n), np.repeat([0, 1], n // 2)
    hit = 0
    for _ in range(reps):
        arm = assign(rng, template, strata)
        x = rng.normal(size=n)
        e = (rng.exponential(size=n) - 1.0 if errors == "exponential"
             else rng.lognormal(size=n) - np.exp(0.5))
        y = 1 + tau * arm + x + e * np.where(arm == 1, 3.0, 1.0)
        res = estimate_itt(y, arm, n_arms=2, covariates=x[:, None], strata=strata)
        hit += res.ci_low[0] <= tau <= res.ci_high[0]
    label = "" if errors == "exponential" else " (stress design: approximate)"
    record(f"effects_hc2_{errors}", [{
        "quantity": f"ITT 95% interval, HC2{label}",
        "design": f"n=120, {errors} errors, 3x spread in treated, strata, covariate",
        "nominal": 0.95, "observed": hit / reps, "reps": reps}])
    if errors == "exponential":
        check_coverage(hit / reps, reps, 0.94)


@pytest.mark.parametrize("n_clusters", [8, 12])
def test_cr2_interval_covers_with_few_clusters(n_clusters):
    rng = np.random.default_rng(910 + n_clusters)
    reps, tau = 2000, 0.3
    sizes = rng.integers(5, 25, size=n_clusters)
    clusters = np.repeat(np.arange(n_clusters), sizes)
    unit_arm = np.resize([0, 1], n_clusters)
    template = unit_arm[clusters]
    hit = 0
    for _ in range(reps):
        arm = assign(rng, template, None, clusters)
        y = tau * arm + rng.normal(size=n_clusters)[clusters] + rng.exponential(size=arm.size)
        res = estimate_itt(y, arm, n_arms=2, clusters=clusters, se_type="CR2")
        hit += res.ci_low[0] <= tau <= res.ci_high[0]
    record(f"effects_cr2_{n_clusters}", [{
        "quantity": "ITT 95% interval, CR2 + Bell-McCaffrey df",
        "design": f"{n_clusters} clusters of 5-24, ICC ~0.5, skewed errors",
        "nominal": 0.95, "observed": hit / reps, "reps": reps}])
    check_coverage(hit / reps, reps, 0.93)


def _ri_size(seed: int, reps: int, draws: int, drawer) -> float:
    """Rejection rate at 5% of the randomisation test under the sharp null (n = 40, lognormal
    outcome, two strata), its draws from ``drawer(arm, strata=, draws=, seed=)``."""
    rng = np.random.default_rng(seed)
    n = 40
    template, strata = np.resize([0, 1], n), np.repeat([0, 1], n // 2)
    reject = 0
    for _ in range(reps):
        arm = assign(rng, template, strata)
        y0 = rng.lognormal(size=n)
        b = drawer(arm, strata=strata, draws=draws, seed=int(rng.integers(2**31)))
        reject += permutation_test(y0, arm, b, n_arms=2, strata=strata).p_value[0] <= 0.05
    return reject / reps


def test_randomisation_inference_holds_its_size():
    """Exact by construction; 4000 replications so that the Monte Carlo error is small."""
    reps = 4000
    rate = _ri_size(921, reps, 199, draw_assignments)
    record("randomisation_size", [
        {"quantity": "randomisation test (studentised HC2), p <= 0.05",
         "design": "n=40, lognormal outcome, strata, B=199", "nominal": 0.05,
         "observed": rate, "reps": reps}])
    check_size(rate, reps)


def test_randomisation_inference_holds_its_size_over_several_blocks():
    """The stream in blocks (block 0 the seed's generator, blocks 1 and 2 its children, the
    last one partial): drawn block by block where the statistics are computed, the test is
    still exact."""
    from trustexp.stats.randomisation import assignment_draws

    reps = 4000
    rate = _ri_size(923, reps, 599, assignment_draws)
    record("randomisation_size_blocks", [
        {"quantity": "randomisation test (studentised HC2), p <= 0.05, draws in 3 blocks",
         "design": "n=40, lognormal outcome, strata, B=599", "nominal": 0.05,
         "observed": rate, "reps": reps}])
    check_size(rate, reps)


def test_randomisation_inference_interval_covers():
    rng = np.random.default_rng(922)
    reps, n, draws, tau = 1000, 40, 199, 1.0
    template, strata = np.resize([0, 1], n), np.repeat([0, 1], n // 2)
    hit = 0
    for _ in range(reps):
        arm = assign(rng, template, strata)
        y = rng.lognormal(size=n) + tau * arm
        b = draw_assignments(arm, strata=strata, draws=draws, seed=int(rng.integers(2**31)))
        fit = estimate_itt(y, arm, n_arms=2, strata=strata)
        ci = ri_confidence_interval(y, arm, b.astype(np.int64), estimate=float(fit.estimate[0]),
                                    std_error=float(fit.std_error[0]), strata=strata, tol=1e-3)
        hit += ci.ci_low <= tau <= ci.ci_high
    record("randomisation_interval", [
        {"quantity": "randomisation-inference 95% interval (test inversion)",
         "design": "n=40, lognormal outcome, constant effect, B=199", "nominal": 0.95,
         "observed": hit / reps, "reps": reps}])
    check_coverage(hit / reps, reps, 0.94)


def test_family_wise_error_of_holm_and_romano_wolf_with_a_rare_binary_outcome():
    """Three outcomes (one a rare binary: some re-randomisation statistics undefined)
    x two arms under the global null; 60 people in 12 clusters, CR2."""
    rng = np.random.default_rng(930)
    reps, draws = 500, 199
    template, clusters = clustered_template(12, 5, n_arms=3)
    any_holm = any_rw = undefined = 0
    for _ in range(reps):
        arm = assign(rng, template, None, clusters)
        common = rng.normal(size=12)[clusters]
        ys = [common + rng.standard_t(4, size=arm.size), common + rng.exponential(size=arm.size),
              (rng.random(arm.size) < 0.04).astype(float)]
        b = draw_assignments(arm, clusters=clusters, draws=draws, seed=int(rng.integers(2**31)))
        p, t, td = [], [], []
        for y in ys:
            fit = estimate_itt(y, arm, n_arms=3, clusters=clusters, se_type="CR2")
            perm = permutation_test(y, arm, b, n_arms=3, clusters=clusters, se_type="CR2")
            p.extend(fit.p_value)
            t.extend(perm.t_observed)
            td.append(perm.t_draws)
        p, t, td = np.array(p), np.array(t), np.column_stack(td)
        undefined += bool(np.isnan(td).any())
        ok = np.isfinite(p)
        if ok.any():
            any_holm += (adjust(p[ok], "holm") <= 0.05).any()
            any_rw += (adjust(p[ok], "romano-wolf", t_observed=t[ok],
                              t_draws=td[:, ok]) <= 0.05).any()
    record("multiple", [
        {"quantity": "family-wise error, Holm (CR2 p-values)",
         "design": "6 hypotheses, 12 clusters of 5, one rare binary outcome",
         "nominal": 0.05, "observed": any_holm / reps, "reps": reps},
        {"quantity": "family-wise error, Romano-Wolf (undefined draws kept)",
         "design": "6 hypotheses, 12 clusters of 5, one rare binary outcome",
         "nominal": 0.05, "observed": any_rw / reps, "reps": reps}])
    assert undefined > 0  # the study exercises undefined draws
    check_size(any_holm / reps, reps)
    check_size(any_rw / reps, reps)
