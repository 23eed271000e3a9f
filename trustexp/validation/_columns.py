"""Vectorised parsing of one column into the type its schema field declares.

Every parser takes the column as read (a :class:`pyarrow.ChunkedArray`: text
from CSV, or a typed column from Parquet, SPSS, Stata, Excel) and returns a
:class:`Parsed`: the typed values plus masks of missing and invalid entries, so
that validation can name each bad row. Nothing here loops over rows in Python:
text columns are dictionary-encoded and each distinct value is parsed once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Parsed", "parse"]

_NUMBER = r"^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_FORMAT_PARTS = {"%Y": r"(?P<Y>\d{4})", "%m": r"(?P<m>\d{1,2})", "%d": r"(?P<d>\d{1,2})"}


@dataclass(frozen=True, slots=True)
class Parsed:
    """A column parsed to its declared type.

    Attributes
    ----------
    kind
        ``string``, ``integer``, ``number``, ``date`` or ``yearmonth``.
    values
        string: int32 codes into ``uniques`` (-1 where missing or invalid);
        integer: int64; number: float64; date: ``datetime64[D]``;
        yearmonth: int32 month index ``year*12 + month - 1``. Entries that are
        missing or invalid hold 0 (NaN, NaT) and must be masked.
    missing
        True where the cell is empty (a missing value of the schema).
    invalid
        True where the cell is present but not of the declared type.
    uniques
        For strings, the distinct texts (object array); else None.
    from_numbers
        For strings: the column was stored as numbers (leading zeros lost).
    """

    kind: str
    values: np.ndarray
    missing: np.ndarray
    invalid: np.ndarray
    uniques: np.ndarray | None = None
    from_numbers: bool = False

    @property
    def ok(self) -> np.ndarray:
        """True where a valid value is present."""
        return ~(self.missing | self.invalid)

    @property
    def texts(self) -> np.ndarray:
        """The distinct texts of a string column (``uniques``, which must be set)."""
        if self.uniques is None:
            raise TypeError(f"a {self.kind} column has no distinct texts")
        return self.uniques


def parse(
    column: pa.ChunkedArray,
    kind: str,
    *,
    missing_values: Sequence[str] = ("",),
    decimal_comma: bool = False,
    formats: Sequence[str] = ("%Y-%m-%d",),
) -> Parsed:
    """Parse a column as the Table Schema type ``kind``.

    Parameters
    ----------
    column
        The column as read.
    kind
        ``string``, ``integer``, ``number``, ``date`` or ``yearmonth`` (other
        Table Schema types are read as strings).
    missing_values
        Texts that mean "no value" (after trimming whitespace).
    decimal_comma
        Text numbers use a decimal comma (the Dutch CSV dialect).
    formats
        Accepted date patterns (``%Y``, ``%m``, ``%d`` and literal characters).
    """
    if isinstance(column, pa.Array):
        column = pa.chunked_array([column])
    if kind in ("integer", "number"):
        return _parse_numeric(column, kind, missing_values, decimal_comma)
    if kind == "date":
        return _parse_date(column, missing_values, formats)
    if kind == "yearmonth":
        return _parse_yearmonth(column, missing_values)
    return _parse_string(column, missing_values)


# -- text ---------------------------------------------------------------------------
def _encode(column: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Dictionary-encode: int32 codes (-1 for null) and the distinct values."""
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    if column.num_chunks == 0:
        return np.zeros(0, dtype=np.int32), pa.array([], type=column.type.value_type)
    column = column.unify_dictionaries()
    dictionary = column.chunk(0).dictionary
    codes = np.concatenate(
        [
            pc.fill_null(chunk.indices.cast(pa.int32()), -1).to_numpy(zero_copy_only=False)
            for chunk in column.chunks
        ]
    ) if column.num_chunks else np.zeros(0, dtype=np.int32)
    return codes.astype(np.int32, copy=False), dictionary


def as_text(values: pa.Array) -> tuple[pa.Array, bool]:
    """The values as text: integral floats without ``.0``, dates as ISO dates.

    Returns
    -------
    text, from_numbers
        A string array (nulls for NaN), and whether the values were numbers.
    """
    t = values.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return values.cast(pa.string()), False
    if pa.types.is_integer(t):
        return values.cast(pa.string()), True
    if pa.types.is_floating(t):
        v = values.cast(pa.float64())
        finite = pc.is_finite(v)
        v = pc.if_else(finite, v, None)
        integral = pc.equal(pc.floor(v), v)
        small = pc.less(pc.abs(v), 2.0**53)
        as_int = pc.and_(integral, small)
        text = pc.if_else(
            as_int,
            pc.if_else(as_int, v, 0.0).cast(pa.int64()).cast(pa.string()),
            v.cast(pa.string()),
        )
        return text, True
    if pa.types.is_boolean(t):
        return pc.if_else(values, "1", "0"), True
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return pc.strftime(pc.cast(values, pa.timestamp("s"), safe=False), format="%Y-%m-%d"), False
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return values.cast(pa.string()), False
    return values.cast(pa.string()), False


def _blank(text: pa.Array, missing_values: Sequence[str]) -> np.ndarray:
    trimmed = pc.utf8_trim_whitespace(text)
    blank = pc.or_(pc.is_null(trimmed), pc.is_in(trimmed, value_set=pa.array(list(missing_values), pa.string())))
    return pc.fill_null(blank, True).to_numpy(zero_copy_only=False)


def _parse_string(column: pa.ChunkedArray, missing_values: Sequence[str]) -> Parsed:
    codes, dictionary = _encode(column)
    text, from_numbers = as_text(dictionary)
    blank_dict = _blank(text, missing_values)
    uniques = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
    # Distinct stored values can share a text (e.g. 1 and 1.0): merge them.
    keep = ~blank_dict
    if len(uniques) and pc.count_distinct(text).as_py() < len(uniques):
        import pandas as pd

        remap, merged = pd.factorize(uniques)
        uniques = np.asarray(merged, dtype=object)
        keep_new = np.zeros(len(uniques), dtype=bool)
        keep_new[remap[keep]] = True
        new_codes = remap.astype(np.int32)
    else:
        new_codes = np.arange(len(uniques), dtype=np.int32)
    lookup = np.where(keep, new_codes, -1).astype(np.int32)
    valid_code = codes >= 0
    out = np.full(len(codes), -1, dtype=np.int32)
    out[valid_code] = lookup[codes[valid_code]]
    missing = out < 0
    return Parsed("string", out, missing, np.zeros(len(out), dtype=bool), uniques, from_numbers)


# -- numbers ------------------------------------------------------------------------
def _parse_numeric(
    column: pa.ChunkedArray, kind: str, missing_values: Sequence[str], decimal_comma: bool
) -> Parsed:
    t = column.type
    if pa.types.is_dictionary(t):
        codes, dictionary = _encode(column)
        sub = _parse_numeric(pa.chunked_array([dictionary]), kind, missing_values, decimal_comma)
        valid_code = codes >= 0
        idx = np.where(valid_code, codes, 0)
        take = (lambda a, fill: np.where(valid_code, a[idx], fill)) if len(dictionary) else (
            lambda a, fill: np.full(len(codes), fill, dtype=a.dtype)
        )
        return Parsed(
            kind,
            take(sub.values, sub.values.dtype.type(0)),
            take(sub.missing, True),
            take(sub.invalid, False),
        )
    n = len(column)
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        missing = column.is_null().to_numpy(zero_copy_only=False) if column.null_count else np.zeros(n, bool)
        values = pc.fill_null(column.cast(pa.int64()), 0).to_numpy()
        values = values if kind == "integer" else values.astype(np.float64)
        return Parsed(kind, values, missing, np.zeros(n, dtype=bool))
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        v = pc.fill_null(column.cast(pa.float64()), np.nan).to_numpy()
        missing = np.isnan(v)
        invalid = np.isinf(v)
        if kind == "integer":
            return _as_integer(v, missing, invalid)
        return Parsed(kind, np.where(invalid, np.nan, v), missing, invalid)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return _parse_number_text(column, kind, missing_values, decimal_comma)
    # dates, binary, ...: present values are not numbers
    missing = column.is_null().to_numpy(zero_copy_only=False)
    zeros = np.zeros(n, dtype=np.int64 if kind == "integer" else np.float64)
    return Parsed(kind, zeros, missing, ~missing)


def _parse_number_text(
    column: pa.ChunkedArray, kind: str, missing_values: Sequence[str], decimal_comma: bool
) -> Parsed:
    text = pc.utf8_trim_whitespace(column.cast(pa.string()))
    missing = pc.fill_null(
        pc.is_in(text, value_set=pa.array(list(missing_values), pa.string())), True
    ).to_numpy(zero_copy_only=False)
    if decimal_comma:
        has_comma = pc.match_substring(text, ",")
        text = pc.if_else(
            has_comma,
            pc.replace_substring(pc.replace_substring(text, ".", ""), ",", "."),
            text,
        )
    negative = pc.fill_null(pc.starts_with(text, "-"), False)
    body = pc.replace_substring_regex(text, r"^[+-]", "")
    ok = pc.fill_null(pc.match_substring_regex(body, _NUMBER), False)
    values = pc.fill_null(pc.if_else(ok, body, "0").cast(pa.float64()), 0.0).to_numpy()
    values = np.where(negative.to_numpy(zero_copy_only=False), -values, values)
    invalid = ~missing & ~ok.to_numpy(zero_copy_only=False)
    invalid |= ~missing & ~np.isfinite(values)
    if kind == "integer":
        return _as_integer(values, missing, invalid)
    return Parsed(kind, np.where(missing | invalid, np.nan, values), missing, invalid)


def _as_integer(values: np.ndarray, missing: np.ndarray, invalid: np.ndarray) -> Parsed:
    """Whole numbers within int64; other present values are invalid."""
    present = ~missing & ~invalid
    safe = np.where(present, values, 0.0)
    invalid = invalid | (present & ((np.floor(safe) != safe) | (np.abs(safe) >= 2.0**63)))
    values = np.where(missing | invalid, 0.0, safe).astype(np.int64)
    return Parsed("integer", values, missing, invalid)


# -- dates --------------------------------------------------------------------------
def _format_regex(fmt: str) -> tuple[str, list[str]]:
    order: list[str] = []
    pattern = ""
    for token in re.split(r"(%[Ymd])", fmt):
        if token in _FORMAT_PARTS:
            pattern += _FORMAT_PARTS[token]
            order.append(token)
        else:
            pattern += re.escape(token)
    return f"^{pattern}$", order


def _ymd(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970 for valid (year, month, day), and the validity mask."""
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (year >= 1)
    m = np.where(ok, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    start = m.astype("datetime64[D]")
    length = ((m + 1).astype("datetime64[D]") - start).astype(np.int64)
    ok &= day <= length
    days = np.where(ok, start + np.where(ok, day - 1, 0).astype("timedelta64[D]"), np.datetime64("NaT"))
    return days.astype("datetime64[D]"), ok


def _parse_date_text(text: pa.Array, formats: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    n = len(text)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    found = np.zeros(n, dtype=bool)
    for fmt in formats:
        pattern, order = _format_regex(fmt)
        parts = pc.extract_regex(text, pattern)
        matched = pc.fill_null(pc.is_valid(parts), False).to_numpy(zero_copy_only=False) & ~found
        if not matched.any():
            continue
        fields = {}
        for i, token in enumerate(order):
            col = pc.struct_field(parts, [i])
            fields[token] = pc.fill_null(
                pc.cast(pc.if_else(pc.is_valid(parts), col, "0"), pa.int64()), 0
            ).to_numpy()
        days, ok = _ymd(fields["%Y"], fields["%m"], fields["%d"])
        good = matched & ok
        out[good] = days[good]
        found |= matched  # a match with an impossible day is invalid, not tried again
    valid = ~np.isnat(out)
    return out, valid


def _parse_date(column: pa.ChunkedArray, missing_values: Sequence[str], formats: Sequence[str]) -> Parsed:
    t = column.type
    n = len(column)
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        days = pc.cast(column, pa.timestamp("s"), safe=False).cast(pa.int64())
        missing = column.is_null().to_numpy(zero_copy_only=False)
        values = pc.fill_null(pc.divide(days, 86400), 0).to_numpy().astype("datetime64[D]")
        values = np.where(missing, np.datetime64("NaT"), values)
        return Parsed("date", values, missing, np.zeros(n, dtype=bool))
    if not (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t)):
        missing = column.is_null().to_numpy(zero_copy_only=False)
        return Parsed("date", np.full(n, np.datetime64("NaT"), "datetime64[D]"), missing, ~missing)
    codes, dictionary = _encode(column)
    text, _ = as_text(dictionary)
    blank = _blank(text, missing_values)
    parsed, valid = _parse_date_text(pc.utf8_trim_whitespace(text), formats)
    has = codes >= 0
    idx = np.where(has, codes, 0)
    if len(dictionary) == 0:
        return Parsed("date", np.full(n, np.datetime64("NaT"), "datetime64[D]"), np.ones(n, bool), np.zeros(n, bool))
    missing = ~has | blank[idx]
    invalid = ~missing & ~valid[idx]
    values = np.where(missing | invalid, np.datetime64("NaT"), parsed[idx])
    return Parsed("date", values.astype("datetime64[D]"), missing, invalid)


def _parse_yearmonth(column: pa.ChunkedArray, missing_values: Sequence[str]) -> Parsed:
    t = column.type
    n = len(column)
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        ts = pc.cast(column, pa.timestamp("s"), safe=False)
        missing = column.is_null().to_numpy(zero_copy_only=False)
        year = pc.fill_null(pc.year(ts), 1970).to_numpy()
        month = pc.fill_null(pc.month(ts), 1).to_numpy()
        values = (year * 12 + month - 1).astype(np.int32)
        return Parsed("yearmonth", values, missing, np.zeros(n, dtype=bool))
    if not (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t)):
        missing = column.is_null().to_numpy(zero_copy_only=False)
        return Parsed("yearmonth", np.zeros(n, np.int32), missing, ~missing)
    codes, dictionary = _encode(column)
    if len(dictionary) == 0:
        return Parsed("yearmonth", np.zeros(n, np.int32), np.ones(n, bool), np.zeros(n, bool))
    text, _ = as_text(dictionary)
    blank = _blank(text, missing_values)
    parts = pc.extract_regex(pc.utf8_trim_whitespace(text), r"^(?P<y>\d{4})-(?P<m>\d{2})$")
    matched = pc.fill_null(pc.is_valid(parts), False).to_numpy(zero_copy_only=False)
    year = pc.fill_null(pc.cast(pc.if_else(pc.is_valid(parts), pc.struct_field(parts, [0]), "0"), pa.int64()), 0).to_numpy()
    month = pc.fill_null(pc.cast(pc.if_else(pc.is_valid(parts), pc.struct_field(parts, [1]), "0"), pa.int64()), 0).to_numpy()
    valid = matched & (month >= 1) & (month <= 12)
    index = np.where(valid, year * 12 + month - 1, 0).astype(np.int32)
    has = codes >= 0
    idx = np.where(has, codes, 0)
    missing = ~has | blank[idx]
    invalid = ~missing & ~valid[idx]
    values = np.where(missing | invalid, 0, index[idx]).astype(np.int32)
    return Parsed("yearmonth", values, missing, invalid)
