"""The report section ``flow``."""

from __future__ import annotations

from typing import Any

from trustexp.reporting.figures import (
    FlowBox,
    FlowColumn,
    flow_diagram,
)
from trustexp.reporting.i18n import DASH
from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import (
    Context,
    _arm_text,
    _count_text,
    _finite,
    _pooled,
    _pooled_counts,
    _records,
)


def _flow(c: Context) -> dict[str, Any]:
    loc = c.loc
    flow = c.frame("flow")
    n_by_arm = _pooled_counts(c)
    recs = _records(_pooled(flow))
    by = {(str(r["arm"]), str(r["outcome"])): r for r in recs}
    received = {str(r["arm"]): r for r in _records(_pooled(c.frame("takeup")))}
    columns = []
    arm_ids = [a.id for a in c.cfg.randomised_arms] + c.reference_ids
    for arm in arm_ids:
        n = n_by_arm.get(arm)
        if n is None:
            ns = [r["n_randomised"] for (a, _), r in by.items() if a == arm]
            n = max(ns) if ns else 0
        reference = arm in c.reference_ids
        lines = [f"{loc.t('flow.allocated')}: {_count_text(c, n)}"]
        if arm in received:
            r = received[arm]
            lines.append(f"\t{loc.t('flow.received')}: {_count_text(c, r.get('n_received'))}")
            lines.append(f"\t{loc.t('flow.not_received')}: "
                         f"{_count_text(c, r.get('n_not_received'))}")
        if reference:
            lines = [loc.t("doc.not_randomised"), f"n = {_count_text(c, n)}"]
        lost_lines, analysed_lines = [], []
        for fam, outcomes in c.cfg.families.items():
            fam_recs = [by[(arm, o.id)] for o in outcomes if (arm, o.id) in by]
            if not fam_recs:
                continue
            analysed_lines.append(f"{fam}: {_range(c, [r['n_analysed'] for r in fam_recs])}")
            lost_lines.append(f"{fam}: {_range(c, [r['n_missing'] for r in fam_recs])}")
            lost_lines.append("\t" + _reason(c, [o.source for o in outcomes]))
        boxes = ((FlowBox(loc.t("flow.lost"), tuple(lost_lines)),
                  FlowBox(loc.t("flow.analysed"), tuple(analysed_lines)))
                 if analysed_lines else ())
        columns.append(FlowColumn(FlowBox(c.arm_label(arm), tuple(lines)), boxes,
                                  style=c.style(arm), reference=reference))
    n_total = n_by_arm.get("*", 0)
    top = FlowBox(f"{loc.t('flow.randomised')}: {_count_text(c, n_total)}")
    canvas = flow_diagram(top, columns, reference_label=loc.t("flow.reference") + " ("
                          + loc.t("doc.not_randomised") + ")")
    desc = loc.t(
        "flow.desc",
        n=_count_text(c, n_total),
        arms="; ".join(loc.t("flow.desc_arm", arm=c.arm_label(a), n=_count_text(c, n_by_arm.get(a, 0)))
                       for a in arm_ids),
    )
    figure = c.add_figure("fig-flow", loc.t("flow.figure"), desc, canvas)

    table_arms = [a for a in arm_ids
                  if a not in c.reference_ids or any(k[0] == a for k in by)]
    tb = c.table("flow", loc.t("flow.caption"),
                 [loc.t("flow.outcome"), *[_arm_text(c, a) for a in table_arms]])
    tb.group_column = loc.t("flow.status")
    tb.group(None)
    tb.add(tb.text(loc.t("flow.n_allocated")), *[tb.count(n_by_arm.get(a, 0)) for a in table_arms])
    for key, column in (("flow.n_analysed", "n_analysed"), ("flow.n_missing", "n_missing")):
        tb.group(loc.t(key))
        for oid in c.outcome_order():
            if not any((a, oid) in by for a in table_arms):
                continue
            tb.add(tb.text(c.outcome_label(oid)),
                   *[tb.count(by[(a, oid)].get(column)) if (a, oid) in by else tb.text(None)
                     for a in table_arms])
    return {"intro": loc.t("flow.intro"), "figure": figure, "table": c.add_table(tb),
            "reference": bool(c.reference_ids)}


def _reason(c: Context, sources: list[str]) -> str:
    """Why outcome data are missing, as far as the sources tell: no survey answer, or no
    register record; unknown for outcomes of mixed sources."""
    kinds = {"flow.reason_survey" if s == "survey" else "flow.reason_register" for s in sources}
    return c.loc.t(kinds.pop() if len(kinds) == 1 else "flow.reason_unknown")


def _range(c: Context, values: list[Any]) -> str:
    nums = sorted({int(v) for v in values if _finite(v)})
    if not nums:
        return DASH
    lo, hi = _count_text(c, nums[0]), _count_text(c, nums[-1])
    return lo if lo == hi else f"{lo}\u2013{hi}"


register_section(Section("flow", 30, _flow))
