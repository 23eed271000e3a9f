"""The report section ``attrition``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import (
    POOLED,
    Context,
    _arm_text,
    _df_text,
    _effect_cell,
    _finite,
    _pooled,
    _records,
    _rows_by_outcome,
    _sort_by_outcome_and_arm,
    _wave_text,
)
from trustexp.reporting.sections.balance import _test_p
from trustexp.reporting.tables import Cell, TableBuilder
from trustexp.reporting.units import Unit


def _attrition(c: Context) -> dict[str, Any]:
    loc = c.loc
    resp = c.frame("response")
    if resp.empty:
        return c.na("attrition.none")
    pooled = _pooled(resp)
    arm_pos = {a: i for i, a in enumerate(c.cfg.arm_ids)}
    recs = _records(pooled)
    recs.sort(key=lambda r: (r.get("wave") or 0, arm_pos.get(str(r.get("arm")), 99)))
    tb = c.table("response", loc.t("attrition.caption"),
                 [loc.t("attrition.arm"), loc.t("attrition.n_randomised"),
                  loc.t("attrition.n_responded"), loc.t("attrition.rate")])
    tb.group_column = loc.t("attrition.wave")
    current = object()
    for r in recs:
        if r.get("wave") != current:
            current = r.get("wave")
            tb.group(loc.t("attrition.wave_title", wave=_wave_text(c, current)))
        hide = c.withheld(r)
        rate = tb.number(r.get("rate"), 1, scale=100, suffix="%", withheld=hide)
        tb.add(tb.text(_arm_text(c, str(r.get("arm")))),
               tb.count(r.get("n_randomised")), tb.count(r.get("n_responded")), rate)
    tests = _records(c.frame("attrition_tests"))
    tests.sort(key=lambda r: (str(r.get("site")) != POOLED, str(r.get("site")), r.get("wave") or 0))
    tt = c.table("attrition-tests", loc.t("attrition.tests_caption"),
                 [loc.t("attrition.site"), loc.t("attrition.wave"), loc.t("balance.statistic"),
                  loc.t("balance.df"), loc.t("balance.p")])
    for r in tests:
        tt.add(tt.text(c.site_label(r.get("site"))), tt.text(_wave_text(c, r.get("wave"))),
               tt.number(r.get("statistic"), 2), tt.text(_df_text(c, r)),
               _test_p(c, tt, r, c.withheld(r)))
    lee = _records(_pooled(c.frame("lee_bounds")))
    lee_table = None
    if lee:
        _sort_by_outcome_and_arm(c, lee)
        lt = c.table("lee-bounds", loc.t("attrition.lee_caption"),
                     [loc.t("attrition.arm"), loc.t("attrition.lower"),
                      loc.t("attrition.upper"), loc.t("attrition.lee_ci", level=c.level),
                      loc.t("attrition.trimming"),
                      loc.t("attrition.trimmed_group"), loc.t("balance.n")])
        lt.group_column = loc.t("attrition.outcome")
        for r, unit, hide in _rows_by_outcome(c, lt, lee):
            group = str(r.get("trimmed_group") or "")
            if group in ("treated", "control", "mixed"):
                group_text = loc.t(f"attrition.trimmed.{group}")
            else:
                group_text = c.arm_label(group) if group in c.cfg.arm_ids else group
            lt.add(lt.text(c.arm_label(r.get("arm"))),
                   _effect_cell(c, lt, unit, r.get("lower"), hide),
                   _effect_cell(c, lt, unit, r.get("upper"), hide),
                   _lee_interval(c, lt, unit, r, hide),
                   lt.number(r.get("trimming_share"), 1, scale=100, suffix="%", withheld=hide),
                   lt.text(group_text or None), lt.count(r.get("n")))
        lee_table = c.add_table(lt)
    return {"intro": loc.t("attrition.intro"), "table": c.add_table(tb),
            "tests": c.add_table(tt) if tests else None, "lee": lee_table}


def _lee_interval(c: Context, tb: TableBuilder, unit: Unit, r: Mapping[str, Any],
                  hide: bool) -> Cell:
    """The Imbens-Manski interval of a Lee bounds row, as "low to high"."""
    lo = _effect_cell(c, tb, unit, r.get("ci_low"), hide)
    hi = _effect_cell(c, tb, unit, r.get("ci_high"), hide)
    if hide or not (_finite(r.get("ci_low")) and _finite(r.get("ci_high"))):
        return tb.text(None)
    return tb.text(f"{lo.text} – {hi.text}")


register_section(Section("attrition", 60, _attrition))
