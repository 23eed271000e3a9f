"""The report section ``paths``: effects month by month, with pointwise intervals and bands."""

from __future__ import annotations

from typing import Any

from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import POOLED, Context, _finite, _records
from trustexp.reporting.timing_figures import PathPanel, PathPoint, path_chart


def _value(x: Any) -> float | None:
    return float(x) if _finite(x) else None


def _paths(c: Context) -> dict[str, Any]:
    loc = c.loc
    frame = c.frame("paths")
    if frame.empty:
        return c.na("paths.none")
    recs = [r for r in _records(frame) if str(r["site"]) == POOLED]
    if not recs:
        return c.na("paths.none")
    raw = c.cfg.raw.get("paths", {}) if hasattr(c.cfg, "raw") else {}
    treatment = raw.get("treatment_months") if hasattr(raw, "get") else None
    figures = []
    series_order = list(dict.fromkeys(str(r["series"]) for r in recs))
    for si, series in enumerate(series_order, start=1):
        rows = [r for r in recs if str(r["series"]) == series]
        euro = str(rows[0].get("unit")) == "euro"
        name = series
        for key in ("on_benefit", "employed", "work_off_benefit", "work_on_benefit", "earnings"):
            if series == key or series.startswith(key + "_"):
                name = loc.t(f"paths.series.{key}")
                rest = series[len(key):].lstrip("_")
                if rest.endswith("h"):
                    name += " " + loc.t("paths.hours", hours=rest[:-1])
                break
        panels = []
        items = []
        for arm in c.treatment_ids:
            pts = sorted((r for r in rows if str(r["arm"]) == arm), key=lambda r: int(r["month"]))
            if not pts:
                continue
            points = tuple(PathPoint(int(r["month"]), _value(r.get("estimate")),
                                     _value(r.get("ci_low")), _value(r.get("ci_high")),
                                     _value(r.get("band_low")), _value(r.get("band_high")))
                           for r in pts)
            panels.append(PathPanel(c.arm_label(arm), c.style(arm), points))
            outside = [p.month for p in points if p.band_low is not None
                       and p.band_high is not None and (p.band_low > 0 or p.band_high < 0)]
            items.append(loc.t("paths.desc_item", arm=c.arm_label(arm),
                               months=", ".join(str(m) for m in outside) if outside
                               else loc.t("paths.desc_none")))
        if not panels:
            continue
        unit = loc.t("paths.unit_euro") if euro else loc.t("paths.unit_pp")
        canvas = path_chart(
            panels, treatment_months=int(treatment) if treatment is not None else None,
            x_label=loc.t("monthly.month"), y_label=unit, in_label=loc.t("paths.in_trial"),
            after_label=loc.t("paths.after_trial"),
            legend=(loc.t("paths.estimate"), loc.t("paths.pointwise", level=c.level),
                    loc.t("paths.band", level=c.level)),
            scale=1.0 if euro else 100.0, fmt_tick=c.tick)
        caption = loc.t("paths.figure", series=name, level=c.level)
        desc = loc.t("paths.desc", series=name.lower(), items="; ".join(items))
        figures.append(c.add_figure(f"fig-paths-{si}", caption, desc, canvas))
    if not figures:
        return c.na("paths.none")
    crit = [float(r["critical"]) for r in recs if _finite(r.get("critical"))]
    return {"intro": loc.t("paths.intro", level=c.level),
            "method": loc.t("paths.method", critical=loc.number(max(crit), 2) if crit else "?"),
            "figures": figures}


register_section(Section("paths", 72, _paths))
