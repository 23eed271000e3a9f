"""The report section ``validation``."""

from __future__ import annotations

from typing import Any

from trustexp.reporting.i18n import DASH
from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import (
    Context,
    _basename,
    _count_text,
    _records,
    _table_order,
)


def _validation(c: Context) -> dict[str, Any]:
    loc = c.loc
    trial = c.trial
    report = trial.validation
    errors = tuple(getattr(report, "errors", ()) or ())
    files = dict(getattr(report, "files", {}) or getattr(trial, "files", {}) or {})
    recs = _records(c.frame("validation"))
    rows = {r["table"]: r["n"] for r in recs if r["kind"] == "rows"}
    warnings = [r for r in recs if r["kind"] == "warning"]
    total = next((r["n"] for r in recs if r["kind"] == "warnings"), 0)
    rt = c.table("validation-tables", loc.t("validation.rows_caption"),
                 [loc.t("validation.table"), loc.t("validation.file"), loc.t("validation.rows")])
    for name in sorted(set(files) | set(rows), key=_table_order):
        path = files.get(name)
        rt.add(rt.text(name), rt.text(_basename(path)),
               rt.count(rows.get(name)) if name in rows else rt.text(None))
    warn_table = None
    if warnings:
        wt = c.table("validation-warnings", loc.t("validation.warnings_caption"),
                     [loc.t("validation.table"), loc.t("validation.column"),
                      loc.t("validation.rule"), loc.t("validation.count")])
        for r in warnings:
            wt.add(wt.text(r["table"]), wt.text(r["column"] or DASH), wt.text(r["rule"]),
                   wt.count(r["n"]))
        warn_table = c.add_table(wt)
    return {
        "ok": loc.t("validation.ok", errors=loc.integer(len(errors)),
                    warnings=_count_text(c, total)),
        "tables": c.add_table(rt),
        "warnings": warn_table,
        "no_warnings": loc.t("validation.no_warnings"),
        "privacy": loc.t("validation.privacy"),
    }


register_section(Section("validation", 40, _validation))
