"""Exports as they come (contract v1.1): column names, codes and value labels.

Before a table is checked, its columns are given the contract's names and its
coded values the contract's meaning, so that every later check and the
analysis read the contract's table:

- ``[columns.<table>]`` maps contract names to the export's columns (matching
  exact first, then case-insensitive); a contract or declared column that is
  absent is also looked for case-insensitively.
- The ``arm`` column: a value that is an arm's ``code``, or whose SPSS/Stata
  value label (or whose own text) equals an arm's id or label (case and
  surrounding spaces ignored), becomes that arm's id.
- A categorical covariate with value labels is read as its labels.
- SPSS user-missing values are missing (the reader dropped them); each column
  with some gets a warning that counts them.

Row positions never change, so every problem keeps the row of the file.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trustexp._message import Message
from trustexp._message import text as _t
from trustexp.bsn import bsn_mask
from trustexp.readers import RawTable
from trustexp.validation._collect import Collector
from trustexp.validation._columns import as_text
from trustexp.validation._config import Plan
from trustexp.validation._report import Problem

__all__ = ["columns_present", "map_codes", "resolve_columns", "scan_bsn"]


def columns_present(columns: Iterable[str], limit: int = 30) -> Message:
    """The column names of a table, for messages ("columns present: a, b, c").

    A :class:`~trustexp._message.Message`: ``str`` of it is the English text.
    """
    names = list(columns)
    shown = ", ".join(repr(c) for c in names[:limit])
    if not names:
        return _t("columns.none")
    if len(names) > limit:
        return _t("columns.present_more", columns=shown, more=len(names) - limit)
    return _t("columns.present", columns=shown)


def did_you_mean(name: str, columns: list[str]) -> str:
    """``"; did you mean 'X'?"`` for the closest column name, or empty."""
    lower = {c.lower().strip(): c for c in columns}
    if name.lower().strip() in lower:
        return f"; did you mean {lower[name.lower().strip()]!r}?"
    close = difflib.get_close_matches(name.lower().strip(), list(lower), n=1, cutoff=0.6)
    return f"; did you mean {lower[close[0]]!r}?" if close else ""


def _find(name: str, columns: list[str]) -> str | None:
    if name in columns:
        return name
    key = name.strip().casefold()
    hits = [c for c in columns if c.strip().casefold() == key]
    return hits[0] if len(hits) == 1 else None


def resolve_columns(raw: RawTable, wanted: Iterable[str], plan: Plan, out: Collector) -> RawTable:
    """Rename the export's columns to the contract's names.

    Parameters
    ----------
    wanted
        The contract and declared column names the table's checks look for.
    """
    columns = raw.columns
    rename: dict[str, str] = {}
    mapping = plan.columns.get(raw.name, {})
    for contract, export in mapping.items():
        found = _find(export, columns)
        if found is None:
            out.add(
                Problem(
                    raw.name, None, contract, None, "mapped-column",
                    f"trial.toml [columns.{raw.name}] maps {contract} to {export!r}, but "
                    f"{raw.name} has no such column{did_you_mean(export, columns)} "
                    f"({columns_present(columns)})",
                )
            )
            continue
        rename[found] = contract
    taken = set(rename.values())
    for name in wanted:
        if name in taken or name in columns and name not in rename:
            continue
        found = _find(name, [c for c in columns if c not in rename])
        if found is not None and found not in rename and found != name:
            rename[found] = name
            taken.add(name)
    if not rename:
        return raw
    out.renamed.setdefault(raw.name, {}).update({contract: export for export, contract in rename.items()})
    # a contract name already used by another column of the export: that one steps aside
    clash = {c for c in columns if c in set(rename.values()) and c not in rename}
    names = []
    for c in columns:
        if c in rename:
            names.append(rename[c])
        elif c in clash:
            names.append(f"{c} (export)")
        else:
            names.append(c)
    labels = {rename.get(k, k): v for k, v in raw.labels.items()}
    missing = {rename.get(k, k): v for k, v in raw.user_missing.items()}
    cells = {rename.get(k, k): v for k, v in raw.user_missing_cells.items()}
    return replace(raw, data=raw.data.rename_columns(names), labels=labels, user_missing=missing,
                   user_missing_cells=cells)


def _set_text(raw: RawTable, column: str, values: pa.Array) -> RawTable:
    i = raw.columns.index(column)
    return replace(raw, data=raw.data.set_column(i, column, values))


def _dictionary(raw: RawTable, column: str) -> tuple[pa.Array, list[str | None]]:
    """Dictionary-encoded column: the indices and the distinct values as text."""
    col = raw.data.column(column)
    encoded = pc.dictionary_encode(col).combine_chunks() if len(col) else None
    if encoded is None:
        return pa.array([], pa.int32()), []
    text, _ = as_text(encoded.dictionary)
    return encoded.indices, text.to_pylist()


def map_codes(raw: RawTable, plan: Plan, out: Collector) -> RawTable:
    """Arm codes and labels to arm ids, categorical labels to their text; count user-missing values."""
    for column, (count, codes) in raw.user_missing.items():
        listed = ", ".join(codes[:10])
        out.add(
            Problem(
                raw.name, None, column, None, "user-missing",
                f"{count} value{'s' if count != 1 else ''} of column {column!r} "
                f"{'are' if count != 1 else 'is'} SPSS user-missing ({listed}) and "
                f"count{'' if count != 1 else 's'} as missing",
                "warning",
            )
        )
    if raw.name == "participants" and "arm" in raw.columns and plan.arms is not None:
        raw = _map_arm(raw, plan)
    if raw.name == "participants":
        for column in plan.categorical:
            if column in raw.columns and column in raw.labels:
                raw = _relabel(raw, column)
    return raw


def _map_arm(raw: RawTable, plan: Plan) -> RawTable:
    indices, values = _dictionary(raw, "arm")
    if not values:
        return raw
    labels = raw.labels.get("arm", {})
    arms = set(plan.arms or ())
    mapped: list[str | None] = []
    changed = False
    for v in values:
        new = v
        if v is not None and v not in arms:
            key = v.strip()
            label = labels.get(key)
            new = (
                plan.arm_codes.get(key)
                or (plan.arm_names.get(label.strip().casefold()) if label is not None else None)
                or plan.arm_names.get(key.casefold())
                or v
            )
        changed |= new != v
        mapped.append(new)
    if not changed and raw.data.column("arm").type == pa.string():
        return raw
    column = pc.take(pa.array(mapped, pa.string()), indices)
    return _set_text(raw, "arm", column)


def _relabel(raw: RawTable, column: str) -> RawTable:
    indices, values = _dictionary(raw, column)
    labels = raw.labels[column]
    mapped = [None if v is None else labels.get(v.strip(), v) for v in values]
    return _set_text(raw, column, pc.take(pa.array(mapped, pa.string()), indices))


# -- BSNs anywhere ------------------------------------------------------------------
def bsn_columns(raw: RawTable) -> dict[str, tuple[int, int]]:
    """Columns holding BSNs: column to (number of cells, first row position)."""
    out: dict[str, tuple[int, int]] = {}
    for column in raw.columns:
        col = raw.data.column(column)
        t = col.type
        if pa.types.is_dictionary(t):
            t = t.value_type
        if not (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t)
                or pa.types.is_floating(t) or pa.types.is_decimal(t)):
            continue
        if len(col) == 0:
            continue
        if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
            bad = _numeric_bsn(col)
        else:
            bad = _text_bsn(col)
        if bad is None:
            continue
        rows = np.flatnonzero(bad)
        if not len(rows):
            continue
        out[column] = (len(rows), int(rows[0]))
    return out


def _numeric_bsn(col: pa.ChunkedArray) -> np.ndarray | None:
    """Rows of a numeric column holding a BSN (whole numbers of 8 or 9 digits only are tested)."""
    if pa.types.is_dictionary(col.type):
        col = col.cast(col.type.value_type)
    extremes = pc.min_max(col).as_py()  # one pass: most columns hold no 8- or 9-digit value
    if extremes["max"] is None or extremes["max"] < 1e7 or extremes["min"] >= 1e9:
        return None
    v = pc.fill_null(col.cast(pa.float64()), -1.0).to_numpy()
    with np.errstate(invalid="ignore"):
        candidate = (v >= 1e7) & (v < 1e9) & (np.floor(v) == v)
    if not candidate.any():
        return None
    values = np.unique(v[candidate])
    text = np.array([str(int(x)) for x in values], dtype=object)
    hits = values[bsn_mask(text, numeric=True)]
    if not len(hits):
        return None
    return candidate & np.isin(v, hits)


#: A text column whose eight-digit values pass the zero-padded 11-test this often is
#: a BSN column that lost its leading zeros (a spreadsheet stored it as a number);
#: random eight-digit ids pass it one time in eleven.
STRIPPED_SHARE = 0.5
STRIPPED_MIN = 5


def _stripped_bsns(values: np.ndarray) -> np.ndarray:
    """Eight-digit texts that are BSNs without their leading zero, judged over the column.

    One eight-digit text id is not refused (v1 accepts them); a column in which at
    least :data:`STRIPPED_MIN` distinct eight-digit values occur and at least
    :data:`STRIPPED_SHARE` of them pass the zero-padded 11-test is.
    """
    eight = np.fromiter(
        (isinstance(v, str) and len(v.strip()) == 8 and v.strip().isascii() and v.strip().isdigit()
         for v in values), dtype=bool, count=len(values),
    )
    out = np.zeros(len(values), dtype=bool)
    if eight.sum() < STRIPPED_MIN:
        return out
    idx = np.flatnonzero(eight)
    passing = bsn_mask(np.array([v.strip() for v in values[idx]], dtype=object), numeric=True)
    if passing.mean() >= STRIPPED_SHARE:
        out[idx[passing]] = True
    return out


def _text_bsn(col: pa.ChunkedArray) -> np.ndarray | None:
    """Rows of a text column holding a BSN in any written form."""
    encoded = pc.dictionary_encode(col).combine_chunks()
    dictionary = encoded.dictionary
    text, _ = as_text(dictionary)
    # cheap pre-filters: BSN-like text is 8 to 24 characters long, and every written
    # form of a BSN holds at least 8 ASCII digits once its digits are ASCII (text with
    # other characters is normalised first, so it is always tested)
    length = pc.fill_null(pc.utf8_length(text), 0).to_numpy(zero_copy_only=False)
    digits = pc.fill_null(pc.count_substring_regex(text, "[0-9]"), 0).to_numpy(
        zero_copy_only=False)
    ascii_ = pc.fill_null(pc.string_is_ascii(text), True).to_numpy(zero_copy_only=False)
    candidate = (length >= 8) & (length <= 24) & ((digits >= 8) | ~ascii_)
    if not candidate.any():
        return None
    values = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
    looks = np.zeros(len(values), dtype=bool)
    idx = np.flatnonzero(candidate)
    looks[idx] = bsn_mask(values[idx])
    # the eight-digit values the column is judged over all have 8 ASCII digits
    looks[idx] |= _stripped_bsns(values[idx])
    if not looks.any():
        return None
    codes = pc.fill_null(encoded.indices.cast(pa.int32()), -1).to_numpy(zero_copy_only=False)
    return (codes >= 0) & looks[np.maximum(codes, 0)]


def scan_bsn(raw: RawTable, out: Collector, original: Mapping[str, str] | None = None) -> None:
    """Add one ``bsn`` error per column holding BSNs: the column and the count, never the values.

    Parameters
    ----------
    original
        Contract name to the export's name, for the message.
    """
    for column, (count, first) in bsn_columns(raw).items():
        export = (original or {}).get(column)
        named = f"{column!r}" + (f" (in the export {export!r})" if export and export != column else "")
        out.add(
            Problem(
                raw.name, first + 1, column, None, "bsn",
                f"column {named} of {raw.name} holds {count} value{'s' if count != 1 else ''} that "
                "look like a BSN (a citizen service number: 9 digits passing the 11-test, also "
                "with dots, dashes or spaces, as a number or without its leading zero); the values "
                "are not shown. No table may hold BSNs: run `trustexp pseudonymise` on the folder "
                "(it replaces person_id and replaces or drops other BSN columns)",
            )
        )
