"""trial.toml against data_schemas/trial.schema.json, and the schema files themselves."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
from conftest import TRIAL_TOML, trial_tables, write_tables

import trustexp
from trustexp.config import ARM_KINDS, MEASURES, TrialConfig
from trustexp.resources import schema_dir
from trustexp.validation._config import check_config
from trustexp.validation._schema import CONTRACT_VERSION, table_spec, trial_schema

DATA = Path(__file__).parent / "data"


def _problems(text: str):
    problems, _, _ = check_config(tomllib.loads(text))
    return problems


def test_schema_files_are_valid_and_versioned():
    schema = trial_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema")
    for name in ("participants", "monthly", "survey", "takeup"):
        raw = json.loads((schema_dir() / f"{name}.schema.json").read_text())
        assert raw["trustexp:contract"] == CONTRACT_VERSION
        assert {"name", "fields", "primaryKey"} <= set(raw)
        assert table_spec(name).name == name
    assert (schema_dir() / "README.md").is_file()


def test_schema_option_sets_match_the_plan_records():
    outcome = trial_schema()["$defs"]["outcome"]["properties"]
    assert set(outcome["measure"]["enum"]) == set(MEASURES)
    kinds = trial_schema()["properties"]["arms"]["additionalProperties"]["then"]["properties"]["kind"]
    assert tuple(kinds["enum"]) == ARM_KINDS


@pytest.mark.parametrize("name", ["contract_minimal.toml", "contract_full.toml"])
def test_contract_examples_are_accepted(name):
    text = (DATA / name).read_text(encoding="utf-8")
    assert _problems(text) == []
    TrialConfig.from_dict(tomllib.loads(text), ".")


def test_contract_minimal_example_validates_with_tables(tmp_path):
    folder = tmp_path / "pilot"
    folder.mkdir()
    (folder / "trial.toml").write_bytes((DATA / "contract_minimal.toml").read_bytes())
    p = trial_tables()["participants"][["person_id", "site", "arm", "randomised_on", "income"]]
    p = p[p["arm"] != "reference"].replace({"arm": {"treated": "treated"}})
    write_tables(folder, {"participants": p})
    report = trustexp.validate(folder)
    assert report.valid, report.to_text()


def test_contract_full_example_validates_with_tables(tmp_path):
    folder = tmp_path / "full"
    folder.mkdir()
    (folder / "trial.toml").write_bytes((DATA / "contract_full.toml").read_bytes())
    rng = np.random.default_rng(3)
    arms = ["control", "exemption", "extra_earnings", "intensive_guidance"]
    rows = []
    for site in ("Tilburg", "Utrecht"):
        for stratum in ("a", "b"):
            for a in arms:
                for c in range(2):
                    for _ in range(3):
                        rows.append((site, stratum, a, f"{site}-{stratum}-{a}-{c}"))
    p = pd.DataFrame(rows, columns=["site", "stratum", "arm", "cluster"])
    p["person_id"] = [f"P{i:04d}" for i in range(len(p))]
    p["randomised_on"] = "2018-01-15"
    p["age"] = rng.integers(20, 60, len(p))
    p["months_on_benefit_before"] = rng.integers(0, 100, len(p))
    ref = p.iloc[:4].assign(arm="reference", cluster="ref", person_id=[f"R{i}" for i in range(4)])
    p = pd.concat([p, ref], ignore_index=True)
    months = [f"2018-{m:02d}" for m in range(1, 13)] + [f"2019-{m:02d}" for m in range(1, 13)]
    monthly = pd.DataFrame(
        {"person_id": np.repeat(p["person_id"], len(months)), "month": months * len(p), "on_benefit": 1, "employed": 0}
    )
    monthly = monthly[monthly["month"] <= "2019-07"]
    survey = pd.DataFrame({"person_id": p["person_id"], "wave": 2, "responded_on": "2019-06-01"})
    for i in range(1, 6):
        survey[f"wb{i}"] = rng.integers(0, 6, len(p))
    takeup = pd.DataFrame({"person_id": p["person_id"], "received": (p["arm"] == "intensive_guidance").astype(int)})
    write_tables(folder, {"participants": p, "monthly": monthly, "survey": survey, "takeup": takeup})
    report = trustexp.validate(folder)
    assert report.valid, report.to_text()
    trial = trustexp.load_trial(folder)
    assert trial.config.cluster == "cluster"


def _one(text: str, rule: str):
    found = [p for p in _problems(text) if p.rule == rule]
    assert found, _problems(text)
    return found[0]


def test_unknown_keys_suggest_the_right_one():
    p = _one(TRIAL_TOML.replace("[analysis]\ncovariates", "[analysis]\ncovariate"), "unknown-key")
    assert p.column == "analysis.covariate" and "did you mean 'covariates'?" in p.message
    p = _one(TRIAL_TOML + "\n[analyses]\nalpha = 0.1\n", "unknown-key")
    assert "unknown table [analyses]" in p.message and "did you mean 'analysis'?" in p.message


def test_wrong_type():
    p = _one(TRIAL_TOML.replace("[analysis]\n", "[analysis]\nalpha = \"0.05\"\n"), "type")
    assert p.column == "analysis.alpha" and "must be a number" in p.message and "0.05" in p.message


def test_option_values_list_valid_values_and_the_value_received():
    p = _one(TRIAL_TOML.replace("[analysis]\n", "[analysis]\nmultiple_testing = \"bonferroni\"\n"), "enum")
    assert "'holm', 'bh', 'romano-wolf', 'none'" in p.message and "'bonferroni'" in p.message
    assert p.value == "bonferroni"


def test_control_arm_must_be_declared():
    p = _one(TRIAL_TOML.replace('control_arm = "control"', 'control_arm = "controls"'), "unknown-arm")
    assert p.column == "trial.control_arm" and "did you mean 'control'?" in p.message


def test_outcome_refers_to_missing_scale():
    p = _one(TRIAL_TOML.replace('scale = "wellbeing"', 'scale = "welbeing"'), "unknown-scale")
    assert p.column == "outcomes[2].scale" and "did you mean 'wellbeing'?" in p.message


def test_measure_must_exist():
    p = _one(TRIAL_TOML.replace('measure = "exit_to_work"', 'measure = "exit"'), "enum")
    assert p.column == "outcomes[1].measure" and "'exit_to_work'" in p.message


def test_monthly_outcome_needs_window_and_survey_outcome_needs_wave():
    p = _one(TRIAL_TOML.replace("window_months = 6\n", ""), "required")
    assert p.column == "outcomes[1].window_months" and "window_months" in p.message
    p = _one(TRIAL_TOML.replace("wave = 1\n", ""), "required")
    assert p.column == "outcomes[2].wave"


def test_outcome_needs_exactly_one_definition():
    p = _one(TRIAL_TOML.replace('column = "income"', 'column = "income"\nmeasure = "any_work"\nwindow_months = 3'), "form")
    assert "exactly one of 'column', 'measure' or 'scale'" in p.message


def test_cluster_robust_errors_need_a_cluster():
    p = _one(TRIAL_TOML.replace("[analysis]\n", "[analysis]\nstandard_errors = \"CR2\"\n"), "required")
    assert "cluster" in p.message and "CR2" in p.message


def test_cross_checks():
    text = TRIAL_TOML.replace('reverse = ["wb3"]', 'reverse = ["wb4"]\nmin_items = 4').replace("range = [1, 5]", "range = [5, 1]")
    rules = {p.rule for p in _problems(text)}
    assert {"unknown-item", "range"} <= rules
    dup = TRIAL_TOML + '\n[[outcomes]]\nid = "income"\ncolumn = "income"\n'
    assert _one(dup, "unique").column == "outcomes[3].id"
    ref = TRIAL_TOML.replace('control = { label = "Control", kind = "control" }', 'control = { label = "Control", kind = "reference" }')
    assert _one(ref, "control-kind")
    only = TRIAL_TOML.replace('treated = { label = "Extra guidance", kind = "intensive_guidance" }', "")
    only = only.replace('arm = "treated"', 'arm = "control"')
    assert _one(only, "no-treatment")


def test_missing_sections():
    rules = [(p.column, p.rule) for p in _problems('[trial]\nname = "x"\n')]
    assert ("arms", "required") in rules and ("outcomes", "required") in rules
    assert ("trial.control_arm", "required") in rules


def test_arm_forms():
    p = _one(TRIAL_TOML.replace('treated = { label = "Extra guidance", kind = "intensive_guidance" }', "treated = 3"), "type")
    assert p.column == "arms.treated"
    p = _one(TRIAL_TOML.replace('kind = "intensive_guidance"', 'kind = "guidance"'), "enum")
    assert p.column == "arms.treated.kind"
