"""Coverage of the covariate-coefficient intervals of ``ev.coefficients`` (slow; ``make simulate``).

Small stratified two-arm trials with heteroskedastic errors; the model is the
effect model of :mod:`trustexp.analysis.coefficients` (strata fixed effects,
centred covariates, HC2 or CR2). The nominal 95% interval of the slope of a
covariate with a known true slope should cover it in about 95% of trials.
Results are recorded in tests/simulation/README.md.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from trustexp.analysis.coefficients import model_terms
from trustexp.analysis.samples import AnalysisSample
from trustexp.config import Analysis, Arm, Outcome, TrialConfig

pytestmark = pytest.mark.slow

REPS = 2000
TRUE_SLOPE = 0.5


def _config(adjustment: str) -> TrialConfig:
    arms = (Arm("control", "Control", "control"), Arm("t", "Treated", "other"))
    cfg = TrialConfig(name="sim", control_arm="control", arms=arms,
                      outcomes=(Outcome(id="y", source="participants", type="continuous",
                                        family="y", column="y"),))
    return dataclasses.replace(cfg, analysis=Analysis(adjustment=adjustment))


def _coverage(n: int, adjustment: str, se_type: str, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    cfg = _config(adjustment)
    outcome = cfg.outcomes[0]
    hits = 0
    ses, slopes = [], []
    n_clusters = n // 6
    for _ in range(REPS):
        blocks = np.repeat(np.arange(4), n // 4)
        arm = np.concatenate([rng.permutation(np.arange(n // 4) % 2) for _ in range(4)])
        x = rng.normal(size=n)
        clusters = np.arange(n) % n_clusters if se_type == "CR2" else None
        shock = rng.normal(size=n_clusters)[clusters] if clusters is not None else 0.0
        y = 0.3 * arm + TRUE_SLOPE * x + 0.2 * blocks + shock + rng.normal(size=n) * (
            0.5 + np.abs(x))
        sample = AnalysisSample(site="all", rows=np.arange(n), arm=arm, arms=(cfg.arms[1],),
                                blocks=blocks, clusters=clusters, covariates=x[:, None],
                                covariate_names=("x",), seed=0, se_type=se_type)
        terms, _ = model_terms(cfg, pd.DataFrame({"y": y}), sample, outcome)
        t = terms[0]
        from scipy import stats

        half = stats.t.ppf(0.975, t["df"]) * t["std_error"]
        hits += abs(t["estimate"] - TRUE_SLOPE) <= half
        ses.append(t["std_error"])
        slopes.append(t["estimate"])
    return hits / REPS, float(np.std(slopes) / np.mean(ses))


LIN_SMALL = pytest.param(
    80, "lin", "HC2", marks=pytest.mark.xfail(
        strict=True, reason="with Lin adjustment the covariate coefficient is the control "
        "arm's slope, from about 40 persons under strong heteroskedasticity: HC2 covers "
        "0.907 (recorded in tests/simulation/README.md)"))


@pytest.mark.parametrize(("n", "adjustment", "se_type"),
                         [(80, "additive", "HC2"), (200, "additive", "HC2"),
                          LIN_SMALL, (120, "additive", "CR2")])
def test_covariate_interval_coverage(n, adjustment, se_type):
    cover, ratio = _coverage(n, adjustment, se_type, seed=20171001 + n)
    print(f"n={n} {adjustment} {se_type}: coverage {cover:.3f}, sd(est)/mean(se) {ratio:.3f}")
    # 2000 draws: the Monte Carlo standard error of a 95% coverage is 0.005
    assert 0.93 <= cover <= 0.97
