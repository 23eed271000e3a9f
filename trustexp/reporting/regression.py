"""The side-by-side regression table of an evaluation: outcomes as columns, arms as rows.

As ``modelsummary`` in R or pyfixest's ``etable`` lay it out: each arm's
effect with its standard error (or its confidence interval) beneath, then
the number of persons, the control mean, whether covariates and strata fixed
effects are in the model, R² and the standard errors used. Stars are off by
default. Every number comes from the disclosure gate's records
(:meth:`trustexp.evaluation.Evaluation.released`): a withheld value shows as
its mark (``x`` or ``<10``), and no number of a withheld record appears.

>>> tab = ev.table(outcomes=["exit_to_work_24m"], se="ci")   # doctest: +SKIP
>>> tab.to_latex()                                            # doctest: +SKIP
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from trustexp.disclosure import Released, Withheld
from trustexp.errors import OptionError
from trustexp.reporting.i18n import Locale
from trustexp.reporting.units import unit_for

if TYPE_CHECKING:  # pragma: no cover
    from trustexp.evaluation import Evaluation

__all__ = ["RegressionTable", "regression_table"]

Beneath = Literal["std_error", "ci"]


@dataclass(frozen=True)
class RegressionTable:
    """A regression table, already released and formatted.

    Attributes
    ----------
    frame
        The cells as text: index ``row`` (arm labels, with ``""`` for the
        line beneath), one column per outcome.
    body_rows
        How many rows of ``frame`` are estimates (the rest are the model's notes).
    notes
        The table's notes (what is beneath the estimates, units, stars, withheld values).
    """

    frame: pd.DataFrame
    body_rows: int
    notes: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame of text (a copy)."""
        return self.frame.copy()

    def to_html(self) -> str:
        """An HTML ``<table>`` (escaped), with the notes in its ``<tfoot>``."""
        cols = list(self.frame.columns)
        e = html.escape
        out = ['<table class="regression-table">', "<thead><tr><th></th>"]
        out += [f"<th>{e(str(c))}</th>" for c in cols]
        out.append("</tr></thead><tbody>")
        for i, (name, row) in enumerate(self.frame.iterrows()):
            cls = ' class="model"' if i == self.body_rows else ""
            out.append(f"<tr{cls}><th>{e(str(name))}</th>"
                       + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>")
        out.append("</tbody>")
        if self.notes:
            out.append(f'<tfoot><tr><td colspan="{len(cols) + 1}">'
                       + " ".join(e(n) for n in self.notes) + "</td></tr></tfoot>")
        out.append("</table>")
        return "".join(out)

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_markdown(self) -> str:
        """A GitHub-flavoured Markdown table, the notes beneath."""
        cols = ["", *map(str, self.frame.columns)]

        def line(cells: list[str]) -> str:
            return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

        lines = [line(cols), "|" + "|".join([":---", *["---:"] * (len(cols) - 1)]) + "|"]
        lines += [line([str(name), *map(str, row)]) for name, row in self.frame.iterrows()]
        if self.notes:
            lines += ["", " ".join(self.notes)]
        return "\n".join(lines) + "\n"

    def to_latex(self) -> str:
        """A ``tabular`` with booktabs rules (``\\usepackage{booktabs}``), the notes beneath."""
        cols = list(self.frame.columns)
        head = " & ".join(["", *(_tex(str(c)) for c in cols)]) + r" \\"
        lines = [r"\begin{tabular}{l" + "c" * len(cols) + "}", r"\toprule", head, r"\midrule"]
        for i, (name, row) in enumerate(self.frame.iterrows()):
            if i == self.body_rows:
                lines.append(r"\midrule")
            lines.append(" & ".join([_tex(str(name)), *(_tex(str(v)) for v in row)]) + r" \\")
        lines.append(r"\bottomrule")
        if self.notes:
            lines.append(r"\multicolumn{" + str(len(cols) + 1) + r"}{p{0.9\linewidth}}{\footnotesize "
                         + _tex(" ".join(self.notes)) + r"} \\")
        lines.append(r"\end{tabular}")
        return "\n".join(lines) + "\n"

    def to_docx(self, path: str | Path) -> Path:
        """Write the table to a new Word document (python-docx); return its path."""
        from docx import Document

        from trustexp.reporting.docx import add_text_table

        doc = Document()
        add_text_table(doc, [["", *map(str, self.frame.columns)],
                             *[[str(n), *map(str, r)] for n, r in self.frame.iterrows()]])
        for note in self.notes:
            doc.add_paragraph(note)
        path = Path(path)
        doc.save(str(path))
        return path

    def __str__(self) -> str:
        return self.to_markdown()


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
        "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
        "\u2212": "$-$", "²": "$^2$", "\u00a0": "~", "€": r"\euro{}"}


def _tex(text: str) -> str:
    return "".join(_TEX.get(ch, ch) for ch in text)


def _finite(x: Any) -> bool:
    if x is None or isinstance(x, Withheld):
        return False
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _stars(p: Any) -> str:
    if not _finite(p):
        return ""
    p = float(p)
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.10 else ""


def regression_table(
    ev: Evaluation,
    *,
    outcomes: list[str] | tuple[str, ...] | None = None,
    site: str = "all",
    beneath: Beneath = "std_error",
    stars: bool = False,
    labels: bool = True,
    lang: str = "en",
    min_cell: int | None = None,
    released: Released | None = None,
) -> RegressionTable:
    """Build the regression table of :meth:`Evaluation.table`; see there."""
    if beneath not in ("std_error", "ci"):
        raise OptionError("The 'beneath' parameter of table must be one of ['std_error', 'ci']. "
                          f"Got {beneath!r} instead.")
    if not isinstance(stars, bool):
        raise OptionError(f"The 'stars' parameter of table must be a bool. Got {stars!r} instead.")
    loc = Locale(lang)
    cfg = ev.config
    declared = [o.id for o in cfg.outcomes]
    if outcomes is None:
        chosen = declared
    else:
        if isinstance(outcomes, str) or not all(o in declared for o in outcomes) or not outcomes:
            raise OptionError(f"The 'outcomes' parameter of table must be a list of declared "
                              f"outcome ids {declared}. Got {outcomes!r} instead.")
        chosen = [o for o in declared if o in outcomes]
    rel = released if released is not None else ev.released(min_cell=min_cell)
    eff = [r for r in rel.frame("effects") if r["site"] == site]
    sites = sorted({str(r["site"]) for r in rel.frame("effects")})
    if not eff:
        raise OptionError(f"The 'site' parameter of table must be one of {sites}. "
                          f"Got {site!r} instead.")
    fits = {r["outcome"]: r for r in rel.frame("model_fit") if r["site"] == site} \
        if "model_fit" in rel.records else {}
    arms = [a for a in cfg.treatment_arms if any(r["arm"] == a.id for r in eff)]
    by = {(r["outcome"], r["arm"]): r for r in eff}
    outs = {o.id: o for o in cfg.outcomes}
    columns: dict[str, list[str]] = {}
    any_binary = False
    for oid in chosen:
        o = outs[oid]
        recs = [by[(oid, a.id)] for a in arms if (oid, a.id) in by]
        if not recs:
            continue
        vals = [float(r[k]) for r in recs for k in ("estimate", "control_mean") if _finite(r[k])]
        unit = unit_for(o.type, o.measure, vals)
        any_binary |= unit.kind == "pp"
        cells: list[str] = []
        for a in arms:
            r = by.get((oid, a.id))
            if r is None:
                cells += ["", ""]
                continue
            cells.append(_value(loc, unit, r["estimate"]) + (_stars(r["p_value"]) if stars else ""))
            if beneath == "std_error":
                cells.append(f"({_value(loc, unit, r['std_error'])})")
            else:
                cells.append(f"[{_value(loc, unit, r['ci_low'])}; {_value(loc, unit, r['ci_high'])}]"
                             if lang == "nl" else
                             f"[{_value(loc, unit, r['ci_low'])}, {_value(loc, unit, r['ci_high'])}]")
        first = recs[0]
        fit = fits.get(oid, {})
        cells.append(_count(loc, first["n"]))
        cm = first["control_mean"]
        cells.append(cm.mark if isinstance(cm, Withheld) else
                     (loc.number(float(cm) * unit.scale, unit.digits + 1) if _finite(cm) else "\u2014"))
        covs = fit.get("covariates")
        cells.append(loc.t("regtable.yes") if covs else loc.t("regtable.no"))
        cells.append(loc.t("regtable.yes") if fit.get("fixed_effects") else loc.t("regtable.no"))
        r2 = fit.get("r_squared")
        cells.append(r2.mark if isinstance(r2, Withheld) else
                     (loc.number(r2, 3) if _finite(r2) else "\u2014"))
        cells.append(str(first["se_type"]))
        columns[o.display_label if labels else oid] = cells
    index = []
    for a in arms:
        index += [a.label if labels else a.id, ""]
    index += [loc.t(f"regtable.{k}") for k in
              ("n", "control_mean", "covariates", "fixed_effects", "r_squared", "se_type")]
    frame = pd.DataFrame(columns, index=pd.Index(index, name="row"))
    notes = [loc.t("regtable.note_se") if beneath == "std_error"
             else loc.t("regtable.note_ci", level=loc.level(cfg.analysis.alpha))]
    if stars:
        notes.append(loc.t("regtable.note_stars"))
    if any_binary:
        notes.append(loc.t("regtable.note_units"))
    if rel.min_cell:
        notes.append(loc.t("regtable.note_withheld", min_cell=rel.min_cell))
    return RegressionTable(frame=frame, body_rows=2 * len(arms), notes=tuple(notes))


def _value(loc: Locale, unit: Any, x: Any) -> str:
    if isinstance(x, Withheld):
        return x.mark
    if not _finite(x):
        return "\u2014"
    return loc.number(float(x) * unit.scale, unit.digits + 1)


def _count(loc: Locale, n: Any) -> str:
    return n.mark if isinstance(n, Withheld) else loc.integer(n)
