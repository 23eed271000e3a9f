"""The report section ``reproducibility``."""

from __future__ import annotations

from typing import Any

from trustexp._version import __version__
from trustexp.reporting.i18n import DASH
from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import (
    Context,
    _basename,
    _provenance,
    _table_order,
)


def _reproducibility(c: Context) -> dict[str, Any]:
    date = c.date
    loc = c.loc
    prov = _provenance(c.ev)
    files = prov.get("files", {}) or {}
    ft = c.table("input-files", loc.t("repro.files_caption"),
                 [loc.t("repro.name"), loc.t("repro.file"), loc.t("repro.sha256")])
    for name in sorted(files, key=_table_order):
        info = files[name] or {}
        ft.add(ft.text(name), ft.text(_basename(info.get("file"))), ft.code(info.get("sha256")))
    command = prov.get("command")
    facts = [
        (loc.t("repro.data_sha256"), prov.get("data_sha256") or DASH, True),
        (loc.t("repro.seed"), str(prov.get("seed", c.cfg.analysis.seed)), True),
        (loc.t("repro.permutations"), loc.integer(c.ev.permutations)
         + _source(c, "permutations"), False),
        (loc.t("repro.min_cell"), loc.integer(c.dc.min_cell), False),
        (loc.t("repro.language"), loc.lang, True),
        (loc.t("repro.version"), __version__, True),
        (loc.t("repro.command"), command or loc.t("repro.command_none"), bool(command)),
    ]
    return {"intro": loc.t("repro.intro"), "files": c.add_table(ft), "facts": facts, "date": date,
            "options": _options_table(c)}


#: Options the facts list above the table shows already (with their source).
_IN_FACTS = frozenset({"overridden", "seed", "permutations", "min_cell"})


def _source(c: Context, name: str) -> str:
    overridden = set((_provenance(c.ev).get("options") or {}).get("overridden", ()))
    key = "options.overridden" if name in overridden else "options.declared"
    return f" ({c.loc.t(key)})"


def _options_table(c: Context) -> Any:
    """The analysis options used, each marked as declared in trial.toml or overridden."""
    loc = c.loc
    options = _provenance(c.ev).get("options")
    if not options:
        return None
    overridden = set(options.get("overridden", ()))
    ot = c.table("options", loc.t("options.caption"),
                 [loc.t("options.option"), loc.t("options.value"), loc.t("options.source")])
    for name, value in options.items():
        if name in _IN_FACTS:
            continue
        if name == "outcomes" and name not in overridden:
            shown = loc.t("options.all_outcomes", n=len(value))
        elif isinstance(value, list | tuple):
            shown = ", ".join(map(str, value)) or DASH
        else:
            shown = DASH if value is None else str(value)
        ot.add(ot.code(name), ot.text(shown),
               ot.text(loc.t("options.overridden" if name in overridden else "options.declared")))
    return c.add_table(ot)


register_section(Section("reproducibility", 140, _reproducibility))
