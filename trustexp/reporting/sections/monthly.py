"""The report section ``monthly``."""

from __future__ import annotations

from typing import Any

from trustexp.reporting.figures import (
    Series,
    monthly_chart,
)
from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import (
    Context,
    _arm_text,
    _finite,
    _pooled,
    _records,
)


def _monthly(c: Context) -> dict[str, Any]:
    loc = c.loc
    curves = _pooled(c.frame("monthly_curves"))
    if curves.empty:
        return c.na("monthly.none")
    recs = _records(curves)
    arm_ids = [a.id for a in c.cfg.randomised_arms] + c.reference_ids
    present = {str(r["arm"]) for r in recs}
    figures = []
    for key, column in (("monthly.on_benefit", "share_on_benefit"),
                        ("monthly.employed", "share_employed")):
        if column not in curves.columns:
            continue
        series = []
        items = []
        for arm in arm_ids:
            if arm not in present:
                continue
            pts = []
            for r in sorted((r for r in recs if str(r["arm"]) == arm), key=lambda r: r["month"]):
                v = r.get(column)
                if not _finite(v):
                    v = None
                pts.append((int(r["month"]), v))
            label = _arm_text(c, arm)
            series.append(Series(label, c.style(arm), tuple(pts)))
            shown = [v for _, v in pts if v is not None]
            if shown:
                items.append(loc.t("monthly.desc_item", arm=label, start=loc.percent(shown[0], 0),
                                   end=loc.percent(shown[-1], 0)))
        months = [m for s in series for m, _ in s.points]
        if not series or not months:
            continue
        measure = loc.t(key)
        canvas = monthly_chart(series, x_label=loc.t("monthly.month"),
                               y_label=loc.t("monthly.share"),
                               zero_label=loc.t("monthly.randomisation"), fmt_tick=c.tick)
        desc = loc.t("monthly.desc", measure=measure.lower(), first=min(months), last=max(months),
                     items="; ".join(items))
        figures.append(c.add_figure(f"fig-monthly-{column.replace('_', '-')}",
                                    loc.t("monthly.figure", measure=measure), desc, canvas))
    if not figures:
        return c.na("monthly.none")
    return {"intro": loc.t("monthly.intro", min_cell=c.dc.min_cell), "figures": figures,
            "reference": any(a in present for a in c.reference_ids)}


register_section(Section("monthly", 90, _monthly))
