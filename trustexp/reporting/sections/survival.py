"""The report section ``survival``: time to exit as survival, with Kaplan-Meier curves."""

from __future__ import annotations

from typing import Any

from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import POOLED, Context, _finite, _records
from trustexp.reporting.timing_figures import KMSeries, km_chart


def _value(x: Any) -> float | None:
    return float(x) if _finite(x) else None


def _survival(c: Context) -> dict[str, Any]:
    loc = c.loc
    eff = c.frame("survival")
    curves = c.frame("survival_curves")
    if eff.empty:
        return c.na("survival.none")
    recs = [r for r in _records(eff) if str(r["site"]) == POOLED]
    crecs = [r for r in _records(curves) if str(r["site"]) == POOLED] if not curves.empty else []
    risk = c.frame("survival_at_risk")
    rrecs = [r for r in _records(risk) if str(r["site"]) == POOLED] if not risk.empty else []
    outcomes = []
    for oi, oid in enumerate(dict.fromkeys(str(r["outcome"]) for r in recs), start=1):
        rows = [r for r in recs if str(r["outcome"]) == oid]
        label = c.outcome_label(oid)
        cols = [loc.t("effects.arm"), loc.t("survival.rmst_arm"), loc.t("survival.rmst_control"),
                loc.t("survival.difference"), loc.t("survival.ci", level=c.level),
                loc.t("survival.hr"), loc.t("survival.ci", level=c.level),
                loc.t("survival.p_cox"), loc.t("survival.p_logrank"), loc.t("survival.events"),
                loc.t("survival.events_control")]
        tb = c.table(f"survival-{oi}", loc.t("survival.caption", outcome=label), cols)
        for r in rows:
            hide = c.withheld(r)
            tb.add(tb.text(c.arm_label(r["arm"])),
                   tb.number(r.get("rmst_arm"), 2, withheld=hide),
                   tb.number(r.get("rmst_control"), 2, withheld=hide),
                   tb.number(r.get("estimate"), 2, sign=True, withheld=hide),
                   tb.interval(r.get("ci_low"), r.get("ci_high"), 2, withheld=hide),
                   tb.number(r.get("hazard_ratio"), 2, withheld=hide),
                   tb.interval(r.get("hr_ci_low"), r.get("hr_ci_high"), 2, withheld=hide),
                   tb.p(r.get("hr_p_value"), withheld=hide),
                   tb.p(r.get("logrank_p_value"), withheld=hide),
                   tb.count(r.get("n_events")), tb.count(r.get("n_events_control")))
        series = []
        for arm in [c.control, *c.treatment_ids]:
            pts = sorted((r for r in crecs if str(r["outcome"]) == oid and str(r["arm"]) == arm),
                         key=lambda r: int(r["month"]))
            if not pts:
                continue
            at_risk = tuple((int(r["month"]), tb.count(r.get("n_at_risk")).text)
                            for r in sorted((r for r in rrecs if str(r["outcome"]) == oid
                                             and str(r["arm"]) == arm),
                                            key=lambda r: int(r["month"])))
            series.append(KMSeries(
                c.arm_label(arm), c.style(arm),
                tuple((int(r["month"]), _value(r.get("survival")), _value(r.get("ci_low")),
                       _value(r.get("ci_high"))) for r in pts), at_risk))
        canvas = km_chart(series, x_label=loc.t("survival.month"), y_label=loc.t("survival.share"),
                          risk_label=loc.t("survival.at_risk"), fmt_tick=c.tick)
        ends = [f"{s.label}: {loc.percent(s.points[-1][1], 0)}" for s in series
                if s.points and _finite(s.points[-1][1])]
        figure = c.add_figure(f"fig-survival-{oi}", loc.t("survival.figure", outcome=label,
                                                           level=c.level),
                              loc.t("survival.desc", items="; ".join(ends)), canvas)
        outcomes.append({"title": label, "table": c.add_table(tb), "figure": figure})
    return {"intro": loc.t("survival.intro"), "method": loc.t("survival.method"),
            "outcomes": outcomes}


register_section(Section("survival", 74, _survival))
