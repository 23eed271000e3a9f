"""Size and coverage of the v1.1 estimates of issue 9 (slow; run by `make simulate`).

1. [analysis] cluster: people randomised, outcomes correlated within villages that
   span the arms (Thornton 2008 and Cai et al. 2015 clustered by village). CR2 with
   Bell-McCaffrey degrees of freedom by village, as trustexp estimates it, must hold its
   level with 12 villages, under a village-level effect heterogeneity that makes
   the person-level HC2 interval too narrow.
2. Categorical covariates with missing values (indicators of the levels but the first,
   zero where missing, plus a missingness indicator), HC2: size under the null and
   coverage under an effect.

Seeded; the table of results is in tests/simulation/README.md (section "issue 9").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trustexp.analysis.samples import categorical_indicators, impute_with_indicator
from trustexp.stats import estimate_itt

pytestmark = pytest.mark.slow

REPS = 2000


def _village_trial(rng: np.random.Generator, n: int = 240, villages: int = 12, effect: float = 0.3):
    village = rng.integers(0, villages, n)
    arm = rng.permutation(np.repeat([0, 1], n // 2))
    base = rng.normal(0, 0.5, villages)[village]
    slope = rng.normal(0, 0.6, villages)[village]  # the effect differs by village
    y = base + arm * (effect + slope) + rng.normal(0, 1, n)
    return y, arm, village, effect


def _categorical_trial(rng: np.random.Generator, n: int = 200, effect: float = 0.0):
    levels = np.array(["laag", "midden", "hoog"])
    educ = levels[rng.choice(3, n, p=[0.4, 0.35, 0.25])].astype(object)
    educ[rng.random(n) < 0.08] = None
    age = rng.uniform(20, 64, n)
    age[rng.random(n) < 0.05] = np.nan
    arm = rng.permutation(np.repeat([0, 1], n // 2))
    shift = pd.Series(educ).map({"laag": -0.5, "midden": 0.0, "hoog": 0.7}).fillna(0.2).to_numpy()
    y = effect * arm + shift + 0.02 * np.nan_to_num(age, nan=40.0) + rng.normal(0, 1, n)
    cat, _ = categorical_indicators(pd.Series(educ), "educ")
    num, _ = impute_with_indicator(age, "age")
    return y, arm, np.column_stack([num, cat])


def simulate_cluster(reps: int = REPS, seed: int = 91) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    cover = {"CR2": 0, "HC2": 0}
    for _ in range(reps):
        y, arm, village, effect = _village_trial(rng)
        for se, cl in (("CR2", village), ("HC2", None)):
            r = estimate_itt(y, arm, n_arms=2, clusters=cl, se_type=se)
            cover[se] += int(r.ci_low[0] <= effect <= r.ci_high[0])
    return {k: v / reps for k, v in cover.items()}


def simulate_categorical(reps: int = REPS, seed: int = 92) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    reject = cover = 0
    for _ in range(reps):
        y, arm, x = _categorical_trial(rng, effect=0.0)
        reject += int(estimate_itt(y, arm, n_arms=2, covariates=x, se_type="HC2").p_value[0] < 0.05)
        y, arm, x = _categorical_trial(rng, effect=0.4)
        r = estimate_itt(y, arm, n_arms=2, covariates=x, se_type="HC2")
        cover += int(r.ci_low[0] <= 0.4 <= r.ci_high[0])
    return {"size": reject / reps, "coverage": cover / reps}


def test_analysis_cluster_cr2_holds_coverage_with_12_villages():
    res = simulate_cluster()
    # Monte Carlo SE of a 95% coverage with 2000 draws: 0.005
    assert res["CR2"] >= 0.93, res
    assert res["HC2"] < res["CR2"], res


def test_categorical_covariates_size_and_coverage():
    res = simulate_categorical()
    assert 0.035 <= res["size"] <= 0.065, res
    assert 0.935 <= res["coverage"] <= 0.965, res


if __name__ == "__main__":  # pragma: no cover - prints the README table
    print(simulate_cluster(), simulate_categorical())
