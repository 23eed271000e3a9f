"""Time to exit as survival (frames ``survival`` and ``survival_curves``).

For every ``time_to_exit`` outcome (censored as :mod:`trustexp.outcomes`
derives it) and every analysis (pooled, then each site), with the kernels of
:mod:`trustexp.stats.survival`:

``survival``: one row per treatment arm against control
    ``estimate`` is the difference in restricted mean time to exit over the
    window (``rmst_arm - rmst_control``, months; negative = faster exit), with
    its standard error, normal interval and p-value; ``hazard_ratio`` of the
    Cox model (all arms, stratified by the randomisation strata, Efron ties,
    robust standard errors clustered at the declared cluster, else per
    person) with its interval and p-value; the stratified log-rank test of
    the arm against control (``logrank_chisq``, ``logrank_p_value``).
``survival_curves``: one row per arm (control included) and month
    Kaplan-Meier ``survival`` with its pointwise interval (withheld by the gate
    while those who exited by then, or those who did not, are few).
``survival_at_risk``: the numbers at risk at the start of months 1, 7, 13, ...
    (every :data:`AT_RISK_STEP` months, as under a Kaplan-Meier plot): counts
    of people, each the next one plus those who left in between (monthly
    numbers would reveal the few who exit or are censored in one month).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy import stats

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
    typed_frame,
)
from trustexp.outcomes import EVENT_SUFFIX

__all__ = [
    "AT_RISK_STEP",
    "SURVIVAL",
    "SURVIVAL_AT_RISK",
    "SURVIVAL_CURVES",
    "survival_outcomes",
    "window_length",
]


class _WithOutcomes(Protocol):
    """What ``window_length`` reads of :class:`~trustexp.frames.Inputs`."""

    @property
    def outcomes(self) -> pd.DataFrame: ...


def survival_outcomes(inp: Inputs) -> list[Any]:
    """The declared ``time_to_exit`` outcomes."""
    return [o for o in inp.config.outcomes
            if o.source == "monthly" and o.measure == "time_to_exit"
            and o.id + EVENT_SUFFIX in inp.outcomes.columns]


def window_length(outcome: Any, inp: _WithOutcomes) -> int:
    """``tau``: the number of months of the outcome's window."""
    if outcome.window is not None:
        return int(outcome.window[1]) - int(outcome.window[0]) + 1
    if outcome.window_months is not None:
        return int(outcome.window_months)
    t = inp.outcomes[outcome.id].to_numpy(dtype=float)
    return int(np.nanmax(t)) if np.isfinite(t).any() else 1


def _data(inp: Inputs, outcome: Any, sample: Any) -> tuple[np.ndarray, ...]:
    t = inp.outcomes[outcome.id].to_numpy(dtype=float)[sample.rows]
    d = inp.outcomes[outcome.id + EVENT_SUFFIX].to_numpy(dtype=float)[sample.rows]
    obs = np.isfinite(t) & np.isfinite(d)
    return t, d, obs


def _build_effects(inp: Inputs) -> pd.DataFrame:
    from trustexp.stats.survival import cox_hazard_ratios, logrank, rmst

    alpha = inp.config.analysis.alpha
    z = stats.norm.ppf(1 - alpha / 2)
    rows: list[dict[str, Any]] = []
    for o in survival_outcomes(inp):
        tau = window_length(o, inp)
        for sample in inp.samples:
            if not sample.has_control or not sample.arms:
                continue
            t, d, obs = _data(inp, o, sample)
            tt, dd, arm = t[obs].astype(np.int64), d[obs].astype(np.int64), sample.arm[obs]
            blocks = refactor(None if sample.blocks is None else sample.blocks[obs])
            clusters = refactor(None if sample.clusters is None else sample.clusters[obs])
            beta, beta_se = cox_hazard_ratios(tt, dd, arm, sample.n_arms, blocks, clusters)
            c = arm == 0
            r0, s0 = rmst(tt[c], dd[c], tau) if c.any() else (np.nan, np.nan)
            for j, a in enumerate(sample.arms, start=1):
                sel = arm == j
                pair = sel | c
                r1, s1 = rmst(tt[sel], dd[sel], tau) if sel.any() else (np.nan, np.nan)
                est = r1 - r0
                se = float(np.hypot(s1, s0))
                zstat = est / se if se > 0 else np.nan
                chisq, p_lr = logrank(tt[pair], dd[pair], arm[pair],
                                      None if blocks is None else blocks[pair])
                b, bs = beta[j - 1], beta_se[j - 1]
                rows.append({
                    "site": sample.site, "outcome": o.id, "arm": a.id,
                    "estimate": est, "std_error": se, "statistic": zstat,
                    "p_value": 2 * stats.norm.sf(abs(zstat)) if np.isfinite(zstat) else np.nan,
                    "ci_low": est - z * se, "ci_high": est + z * se,
                    "rmst_arm": r1, "rmst_control": r0, "horizon": float(tau),
                    "hazard_ratio": np.exp(b), "log_hr_std_error": bs,
                    "hr_ci_low": np.exp(b - z * bs), "hr_ci_high": np.exp(b + z * bs),
                    "hr_p_value": 2 * stats.norm.sf(abs(b / bs)) if bs > 0 else np.nan,
                    "logrank_chisq": chisq, "logrank_p_value": p_lr,
                    "n": int(obs.sum()), "n_arm": int(sel.sum()), "n_control": int(c.sum()),
                    "n_events": int(dd[sel].sum()), "n_events_control": int(dd[c].sum()),
                    "se_type": "robust (clusters)" if clusters is not None else "robust",
                    "ties": "efron", "outcome_label": o.display_label, "arm_label": a.label,
                })
    return typed_frame(SURVIVAL, rows)


def _build_curves(inp: Inputs) -> pd.DataFrame:
    from trustexp.stats.survival import kaplan_meier

    alpha = inp.config.analysis.alpha
    rows: list[dict[str, Any]] = []
    labels = {a.id: a.label for a in inp.config.randomised_arms}
    for o in survival_outcomes(inp):
        tau = window_length(o, inp)
        for sample in inp.samples:
            if not sample.has_control:
                continue
            t, d, obs = _data(inp, o, sample)
            arm_ids = [inp.config.control_arm, *[a.id for a in sample.arms]]
            for j, a in enumerate(arm_ids):
                sel = obs & (sample.arm == j)
                km = kaplan_meier(t[sel], d[sel], tau, alpha)
                for m in range(tau):
                    rows.append({
                        "site": sample.site, "outcome": o.id, "arm": a, "month": m + 1,
                        "survival": km.survival[m], "std_error": km.std_error[m],
                        "ci_low": km.ci_low[m], "ci_high": km.ci_high[m],
                        "outcome_label": o.display_label, "arm_label": labels.get(a, a),
                    })
    return typed_frame(SURVIVAL_CURVES, rows)


#: Months between two published numbers at risk (the start of months 1, 1 + STEP, ...).
AT_RISK_STEP = 6


def _build_at_risk(inp: Inputs) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    labels = {a.id: a.label for a in inp.config.randomised_arms}
    for o in survival_outcomes(inp):
        tau = window_length(o, inp)
        for sample in inp.samples:
            if not sample.has_control:
                continue
            t, d, obs = _data(inp, o, sample)
            arm_ids = [inp.config.control_arm, *[a.id for a in sample.arms]]
            for j, a in enumerate(arm_ids):
                tt = t[obs & (sample.arm == j)]
                for m in range(1, tau + 1, AT_RISK_STEP):
                    rows.append({"site": sample.site, "outcome": o.id, "arm": a, "month": m,
                                 "n_at_risk": int((tt >= m).sum()),
                                 "outcome_label": o.display_label, "arm_label": labels.get(a, a)})
    return typed_frame(SURVIVAL_AT_RISK, rows)


def _at_risk_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """The numbers at risk at the start of months 1, 1 + STEP, ...: everyone analysed at
    month 1, and each the next one plus those who left (exited or were censored) between."""
    cells = []
    people: dict[Fact, int] = {}
    relations: list[Relation] = []
    sizes = _exits(inp)
    for key_, part in frame.groupby(["site", "outcome", "arm"], sort=False):
        s, o, a = (str(k) for k in key_)
        analysed = Fact("analysed", s, a, (o,))
        people[analysed] = sizes.get((s, a, o), (0, 0))[0]
        months = part["month"].to_numpy()
        risk = part["n_at_risk"].to_numpy()
        for i, t in enumerate(months):
            f = Fact("at_risk", s, a, (o, int(t)))
            people[f] = int(risk[i])
            cells.append({"n_at_risk": f})
            if i == 0:
                relations.append(Relation(analysed, (f,)))
            if i + 1 < len(months):
                left = Fact("left", s, a, (o, int(t), int(months[i + 1])))
                people[left] = int(risk[i] - risk[i + 1])
                relations.append(Relation(f, (Fact("at_risk", s, a, (o, int(months[i + 1]))),
                                              left)))
    return FrameFacts(cells, [() for _ in cells], (), people, relations)


def _exits(inp: Inputs) -> dict[tuple[str, str, str], tuple[int, int]]:
    """Per (site, arm, outcome): analysed persons and observed exits."""
    store = inp.__dict__.setdefault("_survival_memo", {})
    if "exits" in store:
        return store["exits"]
    out: dict[tuple[str, str, str], tuple[int, int]] = {}
    arm = inp.outcomes["arm"].astype("str").to_numpy()
    site = inp.outcomes["site"].astype("str").to_numpy()
    for o in survival_outcomes(inp):
        t = inp.outcomes[o.id].to_numpy(dtype=float)
        d = inp.outcomes[o.id + EVENT_SUFFIX].to_numpy(dtype=float)
        obs = np.isfinite(t) & np.isfinite(d)
        for s in ("all", *inp.sites):
            m = obs if s == "all" else obs & (site == s)
            for a in inp.config.arm_ids:
                sel = m & (arm == a)
                out[(s, a, o.id)] = (int(sel.sum()), int(d[sel].sum()))
    store["exits"] = out
    return out


def _effect_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """A row describes the analysed persons of its arm and of control, those who exited and
    those censored; its counts publish the analysed persons and the exits."""
    ctrl = inp.config.control_arm
    sizes = _exits(inp)
    cells, rests = [], []
    people: dict[Fact, int] = {}
    relations: list[Relation] = []
    for r in groups.rows(frame[["site", "outcome", "arm"]]):
        s, o, a = str(r["site"]), str(r["outcome"]), str(r["arm"])
        facts = []
        for x in (a, ctrl):
            n, e = sizes.get((s, x, o), (0, 0))
            an, ex, ce = (Fact("analysed", s, x, (o,)), Fact("events", s, x, (o,)),
                          Fact("nonevents", s, x, (o,)))
            people.update({an: n, ex: e, ce: n - e})
            relations.append(Relation(an, (ex, ce)))
            facts += [an, ex, ce]
        cells.append({"n": Fact("n", s, "*", (o,)), "n_arm": facts[0], "n_control": facts[3],
                      "n_events": facts[1], "n_events_control": facts[4]})
        rests.append(tuple(facts))
        arms = groups.arms_in(inp, s)
        relations.append(Relation(Fact("n", s, "*", (o,)),
                                  tuple(Fact("analysed", s, x, (o,)) for x in arms)))
    return FrameFacts(cells, rests, (), people, relations)


def _curve_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """The curve at month ``t`` rests on those who exited by then and those who did not."""
    rests = []
    people: dict[Fact, int] = {}
    relations: list[Relation] = []
    sizes = _exits(inp)
    store = inp.__dict__.setdefault("_survival_memo", {})
    cum = store.get("cumulative")
    if cum is None:
        cum = {}
        arm = inp.outcomes["arm"].astype("str").to_numpy()
        site = inp.outcomes["site"].astype("str").to_numpy()
        for o in survival_outcomes(inp):
            t = inp.outcomes[o.id].to_numpy(dtype=float)
            d = inp.outcomes[o.id + EVENT_SUFFIX].to_numpy(dtype=float)
            ev = np.isfinite(t) & (d == 1)
            for s in ("all", *inp.sites):
                for a in inp.config.arm_ids:
                    sel = ev & (arm == a) & ((site == s) if s != "all" else True)
                    cum[(s, a, o.id)] = np.sort(t[sel])
        store["cumulative"] = cum
    for r in groups.rows(frame[["site", "outcome", "arm", "month"]]):
        s, o, a, t = str(r["site"]), str(r["outcome"]), str(r["arm"]), int(r["month"])
        n_total = sizes.get((s, a, o), (0, 0))[0]
        times = cum.get((s, a, o), np.empty(0))
        exited = int(np.searchsorted(times, t, side="right"))
        analysed = Fact("analysed", s, a, (o,))
        f_cum, f_not = Fact("exited", s, a, (o, t)), Fact("not_exited", s, a, (o, t))
        people.update({analysed: n_total, f_cum: exited, f_not: n_total - exited})
        relations.append(Relation(analysed, (f_cum, f_not)))
        rests.append((f_cum, f_not))
    return FrameFacts([{} for _ in rests], rests, (), people, relations)


SURVIVAL = register(FrameSpec(
    name="survival",
    doc="Time to exit per arm against control: RMST difference, Cox hazard ratio, log-rank test.",
    columns=(
        key("site", "'all' for the pooled analysis, else the site"),
        key("outcome", "the time_to_exit outcome"),
        key("arm", "the arm's id"),
        statistic("estimate", "difference in restricted mean time to exit over the window (months)"),
        statistic("std_error"),
        statistic("statistic", "z statistic"),
        statistic("p_value"),
        statistic("ci_low"),
        statistic("ci_high"),
        statistic("rmst_arm", "restricted mean time to exit of the arm"),
        statistic("rmst_control", "of the control arm"),
        statistic("horizon", "the window's length tau (months)"),
        statistic("hazard_ratio", "Cox, stratified, Efron ties (> 1: faster exit)"),
        statistic("log_hr_std_error", "robust standard error of the log hazard ratio"),
        statistic("hr_ci_low"),
        statistic("hr_ci_high"),
        statistic("hr_p_value"),
        statistic("logrank_chisq", "log-rank test of arm against control, within strata"),
        statistic("logrank_p_value"),
        count("n", "persons with a time (exit or censored)"),
        count("n_arm"),
        count("n_control"),
        count("n_events", "exits observed in the arm"),
        count("n_events_control", "exits observed in the control arm"),
        label("se_type"),
        label("ties"),
        label("outcome_label"),
        label("arm_label"),
    ),
    build=_build_effects,
    facts=_effect_facts,
    order=6,
    weight=50,
))

SURVIVAL_CURVES = register(FrameSpec(
    name="survival_curves",
    doc="Kaplan-Meier curves of time to exit per arm and month, with numbers at risk.",
    columns=(
        key("site"),
        key("outcome"),
        key("arm", "the arm's id (control included)"),
        key("month", "months since the window began", dtype="int64"),
        statistic("survival", "Kaplan-Meier share not yet exited after the month"),
        statistic("std_error", "Greenwood"),
        statistic("ci_low", "pointwise, log scale"),
        statistic("ci_high"),
        label("outcome_label"),
        label("arm_label"),
    ),
    build=_build_curves,
    facts=_curve_facts,
    order=7,
    weight=10,
))

SURVIVAL_AT_RISK = register(FrameSpec(
    name="survival_at_risk",
    doc="Numbers at risk of time to exit per arm, at the start of every sixth month.",
    columns=(
        key("site"),
        key("outcome"),
        key("arm", "the arm's id (control included)"),
        key("month", "months since the window began", dtype="int64"),
        count("n_at_risk", "persons at risk at the start of the month"),
        label("outcome_label"),
        label("arm_label"),
    ),
    build=_build_at_risk,
    facts=_at_risk_facts,
    order=8,
    weight=5,
))
