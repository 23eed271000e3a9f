"""The report section ``inference``."""

from __future__ import annotations

from typing import Any

from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import (
    Context,
    _finite,
    _pooled,
    _provenance,
    _records,
)


def _inference(c: Context) -> dict[str, Any]:
    loc = c.loc
    pooled = _records(_pooled(c.effects))
    draws = c.ev.permutations
    if not draws or not any(_finite(r.get("p_value_ri")) for r in pooled):
        return c.na("inference.none")
    tb = c.table("randomisation-inference", loc.t("inference.caption"),
                 [loc.t("effects.arm"), loc.t("effects.p"),
                  loc.t("effects.p_ri"), loc.t("effects.p_adjusted")])
    tb.group_column = loc.t("effects.outcome")
    by = {(str(r["outcome"]), str(r["arm"])): r for r in pooled}
    for oid in c.outcome_order():
        tb.group(c.outcome_label(oid))
        for arm in c.treatment_ids:
            r = by.get((oid, arm))
            if r is None:
                continue
            hide = c.withheld(r)
            tb.add(tb.text(c.arm_label(arm)),
                   tb.p(r.get("p_value"), withheld=hide), tb.p(r.get("p_value_ri"), withheld=hide),
                   tb.p(r.get("p_adjusted"), withheld=hide))
    seed = _provenance(c.ev).get("seed", c.cfg.analysis.seed)
    return {"intro": loc.t("inference.intro", draws=loc.integer(draws), seed=seed),
            "table": c.add_table(tb)}


register_section(Section("inference", 110, _inference))
