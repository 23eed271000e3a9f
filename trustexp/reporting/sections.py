"""Turn an :class:`~trustexp.evaluation.Evaluation` into the content of each report section.

Everything here is aggregate: frames of the evaluation are read, formatted in
the report's locale and passed through disclosure control; no person-level row
ever reaches a section. Each ``_section`` function returns a plain dict that
its template partial reads; tables and figures are also collected for export.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd
from markupsafe import Markup

from trustexp._version import __version__
from trustexp.reporting.canvas import Canvas
from trustexp.reporting.disclosure import Disclosure
from trustexp.reporting.figures import (
    ArmStyle,
    CoefRow,
    FlowBox,
    FlowColumn,
    Panel,
    Series,
    arm_styles,
    coefficient_plot,
    flow_diagram,
    forest_plot,
    monthly_chart,
)
from trustexp.reporting.i18n import DASH, Locale
from trustexp.reporting.tables import Cell, Table, TableBuilder
from trustexp.reporting.units import Unit, unit_for

__all__ = ["SECTIONS", "Content", "Figure", "build_content"]

#: The report's sections, in order; each has a partial ``sections/<name>.html.j2``.
SECTIONS: tuple[str, ...] = (
    "summary",
    "design",
    "flow",
    "validation",
    "balance",
    "attrition",
    "effects",
    "sites",
    "monthly",
    "reliability",
    "inference",
    "reference",
    "methods",
    "reproducibility",
)

POOLED = "all"
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


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _frame(ev: Any, name: str) -> pd.DataFrame:
    value = getattr(ev, name, None)
    if isinstance(value, pd.DataFrame):
        return value
    return pd.DataFrame()


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


def _finite(x: Any) -> bool:
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


class _Ctx:
    """Shared state while building: the evaluation, locale, disclosure, labels, styles."""

    def __init__(self, ev: Any, loc: Locale, disclosure: Disclosure) -> None:
        self.ev = ev
        self.cfg = ev.config
        self.loc = loc
        self.dc = disclosure
        self.tables: list[Table] = []
        self.figures: list[Figure] = []
        self.alpha = float(self.cfg.analysis.alpha)
        self.level = loc.level(self.alpha)
        self.control = self.cfg.control_arm
        self.reference_ids = [a.id for a in self.cfg.reference_arms]
        self.treatment_ids = [a.id for a in self.cfg.treatment_arms]
        self.styles = arm_styles(self.cfg.arm_ids, self.control, self.reference_ids)
        self.effects = _frame(ev, "effects")
        self.units = self._units()

    # -- labels --------------------------------------------------------------
    def arm_label(self, arm_id: Any) -> str:
        try:
            return self.cfg.arm(str(arm_id)).label
        except KeyError:
            return str(arm_id)

    def outcome(self, outcome_id: Any) -> Any:
        for o in self.cfg.outcomes:
            if o.id == str(outcome_id):
                return o
        return None

    def outcome_label(self, outcome_id: Any) -> str:
        o = self.outcome(outcome_id)
        return o.display_label if o is not None else str(outcome_id)

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

    def withheld(self, rec: Mapping[str, Any]) -> bool:
        """Whether an effect record's statistics must be withheld (a group too small)."""
        return self.dc.too_few(rec.get("n_arm"), rec.get("n_control"))

    def outcome_order(self) -> list[str]:
        """Outcomes: primary first, then by family and declaration order."""
        order = []
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


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------


def _participant_counts(c: _Ctx) -> pd.DataFrame:
    trial = getattr(c.ev, "trial", None)
    parts = getattr(trial, "participants", None)
    if not isinstance(parts, pd.DataFrame) or parts.empty:
        return pd.DataFrame(columns=["site", "arm", "n"])
    return (
        parts.assign(site=parts["site"].astype(str), arm=parts["arm"].astype(str))
        .groupby(["site", "arm"], sort=True)
        .size()
        .rename("n")
        .reset_index()
    )


def _summary(c: _Ctx) -> dict[str, Any]:
    loc = c.loc
    counts = _participant_counts(c)
    randomised = counts[~counts["arm"].isin(c.reference_ids)]
    n_total = int(randomised["n"].sum()) if not randomised.empty else 0
    sites = sorted(counts["site"].unique().tolist()) if not counts.empty else []
    control = c.arm_label(c.control)
    intro = loc.t(
        "summary.intro",
        n=_count_text(c, n_total),
        n_arms=len(c.cfg.randomised_arms),
        sites=loc.t("summary.sites", n_sites=len(sites)) if len(sites) > 1 else "",
        control="" if control.strip().lower() in _GENERIC_CONTROL else f" ({control})",
        level=c.level,
    )
    pooled = _records(_pooled(c.effects))
    by_key = {(str(r.get("outcome")), str(r.get("arm"))): r for r in pooled}
    primary_ids = [o.id for o in c.cfg.outcomes if o.primary]
    listed = primary_ids or [o.id for o in c.cfg.outcomes]
    primary = []
    for oid in listed:
        items = [_finding(c, by_key[(oid, arm)]) for arm in c.treatment_ids if (oid, arm) in by_key]
        if items:
            primary.append({"outcome": c.outcome_label(oid), "findings": items})
    secondary_ids = [o.id for o in c.cfg.outcomes if o.id not in listed]
    secondary = None
    if secondary_ids:
        recs = [by_key[(o, a)] for o in secondary_ids for a in c.treatment_ids if (o, a) in by_key]
        shown = [r for r in recs if not c.withheld(r) and _finite(r.get("estimate"))]
        k = sum(1 for r in shown if _finite(r.get("p_adjusted")) and r["p_adjusted"] < c.alpha)
        secondary = loc.t(
            "summary.secondary_count",
            n=len(shown),
            k=k,
            verb=loc.t("summary.verb_one" if k == 1 else "summary.verb_many"),
            link=loc.t("section.effects"),
        )
    method = c.cfg.analysis.multiple_testing
    notes = [
        loc.t("summary.multiple_none")
        if method == "none"
        else loc.t("summary.multiple", method=loc.t(f"method.{method}")),
        loc.t("summary.interval", level=c.level),
    ]
    notes.extend(_check_notes(c))
    return {
        "intro": intro,
        "no_primary": None if primary_ids else loc.t("summary.no_primary"),
        "primary": primary,
        "secondary": secondary,
        "notes": notes,
    }


def _check_notes(c: _Ctx) -> list[str]:
    """The summary's balance and attrition sentences.

    Every testable test (each arm and each analysis, pooled and per site;
    attrition at each wave after baseline) counts: their p-values are
    Holm-adjusted over that number of tests, and a test that flags is named
    by its site and arm (or wave).
    """
    from trustexp.stats import holm

    loc = c.loc
    notes = []
    for frame, key in (("balance_tests", "arm"), ("attrition_tests", "wave")):
        recs = [r for r in _records(_frame(c.ev, frame))
                if _finite(r.get("p_value")) and r.get("testable", True) is not False
                and not (key == "wave" and r.get("wave") in (0, None))]
        if not recs:
            continue
        adj = holm([r["p_value"] for r in recs])
        flagged = [(r, a) for r, a in zip(recs, adj, strict=True) if a < c.alpha]
        where = "; ".join(
            loc.t("summary.where_arm" if key == "arm" else "summary.where_wave",
                  site=c.site_label(r.get("site")), arm=c.arm_label(r.get("arm")),
                  wave=str(r.get("wave")), p=loc.p_value(a))
            for r, a in flagged)
        if key == "arm":
            notes.append(loc.t("summary.imbalance" if flagged else "summary.balance",
                               m=len(recs), where=where))
        elif flagged:
            notes.append(loc.t("summary.attrition", m=len(recs), where=where))
    return notes


def _finding(c: _Ctx, rec: Mapping[str, Any]) -> str:
    loc = c.loc
    unit = c.unit(rec["outcome"])
    arm = c.arm_label(rec["arm"])
    est = rec.get("estimate")
    if c.withheld(rec) or not _finite(est):
        return loc.t("summary.not_estimated", arm=arm)
    if rec.get("reason"):  # no standard error: the arm's variance cannot be estimated
        return loc.t("summary.no_variance", arm=arm, estimate=unit.effect(loc, est, long=True))
    p, p_adj = rec.get("p_value"), rec.get("p_adjusted")
    if not _finite(p_adj):
        p_adj = p
    values = {
        "arm": arm,
        "level": c.level,
        "low": unit.bound(loc, rec.get("ci_low")),
        "high": unit.bound(loc, rec.get("ci_high")),
        "p": loc.p_value(p),
        "p_adj": loc.p_value(p_adj),
    }
    if _finite(p_adj) and p_adj < c.alpha:
        key = "summary.effect_up" if est > 0 else "summary.effect_down"
        return loc.t(key, estimate=unit.magnitude(loc, est), **values)
    estimate = unit.effect(loc, est, long=True)
    if _finite(p) and p < c.alpha:
        return loc.t("summary.nominal_only", estimate=estimate, **values)
    return loc.t("summary.no_effect", estimate=estimate, **values)


def _count_text(c: _Ctx, n: Any) -> str:
    released = c.dc.count(n)
    if released is None:
        return DASH
    return released if isinstance(released, str) else c.loc.integer(released)


def _design(c: _Ctx) -> dict[str, Any]:
    loc = c.loc
    counts = _participant_counts(c)
    trial = getattr(c.ev, "trial", None)
    parts = getattr(trial, "participants", None)
    first = last = None
    by_site: dict[str, tuple[Any, Any]] = {}
    if isinstance(parts, pd.DataFrame) and "randomised_on" in parts.columns and not parts.empty:
        dates = pd.to_datetime(parts["randomised_on"])
        first, last = dates.min(), dates.max()
        for site, d in dates.groupby(parts["site"].astype(str), sort=True):
            by_site[str(site)] = (d.min(), d.max())
    n_by_arm = counts.groupby("arm")["n"].sum().to_dict() if not counts.empty else {}

    arms = c.table("design-arms", loc.t("design.arms_caption"),
                   [loc.t("design.arm"), loc.t("design.arm_id"), loc.t("design.kind"),
                    loc.t("design.randomised"), loc.t("design.n")])
    for a in c.cfg.randomised_arms + c.cfg.reference_arms:
        arms.add(arms.text(a.label), arms.text(a.id), arms.text(loc.t(f"kind.{a.kind}")),
                 arms.text(loc.t("doc.yes") if a.randomised else loc.t("doc.no")),
                 arms.count(n_by_arm.get(a.id, 0)))
    arms_table = c.add_table(arms)

    arm_order = [a.id for a in c.cfg.randomised_arms + c.cfg.reference_arms]
    sites = sorted(counts["site"].unique().tolist()) if not counts.empty else []
    multi = len(sites) > 1
    cols = [loc.t("design.arm"), *sites, *([loc.t("doc.total")] if multi else [])]
    st = c.table("design-sites", loc.t("design.sites_caption"), cols)
    for arm in arm_order:
        sub = counts[counts["arm"] == arm].set_index("site")["n"].to_dict()
        st.add(st.text(_arm_text(c, arm)), *[st.count(sub.get(site, 0)) for site in sites],
               *([st.count(n_by_arm.get(arm, 0))] if multi else []))
    sites_table = c.add_table(st)
    dt = c.table("design-dates", loc.t("design.dates_caption"),
                 [loc.t("design.site"), loc.t("design.first"), loc.t("design.last")])
    for site in sites:
        d0, d1 = by_site.get(site, (None, None))
        dt.add(dt.text(site), dt.text(loc.date(d0) if d0 is not None else None),
               dt.text(loc.date(d1) if d1 is not None else None))
    dates_table = c.add_table(dt) if by_site else None

    strata_text = loc.t("design.no_strata")
    cluster_text = None
    if isinstance(parts, pd.DataFrame) and not parts.empty:
        strata = [s for s in c.cfg.strata if s in parts.columns]
        if strata:
            n_blocks = parts[strata].astype(str).drop_duplicates().shape[0]
            strata_text = loc.t("design.strata", columns=loc.join(list(strata)), n=n_blocks)
        if c.cfg.cluster and c.cfg.cluster in parts.columns:
            cluster_text = loc.t("design.cluster", column=c.cfg.cluster,
                                 n=parts[c.cfg.cluster].nunique())

    outs = c.table("design-outcomes", loc.t("design.outcomes_caption"),
                   [loc.t("design.outcome"), loc.t("design.family"), loc.t("design.primary"),
                    loc.t("design.type"), loc.t("design.source")])
    for oid in c.outcome_order():
        o = c.outcome(oid)
        outs.add(outs.text(o.display_label), outs.text(o.family),
                 outs.text(loc.t("doc.yes") if o.primary else loc.t("doc.no")),
                 outs.text(loc.t(f"type.{o.type}")), outs.text(loc.t(f"source.{o.source}")))
    return {
        "intro": loc.t("design.intro", first=loc.date(first) if first is not None else DASH,
                       last=loc.date(last) if last is not None else DASH),
        "arms": arms_table,
        "sites": sites_table,
        "dates": dates_table,
        "strata": strata_text,
        "cluster": cluster_text,
        "outcomes": c.add_table(outs),
        "reference": bool(c.reference_ids),
    }


def _flow(c: _Ctx) -> dict[str, Any]:
    loc = c.loc
    flow = _frame(c.ev, "flow")
    counts = _participant_counts(c)
    n_by_arm = counts.groupby("arm")["n"].sum().to_dict() if not counts.empty else {}
    pooled = _pooled(flow)
    if pooled.empty and not flow.empty:  # no pooled rows: add the sites up
        pooled = flow.groupby(["arm", "outcome"], as_index=False, sort=False)[
            ["n_randomised", "n_analysed", "n_missing"]].sum()
    recs = _records(pooled)
    by = {(str(r["arm"]), str(r["outcome"])): r for r in recs}
    columns = []
    arm_ids = [a.id for a in c.cfg.randomised_arms] + c.reference_ids
    for arm in arm_ids:
        n = n_by_arm.get(arm)
        if n is None:
            ns = [r["n_randomised"] for (a, _), r in by.items() if a == arm]
            n = max(ns) if ns else 0
        reference = arm in c.reference_ids
        lines = [f"{loc.t('flow.allocated')}: {_count_text(c, n)}"]
        if reference:
            lines = [loc.t("doc.not_randomised"), f"n = {_count_text(c, n)}"]
        fam_lines = []
        for fam, outcomes in c.cfg.families.items():
            fam_recs = [by[(arm, o.id)] for o in outcomes if (arm, o.id) in by]
            if not fam_recs:
                continue
            analysed = _range(c, [r["n_analysed"] for r in fam_recs])
            missing = _range(c, [r["n_missing"] for r in fam_recs])
            fam_lines.append(f"{fam}: {analysed}")
            fam_lines.append(f"\t{loc.t('flow.missing').lower()}: {missing}")
        boxes = (FlowBox(loc.t("flow.analysed"), tuple(fam_lines)),) if fam_lines else ()
        columns.append(FlowColumn(FlowBox(c.arm_label(arm), tuple(lines)), boxes,
                                  style=c.style(arm), reference=reference))
    n_total = sum(n_by_arm.get(a.id, 0) for a in c.cfg.randomised_arms)
    top = FlowBox(f"{loc.t('flow.randomised')}: {_count_text(c, n_total)}")
    canvas = flow_diagram(top, columns, reference_label=loc.t("flow.reference") + " ("
                          + loc.t("doc.not_randomised") + ")")
    desc = loc.t(
        "flow.desc",
        n=_count_text(c, n_total),
        arms="; ".join(loc.t("flow.desc_arm", arm=c.arm_label(a), n=_count_text(c, n_by_arm.get(a, 0)))
                       for a in arm_ids),
    )
    figure = c.add_figure("fig-flow", loc.t("flow.figure"), desc, canvas)

    table_arms = [a for a in arm_ids
                  if a not in c.reference_ids or any(k[0] == a for k in by)]
    tb = c.table("flow", loc.t("flow.caption"),
                 [loc.t("flow.outcome"), *[_arm_text(c, a) for a in table_arms]])
    tb.group_column = loc.t("flow.status")
    tb.group(None)
    tb.add(tb.text(loc.t("flow.n_allocated")), *[tb.count(n_by_arm.get(a, 0)) for a in table_arms])
    for key, column in (("flow.n_analysed", "n_analysed"), ("flow.n_missing", "n_missing")):
        tb.group(loc.t(key))
        for oid in c.outcome_order():
            if not any((a, oid) in by for a in table_arms):
                continue
            tb.add(tb.text(c.outcome_label(oid)),
                   *[tb.count(by[(a, oid)].get(column)) if (a, oid) in by else tb.text(None)
                     for a in table_arms])
    return {"intro": loc.t("flow.intro"), "figure": figure, "table": c.add_table(tb),
            "reference": bool(c.reference_ids)}


def _arm_text(c: _Ctx, arm: str) -> str:
    label = c.arm_label(arm)
    if arm in c.reference_ids:
        return f"{label} \u2013 {c.loc.t('doc.not_randomised')}"
    return label


def _range(c: _Ctx, values: list[Any]) -> str:
    nums = sorted({int(v) for v in values if _finite(v)})
    if not nums:
        return DASH
    lo, hi = _count_text(c, nums[0]), _count_text(c, nums[-1])
    return lo if lo == hi else f"{lo}\u2013{hi}"


def _validation(c: _Ctx) -> dict[str, Any]:
    loc = c.loc
    trial = getattr(c.ev, "trial", None)
    report = getattr(trial, "validation", None)
    errors = tuple(getattr(report, "errors", ()) or ())
    warnings = tuple(getattr(report, "warnings", ()) or ())
    files = dict(getattr(report, "files", {}) or getattr(trial, "files", {}) or {})
    rows = dict(getattr(report, "rows", {}) or {})
    rt = c.table("validation-tables", loc.t("validation.rows_caption"),
                 [loc.t("validation.table"), loc.t("validation.file"), loc.t("validation.rows")])
    for name in sorted(set(files) | set(rows), key=_table_order):
        path = files.get(name)
        rt.add(rt.text(name), rt.text(_basename(path)),
               rt.count(rows.get(name)) if name in rows else rt.text(None))
    grouped = Counter((p.table, p.column or "", p.rule) for p in warnings)
    warn_table = None
    if grouped:
        wt = c.table("validation-warnings", loc.t("validation.warnings_caption"),
                     [loc.t("validation.table"), loc.t("validation.column"),
                      loc.t("validation.rule"), loc.t("validation.count")])
        for (table, column, rule), n in sorted(grouped.items()):
            wt.add(wt.text(table), wt.text(column or DASH), wt.text(rule), wt.count(n))
        warn_table = c.add_table(wt)
    return {
        "ok": loc.t("validation.ok", errors=loc.integer(len(errors)),
                    warnings=_count_text(c, len(warnings))),
        "tables": c.add_table(rt),
        "warnings": warn_table,
        "no_warnings": loc.t("validation.no_warnings"),
        "privacy": loc.t("validation.privacy"),
    }


def _table_order(name: str) -> tuple[int, str]:
    order = ["trial.toml", "participants", "monthly", "survey", "takeup"]
    return (order.index(name) if name in order else len(order), name)


def _basename(path: Any) -> str | None:
    if path is None:
        return None
    return str(getattr(path, "name", None) or str(path).replace("\\", "/").rsplit("/", 1)[-1])


def _balance(c: _Ctx) -> dict[str, Any]:
    loc = c.loc
    bal = _pooled(_frame(c.ev, "balance"))
    if bal.empty or not c.cfg.analysis.covariates:
        return c.na("balance.none")
    tb = c.table("balance", loc.t("balance.caption"),
                 [loc.t("balance.arm"), loc.t("balance.mean_arm"),
                  loc.t("balance.mean_control"), loc.t("balance.std_diff"),
                  loc.t("balance.n_arm"), loc.t("balance.n_control")])
    tb.group_column = loc.t("balance.covariate")
    current = None
    flagged = False
    recs = _records(bal)
    order = {cov: i for i, cov in enumerate(c.cfg.analysis.covariates)}
    arm_pos = {a: i for i, a in enumerate(c.cfg.arm_ids)}
    recs.sort(key=lambda r: (order.get(str(r["covariate"]), 99), arm_pos.get(str(r["arm"]), 99)))
    for r in recs:
        hide = c.dc.too_few(r.get("n_arm"), r.get("n_control"))
        d = r.get("std_diff")
        cell = tb.number(d, 3, withheld=hide)
        if not hide and _finite(d) and abs(d) > 0.1:
            flagged = True
            cell = type(cell)(cell.text + "*", cell.value, cell.kind)
        if r["covariate"] != current:
            current = r["covariate"]
            tb.group(str(current))
        tb.add(tb.text(c.arm_label(r["arm"])),
               _mean_sd(tb, r.get("mean_arm"), r.get("sd_arm"), hide),
               _mean_sd(tb, r.get("mean_control"), r.get("sd_control"), hide),
               cell, tb.count(r.get("n_arm")), tb.count(r.get("n_control")))
    if flagged:
        tb.note(loc.t("balance.flag_note"))
    tests = _records(_frame(c.ev, "balance_tests"))
    tt = c.table("balance-tests", loc.t("balance.tests_caption"),
                 [loc.t("balance.site"), loc.t("balance.arm"), loc.t("balance.statistic"),
                  loc.t("balance.df"), loc.t("balance.p"), loc.t("balance.n")])
    tests.sort(key=lambda r: (str(r.get("site")) != POOLED, str(r.get("site")),
                              arm_pos.get(str(r.get("arm")), 99)))
    for r in tests:
        hide = c.dc.too_few(r.get("n"))
        tt.add(tt.text(c.site_label(r.get("site"))), tt.text(c.arm_label(r.get("arm"))),
               tt.number(r.get("statistic"), 2, withheld=hide), tt.text(_df_text(c, r)),
               _test_p(c, tt, r, hide), tt.count(r.get("n")))
    return {"intro": loc.t("balance.intro"), "table": c.add_table(tb),
            "tests": c.add_table(tt) if tests else None}


def _test_p(c: _Ctx, tb: TableBuilder, r: Mapping[str, Any], hide: bool):
    """The p-value cell of a balance or attrition test; "not testable" where it is not."""
    if r.get("testable") is False:
        return tb.text(c.loc.t("balance.not_testable"))
    return tb.p(r.get("p_value"), withheld=hide)


def _mean_sd(tb: TableBuilder, mean: Any, sd: Any, hide: bool):
    cell = tb.number(mean, 2, withheld=hide)
    if hide or not _finite(mean):
        return cell
    sd_text = tb.loc.number(sd, 2) if _finite(sd) else DASH
    return type(cell)(f"{cell.text} ({sd_text})", cell.value, cell.kind)


def _df_text(c: _Ctx, r: Mapping[str, Any]) -> str:
    d1, d2 = r.get("df1"), r.get("df2")
    if not _finite(d1):
        return DASH
    d2_text = c.loc.number(d2, 0 if float(d2).is_integer() else 1) if _finite(d2) else DASH
    return f"{c.loc.integer(d1)}; {d2_text}"


def _wave_text(c: _Ctx, wave: Any) -> str:
    return c.loc.t("attrition.baseline") if wave == 0 else str(wave)


def _rows_by_outcome(
    c: _Ctx, tb: Any, recs: list[dict[str, Any]]
) -> Iterator[tuple[dict[str, Any], Any, bool]]:
    """Yield ``(record, unit, hide)`` for sorted records, opening a group row per outcome.

    ``hide`` tells whether the record's ``n`` is below ``min_cell``.
    """
    current = None
    for r in recs:
        if str(r.get("outcome")) != current:
            current = str(r.get("outcome"))
            tb.group(c.outcome_label(current))
        yield r, c.unit(r.get("outcome")), c.dc.too_few(r.get("n"))


def _sort_by_outcome_and_arm(c: _Ctx, recs: list[dict[str, Any]]) -> None:
    """Sort records in place: outcomes, then arms, in the order of the plan (others last)."""
    pos = {o: i for i, o in enumerate(c.outcome_order())}
    arm_pos = {a: i for i, a in enumerate(c.cfg.arm_ids)}
    recs.sort(key=lambda r: (pos.get(str(r.get("outcome")), 99), arm_pos.get(str(r.get("arm")), 99)))


def _attrition(c: _Ctx) -> dict[str, Any]:
    loc = c.loc
    resp = _frame(c.ev, "response")
    if resp.empty:
        return c.na("attrition.none")
    pooled = _pooled(resp)
    if pooled.empty:
        pooled = resp.groupby(["arm", "wave"], as_index=False)[["n_randomised", "n_responded"]].sum()
        pooled["rate"] = pooled["n_responded"] / pooled["n_randomised"]
    arm_pos = {a: i for i, a in enumerate(c.cfg.arm_ids)}
    recs = _records(pooled)
    recs.sort(key=lambda r: (r.get("wave") or 0, arm_pos.get(str(r.get("arm")), 99)))
    tb = c.table("response", loc.t("attrition.caption"),
                 [loc.t("attrition.arm"), loc.t("attrition.n_randomised"),
                  loc.t("attrition.n_responded"), loc.t("attrition.rate")])
    tb.group_column = loc.t("attrition.wave")
    current = object()
    for r in recs:
        if r.get("wave") != current:
            current = r.get("wave")
            tb.group(loc.t("attrition.wave_title", wave=_wave_text(c, current)))
        hide = c.dc.too_few(r.get("n_randomised"), r.get("n_responded"))
        rate = tb.number(r.get("rate"), 1, scale=100, suffix="%", withheld=hide)
        tb.add(tb.text(_arm_text(c, str(r.get("arm")))),
               tb.count(r.get("n_randomised")), tb.count(r.get("n_responded")), rate)
    tests = _records(_frame(c.ev, "attrition_tests"))
    tests.sort(key=lambda r: (str(r.get("site")) != POOLED, str(r.get("site")), r.get("wave") or 0))
    tt = c.table("attrition-tests", loc.t("attrition.tests_caption"),
                 [loc.t("attrition.site"), loc.t("attrition.wave"), loc.t("balance.statistic"),
                  loc.t("balance.df"), loc.t("balance.p")])
    for r in tests:
        tt.add(tt.text(c.site_label(r.get("site"))), tt.text(_wave_text(c, r.get("wave"))),
               tt.number(r.get("statistic"), 2), tt.text(_df_text(c, r)),
               _test_p(c, tt, r, False))
    lee = _records(_pooled(_frame(c.ev, "lee_bounds")))
    lee_table = None
    if lee:
        _sort_by_outcome_and_arm(c, lee)
        lt = c.table("lee-bounds", loc.t("attrition.lee_caption"),
                     [loc.t("attrition.arm"), loc.t("attrition.lower"),
                      loc.t("attrition.upper"), loc.t("attrition.lee_ci", level=c.level),
                      loc.t("attrition.trimming"),
                      loc.t("attrition.trimmed_group"), loc.t("balance.n")])
        lt.group_column = loc.t("attrition.outcome")
        for r, unit, hide in _rows_by_outcome(c, lt, lee):
            group = str(r.get("trimmed_group") or "")
            if group in ("treated", "control", "mixed"):
                group_text = loc.t(f"attrition.trimmed.{group}")
            else:
                group_text = c.arm_label(group) if group in c.cfg.arm_ids else group
            lt.add(lt.text(c.arm_label(r.get("arm"))),
                   _effect_cell(c, lt, unit, r.get("lower"), hide),
                   _effect_cell(c, lt, unit, r.get("upper"), hide),
                   _lee_interval(c, lt, unit, r, hide),
                   lt.number(r.get("trimming_share"), 1, scale=100, suffix="%", withheld=hide),
                   lt.text(group_text or None), lt.count(r.get("n")))
        lee_table = c.add_table(lt)
    return {"intro": loc.t("attrition.intro"), "table": c.add_table(tb),
            "tests": c.add_table(tt) if tests else None, "lee": lee_table}


def _lee_interval(c: _Ctx, tb: TableBuilder, unit: Unit, r: Mapping[str, Any], hide: bool):
    """The Imbens-Manski interval of a Lee bounds row, as "low to high"."""
    lo = _effect_cell(c, tb, unit, r.get("ci_low"), hide)
    hi = _effect_cell(c, tb, unit, r.get("ci_high"), hide)
    if hide or not (_finite(r.get("ci_low")) and _finite(r.get("ci_high"))):
        return tb.text(None)
    return tb.text(f"{lo.text} – {hi.text}")


def _effect_cell(c: _Ctx, tb: TableBuilder, unit: Unit, x: Any, hide: bool):
    cell = tb.number(x, unit.digits, scale=unit.scale, withheld=hide)
    if cell.value is None:
        return cell
    return type(cell)(unit.effect(c.loc, x), cell.value, cell.kind)


def _effect_columns(c: _Ctx, first: str, has_ri: bool) -> list[str]:
    """Headers of an effects table: ``first``, estimate, interval, p, adjusted p (and RI p)."""
    loc = c.loc
    cols = [first, loc.t("effects.estimate"), loc.t("effects.ci", level=c.level),
            loc.t("effects.p"), loc.t("effects.p_adjusted")]
    if has_ri:
        cols.append(loc.t("effects.p_ri"))
    return cols


def _effect_cells(c: _Ctx, tb: TableBuilder, unit: Unit, r: Mapping[str, Any], label: str,
                  hide: bool, has_ri: bool) -> list[Cell]:
    """The cells of one effect under :func:`_effect_columns`, ``label`` first."""
    cells = [tb.text(label),
             _effect_cell(c, tb, unit, r.get("estimate"), hide),
             tb.interval(r.get("ci_low"), r.get("ci_high"), unit.digits,
                         scale=unit.scale, withheld=hide),
             tb.p(r.get("p_value"), withheld=hide),
             tb.p(r.get("p_adjusted"), withheld=hide)]
    if has_ri:
        cells.append(tb.p(r.get("p_value_ri"), withheld=hide))
    return cells


def _effects(c: _Ctx) -> dict[str, Any]:
    loc = c.loc
    pooled = _records(_pooled(c.effects))
    if not pooled:
        return c.na("effects.none")
    by = {(str(r["outcome"]), str(r["arm"])): r for r in pooled}
    has_ri = any(_finite(r.get("p_value_ri")) for r in pooled)
    method = c.cfg.analysis.multiple_testing
    families = []
    for fi, fam in enumerate(c.family_order(), start=1):
        outcomes = sorted(c.cfg.families[fam], key=lambda o: not o.primary)
        cols = [*_effect_columns(c, loc.t("effects.arm"), has_ri),
                loc.t("effects.n"), loc.t("effects.control_mean")]
        tb = c.table(f"effects-{fi}", loc.t("effects.caption", family=fam), cols)
        tb.group_column = loc.t("effects.outcome")
        panels = []
        desc_items = []
        for o in outcomes:
            unit = c.unit(o.id)
            rows = []
            title = o.display_label + (f" ({loc.t('effects.primary_mark')})" if o.primary else "")
            if _needs_unit(o.display_label, unit, loc):
                title += f" \u2013 {unit.title(loc)}"
            tb.group(title)
            for arm in c.treatment_ids:
                r = by.get((o.id, arm))
                if r is None:
                    continue
                hide = c.withheld(r)
                cells = _effect_cells(c, tb, unit, r, c.arm_label(arm), hide, has_ri)
                cm = tb.number(r.get("control_mean"), unit.digits, withheld=hide)
                if cm.value is not None:
                    cm = type(cm)(unit.mean(loc, r.get("control_mean")), cm.value, cm.kind)
                cells += [tb.count(r.get("n")), cm]
                tb.add(*cells)
                rows.append(_coef_row(c, r, unit, c.arm_label(arm), c.style(arm), hide))
                desc_items.append(_desc_item(c, r, unit, hide))
            if rows:
                title = o.display_label
                if _needs_unit(o.display_label, unit, loc):
                    title += f" ({unit.title(loc)})"
                panels.append(Panel(title, tuple(rows)))
        table = c.add_table(tb)
        figure = None
        if panels:
            canvas = coefficient_plot(panels, c.tick)
            hidden = _hidden_note(c, [r for p in panels for r in p.rows])
            figure = c.add_figure(
                f"fig-effects-{fi}", loc.t("effects.figure", family=fam, level=c.level) + hidden,
                loc.t("effects.desc", level=c.level, items="; ".join(desc_items)), canvas)
        families.append({"title": loc.t("effects.family", family=fam), "table": table,
                         "figure": figure})
    intro = loc.t("effects.intro", level=c.level, method=loc.t(f"method.{method}"))
    return {"intro": intro, "families": families, "compliers": _compliers(c)}


def _compliers(c: _Ctx) -> Table | None:
    """Complier (instrumental-variable) effects for arms with a take-up declaration."""
    loc = c.loc
    recs = _records(_pooled(_frame(c.ev, "compliers")))
    if not recs:
        return None
    _sort_by_outcome_and_arm(c, recs)
    tb = c.table("compliers", loc.t("effects.compliers_caption"),
                 [loc.t("effects.arm"), loc.t("effects.estimate"),
                  loc.t("effects.ci", level=c.level), loc.t("effects.p"), loc.t("effects.n"),
                  loc.t("effects.first_stage"), loc.t("effects.first_stage_f")])
    tb.group_column = loc.t("effects.outcome")
    for r, unit, hide in _rows_by_outcome(c, tb, recs):
        tb.add(tb.text(c.arm_label(r.get("arm"))),
               _effect_cell(c, tb, unit, r.get("estimate"), hide),
               tb.interval(r.get("ci_low"), r.get("ci_high"), unit.digits, scale=unit.scale,
                           withheld=hide),
               tb.p(r.get("p_value"), withheld=hide), tb.count(r.get("n")),
               tb.number(r.get("first_stage"), 1, scale=100, suffix="%", withheld=hide),
               tb.number(r.get("first_stage_f"), 1, withheld=hide))
    return c.add_table(tb)


def _hidden_note(c: _Ctx, rows: list[CoefRow]) -> str:
    """A caption note when a plot shows a dash instead of an estimate."""
    if any(not r.heading and r.estimate is None for r in rows):
        return ". " + c.loc.t("doc.figure_suppressed", dash=DASH, min_cell=c.dc.min_cell)
    return ""


def _needs_unit(label: str, unit: Unit, loc: Locale) -> bool:
    """Whether a title needs the unit added (not when the label already names it)."""
    name = unit.title(loc)
    return bool(name) and name.lower() not in label.lower()


def _coef_row(c: _Ctx, r: Mapping[str, Any], unit: Unit, label: str, style: ArmStyle | None,
              hide: bool, *, pooled: bool = False) -> CoefRow:
    est = r.get("estimate")
    if hide or not _finite(est):
        return CoefRow(label, None, None, None, DASH, style, pooled=pooled)
    lo, hi = r.get("ci_low"), r.get("ci_high")
    text = (f"{unit.effect(c.loc, est)} ({unit.bound(c.loc, lo)} {c.loc.t('doc.to')} "
            f"{unit.bound(c.loc, hi)})")
    return CoefRow(label, est * unit.scale,
                   lo * unit.scale if _finite(lo) else None,
                   hi * unit.scale if _finite(hi) else None, text, style, pooled=pooled)


def _desc_item(c: _Ctx, r: Mapping[str, Any], unit: Unit, hide: bool) -> str:
    arm, outcome = c.arm_label(r["arm"]), c.outcome_label(r["outcome"])
    if hide or not _finite(r.get("estimate")):
        return c.loc.t("effects.desc_missing", arm=arm, outcome=outcome)
    return c.loc.t("effects.desc_item", arm=arm, outcome=outcome,
                   estimate=unit.effect(c.loc, r["estimate"]),
                   low=unit.bound(c.loc, r.get("ci_low")), high=unit.bound(c.loc, r.get("ci_high")))


def _sites(c: _Ctx) -> dict[str, Any]:
    loc = c.loc
    eff = c.effects
    if eff.empty:
        return c.na("effects.none")
    site_names = sorted({str(s) for s in eff["site"].tolist()} - {POOLED})
    if len(site_names) <= 1:
        counts = _participant_counts(c)
        names = sorted(counts["site"].unique().tolist()) if not counts.empty else site_names
        return c.na("sites.single", site=names[0] if names else DASH)
    recs = _records(eff)
    by = {(str(r["site"]), str(r["outcome"]), str(r["arm"])): r for r in recs}
    has_ri = any(_finite(r.get("p_value_ri")) for r in recs)
    outcomes = []
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
                tb.add(*cells)
                arm_rows.append(_coef_row(c, r, unit, c.site_label(site), c.style(arm), hide,
                                          pooled=site == POOLED))
                row = arm_rows[-1]
                desc.append(f"{c.arm_label(arm)}, {c.site_label(site)}: {row.text}")
            if arm_rows:
                rows.append(CoefRow(c.arm_label(arm), None, None, None, "", heading=True))
                rows.extend(arm_rows)
        if not rows:
            continue
        title = label + (f" ({unit.title(loc)})" if _needs_unit(label, unit, loc) else "")
        canvas = forest_plot(rows, c.tick)
        caption = loc.t("sites.figure", outcome=title, level=c.level) + _hidden_note(c, rows)
        figure = c.add_figure(f"fig-sites-{oi}", caption,
                              loc.t("sites.desc", outcome=label, items="; ".join(desc)), canvas)
        outcomes.append({"title": label, "figure": figure, "table": c.add_table(tb)})
    return {"intro": loc.t("sites.intro"), "outcomes": outcomes}


def _monthly(c: _Ctx) -> dict[str, Any]:
    loc = c.loc
    curves = _pooled(_frame(c.ev, "monthly_curves"))
    if curves.empty:
        return c.na("monthly.none")
    recs = _records(curves)
    arm_ids = [a.id for a in c.cfg.randomised_arms] + c.reference_ids
    present = {str(r["arm"]) for r in recs}
    figures = []
    for key, column in (("monthly.on_benefit", "share_on_benefit"),
                        ("monthly.employed", "share_employed")):
        if column not in curves.columns:
            continue
        series = []
        items = []
        for arm in arm_ids:
            if arm not in present:
                continue
            pts = []
            for r in sorted((r for r in recs if str(r["arm"]) == arm), key=lambda r: r["month"]):
                v = r.get(column)
                if c.dc.too_few(r.get("n")) or not _finite(v):
                    v = None
                pts.append((int(r["month"]), v))
            label = _arm_text(c, arm)
            series.append(Series(label, c.style(arm), tuple(pts)))
            shown = [v for _, v in pts if v is not None]
            if shown:
                items.append(loc.t("monthly.desc_item", arm=label, start=loc.percent(shown[0], 0),
                                   end=loc.percent(shown[-1], 0)))
        months = [m for s in series for m, _ in s.points]
        if not series or not months:
            continue
        measure = loc.t(key)
        canvas = monthly_chart(series, x_label=loc.t("monthly.month"),
                               y_label=loc.t("monthly.share"),
                               zero_label=loc.t("monthly.randomisation"), fmt_tick=c.tick)
        desc = loc.t("monthly.desc", measure=measure.lower(), first=min(months), last=max(months),
                     items="; ".join(items))
        figures.append(c.add_figure(f"fig-monthly-{column.replace('_', '-')}",
                                    loc.t("monthly.figure", measure=measure), desc, canvas))
    if not figures:
        return c.na("monthly.none")
    return {"intro": loc.t("monthly.intro", min_cell=c.dc.min_cell), "figures": figures,
            "reference": any(a in present for a in c.reference_ids)}


def _reliability(c: _Ctx) -> dict[str, Any]:
    loc = c.loc
    rel = _records(_frame(c.ev, "reliability"))
    if not rel:
        return c.na("reliability.none")
    labels = {s.id: (s.label or s.id) for s in c.cfg.scales}
    pos = {s.id: i for i, s in enumerate(c.cfg.scales)}
    rel.sort(key=lambda r: (pos.get(str(r.get("scale")), 99), r.get("wave") or 0))
    tb = c.table("reliability", loc.t("reliability.caption"),
                 [loc.t("reliability.scale"), loc.t("reliability.wave"), loc.t("reliability.alpha"),
                  loc.t("reliability.n"), loc.t("reliability.n_items")])
    for r in rel:
        hide = c.dc.too_few(r.get("n"))
        tb.add(tb.text(labels.get(str(r.get("scale")), str(r.get("scale")))),
               tb.text(_wave_text(c, r.get("wave"))), tb.number(r.get("alpha"), 2, withheld=hide),
               tb.count(r.get("n")), tb.number(r.get("n_items"), 0))
    return {"intro": loc.t("reliability.intro"), "table": c.add_table(tb)}


def _inference(c: _Ctx) -> dict[str, Any]:
    loc = c.loc
    pooled = _records(_pooled(c.effects))
    draws = int(getattr(c.ev, "permutations", 0) or 0)
    if not draws or not any(_finite(r.get("p_value_ri")) for r in pooled):
        return c.na("inference.none")
    tb = c.table("randomisation-inference", loc.t("inference.caption"),
                 [loc.t("effects.arm"), loc.t("effects.p"),
                  loc.t("effects.p_ri"), loc.t("effects.p_adjusted")])
    tb.group_column = loc.t("effects.outcome")
    by = {(str(r["outcome"]), str(r["arm"])): r for r in pooled}
    for oid in c.outcome_order():
        tb.group(c.outcome_label(oid))
        for arm in c.treatment_ids:
            r = by.get((oid, arm))
            if r is None:
                continue
            hide = c.withheld(r)
            tb.add(tb.text(c.arm_label(arm)),
                   tb.p(r.get("p_value"), withheld=hide), tb.p(r.get("p_value_ri"), withheld=hide),
                   tb.p(r.get("p_adjusted"), withheld=hide))
    seed = _provenance(c.ev).get("seed", c.cfg.analysis.seed)
    return {"intro": loc.t("inference.intro", draws=loc.integer(draws), seed=seed),
            "table": c.add_table(tb)}


def _reference(c: _Ctx) -> dict[str, Any]:
    loc = c.loc
    ref = _records(_frame(c.ev, "reference"))
    if not c.reference_ids or not ref:
        return c.na("reference.none")
    pos = {o: i for i, o in enumerate(c.outcome_order())}
    arm_pos = {a: i for i, a in enumerate([c.control, *c.reference_ids])}
    ref.sort(key=lambda r: (pos.get(str(r.get("outcome")), 99), arm_pos.get(str(r.get("arm")), 99)))
    tb = c.table("reference", loc.t("reference.caption"),
                 [loc.t("reference.arm"), loc.t("reference.mean"), loc.t("reference.n")])
    tb.group_column = loc.t("reference.outcome")
    for r, unit, hide in _rows_by_outcome(c, tb, ref):
        mean = tb.number(r.get("mean"), unit.digits, withheld=hide)
        if mean.value is not None:
            mean = type(mean)(unit.mean(loc, r.get("mean")), mean.value, mean.kind)
        tb.add(tb.text(_arm_text(c, str(r.get("arm")))), mean, tb.count(r.get("n")))
    return {"intro": loc.t("reference.intro"), "table": c.add_table(tb), "reference": True}


def _provenance(ev: Any) -> Mapping[str, Any]:
    prov = getattr(ev, "provenance", None)
    return prov if isinstance(prov, Mapping) else {}


def _methods(c: _Ctx) -> dict[str, Any]:
    loc = c.loc
    an = c.cfg.analysis
    se = an.standard_errors
    se_text = loc.t("methods.se.CR" if se.startswith("CR") else "methods.se.HC", se=se)
    df_key = "methods.df.HC" if se.startswith("HC") else ("methods.df.CR2" if se == "CR2" else "methods.df.CR")
    strata = c.cfg.strata
    draws = int(getattr(c.ev, "permutations", 0) or 0)
    seed = _provenance(c.ev).get("seed", an.seed)
    paragraphs = []
    if an.adjustment == "lin" and an.covariates:
        paragraphs.append(loc.t("methods.lin"))
    if any(o.source == "survey" and (o.wave or 0) > 0 for o in c.cfg.outcomes):
        paragraphs.append(loc.t("methods.baseline"))
    if any(o.type == "binary" for o in c.cfg.outcomes):
        paragraphs.append(loc.t("methods.binary"))
    paragraphs.append(loc.t("methods.se", se=se_text, df=loc.t(df_key),
                            alpha=loc.number(an.alpha, 2)))
    paragraphs.append(loc.t("methods.estimand_lin" if an.adjustment == "lin" and an.covariates
                            else "methods.estimand"))
    paragraphs.append(loc.t("methods.checks"))
    paragraphs.append(loc.t("methods.multiple", method=loc.t(f"method.{an.multiple_testing}")))
    paragraphs.append(loc.t("methods.ri", draws=loc.integer(draws), seed=seed) if draws
                      else loc.t("methods.no_ri"))
    if c.reference_ids:
        paragraphs.append(loc.t("methods.reference"))
    paragraphs.append(loc.t("methods.disclosure", min_cell=c.dc.min_cell))
    versions = dict(_provenance(c.ev).get("versions", {}) or {})
    versions.setdefault("trustexp", __version__)
    vt = c.table("software", loc.t("methods.software_caption"),
                 [loc.t("methods.package"), loc.t("methods.version")])
    for name in sorted(versions, key=lambda k: (k != "trustexp", k != "python", k.lower())):
        vt.add(vt.text(name), vt.text(versions[name]))
    none = loc.t("doc.none")
    return {
        "model_intro": loc.t("methods.model_intro"),
        "strata": bool(strata),
        "covariates": bool(an.covariates),
        "lin": an.adjustment == "lin" and bool(an.covariates),
        "terms": loc.t("methods.model_terms"),
        "covariates_text": loc.t("methods.model_covariates",
                                 strata=loc.join(list(strata)) or none,
                                 covariates=loc.join(list(an.covariates)) or none),
        "paragraphs": paragraphs,
        "software": c.add_table(vt),
    }


def _reproducibility(c: _Ctx, date: str | None) -> dict[str, Any]:
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
        (loc.t("repro.permutations"), loc.integer(getattr(c.ev, "permutations", 0) or 0), False),
        (loc.t("repro.min_cell"), loc.integer(c.dc.min_cell), False),
        (loc.t("repro.language"), loc.lang, True),
        (loc.t("repro.version"), __version__, True),
        (loc.t("repro.command"), command or loc.t("repro.command_none"), bool(command)),
    ]
    return {"intro": loc.t("repro.intro"), "files": c.add_table(ft), "facts": facts, "date": date}


# ---------------------------------------------------------------------------


def build_content(ev: Any, loc: Locale, disclosure: Disclosure, *, date: str | None = None,
                  progress: Callable[[str], None] | None = None) -> Content:
    """Build every section of the report.

    Parameters
    ----------
    ev
        The evaluation.
    loc, disclosure
        Language and suppression rule.
    date
        The date to print (from ``SOURCE_DATE_EPOCH``), or ``None`` to leave it out.
    progress
        Called with each section's name as it is built.
    """
    c = _Ctx(ev, loc, disclosure)
    builders: dict[str, Callable[[], dict[str, Any]]] = {
        "summary": lambda: _summary(c),
        "design": lambda: _design(c),
        "flow": lambda: _flow(c),
        "validation": lambda: _validation(c),
        "balance": lambda: _balance(c),
        "attrition": lambda: _attrition(c),
        "effects": lambda: _effects(c),
        "sites": lambda: _sites(c),
        "monthly": lambda: _monthly(c),
        "reliability": lambda: _reliability(c),
        "inference": lambda: _inference(c),
        "reference": lambda: _reference(c),
        "methods": lambda: _methods(c),
        "reproducibility": lambda: _reproducibility(c, date),
    }
    sections = {}
    for name in SECTIONS:
        if progress is not None:
            progress(name)
        sections[name] = {"na": None, **builders[name]()}
    reference_labels = loc.join([c.arm_label(a) for a in c.reference_ids])
    meta = {
        "title": c.cfg.name,
        "reference_warning": (loc.t("doc.reference_warning", labels=reference_labels)
                              if c.reference_ids else None),
        "date": date,
    }
    return Content(sections, c.tables, c.figures, meta)
