"""Contract records of the effects, and their JSON, CSV, text and HTML forms.

The bytes are deterministic: records come in the order of the effects frame
(pooled first, then sites in sorted order; outcomes and arms in declaration
order), keys in the contract's order, every float rounded to 12 significant
digits and written in Python's shortest round-trip form, NaN as JSON ``null``
(an empty CSV field).

Small cells are suppressed as everywhere in trustexp
(:class:`trustexp.reporting.disclosure.Disclosure`): a count ``0 < n <
min_cell`` is released as ``"<min_cell"`` and the statistics of a record with
a group below ``min_cell`` as null. ``min_cell = 0`` releases everything.
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
from trustexp.analysis.effects import RECORD_KEYS

__all__ = ["clean", "effect_records", "records_csv", "records_json", "summary_html",
           "summary_text"]

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


def _suppressor(min_cell: int):
    if min_cell <= 0:
        return lambda rec: rec
    from trustexp.reporting.disclosure import Disclosure

    return Disclosure(min_cell=min_cell).record


def effect_records(effects: pd.DataFrame, *, min_cell: int = 0) -> list[dict[str, Any]]:
    """The contract's records of an effects frame (``p_value_ri`` when present)."""
    keys = RECORD_KEYS + (["p_value_ri"] if "p_value_ri" in effects.columns else [])
    suppress = _suppressor(min_cell)
    out = []
    for row in effects[keys].itertuples(index=False, name=None):
        rec = {k: clean(v) for k, v in zip(keys, row, strict=True)}
        if isinstance(rec["df"], float) and rec["df"].is_integer():
            rec["df"] = int(rec["df"])
        out.append(suppress(rec))
    return out


def records_json(obj: dict[str, Any]) -> str:
    """The JSON text of a results object (one trailing newline)."""
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def records_csv(records: Sequence[dict[str, Any]], keys: Sequence[str]) -> str:
    """CSV text (comma, ``\\n`` line ends) of records; None is an empty field.

    Text is quoted and neutralised against formulas (:mod:`trustexp._csvsafe`).
    """
    return csv_text([list(keys), *([rec.get(k) for k in keys] for rec in records)])


# -- the summary table -------------------------------------------------------

def _fmt(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if isinstance(x, str):
        return x
    return f"{x:.{digits}f}"


def _p(x: Any) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def _scaled(rec: dict[str, Any], key: str, scale: float) -> Any:
    x = rec[key]
    return x * scale if isinstance(x, float) else x


def summary_rows(effects: pd.DataFrame, *, min_cell: int) -> tuple[list[str], list[list[str]]]:
    """Header and rows (as text) of the effects table; binary outcomes in percentage points."""
    records = effect_records(effects, min_cell=min_cell)
    has_ri = "p_value_ri" in effects.columns
    header = ["site", "outcome", "arm", "estimate", "95% CI", "p", "p adj."]
    header += ["p RI"] if has_ri else []
    header += ["n", "n arm", "n control", "control mean"]
    types = effects["outcome_type"].tolist()
    rows = []
    for rec, otype in zip(records, types, strict=True):
        scale = 100.0 if otype == "binary" else 1.0
        unit = " pp" if otype == "binary" else ""
        est = _fmt(_scaled(rec, "estimate", scale))
        ci = "-" if rec["ci_low"] is None else (
            f"[{_fmt(_scaled(rec, 'ci_low', scale))}, {_fmt(_scaled(rec, 'ci_high', scale))}]"
        )
        row = [rec["site"], rec["outcome"], rec["arm"], est + (unit if est != "-" else ""), ci,
               _p(rec["p_value"]), _p(rec["p_adjusted"])]
        row += [_p(rec["p_value_ri"])] if has_ri else []
        cm = _fmt(_scaled(rec, "control_mean", scale))
        row += [str(rec["n"]), str(rec["n_arm"]), str(rec["n_control"]),
                cm + (unit if cm != "-" else "")]
        rows.append(["-" if c in (None, "None") else c for c in row])
    return header, rows


def summary_text(title: list[str], effects: pd.DataFrame, *, min_cell: int) -> str:
    """A plain-text table of the effects under a few lines of title."""
    header, rows = summary_rows(effects, min_cell=min_cell)
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


def summary_html(title: list[str], effects: pd.DataFrame, *, min_cell: int) -> str:
    """The same table as :func:`summary_text`, as escaped HTML."""
    header, rows = summary_rows(effects, min_cell=min_cell)
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
