"""The report section ``reliability``."""

from __future__ import annotations

from typing import Any

from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import (
    Context,
    _records,
    _wave_text,
)


def _reliability(c: Context) -> dict[str, Any]:
    loc = c.loc
    rel = _records(c.frame("reliability"))
    if not rel:
        return c.na("reliability.none")
    labels = {s.id: s.label_in(loc.lang) for s in c.cfg.scales}
    pos = {s.id: i for i, s in enumerate(c.cfg.scales)}
    rel.sort(key=lambda r: (pos.get(str(r.get("scale")), 99), r.get("wave") or 0))
    tb = c.table("reliability", loc.t("reliability.caption"),
                 [loc.t("reliability.scale"), loc.t("reliability.wave"), loc.t("reliability.alpha"),
                  loc.t("reliability.n"), loc.t("reliability.n_items")])
    for r in rel:
        hide = c.withheld(r)
        tb.add(tb.text(labels.get(str(r.get("scale")), str(r.get("scale")))),
               tb.text(_wave_text(c, r.get("wave"))), tb.number(r.get("alpha"), 2, withheld=hide),
               tb.count(r.get("n")), tb.number(r.get("n_items"), 0))
    return {"intro": loc.t("reliability.intro"), "table": c.add_table(tb)}


register_section(Section("reliability", 100, _reliability))
