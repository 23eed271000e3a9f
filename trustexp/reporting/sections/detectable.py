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
    _needs_unit,
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
    compact = _shown_per_site(c, recs)
    for site in [] if compact else [POOLED, *sites]:
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
    if compact:
        tables.append(_per_site(c, by, [POOLED, *sites]))
    first = recs[0]
    power = float(first["power"]) if _finite(first.get("power")) else 0.8
    level = level_sentence(loc, recs, c.cfg.analysis.multiple_testing, power)
    return {"intro": loc.t("detectable.intro", power=round(100 * power), level=level),
            "note": loc.t("detectable.note"), "tables": tables}


#: At most this many sites go side by side in one table of minimum detectable effects.
MAX_SITE_COLUMNS = 4


def _same(a: Any, b: Any) -> bool:
    """Whether two released values show the same: both withheld, both missing or equal."""
    if isinstance(a, Withheld) or isinstance(b, Withheld):
        return isinstance(a, Withheld) and isinstance(b, Withheld)
    if _finite(a) and _finite(b):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    return not _finite(a) and not _finite(b)


def _shown_per_site(c: Context, recs: list[dict[str, Any]]) -> bool:
    """Whether all sites may share one table that shows only their MDEs.

    That is so when the other numbers of a row (group size, estimate and interval)
    are shown, the same, in the section on effects per site (all sites together too),
    and every site's test level is that of all sites: then nothing is lost.
    """
    sites = {str(r["site"]) for r in recs} - {POOLED}
    if not 2 <= len(sites) <= MAX_SITE_COLUMNS:
        return False
    eff = {(str(r["site"]), str(r["outcome"]), str(r["arm"])): r for r in _records(c.effects)}
    pooled = {(str(r["outcome"]), str(r["arm"])): r for r in recs if str(r["site"]) == POOLED}
    for r in recs:
        site, key = str(r["site"]), (str(r["outcome"]), str(r["arm"]))
        e, p = eff.get((site, *key)), pooled.get(key)
        if e is None or p is None or not _same(r.get("alpha"), p.get("alpha")):
            return False
        if not _same(r.get("n_arm"), e.get("n_arm")):
            return False
        if any(isinstance(r.get(k), Withheld) for k in _SHOWN):
            continue  # the row shows none of them
        if c.withheld(e) or not all(_same(r.get(k), e.get(k))
                                    for k in ("estimate", "ci_low", "ci_high")):
            return False
    return True


def _per_site(c: Context, by: dict[tuple[str, str, str], dict[str, Any]], sites: list[str]):
    """The MDEs of all sites in one table: per outcome and arm, the test level and two
    columns a site (all sites together first)."""
    loc = c.loc
    cols = [loc.t("effects.arm"), loc.t("detectable.level")]
    for site in sites:
        cols += [loc.t("detectable.site_column", site=c.site_label(site), what=loc.t(k))
                 for k in ("detectable.mde_short", "detectable.mde_observed_short")]
    tb = c.table("detectable-1", loc.t("detectable.caption_sites"), cols)
    tb.group_column = loc.t("effects.outcome")
    for oid in c.outcome_order():
        rows = {arm: [by.get((site, oid, arm)) for site in sites] for arm in c.treatment_ids}
        if not any(any(v) for v in rows.values()):
            continue
        unit, label = c.unit(oid), c.outcome_label(oid)
        # the unit heads the outcome, so that six numbers a row fit the page
        tb.group(label + (f" \u2013 {unit.title(loc)}" if _needs_unit(label, unit, loc) else ""))
        for arm in c.treatment_ids:
            if not any(rows[arm]):
                continue
            level = next(r.get("alpha") for r in rows[arm] if r)
            cells = [tb.text(c.arm_label(arm)), tb.number(level, 4)]
            for r in rows[arm]:
                r = r or {}
                hide = any(isinstance(r.get(k), Withheld) for k in _SHOWN)
                cells += [tb.number(r.get(k), unit.digits, scale=unit.scale, withheld=hide)
                          for k in ("mde", "mde_observed")]
            tb.add(*cells)
    tb.note(loc.t("detectable.sites_note"))
    return c.add_table(tb)


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
