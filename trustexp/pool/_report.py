"""The HTML report of a pooling across trials (the look of the trial report).

Made from the gate's records only (:meth:`PoolResult.released`): what was
matched and left out, and per pooled outcome a forest plot (each trial, the
random-effects diamond with its prediction interval, and the one-stage
estimate) and a table.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trustexp._version import __version__
from trustexp.disclosure import Withheld
from trustexp.reporting.disclosure import Disclosure
from trustexp.reporting.figures import CoefRow, arm_styles, forest_plot
from trustexp.reporting.i18n import DASH, Locale
from trustexp.reporting.render import _css, environment
from trustexp.reporting.sections._context import Figure, _finite
from trustexp.reporting.tables import TableBuilder
from trustexp.reporting.units import Unit, unit_for

__all__ = ["render_pool"]

_SHOWN = ("estimate", "ci_low", "ci_high", "p_value", "pi_low", "pi_high", "tau2", "i2", "q_p_value")


def _hidden(r: Mapping[str, Any]) -> bool:
    return any(isinstance(r.get(k), Withheld) for k in _SHOWN)


def _label(m: Any, lang: str) -> str:
    lab = m.label
    if isinstance(lab, Mapping):
        return str(lab.get(lang) or next(iter(lab.values()), m.key))
    return str(lab or m.key)


def _row(loc: Locale, unit: Unit, r: Mapping[str, Any], label: str, style: Any, *, pooled: bool = False,
         diamond: bool = False) -> CoefRow:
    est = r.get("estimate")
    if _hidden(r) or not _finite(est):
        return CoefRow(label, None, None, None, DASH, style, pooled=pooled)
    lo, hi = r.get("ci_low"), r.get("ci_high")
    text = f"{unit.effect(loc, est)} ({unit.bound(loc, lo)} {loc.t('doc.to')} {unit.bound(loc, hi)})"
    pl, ph = r.get("pi_low"), r.get("pi_high")
    pi_low: float | None = None
    pi_high: float | None = None
    if diamond and _finite(pl) and _finite(ph):
        text += f"; {loc.t('sites.pi_short')} {unit.bound(loc, pl)} {loc.t('doc.to')} {unit.bound(loc, ph)}"
        pi_low, pi_high = pl * unit.scale, ph * unit.scale
    return CoefRow(label, est * unit.scale, lo * unit.scale if _finite(lo) else None,
                   hi * unit.scale if _finite(hi) else None, text, style, pooled=pooled, diamond=diamond,
                   pi_low=pi_low, pi_high=pi_high)


def render_pool(result: Any, *, lang: str | None = None, min_cell: int | None = None,
                template_dir: str | Path | None = None) -> str:
    """The report as one HTML string."""
    loc = Locale(lang or result.plan.language)
    rel = result.released(min_cell=min_cell)
    dc = Disclosure(rel.min_cell)
    alpha = result.plan.alpha
    level = loc.level(alpha)
    tables, figures = [], []
    names = {t.key: t.ev.config.name for t in result.trials}

    def table(id_: str, caption: str, cols: list[str]) -> TableBuilder:
        return TableBuilder(loc, dc, id_, caption, cols)

    mt = table("pool-matched", loc.t("pool.matched_caption"),
               [loc.t("pool.what"), loc.t("pool.pooled_as"), *[names[t.key] for t in result.trials]])
    for m in result.outcomes:
        mt.add(mt.text(loc.t("pool.outcome")), mt.text(f"{_label(m, loc.lang)} ({loc.t('pool.how_' + m.how)})"),
               *[mt.text(m.ids.get(t.key, DASH)) for t in result.trials])
    for kind, ids in result.arms.items():
        mt.add(mt.text(loc.t("pool.arm")), mt.text(loc.t(f"pool.kind_{kind}")),
               *[mt.text(ids.get(t.key, DASH)) for t in result.trials])
    tables.append(mt.build())
    lt = table("pool-left-out", loc.t("pool.left_caption"),
               [loc.t("pool.what"), loc.t("pool.trial"), loc.t("pool.item"), loc.t("pool.reason")])
    for x in result.left_out:
        lt.add(lt.text(loc.t(f"pool.{x.what}")), lt.text(names.get(x.trial, x.trial)), lt.text(x.item),
               lt.text(loc.t(x.reason)))
    if result.left_out:
        tables.append(lt.build())
    per_trial = rel.frame("pool_trials")
    pooled = {(r["outcome"], r["arm"]): r for r in rel.frame("pooled")}
    one = {(r["outcome"], r["arm"]): r for r in rel.frame("one_stage")}
    kinds = list(result.arms)
    styles = arm_styles(["control", *kinds], "control", [])
    blocks = []
    for oi, m in enumerate(result.outcomes, start=1):
        keys = [(m.key, k) for k in kinds if (m.key, k) in pooled]
        if not keys:
            continue
        values = [float(v) for r in per_trial if r["outcome"] == m.key
                  for v in (r.get("ci_low"), r.get("ci_high")) if _finite(v)]
        unit = unit_for(m.type, m.measure, values)
        title = _label(m, loc.lang)
        rows: list[CoefRow] = []
        tb = table(f"pool-{oi}", loc.t("pool.table_caption", outcome=title),
                   [loc.t("pool.estimate_of"), loc.t("effects.estimate"), loc.t("effects.ci", level=level),
                    loc.t("sites.pi", level=level), loc.t("effects.p"), loc.t("pool.weight"),
                    loc.t("balance.n_arm"), loc.t("balance.n_control")])
        tb.group_column = loc.t("effects.arm")
        for key in keys:
            kind = key[1]
            style = styles.get(kind)
            rows.append(CoefRow(loc.t(f"pool.kind_{kind}"), None, None, None, "", heading=True))
            tb.group(loc.t(f"pool.kind_{kind}"))
            for r in [x for x in per_trial if x["outcome"] == m.key and x["arm"] == kind]:
                label = names.get(r["trial"], r["trial"])
                rows.append(_row(loc, unit, r, label, style))
                tb.add(*_cells(tb, loc, unit, r, label, weight=True))
            re_ = pooled[key]
            rows.append(_row(loc, unit, re_, loc.t("pool.random_effects"), style, pooled=True, diamond=True))
            tb.add(*_cells(tb, loc, unit, re_, loc.t("pool.random_effects"), pi=True))
            if key in one:
                rows.append(_row(loc, unit, one[key], loc.t("pool.one_stage"), style, pooled=True))
                tb.add(*_cells(tb, loc, unit, one[key], loc.t("pool.one_stage")))
        stats = [pooled[k] for k in keys]
        for r in stats:
            if not _hidden(r):
                tb.note(loc.t("pool.heterogeneity", arm=loc.t(f"pool.kind_{r['arm']}"),
                              tau=loc.number(float(r["tau2"]) ** 0.5 * unit.scale, unit.digits + 1)
                              if _finite(r.get("tau2")) else DASH,
                              i2=loc.number(100 * float(r["i2"]), 0) if _finite(r.get("i2")) else DASH,
                              p=loc.p_stated(r.get("q_p_value"))))
        if tb.estimate_suppressed:
            tb.note(loc.t("doc.suppressed_estimate_note", dash=DASH, min_cell=rel.min_cell))
        built = tb.build()
        tables.append(built)
        fig = Figure(f"fig-pool-{oi}", loc.t("pool.figure", outcome=title, level=level),
                     "; ".join(f"{r.label}: {r.text}" for r in rows if not r.heading),
                     forest_plot(rows, lambda v, d: loc.number(v, d)))
        figures.append(fig)
        blocks.append({"title": title, "figure": fig, "table": built})
    env = environment(template_dir)
    meta = {"title": loc.t("pool.title", n=len(result.trials)),
            "min_cell_banner": None}
    context = {
        "lang": loc.lang, "t": loc.t, "meta": meta, "version": __version__, "css": _css(env),
        "trials": [f"{names[t.key]} ({t.key})" for t in result.trials],
        "intro": loc.t("pool.intro", n=len(result.trials), level=level),
        "method": loc.t("pool.methods", method=loc.t(f"sites.method_{result.plan.method}"),
                        se=loc.t("sites.se_knha-adhoc" if result.plan.knapp_hartung else "sites.se_z"),
                        pi=loc.t(f"sites.predict_{result.plan.prediction}")),
        "matched": tables[0], "left": tables[1] if result.left_out else None, "outcomes": blocks,
        "suppressed_note": loc.t("doc.suppressed_note", min_cell=rel.min_cell) if rel.min_cell else "",
    }
    html = env.get_template("pool.html.j2").render(context)
    return "\n".join(line.rstrip() for line in html.splitlines()).strip() + "\n"


def _cells(tb: TableBuilder, loc: Locale, unit: Unit, r: Mapping[str, Any], label: str, *,
           weight: bool = False, pi: bool = False) -> list:
    hide = _hidden(r)
    est = tb.number(r.get("estimate"), unit.digits, scale=unit.scale, withheld=hide)
    if est.value is not None:
        est = type(est)(unit.effect(loc, r.get("estimate")), est.value, est.kind)
    return [tb.text(label), est,
            tb.interval(r.get("ci_low"), r.get("ci_high"), unit.digits, scale=unit.scale, withheld=hide),
            tb.interval(r.get("pi_low"), r.get("pi_high"), unit.digits, scale=unit.scale, withheld=hide)
            if pi else tb.text(""),
            tb.p(r.get("p_value"), withheld=hide),
            tb.number(100 * r["weight"] if weight and _finite(r.get("weight")) else None, 0, suffix="%")
            if weight else tb.text(""),
            tb.count(r.get("n_arm")), tb.count(r.get("n_control"))]
