"""The report section ``margins``: what the data rule out, against each declared margin."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trustexp.disclosure import Withheld
from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import POOLED, Context, _effect_cell, _finite, _records

#: The statistics a margin test shows (degrees of freedom are not shown).
_SHOWN = ("estimate", "std_error", "ci_low", "ci_high", "p_value", "ruled_out", "bound")


def hidden(rec: Mapping[str, Any], shown: tuple[str, ...] = _SHOWN) -> bool:
    """Whether the gate withheld one of the statistics shown of a record."""
    return any(isinstance(rec.get(k), Withheld) for k in shown)


def margin_level(c: Context) -> str:
    """The level of the interval of a one-sided test at ``alpha``: ``1 - 2 alpha``."""
    return c.loc.level(2 * c.alpha)


def ruled_out_text(c: Context, r: Mapping[str, Any], *, with_outcome: bool = False) -> str:
    """"Effects larger than X can (or cannot) be ruled out", for one margin test record;
    with ``with_outcome`` the sentence names the outcome before the arm."""
    loc = c.loc
    unit = c.unit(r["outcome"])
    margin = unit.magnitude(loc, r.get("margin"))
    arm = c.arm_label(r["arm"])
    if with_outcome:
        arm = f"{c.outcome_label(r['outcome'])} \N{EN DASH} {arm}"
    if hidden(r) or not _finite(r.get("ruled_out")):
        return loc.t("summary.not_estimated", arm=arm)
    which = "yes" if r["ruled_out"] == 1.0 else "no"
    if r.get("test") == "equivalence":
        key = f"margins.equivalence_{which}"
    else:
        key = f"margins.harm_{r.get('direction', 'higher')}_{which}"
    return loc.t(key, arm=arm, margin=margin, level=margin_level(c),
                 low=unit.bound(loc, r.get("ci_low")), high=unit.bound(loc, r.get("ci_high")),
                 p=loc.p_stated(r.get("p_value")))


def _margins(c: Context) -> dict[str, Any]:
    loc = c.loc
    recs = [r for r in _records(c.frame("equivalence")) if r.get("site") == POOLED]
    if not recs:
        return c.na("margins.none")
    tb = c.table("margins", loc.t("margins.caption"),
                 [loc.t("effects.arm"), loc.t("margins.test"), loc.t("margins.margin"),
                  loc.t("effects.estimate"), loc.t("effects.ci", level=margin_level(c)),
                  loc.t("effects.p"), loc.t("margins.conclusion")])
    tb.group_column = loc.t("margins.outcome")
    order = {o: i for i, o in enumerate(c.outcome_order())}
    recs.sort(key=lambda r: order.get(str(r["outcome"]), 99))
    current = None
    sentences = []
    for r in recs:
        unit = c.unit(r["outcome"])
        hide = hidden(r)
        if r["outcome"] != current:
            current = r["outcome"]
            tb.group(c.outcome_label(current))
        test = loc.t(f"margins.test_{r['test']}_{r.get('direction', 'higher')}"
                     if r["test"] != "equivalence" else "margins.test_equivalence")
        concl = _conclusion(hide, r, loc)
        tb.add(tb.text(c.arm_label(r["arm"])), tb.text(test), tb.text(unit.magnitude(loc, r["margin"])),
               _effect_cell(c, tb, unit, r.get("estimate"), hide),
               tb.interval(r.get("ci_low"), r.get("ci_high"), unit.digits, scale=unit.scale, withheld=hide),
               tb.p(r.get("p_value"), withheld=hide), tb.text(concl))
        sentences.append(ruled_out_text(c, r, with_outcome=True))
    return {"intro": loc.t("margins.intro", level=margin_level(c)), "table": c.add_table(tb),
            "sentences": sentences}


def _conclusion(hide: bool, r: Mapping[str, Any], loc: Any) -> str:
    """The conclusion cell: ruled out, not ruled out, or a dash."""
    from trustexp.reporting.i18n import DASH

    if hide or not _finite(r.get("ruled_out")):
        return DASH
    return loc.t("margins.ruled_out" if r["ruled_out"] == 1.0 else "margins.not_ruled_out")


register_section(Section("margins", 75, _margins))
