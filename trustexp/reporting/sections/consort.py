"""The report section ``consort``: the CONSORT 2025 checklist, each item linked to the
section of this report that answers it, or marked as not answered here."""

from __future__ import annotations

from typing import Any

from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import Context

#: (item, the section that answers it, or None) in the order of the CONSORT 2025 checklist
#: (Hopewell et al., 2025). Items about the trial's context (funding, background,
#: eligibility, blinding, interpretation) are for the authors' own text.
ITEMS: tuple[tuple[str, str | None], ...] = (
    ("1a", "summary"), ("1b", "summary"),
    ("2", "registration"), ("3", "registration"), ("4", "reproducibility"),
    ("5a", None), ("5b", None),
    ("6", None), ("7", "design"),
    ("8", None), ("9", "design"), ("10", "registration"), ("11", "design"),
    ("12a", None), ("12b", None), ("13", "design"), ("14", "design"), ("15", "margins"),
    ("16a", "detectable"), ("16b", None), ("17a", "design"), ("17b", "methods"),
    ("18", None), ("19", None), ("20a", None), ("20b", None),
    ("21a", "methods"), ("21b", "methods"), ("21c", "attrition"), ("21d", "subgroups"),
    ("22a", "flow"), ("22b", "flow"), ("23a", "design"), ("23b", None),
    ("24a", "flow"), ("24b", None), ("25", "balance"),
    ("26a", "flow"), ("26b", "flow"), ("26c", "effects"), ("26d", "effects"),
    ("27", None), ("28", "sites"), ("29", None), ("30", None),
)


def _consort(c: Context) -> dict[str, Any]:
    loc = c.loc
    has_takeup = bool(c.cfg.takeup)
    items = []
    for item, section in ITEMS:
        if item == "24a" and not has_takeup:
            section = None
        items.append({"item": item, "topic": loc.t(f"consort.item_{item}"), "section": section})
    return {"intro": loc.t("consort.intro"), "items": items,
            "columns": (loc.t("consort.item"), loc.t("consort.topic"), loc.t("consort.where")),
            "caption": loc.t("consort.caption"), "not_here": loc.t("consort.not_here"),
            "not_applicable": loc.t("consort.not_applicable")}


register_section(Section("consort", 135, _consort))
