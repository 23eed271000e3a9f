"""The one line that ``trustexp report`` prints after writing a report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trustexp.disclosure import Withheld
from trustexp.reporting.i18n import Locale

if TYPE_CHECKING:  # pragma: no cover
    from trustexp.evaluation import Evaluation

__all__ = ["significant_pairs", "summary_line"]


def significant_pairs(ev: Evaluation, *, min_cell: int | None = None) -> list[dict[str, Any]]:
    """The pooled (outcome, arm) pairs significant after the multiple-testing adjustment.

    Read from the disclosure gate's records; a withheld p-value is never counted.

    Returns
    -------
    list of dict
        ``outcome, arm, estimate, p_adjusted`` per pair, in the frame's order.
    """
    alpha = ev.config.analysis.alpha
    out = []
    for rec in ev.released(min_cell=min_cell).frame("effects"):
        p = rec.get("p_adjusted")
        if rec.get("site") != "all" or p is None or isinstance(p, Withheld) or p != p:
            continue
        if p < alpha:
            out.append({k: rec.get(k) for k in ("outcome", "arm", "estimate", "p_adjusted")})
    return out


def summary_line(ev: Evaluation, *, min_cell: int | None = None, lang: str | None = None) -> str:
    """One line: how many pooled effects, which are significant after adjustment.

    Parameters
    ----------
    ev
        The evaluation reported on.
    min_cell
        As given to the report.
    lang
        ``"nl"`` or ``"en"`` (default: the trial's language).
    """
    lang = lang or ev.config.language
    rel = ev.released(min_cell=min_cell)
    n = sum(1 for r in rel.frame("effects") if r.get("site") == "all")
    pairs = significant_pairs(ev, min_cell=min_cell)
    method = ev.config.analysis.multiple_testing
    alpha = ev.config.analysis.alpha
    loc = Locale(lang)
    named = ", ".join(f"{p['outcome']} × {p['arm']} ({loc.p_stated(p['p_adjusted'])})"
                      for p in pairs)
    alfa = f"{alpha:g}".replace(".", ",") if lang == "nl" else f"{alpha:g}"
    if not pairs:
        return loc.t("report_line.none", n=n, method=method, alpha=alfa)
    return loc.t("report_line.some", n=n, method=method, alpha=alfa, k=len(pairs), pairs=named)
