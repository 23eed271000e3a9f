"""The report section ``reference``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import (
    Context,
    _arm_text,
    _records,
    _rows_by_outcome,
)


def _reference(c: Context) -> dict[str, Any]:
    loc = c.loc
    ref = _records(c.frame("reference"))
    if not c.reference_ids or not ref:
        return c.na("reference.none")
    pos = {o: i for i, o in enumerate(c.outcome_order())}
    arm_pos = {a: i for i, a in enumerate([c.control, *c.reference_ids])}
    ref.sort(key=lambda r: (pos.get(str(r.get("outcome")), 99), arm_pos.get(str(r.get("arm")), 99)))
    tb = c.table("reference", loc.t("reference.caption"),
                 [loc.t("reference.arm"), loc.t("reference.mean"), loc.t("reference.n")])
    tb.group_column = loc.t("reference.outcome")
    for r, unit, hide in _rows_by_outcome(c, tb, ref):
        mean = tb.number(r.get("mean"), unit.digits, withheld=hide)
        if mean.value is not None:
            mean = replace(mean, text=unit.mean(loc, r.get("mean")))
        tb.add(tb.text(_arm_text(c, str(r.get("arm")))), mean, tb.count(r.get("n")))
    return {"intro": loc.t("reference.intro"), "table": c.add_table(tb), "reference": True}


register_section(Section("reference", 120, _reference))
