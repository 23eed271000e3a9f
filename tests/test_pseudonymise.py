"""trustexp.pseudonymise: keyed, consistent, atomic, never leaks the key."""

from __future__ import annotations

import hashlib
import hmac
import tomllib

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import TRIAL_TOML, trial_tables

import trustexp
from trustexp.errors import ConfigError, InputError, TrustexpError
from trustexp.pseudonym import pseudonym

KEY = "a-long-enough-secret-key-0123456789"


def test_pseudonym_is_keyed_hmac_sha256():
    expected = "p" + hmac.new(KEY.encode(), b"123456782", hashlib.sha256).hexdigest()[:16]
    assert pseudonym("123456782", KEY) == expected
    assert pseudonym("123456782", KEY + "x") != expected
    assert len(expected) == 17


def test_bsn_folder_becomes_valid_and_consistent(make_trial, tmp_path):
    t = trial_tables()
    bsns = {"P0000": "111222333", "P0001": "123456782"}
    for frame in t.values():
        frame["person_id"] = frame["person_id"].replace(bsns)
    folder = make_trial(tables=t)
    report = trustexp.validate(folder)
    assert {p.rule for p in report.errors} == {"bsn"}

    out = tmp_path / "pseudo"
    result = trustexp.pseudonymise(folder, out, key=KEY)
    assert result.ids == 48
    assert {n: rows for n, (_, rows) in result.tables.items()} == {
        "participants": 48, "monthly": 336, "survey": 96, "takeup": 48
    }
    assert trustexp.validate(out).valid
    new = {n: pd.read_csv(out / f"{n}.csv", dtype=str) for n in t}
    assert new["participants"]["person_id"].iloc[0] == pseudonym("111222333", KEY)
    for name in ("monthly", "survey", "takeup"):
        assert set(new[name]["person_id"]) <= set(new["participants"]["person_id"])
    # everything but person_id unchanged
    before = pd.read_csv(folder / "monthly.csv", dtype=str)
    pd.testing.assert_frame_equal(before.drop(columns="person_id"), new["monthly"].drop(columns="person_id"))
    # the key is written nowhere
    for f in out.iterdir():
        assert KEY.encode() not in f.read_bytes()
    assert (out / "trial.toml").read_text() == TRIAL_TOML


def test_formats_and_data_paths(make_trial, tmp_path):
    import pyreadstat

    t = trial_tables()
    folder = make_trial(tables={"participants": t["participants"]}, fmt="parquet")
    exports = tmp_path / "exports"
    exports.mkdir()
    pyreadstat.write_sav(t["monthly"], str(exports / "maanden.sav"))
    t["survey"].to_csv(folder / "survey.csv", sep=";", encoding="cp1252", index=False)
    toml = TRIAL_TOML.replace("[[takeup]]\narm = \"treated\"\ncolumn = \"received\"\n", "")
    (folder / "trial.toml").write_text(toml + '\n[data]\nmonthly = "../exports/maanden.sav"\n')
    out = tmp_path / "out"
    result = trustexp.pseudonymise(folder, out, key=KEY)
    assert {n: p.name for n, (p, _) in result.tables.items()} == {
        "participants": "participants.parquet", "monthly": "monthly.sav", "survey": "survey.csv"
    }  # v1.1: formats are kept (SPSS stays SPSS)
    assert pq.read_table(out / "participants.parquet").column("person_id")[0].as_py().startswith("p")
    survey_bytes = (out / "survey.csv").read_bytes()
    assert b";" in survey_bytes.splitlines()[0]
    doc = tomllib.loads((out / "trial.toml").read_text())
    assert doc["data"] == {"participants": "participants.parquet", "monthly": "monthly.sav", "survey": "survey.csv"}
    report = trustexp.validate(out)
    assert report.valid, report.to_text()


def test_refusals(make_trial, tmp_path):
    folder = make_trial()
    with pytest.raises(TrustexpError, match="too short"):
        trustexp.pseudonymise(folder, tmp_path / "o", key="short")
    (tmp_path / "exists").mkdir()
    with pytest.raises(InputError, match="already exists"):
        trustexp.pseudonymise(folder, tmp_path / "exists", key=KEY)
    with pytest.raises(InputError, match="no such folder"):
        trustexp.pseudonymise(tmp_path / "none", tmp_path / "o", key=KEY)
    (folder / "takeup.csv").write_text("id,received\n1,1\n")
    with pytest.raises(InputError, match="no person id column"):
        trustexp.pseudonymise(folder, tmp_path / "o", key=KEY)
    (folder / "trial.toml").write_text("[trial")
    with pytest.raises(ConfigError):
        trustexp.pseudonymise(folder, tmp_path / "o", key=KEY)
    assert not (tmp_path / "o").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_atomic_no_partial_output(make_trial, tmp_path, monkeypatch):
    import trustexp.pseudonym as mod

    folder = make_trial()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(mod, "_rewrite_data", boom)
    with pytest.raises(OSError):
        trustexp.pseudonymise(folder, tmp_path / "o", key=KEY)
    assert not (tmp_path / "o").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["trial"]


def _user_missing_warnings(report):
    return sorted((w.table, w.column, w.message) for w in report.warnings if w.rule == "user-missing")


def test_spss_user_missing_codes_stay_user_missing(make_trial, tmp_path):
    """Discrete codes, a range and a text code are written back as user-missing, not as empty cells."""
    import pyreadstat

    t = trial_tables()
    people = t["participants"].copy()
    n = len(people)
    people["score"] = [float(v) for v in range(n)]
    people.loc[[1, 5], "score"] = 98.0  # in the range 97..99
    people.loc[[7], "score"] = 99.0
    people["code"] = [float(v % 3) for v in range(n)]
    people.loc[[2, 3, 4], "code"] = -1.0
    people["note"] = ["ok"] * n
    people.loc[[0, 9], "note"] = "NA"
    folder = make_trial(tables={k: v for k, v in t.items() if k != "participants"})
    (folder / "participants.csv").unlink(missing_ok=True)
    ranges = {"score": [{"lo": 97.0, "hi": 99.0}], "code": [-1.0], "note": ["NA"]}
    pyreadstat.write_sav(people, str(folder / "participants.sav"), missing_ranges=ranges,
                         variable_value_labels={"code": {-1.0: "onbekend", 1.0: "een"}})
    before = trustexp.validate(folder)
    assert before.valid, before.to_text()
    counted = _user_missing_warnings(before)
    assert [(tb, c) for tb, c, _ in counted] == [
        ("participants", "code"), ("participants", "note"), ("participants", "score")
    ]

    out = tmp_path / "out"
    trustexp.pseudonymise(folder, out, key=KEY)
    after = trustexp.validate(out)
    assert after.valid, after.to_text()
    assert _user_missing_warnings(after) == counted  # the same counts and codes

    frame, meta = pyreadstat.read_sav(str(out / "participants.sav"), user_missing=True)
    assert meta.missing_ranges == {
        "score": [{"lo": 97.0, "hi": 99.0}], "code": [{"lo": -1.0, "hi": -1.0}],
        "note": [{"lo": "NA", "hi": "NA"}],
    }
    assert frame["score"].tolist() == people["score"].tolist()
    assert frame["code"].tolist() == people["code"].tolist()
    assert frame["note"].tolist() == people["note"].tolist()
    assert meta.variable_value_labels["code"] == {-1.0: "onbekend", 1.0: "een"}


@pytest.mark.slow
def test_municipal_export_user_missing_round_trip(tmp_path):
    """The export's leeftijd 999 and opleiding 9 are counted the same before and after."""
    from _municipal_export import build_export

    from trustexp.cli import main

    export = build_export(tmp_path / "export")
    assert main(["init", str(export)]) == 0
    before = trustexp.validate(export)
    out = tmp_path / "out"
    trustexp.pseudonymise(export, out, key=KEY, bsn_columns="drop")
    after = trustexp.validate(out)
    assert after.valid, after.to_text()
    counted = _user_missing_warnings(before)
    assert {c for _, c, _ in counted} == {"leeftijd", "opleiding"}
    assert _user_missing_warnings(after) == counted
    import pyreadstat

    frame, _ = pyreadstat.read_sav(str(out / "participants.sav"), user_missing=True)
    assert frame["leeftijd"].iloc[:3].tolist() == [999.0, 999.0, 999.0]
