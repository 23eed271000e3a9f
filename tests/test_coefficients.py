"""The covariate coefficients and R² of the effect models against estimatr::lm_robust.

tests/reference/coefficients.R fits the models of the clustered reference trial
by hand, as trustexp documents them, and writes coefficients.json.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from trustexp.evaluation import evaluate
from trustexp.trial import load_trial

REFERENCE = Path(__file__).resolve().parent / "reference"
CASES = json.loads((REFERENCE / "coefficients.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def trial():
    return load_trial(REFERENCE / "evaluation_trial")


def _evaluation(trial, adjustment: str, se_type: str):
    if se_type == "CR2":
        # the options of evaluate() reach the same model as trial.toml would
        return evaluate(REFERENCE / "evaluation_trial", adjustment=adjustment, permutations=0)
    cfg = trial.config
    cfg = dataclasses.replace(
        cfg, randomisation=dataclasses.replace(cfg.randomisation, cluster=None),
        analysis=dataclasses.replace(cfg.analysis, adjustment=adjustment, standard_errors="HC2"))
    return evaluate(dataclasses.replace(trial, config=cfg), permutations=0)


@pytest.mark.parametrize(("adjustment", "se_type"),
                         [("additive", "CR2"), ("lin", "CR2"), ("additive", "HC2"),
                          ("lin", "HC2")])
@pytest.mark.slow
def test_matches_estimatr(trial, adjustment, se_type):
    ev = _evaluation(trial, adjustment, se_type)
    coef, fit = ev.coefficients, ev.model_fit
    cases = [c for c in CASES if c["adjustment"] == adjustment and c["se_type"] == se_type]
    assert len(cases) == 3
    for case in cases:
        rows = coef[(coef["site"] == case["site"]) & (coef["outcome"] == "income")]
        assert [t.replace("__missing", "_missing") for t in rows["term"]] == case["terms"]
        for col in ("estimate", "std_error", "df", "p_value"):
            np.testing.assert_allclose(rows[col].to_numpy(), case[col], rtol=1e-7, err_msg=col)
        assert (rows["n"] == case["n"]).all()
        f = fit[(fit["site"] == case["site"]) & (fit["outcome"] == "income")].iloc[0]
        np.testing.assert_allclose(f["r_squared"], case["r_squared"], rtol=1e-9)
        np.testing.assert_allclose(f["adj_r_squared"], case["adj_r_squared"], rtol=1e-9)
        assert f["n"] == case["n"]
        assert f["fixed_effects"] == "strata"


@pytest.mark.slow
def test_released_through_the_gate(trial):
    ev = evaluate(REFERENCE / "evaluation_trial", permutations=0)
    rel = ev.released()
    assert "coefficients" in rel.records and "model_fit" in rel.records
    # a strict gate withholds the statistics of every model
    strict = ev.released(min_cell=10_000)
    for rec in strict.json_records("coefficients"):
        assert rec["estimate"] is None and "estimate" in rec["suppressed"]
    for rec in strict.json_records("model_fit"):
        assert rec["r_squared"] is None
