"""A self-contained HTML page of a :class:`~trustexp.planning.DesignResult` (no script, no link)."""

from __future__ import annotations

import math
from typing import Any

import jinja2

from trustexp.reporting.i18n import Locale

__all__ = ["design_html"]

_PAGE = jinja2.Environment(autoescape=True).from_string("""<!DOCTYPE html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<title>{{ title }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:80em}
table{border-collapse:collapse;font-size:.9em}th,td{padding:.25em .6em;border-bottom:1px solid #ddd}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{text-align:left;background:#f4f4f4}
@media print{body{margin:0}}
</style></head><body>
<h1>{{ title }}</h1>
<p>{{ intro }}</p>
<table><thead><tr>{% for h in head %}<th scope="col">{{ h }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in rows %}<tr>{% for cell in row %}<td{% if loop.index > 3 %} class="n"{% endif %}>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
<p>{{ note }}</p>
</body></html>
""")


def _num(loc: Locale, x: Any, digits: int) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "\u2013"
    return loc.number(float(x), digits)


def design_html(result: Any, *, lang: str = "en") -> str:
    """The design table as one HTML page in ``lang`` (``"nl"`` or ``"en"``)."""
    loc = Locale(lang)
    cfg = result.config
    labels = {o.id: o.display_label for o in cfg.outcomes}
    arms = {a.id: a.label for a in cfg.arms}
    head = [loc.t(k) for k in ("detectable.site", "effects.outcome", "effects.arm",
                                "detectable.n_arm", "detectable.n_control", "detectable.level",
                                "detectable.mde", "effects.estimate", "detectable.power_sim",
                                "detectable.bias", "detectable.rmse", "detectable.coverage",
                                "detectable.type_s", "detectable.type_m")]
    rows = []
    for r in result.records:
        binary = r.get("outcome_type") == "binary"
        scale, digits = (100.0, 1) if binary else (1.0, 2)

        def eff(x: Any, scale: float = scale, digits: int = digits, binary: bool = binary) -> str:
            unit = " pp" if binary and x is not None else ""
            return _num(loc, None if x is None else x * scale, digits) + unit

        rows.append([str(r["site"]), labels.get(r["outcome"], r["outcome"]), arms.get(r["arm"], r["arm"]),
                     "<" + str(cfg.analysis.min_cell) if r.get("n_arm") is None else loc.integer(r["n_arm"]),
                     "<" + str(cfg.analysis.min_cell) if r.get("n_control") is None
                     else loc.integer(r["n_control"]),
                     _num(loc, r.get("alpha"), 4), eff(r.get("mde")), eff(r.get("estimate")),
                     _num(loc, r.get("power_sim"), 3), eff(r.get("bias")), eff(r.get("rmse")),
                     _num(loc, r.get("coverage"), 3), _num(loc, r.get("type_s"), 3),
                     _num(loc, r.get("type_m"), 2)])
    sims = max((int(r.get("simulations") or 0) for r in result.records), default=0)
    intro = loc.t("detectable.page_intro", trial=cfg.name,
                  source=loc.t(f"detectable.source_{result.source}"),
                  power=round(100 * result.settings.power), alpha=result.settings.alpha,
                  simulations=loc.integer(sims))
    from trustexp.reporting.sections.detectable import level_sentence

    intro += " " + level_sentence(loc, result.records, cfg.analysis.multiple_testing,
                                  result.settings.power)
    return _PAGE.render(lang=lang, title=loc.t("section.detectable"), intro=intro, head=head,
                        rows=rows, note=loc.t("detectable.note"))
