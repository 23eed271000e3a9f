"""The report section ``summary``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trustexp.disclosure import Withheld
from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import (
    _GENERIC_CONTROL,
    POOLED,
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
        shown = [r for r in recs if not _hidden(r) and _finite(r.get("estimate"))]
        found = [r for r in shown if _finite(r.get("p_adjusted")) and r["p_adjusted"] < c.alpha]
        correction = loc.t("summary.without_correction"
                           if c.cfg.analysis.multiple_testing == "none"
                           else "summary.after_correction")
        if not found:
            secondary = loc.t("summary.secondary_none", n=len(shown), correction=correction,
                              link=loc.t("section.effects"))
        else:
            pair = "summary.pair_unadjusted" if c.cfg.analysis.multiple_testing == "none" \
                else "summary.pair"
            pairs = loc.join([loc.t(pair, outcome=c.outcome_label(r["outcome"]),
                                    arm=c.arm_label(r["arm"]),
                                    estimate=c.unit(r["outcome"]).effect(loc, r["estimate"]),
                                    p_adj=loc.p_stated(r["p_adjusted"])) for r in found])
            secondary = loc.t("summary.secondary_some" if len(found) > 1
                              else "summary.secondary_one", n=len(shown), k=len(found),
                              pairs=pairs, correction=correction, link=loc.t("section.effects"))
    method = c.cfg.analysis.multiple_testing
    notes = [
        loc.t("summary.multiple_none")
        if method == "none"
        else loc.t("summary.multiple", method=loc.t(f"method.{method}")),
        loc.t("summary.interval", level=c.level),
    ]
    notes.extend(_margin_sentences(c))
    notes.extend(_check_notes(c))
    return {
        "intro": intro,
        "no_primary": None if primary_ids else loc.t("summary.no_primary"),
        "primary": primary,
        "secondary": secondary,
        "notes": notes,
    }


#: The sentences of the balance ("arm") and attrition ("wave") findings: flagged after the
#: correction, flagged before it as well, flagged only before it.
_SENTENCES = {
    "arm": ("summary.balance_flagged", "summary.balance_also", "summary.balance_chance"),
    "wave": ("summary.attrition_flagged", "summary.attrition_also", "summary.attrition_chance"),
}


def _check_notes(c: Context) -> list[str]:
    """The summary's balance and attrition sentences, per site.

    Every testable test (each arm at each site and pooled; attrition at each
    wave after baseline, at each site and pooled) counts: the verdict rests on
    the Holm-adjusted p over that number of tests. A test below ``alpha``
    before the correction is named too, by its site and arm (or wave), with
    its p and its adjusted p, so that a reader sees where the groups differ
    and how much weight that carries. Tests the disclosure gate withheld do
    not count.
    """
    from trustexp.stats import holm

    loc = c.loc
    notes = []
    for frame, key in (("balance_tests", "arm"), ("attrition_tests", "wave")):
        recs = [r for r in _records(c.frame(frame))
                if _finite(r.get("p_value")) and r.get("testable", True) is not False
                and not (key == "wave" and r.get("wave") in (0, None))]
        if not recs:
            continue
        adj = [float(a) for a in holm([r["p_value"] for r in recs])]
        items = [(r, a) for r, a in zip(recs, adj, strict=True) if r["p_value"] < c.alpha]
        after = loc.join([_where(c, key, r, a) for r, a in items if a < c.alpha])
        before = loc.join([_where(c, key, r, a) for r, a in items if a >= c.alpha])
        flagged_key, also_key, chance_key = _SENTENCES[key]
        if after:
            notes.append(loc.t(flagged_key, m=len(recs), where=after)
                         + (" " + loc.t(also_key, where=before) if before else ""))
        elif before:
            notes.append(loc.t(chance_key, m=len(recs), where=before))
        elif key == "arm":
            notes.append(loc.t("summary.balance", m=len(recs)))
    return notes


def _where(c: Context, key: str, r: Mapping[str, Any], p_adj: float) -> str:
    """One test named by its arm (or wave) and site, with its p and its adjusted p."""
    pooled = str(r.get("site")) == POOLED
    what = c.arm_label(r.get("arm")) if key == "arm" else c.loc.t("summary.wave",
                                                                   wave=str(r.get("wave")))
    return c.loc.t("summary.where_pooled" if pooled else "summary.where", what=what,
                   site=c.site_label(r.get("site")), p=c.loc.p_stated(r["p_value"]),
                   p_adj=c.loc.p_stated(p_adj))


#: What a finding shows: withheld, the finding is not stated (a withheld df or n is not shown).
_SHOWN = ("estimate", "ci_low", "ci_high", "p_value", "p_adjusted")


def _hidden(rec: Mapping[str, Any]) -> bool:
    return any(isinstance(rec.get(k), Withheld) for k in _SHOWN)


def _standardised(c: Context, rec: Mapping[str, Any]) -> str:
    """" (+0,08 SD van de controlegroep)" for a scale outcome, from released records only."""
    o = c.outcome(rec["outcome"])
    if o is None or o.scale is None or "control_sd" not in c.rel.records:
        return ""
    for r in c.rel.frame("control_sd"):
        if r["site"] == rec["site"] and r["outcome"] == rec["outcome"]:
            sd = r.get("control_sd")
            if not _finite(sd) or sd <= 0 or not _finite(rec.get("estimate")):
                return ""
            return c.loc.t("summary.standardised",
                           d=c.loc.number(rec["estimate"] / sd, 2, sign=True))
    return ""


def _margin_sentences(c: Context) -> list[str]:
    """For outcomes with a margin: which effects larger than it can (or cannot) be ruled out."""
    from trustexp.reporting.sections.margins import ruled_out_text

    recs = _records(_pooled(c.frame("equivalence")))
    return [ruled_out_text(c, r, with_outcome=True) for r in recs]


def _finding(c: Context, rec: Mapping[str, Any]) -> str:
    loc = c.loc
    unit = c.unit(rec["outcome"])
    arm = c.arm_label(rec["arm"])
    est = rec.get("estimate")
    if _hidden(rec) or not _finite(est):
        return loc.t("summary.not_estimated", arm=arm)
    if rec.get("reason"):  # no standard error: the arm's variance cannot be estimated
        return loc.t("summary.no_variance", arm=arm, estimate=unit.effect(loc, est, long=True))
    p, p_adj = rec.get("p_value"), rec.get("p_adjusted")
    if not _finite(p_adj):
        p_adj = p
    values = {
        "arm": arm,
        "level": c.level,
        "low": unit.bound(loc, rec.get("ci_low")),
        "high": unit.bound(loc, rec.get("ci_high")),
        "p": loc.p_stated(p),
        "p_adj": loc.p_stated(p_adj),
        "std": _standardised(c, rec),
    }
    if _finite(p_adj) and p_adj < c.alpha:
        key = "summary.effect_up" if est > 0 else "summary.effect_down"
        return loc.t(key, estimate=unit.magnitude(loc, est), **values)
    estimate = unit.effect(loc, est, long=True)
    if _finite(p) and p < c.alpha:
        return loc.t("summary.nominal_only", estimate=estimate, **values)
    return loc.t("summary.no_effect", estimate=estimate, **values)


register_section(Section("summary", 10, _summary))
