"""evaluate() on a clustered, stratified two-site trial against estimatr::lm_robust.

The R script tests/reference/evaluation_estimatr.R fits the same effects from the
same file (tests/reference/evaluation_trial/), building the model by hand as
trustexp documents it; this checks the whole path (reading, samples, strata,
clusters, covariates with missing values, Lin adjustment, CR2) end to end.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from trustexp.evaluation import evaluate
from trustexp.trial import load_trial

REFERENCE = Path(__file__).resolve().parent / "reference"
CASES = json.loads((REFERENCE / "evaluation_estimatr.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def trial():
    return load_trial(REFERENCE / "evaluation_trial")


def _variant(trial, adjustment: str, se_type: str):
    cfg = trial.config
    randomisation = cfg.randomisation
    if se_type == "HC2":
        randomisation = dataclasses.replace(randomisation, cluster=None)
    analysis = dataclasses.replace(cfg.analysis, adjustment=adjustment, standard_errors=se_type)
    cfg = dataclasses.replace(cfg, analysis=analysis, randomisation=randomisation)
    return dataclasses.replace(trial, config=cfg)


@pytest.mark.parametrize(("adjustment", "se_type"),
                         [("additive", "CR2"), ("lin", "CR2"), ("additive", "HC2"),
                          ("lin", "HC2")])
@pytest.mark.slow
def test_matches_estimatr(trial, adjustment, se_type):
    ev = evaluate(_variant(trial, adjustment, se_type), permutations=0)
    eff = ev.effects
    cases = [c for c in CASES if c["adjustment"] == adjustment and c["se_type"] == se_type]
    assert len(cases) == 3
    for case in cases:
        for j, arm in enumerate(case["arms"]):
            row = eff.loc[(eff["site"] == case["site"]) & (eff["outcome"] == "income")
                          & (eff["arm"] == arm)].iloc[0]
            where = f"{case['site']} {arm} {adjustment} {se_type}"
            for key in ("estimate", "std_error", "df", "ci_low", "ci_high", "p_value"):
                assert row[key] == pytest.approx(case[key][j], rel=1e-8, abs=1e-10), (where, key)
            assert row["n"] == case["n"]
            assert row["se_type"] == se_type
