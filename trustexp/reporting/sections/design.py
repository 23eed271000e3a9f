"""The report section ``design``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from trustexp.reporting.i18n import DASH
from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import (
    POOLED,
    Context,
    _arm_text,
    _participant_counts,
    _pooled_counts,
    _records,
)


def _design(c: Context) -> dict[str, Any]:
    loc = c.loc
    counts = _participant_counts(c)
    parts = c.trial.participants
    periods = {str(r["site"]): (r.get("first_month"), r.get("last_month"))
               for r in _records(c.frame("allocation")) if r.get("arm") == "*"}
    first, last = periods.get(POOLED, (None, None))
    by_site = {s: p for s, p in periods.items() if s != POOLED}
    n_by_arm = _pooled_counts(c)

    arms = c.table("design-arms", loc.t("design.arms_caption"),
                   [loc.t("design.arm"), loc.t("design.arm_id"), loc.t("design.kind"),
                    loc.t("design.randomised"), loc.t("design.n")])
    for a in c.cfg.randomised_arms + c.cfg.reference_arms:
        arms.add(arms.text(a.label_in(loc.lang)), arms.text(a.id), arms.text(loc.t(f"kind.{a.kind}")),
                 arms.text(loc.t("doc.yes") if a.randomised else loc.t("doc.no")),
                 arms.count(n_by_arm.get(a.id, 0)))
    arms_table = c.add_table(arms)

    arm_order = [a.id for a in c.cfg.randomised_arms + c.cfg.reference_arms]
    sites = sorted(counts["site"].unique().tolist()) if not counts.empty else []
    multi = len(sites) > 1
    cols = [loc.t("design.arm"), *sites, *([loc.t("doc.total")] if multi else [])]
    st = c.table("design-sites", loc.t("design.sites_caption"), cols)
    for arm in arm_order:
        sub = counts[counts["arm"] == arm].set_index("site")["n"].to_dict()
        st.add(st.text(_arm_text(c, arm)), *[st.count(sub.get(site, 0)) for site in sites],
               *([st.count(n_by_arm.get(arm, 0))] if multi else []))
    sites_table = c.add_table(st)
    dt = c.table("design-dates", loc.t("design.dates_caption"),
                 [loc.t("design.site"), loc.t("design.first"), loc.t("design.last")])
    for site in sites:
        d0, d1 = by_site.get(site, (None, None))
        dt.add(dt.text(site), dt.text(_month(c, d0)), dt.text(_month(c, d1)))
    dates_table = c.add_table(dt) if len(by_site) > 1 else None

    strata_text = loc.t("design.no_strata")
    cluster_text = None
    if isinstance(parts, pd.DataFrame) and not parts.empty:
        strata = [s for s in c.cfg.strata if s in parts.columns]
        if strata:
            n_blocks = parts[strata].astype(str).drop_duplicates().shape[0]
            strata_text = loc.t("design.strata", columns=loc.join(list(strata)), n=n_blocks)
        if c.cfg.cluster and c.cfg.cluster in parts.columns:
            cluster_text = loc.t("design.cluster", column=c.cfg.cluster,
                                 n=parts[c.cfg.cluster].nunique())

    outs = c.table("design-outcomes", loc.t("design.outcomes_caption"),
                   [loc.t("design.outcome"), loc.t("design.family"), loc.t("design.primary"),
                    loc.t("design.type"), loc.t("design.source")])
    for oid in c.outcome_order():
        o = c.outcome(oid)
        outs.add(outs.text(o.label_in(loc.lang)),
                 outs.text(c.cfg.family_label(o.family, loc.lang)),
                 outs.text(loc.t("doc.yes") if o.primary else loc.t("doc.no")),
                 outs.text(loc.t(f"type.{o.type}")), outs.text(loc.t(f"source.{o.source}")))
    return {
        "intro": loc.t("design.intro", first=_month(c, first) or DASH,
                       last=_month(c, last) or DASH),
        "arms": arms_table,
        "sites": sites_table,
        "dates": dates_table,
        "strata": strata_text,
        "cluster": cluster_text,
        "outcomes": c.add_table(outs),
        "reference": bool(c.reference_ids),
    }


def _month(c: Context, value: Any) -> str | None:
    """A calendar month ``YYYY-MM`` as the locale writes it ("maart 2018"), or None."""
    if not isinstance(value, str) or len(value) != 7:
        return None
    return c.loc.month(int(value[:4]), int(value[5:]))


register_section(Section("design", 20, _design))
