"""The report section ``effects``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from trustexp.analysis.plan import not_prespecified
from trustexp.reporting.figures import (
    Panel,
    coefficient_plot,
)
from trustexp.reporting.i18n import Locale
from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import (
    Context,
    _coef_row,
    _desc_item,
    _effect_cell,
    _effect_cells,
    _effect_columns,
    _finite,
    _hidden_note,
    _needs_unit,
    _pooled,
    _records,
    _rows_by_outcome,
    _sort_by_outcome_and_arm,
)
from trustexp.reporting.tables import Table


def _effects(c: Context) -> dict[str, Any]:
    loc = c.loc
    pooled = _records(_pooled(c.effects))
    if not pooled:
        return c.na("effects.none")
    by = {(str(r["outcome"]), str(r["arm"])): r for r in pooled}
    has_ri = any(_finite(r.get("p_value_ri")) for r in pooled)
    method = c.cfg.analysis.multiple_testing
    unplanned = not_prespecified(_records(c.frame("deviations")))
    families = []
    for fi, fam in enumerate(c.family_order(), start=1):
        outcomes = sorted(c.cfg.families[fam], key=lambda o: not o.primary)
        cols = [*_effect_columns(c, loc.t("effects.arm"), has_ri),
                loc.t("effects.n"), loc.t("effects.control_mean")]
        tb = c.table(f"effects-{fi}",
                     loc.t("effects.caption", family=c.cfg.family_label(fam, loc.lang)), cols)
        tb.group_column = loc.t("effects.outcome")
        panels = []
        desc_items = []
        unestimable: list[str] = []
        for o in outcomes:
            unit = c.unit(o.id)
            rows = []
            title = o.label_in(loc.lang) + (f" ({loc.t('effects.primary_mark')})" if o.primary else "")
            if o.id in unplanned:
                title += f" ({loc.t('registration.not_prespecified')})"
            if _needs_unit(o.label_in(loc.lang), unit, loc):
                title += f" \u2013 {unit.title(loc)}"
            tb.group(title)
            for arm in c.treatment_ids:
                r = by.get((o.id, arm))
                if r is None:
                    continue
                hide = c.withheld(r)
                cells = _effect_cells(c, tb, unit, r, c.arm_label(arm), hide, has_ri)
                # a share is exported as a proportion: two more decimals than its percentage
                cm = tb.number(r.get("control_mean"),
                               unit.digits + 2 if unit.kind == "pp" else unit.digits,
                               withheld=hide)
                if cm.value is not None:
                    cm = replace(cm, text=unit.mean(loc, r.get("control_mean")))
                cells += [tb.count(r.get("n")), cm]
                tb.add(*cells)
                rows.append(_coef_row(c, r, unit, c.arm_label(arm), c.style(arm), hide))
                if r.get("not_estimable") and not hide:
                    unestimable.append(f"{c.arm_label(arm)}, {o.label_in(loc.lang)}: "
                                       f"{_reason(loc, r['not_estimable'])}")
                desc_items.append(_desc_item(c, r, unit, hide))
            if rows:
                title = o.label_in(loc.lang)
                if _needs_unit(o.label_in(loc.lang), unit, loc):
                    title += f" ({unit.title(loc)})"
                panels.append(Panel(title, tuple(rows)))
        if unestimable:
            tb.note(loc.t("doc.not_estimable_note", items="; ".join(unestimable)))
        table = c.add_table(tb)
        figure = None
        if panels:
            canvas = coefficient_plot(panels, c.tick)
            hidden = _hidden_note(c, [r for p in panels for r in p.rows])
            figure = c.add_figure(
                f"fig-effects-{fi}", loc.t("effects.figure", family=c.cfg.family_label(fam, loc.lang), level=c.level) + hidden,
                loc.t("effects.desc", level=c.level, items="; ".join(desc_items)), canvas)
        families.append({"title": loc.t("effects.family",
                                          family=c.cfg.family_label(fam, loc.lang)), "table": table,
                         "figure": figure})
    intro = loc.t("effects.intro", level=c.level, method=loc.t(f"method.{method}"))
    return {"intro": intro, "families": families, "compliers": _compliers(c)}


def _compliers(c: Context) -> Table | None:
    """Complier (instrumental-variable) effects for arms with a take-up declaration."""
    loc = c.loc
    recs = _records(_pooled(c.frame("compliers")))
    if not recs:
        return None
    _sort_by_outcome_and_arm(c, recs)
    tb = c.table("compliers", loc.t("effects.compliers_caption"),
                 [loc.t("effects.arm"), loc.t("effects.estimate"),
                  loc.t("effects.ci", level=c.level), loc.t("effects.p"), loc.t("effects.n"),
                  loc.t("effects.first_stage"), loc.t("effects.first_stage_f")])
    tb.group_column = loc.t("effects.outcome")
    for r, unit, hide in _rows_by_outcome(c, tb, recs):
        tb.add(tb.text(c.arm_label(r.get("arm"))),
               _effect_cell(c, tb, unit, r.get("estimate"), hide),
               tb.interval(r.get("ci_low"), r.get("ci_high"), unit.digits, scale=unit.scale,
                           withheld=hide),
               tb.p(r.get("p_value"), withheld=hide), tb.count(r.get("n")),
               tb.number(r.get("first_stage"), 1, scale=100, suffix="%", withheld=hide),
               tb.number(r.get("first_stage_f"), 1, withheld=hide))
    return c.add_table(tb)


def _reason(loc: Locale, reason: str) -> str:
    """The report's words for a reason of :data:`~trustexp.analysis._degenerate.REASONS`."""
    from trustexp.analysis._degenerate import REASONS

    code = next((k for k, v in REASONS.items() if v == reason), None)
    return loc.t(f"reason.{code}") if code else reason


register_section(Section("effects", 70, _effects))
