"""Folders and files that cannot be validated: a clear InputError or ConfigError, never a traceback."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from conftest import trial_tables

import trustexp
from trustexp.errors import ConfigError, InputError, TrustexpError
from trustexp.validation import validate


def test_missing_folder(tmp_path):
    with pytest.raises(InputError, match="no such folder"):
        validate(tmp_path / "nope")


def test_path_is_a_file(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("a\n")
    with pytest.raises(InputError, match="not a folder"):
        validate(f)


def test_no_path():
    with pytest.raises(InputError, match="no trial folder"):
        validate()


def test_missing_trial_toml(make_trial):
    folder = make_trial()
    (folder / "trial.toml").unlink()
    with pytest.raises(InputError, match="no trial.toml"):
        validate(folder)


def test_missing_participants(make_trial):
    folder = make_trial()
    (folder / "participants.csv").unlink()
    with pytest.raises(InputError, match="no participants table"):
        validate(folder)


def test_toml_syntax_error_has_line_and_column(make_trial):
    folder = make_trial(toml='[trial]\nname = "x\ncontrol_arm = "control"\n')
    with pytest.raises(ConfigError, match=r"line 2, column \d+"):
        validate(folder)


def test_toml_not_utf8(make_trial):
    folder = make_trial()
    (folder / "trial.toml").write_bytes(b'[trial]\nname = "\xff\xfe"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        validate(folder)


def test_empty_file(make_trial):
    folder = make_trial()
    (folder / "monthly.csv").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        validate(folder)


def test_header_only_is_zero_rows(make_trial):
    t = trial_tables()
    folder = make_trial(tables={"participants": t["participants"], "monthly": t["monthly"].iloc[:0]})
    report = validate(folder)
    assert report.rows["monthly"] == 0
    assert not [p for p in report.errors if p.table == "monthly"]


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 8,  # binary garbage with NUL bytes
        b"\x81\x8d\x8f\x90\x9d" * 100,  # neither UTF-8 nor Windows-1252
        "person_id,site\np1,x\n".encode("utf-16"),  # UTF-16
        b"\x01\x02\x03\x04 garbage",  # control characters
    ],
    ids=["binary", "undecodable", "utf16", "control"],
)
def test_unreadable_csv(make_trial, content):
    folder = make_trial()
    (folder / "survey.csv").write_bytes(content)
    with pytest.raises(InputError, match="survey.csv"):
        validate(folder)


def test_ragged_csv_names_the_line(make_trial):
    folder = make_trial()
    (folder / "takeup.csv").write_text("person_id,received\nP0000,1\nP0001,0,7\n")
    with pytest.raises(InputError, match=r"takeup.csv is not a well-formed CSV file \(line 3\)"):
        validate(folder)


def test_duplicate_header(make_trial):
    folder = make_trial()
    (folder / "takeup.csv").write_text("person_id,received,received\nP0000,1,1\n")
    with pytest.raises(InputError, match="appears twice"):
        validate(folder)


@pytest.mark.parametrize("suffix", ["parquet", "xlsx", "sav", "dta"])
def test_corrupt_binary_formats(make_trial, suffix):
    folder = make_trial()
    (folder / "takeup.csv").unlink()
    (folder / f"takeup.{suffix}").write_bytes(b"PAR1 this is not really a file" * 10)
    with pytest.raises(InputError, match=f"takeup.{suffix} cannot be read"):
        validate(folder)


def test_truncated_parquet(make_trial):
    folder = make_trial(fmt="parquet")
    data = (folder / "monthly.parquet").read_bytes()
    (folder / "monthly.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="monthly.parquet"):
        validate(folder)


def test_two_candidates_for_one_table(make_trial):
    folder = make_trial()
    pd.DataFrame({"person_id": ["P0000"], "received": [1]}).to_parquet(folder / "takeup.parquet")
    with pytest.raises(InputError, match=r"takeup.csv and takeup.parquet"):
        validate(folder)


def test_data_paths_relative_to_folder(make_trial):
    folder = make_trial()
    exports = folder.parent / "exports"
    exports.mkdir()
    shutil.move(folder / "participants.csv", exports / "deelnemers.csv")
    toml = (folder / "trial.toml").read_text()
    (folder / "trial.toml").write_text(toml + '\n[data]\nparticipants = "../exports/deelnemers.csv"\n')
    report = validate(folder)
    assert report.valid, report.to_text()
    assert report.files["participants"] == (exports / "deelnemers.csv").resolve()


def test_data_path_missing_or_unsupported(make_trial):
    folder = make_trial()
    toml = (folder / "trial.toml").read_text()
    (folder / "trial.toml").write_text(toml + '\n[data]\nmonthly = "elsewhere.csv"\n')
    with pytest.raises(InputError, match="no such file"):
        validate(folder)
    (folder / "trial.toml").write_text(toml + '\n[data]\nmonthly = "monthly.txt"\n')
    with pytest.raises(InputError, match="unsupported file type"):
        validate(folder)


def test_demo_missing(monkeypatch, tmp_path):
    import trustexp.validation._run as run

    monkeypatch.setattr(run, "demo_dir", lambda: tmp_path)
    with pytest.raises(InputError, match="demo trial is not installed"):
        validate(demo=True)


def test_demo_with_fixture(monkeypatch, make_trial):
    import trustexp.validation._run as run

    folder = make_trial()
    monkeypatch.setattr(run, "demo_dir", lambda: folder)
    assert validate(demo=True).valid
    trial = trustexp.load_trial(demo=True)
    assert len(trial.participants) == 48
    with pytest.raises(InputError, match="not both"):
        validate(folder, demo=True)


def test_errors_are_trustexp_errors():
    assert issubclass(InputError, TrustexpError) and issubclass(ConfigError, TrustexpError)
