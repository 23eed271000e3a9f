"""The report's sections: one module each, in one registry.

A section is declared once, in its own module, by :func:`register_section`:
its name (also the template ``sections/<name>.html.j2`` and the anchor of
the table of contents), its position, and its builder. A builder takes the
:class:`~trustexp.reporting.sections._context.Context` (the evaluation, its
records as released by the disclosure gate, the locale) and returns the dict
that its template reads; tables and figures it adds are exported too.

Everything here is aggregate: sections read only the gate's records
(:class:`trustexp.disclosure.Released`), never the evaluation's frames or
tables, so no person-level value and no withheld number reaches a section.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trustexp.reporting.sections._context import Content, Figure

if TYPE_CHECKING:  # pragma: no cover
    from trustexp.disclosure import Released
    from trustexp.evaluation import Evaluation
    from trustexp.reporting.disclosure import Disclosure
    from trustexp.reporting.i18n import Locale
    from trustexp.reporting.sections._context import Context

__all__ = ["Content", "Figure", "Section", "build_content", "register_section", "section_names"]


@dataclass(frozen=True, slots=True)
class Section:
    """One section of the report.

    Attributes
    ----------
    name
        Its id: the template ``sections/<name>.html.j2``, the anchor and the
        text key ``section.<name>`` of its heading.
    order
        Its position in the report (sections are sorted by it).
    build
        ``build(context) -> dict``: what the template reads; ``{"na": text}``
        when the section does not apply.
    """

    name: str
    order: int
    build: Callable[[Context], dict[str, Any]]


_SECTIONS: dict[str, Section] = {}
_LOADED = False


def register_section(section: Section) -> Section:
    """Add a section to the report (at import of its module)."""
    if section.name in _SECTIONS and _SECTIONS[section.name] is not section:
        raise ValueError(f"a section named {section.name!r} is registered already")
    _SECTIONS[section.name] = section
    return section


def sections() -> tuple[Section, ...]:
    """Every section, in order."""
    global _LOADED
    if not _LOADED:
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            if not info.name.startswith("_"):
                importlib.import_module(f"{__name__}.{info.name}")
        _LOADED = True
    return tuple(sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name)))


def section_names() -> tuple[str, ...]:
    """The names of the sections, in order."""
    return tuple(s.name for s in sections())


def build_content(ev: Evaluation, loc: Locale, disclosure: Disclosure, released: Released, *,
                  date: str | None = None,
                  progress: Callable[[str], None] | None = None) -> Content:
    """Build every section of the report.

    Parameters
    ----------
    ev
        The evaluation.
    loc, disclosure
        Language and suppression rule.
    released
        The evaluation's records after the disclosure gate: the only numbers
        the sections read.
    date
        The date to print (from ``SOURCE_DATE_EPOCH``), or ``None`` to leave it out.
    progress
        Called with each section's name as it is built.
    """
    from trustexp.disclosure import DEFAULT_MIN_CELL
    from trustexp.reporting.sections._context import Context

    c = Context(ev, loc, disclosure, released, date=date)
    out = {}
    for section in sections():
        if progress is not None:
            progress(section.name)
        out[section.name] = {"na": None, **section.build(c)}
    labels = [c.arm_label(a) for a in c.reference_ids]
    generic = {"referentiegroep", "reference group", "reference", "referentie"}
    named = [x for x in labels if x.strip().lower() not in generic]
    # "De referentiegroep (Niet-deelnemers)", never "De referentiegroep (Referentiegroep)"
    reference_labels = f" ({loc.join(named)})" if named else ""
    banner = None
    if disclosure.min_cell == 0:
        banner = loc.t("doc.min_cell_off")
    elif disclosure.min_cell < DEFAULT_MIN_CELL:
        banner = loc.t("doc.min_cell_banner", min_cell=disclosure.min_cell,
                       default=DEFAULT_MIN_CELL)
    meta = {
        "title": c.cfg.name,
        "min_cell_banner": banner,
        "reference_warning": (loc.t("doc.reference_warning", labels=reference_labels)
                              if c.reference_ids else None),
        "date": date,
        **_title_page(c.cfg, loc),
    }
    return Content(out, c.tables, c.figures, meta)


def _title_page(cfg: Any, loc: Locale) -> dict[str, Any]:
    """Authors and registration for the title page (CONTRACT v1.1 ``[trial]``)."""
    from datetime import date as _date

    authors = loc.t("doc.authors", authors=loc.join(list(cfg.authors))) if cfg.authors else None
    if cfg.registry:
        when = None
        if cfg.registered_on:
            try:
                when = loc.date(_date.fromisoformat(str(cfg.registered_on)[:10]))
            except ValueError:
                when = str(cfg.registered_on)
        registry = (loc.t("doc.registry_on", registry=cfg.registry, date=when) if when
                    else loc.t("doc.registry", registry=cfg.registry))
    else:
        registry = loc.t("doc.unregistered")
    return {"authors": authors, "registry": registry}
