"""The report section ``balance``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from trustexp.disclosure import Withheld
from trustexp.reporting.i18n import DASH
from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import (
    POOLED,
    Context,
    _count_text,
    _df_text,
    _finite,
    _pooled,
    _records,
)
from trustexp.reporting.tables import Cell, TableBuilder


def _balance(c: Context) -> dict[str, Any]:
    loc = c.loc
    bal = _pooled(c.frame("balance"))
    if bal.empty or not c.cfg.analysis.covariates:
        return c.na("balance.none")
    recs = _records(bal)
    order = {cov: i for i, cov in enumerate(c.cfg.analysis.covariates)}
    arm_pos = {a: i for i, a in enumerate(c.cfg.arm_ids)}
    tb, flagged = _table_one(c, recs, order)
    if flagged:
        tb.note(loc.t("balance.flag_note"))
    missing = _covariate_missing(c, recs)
    if missing:
        tb.note(loc.t("balance.missing_note", items=missing))
    tests = _records(c.frame("balance_tests"))
    tt = c.table("balance-tests", loc.t("balance.tests_caption"),
                 [loc.t("balance.site"), loc.t("balance.arm"), loc.t("balance.statistic"),
                  loc.t("balance.df"), loc.t("balance.p"), loc.t("balance.n")])
    tests.sort(key=lambda r: (str(r.get("site")) != POOLED, str(r.get("site")),
                              arm_pos.get(str(r.get("arm")), 99)))
    for r in tests:
        hide = c.withheld(r)
        tt.add(tt.text(c.site_label(r.get("site"))), tt.text(c.arm_label(r.get("arm"))),
               tt.number(r.get("statistic"), 2, withheld=hide), tt.text(_df_text(c, r)),
               _test_p(c, tt, r, hide), tt.count(r.get("n")))
    return {"intro": loc.t("balance.intro"), "table": c.add_table(tb),
            "tests": c.add_table(tt) if tests else None}


def _covariate_missing(c: Context, recs: list[dict[str, Any]]) -> str:
    """'leeftijd 32, opleiding <10': missing baseline values per covariate over the arms.

    A total is only shown when every part of it was released (else "x"), so
    that it cannot reveal a withheld count.
    """
    per: dict[str, int | None] = {}
    for r in recs:
        variable = str(r.get("variable") or r["covariate"])
        if variable in per:
            continue
        parts = {str(q["arm"]): q.get("n_missing_arm") for q in recs
                 if str(q.get("variable") or q["covariate"]) == variable}
        parts["__control"] = r.get("n_missing_control")
        if any(isinstance(v, Withheld) for v in parts.values()):
            per[variable] = None
        else:
            per[variable] = sum(int(v or 0) for v in parts.values())
    items = []
    for variable, n in per.items():
        if n is None:
            items.append(f"{c.cfg.column_label(variable, c.loc.lang)} x")
        elif n > 0:
            items.append(f"{c.cfg.column_label(variable, c.loc.lang)} {_count_text(c, n)}")
    return ", ".join(items)


def _test_p(c: Context, tb: TableBuilder, r: Mapping[str, Any], hide: bool) -> Cell:
    """The p-value cell of a balance or attrition test; "not testable" where it is not."""
    if r.get("testable") is False:
        return tb.text(c.loc.t("balance.not_testable"))
    return tb.p(r.get("p_value"), withheld=hide)
def _table_one(c: Context, recs: list[dict[str, Any]],
               order: dict[str, int]) -> tuple[TableBuilder, bool]:
    """Table 1: one row per baseline characteristic, one column per arm (mean (SD)), each
    treatment arm followed by its standardised difference with control; n in the first row."""
    loc = c.loc
    arms = [a for a in c.treatment_ids if any(str(r["arm"]) == a for r in recs)]
    columns = [loc.t("balance.covariate"), c.arm_label(c.control)]
    for a in arms:
        columns += [c.arm_label(a), loc.t("balance.std_diff_short")]
    tb = c.table("balance", loc.t("balance.caption_wide"), columns)
    by = {(str(r["covariate"]), str(r["arm"])): r for r in recs}
    covs = sorted({str(r["covariate"]) for r in recs}, key=lambda v: (order.get(v, 99), v))
    first = {a: next((by[(v, a)] for v in covs if (v, a) in by), None) for a in arms}
    ref = next((r for r in first.values() if r is not None), None)
    n_row = [tb.text("n"), tb.count(ref.get("n_control")) if ref else tb.text(None)]
    for a in arms:
        rec = first[a]
        n_row += [tb.count(rec.get("n_arm")) if rec is not None else tb.text(None), tb.text("")]
    tb.add(*n_row)
    flagged = False
    for v in covs:
        any_rec = next((by[(v, a)] for a in arms if (v, a) in by), {})
        variable = str(any_rec.get("variable") or v)
        level = any_rec.get("level")
        row = [tb.text(c.cfg.column_label(variable, loc.lang)
                       + (f": {level}" if isinstance(level, str) else ""))]
        control = next((by[(v, a)] for a in arms if (v, a) in by), None)
        row.append(_mean_sd(tb, control.get("mean_control"), control.get("sd_control"),
                            c.withheld(control)) if control else tb.text(None))
        for a in arms:
            r = by.get((v, a))
            if r is None:
                row += [tb.text(None), tb.text(None)]
                continue
            hide = c.withheld(r)
            d = r.get("std_diff")
            cell = tb.number(d, 3, withheld=hide)
            if not hide and _finite(d) and abs(d) > 0.1:
                flagged = True
                cell = replace(cell, text=cell.text + "*")
            row += [_mean_sd(tb, r.get("mean_arm"), r.get("sd_arm"), hide), cell]
        tb.add(*row)
    return tb, flagged


def _mean_sd(tb: TableBuilder, mean: Any, sd: Any, hide: bool):
    cell = tb.number(mean, 2, withheld=hide)
    if hide or not _finite(mean):
        return cell
    sd_text = tb.loc.number(sd, 2) if _finite(sd) else DASH
    return replace(cell, text=f"{cell.text} ({sd_text})")


register_section(Section("balance", 50, _balance))
