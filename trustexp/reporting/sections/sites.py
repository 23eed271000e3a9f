"""The report section ``sites``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from trustexp.reporting.figures import (
    CoefRow,
    forest_plot,
)
from trustexp.reporting.i18n import DASH
from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import (
    POOLED,
    Context,
    _coef_row,
    _effect_cell,
    _effect_cells,
    _effect_columns,
    _finite,
    _hidden_note,
    _needs_unit,
    _records,
)


def _sites(c: Context) -> dict[str, Any]:
    loc = c.loc
    eff = c.effects
    if eff.empty:
        return c.na("effects.none")
    site_names = sorted({str(s) for s in eff["site"].tolist()} - {POOLED})
    if len(site_names) <= 1:
        names = c.site_names() or site_names
        return c.na("sites.single", site=names[0] if names else DASH)
    recs = _records(eff)
    by = {(str(r["site"]), str(r["outcome"]), str(r["arm"])): r for r in recs}
    has_ri = any(_finite(r.get("p_value_ri")) for r in recs)
    pooled = {(str(r["outcome"]), str(r["arm"])): r for r in _records(c.frame("pooled"))}
    outcomes = []
    pooling: list[tuple[str, Any, list[dict[str, Any]]]] = []
    for oi, oid in enumerate(c.outcome_order(), start=1):
        unit = c.unit(oid)
        label = c.outcome_label(oid)
        cols = [*_effect_columns(c, loc.t("sites.site"), has_ri),
                loc.t("balance.n_arm"), loc.t("balance.n_control")]
        tb = c.table(f"sites-{oi}", loc.t("sites.caption", outcome=label), cols)
        tb.group_column = loc.t("effects.arm")
        rows: list[CoefRow] = []
        desc = []
        for arm in c.treatment_ids:
            arm_rows = []
            tb.group(c.arm_label(arm))
            for site in [*site_names, POOLED]:
                r = by.get((site, oid, arm))
                if r is None:
                    continue
                hide = c.withheld(r)
                cells = _effect_cells(c, tb, unit, r, c.site_label(site), hide, has_ri)
                cells += [tb.count(r.get("n_arm")), tb.count(r.get("n_control"))]
                # the pooled row is the effects table's row (its counts those of the flow
                # table): printed once, there
                tb.add(*cells, repeat=site == POOLED)
                arm_rows.append(_coef_row(c, r, unit, c.site_label(site), c.style(arm), hide,
                                          pooled=site == POOLED))
                row = arm_rows[-1]
                desc.append(f"{c.arm_label(arm)}, {c.site_label(site)}: {row.text}")
            re_rec = pooled.get((oid, arm))
            if arm_rows and re_rec is not None:
                arm_rows.append(_random_effects_row(c, re_rec, unit, c.style(arm)))
                desc.append(f"{c.arm_label(arm)}, {arm_rows[-1].label}: {arm_rows[-1].text}")
            if arm_rows:
                rows.append(CoefRow(c.arm_label(arm), None, None, None, "", heading=True))
                rows.extend(arm_rows)
        if not rows:
            continue
        re_recs = [pooled[(oid, a)] for a in c.treatment_ids if (oid, a) in pooled]
        if re_recs:
            pooling.append((label, unit, re_recs))
        title = label + (f" ({unit.title(loc)})" if _needs_unit(label, unit, loc) else "")
        canvas = forest_plot(rows, c.tick)
        caption = loc.t("sites.figure", outcome=title, level=c.level) + _hidden_note(c, rows)
        figure = c.add_figure(f"fig-sites-{oi}", caption,
                              loc.t("sites.desc", outcome=label, items="; ".join(desc)), canvas)
        outcomes.append({"title": label, "figure": figure, "table": c.add_table(tb)})
    return {"intro": loc.t("sites.intro"), "outcomes": outcomes,
            "pooled_intro": loc.t("sites.pooled_intro", level=c.level) if pooled else None,
            "pooled": _random_effects_table(c, pooling)}


def _random_effects_row(c: Context, r: dict[str, Any], unit: Any, style: Any) -> CoefRow:
    """The random-effects diamond of one arm, with its prediction interval."""
    row = _coef_row(c, r, unit, c.loc.t("sites.random_effects"), style, c.withheld(r), pooled=True)
    if row.estimate is None:
        return row
    lo, hi = r.get("pi_low"), r.get("pi_high")
    pi = _finite(lo) and _finite(hi)
    text = row.text + (f"; {c.loc.t('sites.pi_short')} {unit.bound(c.loc, lo)} {c.loc.t('doc.to')} "
                       f"{unit.bound(c.loc, hi)}" if pi else "")
    return replace(row, text=text, diamond=True,
                   pi_low=lo * unit.scale if pi else None, pi_high=hi * unit.scale if pi else None)


def _random_effects_table(c: Context, pooling: list[tuple[str, Any, list[dict[str, Any]]]]):
    """Random-effects pooling of the sites, one table: per outcome (label, unit,
    records), one row per arm."""
    if not pooling:
        return None
    loc = c.loc
    tb = c.table("sites-pooled", loc.t("sites.pooled_caption"),
                 [loc.t("effects.arm"), loc.t("effects.estimate"), loc.t("effects.ci", level=c.level),
                  loc.t("sites.pi", level=c.level), loc.t("effects.p"), loc.t("sites.tau"),
                  loc.t("sites.i2"), loc.t("sites.q_p"), loc.t("sites.n_sites")])
    tb.group_column = loc.t("effects.outcome")
    for label, unit, recs in pooling:
        tb.group(label)
        for r in recs:
            _random_effects_row_cells(c, tb, unit, r)
    recs = pooling[0][2]
    method = str(recs[0].get("method", "reml"))
    tb.note(loc.t("sites.pooled_note", method=loc.t(f"sites.method_{method}"),
                  se=loc.t(f"sites.se_{recs[0].get('se_type', 'knha-adhoc')}"),
                  pi=loc.t(f"sites.predict_{recs[0].get('prediction', 'sj')}")))
    return c.add_table(tb)


def _random_effects_row_cells(c: Context, tb: Any, unit: Any, r: dict[str, Any]) -> None:
    """One arm's row of the random-effects table."""
    hide = c.withheld(r)
    tau2 = r.get("tau2")
    tau = float(tau2) ** 0.5 if _finite(tau2) and not hide else None
    tb.add(tb.text(c.arm_label(r["arm"])),
           _effect_cell(c, tb, unit, r.get("estimate"), hide),
           tb.interval(r.get("ci_low"), r.get("ci_high"), unit.digits, scale=unit.scale, withheld=hide),
           tb.interval(r.get("pi_low"), r.get("pi_high"), unit.digits, scale=unit.scale, withheld=hide),
           tb.p(r.get("p_value"), withheld=hide),
           tb.number(tau, unit.digits + 1, scale=unit.scale, withheld=hide),
           tb.number(100 * r["i2"] if _finite(r.get("i2")) else None, 0, suffix="%", withheld=hide),
           tb.p(r.get("q_p_value"), withheld=hide),
           tb.text(str(r.get("n_sites", ""))))


register_section(Section("sites", 80, _sites))
