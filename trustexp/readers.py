"""Find and read the tables of a trial folder.

Each table (participants, monthly, survey, takeup) is found by its base name in
the folder, in any supported format, or through a ``[data]`` path of
``trial.toml`` relative to the folder. Every reader returns the table as a
:class:`pyarrow.Table` *as stored*: CSV columns stay text, so that validation can
report a bad value with its row instead of a reader coercing it away; typed
formats (Parquet, SPSS, Stata, Excel) keep their own column types.

CSV is read with pyarrow. The dialect is detected: comma or semicolon separator
(whichever the header line has more of), UTF-8 with or without a byte-order mark,
else Windows-1252. A semicolon file is the Dutch spreadsheet export, whose
numbers use a decimal comma (:attr:`RawTable.decimal_comma`).

Every failure to read ends in :class:`~trustexp.errors.InputError` with the file
name and the reason.

Limits (each refused with a message before the work it would cost):

* a table is read only from a regular file (never a FIFO, device or folder) of
  at most :data:`MAX_TABLE_BYTES`; a CSV line may have at most
  :data:`MAX_LINE_BYTES` and a table at most :data:`MAX_COLUMNS` columns;
* small files (``trial.toml``, a key file) are read by :func:`read_bounded`,
  with their own limit;
* a CSV is one encoding: a file that is UTF-8 in places and not in others is an
  error naming the first line that is not UTF-8 (it is never decoded as
  Windows-1252 without a word);
* a Parquet column must have a type a table of the contract can hold (text,
  number, boolean, date or time stamp): lists, structs, maps and binary are
  refused; unsigned 64-bit integers beyond the signed range become text,
  decimals become floats.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import math
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from trustexp._message import Message
from trustexp._message import text as _t
from trustexp.errors import InputError
from trustexp.literals import TABLES

__all__ = [
    "SUFFIXES",
    "TABLES",
    "MAX_COLUMNS",
    "MAX_LINE_BYTES",
    "MAX_TABLE_BYTES",
    "CsvDialect",
    "RawTable",
    "check_path",
    "locate_tables",
    "read_bounded",
    "read_table",
]

SUFFIXES: tuple[str, ...] = (".csv", ".parquet", ".sav", ".dta", ".xlsx")

_SNIFF_BYTES = 1 << 16
_CHUNK = 1 << 24
_BOM = codecs.BOM_UTF8
_CONTROL = bytes(range(0, 9)) + b"\x0b\x0c" + bytes(range(14, 32))

#: The largest table file read (64 GiB: far above a national panel as Parquet).
MAX_TABLE_BYTES = 1 << 36
#: The longest line of a CSV file, in bytes.
MAX_LINE_BYTES = 1 << 20
#: The most columns a table may have.
MAX_COLUMNS = 10_000
# A well-formed UTF-8 sequence of two to four bytes (not ASCII).
_UTF8_MULTI = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


# -- files -----------------------------------------------------------------------
def check_path(path: str | Path, what: str | Message) -> Path:
    """Return ``path`` once it is known to name a regular file that can be opened.

    Parameters
    ----------
    path
        The file.
    what
        How messages name it, e.g. ``"the participants table"``.

    Raises
    ------
    InputError
        The path holds a NUL byte, is too long, does not exist, or is a
        folder, FIFO, socket or device (reading one would hang or never end).
    """
    text = os.fsdecode(path) if isinstance(path, bytes) else str(path)
    if "\x00" in text:
        raise InputError(_t("readers.nul_path", what=what, path=repr(text)))
    path = Path(text)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(_t("readers.no_such_file", what=what, path=_shown(path))) from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(_t("readers.cannot_read", what=what, path=_shown(path), reason=reason)) from None
    mode = info.st_mode
    if not stat.S_ISREG(mode):
        kind = (_t("readers.kind.folder") if stat.S_ISDIR(mode)
                else _t("readers.kind.fifo") if stat.S_ISFIFO(mode)
                else _t("readers.kind.socket") if stat.S_ISSOCK(mode) else _t("readers.kind.device"))
        raise InputError(_t("readers.not_regular", what=what, path=_shown(path), kind=kind))
    return path


@contextlib.contextmanager
def _arrow_source(path: Path) -> Iterator[str | io.BufferedReader]:
    """The path for pyarrow, or an open file where the name is not UTF-8 (pyarrow needs UTF-8)."""
    try:
        os.fsdecode(path).encode("utf-8")
    except UnicodeEncodeError:
        with open(path, "rb") as fh:
            yield fh
        return
    yield str(path)


def _shown(path: Path) -> str:
    """The path as text that can be printed (undecodable bytes as escapes)."""
    return os.fsdecode(path).encode("utf-8", "backslashreplace").decode("utf-8")


def read_bounded(path: str | Path, what: str | Message, limit: int) -> bytes:
    """Read a small file whole, refusing anything but a regular file of at most ``limit`` bytes.

    Raises
    ------
    InputError
        See :func:`check_path`; also a file larger than ``limit``.
    """
    path = check_path(path, what)
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(_t("readers.cannot_read", what=what, path=_shown(path),
                                reason=exc.strerror or exc)) from None
    if len(data) > limit:
        raise InputError(_t("readers.too_large_small", what=what, path=_shown(path), limit=limit))
    return data


@dataclass(frozen=True, slots=True)
class CsvDialect:
    """How a CSV file was written.

    Attributes
    ----------
    delimiter
        ``","`` or ``";"`` (or a tab).
    encoding
        ``"utf-8"`` or ``"cp1252"``.
    bom
        Whether the file starts with a UTF-8 byte-order mark.
    """

    delimiter: str
    encoding: str
    bom: bool

    @property
    def decimal_comma(self) -> bool:
        """Whether numbers use a decimal comma (the semicolon dialect)."""
        return self.delimiter == ";"


@dataclass(frozen=True, slots=True)
class RawTable:
    """A table as read from its file, before any validation.

    Attributes
    ----------
    name
        The contract's table name, e.g. ``"participants"``.
    path
        The file read.
    data
        The columns as stored (CSV: all text).
    format
        The file's suffix without the dot: ``csv``, ``parquet``, ``sav``, ``dta``, ``xlsx``.
    dialect
        For CSV, the detected dialect; else None.
    labels
        SPSS and Stata value labels: column to (value as text to its label).
    user_missing
        SPSS user-missing values, already turned into missing values: column
        to (how many cells, the distinct codes as text).
    user_missing_cells
        The SPSS user-missing cells as stored: column to (their row indices,
        their values), so that a writer can put the codes back.
    meta
        The pyreadstat metadata of an SPSS or Stata file (for writing it back
        with its labels and formats); else None.
    """

    name: str
    path: Path
    data: pa.Table
    format: str
    dialect: CsvDialect | None = None
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    user_missing: Mapping[str, tuple[int, tuple[str, ...]]] = field(default_factory=dict)
    user_missing_cells: Mapping[str, tuple[tuple[int, ...], tuple[Any, ...]]] = field(
        default_factory=dict
    )
    meta: Any = None

    @property
    def decimal_comma(self) -> bool:
        """Whether text numbers in this table use a decimal comma."""
        return self.dialect is not None and self.dialect.decimal_comma

    @property
    def columns(self) -> list[str]:
        """The column names, in file order."""
        return list(self.data.column_names)

    @property
    def num_rows(self) -> int:
        """The number of data rows."""
        return self.data.num_rows


# -- locating ------------------------------------------------------------------
def locate_tables(directory: Path, data: Mapping[str, str] | None = None) -> dict[str, Path]:
    """Find the file of each table present in a trial folder.

    Parameters
    ----------
    directory
        The trial folder.
    data
        The ``[data]`` section of ``trial.toml``: table name to a path relative
        to the folder. Listed tables are read from there.

    Returns
    -------
    dict
        Table name to file, for the tables found (participants always).

    Raises
    ------
    InputError
        Two files for one table, a ``[data]`` path that does not exist or has an
        unsupported suffix, or no participants table.
    """
    data = dict(data or {})
    by_name: dict[str, list[Path]] = {}
    try:
        entries = sorted(directory.iterdir())
    except OSError as exc:
        raise InputError(_t("readers.cannot_list", folder=_shown(directory),
                                reason=exc.strerror or exc)) from None
    for entry in entries:
        stem, suffix = entry.stem.lower(), entry.suffix.lower()
        if stem in TABLES and suffix in SUFFIXES:
            by_name.setdefault(stem, []).append(entry)

    found: dict[str, Path] = {}
    for table in TABLES:
        if table in data:
            given = str(data[table])
            if "\x00" in given:
                raise InputError(_t("readers.data_nul", table=table, path=repr(given)))
            try:
                path = (directory / given).resolve()
            except (OSError, ValueError, RuntimeError) as exc:
                raise InputError(_t("readers.data_reason", table=table, path=repr(given), reason=exc)) from None
            if path.suffix.lower() not in SUFFIXES:
                raise InputError(_t(
                    "readers.data_suffix", table=table, path=repr(given),
                    suffix=repr(path.suffix) if path.suffix else _t("readers.no_suffix"),
                    suffixes=", ".join(SUFFIXES),
                ))
            try:
                exists = path.exists()
            except OSError as exc:  # a name too long, a loop of links
                raise InputError(_t("readers.data_reason", table=table, path=repr(given),
                                    reason=exc.strerror or exc)) from None
            if not exists:
                raise InputError(_t("readers.data_missing", table=table, path=repr(given),
                                    file=_shown(path)))
            found[table] = check_path(path, _t("readers.what.table", table=table))
            continue
        candidates = by_name.get(table, [])
        if len(candidates) > 1:
            first, second = (p.name for p in candidates[:2])
            raise InputError(_t("readers.two_files", table=table, folder=directory, first=first,
                                second=second))
        if candidates:
            found[table] = check_path(candidates[0], _t("readers.what.table", table=table))
    if "participants" not in found:
        raise InputError(_t("readers.no_participants", folder=directory,
                            files=", ".join("participants" + s for s in SUFFIXES[1:])))
    return found


# -- reading -------------------------------------------------------------------
def read_table(path: Path, name: str) -> RawTable:
    """Read one table file.

    Parameters
    ----------
    path
        The file; its suffix picks the reader.
    name
        The contract's table name (for messages).

    Raises
    ------
    InputError
        The file cannot be read: missing, empty, binary, wrongly encoded or corrupt.
    """
    path = check_path(path, _t("readers.what.table", table=name))
    suffix = path.suffix.lower()
    size = path.stat().st_size
    if size > MAX_TABLE_BYTES:
        raise InputError(_t("readers.too_large", file=path.name, size=size, limit=MAX_TABLE_BYTES))
    if size == 0:
        raise InputError(_t("readers.empty", file=path.name, table=name))
    readers = {
        ".csv": _read_csv,
        ".parquet": _read_parquet,
        ".sav": _read_spss,
        ".dta": _read_stata,
        ".xlsx": _read_xlsx,
    }
    reader = readers.get(suffix)
    if reader is None:
        raise InputError(_t("readers.unsupported", file=path.name, suffixes=", ".join(SUFFIXES)))
    try:
        result: tuple[Any, ...] = reader(path)
        table: pa.Table = result[0]
        dialect: CsvDialect | None = result[1]
        extra: dict[str, Any] = result[2] if len(result) > 2 else {}
    except InputError:
        raise
    except MemoryError:
        raise InputError(_t("readers.memory", file=path.name)) from None
    except OSError as exc:
        raise InputError(_t("readers.os_error", path=_shown(path), reason=exc.strerror or exc)) from None
    except RecursionError:
        raise InputError(_t("readers.nests", file=path.name)) from None
    except Exception as exc:  # every reader failure becomes a message
        kind = suffix.lstrip(".")
        raise InputError(_t("readers.corrupt", file=path.name, format=_FORMAT_NAMES[kind],
                            detail=f"{type(exc).__name__}: {_first_line(exc)}")) from None
    _check_names(path, table.column_names)
    return RawTable(name=name, path=path, data=table, format=suffix.lstrip("."), dialect=dialect, **extra)


_FORMAT_NAMES = {
    "csv": "CSV",
    "parquet": "Parquet",
    "sav": "SPSS (.sav)",
    "dta": "Stata (.dta)",
    "xlsx": "Excel (.xlsx)",
}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else "no details"


def _check_names(path: Path, names: list[str]) -> None:
    if len(names) > MAX_COLUMNS:
        raise InputError(_t("readers.too_many_columns", file=path.name, count=len(names),
                            limit=MAX_COLUMNS))
    seen: set[str] = set()
    for i, n in enumerate(names, start=1):
        if not isinstance(n, str) or not n.strip():
            raise InputError(_t("readers.unnamed_column", file=path.name, number=i))
        if n in seen:
            raise InputError(_t("readers.duplicate_column", file=path.name, column=repr(n)))
        seen.add(n)


# -- CSV ---------------------------------------------------------------------------
def sniff_csv(path: Path) -> CsvDialect:
    """Detect the delimiter and encoding of a CSV file.

    Raises
    ------
    InputError
        The file is binary (NUL or other control bytes) or neither UTF-8 nor
        Windows-1252 text.
    """
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        raise InputError(_t("readers.csv_nul", file=path.name))
    if any(b in _CONTROL for b in head[:4096]):
        raise InputError(_t("readers.csv_control", file=path.name))
    bom = head.startswith(_BOM)
    encoding = "utf-8" if _scan(path) else "cp1252"
    if encoding == "cp1252" and (bom or not _decodes(path, "cp1252")):
        raise InputError(_t("readers.csv_encoding", file=path.name))
    text = head.decode(encoding, errors="replace")
    if bom:
        text = text[1:]
    first = text.splitlines()[0] if text.strip() else ""
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    if counts[delimiter] == 0:
        delimiter = ","
    return CsvDialect(delimiter=delimiter, encoding=encoding, bom=bom)


def _scan(path: Path) -> bool:
    """Read the file once: whether it is all UTF-8, with its lines checked.

    Raises
    ------
    InputError
        A line longer than :data:`MAX_LINE_BYTES`, or a file that holds UTF-8
        text and also bytes that are not UTF-8 (mixed encodings).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    non_ascii_line: int | None = None  # first line with UTF-8 beyond ASCII
    bad_line: int | None = None  # first line that is not UTF-8
    line = 1  # the number of the line the chunk starts in
    carry = 0  # bytes of that line before the chunk
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            arr = np.frombuffer(chunk, dtype=np.uint8)
            ends = np.flatnonzero(arr == 10)
            begins = np.concatenate(([-carry], ends[:-1] + 1)) if ends.size else np.array([], int)
            lengths = ends - begins
            if lengths.size and lengths.max() > MAX_LINE_BYTES:
                _too_long(path, line + int(np.argmax(lengths > MAX_LINE_BYTES)))
            rest = len(chunk) - (int(ends[-1]) + 1) if ends.size else carry + len(chunk)
            if rest > MAX_LINE_BYTES:
                _too_long(path, line + int(ends.size))
            if utf8:
                try:
                    decoder.decode(chunk)
                    if non_ascii_line is None and arr.size and arr.max() >= 0x80:
                        first = int(np.argmax(arr >= 0x80))
                        non_ascii_line = line + chunk.count(b"\n", 0, first)
                except UnicodeDecodeError as exc:
                    utf8 = False
                    start = max(exc.start, 0)
                    bad_line = line + chunk.count(b"\n", 0, start)
                    before = arr[:start]
                    if non_ascii_line is None and before.size and before.max() >= 0x80:
                        non_ascii_line = line + chunk.count(b"\n", 0, int(np.argmax(before >= 0x80)))
                    tail = chunk[start + 1:]
                    match = _UTF8_MULTI.search(tail)
                    if non_ascii_line is None and match:
                        non_ascii_line = bad_line + tail.count(b"\n", 0, match.start())
            elif non_ascii_line is None and (match := _UTF8_MULTI.search(chunk)):
                non_ascii_line = line + chunk.count(b"\n", 0, match.start())
            line += int(ends.size)
            carry = rest
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8, bad_line = False, line
    if not utf8 and non_ascii_line is not None:
        raise InputError(_t("readers.csv_mixed", file=path.name, utf8_line=non_ascii_line,
                            other_line=bad_line))
    return utf8


def _too_long(path: Path, line: int) -> None:
    raise InputError(_t("readers.csv_long_line", file=path.name, line=line, limit=MAX_LINE_BYTES))


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _read_csv(path: Path) -> tuple[pa.Table, CsvDialect]:
    import pyarrow.csv as pcsv

    dialect = sniff_csv(path)
    header = _csv_header(path, dialect)
    if not header:
        raise InputError(_t("readers.csv_no_header", file=path.name))
    _check_names(path, header)
    bad_line: list[int | None] = []

    def on_invalid(row: pcsv.InvalidRow) -> str:
        bad_line.append(row.number)
        return "error"

    read = pcsv.ReadOptions(
        encoding="utf8" if dialect.encoding == "utf-8" else dialect.encoding,
        use_threads=True,
        block_size=1 << 22,
    )
    parse = pcsv.ParseOptions(delimiter=dialect.delimiter, invalid_row_handler=on_invalid)
    convert = pcsv.ConvertOptions(
        column_types={n: pa.string() for n in header},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=[],
    )
    try:
        with _arrow_source(path) as source:
            table = pcsv.read_csv(source, read_options=read, parse_options=parse,
                                  convert_options=convert)
    except pa.ArrowInvalid as exc:
        if not any(bad_line):  # the parallel reader does not know line numbers
            read.use_threads = False
            bad_line.clear()
            try:
                with _arrow_source(path) as source:
                    pcsv.read_csv(source, read_options=read, parse_options=parse,
                                  convert_options=convert)
            except pa.ArrowInvalid:
                pass
        detail = _first_line(exc).removeprefix("CSV parse error: ")
        if bad_line and bad_line[0]:
            raise InputError(_t("readers.csv_malformed_line", file=path.name, line=bad_line[0],
                                detail=detail)) from None
        raise InputError(_t("readers.csv_malformed", file=path.name, detail=detail)) from None
    if dialect.bom and table.column_names and table.column_names[0].startswith("\ufeff"):
        table = table.rename_columns([table.column_names[0][1:], *table.column_names[1:]])
    return table, dialect


def _csv_header(path: Path, dialect: CsvDialect) -> list[str]:
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
        while b"\n" not in head and len(head) <= MAX_LINE_BYTES:  # a long header line
            more = fh.read(_SNIFF_BYTES)
            if not more:
                break
            head += more
    text = head.decode(dialect.encoding, errors="replace")
    if dialect.bom:
        text = text.lstrip("\ufeff")
    rows = csv.reader(io.StringIO(text), delimiter=dialect.delimiter)
    for row in rows:
        if any(cell.strip() for cell in row):
            return row
    return []


# -- Parquet, SPSS, Stata ----------------------------------------------------------
def _read_parquet(path: Path) -> tuple[pa.Table, None]:
    import pyarrow.parquet as pq

    with _arrow_source(path) as source:
        schema = pq.read_schema(source)
    _check_names(path, list(schema.names))
    for f in schema:
        _check_type(path, f.name, f.type)
    # Text columns are read dictionary-encoded: validation works on the distinct
    # values, and a national panel's ids and months then cost little memory.
    text = [
        f.name for f in schema
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
    ]
    with _arrow_source(path) as source:
        table = pq.read_table(source, read_dictionary=text)
    return _plain_types(table), None


def _check_type(path: Path, column: str, t: pa.DataType) -> None:
    """Refuse a column type that no table of the contract can hold."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    plain = (
        pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t)
        or pa.types.is_floating(t) or pa.types.is_decimal(t) or pa.types.is_boolean(t)
        or pa.types.is_date(t) or pa.types.is_timestamp(t) or pa.types.is_null(t)
    )
    if not plain:
        raise InputError(_t("readers.parquet_type", file=path.name, column=repr(column), type=t))


def _plain_types(table: pa.Table) -> pa.Table:
    """Columns in the types validation reads: no unsigned 64-bit, decimal, half float or odd dictionary."""
    import pyarrow.compute as pc

    columns = []
    for col in table.columns:
        t = col.type
        if pa.types.is_dictionary(t) and not (
            pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)
        ):
            col = col.cast(t.value_type)
            t = col.type
        if pa.types.is_uint64(t):
            top = pc.max(col).as_py()
            col = col.cast(pa.int64()) if top is None or top < 2**63 else col.cast(pa.string())
        elif pa.types.is_decimal(t) or pa.types.is_float16(t):
            col = pc.cast(col, pa.float64(), safe=False)
        elif pa.types.is_timestamp(t) and t.tz is not None:
            col = col.cast(pa.timestamp(t.unit))
        columns.append(col)
    return pa.table(columns, names=table.column_names)


def _read_spss(path: Path) -> tuple[pa.Table, None, dict[str, Any]]:
    import pyreadstat

    frame, meta = pyreadstat.read_sav(os.fsencode(path), dates_as_pandas_datetime=True,
                                      user_missing=True)
    cells: dict[str, tuple[tuple[int, ...], tuple[Any, ...]]] = {}
    user_missing = _drop_user_missing(frame, meta, cells)
    return _from_pandas(frame), None, {
        "labels": _value_labels(meta), "user_missing": user_missing, "meta": meta,
        "user_missing_cells": cells,
    }


def _read_stata(path: Path) -> tuple[pa.Table, None, dict[str, Any]]:
    import pyreadstat

    frame, meta = pyreadstat.read_dta(os.fsencode(path), dates_as_pandas_datetime=True)
    return _from_pandas(frame), None, {"labels": _value_labels(meta), "meta": meta}


def _value_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _value_labels(meta: Any) -> dict[str, dict[str, str]]:
    """SPSS/Stata value labels: column to {value as text: label}."""
    out: dict[str, dict[str, str]] = {}
    for column, labels in (getattr(meta, "variable_value_labels", None) or {}).items():
        out[str(column)] = {_value_text(k): str(v) for k, v in labels.items()}
    return out


def _drop_user_missing(
    frame: Any, meta: Any, cells: dict[str, tuple[tuple[int, ...], tuple[Any, ...]]] | None = None,
) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Turn SPSS user-missing values into missing values (in place); count them per column.

    ``cells``, if given, receives each column's user-missing cells as stored
    (row indices and values).
    """
    import pandas as pd

    out: dict[str, tuple[int, tuple[str, ...]]] = {}
    ranges = dict(getattr(meta, "missing_ranges", None) or {})
    for column, spec in ranges.items():
        if column not in frame.columns:
            continue
        series = frame[column]
        mask = pd.Series(False, index=series.index)
        for r in spec:
            lo, hi = r.get("lo"), r.get("hi")
            if isinstance(lo, str) or isinstance(hi, str):
                mask |= series.astype("string").str.strip().isin({str(lo).strip(), str(hi).strip()})
            else:
                numbers = pd.to_numeric(series, errors="coerce")
                mask |= (numbers >= lo) & (numbers <= hi)
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            codes = tuple(sorted({_value_text(v) for v in series[mask].tolist()}))
            out[str(column)] = (int(mask.sum()), codes)
            if cells is not None:
                rows = np.flatnonzero(mask.to_numpy())
                values = series.to_numpy()[rows]
                cells[str(column)] = (
                    tuple(int(i) for i in rows),
                    tuple(v.item() if isinstance(v, np.generic) else v for v in values),
                )
            frame[column] = series.where(~mask, None if series.dtype == object else float("nan"))
    return out


def _from_pandas(frame: object) -> pa.Table:
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    columns = {}
    for name in frame.columns:
        series = frame[name]
        try:
            columns[str(name)] = pa.array(series, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            columns[str(name)] = _object_column(series.tolist())
    return pa.table(columns)


# -- Excel --------------------------------------------------------------------------
def _read_xlsx(path: Path) -> tuple[pa.Table, None]:
    import warnings

    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1]):
        rows.pop()
    if not rows:
        raise InputError(_t("readers.xlsx_empty", file=path.name))
    header = rows[0]
    while header and header[-1] is None:
        header = header[:-1]
    names = ["" if h is None else _cell_text(h) for h in header]
    _check_names(path, names)
    columns = {}
    for j, name in enumerate(names):
        columns[name] = _object_column([r[j] if j < len(r) else None for r in rows[1:]])
    return pa.table(columns) if columns else pa.table({}), None


def _object_column(values: list[object]) -> pa.Array:
    """Turn a list of Python cell values into one arrow column.

    All numbers (not booleans) become a number column, all dates a timestamp
    column; any mixture becomes text, so that the validator sees the value as
    the user wrote it.
    """
    present = [v for v in values if v is not None and not _is_nan(v)]
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        if all(isinstance(v, int) for v in present):
            try:
                return pa.array(values, type=pa.int64(), from_pandas=True)
            except (OverflowError, pa.ArrowInvalid):
                pass
        return pa.array([float(v) if isinstance(v, int | float) else None for v in values],
                        type=pa.float64(), from_pandas=True)
    if present and all(isinstance(v, dt.date) for v in present):
        stamps = [
            None if not isinstance(v, dt.date)
            else (v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day))
            for v in values
        ]
        return pa.array(stamps, type=pa.timestamp("us"))
    return pa.array([None if v is None or _is_nan(v) else _cell_text(v) for v in values], type=pa.string())


def _is_nan(v: object) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _cell_text(v: object) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, np.generic):
        return _cell_text(v.item())
    return str(v)
