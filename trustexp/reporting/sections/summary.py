"""The report section ``summary``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import (
    _GENERIC_CONTROL,
    Context,
    _count_text,
    _finite,
    _participant_counts,
    _pooled,
    _pooled_counts,
    _records,
)


def _summary(c: Context) -> dict[str, Any]:
    loc = c.loc
    counts = _participant_counts(c)
    n_total = _pooled_counts(c).get("*", 0)
    sites = sorted(counts["site"].unique().tolist()) if not counts.empty else []
    control = c.arm_label(c.control)
    intro = loc.t(
        "summary.intro",
        n=_count_text(c, n_total),
        n_arms=len(c.cfg.randomised_arms),
        sites=loc.t("summary.sites", n_sites=len(sites)) if len(sites) > 1 else "",
        control="" if control.strip().lower() in _GENERIC_CONTROL else f" ({control})",
        level=c.level,
    )
    pooled = _records(_pooled(c.effects))
    by_key = {(str(r.get("outcome")), str(r.get("arm"))): r for r in pooled}
    primary_ids = [o.id for o in c.cfg.outcomes if o.primary]
    listed = primary_ids or [o.id for o in c.cfg.outcomes]
    primary = []
    for oid in listed:
        items = [_finding(c, by_key[(oid, arm)]) for arm in c.treatment_ids if (oid, arm) in by_key]
        if items:
            primary.append({"outcome": c.outcome_label(oid), "findings": items})
    secondary_ids = [o.id for o in c.cfg.outcomes if o.id not in listed]
    secondary = None
    if secondary_ids:
        recs = [by_key[(o, a)] for o in secondary_ids for a in c.treatment_ids if (o, a) in by_key]
        shown = [r for r in recs if not c.withheld(r) and _finite(r.get("estimate"))]
        k = sum(1 for r in shown if _finite(r.get("p_adjusted")) and r["p_adjusted"] < c.alpha)
        secondary = loc.t(
            "summary.secondary_count",
            n=len(shown),
            k=k,
            verb=loc.t("summary.verb_one" if k == 1 else "summary.verb_many"),
            link=loc.t("section.effects"),
        )
    method = c.cfg.analysis.multiple_testing
    notes = [
        loc.t("summary.multiple_none")
        if method == "none"
        else loc.t("summary.multiple", method=loc.t(f"method.{method}")),
        loc.t("summary.interval", level=c.level),
    ]
    notes.extend(_margin_sentences(c))
    tests = _records(_pooled(c.frame("balance_tests")))
    ps = [r["p_value"] for r in tests if _finite(r.get("p_value"))]
    if ps:
        key = "summary.balance" if min(ps) >= c.alpha else "summary.imbalance"
        notes.append(loc.t(key, p=loc.p_value(min(ps))))
    att = _records(_pooled(c.frame("attrition_tests")))
    ps = [r["p_value"] for r in att if _finite(r.get("p_value")) and r.get("wave") not in (0, None)]
    if ps and min(ps) < c.alpha:
        notes.append(loc.t("summary.attrition", p=loc.p_value(min(ps))))
    return {
        "intro": intro,
        "no_primary": None if primary_ids else loc.t("summary.no_primary"),
        "primary": primary,
        "secondary": secondary,
        "notes": notes,
    }


def _margin_sentences(c: Context) -> list[str]:
    """For outcomes with a margin: which effects larger than it can (or cannot) be ruled out."""
    from trustexp.reporting.sections.margins import ruled_out_text

    recs = _records(_pooled(c.frame("equivalence")))
    return [f"{c.outcome_label(r['outcome'])}: {ruled_out_text(c, r)}" for r in recs]


def _finding(c: Context, rec: Mapping[str, Any]) -> str:
    loc = c.loc
    unit = c.unit(rec["outcome"])
    arm = c.arm_label(rec["arm"])
    est = rec.get("estimate")
    if c.withheld(rec) or not _finite(est):
        return loc.t("summary.not_estimated", arm=arm)
    p, p_adj = rec.get("p_value"), rec.get("p_adjusted")
    if not _finite(p_adj):
        p_adj = p
    values = {
        "arm": arm,
        "level": c.level,
        "low": unit.bound(loc, rec.get("ci_low")),
        "high": unit.bound(loc, rec.get("ci_high")),
        "p": loc.p_value(p),
        "p_adj": loc.p_value(p_adj),
    }
    if _finite(p_adj) and p_adj < c.alpha:
        key = "summary.effect_up" if est > 0 else "summary.effect_down"
        return loc.t(key, estimate=unit.magnitude(loc, est), **values)
    estimate = unit.effect(loc, est, long=True)
    if _finite(p) and p < c.alpha:
        return loc.t("summary.nominal_only", estimate=estimate, **values)
    return loc.t("summary.no_effect", estimate=estimate, **values)


register_section(Section("summary", 10, _summary))
