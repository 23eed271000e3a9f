"""The results' JSON, CSV, text and HTML forms, made from the disclosure gate's records.

The bytes are deterministic: records come in the order of their frame
(pooled first, then sites in sorted order; outcomes and arms in declaration
order), keys in the registry's order, every float rounded to 12 significant
digits and written in Python's shortest round-trip form, a withheld or
undefined value as JSON ``null`` (an empty CSV field). Nothing here sees an
unreleased number: the callers pass :class:`trustexp.disclosure.Released`
records.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from trustexp._csvsafe import csv_text
from trustexp.disclosure import Withheld

__all__ = ["clean", "records_csv", "records_json", "summary_html", "summary_text"]

_DIGITS = 12


def clean(value: Any) -> Any:
    """A JSON-ready scalar: NaN -> None, numpy scalars -> Python, floats rounded."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        x = float(value)
        if not math.isfinite(x):
            return None
        return float(f"{x:.{_DIGITS}g}")
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def records_json(obj: dict[str, Any]) -> str:
    """The JSON text of a results object (one trailing newline)."""
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def records_csv(records: Sequence[dict[str, Any]], keys: Sequence[str]) -> str:
    """CSV text (comma, ``\\n`` line ends) of records; None is an empty field.


    Text is quoted and neutralised against formulas (:mod:`trustexp._csvsafe`); a list
    (the ``suppressed`` field names) is written joined by ``;``.
    """
    return csv_text([list(keys), *([_listed(rec.get(k)) for k in keys] for rec in records)])


def _listed(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return value


# -- the summary table -------------------------------------------------------

def _fmt(x: Any, digits: int = 3) -> str:
    if isinstance(x, Withheld):
        return x.mark
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if isinstance(x, str):
        return x
    return f"{x:.{digits}f}"


def _p(x: Any) -> str:
    if isinstance(x, Withheld):
        return x.mark
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def _scaled(rec: dict[str, Any], key: str, scale: float) -> Any:
    x = rec.get(key)
    return x * scale if isinstance(x, float) else x


def _count(x: Any) -> str:
    if isinstance(x, Withheld):
        return x.mark
    return "-" if x is None else str(x)


def summary_rows(effects: Sequence[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Header and rows (as text) of released effect records; binary outcomes in percentage points."""
    has_ri = any("p_value_ri" in r for r in effects)
    header = ["site", "outcome", "arm", "estimate", "95% CI", "p", "p adj."]
    header += ["p RI"] if has_ri else []
    header += ["n", "n arm", "n control", "control mean"]
    rows = []
    for rec in effects:
        binary = rec.get("outcome_type") == "binary"
        scale = 100.0 if binary else 1.0
        unit = " pp" if binary else ""
        est = _fmt(_scaled(rec, "estimate", scale))
        lo = rec.get("ci_low")
        if isinstance(lo, Withheld):
            ci = lo.mark
        elif lo is None:
            ci = "-"
        else:
            ci = f"[{_fmt(_scaled(rec, 'ci_low', scale))}, {_fmt(_scaled(rec, 'ci_high', scale))}]"
        row = [str(rec["site"]), str(rec["outcome"]), str(rec["arm"]),
               est + (unit if isinstance(rec.get("estimate"), float) else ""), ci,
               _p(rec.get("p_value")), _p(rec.get("p_adjusted"))]
        row += [_p(rec.get("p_value_ri"))] if has_ri else []
        cm = _fmt(_scaled(rec, "control_mean", scale))
        row += [_count(rec.get("n")), _count(rec.get("n_arm")), _count(rec.get("n_control")),
                cm + (unit if isinstance(rec.get("control_mean"), float) else "")]
        rows.append(row)
    return header, rows


def summary_text(title: list[str], effects: Sequence[dict[str, Any]]) -> str:
    """A plain-text table of released effect records under a few lines of title."""
    header, rows = summary_rows(effects)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    right = set(range(3, len(header)))

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "-" * len(line(header))
    body = [line(r) for r in rows] or ["(no effects)"]
    return "\n".join([*title, "", line(header), rule, *body]) + "\n"


def summary_html(title: list[str], effects: Sequence[dict[str, Any]]) -> str:
    """The same table as :func:`summary_text`, as escaped HTML."""
    header, rows = summary_rows(effects)
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows
    )
    caption = "<br>".join(esc(t) for t in title)
    return (
        '<div class="trustexp-evaluation"><table>'
        f"<caption>{caption}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )
