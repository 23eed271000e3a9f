"""Replace person ids by keyed pseudonyms, consistently across the tables of a trial.

Each person id becomes ``"p"`` followed by the first 16 hexadecimal digits of
HMAC-SHA256(key, id) of the *normalised* id (:func:`normalise_id`): the same
person gets the same pseudonym in every table, whether an export wrote the id
as text with a leading zero, as a number, or with an invisible character. Two
different ids of participants that normalise to the same text are refused
(they would get one pseudonym). Without the key the ids cannot be recovered or
recomputed; the key is never written anywhere.

What else leaves the folder is decided, never silent:

- Other columns holding BSNs (contract v1.1, "BSNs anywhere") stop the run and
  are named, unless ``bsn_columns`` says to ``"replace"`` them (keyed
  pseudonyms, as person ids) or ``"drop"`` them.
- Quasi-identifiers (birth date, postcode, name, address, phone, e-mail) are
  listed in the result's warnings; ``drop_quasi_identifiers=True`` drops the
  ones ``trial.toml`` does not use.

Formats are kept: CSV stays CSV (same separator, encoding and byte-order mark),
Parquet stays Parquet, SPSS stays SPSS and Stata stays Stata (with their value
labels and variable labels), Excel stays Excel. Dates are written as dates
(CSV: ISO ``YYYY-MM-DD``), so that the output validates whenever the input did.
SPSS user-missing codes stay user-missing: the codes and their missing-value
definitions are written back, so that validation counts them as it did in the input.
The output folder is written to a temporary folder beside it and renamed into
place at the end, so that it never exists half-written; it may not lie inside
the input folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trustexp._atomic import atomic_dir
from trustexp._message import Message
from trustexp._message import text as _t
from trustexp.bsn import normalise_digits
from trustexp.config import TrialConfig
from trustexp.errors import EXIT_CONTRACT, ConfigError, InputError, OptionError, TrustexpError
from trustexp.readers import TABLES, RawTable, locate_tables, read_table
from trustexp.validation._columns import as_text

__all__ = [
    "KEY_ENV",
    "MAX_KEY_BYTES",
    "MIN_KEY_BYTES",
    "PseudonymRefused",
    "PseudonymResult",
    "key_from",
    "normalise_id",
    "pseudonym",
    "pseudonymise",
    "quasi_identifiers",
]

KEY_ENV = "TRUSTEXP_PSEUDONYM_KEY"
MIN_KEY_BYTES = 16
#: A key file longer than this is refused (it is not a key; e.g. ``/dev/zero``).
MAX_KEY_BYTES = 4096
_ID = "person_id"

BsnColumns = Literal["stop", "replace", "drop"]

#: Column names that point to a quasi-identifier (lower case, matched as words or prefixes).
_QUASI = re.compile(
    r"(geboorte|birth|dob\b|postcode|postal|zip\b|naam|name|voornaam|achternaam|adres|address|"
    r"straat|street|huisnummer|woonplaats|telefoon|phone|mobiel|e-?mail|iban)",
    re.IGNORECASE,
)


class PseudonymRefused(TrustexpError, ValueError):
    """The data cannot be pseudonymised safely as asked (exit code 1: the data must change).

    The message is a text of the ``pseudonymise`` catalogue (``text`` its key,
    ``values`` its placeholders), shown in the user's language.
    """

    exit_code = EXIT_CONTRACT

    def __init__(self, message: Message) -> None:
        super().__init__(message)
        self.text = message.key
        self.values = dict(message.values)

    def __reduce__(self) -> tuple[Any, ...]:  # pragma: no cover - pickling support
        return (type(self), self.args)


@dataclass(frozen=True, slots=True)
class PseudonymResult:
    """What :func:`pseudonymise` did.

    Attributes
    ----------
    out_dir
        The folder written.
    tables
        Table name to (file written, number of rows).
    ids
        The number of distinct (normalised) person ids replaced over all tables.
    replaced
        ``(table, column)`` of BSN columns replaced by pseudonyms.
    dropped
        ``(table, column)`` of columns left out (BSN columns, quasi-identifiers).
    quasi_identifiers
        ``(table, column)`` of columns whose names suggest a quasi-identifier
        and that were kept.
    formats
        Table name to (input format, output format).
    """

    out_dir: Path
    tables: Mapping[str, tuple[Path, int]]
    ids: int
    replaced: tuple[tuple[str, str], ...] = ()
    dropped: tuple[tuple[str, str], ...] = ()
    quasi_identifiers: tuple[tuple[str, str], ...] = ()
    formats: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def summary(self, lang: str = "en") -> str:
        """A readable account of the run, in ``"en"`` or ``"nl"``."""
        from trustexp.texts import catalogue

        cat = catalogue("pseudonymise", lang)
        lines = [cat.t("done", folder=self.out_dir)]
        for name, (path, rows) in self.tables.items():
            fin, fout = self.formats.get(name, ("", ""))
            kept = cat["format_kept"] if fin == fout else cat.t("format_changed", before=fin, after=fout)
            lines.append("  " + cat.t("table", table=name, file=path.name, rows=rows, formats=kept))
        lines.append("  " + cat.t("ids", count=self.ids))
        for table, column in self.replaced:
            lines.append("  " + cat.t("replaced", table=table, column=column))
        for table, column in self.dropped:
            lines.append("  " + cat.t("dropped", table=table, column=column))
        if self.quasi_identifiers:
            listed = ", ".join(f"{t}.{c}" for t, c in self.quasi_identifiers)
            lines.append(cat.t("quasi", columns=listed))
        return "\n".join(lines)


def _key_bytes(key: str | bytes) -> bytes:
    raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    raw = raw.strip()
    if len(raw) < MIN_KEY_BYTES:
        raise TrustexpError(_t("pseudonym.key_short", size=len(raw), minimum=MIN_KEY_BYTES))
    if len(set(raw)) < 4:
        raise TrustexpError(_t("pseudonym.key_repeats", minimum=MIN_KEY_BYTES))
    return raw


_NUMBER = re.compile(r"[0-9]+(?:[.,]0+)?")


def normalise_id(value: str) -> str:
    """The form of a person id that is hashed.

    Unicode digits become ASCII digits and invisible characters are removed
    (:func:`trustexp.bsn.normalise_digits`), surrounding whitespace is trimmed,
    and an id of digits only (optionally written as a number, ``123.0``) loses
    its decimal part and its leading zeros: ``"010000008"``, ``"10000008"`` and
    ``"10000008.0"`` are one person.
    """
    text = normalise_digits(value)
    if _NUMBER.fullmatch(text):
        digits = re.split(r"[.,]", text, maxsplit=1)[0]
        return digits.lstrip("0") or "0"
    return text


def pseudonym(person_id: str, key: str | bytes) -> str:
    """The pseudonym of one id: ``"p"`` + 16 hex digits of HMAC-SHA256(key, normalised id)."""
    return _digest(_key_bytes(key), normalise_id(person_id))


def _digest(key: bytes, normalised: str) -> str:
    return "p" + hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def quasi_identifiers(columns: list[str]) -> list[str]:
    """The columns whose names suggest a quasi-identifier (birth date, postcode, name, address, ...)."""
    return [c for c in columns if _QUASI.search(c)]


def pseudonymise(
    in_dir: str | Path,
    out_dir: str | Path,
    *,
    key: str | bytes,
    bsn_columns: BsnColumns = "stop",
    drop_quasi_identifiers: bool = False,
) -> PseudonymResult:
    """Copy a trial folder with every person id replaced by its keyed pseudonym.

    Parameters
    ----------
    in_dir
        The trial folder (``trial.toml`` and its tables).
    out_dir
        The folder to create; it must not exist and not lie inside ``in_dir``.
    key
        The secret key (at least 16 bytes). Keep it to pseudonymise later
        exports the same way; it is never written to the output.
    bsn_columns
        What to do with other columns that hold BSNs: ``"stop"`` (default:
        refuse, naming them), ``"replace"`` (keyed pseudonyms) or ``"drop"``.
    drop_quasi_identifiers
        Leave out the columns whose names suggest a quasi-identifier, except
        those that ``trial.toml`` uses.

    Raises
    ------
    InputError
        The input cannot be read, a table lacks a person id, or ``out_dir``
        exists or lies inside ``in_dir``.
    PseudonymRefused
        Other columns hold BSNs and ``bsn_columns="stop"``, or two different
        ids of participants would get the same pseudonym.
    TrustexpError
        The key is missing or too short.
    """
    if bsn_columns not in ("stop", "replace", "drop"):
        raise OptionError(_t("options.invalid", name="'bsn_columns'", func="pseudonymise",
                             expected=_t("options.expected.one_of",
                                         values="'stop', 'replace', 'drop'"),
                             value=repr(bsn_columns)))
    secret = _key_bytes(key)
    src, dst = Path(in_dir), Path(out_dir)
    if not src.is_dir():
        raise InputError(_t("folders.no_such_folder", folder=src))
    if dst.exists():
        raise InputError(_t("pseudonym.exists", folder=dst))
    if dst.resolve().is_relative_to(src.resolve()):
        raise InputError(_t("pseudonym.inside", output=dst, input=src))
    toml_path = src / "trial.toml"
    from trustexp.validation._config import read_toml

    read_toml(toml_path)  # refuses a FIFO, a huge or too deeply nested file
    try:
        toml_text = toml_path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(_t("folders.no_trial_toml", folder=src)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(_t("readers.os_error", path=toml_path, reason=exc)) from None
    try:
        doc = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_t("pseudonym.not_toml", detail=exc)) from None
    config = TrialConfig.from_dict(doc, src, lenient=True)
    files = locate_tables(src, {k: v for k, v in config.sources.items() if k in TABLES})
    tables = {name: read_table(path, name) for name, path in files.items()}
    id_columns = {name: _id_column(table, config) for name, table in tables.items()}
    used = _used_columns(config)

    bsn_found = _bsn_columns(tables, id_columns)
    if bsn_found and bsn_columns == "stop":
        listed = "; ".join(f"{t}.{c} ({n})" for (t, c), n in bsn_found.items())
        raise PseudonymRefused(Message("refused_bsn", catalogue="pseudonymise", columns=listed))
    _check_collisions(tables["participants"], id_columns["participants"])

    ids: set[str] = set()
    staged: dict[str, tuple[RawTable, pa.Table]] = {}
    replaced: list[tuple[str, str]] = []
    dropped: list[tuple[str, str]] = []
    quasi: list[tuple[str, str]] = []
    for name, table in tables.items():
        data = table.data
        data, distinct = _replace_column(data, id_columns[name], secret)
        ids.update(distinct)
        for (t, column), _ in bsn_found.items():
            if t != name:
                continue
            if bsn_columns == "replace":
                data, _ = _replace_column(data, column, secret)
                replaced.append((name, column))
            else:
                data = data.drop_columns([column])
                dropped.append((name, column))
        for column in quasi_identifiers([c for c in data.column_names if c != id_columns[name]]):
            if drop_quasi_identifiers and column not in used.get(name, set()):
                data = data.drop_columns([column])
                dropped.append((name, column))
            else:
                quasi.append((name, column))
        staged[name] = (table, data)

    with atomic_dir(dst, parents=True, private=True) as tmp:
        written: dict[str, tuple[Path, int]] = {}
        formats: dict[str, tuple[str, str]] = {}
        for name, (table, data_out) in staged.items():
            path = _write(tmp, name, table, data_out, {id_columns[name], *(c for t, c in replaced if t == name)})
            written[name] = (dst / path.name, data_out.num_rows)
            formats[name] = (table.format, path.suffix.lstrip("."))
        new_toml = _rewrite_data(toml_text, doc, {n: p.name for n, (p, _) in written.items()}, bool(config.sources))
        (tmp / "trial.toml").write_text(new_toml, encoding="utf-8")
        if dst.exists():
            raise InputError(_t("pseudonym.appeared", folder=dst))
    return PseudonymResult(
        out_dir=dst, tables=written, ids=len(ids), replaced=tuple(replaced), dropped=tuple(dropped),
        quasi_identifiers=tuple(quasi), formats=formats,
    )


def _id_column(table: RawTable, config: TrialConfig) -> str:
    mapped = config.columns.get(table.name, {}).get(_ID)
    candidates = [mapped] if mapped else []
    candidates.append(_ID)
    for name in candidates:
        if name in table.columns:
            return name
        hits = [c for c in table.columns if c.strip().casefold() == name.strip().casefold()]
        if len(hits) == 1:
            return hits[0]
    from trustexp.validation._mapping import columns_present

    present = columns_present(table.columns)
    if mapped:
        raise InputError(_t("pseudonym.no_id_mapped", file=table.path.name, column=repr(mapped),
                            table=table.name, present=present))
    raise InputError(_t("pseudonym.no_id", file=table.path.name, table=table.name, present=present))


def _used_columns(config: TrialConfig) -> dict[str, set[str]]:
    """Columns that trial.toml uses, per table (with their export names)."""
    used: dict[str, set[str]] = {t: set() for t in TABLES}
    part = used["participants"]
    part.update(config.analysis.covariates)
    part.update(config.strata)
    for c in (config.cluster, config.analysis.cluster):
        if c:
            part.add(c)
    for o in config.outcomes:
        if o.column:
            used["survey" if o.source == "survey" else "participants"].add(o.column)
    for s in config.scales:
        used["survey"].update(s.items)
    for table, mapping in config.columns.items():
        if table in used:
            used[table].update(mapping.values())
    return used


def _text_dictionary(column: pa.ChunkedArray) -> tuple[pa.ChunkedArray | None, list[str | None]]:
    if len(column) == 0:
        return None, []
    encoded = pc.dictionary_encode(column).unify_dictionaries()
    if encoded.num_chunks == 0:
        return None, []
    text, _ = as_text(encoded.chunk(0).dictionary)
    return encoded, text.to_pylist()


def _bsn_columns(tables: Mapping[str, RawTable], id_columns: Mapping[str, str]) -> dict[tuple[str, str], int]:
    from trustexp.validation._mapping import bsn_columns

    found: dict[tuple[str, str], int] = {}
    for name, table in tables.items():
        for column, (count, _) in bsn_columns(table).items():
            if column != id_columns[name]:
                found[(name, column)] = count
    return found


def _check_collisions(table: RawTable, column: str) -> None:
    _, originals = _text_dictionary(table.data.column(column))
    seen: dict[str, str] = {}
    clashes = 0
    example = ""
    for v in originals:
        if v is None or not v.strip():
            continue
        norm = normalise_id(v)
        if norm in seen and seen[norm] != v:
            clashes += 1
            if not example:
                example = f"{seen[norm]!r} and {v!r}"
        seen.setdefault(norm, v)
    if clashes:
        raise PseudonymRefused(Message("refused_collision", catalogue="pseudonymise",
                                       file=table.path.name, count=clashes, example=example))


def _replace_column(data: pa.Table, column: str, key: bytes) -> tuple[pa.Table, set[str]]:
    """Replace one column by the pseudonyms of its normalised values (each distinct value hashed once)."""
    i = data.column_names.index(column)
    encoded, originals = _text_dictionary(data.column(column))
    if encoded is None:
        return data.set_column(i, column, data.column(column).cast(pa.string())), set()
    normalised = [None if v is None or not v.strip() else normalise_id(v) for v in originals]
    pseudo = pa.array([None if v is None else _digest(key, v) for v in normalised], type=pa.string())
    indices = pa.chunked_array([c.indices for c in encoded.chunks])
    new = pc.take(pseudo, indices)
    return data.set_column(i, column, new), {v for v in normalised if v is not None}


# -- writing, in the input's format ---------------------------------------------
def _write(folder: Path, name: str, table: RawTable, data: pa.Table, pseudonymised: set[str]) -> Path:
    writer = {
        "parquet": _write_parquet,
        "sav": _write_spss,
        "dta": _write_stata,
        "xlsx": _write_xlsx,
    }.get(table.format, _write_csv)
    return writer(folder, name, table, data, pseudonymised)


def _write_parquet(folder: Path, name: str, table: RawTable, data: pa.Table, ids: set[str]) -> Path:
    import pyarrow.parquet as pq

    path = folder / f"{name}.parquet"
    pq.write_table(data, path)
    return path


def _iso_dates(data: pa.Table) -> pa.Table:
    """Timestamp and date columns as ISO text (dates without a time as ``YYYY-MM-DD``)."""
    for i, f in enumerate(data.schema):
        if pa.types.is_timestamp(f.type) or pa.types.is_date(f.type):
            col = data.column(i)
            stamps = col.cast(pa.timestamp("us")) if pa.types.is_date(f.type) else col
            midnight = pc.all(pc.equal(pc.floor_temporal(stamps, unit="day"), stamps)).as_py()
            fmt = "%Y-%m-%d" if midnight in (True, None) else "%Y-%m-%dT%H:%M:%S"
            data = data.set_column(i, f.name, pc.strftime(stamps, format=fmt))
    return data


def _write_csv(folder: Path, name: str, table: RawTable, data: pa.Table, ids: set[str]) -> Path:
    import pyarrow.csv as pcsv

    path = folder / f"{name}.csv"
    data = _iso_dates(data)
    dialect = table.dialect
    delimiter = dialect.delimiter if dialect else ","
    if dialect is None or (dialect.encoding == "utf-8" and not dialect.bom):
        pcsv.write_csv(data, path, pcsv.WriteOptions(delimiter=delimiter, quoting_style="needed"))
        return path
    buffer = pa.BufferOutputStream()
    pcsv.write_csv(data, buffer, pcsv.WriteOptions(delimiter=delimiter, quoting_style="needed"))
    text = buffer.getvalue().to_pybytes().decode("utf-8")
    encoding = "utf-8-sig" if dialect.bom else dialect.encoding
    try:
        path.write_bytes(text.encode(encoding, errors="strict"))
    except UnicodeEncodeError:  # pragma: no cover - cp1252 input holds only cp1252 text
        path.write_bytes(text.encode("utf-8-sig"))
    return path


def _frame(data: pa.Table) -> Any:
    return data.to_pandas(timestamp_as_object=False)


def _labels_kept(table: RawTable, data: pa.Table, ids: set[str]) -> dict[str, Any]:
    meta = table.meta
    columns = set(data.column_names)
    value_labels = {
        k: v for k, v in (getattr(meta, "variable_value_labels", None) or {}).items()
        if k in columns and k not in ids
    }
    names = list(getattr(meta, "column_names", None) or [])
    labels = list(getattr(meta, "column_labels", None) or [])
    by_name = dict(zip(names, labels, strict=False))
    column_labels = [by_name.get(c) or "" for c in data.column_names]
    return {"variable_value_labels": value_labels, "column_labels": column_labels}


def _write_spss(folder: Path, name: str, table: RawTable, data: pa.Table, ids: set[str]) -> Path:
    import pyreadstat

    path = folder / f"{name}.sav"
    kept = _labels_kept(table, data, ids)
    measure = {k: v for k, v in (getattr(table.meta, "variable_measure", None) or {}).items()
               if k in data.column_names and k not in ids and v in ("nominal", "ordinal", "scale")}
    frame = _frame(data)
    ranges = _user_missing_back(frame, table, ids)
    pyreadstat.write_sav(frame, str(path), variable_measure=measure or None,
                         missing_ranges=ranges or None, **kept)
    return path


def _user_missing_back(frame: Any, table: RawTable, ids: set[str]) -> dict[str, list[Any]]:
    """Put the SPSS user-missing codes back into ``frame`` (in place); their ``missing_ranges``.

    The reader turned the codes into missing values; the cells it took them
    from are restored, and each column's definitions (discrete codes or a
    range) are returned in the form :func:`pyreadstat.write_sav` takes.
    """
    import pandas as pd

    out: dict[str, list[Any]] = {}
    specs = dict(getattr(table.meta, "missing_ranges", None) or {})
    for column, spec in specs.items():
        if column not in frame.columns or column in ids:
            continue
        rows, values = table.user_missing_cells.get(column, ((), ()))
        if rows:
            series = frame[column]
            if any(isinstance(v, str) for v in values):
                series = series.astype(object)
            else:
                series = pd.to_numeric(series, errors="coerce").astype(float)
            series.iloc[list(rows)] = list(values)
            frame[column] = series
        out[column] = [r["lo"] if r.get("lo") == r.get("hi") else {"lo": r["lo"], "hi": r["hi"]}
                       for r in spec]
    return out


def _write_stata(folder: Path, name: str, table: RawTable, data: pa.Table, ids: set[str]) -> Path:
    import pyreadstat

    path = folder / f"{name}.dta"
    kept = _labels_kept(table, data, ids)
    pyreadstat.write_dta(_frame(data), str(path), **kept)
    return path


def _write_xlsx(folder: Path, name: str, table: RawTable, data: pa.Table, ids: set[str]) -> Path:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    path = folder / f"{name}.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(name)
    sheet.append(list(data.column_names))
    columns = [data.column(i).to_pylist() for i in range(data.num_columns)]
    for r in range(data.num_rows):
        row = []
        for col in columns:
            v = col[r]
            if isinstance(v, dt.datetime | dt.date):
                cell = WriteOnlyCell(sheet, value=v)
                cell.number_format = "yyyy-mm-dd" if not isinstance(v, dt.datetime) or v.time() == dt.time() else "yyyy-mm-dd hh:mm:ss"
                row.append(cell)
            elif isinstance(v, float) and np.isnan(v):
                row.append(None)
            else:
                row.append(v)
        sheet.append(row)
    book.save(path)
    return path


_DATA_HEADER = re.compile(r"^\s*\[\s*data\s*\]\s*(#.*)?$")
_ANY_HEADER = re.compile(r"^\s*\[")


def _rewrite_data(text: str, doc: Mapping[str, object], names: Mapping[str, str], had_data: bool) -> str:
    """trial.toml with its ``[data]`` paths pointing at the copied tables."""
    if not had_data:
        return text
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    skipping = False
    for line in lines:
        if _DATA_HEADER.match(line):
            skipping = True
            continue
        if skipping and _ANY_HEADER.match(line):
            skipping = False
        if not skipping:
            out.append(line)
    body = "".join(out).rstrip("\n") + "\n\n[data]\n"
    body += "".join(f'{name} = "{file}"\n' for name, file in names.items())
    try:
        check = tomllib.loads(body)
    except tomllib.TOMLDecodeError:
        check = {}
    expected = {k: v for k, v in doc.items() if k != "data"}
    if check.get("data") != dict(names) or {k: v for k, v in check.items() if k != "data"} != expected:
        raise InputError(_t("pseudonym.data_form"))
    return body


def key_from(key_file: Path | None) -> bytes:
    """The key from ``key_file`` or the environment variable ``TRUSTEXP_PSEUDONYM_KEY``.

    A key file is read up to :data:`MAX_KEY_BYTES` bytes; a longer one (or an
    endless one such as ``/dev/zero``) is refused.

    Raises
    ------
    TrustexpError
        No key given, or the key file cannot be read or is too long.
    """
    if key_file is not None:
        from trustexp.readers import read_bounded

        return read_bounded(key_file, _t("readers.what.key_file"), MAX_KEY_BYTES).strip()
    value = os.environ.get(KEY_ENV, "")
    if not value.strip():
        raise TrustexpError(_t("pseudonym.no_key", variable=KEY_ENV))
    return value.encode("utf-8")
