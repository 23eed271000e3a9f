"""Fuzzing: no input makes trustexp fail with anything but its own message (issue 14, item 7).

Every target feeds generated input (CSV bytes, Parquet columns of every arrow
type, SPSS files with value labels and user-missing values, ``trial.toml``
documents of any structure, numbers from denormals to 1.7e308) through the
public API and accepts only two outcomes: a result, or a
:class:`~trustexp.errors.TrustexpError` (which the command line turns into a
message and exit code 1 or 2). Any other exception is an internal error; an
example that spins longer than :data:`HANG_SECONDS` of processor time (or
blocks eight times that) is a hang; a failed report
that leaves its output or a temporary behind is a partial output.

``make test`` runs each target for a bounded number of examples (the whole
file in well under 30 s). ``make fuzz`` sets ``TRUSTEXP_FUZZ=1`` (many more
examples per target) and repeats the file with fresh random seeds for
``FUZZ_SECONDS`` (default 600).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import signal
import tempfile
import tomllib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import TRIAL_TOML, trial_tables, write_tables
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trustexp
from trustexp.errors import TrustexpError
from trustexp.readers import read_table

FUZZ = bool(os.environ.get("TRUSTEXP_FUZZ"))
HANG_SECONDS = 60


def budget(bounded: int, long: int) -> Any:
    """Hypothesis settings: ``bounded`` examples in ``make test``, ``long`` in ``make fuzz``."""
    return settings(max_examples=long if FUZZ else bounded, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                    print_blob=True)


@contextlib.contextmanager
def no_hang(cpu_seconds: int = HANG_SECONDS, wall_seconds: int = 8 * HANG_SECONDS) -> Iterator[None]:
    """Fail (instead of waiting for ever) when the block runs too long.

    Spinning is measured in processor time (``cpu_seconds``), so that a busy
    shared machine does not look like a hang; blocking (a read that never
    returns) in wall-clock time (``wall_seconds``).
    """

    def stop(signum: int, frame: object) -> None:
        raise AssertionError(f"hang: the example ran longer than {cpu_seconds} s of processor "
                             f"time or {wall_seconds} s")

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGALRM, signal.SIGPROF)}
    signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
    signal.alarm(wall_seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.setitimer(signal.ITIMER_PROF, 0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def trial_folder(replace: dict[str, Any] | None = None, toml: str = TRIAL_TOML) -> Iterator[Path]:
    """A valid small trial whose tables ``replace`` swaps (a frame, bytes, or a writer)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "trial"
        folder.mkdir()
        (folder / "trial.toml").write_text(toml, "utf-8")
        tables = trial_tables()
        replace = replace or {}
        write_tables(folder, {k: v for k, v in tables.items() if k not in replace})
        for name, content in replace.items():
            if callable(content):
                content(folder, tables[name])
            elif isinstance(content, bytes):
                (folder / f"{name}.csv").write_bytes(content)
        yield folder


def only_our_errors(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``function``; a TrustexpError is an accepted outcome (None), anything else fails."""
    try:
        with no_hang():
            return function(*args, **kwargs)
    except TrustexpError as exc:
        assert str(exc).strip(), "an error without a message"
        return None


def check_everything(folder: Path, out: Path) -> None:
    """Validate, evaluate, render with exports; a failure must leave no output behind."""
    report = only_our_errors(trustexp.validate, folder)
    if report is None or not report.valid:
        return
    ev = only_our_errors(trustexp.evaluate, folder, permutations=0)
    if ev is None:
        return
    for form in (ev.to_json, ev.to_csv, ev.summary):
        assert isinstance(form(), str)
    html, export = out / "r.html", out / "export"
    done = only_our_errors(trustexp.report, ev, html, export_dir=export)
    if done is None:
        assert not html.exists() and not export.exists(), "a partial output"
    else:
        assert html.is_file() and (export / "results.json").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "a temporary left behind"


# -- CSV bytes --------------------------------------------------------------------------
CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", '"', '""', ",", ";", "\r", "\n", "\r\n", "\x00", "\x1b[2J", "=1+1",
                     "\ufeff", "é", "\u20ac", "1,5", "2019-03-15", "15-03-2019", "P0001",
                     "123456782", "1.7e308", "nan", "-0", "\t"]),
)


@st.composite
def csv_bytes(draw: Any) -> bytes:
    header = draw(st.lists(st.sampled_from(["person_id", "site", "arm", "randomised_on",
                                            "stratum", "age", "income", "x", ""]),
                           min_size=1, max_size=8))
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=len(header) + 2), max_size=12))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    text = "\n".join(sep.join(r) for r in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "mixed", "utf-16"]))
    if encoding == "mixed":
        half = len(text) // 2
        return text[:half].encode("utf-8", "replace") + text[half:].encode("cp1252", "replace")
    return text.encode(encoding, "replace")


@budget(60, 2000)
@given(csv_bytes())
@pytest.mark.slow
def test_fuzz_csv_reader(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "participants.csv"
        path.write_bytes(data)
        only_our_errors(read_table, path, "participants")


@budget(8, 150)
@given(csv_bytes())
def test_fuzz_csv_participants_validate(data):
    with trial_folder({"participants": data}) as folder:
        only_our_errors(trustexp.validate, folder)


# -- Parquet types ----------------------------------------------------------------------
def _ints(lo: int, hi: int) -> Any:
    return st.integers(lo, hi)


ARROW_TYPES: list[tuple[pa.DataType, Any, pa.DataType | None]] = [
    # (type of the column, values, type the values are built in and cast from)
    (pa.int8(), _ints(-128, 127), None),
    (pa.int64(), _ints(-(2**63), 2**63 - 1), None),
    (pa.uint32(), _ints(0, 2**32 - 1), None),
    (pa.uint64(), _ints(0, 2**64 - 1), None),
    (pa.float16(), st.floats(width=16), None),
    (pa.float32(), st.floats(width=32), None),
    (pa.float64(), st.floats(), None),
    (pa.float64(), st.sampled_from([5e-324, 1.7e308, -1.7e308, 0.0, -0.0, 2.2e-308]), None),
    (pa.decimal128(12, 3), st.decimals(-10**8, 10**8, places=3, allow_nan=False), None),
    (pa.bool_(), st.booleans(), None),
    (pa.string(), st.text(max_size=20), None),
    (pa.large_string(), st.sampled_from(["control", "treated", "reference", "2019-03-15"]), None),
    (pa.binary(), st.binary(max_size=10), None),
    (pa.date32(), _ints(-(2**31), 2**31 - 1), pa.int32()),
    (pa.date64(), _ints(-(2**53), 2**53), pa.int64()),
    (pa.timestamp("s"), _ints(-(2**40), 2**40), pa.int64()),
    (pa.timestamp("ms", tz="Europe/Amsterdam"), _ints(-(2**62), 2**62), pa.int64()),
    (pa.timestamp("ns"), _ints(-(2**63) + 1, 2**63 - 1), pa.int64()),
    (pa.duration("s"), _ints(-(2**40), 2**40), pa.int64()),
    (pa.time32("s"), _ints(0, 86399), pa.int32()),
    (pa.list_(pa.int64()), st.lists(_ints(-5, 5), max_size=3), None),
    (pa.struct([("a", pa.int64())]), st.fixed_dictionaries({"a": _ints(-5, 5)}), None),
    (pa.dictionary(pa.int32(), pa.string()), st.sampled_from(["Tilburg", "Utrecht", ""]), None),
    (pa.dictionary(pa.int8(), pa.int64()), _ints(-3, 3), None),
    (pa.null(), st.none(), None),
]


@st.composite
def parquet_column(draw: Any) -> tuple[str, pa.Array]:
    column = draw(st.sampled_from(["person_id", "site", "arm", "randomised_on", "stratum",
                                   "age", "income"]))
    kind, values, via = draw(st.sampled_from(ARROW_TYPES))
    n = 48
    pool = draw(st.lists(st.one_of(st.none(), values), min_size=1, max_size=5))
    picks = draw(st.lists(st.integers(0, len(pool) - 1), min_size=n, max_size=n))
    data = [pool[i] for i in picks]
    if pa.types.is_dictionary(kind):
        array = pa.array(data, kind.value_type).dictionary_encode()
    elif via is not None:
        array = pa.array(data, via).cast(kind)
    else:
        array = pa.array(data, kind)
    return column, array


def _write_parquet(column: str, array: pa.Array):
    def write(folder: Path, frame: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.set_column(table.column_names.index(column), column, array)
        pq.write_table(table, folder / "participants.parquet")

    return write


@budget(20, 500)
@given(parquet_column())
@pytest.mark.slow
def test_fuzz_parquet_types_validate(col):
    with trial_folder({"participants": _write_parquet(*col)}) as folder:
        only_our_errors(trustexp.validate, folder)


# -- SPSS value labels and user-missing values -----------------------------------------
@st.composite
def spss_writer(draw: Any):
    codes = draw(st.lists(_ints(-3, 9), min_size=1, max_size=4, unique=True))
    label_text = st.one_of(st.sampled_from(["control", "treated", "reference", "Control",
                                            "Extra guidance", "Declined", ""]),
                           st.text(max_size=15))
    labels = {c: draw(label_text) for c in codes}
    missing = draw(st.lists(_ints(-3, 9), max_size=2))
    site = draw(st.lists(st.text(min_size=0, max_size=10), min_size=1, max_size=3))

    def write(folder: Path, frame: pd.DataFrame) -> None:
        import pyreadstat

        frame = frame.copy()
        rng = np.random.default_rng(len(codes))
        frame["arm"] = rng.choice(codes, size=len(frame)).astype(float)
        frame["site"] = [site[i % len(site)] for i in range(len(frame))]
        try:
            pyreadstat.write_sav(frame, str(folder / "participants.sav"),
                                 variable_value_labels={"arm": labels},
                                 missing_ranges={"arm": missing} if missing else None)
        except Exception:  # pyreadstat refuses some labels: write it without them
            pyreadstat.write_sav(frame, str(folder / "participants.sav"))

    return write


@budget(8, 150)
@given(spss_writer())
def test_fuzz_spss_labels_validate(writer):
    with trial_folder({"participants": writer}) as folder:
        only_our_errors(trustexp.validate, folder)


# -- trial.toml structure ---------------------------------------------------------------
SCALARS = st.one_of(st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(),
                    st.text(max_size=12), st.dates(), st.datetimes(),
                    st.sampled_from(["control", "treated", "income", "monthly", "HC2", "lin",
                                     "..", "income\n", "bh", "romano-wolf"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=12)


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + "}"


def toml_text(doc: dict[str, Any]) -> str:
    return "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in doc.items())


@st.composite
def toml_documents(draw: Any) -> str:
    doc = tomllib.loads(TRIAL_TOML)
    for _ in range(draw(st.integers(1, 4))):
        node: Any = doc
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node) if isinstance(node, dict)
                                       else list(range(len(node)))))
            if not isinstance(node[key], dict | list):
                break
            node = node[key]
        if isinstance(node, dict):
            key = draw(st.one_of(st.sampled_from(sorted(node) or ["x"]), st.text(max_size=6)))
            if draw(st.booleans()) and key in node:
                del node[key]
            else:
                node[key] = draw(VALUES)
        elif isinstance(node, list):
            node.append(draw(VALUES))
    return toml_text(doc)


@budget(25, 600)
@given(toml_documents())
@pytest.mark.slow
def test_fuzz_trial_toml_validate(text):
    with trial_folder(toml=text) as folder:
        only_our_errors(trustexp.validate, folder)


@budget(15, 300)
@given(st.text(max_size=200))
def test_fuzz_trial_toml_text(text):
    with trial_folder(toml=text) as folder:
        only_our_errors(trustexp.validate, folder)


# -- numbers through the whole pipeline -----------------------------------------------
NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=False),
                    st.sampled_from([0.0, 1.0, 5e-324, 1e-310, 1.7e308, -1.7e308, 1e150,
                                     math.nan]))


@st.composite
def numeric_tables(draw: Any):
    column = draw(st.sampled_from([("participants", "income"), ("participants", "age"),
                                   ("monthly", "earnings"), ("monthly", "employed"),
                                   ("takeup", "received")]))
    pool = draw(st.lists(NUMBERS, min_size=1, max_size=3))
    picks = draw(st.lists(st.integers(0, len(pool) - 1), min_size=4, max_size=4))
    return column, [pool[i] for i in picks]


@budget(3, 40)
@given(numeric_tables())
@pytest.mark.slow
def test_fuzz_numbers_through_report(case):
    (table, column), values = case

    def write(folder: Path, frame: pd.DataFrame) -> None:
        frame = frame.copy()
        frame[column] = np.resize(np.asarray(values, dtype=float), len(frame))
        frame.to_parquet(folder / f"{table}.parquet", index=False)

    with trial_folder({table: write}) as folder, tempfile.TemporaryDirectory() as out:
        check_everything(folder, Path(out))


@pytest.mark.slow
def test_the_fixed_examples_of_the_issue_run_through_the_fuzz_checks():
    """The strategies' corners, run every time: constant, denormal and extreme numbers."""
    for column, values in (("income", [0.0] * 4), ("income", [5e-324, 0.0, 1e-323, 0.0]),
                           ("income", [1.7e308, -1.7e308, 1.0, 0.0]),
                           ("age", [0.0, 0.0, 0.0, 6.6583089588212776e16])):  # found by fuzzing
        def write(folder: Path, frame: pd.DataFrame, values=values, column=column) -> None:
            frame = frame.copy()
            frame[column] = np.resize(np.asarray(values), len(frame))
            frame.to_parquet(folder / "participants.parquet", index=False)

        with trial_folder({"participants": write}) as folder, \
                tempfile.TemporaryDirectory() as out:
            check_everything(folder, Path(out))


@pytest.mark.parametrize("value", [Decimal("1e30"), Decimal("-0.001")])
def test_decimal_columns_become_numbers(value):
    def write(folder: Path, frame: pd.DataFrame) -> None:
        _write_parquet("income", pa.array([value] * len(frame), pa.decimal128(38, 3)))(
            folder, frame)

    with trial_folder({"participants": write}) as folder:
        assert trustexp.validate(folder).valid
