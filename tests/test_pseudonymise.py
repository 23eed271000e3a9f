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
