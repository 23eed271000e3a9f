"""Who took part, and what the validation found: the counts at the start of a report.

``allocation``
    Persons per site and arm (reference groups included), pooled over the
    sites as ``site = "all"``, and per site the randomised persons together
    (``arm = "*"``) with the period of randomisation: the first and the last
    calendar month in which at least ``[analysis] min_cell`` persons were
    randomised there (never a person's own date).
``validation``
    The rows of each table, and the warnings of the validation per table,
    column and rule (``kind`` ``"rows"`` or ``"warning"``), with the total of
    the warnings (``kind = "warnings"``).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from trustexp.analysis import groups
from trustexp.analysis.samples import POOLED
from trustexp.frames import (
    Fact,
    FrameFacts,
    FrameSpec,
    Inputs,
    Relation,
    count,
    key,
    register,
    statistic,
    typed_frame,
)

__all__ = ["ALLOCATION", "VALIDATION"]


def _period(months: np.ndarray, min_cell: int) -> tuple[str | None, str | None]:
    """First and last month (``year * 12 + month - 1``) with at least ``min_cell`` persons."""
    values, counts = np.unique(months, return_counts=True)
    full = values[counts >= max(min_cell, 1)]
    if full.size == 0:
        return None, None
    return _month_text(int(full[0])), _month_text(int(full[-1]))


def _month_text(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def _build_allocation(inp: Inputs) -> pd.DataFrame:
    parts = inp.trial.participants
    alloc = groups.allocated(inp)
    dates = pd.DatetimeIndex(pd.to_datetime(parts["randomised_on"], errors="coerce"))
    known = ~np.asarray(dates.isna())
    months = np.where(known, dates.year.to_numpy(dtype=float) * 12 + dates.month.to_numpy(
        dtype=float) - 1, -1).astype(np.int64)
    randomised = parts["arm"].astype("str").isin(
        [a.id for a in inp.config.randomised_arms]).to_numpy() & known
    site_names, site_code = np.unique(parts["site"].astype("str").to_numpy(), return_inverse=True)
    names = [POOLED, *map(str, site_names)] if len(inp.sites) else [POOLED]
    rows = []
    for i, s in enumerate(names):
        for a in inp.config.arm_ids:
            rows.append({"site": s, "arm": a, "n": alloc.get(Fact("allocated", s, a), 0),
                         "first_month": None, "last_month": None})
        in_site = randomised if s == POOLED else randomised & (site_code == i - 1)
        first, last = _period(months[in_site], int(inp.config.analysis.min_cell))
        rows.append({"site": s, "arm": "*", "n": alloc.get(Fact("allocated", s, "*"), 0),
                     "first_month": first, "last_month": last})
    return typed_frame(ALLOCATION, rows)


def _allocation_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """Per site, the randomised persons are the sum over the randomised arms."""
    cells, rests, relations = [], [], []
    randomised = tuple(a.id for a in inp.config.randomised_arms)
    for r in groups.rows(frame[["site", "arm"]]):
        f = Fact("allocated", str(r["site"]), str(r["arm"]))
        cells.append({"n": f})
        rests.append((f,) if r["arm"] == "*" else ())
        if r["arm"] == "*":
            relations.append(Relation(f, tuple(Fact("allocated", f.site, a) for a in randomised)))
    return FrameFacts(cells, rests, people=dict(groups.allocated(inp)), relations=relations)


ALLOCATION = register(FrameSpec(
    "allocation", "Persons per site and arm; per site the randomised and the period of randomisation.",
    (key("site"), key("arm", "an arm's id, or '*' for every randomised arm together"),
     count("n"),
     statistic("first_month", "first month with at least min_cell randomised (YYYY-MM)", "str"),
     statistic("last_month", "last month with at least min_cell randomised (YYYY-MM)", "str")),
    _build_allocation, _allocation_facts, order=1))


def _build_validation(inp: Inputs) -> pd.DataFrame:
    report = inp.trial.validation
    rows = []
    for name, n in sorted(dict(getattr(report, "rows", {}) or {}).items()):
        rows.append({"kind": "rows", "table": name, "column": "", "rule": "", "n": int(n)})
    warnings = tuple(getattr(report, "warnings", ()) or ())
    grouped = Counter((p.table, p.column or "", p.rule) for p in warnings)
    for (table, column, rule), n in sorted(grouped.items()):
        rows.append({"kind": "warning", "table": table, "column": column, "rule": rule, "n": n})
    rows.append({"kind": "warnings", "table": "", "column": "", "rule": "", "n": len(warnings)})
    return typed_frame(VALIDATION, rows)


def _validation_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """Rows of the participants table: every arm's persons; the warnings' total: their sum."""
    cells = []
    warning_facts = []
    total = None
    relations = []
    for r in groups.rows(frame[["kind", "table", "column", "rule"]]):
        f = Fact("validation", POOLED, "*", (r["kind"], r["table"], r["column"], r["rule"]))
        cells.append({"n": f})
        if r["kind"] == "warning":
            warning_facts.append(f)
        elif r["kind"] == "warnings":
            total = f
        elif r["table"] == "participants":
            arms = tuple(Fact("allocated", POOLED, a) for a in inp.config.arm_ids)
            relations.append(Relation(f, arms))
    if total is not None and warning_facts:
        relations.append(Relation(total, tuple(warning_facts)))
    people = {c["n"]: int(n) for c, n in zip(cells, frame["n"].to_numpy(dtype=np.int64),
                                               strict=True)}
    return FrameFacts(cells, people=people, relations=relations)


VALIDATION = register(FrameSpec(
    "validation", "Rows of each table and the validation warnings per table, column and rule.",
    (key("kind", "'rows', 'warning' or 'warnings' (their total)"), key("table"), key("column"),
     key("rule"), count("n", "rows")),
    _build_validation, _validation_facts, order=2))
