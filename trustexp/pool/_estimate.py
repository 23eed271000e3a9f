"""Two-stage and one-stage pooling of matched (outcome, arm kind) pairs across trials.

Two-stage (frame ``pooled``)
    Each trial's own intention-to-treat estimate of the arm (its pooled,
    ``site = "all"`` analysis, with its declared model and standard errors;
    frame ``pool_trials``) is pooled by :func:`trustexp.stats.meta.random_effects`
    with the plan's method (REML by default) and Knapp-Hartung with the ad hoc
    correction: tau2, I2, Q and the prediction interval of a new trial.
One-stage (frame ``one_stage``)
    The persons of the arm and of control of every trial in one regression:
    the outcome on the arm indicator with fixed effects for trial x stratum
    (each trial's randomisation blocks, site included), no covariates (the
    trials declare different ones), HC2 standard errors (CR2 with clusters,
    when a trial randomised clusters: a person of an unclustered trial is a
    cluster of one). The common-effect counterpart of the two-stage estimate.

Counts: ``n_arm`` and ``n_control`` sum the trials' analysed persons, ``n`` is
their sum; the disclosure gate (:func:`release_pool`) treats every trial's
groups as the groups of that trial's own gate, and the totals as their sums.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trustexp.analysis import groups
from trustexp.analysis.samples import POOLED
from trustexp.frames import (
    Fact,
    FrameFacts,
    FrameSpec,
    Relation,
    count,
    key,
    label,
    statistic,
    typed_frame,
)
from trustexp.pool._match import OutcomeMatch
from trustexp.stats.meta import MetaMethod, Prediction, random_effects

__all__ = ["ONE_STAGE", "POOL_TRIALS", "POOLED_TRIALS", "TrialInput", "one_stage", "two_stage"]


@dataclass(frozen=True)
class TrialInput:
    """One trial in the pooling: its key and evaluation (``trustexp.evaluate``)."""

    key: str
    ev: Any


def _no_build(_: Any) -> pd.DataFrame:  # the pool frames are built by pool_trials, not by an evaluation
    raise NotImplementedError


def _no_facts(_: pd.DataFrame, __: Any) -> FrameFacts:
    raise NotImplementedError


_COMMON = (
    statistic("estimate"), statistic("std_error"), statistic("statistic"), statistic("p_value"),
    statistic("ci_low"), statistic("ci_high"), statistic("df"),
    count("n", "analysed persons of the arm and control"), count("n_arm"), count("n_control"),
    label("se_type"),
)

POOL_TRIALS = FrameSpec(
    "pool_trials", "Each trial's own estimate of a matched arm kind on a matched outcome.",
    (key("trial"), key("outcome"), key("arm", "the arm kind"), label("trial_outcome"), label("trial_arm"),
     *_COMMON, statistic("weight", "share of the random-effects weight")),
    _no_build, _no_facts, order=1, implies={"df": "n"}, weight=60)

POOLED_TRIALS = FrameSpec(
    "pooled", "Two-stage random-effects pooling across trials, per matched outcome and arm kind.",
    (key("site", "always 'all'"), key("outcome"), key("arm", "the arm kind"), *_COMMON,
     label("method"), statistic("tau2"), statistic("i2"), statistic("q"), statistic("q_p_value"),
     statistic("pi_low"), statistic("pi_high"), statistic("pi_df"), label("prediction"),
     label("n_trials", dtype="int64"), label("trials")),
    _no_build, _no_facts, order=2, weight=80)

ONE_STAGE = FrameSpec(
    "one_stage", "One-stage pooling: one regression with trial x stratum fixed effects.",
    (key("site", "always 'all'"), key("outcome"), key("arm", "the arm kind"), *_COMMON,
     label("n_trials", dtype="int64"), label("trials")),
    _no_build, _no_facts, order=3, implies={"df": "n"}, weight=70)


def _effect(ev: Any, outcome: str, arm: str) -> dict[str, Any] | None:
    e = ev.effects
    sel = e[(e["site"] == POOLED) & (e["outcome"] == outcome) & (e["arm"] == arm)]
    return None if sel.empty else sel.iloc[0].to_dict()


def two_stage(trials: Sequence[TrialInput], outcomes: Sequence[OutcomeMatch], arms: Mapping[str, Mapping[str, str]],
              *, method: MetaMethod, knapp_hartung: bool, alpha: float,
              prediction: Prediction = "sj") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``pool_trials`` and ``pooled`` frames."""
    per_trial, pooled = [], []
    for m in outcomes:
        for kind, arm_ids in arms.items():
            rows = []
            for t in trials:
                if t.key not in m.ids or t.key not in arm_ids:
                    continue
                r = _effect(t.ev, m.ids[t.key], arm_ids[t.key])
                if r is None:
                    continue
                rows.append({"trial": t.key, "outcome": m.key, "arm": kind, "trial_outcome": m.ids[t.key],
                             "trial_arm": arm_ids[t.key], **{c: r[c] for c in (
                                 "estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high", "df",
                                 "n_arm", "n_control", "se_type")},
                             "n": int(r["n_arm"]) + int(r["n_control"])})
            if len(rows) < 2:
                continue
            res = random_effects([r["estimate"] for r in rows], [r["std_error"] for r in rows],
                                 method=method, knapp_hartung=knapp_hartung, alpha=alpha, prediction=prediction)
            ok = [np.isfinite(r["estimate"]) and r["std_error"] > 0 for r in rows]
            w = iter(res.weights)
            for r, good in zip(rows, ok, strict=True):
                r["weight"] = float(next(w)) if good else np.nan
            per_trial.extend(rows)
            pooled.append({
                "site": POOLED, "outcome": m.key, "arm": kind, "estimate": res.estimate,
                "std_error": res.std_error, "statistic": res.statistic, "p_value": res.p_value,
                "ci_low": res.ci_low, "ci_high": res.ci_high, "df": res.df,
                "n": sum(r["n"] for r in rows), "n_arm": sum(r["n_arm"] for r in rows),
                "n_control": sum(r["n_control"] for r in rows), "se_type": res.se_type,
                "method": res.method, "tau2": res.tau2, "i2": res.i2, "q": res.q, "q_p_value": res.q_p_value,
                "pi_low": res.pi_low, "pi_high": res.pi_high, "pi_df": res.pi_df,
                "prediction": res.prediction, "n_trials": res.k,
                "trials": ",".join(r["trial"] for r, g in zip(rows, ok, strict=True) if g),
            })
    return typed_frame(POOL_TRIALS, per_trial), typed_frame(POOLED_TRIALS, pooled)


def _stacked(trials: Sequence[TrialInput], m: OutcomeMatch, arm_ids: Mapping[str, str]):
    ys, ds, blocks, clusters, used = [], [], [], [], []
    clustered = False
    for t in trials:
        if t.key not in m.ids or t.key not in arm_ids:
            continue
        sample = next(s for s in t.ev._inputs.samples if s.site == POOLED)
        arm_pos = [a.id for a in sample.arms]
        if arm_ids[t.key] not in arm_pos:
            continue
        code = arm_pos.index(arm_ids[t.key]) + 1
        y = t.ev._inputs.outcomes[m.ids[t.key]].to_numpy(dtype=float)[sample.rows]
        keep = np.isfinite(y) & np.isin(sample.arm, (0, code))
        if not (keep & (sample.arm == 0)).any() or not (keep & (sample.arm == code)).any():
            continue
        ys.append(y[keep])
        ds.append((sample.arm[keep] == code).astype(np.int64))
        b = sample.blocks[keep] if sample.blocks is not None else np.zeros(int(keep.sum()), dtype=np.int64)
        blocks.append(np.array([f"{t.key}|{v}" for v in b]))
        if sample.clusters is not None:
            clustered = True
            clusters.append(np.array([f"{t.key}|{v}" for v in sample.clusters[keep]]))
        else:
            clusters.append(np.array([f"{t.key}|person{i}" for i in range(int(keep.sum()))]))
        used.append(t.key)
    return ys, ds, blocks, clusters, used, clustered


def one_stage(trials: Sequence[TrialInput], outcomes: Sequence[OutcomeMatch],
              arms: Mapping[str, Mapping[str, str]], *, alpha: float) -> pd.DataFrame:
    """The ``one_stage`` frame."""
    from trustexp.stats import estimate_itt

    rows = []
    for m in outcomes:
        for kind, arm_ids in arms.items():
            ys, ds, blocks, clusters, used, clustered = _stacked(trials, m, arm_ids)
            if len(used) < 2:
                continue
            y, d = np.concatenate(ys), np.concatenate(ds)
            strata = pd.factorize(np.concatenate(blocks))[0].astype(np.int64)
            cl = pd.factorize(np.concatenate(clusters))[0].astype(np.int64) if clustered else None
            res = estimate_itt(y, d, n_arms=2, strata=strata, clusters=cl,
                               se_type="CR2" if clustered else "HC2", alpha=alpha)
            rows.append({"site": POOLED, "outcome": m.key, "arm": kind, "estimate": float(res.estimate[0]),
                         "std_error": float(res.std_error[0]), "statistic": float(res.statistic[0]),
                         "p_value": float(res.p_value[0]), "ci_low": float(res.ci_low[0]),
                         "ci_high": float(res.ci_high[0]), "df": float(res.df[0]), "n": int(res.n),
                         "n_arm": int(res.n_arm[0]), "n_control": int(res.n_control), "se_type": res.se_type,
                         "n_trials": len(used), "trials": ",".join(used)})
    return typed_frame(ONE_STAGE, rows)


# -- the gate -------------------------------------------------------------------

def _trial_facts(t: TrialInput, oid: str, arm: str) -> tuple[list[Fact], list[Fact], dict[Fact, int],
                                                              list[Relation], set[Fact]]:
    """A trial's groups behind one arm's outcome, renamed to the trial (site = trial key)."""
    g = groups.outcome_groups(t.ev._inputs).get((POOLED, arm, oid))
    base = Fact("analysed", t.key, arm, (oid,))
    if g is None:
        return [base], [], {}, [], set()
    people = {base: g.n}
    if g.events is not None:
        ev, ne = Fact("events", t.key, arm, (oid,)), Fact("nonevents", t.key, arm, (oid,))
        people[ev], people[ne] = g.events, g.n - g.events
        return [base, ev, ne], [ev], people, [Relation(base, (ev, ne))], set()
    s = Fact("sum", t.key, arm, (oid,))
    people[s] = g.n
    return [base, s], [s], people, [], {s} if g.dominated else set()


def pool_facts(frame: pd.DataFrame, trials: Sequence[TrialInput], outcomes: Sequence[OutcomeMatch],
               arms: Mapping[str, Mapping[str, str]], *, per_trial: bool) -> FrameFacts:
    """Facts of a pool frame: a per-trial row publishes that trial's groups; a pooled row
    publishes their sums (``Fact("analysed", "*", kind, (outcome,))``) and rests on them all."""
    by_key = {t.key: t for t in trials}
    match = {m.key: m for m in outcomes}
    cells, rests, values = [], [], []
    people: dict[Fact, int] = {}
    relations: list[Relation] = []
    dom: set[Fact] = set()
    seen: set[tuple[str, str]] = set()
    for r in frame.to_dict("records"):
        okey, kind = str(r["outcome"]), str(r["arm"])
        names = [str(r["trial"])] if per_trial else [x for x in str(r["trials"]).split(",") if x]
        rest, val = [], []
        parts: dict[str, list[Fact]] = {"arm": [], "control": []}
        for name in names:
            t = by_key[name]
            oid = match[okey].ids[name]
            ctrl = t.ev.config.control_arm
            for role, arm in (("arm", arms[kind][name]), ("control", ctrl)):
                f, v, p, rel, d = _trial_facts(t, oid, arm)
                rest += f
                val += v
                people.update(p)
                relations += rel
                dom |= d
                parts[role].append(f[0])
            pair = Fact("pair", name, arms[kind][name], (oid,))
            people[pair] = people.get(parts["arm"][-1], 0) + people.get(parts["control"][-1], 0)
            relations.append(Relation(pair, (parts["arm"][-1], parts["control"][-1])))
        if per_trial:
            name = names[0]
            oid = match[okey].ids[name]
            cells.append({"n": Fact("pair", name, arms[kind][name], (oid,)),
                          "n_arm": parts["arm"][0], "n_control": parts["control"][0]})
        else:
            tot_arm = Fact("analysed", "*", kind, (okey, str(r["trials"])))
            tot_ctrl = Fact("analysed", "*", "control", (okey, str(r["trials"])))
            tot = Fact("pair", "*", kind, (okey, str(r["trials"])))
            cells.append({"n": tot, "n_arm": tot_arm, "n_control": tot_ctrl})
            if (okey, kind) not in seen:
                seen.add((okey, kind))
                relations += [Relation(tot_arm, tuple(parts["arm"])), Relation(tot_ctrl, tuple(parts["control"])),
                              Relation(tot, (tot_arm, tot_ctrl))]
                people[tot_arm] = sum(people.get(f, 0) for f in parts["arm"])
                people[tot_ctrl] = sum(people.get(f, 0) for f in parts["control"])
                people[tot] = people[tot_arm] + people[tot_ctrl]
        rests.append(tuple(rest))
        values.append(tuple(val))
    return FrameFacts(cells, rests, values, people, relations, frozenset(dom))
