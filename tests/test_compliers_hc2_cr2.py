"""Complier effects with the declared small-sample standard errors (HC2, CR2 with
Bell-McCaffrey degrees of freedom, and the other types) against estimatr::iv_robust
(tests/reference/07_compliers_hc2_cr2.R), through evaluate()."""

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
CASES = json.loads((REFERENCE / "compliers_hc2_cr2.json").read_text(encoding="utf-8"))["cases"]
DECLARED = {"HC2": ("HC2", False), "CR2": ("CR2", True), "HC0": ("HC0", False),
            "HC3": ("HC3", False), "CR0": ("CR0", True), "CR1": ("CR1", True)}


@pytest.fixture(scope="module")
def trial():
    return load_trial(REFERENCE / "evaluation_trial")


def _variant(trial, se_type: str, clustered: bool):
    cfg = trial.config
    randomisation = cfg.randomisation
    if not clustered:
        randomisation = dataclasses.replace(randomisation, cluster=None)
    analysis = dataclasses.replace(cfg.analysis, standard_errors=se_type)
    cfg = dataclasses.replace(
        cfg, randomisation=randomisation, analysis=analysis,
        takeup=(Takeup(arm="guidance", column="received"), Takeup(arm="exemption", column="dose")))
    tk = pd.read_csv(REFERENCE / "data" / "compliers_takeup.csv",
                     dtype={"person_id": "str", "received": "float64", "dose": "float64"})
    return dataclasses.replace(trial, config=cfg, takeup=tk)


@pytest.mark.parametrize("se_type", list(DECLARED))
@pytest.mark.slow
def test_compliers_match_iv_robust(trial, se_type):
    declared, clustered = DECLARED[se_type]
    comp = evaluate(_variant(trial, declared, clustered), permutations=0).compliers
    cases = [c for c in CASES if c["se_type"] == se_type]
    assert len(cases) == 6
    for case in cases:
        row = comp.loc[(comp["site"] == case["site"]) & (comp["outcome"] == "income")
                       & (comp["arm"] == case["arm"])].iloc[0]
        where = f"{case['site']} {case['arm']} {se_type}"
        assert row["se_type"] == se_type
        assert (row["n"], row["n_arm"], row["n_control"]) == (
            case["n"], case["n_arm"], case["n_control"]), where
        for key in ("estimate", "std_error", "statistic", "df", "ci_low", "ci_high", "p_value",
                    "first_stage", "first_stage_f"):
            assert row[key] == pytest.approx(case[key], rel=1e-7), (where, key)
