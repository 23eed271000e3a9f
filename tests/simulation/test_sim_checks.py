"""Size of the balance and attrition tests, and of the report's summary sentence,
under valid randomisation (issue 8). Each study is seeded; results in results/*.json."""

from __future__ import annotations

import numpy as np
import pytest

from tests.simulation._study import assign, check_size, clustered_template, record
from trustexp.stats import differential_attrition, holm, joint_test

pytestmark = pytest.mark.slow

REPS, DRAWS = 500, 199


def _covariates(rng, n, clusters=None):
    x = np.column_stack([rng.lognormal(size=n), rng.random(n) < 0.2, rng.normal(size=n),
                         rng.standard_t(3, size=n)]).astype(float)
    if clusters is not None:  # covariates correlated within clusters
        x += rng.normal(size=(clusters.max() + 1, x.shape[1]))[clusters]
    return x


@pytest.mark.parametrize(("design", "n_clusters"), [("n=120, HC2", 0), ("12 clusters, CR2", 12),
                                                    ("30 clusters, CR2", 30)])
def test_balance_test_holds_its_size(design, n_clusters):
    rng = np.random.default_rng(801 + n_clusters)
    if n_clusters:
        template, clusters = clustered_template(n_clusters, 10)
        strata = np.repeat(np.arange(2), template.size // 2)
        se = "CR2"
    else:
        template, clusters = np.resize([0, 1], 120), None
        strata = np.repeat([0, 1], 60)
        se = "HC2"
    reject_ri = reject_wald = reject_htz = 0
    for _ in range(REPS):
        d = assign(rng, template, strata, clusters).astype(float)
        x = _covariates(rng, d.size, clusters)
        ri = joint_test(d, x, strata=strata, clusters=clusters, se_type=se, draws=DRAWS,
                        seed=int(rng.integers(2**31)))
        wald = joint_test(d, x, strata=strata, clusters=clusters, se_type=se, method="wald")
        htz = joint_test(d, x, strata=strata, clusters=clusters, se_type=se, method="htz")
        reject_ri += ri.p_value <= 0.05
        reject_wald += wald.p_value <= 0.05
        reject_htz += htz.p_value <= 0.05
    record(f"balance_{n_clusters or 'hc2'}", [
        {"quantity": "balance joint test, randomisation (default)", "design": design,
         "nominal": 0.05, "observed": reject_ri / REPS, "reps": REPS},
        {"quantity": "balance joint test, Wald F (approximate, method='wald')",
         "design": design, "nominal": 0.05, "observed": reject_wald / REPS, "reps": REPS},
        {"quantity": "balance joint test, HTZ (approximate, method='htz')",
         "design": design, "nominal": 0.05, "observed": reject_htz / REPS, "reps": REPS},
    ])
    check_size(reject_ri / REPS, REPS)


@pytest.mark.parametrize(("design", "n_clusters"), [("n=120, HC2", 0), ("12 clusters, CR2", 12)])
def test_attrition_test_holds_its_size(design, n_clusters):
    rng = np.random.default_rng(811 + n_clusters)
    if n_clusters:
        template, clusters = clustered_template(n_clusters, 10, n_arms=3)
        se = "CR2"
    else:
        template, clusters, se = np.resize([0, 1, 2], 120), None, "HC2"
    reject_ri = reject_wald = reject_htz = 0
    for _ in range(REPS):
        arm = assign(rng, template, None, clusters)
        level = rng.normal(size=arm.size)
        if clusters is not None:
            level += 1.5 * rng.normal(size=n_clusters)[clusters]
        r = (level + rng.normal(size=arm.size) > -0.5).astype(float)
        ri = differential_attrition(r, arm, n_arms=3, clusters=clusters, se_type=se,
                                    draws=DRAWS, seed=int(rng.integers(2**31)))
        wald = differential_attrition(r, arm, n_arms=3, clusters=clusters, se_type=se,
                                      method="wald")
        htz = differential_attrition(r, arm, n_arms=3, clusters=clusters, se_type=se,
                                     method="htz")
        reject_ri += ri.p_value <= 0.05
        reject_wald += wald.p_value <= 0.05
        reject_htz += htz.p_value <= 0.05
    record(f"attrition_{n_clusters or 'hc2'}", [
        {"quantity": "differential attrition, randomisation (default)", "design": design,
         "nominal": 0.05, "observed": reject_ri / REPS, "reps": REPS},
        {"quantity": "differential attrition, Wald F (approximate, method='wald')",
         "design": design, "nominal": 0.05, "observed": reject_wald / REPS, "reps": REPS},
        {"quantity": "differential attrition, HTZ (approximate, method='htz')",
         "design": design, "nominal": 0.05, "observed": reject_htz / REPS, "reps": REPS},
    ])
    check_size(reject_ri / REPS, REPS)


@pytest.mark.parametrize("per_arm", [40, 100])
def test_summary_balance_sentence_flags_valid_trials_rarely(per_arm):
    """The summary flags imbalance when some Holm-adjusted balance p is below 0.05;
    the smallest raw p against 0.05 flagged 42% (40 per arm) and 25% (100 per arm)."""
    rng = np.random.default_rng(820 + per_arm)
    template = np.resize(np.arange(4), 4 * per_arm)
    reps = 1500 if per_arm == 100 else 600
    flagged = flagged_raw = 0
    for _ in range(reps):
        arm = assign(rng, template)
        x = _covariates(rng, arm.size)
        ps, ps_wald = [], []
        for k in (1, 2, 3):
            sel = (arm == k) | (arm == 0)
            d = (arm[sel] == k).astype(float)
            ps.append(joint_test(d, x[sel], draws=DRAWS, seed=int(rng.integers(2**31))).p_value)
            ps_wald.append(joint_test(d, x[sel], method="wald").p_value)
        flagged += (holm(np.array(ps)) < 0.05).any()
        flagged_raw += min(ps_wald) < 0.05
    record(f"summary_balance_{per_arm}", [
        {"quantity": "summary says imbalance (Holm over arms, randomisation tests)",
         "design": f"4 arms, {per_arm} per arm", "nominal": 0.05,
         "observed": flagged / reps, "reps": reps},
        {"quantity": "old rule: smallest Wald p < 0.05 (not used)",
         "design": f"4 arms, {per_arm} per arm", "nominal": 0.05,
         "observed": flagged_raw / reps, "reps": reps},
    ])
    check_size(flagged / reps, reps)
