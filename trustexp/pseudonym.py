"""Replace person ids by keyed pseudonyms, consistently across the tables of a trial.

Each ``person_id`` becomes ``"p"`` followed by the first 16 hexadecimal digits of
HMAC-SHA256(key, id). The same key gives the same pseudonym in every table and
every run, so tables exported at different times still join; without the key
the ids cannot be recovered or recomputed. The key is never written anywhere.

Output formats: CSV stays CSV (same separator, encoding and byte-order mark),
Parquet stays Parquet; SPSS, Stata and Excel tables are written as UTF-8 CSV
(comma-separated), since the typed writers cannot keep every label and format.
The output folder is written to a temporary folder beside it and renamed into
place at the end, so that it never exists half-written.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from trustexp._atomic import atomic_dir
from trustexp.errors import ConfigError, InputError, TrustexpError
from trustexp.readers import TABLES, RawTable, locate_tables, read_table
from trustexp.validation._columns import as_text

__all__ = ["KEY_ENV", "MIN_KEY_BYTES", "PseudonymResult", "key_from", "pseudonym", "pseudonymise"]

KEY_ENV = "TRUSTEXP_PSEUDONYM_KEY"
MIN_KEY_BYTES = 16
_ID = "person_id"
#: The largest key file read, in bytes.
MAX_KEY_BYTES = 1 << 16


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
        The number of distinct person ids replaced (over all tables).
    """

    out_dir: Path
    tables: Mapping[str, tuple[Path, int]]
    ids: int

    def summary(self) -> str:
        """A readable account of the run."""
        lines = [f"Pseudonymised trial written to {self.out_dir}"]
        for name, (path, rows) in self.tables.items():
            lines.append(f"  {name}: {path.name} ({rows} row{'s' if rows != 1 else ''})")
        lines.append(f"  {self.ids} distinct person id{'s' if self.ids != 1 else ''} replaced")
        return "\n".join(lines)


def _key_bytes(key: str | bytes) -> bytes:
    raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    raw = raw.strip()
    if len(raw) < MIN_KEY_BYTES:
        raise TrustexpError(
            f"the pseudonymisation key is too short ({len(raw)} bytes); use at least "
            f"{MIN_KEY_BYTES} random bytes, e.g. `python -c \"import secrets; print(secrets.token_hex(32))\"`"
        )
    return raw


def pseudonym(person_id: str, key: str | bytes) -> str:
    """The pseudonym of one id: ``"p"`` + 16 hex digits of HMAC-SHA256(key, id)."""
    digest = hmac.new(_key_bytes(key), person_id.strip().encode("utf-8"), hashlib.sha256)
    return "p" + digest.hexdigest()[:16]


def pseudonymise(in_dir: str | Path, out_dir: str | Path, *, key: str | bytes) -> PseudonymResult:
    """Copy a trial folder with every ``person_id`` replaced by its keyed pseudonym.

    Parameters
    ----------
    in_dir
        The trial folder (``trial.toml`` and its tables).
    out_dir
        The folder to create; it must not exist.
    key
        The secret key (at least 16 bytes). Keep it to pseudonymise later
        exports the same way; it is never written to the output.

    Raises
    ------
    InputError
        The input cannot be read, a table lacks ``person_id``, or ``out_dir`` exists.
    TrustexpError
        The key is missing or too short.
    """
    secret = _key_bytes(key)
    src, dst = Path(in_dir), Path(out_dir)
    if not src.is_dir():
        raise InputError(f"no such folder: {src}")
    if dst.exists():
        raise InputError(f"{dst} already exists; pseudonymise writes a new folder and never overwrites one")
    toml_path = src / "trial.toml"
    from trustexp.validation._config import read_toml

    read_toml(toml_path)  # refuses a FIFO, a huge or too deeply nested file
    try:
        toml_text = toml_path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"no trial.toml in {src}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {toml_path}: {exc}") from None
    try:
        doc = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"trial.toml is not valid TOML: {exc}") from None
    data = doc.get("data") if isinstance(doc.get("data"), dict) else {}
    files = locate_tables(src, {k: str(v) for k, v in data.items() if k in TABLES and isinstance(v, str)})
    tables = {name: read_table(path, name) for name, path in files.items()}
    for table in tables.values():
        if _ID not in table.columns:
            raise InputError(f"{table.path.name} has no column {_ID!r}; nothing to pseudonymise")

    ids: set[str] = set()
    staged: dict[str, tuple[RawTable, pa.Table]] = {}
    for name, table in tables.items():
        replaced, distinct = _replace_ids(table.data, secret)
        ids.update(distinct)
        staged[name] = (table, replaced)

    with atomic_dir(dst, parents=True, private=True) as tmp:
        written: dict[str, tuple[Path, int]] = {}
        for name, (table, data_out) in staged.items():
            path = _write(tmp, name, table, data_out)
            written[name] = (dst / path.name, data_out.num_rows)
        new_toml = _rewrite_data(toml_text, doc, {n: p.name for n, (p, _) in written.items()}, bool(data))
        (tmp / "trial.toml").write_text(new_toml, encoding="utf-8")
        if dst.exists():
            raise InputError(f"{dst} appeared while pseudonymising; nothing was written there")
    return PseudonymResult(out_dir=dst, tables=written, ids=len(ids))


def _replace_ids(data: pa.Table, key: bytes) -> tuple[pa.Table, set[str]]:
    """Replace the person_id column: each distinct id is hashed once."""
    column = data.column(_ID)
    encoded = pc.dictionary_encode(column).unify_dictionaries() if len(column) else None
    if encoded is None or encoded.num_chunks == 0:
        return data.set_column(data.column_names.index(_ID), _ID, column.cast(pa.string())), set()
    dictionary = encoded.chunk(0).dictionary
    text, _ = as_text(dictionary)
    originals = text.to_pylist()
    pseudo = pa.array(
        [None if v is None or not v.strip() else _digest(key, v) for v in originals], type=pa.string()
    )
    indices = pa.chunked_array([c.indices for c in encoded.chunks])
    new = pc.take(pseudo, indices)
    distinct = {v.strip() for v in originals if v is not None and v.strip()}
    return data.set_column(data.column_names.index(_ID), _ID, new), distinct


def _digest(key: bytes, value: str) -> str:
    return "p" + hmac.new(key, value.strip().encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def _write(folder: Path, name: str, table: RawTable, data: pa.Table) -> Path:
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    if table.format == "parquet":
        path = folder / f"{name}.parquet"
        pq.write_table(data, path)
        return path
    path = folder / f"{name}.csv"
    dialect = table.dialect
    delimiter = dialect.delimiter if dialect else ","
    if dialect is None or (dialect.encoding == "utf-8" and not dialect.bom):
        pcsv.write_csv(data, path, pcsv.WriteOptions(delimiter=delimiter, quoting_style="needed"))
        return path
    buffer = pa.BufferOutputStream()
    pcsv.write_csv(data, buffer, pcsv.WriteOptions(delimiter=delimiter, quoting_style="needed"))
    text = buffer.getvalue().to_pybytes().decode("utf-8")
    encoding = "utf-8-sig" if dialect.bom else dialect.encoding
    path.write_bytes(text.encode(encoding, errors="strict"))
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
        raise InputError(
            "trial.toml declares [data] in a form that cannot be rewritten (use a [data] table "
            "with one 'table = \"path\"' line per table)"
        )
    return body


def key_from(key_file: Path | None) -> bytes:
    """The key from ``key_file`` or the environment variable ``TRUSTEXP_PSEUDONYM_KEY``.

    Raises
    ------
    TrustexpError
        No key given, or the key file cannot be read.
    """
    if key_file is not None:
        from trustexp.readers import read_bounded

        return read_bounded(key_file, "the key file", MAX_KEY_BYTES).strip()
    value = os.environ.get(KEY_ENV, "")
    if not value.strip():
        raise TrustexpError(
            f"no pseudonymisation key: set the environment variable {KEY_ENV} or pass --key-file FILE"
        )
    return value.encode("utf-8")
