"""The report section ``sites``."""

from __future__ import annotations

from typing import Any

from trustexp.reporting.figures import (
    CoefRow,
    forest_plot,
)
from trustexp.reporting.i18n import DASH
from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import (
    POOLED,
    Context,
    _coef_row,
    _effect_cells,
    _effect_columns,
    _finite,
    _hidden_note,
    _needs_unit,
    _records,
)


def _sites(c: Context) -> dict[str, Any]:
    loc = c.loc
    eff = c.effects
    if eff.empty:
        return c.na("effects.none")
    site_names = sorted({str(s) for s in eff["site"].tolist()} - {POOLED})
    if len(site_names) <= 1:
        names = c.site_names() or site_names
        return c.na("sites.single", site=names[0] if names else DASH)
    recs = _records(eff)
    by = {(str(r["site"]), str(r["outcome"]), str(r["arm"])): r for r in recs}
    has_ri = any(_finite(r.get("p_value_ri")) for r in recs)
    outcomes = []
    for oi, oid in enumerate(c.outcome_order(), start=1):
        unit = c.unit(oid)
        label = c.outcome_label(oid)
        cols = [*_effect_columns(c, loc.t("sites.site"), has_ri),
                loc.t("balance.n_arm"), loc.t("balance.n_control")]
        tb = c.table(f"sites-{oi}", loc.t("sites.caption", outcome=label), cols)
        tb.group_column = loc.t("effects.arm")
        rows: list[CoefRow] = []
        desc = []
        for arm in c.treatment_ids:
            arm_rows = []
            tb.group(c.arm_label(arm))
            for site in [*site_names, POOLED]:
                r = by.get((site, oid, arm))
                if r is None:
                    continue
                hide = c.withheld(r)
                cells = _effect_cells(c, tb, unit, r, c.site_label(site), hide, has_ri)
                cells += [tb.count(r.get("n_arm")), tb.count(r.get("n_control"))]
                tb.add(*cells)
                arm_rows.append(_coef_row(c, r, unit, c.site_label(site), c.style(arm), hide,
                                          pooled=site == POOLED))
                row = arm_rows[-1]
                desc.append(f"{c.arm_label(arm)}, {c.site_label(site)}: {row.text}")
            if arm_rows:
                rows.append(CoefRow(c.arm_label(arm), None, None, None, "", heading=True))
                rows.extend(arm_rows)
        if not rows:
            continue
        title = label + (f" ({unit.title(loc)})" if _needs_unit(label, unit, loc) else "")
        canvas = forest_plot(rows, c.tick)
        caption = loc.t("sites.figure", outcome=title, level=c.level) + _hidden_note(c, rows)
        figure = c.add_figure(f"fig-sites-{oi}", caption,
                              loc.t("sites.desc", outcome=label, items="; ".join(desc)), canvas)
        outcomes.append({"title": label, "figure": figure, "table": c.add_table(tb)})
    return {"intro": loc.t("sites.intro"), "outcomes": outcomes}


register_section(Section("sites", 80, _sites))
