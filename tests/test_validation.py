"""Validation of trial folders: every rule fails and passes, every problem is found once."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import TRIAL_TOML, trial_tables, write_tables

import trustexp
from trustexp.validation import Problem, ValidationReport, validate
from trustexp.validation._collect import MAX_PER_RULE


def _keys(report: ValidationReport, severity: str = "error") -> set[tuple]:
    problems = report.errors if severity == "error" else report.warnings
    return {(p.table, p.row, p.column, p.rule) for p in problems}


def test_valid_folder_has_no_problems(make_trial):
    report = validate(make_trial())
    assert report.valid, report.to_text()
    assert report.errors == () and report.warnings == ()
    assert report.rows == {"participants": 48, "monthly": 336, "survey": 96, "takeup": 48}
    assert set(report.files) == {"trial.toml", "participants", "monthly", "survey", "takeup"}


def test_planted_violations_are_found_exactly(make_trial):
    """N planted violations across all tables yield exactly N errors, at the right place."""
    t = trial_tables()
    p, m, s, k = (t[n].astype(object) for n in ("participants", "monthly", "survey", "takeup"))
    planted = set()

    def plant(frame, table, row, column, value, rule):
        frame.loc[row, column] = value
        planted.add((table, row + 1, column, rule))

    plant(p, "participants", 3, "arm", "treatd", "arm")
    plant(p, "participants", 4, "randomised_on", "2099-01-01", "not-future")
    plant(p, "participants", 5, "randomised_on", "31-02-2019", "type")
    plant(p, "participants", 6, "age", "abc", "type")
    plant(p, "participants", 8, "site", "", "required")
    plant(p, "participants", 10, "income", "1,5", "type")  # a decimal comma in a comma file
    # a BSN in person_id: the person's other rows must follow, so that no foreign key breaks
    for frame in (m, s, k):
        frame.loc[frame["person_id"] == "P0002", "person_id"] = "111222333"
    plant(p, "participants", 2, "person_id", "111222333", "bsn")
    p.loc[7, "person_id"] = "P0008"  # duplicate of row 9; P0007's other rows become unknown
    m, s, k = (f[f["person_id"] != "P0007"].reset_index(drop=True) for f in (m, s, k))
    planted.add(("participants", 9, "person_id", "unique"))
    plant(m, "monthly", 0, "on_benefit", 2, "enum")
    plant(m, "monthly", 1, "hours", 800, "maximum")
    plant(m, "monthly", 8, "earnings", -5, "minimum")
    plant(m, "monthly", 20, "person_id", "NOPE", "foreign-key")
    m.loc[5, "month"] = m.loc[6, "month"]
    planted.add(("monthly", 7, "person_id, month", "unique"))
    m.loc[9, "employed"] = ""
    planted.add(("monthly", 10, "employed", "required"))
    s.loc[0, "responded_on"] = "2019-06-01"  # a late baseline: v1.1 makes it a warning
    plant(s, "survey", 1, "wb1", 9, "scale-range")
    plant(s, "survey", 3, "wb2", 2.5, "type")
    plant(s, "survey", 5, "wave", -1, "minimum")
    plant(k, "takeup", 0, "received", 3, "enum")

    # v1.1: BSNs are refused in every table, once per column, at the first row that holds one
    for frame, table in ((m, "monthly"), (s, "survey"), (k, "takeup")):
        first = int((frame["person_id"] == "111222333").to_numpy().argmax())
        planted.add((table, first + 1, "person_id", "bsn"))
    folder = make_trial(tables={"participants": p, "monthly": m, "survey": s, "takeup": k})
    report = validate(folder)
    found = _keys(report)
    assert found == planted, report.to_text()
    assert len(report.errors) == len(planted)


def test_report_json_shape_and_determinism(make_trial):
    t = trial_tables()
    t["participants"].loc[0, "arm"] = "nope"
    folder = make_trial(tables=t)
    a, b = validate(folder).to_json(), validate(folder).to_json()
    assert a == b
    data = json.loads(a)
    assert set(data) == {"valid", "errors", "warnings", "counts"}  # v1.1: true counts per rule
    assert data["valid"] is False
    assert data["errors"] == [
        {
            "table": "participants",
            "row": 1,
            "column": "arm",
            "value": "nope",
            "rule": "arm",
            "message": data["errors"][0]["message"],
        }
    ]
    assert "did you mean" not in data["errors"][0]["message"] or "nope" in data["errors"][0]["message"]


def test_report_text_frame_and_caps():
    problems = tuple(
        Problem("monthly", i + 1, "hours", "800", "maximum", f"800 too high in row {i + 1}") for i in range(25)
    )
    report = ValidationReport(errors=problems, warnings=(), files={}, rows={})
    text = report.to_text()
    assert "monthly, column hours:" in text and "[maximum]" in text and "and 15 more" in text
    assert text.count("too high") == 10
    frame = report.to_frame()
    assert list(frame.columns) == ["severity", "table", "row", "column", "value", "rule", "message"]
    assert len(frame) == 25
    assert str(report) == text


def test_many_bad_rows_are_capped_with_a_summary(make_trial):
    t = trial_tables()
    months = [f"{y}-{mm:02d}" for y in (2019, 2020, 2021) for mm in range(1, 13)]
    ids = t["participants"]["person_id"]
    t["monthly"] = pd.DataFrame(
        {
            "person_id": np.repeat(ids, len(months)),
            "month": np.tile(months, len(ids)),
            "on_benefit": 1,
            "employed": 0,
            "hours": 900.0,
        }
    )
    n = len(t["monthly"])
    assert n > MAX_PER_RULE
    report = validate(make_trial(tables=t))
    rows = [p for p in report.errors if p.rule == "maximum"]
    assert len(rows) == MAX_PER_RULE + 1
    assert [p.row for p in rows[:-1]] == list(range(1, MAX_PER_RULE + 1))
    assert rows[-1].row is None and f"{n - MAX_PER_RULE} more rows" in rows[-1].message
    assert len(report.to_dict()["errors"]) == len(report.errors)


# -- each rule: a failing and a passing case ---------------------------------------
def _set(table, column, row, value):
    def change(t):
        t[table] = t[table].astype({column: object}) if column in t[table] else t[table]
        t[table].loc[row, column] = value

    return change


def _rename(old, new):
    def change(t):
        for frame in t.values():
            frame.loc[frame["person_id"] == old, "person_id"] = new

    return change


RULE_CASES = [
    # (id, change, expected (table, row, column, rule), passing change)
    ("bsn", _set("participants", "person_id", 0, "123456782"), ("participants", 1, "person_id", "bsn"),
     _rename("P0000", "123456789")),
    ("bsn-8-digits-text", None, None, _rename("P0000", "12345674")),
    ("unique", _set("participants", "person_id", 1, "P0000"), ("participants", 2, "person_id", "unique"),
     _rename("P0001", "P9999")),
    ("required", _set("participants", "site", 0, ""), ("participants", 1, "site", "required"),
     _set("participants", "site", 0, "Tilburg")),
    ("arm", _set("participants", "arm", 0, "Kontrol"), ("participants", 1, "arm", "arm"),
     _set("participants", "arm", 0, "control")),
    ("date-iso", _set("participants", "randomised_on", 0, "2019/03/15"), ("participants", 1, "randomised_on", "type"),
     _set("participants", "randomised_on", 0, "2019-04-30")),
    ("date-dmy", _set("participants", "randomised_on", 0, "30-02-2019"), ("participants", 1, "randomised_on", "type"),
     _set("participants", "randomised_on", 0, "1-5-2019")),
    ("not-future", _set("participants", "randomised_on", 0, "01-01-2999"), ("participants", 1, "randomised_on", "not-future"),
     _set("participants", "randomised_on", 0, "30-04-2019")),
    ("covariate-type", _set("participants", "age", 0, "forty"), ("participants", 1, "age", "type"),
     _set("participants", "age", 0, "40.5")),
    ("month", _set("monthly", "month", 0, "2019-3"), ("monthly", 1, "month", "type"), None),
    ("month-13", _set("monthly", "month", 0, "2019-13"), ("monthly", 1, "month", "type"), None),
    ("binary", _set("monthly", "employed", 0, "yes"), ("monthly", 1, "employed", "type"),
     _set("monthly", "employed", 0, "1")),
    ("binary-enum", _set("monthly", "on_benefit", 0, "-1"), ("monthly", 1, "on_benefit", "enum"),
     _set("monthly", "on_benefit", 0, "0")),
    ("hours-max", _set("monthly", "hours", 0, "745"), ("monthly", 1, "hours", "maximum"),
     _set("monthly", "hours", 0, "744")),
    ("hours-min", _set("monthly", "hours", 0, "-1"), ("monthly", 1, "hours", "minimum"),
     _set("monthly", "hours", 0, "0")),
    ("earnings", _set("monthly", "earnings", 0, "-0.01"), ("monthly", 1, "earnings", "minimum"),
     _set("monthly", "earnings", 0, "0")),
    ("foreign-key-monthly", _set("monthly", "person_id", 0, "X1"), ("monthly", 1, "person_id", "foreign-key"), None),
    ("foreign-key-survey", _set("survey", "person_id", 2, "X1"), ("survey", 3, "person_id", "foreign-key"), None),
    ("foreign-key-takeup", _set("takeup", "person_id", 0, "X1"), ("takeup", 1, "person_id", "foreign-key"), None),
    ("survey-unique", _set("survey", "wave", 0, 1), ("survey", 2, "person_id, wave", "unique"), None),
    ("wave-type", _set("survey", "wave", 1, "one"), ("survey", 2, "wave", "type"), None),
    ("item-integer", _set("survey", "wb1", 0, "3.5"), ("survey", 1, "wb1", "type"),
     _set("survey", "wb1", 0, "")),
    ("scale-range", _set("survey", "wb3", 0, 0), ("survey", 1, "wb3", "scale-range"),
     _set("survey", "wb3", 0, 5)),
    ("responded-on-type", _set("survey", "responded_on", 2, "gisteren"), ("survey", 3, "responded_on", "type"), None),
    ("takeup-enum", _set("takeup", "received", 0, 2), ("takeup", 1, "received", "enum"),
     _set("takeup", "received", 0, 0)),
    ("takeup-unique", _set("takeup", "person_id", 1, "P0000"), ("takeup", 2, "person_id", "unique"), None),
]


@pytest.mark.parametrize("case", RULE_CASES, ids=[c[0] for c in RULE_CASES])
@pytest.mark.slow
def test_rule_fails_and_passes(make_trial, case):
    _, change, expected, passing = case
    if change is not None:
        t = trial_tables()
        change(t)
        report = validate(make_trial("bad", tables=t))
        assert expected in _keys(report), report.to_text()
        assert all(p.message for p in report.errors)
    if passing is not None:
        t = trial_tables()
        passing(t)
        report = validate(make_trial("good", tables=t))
        assert report.valid, report.to_text()


def test_missing_columns_and_declared_columns(make_trial):
    t = trial_tables()
    t["participants"] = t["participants"].drop(columns=["randomised_on", "age", "stratum"])
    t["participants"]["Agee"] = 30.0
    t["participants"]["STRATUM"] = "a"  # v1.1: found case-insensitively
    t["survey"] = t["survey"].drop(columns=["wb2"])
    t["takeup"] = t["takeup"].drop(columns=["received"])
    report = validate(make_trial(tables=t))
    keys = _keys(report)
    assert ("participants", None, "randomised_on", "required-column") in keys
    assert ("participants", None, "age", "declared-column") in keys
    assert ("participants", None, "stratum", "declared-column") not in keys
    assert ("survey", None, "wb2", "declared-column") in keys
    assert ("takeup", None, "received", "declared-column") in keys
    assert ("takeup", None, None, "required-column") in keys
    age = next(p for p in report.errors if p.column == "age")
    assert "did you mean 'Agee'" in age.message and "columns present: 'person_id'" in age.message


def test_missing_tables_for_declared_outcomes(make_trial):
    t = trial_tables()
    del t["monthly"], t["survey"], t["takeup"]
    report = validate(make_trial(tables=t))
    keys = _keys(report)
    assert ("monthly", None, None, "missing-table") in keys
    assert ("survey", None, None, "missing-table") in keys
    assert ("takeup", None, None, "missing-table") in keys


HOURS_TOML = TRIAL_TOML.replace(
    "window_months = 6\n", "window_months = 6\nmin_hours = 52\n", 1
) + """
[[outcomes]]
id = "earnings_6m"
source = "monthly"
measure = "earnings_total"
window_months = 6
"""


def test_monthly_outcomes_need_their_optional_columns(make_trial):
    t = trial_tables()
    t["monthly"]["hours"] = 60.0
    t["monthly"]["earnings"] = 100.0
    assert validate(make_trial("good", toml=HOURS_TOML, tables=t)).valid
    t["monthly"] = t["monthly"].drop(columns=["hours", "earnings"])
    report = validate(make_trial("bad", toml=HOURS_TOML, tables=t))
    keys = _keys(report)
    assert ("monthly", None, "hours", "declared-column") in keys
    assert ("monthly", None, "earnings", "declared-column") in keys
    hours = next(p for p in report.errors if p.column == "hours")
    assert "outcome 'exit_6m'" in hours.message


CLUSTER_TOML = TRIAL_TOML.replace('strata = ["site", "stratum"]', 'strata = ["site", "stratum"]\ncluster = "team"')


def test_clusters_must_be_nested_in_strata_and_arms(make_trial):
    t = trial_tables()
    p = t["participants"]
    p["team"] = [f"{s}-{st}-{a}" for s, st, a in zip(p["site"], p["stratum"], p["arm"], strict=True)]
    assert validate(make_trial("good", toml=CLUSTER_TOML, tables=t)).valid
    t = trial_tables()
    p = t["participants"]
    p["team"] = [f"{s}-{st}-{a}" for s, st, a in zip(p["site"], p["stratum"], p["arm"], strict=True)]
    p.loc[0, "team"] = p.loc[12, "team"]  # other stratum (b), same arm (control)
    p.loc[2, "team"] = p.loc[1, "team"]  # same stratum, other arm
    report = validate(make_trial("bad", toml=CLUSTER_TOML, tables=t))
    rules = {p.rule: p for p in report.errors}
    assert "All clusters must be contained within strata" in rules["cluster-strata"].message
    assert rules["cluster-strata"].value == p.loc[12, "team"]
    assert rules["cluster-arm"].value == p.loc[1, "team"]


# -- warnings ----------------------------------------------------------------------
def test_warning_single_arm_stratum(make_trial):
    t = trial_tables()
    p = t["participants"]
    p.loc[p["stratum"] == "a", "stratum"] = np.where(p.loc[p["stratum"] == "a", "arm"] == "control", "a", "c")
    report = validate(make_trial(tables=t))
    assert report.valid
    assert {w.rule for w in report.warnings} == {"single-arm-stratum"}


def test_warning_unequal_allocation_and_declared_allocation(make_trial):
    n = 400
    t = trial_tables(n=n)
    p = t["participants"]
    p["arm"] = np.where(np.arange(n) % 4 == 0, "control", "treated")
    p["stratum"] = "a"
    t = {"participants": p}
    toml = TRIAL_TOML.split("[[outcomes]]\nid = \"exit_6m\"")[0].replace("[[takeup]]", "")
    report = validate(make_trial("equal", toml=toml, tables=t))
    assert {w.rule for w in report.warnings} == {"allocation"}
    declared = toml.replace('strata = ["site", "stratum"]', 'strata = ["site", "stratum"]\nallocation = { control = 1, treated = 3 }')
    report = validate(make_trial("declared", toml=declared, tables=t))
    assert report.valid and not report.warnings, report.to_text()


def test_warning_month_gap(make_trial):
    t = trial_tables()
    t["monthly"] = t["monthly"].drop(index=[2, 3]).reset_index(drop=True)  # P0000 months 2 and 3
    report = validate(make_trial(tables=t))
    assert report.valid
    (w,) = report.warnings
    assert (w.table, w.row, w.rule, w.value) == ("monthly", 3, "month-gap", "P0000")
    assert "months 2..3" in w.message


def test_warning_survey_timing(make_trial):
    t = trial_tables()
    t["survey"].loc[3, "responded_on"] = "2020-12-01"  # wave 1, far later than the usual 180 days
    report = validate(make_trial(tables=t))
    assert report.valid
    assert [(w.rule, w.row) for w in report.warnings] == [("survey-timing", 4)]


# -- trial.toml problems do not stop the table checks -------------------------------------
def test_broken_toml_still_checks_tables(make_trial):
    toml = TRIAL_TOML.replace('control_arm = "control"', 'control_arm = "controle"\nlanguge = "nl"')
    t = trial_tables()
    t["monthly"].loc[0, "hours"] = 900
    report = validate(make_trial(toml=toml, tables=t))
    keys = _keys(report)
    assert ("trial.toml", None, "trial.control_arm", "unknown-arm") in keys
    assert ("trial.toml", None, "trial.languge", "unknown-key") in keys
    assert ("monthly", 1, "hours", "maximum") in keys


# -- the user's files are never changed ----------------------------------------------
def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        h.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            h.update(path.read_bytes())
            h.update(str(path.stat().st_mtime_ns).encode())
    return h.hexdigest()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_validation_never_changes_files(make_trial, fmt):
    t = trial_tables()
    t["participants"].loc[0, "arm"] = "x"
    folder = make_trial(tables=t, fmt=fmt)
    before = _digest(folder)
    validate(folder)
    with pytest.raises(trustexp.ContractError):
        trustexp.load_trial(folder)
    assert _digest(folder) == before


def test_write_tables_helper_formats(tmp_path):
    write_tables(tmp_path, {"x": pd.DataFrame({"a": [1]})}, "parquet")
    assert (tmp_path / "x.parquet").exists()


def test_late_baseline_is_a_warning_and_a_missing_baseline(make_trial):
    """Contract v1.1: a wave-0 answer after randomisation warns, and that baseline is not used."""
    import trustexp

    t = trial_tables()
    s = t["survey"]
    row = int(np.flatnonzero((s["wave"] == 0).to_numpy())[0])
    person = s.loc[row, "person_id"]
    s.loc[row, "responded_on"] = "2019-12-01"
    folder = make_trial(tables=t)
    report = validate(folder)
    assert report.valid, report.to_text()
    late = [w for w in report.warnings if w.rule == "baseline"]
    assert [(w.table, w.row, w.column) for w in late] == [("survey", row + 1, "responded_on")]
    trial = trustexp.load_trial(folder)
    kept = trial.survey[(trial.survey["person_id"] == person) & (trial.survey["wave"] == 0)]
    assert kept.empty
    assert len(trial.survey) == len(s) - 1
