"""Complier (IV) effects of evaluate() against R (AER::ivreg + sandwich, estimatr::iv_robust).

tests/reference/compliers.R fits the 2SLS model trustexp documents on the reference trial
(tests/reference/evaluation_trial/) with the take-up in
tests/reference/data/compliers_takeup.csv (``received`` for guidance, ``dose`` for
exemption), pooled and per site, with and without the trial's cluster. The standard
errors are HC1 without a cluster and Stata's CR1 with one (sandwich::vcovHC /
vcovCL(type = "HC1", cadjust = TRUE), cross-checked in R against iv_robust's "HC1" /
"stata"); p-values and intervals use t(n - k) without a cluster and t(G - 1) with one.
The first stage is lm_robust with the trial's own standard errors (HC2 / CR2).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from trustexp.config import Takeup
from trustexp.evaluation import evaluate
from trustexp.trial import load_trial

REFERENCE = Path(__file__).resolve().parent / "reference"
CASES = json.loads((REFERENCE / "compliers.json").read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="module")
def trial():
    return load_trial(REFERENCE / "evaluation_trial")


def _variant(trial, clustered: bool):
    cfg = trial.config
    randomisation = cfg.randomisation
    analysis = cfg.analysis
    if not clustered:
        randomisation = dataclasses.replace(randomisation, cluster=None)
    # complier standard errors follow the declared type (issue 8): HC1 here, which is
    # CR1 with the cluster (the first stage then has them too, so its F is not compared)
    analysis = dataclasses.replace(analysis, standard_errors="HC1")
    cfg = dataclasses.replace(
        cfg, randomisation=randomisation, analysis=analysis,
        takeup=(Takeup(arm="guidance", column="received"), Takeup(arm="exemption", column="dose")))
    tk = pd.read_csv(REFERENCE / "data" / "compliers_takeup.csv",
                     dtype={"person_id": "str", "received": "float64", "dose": "float64"})
    return dataclasses.replace(trial, config=cfg, takeup=tk)


@pytest.mark.parametrize("clustered", [True, False], ids=["CR1", "HC1"])
@pytest.mark.slow
def test_compliers_match_r(trial, clustered):
    comp = evaluate(_variant(trial, clustered), permutations=0).compliers
    cases = [c for c in CASES if c["clustered"] == clustered]
    assert len(cases) == 6
    assert len(comp.query("outcome == 'income'")) == 6
    for case in cases:
        row = comp.loc[(comp["site"] == case["site"]) & (comp["outcome"] == "income")
                       & (comp["arm"] == case["arm"])].iloc[0]
        where = f"{case['site']} {case['arm']} {case['se_type']}"
        assert row["takeup"] == case["takeup"]
        assert row["n"] == case["n"], where
        assert row["df"] == case["df"], where
        for key in ("estimate", "std_error", "ci_low", "ci_high", "p_value", "first_stage"):
            assert row[key] == pytest.approx(case[key], rel=1e-6), (where, key)
