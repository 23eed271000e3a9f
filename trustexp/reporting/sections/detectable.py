"""The report section ``detectable``: what this trial could detect, next to what it found."""

from __future__ import annotations

from typing import Any

from trustexp.disclosure import Withheld
from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import (
    POOLED,
    Context,
    _effect_cell,
    _finite,
    _records,
)

#: The statistics the section shows: a row is withheld when one of them is.
_SHOWN = ("mde", "mde_observed", "estimate", "ci_low", "ci_high")


def _detectable(c: Context) -> dict[str, Any]:
    loc = c.loc
    recs = _records(c.frame("design"))
    if not recs:
        return c.na("detectable.none")
    by = {(str(r["site"]), str(r["outcome"]), str(r["arm"])): r for r in recs}
    sites = sorted({str(r["site"]) for r in recs} - {POOLED})
    tables: list[Any] = []
    for site in [POOLED, *sites]:
        caption = (loc.t("detectable.caption") if site == POOLED
                   else loc.t("detectable.caption_site", site=site))
        tb = c.table(f"detectable-{len(tables) + 1}", caption,
                     [loc.t("effects.arm"), loc.t("detectable.n_arm"), loc.t("detectable.level"),
                      loc.t("detectable.mde"), loc.t("detectable.mde_observed"),
                      loc.t("effects.estimate"), loc.t("effects.ci", level=c.level)])
        tb.group_column = loc.t("effects.outcome")
        for oid in c.outcome_order():
            rows = [by.get((site, oid, a)) for a in c.treatment_ids]
            if not any(rows):
                continue
            unit = c.unit(oid)
            tb.group(c.outcome_label(oid))
            for arm, r in zip(c.treatment_ids, rows, strict=True):
                if r is None:
                    continue
                hide = any(isinstance(r.get(k), Withheld) for k in _SHOWN)
                tb.add(tb.text(c.arm_label(arm)), tb.count(r.get("n_arm")),
                       tb.number(r.get("alpha"), 4),
                       _effect_cell(c, tb, unit, r.get("mde"), hide),
                       _effect_cell(c, tb, unit, r.get("mde_observed"), hide),
                       _effect_cell(c, tb, unit, r.get("estimate"), hide),
                       tb.interval(r.get("ci_low"), r.get("ci_high"), unit.digits,
                                   scale=unit.scale, withheld=hide))
        tables.append(c.add_table(tb))
    first = recs[0]
    power = float(first["power"]) if _finite(first.get("power")) else 0.8
    level = level_sentence(loc, recs, c.cfg.analysis.multiple_testing, power)
    return {"intro": loc.t("detectable.intro", power=round(100 * power), level=level),
            "note": loc.t("detectable.note"), "tables": tables}


def level_sentence(loc: Any, records: Any, method: str, power: float) -> str:
    """Which method gave the MDE: Holm's first step, no correction, or a simulation."""
    from trustexp.planning.multiplicity import DRAWS

    kinds = {str(r.get("mde_method") or "") for r in records}
    if method == "none":
        return str(loc.t("detectable.level_none"))
    name = loc.t(f"method.{method}")
    if method == "holm" or not any(k.startswith("simulated") for k in kinds):
        return str(loc.t("detectable.level_holm") if method == "holm"
                   else loc.t("detectable.level_bound", method=name))
    corr = {str(r.get("mde_correlation") or "") for r in records} - {""}
    which = ("detectable.correlation_observed" if corr == {"observed"}
             else "detectable.correlation_independent")
    worst = 0.0
    for r in records:
        m, e = r.get("mde_mcse"), r.get("mde")
        if _finite(m) and _finite(e) and float(e) != 0:
            worst = max(worst, abs(float(m) / float(e)))
    return str(loc.t("detectable.level_simulated", method=name, draws=loc.integer(DRAWS),
                     correlation=loc.t(which),
                     power=round(100 * power), mcse=loc.number(max(100 * worst, 0.01), 2)))


register_section(Section("detectable", 75, _detectable))
