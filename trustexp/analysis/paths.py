"""Effects month by month (frame ``paths``): when effects appear and whether they last.

For every monthly series that makes sense per month (see
:data:`trustexp.measures.SERIES`; the series of the declared monthly outcomes:
on benefit, employed, in work off benefit, in work on benefit, earnings, and
the work series again with each declared ``min_hours``), every analysis
(pooled, then each site) and every follow-up month ``1..H``: the ITT effect of
each arm against control with the model, standard errors and small-sample
choices of the main estimate (:mod:`trustexp.analysis.effects`), over the
persons whose month is known, by :func:`trustexp.stats.paths.estimate_paths`
(one stacked computation for all months). Each row has its pointwise interval
(``ci_low``, ``ci_high``) and the simultaneous sup-t band of its arm over the
months (``band_low``, ``band_high``, critical value ``critical``), from
Gaussian draws of the robust correlation of the month estimates.

The plan: ``[paths]`` in ``trial.toml`` (all optional)::

    [paths]
    months = 36            # H, the last month shown (default: the last month of
                           # the longest monthly outcome window)
    treatment_months = 24  # months 1..24 are in the trial, later months after it
    draws = 10000          # Gaussian draws for the band's critical value
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trustexp.analysis import groups
from trustexp.analysis.samples import refactor
from trustexp.frames import (
    Fact,
    FrameFacts,
    FrameSpec,
    Inputs,
    Relation,
    count,
    key,
    label,
    register,
    statistic,
)
from trustexp.measures import MEASURES, SERIES

__all__ = ["PATHS", "PathPlan", "path_plan", "path_series", "series_values"]


@dataclass(frozen=True, slots=True)
class PathPlan:
    """The ``[paths]`` table of ``trial.toml`` with its defaults filled in."""

    months: int
    treatment_months: int | None
    draws: int


def path_plan(inp: Inputs) -> PathPlan:
    """Read ``[paths]`` (the one place that does)."""
    raw: Any = getattr(inp.config, "raw", None) or {}
    table = raw.get("paths", {}) if isinstance(raw, Mapping) else {}
    table = table if isinstance(table, Mapping) else {}
    ends = []
    for o in inp.config.outcomes:
        if o.source == "monthly":
            if o.window is not None:
                ends.append(int(o.window[1]))
            elif o.window_months is not None:
                ends.append(int(o.window_months))
    default = max(ends, default=12)
    treat = table.get("treatment_months")
    return PathPlan(int(table.get("months", default)),
                    None if treat is None else int(treat),
                    int(table.get("draws", 10_000)))


def path_series(inp: Inputs) -> list[tuple[str, str, float | None, str]]:
    """``(series key, series name, min_hours, outcome id)`` of the declared monthly outcomes,
    each series (with its hours threshold) once, in declaration order."""
    out: list[tuple[str, str, float | None, str]] = []
    seen: set[str] = set()
    for o in inp.config.outcomes:
        spec = MEASURES.get(o.measure or "") if o.source == "monthly" else None
        if spec is None or spec.series is None:
            continue
        series = SERIES[spec.series]
        hours = o.min_hours if series.uses_hours else None
        name = series.name if hours is None else f"{series.name}_{hours:g}h"
        if name not in seen:
            seen.add(name)
            out.append((name, series.name, hours, o.id))
    return out


def series_values(inp: Inputs, series: str, min_hours: float | None, months: int) -> np.ndarray:
    """Persons (participants order) x months ``1..months`` of one series, NaN where unknown."""
    from trustexp.outcomes import _Panel, follow_up_months, window_arrays

    store = inp.__dict__.setdefault("_paths_memo", {})
    if "panel" not in store:
        parts = inp.trial.participants
        frame = follow_up_months(parts, inp.trial.monthly)
        store["panel"] = _Panel(frame, len(parts), months)
    arrays, _ = window_arrays(store["panel"], 1, months, min_hours, SERIES[series].uses_hours)
    return SERIES[series].value(arrays)[0]


def _build(inp: Inputs) -> pd.DataFrame:
    from trustexp.analysis.samples import POOLED
    from trustexp.stats._threads import on_threads
    from trustexp.stats.paths import estimate_paths

    plan = path_plan(inp)
    an = inp.config.analysis
    rows: list[dict[str, Any]] = []
    if inp.trial.monthly is None or plan.months < 1:
        return typed(rows)
    labels = {o.id: o.display_label for o in inp.config.outcomes}
    jobs: list[tuple[str, str, str, np.ndarray, Any]] = []
    for key_name, series, hours, outcome in path_series(inp):
        values = series_values(inp, series, hours, plan.months)
        jobs.extend((key_name, series, outcome, values, sample) for sample in inp.samples
                    if sample.has_control and sample.arms)

    def fit(job: tuple[str, str, str, np.ndarray, Any]) -> Any:
        _, _, _, values, sample = job
        try:
            return estimate_paths(
                values[sample.rows], sample.arm, n_arms=sample.n_arms,
                covariates=sample.covariates if sample.covariates.shape[1] else None,
                strata=refactor(sample.blocks), clusters=refactor(sample.clusters),
                adjustment=an.adjustment, se_type=sample.se_type,
                alpha=an.alpha, draws=plan.draws, seed=sample.seed,
            )
        except (ValueError, np.linalg.LinAlgError):  # degenerate data (say 1e308)
            return None  # the month-by-month effects of this analysis are not estimable

    # the pooled analyses one at a time (each holds the whole panel), the sites on threads;
    # every fit is the same on any thread
    pooled = [j for j in jobs if j[4].site == POOLED]
    sites = [j for j in jobs if j[4].site != POOLED]
    results = dict(zip(map(id, pooled), map(fit, pooled), strict=True))
    results.update(zip(map(id, sites), on_threads(fit, sites), strict=True))
    for job in jobs:
        key_name, series, outcome, _, sample = job
        res = results[id(job)]
        if res is None:
            continue
        for t in range(plan.months):
            month = t + 1
            for j, arm in enumerate(sample.arms):
                rows.append({
                    "site": sample.site, "series": key_name, "arm": arm.id, "month": month,
                    "estimate": res.estimate[t, j], "std_error": res.std_error[t, j],
                    "statistic": res.statistic[t, j], "p_value": res.p_value[t, j],
                    "ci_low": res.ci_low[t, j], "ci_high": res.ci_high[t, j],
                    "band_low": res.band_low[t, j], "band_high": res.band_high[t, j],
                    "critical": res.critical[j], "df": res.df[t, j],
                    "n": int(res.n[t]), "n_arm": int(res.n_arm[t, j]),
                    "n_control": int(res.n_control[t]),
                    "control_mean": res.control_mean[t], "se_type": res.se_type,
                    "in_trial": plan.treatment_months is None
                    or month <= plan.treatment_months,
                    "unit": SERIES[series].unit, "outcome": outcome,
                    "outcome_label": labels.get(outcome, outcome), "arm_label": arm.label,
                })
    return typed(rows)


def _group_sizes(inp: Inputs, frame: pd.DataFrame) -> dict[tuple[str, str, str, int], tuple[int, int | None, bool]]:
    """Per (site, arm, series, month): known persons, events (share series), dominance (euros)."""
    plan = path_plan(inp)
    cells = groups.cell_rows(inp)
    out: dict[tuple[str, str, str, int], tuple[int, int | None, bool]] = {}
    for key_name, series, hours, _ in path_series(inp):
        if key_name not in set(frame["series"]):
            continue
        values = series_values(inp, series, hours, plan.months)
        share = SERIES[series].unit == "share"
        for s in ("all", *inp.sites):
            for a in inp.config.arm_ids:
                v = values[cells[(s, a)]]
                obs = np.isfinite(v)
                n = obs.sum(axis=0)
                sums = np.where(obs, v, 0.0).sum(axis=0)
                for t in range(plan.months):
                    dom = (not share) and groups.dominated(v[:, t])
                    out[(s, a, key_name, t + 1)] = (
                        int(n[t]), int(round(float(sums[t]))) if share else None, bool(dom))
    return out


def path_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """An effect in month ``t`` describes the persons of its arm and of control whose month
    is known (and, for a share, those with and without the state) and reveals their sums;
    its degrees of freedom reveal the month's sample ``n``, the sum of every arm's."""
    if frame.empty:
        return FrameFacts()
    ctrl = inp.config.control_arm
    sizes = _group_sizes(inp, frame)
    cells, rests, values = [], [], []
    people: dict[Fact, int] = {}
    relations: list[Relation] = []
    dom: set[Fact] = set()
    seen: set[tuple[str, str, int]] = set()

    def facts_of(s: str, a: str, o: str, t: int) -> tuple[tuple[Fact, ...], tuple[Fact, ...]]:
        d = ("path", o, t)
        n_known, events, dominated = sizes.get((s, a, o, t), (0, None, False))
        known = Fact("analysed", s, a, d)
        people[known] = n_known
        if events is not None:
            ev, ne = Fact("events", s, a, d), Fact("nonevents", s, a, d)
            people[ev], people[ne] = events, n_known - events
            relations.append(Relation(known, (ev, ne)))
            return (known, ev, ne), (ev,)
        total = Fact("sum", s, a, d)
        people[total] = n_known
        if dominated:
            dom.add(total)
        return (known, total), (total,)

    for r in groups.rows(frame[["site", "series", "arm", "month"]]):
        s, o, a, t = str(r["site"]), str(r["series"]), str(r["arm"]), int(r["month"])
        d = ("path", o, t)
        n = Fact("n", s, "*", d)
        cells.append({"n": n, "n_arm": Fact("analysed", s, a, d),
                      "n_control": Fact("analysed", s, ctrl, d)})
        ra, va = facts_of(s, a, o, t)
        rc, vc = facts_of(s, ctrl, o, t)
        rests.append((*ra, *rc))
        values.append((*va, *vc))
        if (s, o, t) not in seen:
            seen.add((s, o, t))
            arms = groups.arms_in(inp, s)
            for x in arms:
                facts_of(s, x, o, t)
            relations.append(Relation(n, tuple(Fact("analysed", s, x, d) for x in arms)))
    return FrameFacts(cells, rests, values, people, relations, frozenset(dom))


PATHS = register(FrameSpec(
    name="paths",
    doc="The effect of each arm in each follow-up month, per monthly series, pooled and per site.",
    columns=(
        key("site", "'all' for the pooled analysis, else the site"),
        key("series", "the monthly series (with '_<H>h' for a min_hours threshold)"),
        key("arm", "the arm's id"),
        key("month", "months since randomisation", dtype="int64"),
        statistic("estimate", "the effect in that month (a share: a difference in proportions)"),
        statistic("std_error"),
        statistic("statistic", "the t statistic"),
        statistic("p_value", "pointwise"),
        statistic("ci_low", "pointwise interval"),
        statistic("ci_high"),
        statistic("band_low", "simultaneous (sup-t) band over the months, per arm"),
        statistic("band_high"),
        statistic("critical", "the band's critical value"),
        statistic("df", "degrees of freedom of the t distribution"),
        count("n", "persons in that month's model (month known)"),
        count("n_arm", "of them in the arm"),
        count("n_control", "of them in the control arm"),
        statistic("control_mean", "the control arm's mean in that month"),
        label("se_type", "the standard errors used"),
        label("in_trial", "whether the month is within [paths] treatment_months", dtype="bool"),
        label("unit", "'share' or 'euro'"),
        label("outcome", "the declared outcome the series comes from"),
        label("outcome_label"),
        label("arm_label"),
    ),
    build=_build,
    facts=path_facts,
    order=5,
    implies={"df": "n"},
    weight=20,
))


def typed(rows: list[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """The paths frame with its declared columns and dtypes."""
    from trustexp.frames import typed_frame

    return typed_frame(PATHS, rows)
