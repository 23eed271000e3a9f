"""The report section ``subgroups``: effects for whom, and whether they differ."""

from __future__ import annotations

from typing import Any

from trustexp.analysis.declared import subgroups
from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import Context, _effect_cell, _finite, _records
from trustexp.reporting.sections.margins import hidden

_SHOWN = ("estimate", "ci_low", "ci_high", "p_value", "p_adjusted", "p_value_ri", "statistic")


def _group_label(c: Context, group: str) -> str:
    return group.replace(">=", "\u2265").replace("<", "<")


def _subgroups(c: Context) -> dict[str, Any]:
    loc = c.loc
    declared = subgroups(c.cfg)
    if not declared:
        return c.na("subgroups.none")
    recs = _records(c.frame("subgroups"))
    if not recs:
        return c.na("subgroups.none")
    has_ri = any(_finite(r.get("p_value_ri")) for r in recs)
    blocks = []
    for si, sub in enumerate(declared, start=1):
        mine = [r for r in recs if r["subgroup"] == sub.id]
        if not mine:
            continue
        title = sub.display_label(loc.lang)
        status = loc.t("subgroups.exploratory" if sub.exploratory else "subgroups.predeclared")
        cols = [loc.t("subgroups.group"), loc.t("effects.estimate"), loc.t("effects.ci", level=c.level),
                loc.t("effects.p"), loc.t("subgroups.p_adjusted")]
        if has_ri:
            cols.append(loc.t("effects.p_ri"))
        cols += [loc.t("balance.n_arm"), loc.t("balance.n_control")]
        tb = c.table(f"subgroups-{si}", loc.t("subgroups.caption", subgroup=title, status=status), cols)
        tb.group_column = loc.t("subgroups.outcome_arm")
        for oid in c.outcome_order():
            unit = c.unit(oid)
            for arm in c.treatment_ids:
                rows = [r for r in mine if r["outcome"] == oid and r["arm"] == arm]
                if not rows:
                    continue
                tb.group(f"{c.outcome_label(oid)}: {c.arm_label(arm)}")
                for r in rows:
                    hide = hidden(r, _SHOWN)
                    if r["term"] == "effect":
                        cells = [tb.text(_group_label(c, str(r["group"]))),
                                 _effect_cell(c, tb, unit, r.get("estimate"), hide),
                                 tb.interval(r.get("ci_low"), r.get("ci_high"), unit.digits,
                                             scale=unit.scale, withheld=hide),
                                 tb.p(r.get("p_value"), withheld=hide), tb.text("")]
                        if has_ri:
                            cells.append(tb.text(""))
                    else:
                        two = _finite(r.get("estimate")) or hide
                        name = loc.t("subgroups.difference" if two else "subgroups.interaction_f",
                                     f=loc.number(r["statistic"], 2) if _finite(r.get("statistic"))
                                     and not hide else "")
                        cells = [tb.text(name),
                                 _effect_cell(c, tb, unit, r.get("estimate"), hide) if two else tb.text(""),
                                 tb.interval(r.get("ci_low"), r.get("ci_high"), unit.digits,
                                             scale=unit.scale, withheld=hide) if two else tb.text(""),
                                 tb.p(r.get("p_value"), withheld=hide),
                                 tb.p(r.get("p_adjusted"), withheld=hide)]
                        if has_ri:
                            cells.append(tb.p(r.get("p_value_ri"), withheld=hide))
                    cells += [tb.count(r.get("n_arm")), tb.count(r.get("n_control"))]
                    tb.add(*cells)
        blocks.append({"title": f"{title} ({status})", "table": c.add_table(tb)})
    any_exploratory = any(s.exploratory for s in declared)
    notes = [loc.t("subgroups.intro"), loc.t("subgroups.caution")]
    if any_exploratory:
        notes.append(loc.t("subgroups.exploratory_note"))
    if has_ri:
        notes.append(loc.t("subgroups.ri_note"))
    return {"notes": notes, "blocks": blocks}


register_section(Section("subgroups", 85, _subgroups))
