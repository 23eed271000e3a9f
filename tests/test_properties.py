"""Property-based tests: whatever tables and trial.toml are thrown at validate(),
the answer is a report or a TrustexpError, never another exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import TRIAL_TOML, trial_tables, write_tables
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustexp.errors import TrustexpError
from trustexp.validation import ValidationReport, validate

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
BASE = trial_tables(n=16)
TABLES = ("participants", "monthly", "survey", "takeup")

cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "0", "1", "2", "-1", "1,5", "1.5", "NaN", "inf", "2019-13", "31-02-2019",
                     "2099-01-01", "111222333", "P0000", "control", "reference", "9" * 30, '"', ";", "\n"]),
    st.integers(-10**12, 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


def _check(folder: Path) -> None:
    try:
        report = validate(folder)
    except TrustexpError:
        return
    assert isinstance(report, ValidationReport)
    report.to_json()
    report.to_text()


@SETTINGS
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(TABLES), st.integers(0, 200), st.integers(0, 10), cell), max_size=12
    ),
    drop=st.lists(st.tuples(st.sampled_from(TABLES), st.integers(0, 10)), max_size=2),
    fmt=st.sampled_from(["csv", "csv;", "parquet"]),
)
@pytest.mark.slow
def test_mutated_tables(edits, drop, fmt):
    tables = {k: v.astype(str) for k, v in BASE.items()}
    for table, row, col, value in edits:
        frame = tables[table]
        r, c = row % len(frame), frame.columns[col % len(frame.columns)]
        frame.loc[frame.index[r], c] = value
    for table, col in drop:
        frame = tables[table]
        if len(frame.columns) > 1:
            tables[table] = frame.drop(columns=frame.columns[col % len(frame.columns)])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "trial.toml").write_text(TRIAL_TOML, encoding="utf-8")
        if fmt == "csv;":
            for name, frame in tables.items():
                frame.to_csv(folder / f"{name}.csv", sep=";", index=False, encoding="utf-8")
        else:
            write_tables(folder, tables, fmt)
        _check(folder)


@SETTINGS
@given(
    columns=st.dictionaries(
        st.sampled_from(["person_id", "site", "arm", "randomised_on", "stratum", "age", "income", "x"]),
        st.sampled_from(["int", "float", "str", "date", "bool", "null"]),
        min_size=1,
    ),
    n=st.integers(0, 6),
)
@pytest.mark.slow
def test_random_typed_parquet(columns, n):
    rng = np.random.default_rng(n)
    arrays = {}
    for name, kind in columns.items():
        if kind == "int":
            arrays[name] = pa.array(rng.integers(-5, 10**9, n))
        elif kind == "float":
            arrays[name] = pa.array(rng.normal(size=n) * 1e9)
        elif kind == "str":
            arrays[name] = pa.array([f"v{i}" for i in rng.integers(0, 3, n)])
        elif kind == "date":
            arrays[name] = pa.array(pd.to_datetime(rng.integers(0, 4 * 10**9, n), unit="s"))
        elif kind == "bool":
            arrays[name] = pa.array(rng.integers(0, 2, n).astype(bool))
        else:
            arrays[name] = pa.nulls(n)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "trial.toml").write_text(TRIAL_TOML, encoding="utf-8")
        pq.write_table(pa.table(arrays), folder / "participants.parquet")
        _check(folder)


toml_line = st.one_of(
    st.sampled_from(TRIAL_TOML.splitlines()),
    st.sampled_from(['[analysis]', 'alpha = 2', 'alpha = "x"', 'seed = -1', '[[outcomes]]', 'id = 3',
                     'scale = "nope"', 'wave = "1"', 'arms = 1', '[randomisation]', 'strata = "site"',
                     'cluster = ["a"]', '[data]', 'participants = 5', 'allocation = { control = -1 }',
                     'kind = "reference"', '[arms]', 'x = { label = 1 }', 'range = [1]', 'items = []']),
    st.text(max_size=20),
)


@SETTINGS
@given(lines=st.lists(toml_line, max_size=40), keep=st.integers(0, 60))
@pytest.mark.slow
def test_mutated_trial_toml(lines, keep):
    base = TRIAL_TOML.splitlines()
    text = "\n".join(base[:keep] + lines + base[keep:]) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "trial.toml").write_text(text, encoding="utf-8")
        write_tables(folder, {"participants": BASE["participants"], "monthly": BASE["monthly"]}, "csv")
        _check(folder)


@SETTINGS
@given(data=st.binary(max_size=300), table=st.sampled_from(TABLES))
def test_random_bytes_as_csv(data, table):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "trial.toml").write_text(TRIAL_TOML, encoding="utf-8")
        write_tables(folder, {k: v for k, v in BASE.items() if k != table}, "csv")
        (folder / f"{table}.csv").write_bytes(data)
        _check(folder)
