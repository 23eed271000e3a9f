"""The report section ``registration``: the registry, the lock of the plan, and its deviations."""

from __future__ import annotations

from typing import Any

from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import Context, _records


def _registration(c: Context) -> dict[str, Any]:
    loc = c.loc
    reg = _records(c.frame("registration"))
    r = reg[0] if reg else {}
    lines = []
    if r.get("registry"):
        lines.append(loc.t("registration.registry", registry=r["registry"],
                           date=r.get("registered_on") or "\u2013"))
    else:
        lines.append(loc.t("registration.no_registry"))
    if r.get("authors"):
        lines.append(loc.t("registration.authors", authors=r["authors"]))
    if r.get("locked"):
        key = "registration.changed" if r.get("changed") else "registration.unchanged"
        lines.append(loc.t("registration.locked", date=r.get("locked_on"),
                           sha=str(r.get("lock_sha256", ""))[:12]) + " " + loc.t(key))
    else:
        lines.append(loc.t("registration.not_locked"))
    table = None
    devs = _records(c.frame("deviations"))
    if devs:
        tb = c.table("deviations", loc.t("registration.caption"),
                     [loc.t("registration.kind"), loc.t("registration.item"),
                      loc.t("registration.was"), loc.t("registration.now")])
        for d in devs:
            tb.add(tb.text(loc.t(f"deviation.{d['kind']}")), tb.code(d.get("item")),
                   tb.code(d.get("locked") or "\u2013"), tb.code(d.get("current") or "\u2013"))
        table = c.add_table(tb)
    return {"lines": lines, "table": table,
            "note": loc.t("registration.note") if devs else None}


register_section(Section("registration", 25, _registration))
