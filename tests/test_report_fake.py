"""A small stand-in for an Evaluation, for unit tests of the report templates.

It has the attributes and frames of :class:`trustexp.evaluation.Evaluation`,
with plausible numbers computed from a simulated trial (simple differences in
means), so that template tests do not need the whole estimation pipeline.
Options make the awkward cases: a site with a tiny arm, hostile labels, one site.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from trustexp.config import TrialConfig

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


@dataclass(frozen=True)
class FakeEvaluation:
    config: TrialConfig
    trial: Any
    effects: pd.DataFrame
    balance: pd.DataFrame
    balance_tests: pd.DataFrame
    flow: pd.DataFrame
    response: pd.DataFrame
    attrition_tests: pd.DataFrame
    lee_bounds: pd.DataFrame
    monthly_curves: pd.DataFrame
    reliability: pd.DataFrame
    reference: pd.DataFrame
    provenance: dict = field(default_factory=dict)
    permutations: int = 0

    def to_dict(self) -> dict:
        return {
            "trial": self.config.name,
            "trustexp_version": "0.1.0",
            "data_sha256": self.provenance["data_sha256"],
            "effects": json.loads(self.effects.to_json(orient="records")),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict())


def _raw(*, hostile: bool, sites: int, reference: bool) -> dict:
    label = (lambda s: f"{s} {HOSTILE}") if hostile else (lambda s: s)
    arms = {
        "control": {"label": label("Controlegroep"), "kind": "control"},
        "exemption": {"label": label("Ontheffing arbeidsverplichtingen"), "kind": "exemption"},
        "extra_earnings": {"label": "Extra vrijlating bijverdiensten", "kind": "extra_earnings"},
    }
    if sites > 1:
        arms["intensive_guidance"] = {"label": "Intensieve begeleiding",
                                      "kind": "intensive_guidance"}
    if reference:
        arms["reference"] = {"label": label("Niet-deelnemers"), "kind": "reference"}
    if sites == 1:
        arms = {"control": "Control", "treated": label("Extra guidance")}
    return {
        "trial": {"name": label("Vertrouwen in de bijstand"), "control_arm": "control",
                  "language": "nl"},
        "arms": arms,
        "randomisation": {"strata": ["site", "stratum"]},
        "analysis": {"covariates": ["age", "months_on_benefit_before"], "seed": 20171001,
                     "permutations": 2000, "min_cell": 10},
        "outcomes": [
            {"id": "exit_work_18m", "source": "monthly", "measure": "exit_to_work",
             "window_months": 18, "family": "work", "primary": True,
             "label": label("Uitstroom naar werk (18 maanden)")},
            {"id": "part_time_18m", "source": "monthly", "measure": "part_time_work",
             "window_months": 18, "family": "work", "label": "Deeltijdwerk naast uitkering"},
            {"id": "months_on_benefit_18m", "source": "monthly", "measure": "months_on_benefit",
             "window_months": 18, "family": "work", "label": "Maanden in de bijstand"},
            {"id": "earnings_18m", "source": "monthly", "measure": "earnings_total",
             "window_months": 18, "family": "income"},
            {"id": "wellbeing_t2", "source": "survey", "scale": "wellbeing", "wave": 2,
             "family": "wellbeing", "label": "Welbevinden (eindmeting)"},
        ],
        "scales": [{"id": "wellbeing", "items": ["wb1", "wb2", "wb3", "wb4"], "range": [0, 5],
                    "label": label("Welbevinden")}],
    }


def _diff(y1: np.ndarray, y0: np.ndarray, df_floor: int = 1) -> dict:
    n1, n0 = len(y1), len(y0)
    if n1 < 2 or n0 < 2:
        return dict(estimate=math.nan, std_error=math.nan, ci_low=math.nan, ci_high=math.nan,
                    p_value=math.nan, df=math.nan, statistic=math.nan)
    est = y1.mean() - y0.mean()
    se = math.sqrt(y1.var(ddof=1) / n1 + y0.var(ddof=1) / n0) or 1e-9
    t = est / se
    p = math.erfc(abs(t) / math.sqrt(2))
    return dict(estimate=est, std_error=se, ci_low=est - 1.96 * se, ci_high=est + 1.96 * se,
                p_value=p, df=float(n1 + n0 - 2), statistic=t)


def fake_evaluation(
    *, hostile: bool = False, tiny_site: bool = False, sites: int = 3, reference: bool = True,
    seed: int = 1, permutations: int = 2000,
) -> FakeEvaluation:
    """Build an Evaluation-shaped object from a simulated trial."""
    rng = np.random.default_rng(seed)
    cfg = TrialConfig.from_dict(_raw(hostile=hostile, sites=sites, reference=reference), ".")
    site_names = ["Tilburg", "Utrecht", "Wageningen"][:sites]
    if hostile:
        site_names[0] = f"Tilburg {HOSTILE}"
    rand_arms = [a.id for a in cfg.randomised_arms]
    rows = []
    for s, site in enumerate(site_names):
        for arm in rand_arms:
            n = 4 if (tiny_site and s == sites - 1 and arm == rand_arms[-1]) else int(rng.integers(45, 70))
            rows += [(site, arm) for _ in range(n)]
        if reference:
            rows += [(site, "reference") for _ in range(int(rng.integers(30, 50)))]
    parts = pd.DataFrame(rows, columns=["site", "arm"])
    n = len(parts)
    parts.insert(0, "person_id", [f"P{i:05d}" for i in range(n)])
    parts["randomised_on"] = pd.Timestamp("2017-10-01") + pd.to_timedelta(
        rng.integers(0, 400, n), unit="D")
    parts["stratum"] = rng.choice(["a", "b"], n)
    parts["age"] = rng.normal(40, 10, n).round()
    parts["months_on_benefit_before"] = rng.gamma(2, 20, n).round()
    effect = {"control": 0.0, "exemption": 0.0, "extra_earnings": 0.04,
              "intensive_guidance": 0.06, "treated": 0.05, "reference": 0.08}
    shift = parts["arm"].map(effect).to_numpy()
    parts["exit_work_18m"] = (rng.random(n) < 0.2 + shift).astype(float)
    parts["part_time_18m"] = (rng.random(n) < 0.15 + 1.5 * shift).astype(float)
    parts["months_on_benefit_18m"] = np.clip(rng.normal(15 - 8 * shift, 3, n), 0, 18).round()
    parts["earnings_18m"] = np.maximum(0, rng.normal(2500 + 8000 * shift, 2500, n)).round()
    parts["wellbeing_t2"] = np.clip(rng.normal(3 + shift, 0.8, n), 0, 5)
    responded = rng.random(n) < 0.7
    parts.loc[~responded, "wellbeing_t2"] = np.nan
    outcome_ids = [o.id for o in cfg.outcomes]

    effects, flow, balance, btests, response = [], [], [], [], []
    for site in ["all", *site_names]:
        sub = parts if site == "all" else parts[parts["site"] == site]
        ctrl = sub[sub["arm"] == "control"]
        for o in cfg.outcomes:
            for arm in [a.id for a in cfg.treatment_arms]:
                tr = sub[sub["arm"] == arm]
                y1, y0 = tr[o.id].dropna().to_numpy(), ctrl[o.id].dropna().to_numpy()
                d = _diff(y1, y0)
                effects.append(dict(site=site, outcome=o.id, arm=arm, **{
                    k: d[k] for k in ("estimate", "std_error", "ci_low", "ci_high", "p_value", "df")},
                    n=len(y1) + len(y0), n_arm=len(y1), n_control=len(y0),
                    control_mean=float(y0.mean()) if len(y0) else math.nan, se_type="HC2",
                    p_adjusted=min(1.0, d["p_value"] * 3) if not math.isnan(d["p_value"]) else math.nan,
                    adjustment_method="holm",
                    p_value_ri=min(1.0, d["p_value"] * 1.05) if not math.isnan(d["p_value"]) else math.nan,
                    family=o.family, primary=o.primary, outcome_type=o.type,
                    outcome_label=o.display_label, arm_label=cfg.arm(arm).label,
                    statistic=d["statistic"]))
            for arm in [a.id for a in cfg.arms]:
                grp = sub[sub["arm"] == arm]
                if len(grp):
                    flow.append(dict(site=site, arm=arm, outcome=o.id, n_randomised=len(grp),
                                     n_analysed=int(grp[o.id].notna().sum()),
                                     n_missing=int(grp[o.id].isna().sum())))
        for arm in [a.id for a in cfg.treatment_arms]:
            tr = sub[sub["arm"] == arm]
            for cov in cfg.analysis.covariates:
                x1, x0 = tr[cov].to_numpy(), ctrl[cov].to_numpy()
                sd = math.sqrt((x1.var(ddof=1) + x0.var(ddof=1)) / 2) if len(x1) > 1 else math.nan
                balance.append(dict(site=site, arm=arm, covariate=cov, mean_arm=x1.mean(),
                                    sd_arm=x1.std(ddof=1) if len(x1) > 1 else math.nan,
                                    mean_control=x0.mean(), sd_control=x0.std(ddof=1),
                                    std_diff=(x1.mean() - x0.mean()) / sd if sd else math.nan,
                                    n_arm=len(x1), n_control=len(x0)))
            btests.append(dict(site=site, arm=arm, statistic=float(rng.uniform(0.2, 2)), df1=2,
                               df2=float(len(tr) + len(ctrl) - 3), p_value=float(rng.uniform(0.1, 0.9)),
                               n=len(tr) + len(ctrl)))
        for arm in rand_arms:
            grp = sub[sub["arm"] == arm]
            for wave in (0, 1, 2):
                k = len(grp) if wave == 0 else int(grp["wellbeing_t2"].notna().sum()) + (2 - wave) * 3
                k = min(k, len(grp))
                response.append(dict(site=site, arm=arm, wave=wave, n_randomised=len(grp),
                                     n_responded=k, rate=k / len(grp) if len(grp) else math.nan))
    attrition_tests = [dict(site=s, wave=w, statistic=float(rng.uniform(0.1, 2)), df1=len(rand_arms) - 1,
                            df2=float(300), p_value=float(rng.uniform(0.05, 0.9)))
                       for s in ["all", *site_names] for w in (1, 2)]
    lee = [dict(site="all", outcome="wellbeing_t2", arm=arm, lower=-0.1, upper=0.25,
                trimming_share=0.03, trimmed_group="control", n=300)
           for arm in [a.id for a in cfg.treatment_arms]]
    curves = []
    arms_curve = [a.id for a in cfg.arms]
    for site in ["all", *site_names]:
        sub = parts if site == "all" else parts[parts["site"] == site]
        for arm in arms_curve:
            m = int((sub["arm"] == arm).sum())
            if not m:
                continue
            base = 0.95 if arm != "reference" else 0.85
            for month in range(-6, 19):
                on = base if month <= 0 else base - (0.012 + effect[arm] / 12) * month
                emp = 0.08 if month <= 0 else 0.08 + (0.008 + effect[arm] / 15) * month
                curves.append(dict(site=site, arm=arm, month=month, n=m,
                                   share_on_benefit=max(0.0, on + rng.normal(0, 0.01)),
                                   share_employed=min(1.0, emp + rng.normal(0, 0.008))))
    ref = []
    if reference:
        for o in cfg.outcomes:
            for arm in ("control", "reference"):
                y = parts.loc[parts["arm"] == arm, o.id].dropna()
                ref.append(dict(outcome=o.id, arm=arm, mean=float(y.mean()), n=len(y)))
    rel = [dict(scale="wellbeing", wave=w, alpha=a, n=k, n_items=4)
           for w, a, k in ((0, 0.81, 540), (1, 0.79, 410), (2, 0.83, 380))]
    warnings = tuple(
        SimpleNamespace(table="participants", row=r, column="age", value=str(90 + r),
                        rule="range", message=f"age {90 + r} in row {r} is unusual",
                        severity="warning")
        for r in range(1, 13)
    ) + (SimpleNamespace(table="monthly", row=3, column="hours", value="700", rule="outlier",
                         message="hours 700 for person P00003", severity="warning"),)
    files = {"trial.toml": "trial.toml", "participants": "participants.csv",
             "monthly": "monthly.csv", "survey": "survey.csv"}
    validation = SimpleNamespace(errors=(), warnings=warnings,
                                 files={k: f"/data/trial/{v}" for k, v in files.items()},
                                 rows={"participants": n, "monthly": n * 25, "survey": 3 * n})
    trial = SimpleNamespace(config=cfg, participants=parts[["person_id", "site", "arm",
                                                            "randomised_on", "stratum", "age",
                                                            "months_on_benefit_before"]],
                            monthly=None, survey=None, takeup=None, validation=validation,
                            files=validation.files)
    provenance = {
        "files": {k: {"file": v, "sha256": f"{i:x}" * 64} for i, (k, v) in enumerate(files.items(), 10)},
        "data_sha256": "ab" * 32, "seed": 20171001, "permutations": permutations,
        "versions": {"trustexp": "0.1.0", "python": "3.11.7", "numpy": "2.4.6",
                     "pandas": "3.1.1", "scipy": "1.17.1"},
        "command": "trustexp report --demo -o demo-report.html",
    }
    frame = pd.DataFrame
    eff = frame(effects)
    if not permutations:
        eff = eff.drop(columns="p_value_ri")
    del outcome_ids
    return FakeEvaluation(
        config=cfg, trial=trial, effects=eff, balance=frame(balance), balance_tests=frame(btests),
        flow=frame(flow), response=frame(response), attrition_tests=frame(attrition_tests),
        lee_bounds=frame(lee), monthly_curves=frame(curves), reliability=frame(rel),
        reference=frame(ref, columns=["outcome", "arm", "mean", "n"]), provenance=provenance,
        permutations=permutations,
    )


def test_fake_has_the_evaluation_frames():
    ev = fake_evaluation()
    assert list(ev.effects.columns[:16]) == [
        "site", "outcome", "arm", "estimate", "std_error", "ci_low", "ci_high", "p_value", "df",
        "n", "n_arm", "n_control", "control_mean", "se_type", "p_adjusted", "adjustment_method"]
    assert set(ev.effects["site"]) == {"all", "Tilburg", "Utrecht", "Wageningen"}
