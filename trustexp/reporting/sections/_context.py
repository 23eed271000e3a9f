"""Shared state and helpers of the report sections: the context, cells, labels, records."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeGuard

import pandas as pd
from markupsafe import Markup

from trustexp.disclosure import Released, Withheld
from trustexp.frames import COUNT_NAMES
from trustexp.reporting.canvas import Canvas
from trustexp.reporting.disclosure import Disclosure
from trustexp.reporting.figures import (
    ArmStyle,
    CoefRow,
    arm_styles,
)
from trustexp.reporting.i18n import DASH, Locale
from trustexp.reporting.tables import Cell, Table, TableBuilder
from trustexp.reporting.units import Unit, unit_for

if TYPE_CHECKING:  # pragma: no cover
    from trustexp.config import Outcome
    from trustexp.evaluation import Evaluation

from trustexp.literals import POOLED

_GENERIC_CONTROL = frozenset({"control", "control group", "controle", "controlegroep"})


@dataclass(frozen=True)
class Figure:
    """A figure of the report: its canvas and its text alternatives."""

    id: str
    caption: str
    desc: str
    canvas: Canvas

    @cached_property
    def svg(self) -> Markup:
        """The inline SVG (safe: every text in it is escaped by the canvas)."""
        return Markup(self.canvas.to_svg(self.id, self.caption, self.desc))

    def standalone_svg(self) -> str:
        """The SVG as a file of its own."""
        return self.canvas.to_svg(self.id, self.caption, self.desc, standalone=True)


@dataclass
class Content:
    """Everything the templates need, plus the tables and figures for export."""

    sections: dict[str, dict[str, Any]]
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    if df.empty:
        return []
    out = []
    for rec in df.to_dict("records"):
        out.append({k: _py(v) for k, v in rec.items()})
    return out


def _py(v: Any) -> Any:
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, str):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def _finite(x: Any) -> TypeGuard[float]:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _pooled(df: pd.DataFrame) -> pd.DataFrame:
    """The pooled rows (site == "all"); with no such rows, the only site's rows."""
    if df.empty or "site" not in df.columns:
        return df
    sites = df["site"].astype(str)
    if (sites == POOLED).any():
        return df[sites == POOLED]
    if sites.nunique() == 1:
        return df
    return df.iloc[0:0]


class Context:
    """Shared state while building: the evaluation, locale, disclosure, labels, styles."""

    def __init__(self, ev: Evaluation, loc: Locale, disclosure: Disclosure, released: Released, *,
                 date: str | None = None) -> None:
        self.ev = ev
        self.trial = ev.trial  # labels and design facts only; numbers come from self.rel
        self.date = date
        self.cfg = ev.config
        self.loc = loc
        self.dc = disclosure
        self.rel = released
        self.tables: list[Table] = []
        self.figures: list[Figure] = []
        self.alpha = float(self.cfg.analysis.alpha)
        self.level = loc.level(self.alpha)
        self.control = self.cfg.control_arm
        self.reference_ids = [a.id for a in self.cfg.reference_arms]
        self.treatment_ids = [a.id for a in self.cfg.treatment_arms]
        self.styles = arm_styles(self.cfg.arm_ids, self.control, self.reference_ids)
        self.effects = self.frame("effects")
        self.units = self._units()

    # -- labels --------------------------------------------------------------
    def arm_label(self, arm_id: Any) -> str:
        try:
            return self.cfg.arm(str(arm_id)).label_in(self.loc.lang)
        except KeyError:
            return str(arm_id)

    def outcome(self, outcome_id: Any) -> Any:
        for o in self.cfg.outcomes:
            if o.id == str(outcome_id):
                return o
        return None

    def outcome_label(self, outcome_id: Any) -> str:
        o = self.outcome(outcome_id)
        return o.label_in(self.loc.lang) if o is not None else str(outcome_id)

    def unit(self, outcome_id: Any) -> Unit:
        return self.units.get(str(outcome_id), Unit("plain", 1.0, 2))

    def style(self, arm_id: Any) -> ArmStyle:
        return self.styles.get(str(arm_id), ArmStyle("#1a1a1a", "circle", None))

    def site_label(self, site: Any) -> str:
        return self.loc.t("doc.pooled") if str(site) == POOLED else str(site)

    def _units(self) -> dict[str, Unit]:
        units = {}
        for o in self.cfg.outcomes:
            values: list[float] = []
            if not self.effects.empty and "outcome" in self.effects.columns:
                rows = self.effects[self.effects["outcome"].astype(str) == o.id]
                for col in ("ci_low", "ci_high", "control_mean"):
                    if col in rows.columns:
                        values.extend(pd.to_numeric(rows[col], errors="coerce").dropna().tolist())
            units[o.id] = unit_for(o.type, o.measure, values)
        return units

    def table(self, id: str, caption: str, columns: list[str]) -> TableBuilder:
        return TableBuilder(self.loc, self.dc, id, caption, columns)

    def add_table(self, builder: TableBuilder) -> Table:
        table = builder.build()
        self.tables.append(table)
        return table

    def add_figure(self, id: str, caption: str, desc: str, canvas: Canvas) -> Figure:
        fig = Figure(id, caption, desc, canvas)
        self.figures.append(fig)
        return fig

    def tick(self, value: float, digits: int) -> str:
        return self.loc.number(value, digits)

    def frame(self, name: str) -> pd.DataFrame:
        """A frame's records as released by the disclosure gate (withheld values as marks)."""
        recs = self.rel.frame(name)
        if not recs:
            return pd.DataFrame()
        return pd.DataFrame(recs)

    def site_names(self) -> list[str]:
        """The names of the trial's sites (labels, not counts)."""
        parts = self.trial.participants
        if not isinstance(parts, pd.DataFrame) or "site" not in parts.columns:
            return []
        return sorted(parts["site"].astype(str).unique().tolist())

    def withheld(self, rec: Mapping[str, Any]) -> bool:
        """Whether the gate withheld a record's statistics (degrees of freedom alone do not count:
        they are withheld with a sample size that is withheld)."""
        return any(isinstance(v, Withheld) and k not in COUNT_NAMES and not k.startswith("df")
                   for k, v in rec.items())

    def outcome_order(self) -> list[str]:
        """Outcomes: primary first, then by family and declaration order."""
        order: list[Outcome] = []
        for family, outcomes in self.cfg.families.items():
            del family
            order.extend(o for o in outcomes)
        order.sort(key=lambda o: not o.primary)
        return [o.id for o in order]

    def family_order(self) -> list[str]:
        fams = list(self.cfg.families)
        fams.sort(key=lambda f: not any(o.primary for o in self.cfg.families[f]))
        return fams

    def na(self, reason_key: str, **kw: Any) -> dict[str, Any]:
        return {"na": self.loc.t("doc.not_applicable", reason=self.loc.t(reason_key, **kw))}


def _participant_counts(c: Context) -> pd.DataFrame:
    """Released persons per (site, arm) of every site (the pooled row of a one-site trial)."""
    alloc = c.frame("allocation")
    if alloc.empty:
        return pd.DataFrame(columns=["site", "arm", "n"])
    alloc = alloc[alloc["arm"] != "*"]
    sites = alloc[alloc["site"] != POOLED]
    return (sites if not sites.empty else alloc)[["site", "arm", "n"]].reset_index(drop=True)


def _pooled_counts(c: Context) -> dict[str, Any]:
    """Released persons per arm over every site, and ``"*"``: every randomised person."""
    alloc = c.frame("allocation")
    if alloc.empty:
        return {}
    pooled = alloc[alloc["site"] == POOLED]
    return dict(zip(pooled["arm"].astype(str), pooled["n"], strict=True))


def _count_text(c: Context, n: Any) -> str:
    if isinstance(n, Withheld):
        return n.mark
    released = c.dc.count(n)
    if released is None:
        return DASH
    return released if isinstance(released, str) else c.loc.integer(released)


def _arm_text(c: Context, arm: str) -> str:
    label = c.arm_label(arm)
    if arm in c.reference_ids:
        return f"{label} \u2013 {c.loc.t('doc.not_randomised')}"
    return label


def _table_order(name: str) -> tuple[int, str]:
    order = ["trial.toml", "participants", "monthly", "survey", "takeup"]
    return (order.index(name) if name in order else len(order), name)


def _basename(path: Any) -> str | None:
    if path is None:
        return None
    return str(getattr(path, "name", None) or str(path).replace("\\", "/").rsplit("/", 1)[-1])


def _df_text(c: Context, r: Mapping[str, Any]) -> str:
    d1, d2 = r.get("df1"), r.get("df2")
    if not _finite(d1):
        return DASH
    d2_text = c.loc.number(d2, 0 if float(d2).is_integer() else 1) if _finite(d2) else DASH
    return f"{c.loc.integer(d1)}; {d2_text}"


def _wave_text(c: Context, wave: Any) -> str:
    return c.loc.t("attrition.baseline") if wave == 0 else str(wave)


def _rows_by_outcome(
    c: Context, tb: Any, recs: list[dict[str, Any]]
) -> Iterator[tuple[dict[str, Any], Any, bool]]:
    """Yield ``(record, unit, hide)`` for sorted records, opening a group row per outcome.

    ``hide`` tells whether the gate withheld the record's statistics.
    """
    current = None
    for r in recs:
        if str(r.get("outcome")) != current:
            current = str(r.get("outcome"))
            tb.group(c.outcome_label(current))
        yield r, c.unit(r.get("outcome")), c.withheld(r)


def _sort_by_outcome_and_arm(c: Context, recs: list[dict[str, Any]]) -> None:
    """Sort records in place: outcomes, then arms, in the order of the plan (others last)."""
    pos = {o: i for i, o in enumerate(c.outcome_order())}
    arm_pos = {a: i for i, a in enumerate(c.cfg.arm_ids)}
    recs.sort(key=lambda r: (pos.get(str(r.get("outcome")), 99), arm_pos.get(str(r.get("arm")), 99)))


def _effect_cell(c: Context, tb: TableBuilder, unit: Unit, x: Any, hide: bool):
    cell = tb.number(x, unit.digits, scale=unit.scale, withheld=hide)
    if cell.value is None:
        return cell
    return replace(cell, text=unit.effect(c.loc, x))


def _effect_columns(c: Context, first: str, has_ri: bool) -> list[str]:
    """Headers of an effects table: ``first``, estimate, interval, p, adjusted p (and RI p)."""
    loc = c.loc
    cols = [first, loc.t("effects.estimate"), loc.t("effects.std_error"),
            loc.t("effects.ci", level=c.level), loc.t("effects.p"), loc.t("effects.p_adjusted")]
    if has_ri:
        cols.append(loc.t("effects.p_ri"))
    return cols


def _effect_cells(c: Context, tb: TableBuilder, unit: Unit, r: Mapping[str, Any], label: str,
                  hide: bool, has_ri: bool) -> list[Cell]:
    """The cells of one effect under :func:`_effect_columns`, ``label`` first."""
    cells = [tb.text(label),
             _effect_cell(c, tb, unit, r.get("estimate"), hide),
             tb.number(r.get("std_error"), unit.digits + 1, scale=unit.scale, withheld=hide),
             tb.interval(r.get("ci_low"), r.get("ci_high"), unit.digits,
                         scale=unit.scale, withheld=hide),
             tb.p(r.get("p_value"), withheld=hide),
             tb.p(r.get("p_adjusted"), withheld=hide)]
    if has_ri:
        cells.append(tb.p(r.get("p_value_ri"), withheld=hide))
    return cells


def _hidden_note(c: Context, rows: list[CoefRow]) -> str:
    """A caption note when a plot shows a dash instead of an estimate."""
    if any(not r.heading and r.estimate is None and r.text == DASH for r in rows):
        return ". " + c.loc.t("doc.figure_suppressed", dash=DASH, min_cell=c.dc.min_cell)
    return ""


def _needs_unit(label: str, unit: Unit, loc: Locale) -> bool:
    """Whether a title needs the unit added (not when the label already names it)."""
    name = unit.title(loc)
    return bool(name) and name.lower() not in label.lower()


def _coef_row(c: Context, r: Mapping[str, Any], unit: Unit, label: str, style: ArmStyle | None,
              hide: bool, *, pooled: bool = False) -> CoefRow:
    est = r.get("estimate")
    if not hide and r.get("not_estimable"):
        return CoefRow(label, None, None, None, c.loc.t("doc.not_estimable"), style, pooled=pooled)
    if hide or not _finite(est):
        return CoefRow(label, None, None, None, DASH, style, pooled=pooled)
    lo, hi = r.get("ci_low"), r.get("ci_high")
    text = (f"{unit.effect(c.loc, est)} ({unit.bound(c.loc, lo)} {c.loc.t('doc.to')} "
            f"{unit.bound(c.loc, hi)})")
    return CoefRow(label, est * unit.scale,
                   lo * unit.scale if _finite(lo) else None,
                   hi * unit.scale if _finite(hi) else None, text, style, pooled=pooled)


def _desc_item(c: Context, r: Mapping[str, Any], unit: Unit, hide: bool) -> str:
    arm, outcome = c.arm_label(r["arm"]), c.outcome_label(r["outcome"])
    if hide or not _finite(r.get("estimate")):
        return c.loc.t("effects.desc_missing", arm=arm, outcome=outcome)
    return c.loc.t("effects.desc_item", arm=arm, outcome=outcome,
                   estimate=unit.effect(c.loc, r["estimate"]),
                   low=unit.bound(c.loc, r.get("ci_low")), high=unit.bound(c.loc, r.get("ci_high")))


def _provenance(ev: Evaluation) -> Mapping[str, Any]:
    prov = ev.provenance
    return prov if isinstance(prov, Mapping) else {}


