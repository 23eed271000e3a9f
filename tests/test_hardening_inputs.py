"""Issue 14, items 2-4: strange input ends in a clear message, bounded work and honest values.

Each test is one example of the hostile tester's report (or a member of its class).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import TRIAL_TOML, trial_tables, write_tables

from trustexp.cli import main
from trustexp.errors import ConfigError, InputError
from trustexp.readers import MAX_COLUMNS, MAX_LINE_BYTES, read_table
from trustexp.validation import validate
from trustexp.validation._config import MAX_TOML_DEPTH, read_toml

ROOT = Path(__file__).resolve().parents[1]


def _run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "trustexp", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


# -- files that are not files ---------------------------------------------------------
def test_a_fifo_named_trial_toml_is_refused_without_hanging(make_trial):
    trial = make_trial()
    (trial / "trial.toml").unlink()
    os.mkfifo(trial / "trial.toml")
    started = time.monotonic()
    with pytest.raises(InputError, match="FIFO"):
        validate(trial)
    assert time.monotonic() - started < 5


def test_a_fifo_device_or_folder_as_a_table_is_refused(make_trial):
    trial = make_trial()
    (trial / "takeup.csv").unlink()
    os.mkfifo(trial / "takeup.csv")
    with pytest.raises(InputError, match="FIFO"):
        validate(trial)
    (trial / "takeup.csv").unlink()
    (trial / "takeup.csv").symlink_to("/dev/zero")
    with pytest.raises(InputError, match="a device"):
        validate(trial)
    (trial / "takeup.csv").unlink()
    (trial / "takeup.csv").mkdir()
    with pytest.raises(InputError, match="a folder"):
        validate(trial)


@pytest.mark.slow
def test_the_cli_refuses_a_fifo_with_exit_2(make_trial):
    trial = make_trial()
    (trial / "trial.toml").unlink()
    os.mkfifo(trial / "trial.toml")
    result = _run_cli("validate", str(trial), timeout=30)
    assert result.returncode == 2
    assert "FIFO" in result.stderr and "Traceback" not in result.stderr


# -- paths ----------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["deel\x00nemers.csv", "x" * 256 + ".csv",
                                  ("a" * 255 + "/") * 20 + "p.csv"])
def test_strange_data_paths_give_a_message(make_trial, path):
    trial = make_trial()
    toml = TRIAL_TOML + f'\n[data]\nparticipants = {json.dumps(path)}\n'
    (trial / "trial.toml").write_text(toml, "utf-8")
    with pytest.raises(InputError, match="trial.toml \\[data\\] participants"):
        validate(trial)


@pytest.mark.slow
def test_a_folder_name_that_is_not_utf8_reads_normally(tmp_path):
    folder = Path(os.fsdecode(bytes(tmp_path) + b"/proef-\xe9\xff"))
    folder.mkdir()
    (folder / "trial.toml").write_text(TRIAL_TOML, "utf-8")
    write_tables(folder, trial_tables())
    with open(folder / "monthly.parquet", "wb") as fh:  # pyarrow cannot name such a path
        trial_tables()["monthly"].to_parquet(fh, index=False)
    (folder / "monthly.csv").unlink()
    report = validate(folder)
    assert report.valid, report.to_text()
    out = Path(os.fsdecode(bytes(tmp_path) + b"/rapport-\xe9.html"))
    export = Path(os.fsdecode(bytes(tmp_path) + b"/tabellen-\xe9"))
    assert main(["report", str(folder), "-o", str(out), "-q", "--permutations", "0",
                 "--export", str(export)]) == 0
    assert out.is_file() and (export / "results.json").is_file()
    assert main(["validate", str(folder)]) == 0


# -- sizes ----------------------------------------------------------------------------
def test_a_million_column_header_is_refused_quickly(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_text(",".join(f"c{i}" for i in range(10**6)) + "\n1\n", "utf-8")
    started = time.monotonic()
    with pytest.raises(InputError, match="longer than"):
        read_table(path, "participants")
    path.write_text(",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\n", "utf-8")
    with pytest.raises(InputError, match="columns"):
        read_table(path, "participants")
    assert time.monotonic() - started < 10


def test_a_huge_single_line_is_refused_with_its_line_number(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_bytes(b"person_id,site\nP1,A\nP2," + b"x" * (MAX_LINE_BYTES + 1) + b"\n")
    with pytest.raises(InputError, match="line 3 is longer"):
        read_table(path, "participants")


def test_a_deeply_nested_trial_toml_is_a_config_error(tmp_path):
    path = tmp_path / "trial.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", "utf-8")
    with pytest.raises(ConfigError, match="nests"):
        read_toml(path)
    path.write_text("x." * (MAX_TOML_DEPTH + 1) + "y = 1\n", "utf-8")
    with pytest.raises(ConfigError, match="nests"):
        read_toml(path)


def test_a_huge_trial_toml_and_a_huge_key_file_are_refused(tmp_path):
    from trustexp.pseudonym import key_from

    (tmp_path / "trial.toml").write_bytes(b"# " + b"x" * (2 << 20) + b"\n")
    with pytest.raises(InputError, match="larger than"):
        read_toml(tmp_path / "trial.toml")
    (tmp_path / "key").write_bytes(b"k" * (1 << 20))
    with pytest.raises(InputError, match="larger than"):
        key_from(tmp_path / "key")
    os.mkfifo(tmp_path / "fifo-key")
    with pytest.raises(InputError, match="FIFO"):
        key_from(tmp_path / "fifo-key")


# -- encodings ------------------------------------------------------------------------
def test_mixed_utf8_and_windows_1252_is_an_error_naming_the_lines(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_bytes("person_id,site\nP1,Ede\nP2,Sûdwest\n".encode() + "P3,Súdwest\n".encode("cp1252"))
    with pytest.raises(InputError, match="line 3 is UTF-8 .* line 4 is not UTF-8"):
        read_table(path, "participants")
    # the other order, and far apart (beyond the first block read)
    path.write_bytes("person_id,site\nP1,Súdwest\n".encode("cp1252") + b"P2,Ede\n" * 400_000
                     + "P3,Sûdwest\n".encode())
    with pytest.raises(InputError, match="mixes encodings"):
        read_table(path, "participants")


def test_plain_windows_1252_is_still_read(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_bytes("person_id;site\nP1;Súdwest-Fryslân\n".encode("cp1252"))
    table = read_table(path, "participants")
    assert table.dialect.encoding == "cp1252"
    assert table.data.column("site").to_pylist() == ["Súdwest-Fryslân"]


# -- Parquet types and dates -----------------------------------------------------------
def _parquet_trial(make_trial, column: str, array, table: str = "participants") -> Path:
    tables = trial_tables()
    trial = make_trial(tables={k: v for k, v in tables.items() if k != table})
    data = pa.Table.from_pandas(tables[table], preserve_index=False)
    data = data.set_column(data.column_names.index(column), column, array(data.num_rows))
    pq.write_table(data, trial / f"{table}.parquet")
    return trial


@pytest.mark.parametrize("array", [
    lambda n: pa.array([[1, 2]] * n),
    lambda n: pa.array([{"a": 1}] * n),
    lambda n: pa.array([b"x"] * n, pa.binary()),
    lambda n: pa.array([30] * n).cast(pa.duration("s")),
    lambda n: pa.array([{1: 2}] * n, pa.map_(pa.int64(), pa.int64())),
], ids=["list", "struct", "binary", "duration", "map"])
def test_parquet_column_types_the_contract_cannot_hold_are_refused(make_trial, array):
    trial = _parquet_trial(make_trial, "age", array)
    with pytest.raises(InputError, match="the column 'age' has the type"):
        validate(trial)


@pytest.mark.parametrize("array", [
    lambda n: pa.array([2**64 - 1] * n, pa.uint64()),
    lambda n: pa.array([35] * n, pa.uint64()),
    lambda n: pa.array([Decimal("35.50")] * n, pa.decimal128(10, 2)),
    lambda n: pa.array(np.full(n, 35, np.float16)),
    lambda n: pa.array([35] * n).dictionary_encode(),
    lambda n: pa.nulls(n, pa.float64()),
], ids=["uint64-huge", "uint64", "decimal", "float16", "dictionary", "null"])
@pytest.mark.slow
def test_odd_but_plain_parquet_numbers_are_read(make_trial, array, tmp_path):
    trial = _parquet_trial(make_trial, "age", array)
    assert validate(trial).valid
    assert main(["estimate", str(trial), "--format", "json", "-o", str(tmp_path / "e.json")]) == 0


@pytest.mark.parametrize(("array", "shown"), [
    (lambda n: pa.array([-2**31] * n, pa.int32()).cast(pa.date32()), "-2147483648"),
    (lambda n: pa.array([2**31 - 1] * n, pa.int32()).cast(pa.date32()), None),
    (lambda n: pa.array([-60_000] * n, pa.int32()).cast(pa.date32()), "1805-09-23"),
    (lambda n: pa.array([-2**63 + 1] * n, pa.int64()).cast(pa.timestamp("ns")), None),
    (lambda n: pa.array([2**50] * n, pa.int64()).cast(pa.timestamp("s")), None),
], ids=["date32-min", "date32-max", "1805", "ns-min", "s-far"])
def test_implausible_parquet_dates_are_errors(make_trial, array, shown):
    trial = _parquet_trial(make_trial, "randomised_on", array)
    report = validate(trial)
    assert not report.valid
    rules = {e.rule for e in report.errors if e.column == "randomised_on"}
    assert rules & {"date-range", "not-future"}
    if shown is not None:
        assert any(shown in str(e.message) for e in report.errors)


def test_a_timestamp_with_milliseconds_and_a_zone_is_a_date(make_trial):
    trial = _parquet_trial(make_trial, "randomised_on", lambda n: pa.array(
        [1552608000123] * n, pa.int64()).cast(pa.timestamp("ms", tz="Europe/Amsterdam")))
    report = validate(trial)
    assert not any(e.column == "randomised_on" for e in report.errors), report.to_text()


@pytest.mark.parametrize("date", ["0999-05-01", "1804-02-07", "1899-12-31"])
def test_text_dates_before_1900_are_errors_like_parquet_ones(make_trial, date):
    tables = trial_tables()
    tables["participants"].loc[0, "randomised_on"] = date
    report = validate(make_trial(tables=tables))
    assert [(e.row, e.rule) for e in report.errors if e.column == "randomised_on"] == [
        (1, "date-range")]


def test_a_month_before_1900_is_an_error(make_trial):
    tables = trial_tables()
    tables["monthly"].loc[0, "month"] = "1850-01"
    report = validate(make_trial(tables=tables))
    assert ("monthly", 1, "date-range") in {(e.table, e.row, e.rule) for e in report.errors}


# -- identifiers ------------------------------------------------------------------------
@pytest.mark.parametrize("ident", ["income\\n", "..", "a..b", "income\\r"])
def test_ids_are_matched_whole_and_without_dot_dot(make_trial, ident):
    toml = TRIAL_TOML.replace('id = "income"', f'id = "{ident}"')
    report = validate(make_trial(toml=toml))
    assert not report.valid
    assert any(e.table == "trial.toml" and e.rule == "pattern" for e in report.errors)


def test_an_arm_id_with_a_trailing_newline_is_refused(make_trial):
    toml = TRIAL_TOML.replace("treated = {", '"treated\\n" = {')
    report = validate(make_trial(toml=toml))
    assert any(e.table == "trial.toml" and e.rule == "pattern" for e in report.errors)


@pytest.mark.parametrize("name", ["a\x00b", "y" * 300])
@pytest.mark.slow
def test_a_strange_trial_folder_or_output_path_gives_a_message(make_trial, tmp_path, name):
    with pytest.raises(InputError):
        validate(tmp_path / name)
    ev = __import__("trustexp").evaluate(make_trial(), permutations=0)
    with pytest.raises(InputError):
        __import__("trustexp").report(ev, tmp_path / name / "r.html")
    with pytest.raises(InputError):
        __import__("trustexp").report(ev, tmp_path / f"{name}.html")
    assert main(["validate", str(tmp_path / name)]) == 2


@pytest.mark.slow
def test_a_256_character_output_name_exits_2(make_trial, tmp_path, capsys):
    trial = make_trial()
    assert main(["estimate", str(trial), "-o", str(tmp_path / ("x" * 256 + ".json"))]) == 2
    assert "internal error" not in capsys.readouterr().err
