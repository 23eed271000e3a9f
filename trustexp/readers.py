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
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from trustexp.errors import InputError

__all__ = [
    "SUFFIXES",
    "TABLES",
    "CsvDialect",
    "RawTable",
    "locate_tables",
    "read_table",
]

TABLES: tuple[str, ...] = ("participants", "monthly", "survey", "takeup")
SUFFIXES: tuple[str, ...] = (".csv", ".parquet", ".sav", ".dta", ".xlsx")

_SNIFF_BYTES = 1 << 16
_CHUNK = 1 << 24
_BOM = codecs.BOM_UTF8
_CONTROL = bytes(range(0, 9)) + b"\x0b\x0c" + bytes(range(14, 32))


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
    for entry in sorted(directory.iterdir()):
        stem, suffix = entry.stem.lower(), entry.suffix.lower()
        if stem in TABLES and suffix in SUFFIXES and entry.is_file():
            by_name.setdefault(stem, []).append(entry)

    found: dict[str, Path] = {}
    for table in TABLES:
        if table in data:
            path = (directory / str(data[table])).resolve()
            if path.suffix.lower() not in SUFFIXES:
                raise InputError(
                    f"trial.toml [data] {table} = {str(data[table])!r}: unsupported file type "
                    f"{path.suffix or '(none)'!r}; use one of {', '.join(SUFFIXES)}"
                )
            if not path.is_file():
                raise InputError(
                    f"trial.toml [data] {table} = {str(data[table])!r}: no such file ({path})"
                )
            found[table] = path
            continue
        candidates = by_name.get(table, [])
        if len(candidates) > 1:
            names = " and ".join(p.name for p in candidates)
            raise InputError(
                f"two files for the {table} table in {directory}: {names}; "
                f"keep one, or name the right one in trial.toml [data] {table} = \"...\""
            )
        if candidates:
            found[table] = candidates[0]
    if "participants" not in found:
        raise InputError(
            f"no participants table in {directory}: expected participants.csv (or "
            f"{', '.join('participants' + s for s in SUFFIXES[1:])}), "
            "or a path in trial.toml [data] participants"
        )
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
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if size == 0:
        raise InputError(f"{path.name} is empty (0 bytes): the {name} table needs at least a header")
    readers = {
        ".csv": _read_csv,
        ".parquet": _read_parquet,
        ".sav": _read_spss,
        ".dta": _read_stata,
        ".xlsx": _read_xlsx,
    }
    reader = readers.get(suffix)
    if reader is None:
        raise InputError(f"{path.name}: unsupported file type; use one of {', '.join(SUFFIXES)}")
    try:
        result = reader(path)
        table, dialect = result[0], result[1]
        extra: dict[str, Any] = result[2] if len(result) > 2 else {}
    except InputError:
        raise
    except MemoryError:
        raise InputError(f"{path.name}: not enough memory to read it") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except Exception as exc:  # every reader failure becomes a message
        kind = suffix.lstrip(".")
        raise InputError(
            f"{path.name} cannot be read: it is not a valid {_FORMAT_NAMES[kind]} file "
            f"({type(exc).__name__}: {_first_line(exc)})"
        ) from None
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
    seen: set[str] = set()
    for i, n in enumerate(names, start=1):
        if not isinstance(n, str) or not n.strip():
            raise InputError(f"{path.name}: column {i} of the header has no name")
        if n in seen:
            raise InputError(f"{path.name}: the column {n!r} appears twice in the header")
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
        raise InputError(
            f"{path.name} is not a text CSV file (it contains NUL bytes: binary data or "
            "UTF-16); save it as CSV in UTF-8 or Windows-1252"
        )
    if any(b in _CONTROL for b in head[:4096]):
        raise InputError(
            f"{path.name} is not a text CSV file (it contains control characters: binary data)"
        )
    bom = head.startswith(_BOM)
    encoding = "utf-8" if _decodes(path, "utf-8") else "cp1252"
    if encoding == "cp1252" and (bom or not _decodes(path, "cp1252")):
        raise InputError(
            f"{path.name} is neither UTF-8 nor Windows-1252 text; save it as CSV in UTF-8"
        )
    text = head.decode(encoding, errors="replace")
    if bom:
        text = text[1:]
    first = text.splitlines()[0] if text.strip() else ""
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    if counts[delimiter] == 0:
        delimiter = ","
    return CsvDialect(delimiter=delimiter, encoding=encoding, bom=bom)


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
        raise InputError(f"{path.name} has no header line")
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
        table = pcsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        if not any(bad_line):  # the parallel reader does not know line numbers
            read.use_threads = False
            bad_line.clear()
            try:
                pcsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
            except pa.ArrowInvalid:
                pass
        where = f" (line {bad_line[0]})" if bad_line and bad_line[0] else ""
        detail = _first_line(exc).removeprefix("CSV parse error: ")
        raise InputError(f"{path.name} is not a well-formed CSV file{where}: {detail}") from None
    if dialect.bom and table.column_names and table.column_names[0].startswith("\ufeff"):
        table = table.rename_columns([table.column_names[0][1:], *table.column_names[1:]])
    return table, dialect


def _csv_header(path: Path, dialect: CsvDialect) -> list[str]:
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
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

    schema = pq.read_schema(path)
    # Text columns are read dictionary-encoded: validation works on the distinct
    # values, and a national panel's ids and months then cost little memory.
    text = [
        f.name for f in schema
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
    ]
    table = pq.read_table(path, read_dictionary=text)
    return table, None


def _read_spss(path: Path) -> tuple[pa.Table, None, dict[str, Any]]:
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(path), dates_as_pandas_datetime=True, user_missing=True)
    user_missing = _drop_user_missing(frame, meta)
    return _from_pandas(frame), None, {
        "labels": _value_labels(meta), "user_missing": user_missing, "meta": meta,
    }


def _read_stata(path: Path) -> tuple[pa.Table, None, dict[str, Any]]:
    import pyreadstat

    frame, meta = pyreadstat.read_dta(str(path), dates_as_pandas_datetime=True)
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


def _drop_user_missing(frame: Any, meta: Any) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Turn SPSS user-missing values into missing values (in place); count them per column."""
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
        raise InputError(f"{path.name}: the first sheet is empty; it needs at least a header row")
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
        return pa.array([None if v is None else float(v) for v in values], type=pa.float64(), from_pandas=True)
    if present and all(isinstance(v, dt.date) for v in present):
        stamps = [
            None if v is None or _is_nan(v) else (v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day))
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
