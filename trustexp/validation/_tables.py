"""Check one table against its Table Schema and the columns ``trial.toml`` declares.

Generic Table Schema rules (column presence, type, required, enum, minimum,
maximum, pattern, unique, primary and foreign keys) are applied as the schema
file states them; the ``trustexp:rules`` of a field are dispatched by name to
the functions in :data:`RULES`. All checks are vectorised over the column.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from trustexp.readers import RawTable
from trustexp.validation._collect import MAX_PER_RULE as MAX_LISTED
from trustexp.validation._collect import Collector
from trustexp.validation._columns import Parsed, parse
from trustexp.validation._config import Plan
from trustexp.validation._mapping import (
    columns_present,
    did_you_mean,
    map_codes,
    resolve_columns,
    scan_bsn,
)
from trustexp.validation._report import Problem
from trustexp.validation._schema import FieldSpec, TableSpec

__all__ = ["CheckedTable", "check_table", "duplicates"]


@dataclass
class CheckedTable:
    """A table after its checks: the parsed columns, ready for cross-table checks.

    Attributes
    ----------
    parent_row
        For tables with a foreign key to participants: the participants row
        (0-based) of each row, -1 where the person is unknown or the id bad.
    """

    raw: RawTable
    spec: TableSpec
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    parsed: dict[str, Parsed] = field(default_factory=dict)
    parent_row: np.ndarray | None = None

    @property
    def name(self) -> str:
        return self.raw.name

    @property
    def n(self) -> int:
        return self.raw.num_rows

    def value(self, column: str) -> Callable[[int], str | None]:
        """A function giving the stored value of a row as text (for messages)."""
        data = self.raw.data.column(column)

        def get(i: int) -> str | None:
            try:
                return _text(data[i].as_py())
            except (OverflowError, ValueError, pa.ArrowException):  # a date beyond Python's
                raw = data.slice(i, 1).cast(pa.int32() if pa.types.is_date32(data.type)
                                            else pa.int64())
                return f"{raw[0].as_py()} (stored as {data.type})"

        return get

    def ok(self, column: str) -> np.ndarray:
        """Rows where the column holds a valid value (all False if absent)."""
        p = self.parsed.get(column)
        return p.ok if p is not None else np.zeros(self.n, dtype=bool)


def _text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    return str(v)


def _human(fmt: str) -> str:
    return fmt.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")


# -- the columns a table must have -----------------------------------------------
def _declared(spec: TableSpec, plan: Plan) -> list[tuple[FieldSpec, str]]:
    """Columns that trial.toml declares for this table, with the declaration."""
    out: list[tuple[FieldSpec, str]] = []

    def add(name: str, kind: str | None, why: str) -> None:
        base = spec.field(name)
        if base is not None:
            out.append((base, why))
        elif kind is not None:
            out.append((spec.declared_field(name, kind), why))
        else:
            out.append((FieldSpec(name=name, type="string"), why))

    if spec.name == "participants":
        for s in plan.strata:
            add(s, None, "[randomisation] strata")
        if plan.cluster:
            add(plan.cluster, None, "[randomisation] cluster")
        for c in plan.covariates:
            if c in plan.categorical:
                add(c, None, "[analysis] categorical")
            else:
                add(c, "covariates", "[analysis] covariates")
        if plan.analysis_cluster:
            add(plan.analysis_cluster, None, "[analysis] cluster")
        for ident, c in plan.participant_outcomes:
            add(c, "outcomes", f"outcome '{ident}'")
    elif spec.name == "survey":
        for ident, items, lo, hi in plan.scales:
            for item in items:
                f = spec.declared_field(item, "scale-items")
                out.append((_with_range(f, lo, hi, ident), f"scale '{ident}'"))
        for ident, c in plan.survey_outcomes:
            add(c, "outcomes", f"outcome '{ident}'")
    elif spec.name == "monthly":
        for ident, c in plan.monthly_columns:
            add(c, None, f"outcome '{ident}'")
    elif spec.name == "takeup":
        for c in plan.takeup_columns:
            add(c, None, "[[takeup]] column")
    seen: set[str] = set()
    unique = []
    for f, why in out:
        if f.name not in seen:
            seen.add(f.name)
            unique.append((f, why))
    return unique


def _with_range(f: FieldSpec, lo: int, hi: int, scale: str) -> FieldSpec:
    return FieldSpec(
        name=f.name,
        type=f.type,
        required=f.required,
        rules=tuple(f"{r}:{scale}:{lo}:{hi}" if r == "scale-range" else r for r in f.rules),
    )


_did_you_mean = did_you_mean


# -- the check ----------------------------------------------------------------------
def check_table(
    raw: RawTable,
    spec: TableSpec,
    plan: Plan,
    out: Collector,
    participants: CheckedTable | None = None,
) -> CheckedTable:
    """Check one table; add every problem to ``out``.

    Parameters
    ----------
    participants
        The checked participants table, for foreign keys (None when checking
        participants itself).
    """
    name = spec.name
    wanted: list[tuple[FieldSpec, str | None]] = [(f, None) for f in spec.fields]
    for f, reason in _declared(spec, plan):
        wanted = [(g, w) for g, w in wanted if g.name != f.name]
        wanted.append((f, reason))
    export_names = dict(plan.columns.get(name, {}))
    raw = resolve_columns(raw, [f.name for f, _ in wanted], plan, out)
    raw = map_codes(raw, plan, out)
    scan_bsn(raw, out, export_names)
    table = CheckedTable(raw=raw, spec=spec)
    columns = raw.columns
    for f, why in wanted:
        if f.name in columns:
            table.fields[f.name] = f
            continue
        if why is not None:
            out.add(
                Problem(
                    name, None, f.name, None, "declared-column",
                    f"trial.toml declares the column {f.name!r} ({why}), but {name} has no such "
                    f"column{_did_you_mean(f.name, columns)} ({columns_present(columns)}); "
                    f"name the export's column in trial.toml [columns.{name}]",
                )
            )
        elif not f.optional_column:
            out.add(
                Problem(
                    name, None, f.name, None, "required-column",
                    f"{name} has no column {f.name!r}, which the contract requires"
                    f"{_did_you_mean(f.name, columns)} ({columns_present(columns)}); if the "
                    f"export calls it otherwise, map it in trial.toml: [columns.{name}] "
                    f"{f.name} = \"<the export's name>\"",
                )
            )
    if spec.any_of and not any(c in columns for c in spec.any_of):
        listed = " or ".join(repr(c) for c in spec.any_of)
        out.add(Problem(name, None, None, None, "required-column", f"{name} needs a column {listed}"))

    for column in [c for c in columns if c in table.fields]:
        f = table.fields[column]
        p = parse(
            raw.data.column(column),
            f.type,
            missing_values=spec.missing_values,
            decimal_comma=raw.decimal_comma,
            formats=f.formats,
        )
        table.parsed[column] = p
        _generic(table, f, p, out)

    _primary_key(table, out)
    for fk in spec.foreign_keys:
        if participants is not None and fk.resource == "participants":
            _foreign_key(table, fk.fields[0], participants, fk.reference[0], out)
    for column, f in table.fields.items():
        for rule in f.rules:
            key = rule.split(":", 1)[0]
            RULES[key](table, column, rule, plan, participants, out)
    return table


def _generic(table: CheckedTable, f: FieldSpec, p: Parsed, out: Collector) -> None:
    name, column = table.name, f.name
    value = table.value(column)
    kind = {
        "integer": "a whole number",
        "number": "a number",
        "date": "a date in the form " + " or ".join(_human(x) for x in f.formats),
        "yearmonth": "a month in the form YYYY-MM",
    }.get(f.type, "text")
    out.rows(name, column, "type", p.invalid, value,
             lambda i, v: f"{v!r} in column {column!r} is not {kind}")
    if p.kind in ("date", "yearmonth"):
        _date_range(table, f, p, out)
    if f.required:
        out.rows(name, column, "required", p.missing, value,
                 lambda i, v: f"column {column!r} is empty; it needs a value")
    ok = p.ok
    if f.enum is not None:
        if p.kind == "string":
            allowed = np.isin(p.texts, np.asarray([str(e) for e in f.enum], dtype=object))
            bad = ok & ~allowed[np.maximum(p.values, 0)] if len(p.texts) else np.zeros(len(ok), bool)
        else:
            bad = ok & ~_among(p.values, f.enum)
        listed = ", ".join(str(e) for e in f.enum)
        out.rows(name, column, "enum", bad, value,
                 lambda i, v: f"{v!r} in column {column!r} is not one of {listed}")
    if f.minimum is not None and p.kind in ("integer", "number"):
        out.rows(name, column, "minimum", ok & (p.values < f.minimum), value,
                 lambda i, v: f"{v} in column {column!r} is below the minimum {f.minimum}")
    if f.maximum is not None and p.kind in ("integer", "number"):
        out.rows(name, column, "maximum", ok & (p.values > f.maximum), value,
                 lambda i, v: f"{v} in column {column!r} is above the maximum {f.maximum}")
    if f.pattern is not None and p.kind == "string" and len(p.texts):
        import re

        rx = re.compile(f.pattern)
        matches = np.fromiter((bool(rx.fullmatch(u)) for u in p.texts), np.bool_, len(p.texts))
        out.rows(name, column, "pattern", ok & ~matches[np.maximum(p.values, 0)], value,
                 lambda i, v: f"{v!r} in column {column!r} does not match the pattern {f.pattern}")
    if f.unique:
        key = _key_part(p)
        dup, first = duplicates(key, ok)
        out.positions(name, column, "unique", dup, value,
                      lambda i, v: f"{v!r} in column {column!r} appears more than once (first in row {first[i] + 1})")


def _key_part(p: Parsed) -> np.ndarray:
    """The column as int64 codes (a new array, safe to change in place)."""
    if p.kind == "number":
        return pd.factorize(p.values)[0].astype(np.int64)
    return p.values.astype(np.int64, copy=True)


def _first_rows(p: Parsed) -> np.ndarray:
    """For a string column: the first row of each distinct value (-1 if none)."""
    first = np.full(len(p.texts), -1, dtype=np.int64)
    ok = np.flatnonzero(p.values >= 0)
    codes = p.values[ok]
    # reversed assignment leaves the first occurrence in place
    first[codes[::-1]] = ok[::-1]
    return first


def duplicates(key: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
    """Rows whose key repeats an earlier row's.

    Returns
    -------
    dup, first
        Positions (ascending) of repeated rows, and for each of them the
        position of the first row with the same key.
    """
    every = bool(ok.all())
    rows = None if every else np.flatnonzero(ok)
    k = key if every else key[rows]
    if len(k) < 2 or bool(np.all(k[1:] > k[:-1])):  # sorted and distinct: the usual case
        return np.zeros(0, dtype=np.int64), {}
    order = np.argsort(k, kind="stable")
    sk = k[order]
    same = np.empty(len(sk), dtype=bool)
    same[0] = False
    np.equal(sk[1:], sk[:-1], out=same[1:])
    del sk
    if not same.any():
        return np.zeros(0, dtype=np.int64), {}
    group_start = np.maximum.accumulate(np.where(~same, np.arange(len(same)), 0))
    at = order if rows is None else rows[order]
    dup_pos, first_pos = at[same], at[group_start[same]]
    sorter = np.argsort(dup_pos)
    dup_pos, first_pos = dup_pos[sorter], first_pos[sorter]
    return dup_pos, dict(zip(dup_pos.tolist()[:MAX_LISTED], first_pos.tolist()[:MAX_LISTED], strict=True))


def _primary_key(table: CheckedTable, out: Collector) -> None:
    pk = table.spec.primary_key
    if len(pk) < 2 or not all(c in table.parsed for c in pk):
        return  # single-column keys are the field's own "unique" constraint
    parts = [table.parsed[c] for c in pk]
    ok = np.logical_and.reduce([p.ok for p in parts])
    key = np.zeros(table.n, dtype=np.int64)
    span = 1
    for p in parts[::-1]:
        v = _key_part(p)
        lo = int(v[ok].min()) if ok.any() else 0
        width = (int(v[ok].max()) - lo + 1) if ok.any() else 1
        if span * width >= 2**62:  # pragma: no cover - absurd key ranges
            key = pd.MultiIndex.from_arrays([_key_part(q) for q in parts]).factorize()[0]
            break
        v -= lo
        v *= span
        key += v
        del v
        span *= width
    dup, first = duplicates(key, ok)
    values = [table.value(c) for c in pk]
    cols = ", ".join(pk)

    def shown(i: int) -> str:
        return ", ".join(f"{vf(i)!r}" for vf in values)

    out.positions(
        table.name, ", ".join(pk), "unique", dup, shown,
        lambda i, v: f"({cols}) = ({v}) appears more than once (first in row {first[i] + 1})",
    )


def _foreign_key(
    table: CheckedTable, column: str, parent: CheckedTable, parent_column: str, out: Collector
) -> None:
    p = table.parsed.get(column)
    q = parent.parsed.get(parent_column)
    if p is None or q is None:
        return
    index = pd.Index(q.uniques)
    mapped = index.get_indexer(p.texts) if len(p.texts) else np.zeros(0, dtype=np.int64)
    code_ok = p.values >= 0
    parent_code = np.where(code_ok, mapped[np.maximum(p.values, 0)] if len(mapped) else -1, -1)
    unknown = code_ok & (parent_code < 0)
    first = _first_rows(q)
    if len(first):
        table.parent_row = np.where(parent_code >= 0, first[np.maximum(parent_code, 0)], -1)
    else:  # no parent value at all (an empty or all-missing column)
        table.parent_row = np.full(len(parent_code), -1, dtype=np.int64)
    value = table.value(column)
    out.rows(
        table.name, column, "foreign-key", unknown, value,
        lambda i, v: f"{column} {v!r} is not in {parent.name}",
    )


# -- trustexp:rules -----------------------------------------------------------------
Rule = Callable[[CheckedTable, str, str, Plan, "CheckedTable | None", Collector], None]


def _bsn(table: CheckedTable, column: str, rule: str, plan: Plan, parent: CheckedTable | None, out: Collector) -> None:
    """``bsn-refused``: covered by the scan of every column of every table (:func:`scan_bsn`)."""


#: The earliest plausible date of any date or month column.
EARLIEST_DATE = dt.date(1900, 1, 1)


def _date_range(table: CheckedTable, f: FieldSpec, p: Parsed, out: Collector) -> None:
    """Dates (and months) before 1900 or after today are errors, in every file format."""
    today = dt.date.today()
    if p.kind == "date":
        early = p.values < np.datetime64(EARLIEST_DATE, "D")
        late = p.values > np.datetime64(today, "D")
        shown = "a date"
    else:  # months as year * 12 + month - 1
        early = p.values < EARLIEST_DATE.year * 12
        late = p.values > today.year * 12 + today.month - 1
        shown = "a month"
    if "not-future" in f.rules:  # reported by its own rule
        late = np.zeros_like(late)
    out.rows(
        table.name, f.name, "date-range", p.ok & (early | late), table.value(f.name),
        lambda i, v: (f"{f.name} {v} is not {shown} between {EARLIEST_DATE.isoformat()} "
                      "and today"),
    )


def _not_future(table: CheckedTable, column: str, rule: str, plan: Plan, parent: CheckedTable | None, out: Collector) -> None:
    p = table.parsed[column]
    today = np.datetime64(dt.date.today(), "D")
    out.rows(
        table.name, column, "not-future", p.ok & (p.values > today), table.value(column),
        lambda i, v: f"{column} {v} is in the future",
    )


def _declared_arm(table: CheckedTable, column: str, rule: str, plan: Plan, parent: CheckedTable | None, out: Collector) -> None:
    if plan.arms is None:
        return
    p = table.parsed[column]
    if not len(p.texts):
        return
    known = np.isin(p.texts, np.asarray(plan.arms, dtype=object))
    bad = (p.values >= 0) & ~known[np.maximum(p.values, 0)]
    declared = ", ".join(repr(a) for a in plan.arms)
    choices = list(plan.arms)

    def message(i: int, v: str | None) -> str:
        close = difflib.get_close_matches(str(v), choices, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"arm {v!r} is not declared in trial.toml [arms] (declared: {declared}){hint}"

    out.rows(table.name, column, "arm", bad, table.value(column), message)


def _baseline(table: CheckedTable, column: str, rule: str, plan: Plan, parent: CheckedTable | None, out: Collector) -> None:
    if parent is None or table.parent_row is None or "responded_on" not in table.parsed:
        return
    if "randomised_on" not in parent.parsed:
        return
    wave = table.parsed[column]
    answered = table.parsed["responded_on"]
    rand = parent.parsed["randomised_on"]
    row = table.parent_row
    has = (row >= 0) & wave.ok & answered.ok
    has[has] &= rand.ok[row[has]]
    idx = np.flatnonzero(has & (wave.values == 0))
    late = idx[answered.values[idx] > rand.values[row[idx]]]
    answered_text = table.value("responded_on")
    out.positions(
        table.name, "responded_on", "baseline", late, answered_text,
        lambda i, v: (
            f"the baseline answer (wave 0) is dated {v}, after the person's randomisation "
            f"on {rand.values[row[i]]}; it is not used: the person's baseline is treated as missing"
        ),
        severity="warning",
    )


def _scale_range(table: CheckedTable, column: str, rule: str, plan: Plan, parent: CheckedTable | None, out: Collector) -> None:
    _, scale, lo, hi = rule.split(":")
    p = table.parsed[column]
    bad = p.ok & ((p.values < int(lo)) | (p.values > int(hi)))
    out.rows(
        table.name, column, "scale-range", bad, table.value(column),
        lambda i, v: f"{v} in item {column!r} is outside the range {lo}..{hi} of scale {scale!r}",
    )


RULES: dict[str, Rule] = {
    "bsn-refused": _bsn,
    "not-future": _not_future,
    "declared-arm": _declared_arm,
    "baseline-before-randomisation": _baseline,
    "scale-range": _scale_range,
}


def text_column(p: Parsed) -> pa.Array:
    """A parsed string column back as an arrow string array (nulls where missing)."""
    codes = pa.array(p.values, type=pa.int32(), mask=p.values < 0)
    return pa.DictionaryArray.from_arrays(codes, pa.array(p.uniques, type=pa.string())).dictionary_decode()


def _among(values: np.ndarray, allowed: Sequence[Any]) -> np.ndarray:
    """``np.isin(values, allowed)``; for a short list one comparison per allowed value
    (a sort of tens of millions of panel rows costs more than a few passes)."""
    if len(allowed) > 16:
        return np.isin(values, np.asarray(allowed))
    out = np.zeros(values.shape, dtype=bool)
    for a in allowed:
        out |= values == a
    return out
