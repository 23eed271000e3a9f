"""Complier (instrumental-variable) effects for arms whose take-up was recorded.

For each ``[[takeup]]`` declaration (an arm and a take-up column, ``received``
or ``dose``), each analysis and each outcome: two-stage least squares
(:func:`trustexp.stats.estimate_iv`) of the outcome on take-up, instrumented by
assignment to the arm, over the arm and the control arm, with the same strata
fixed effects and covariates as the ITT estimate (additive adjustment: covariates
centred, never interacted with assignment, whatever ``[analysis] adjustment`` says).

Standard errors follow ``[analysis] standard_errors`` as the ITT effects do:
HC2 by default, CR2 with Bell-McCaffrey degrees of freedom when a cluster is
declared (:func:`trustexp.stats.estimate_iv`, as ``estimatr::iv_robust``), with
t-based p-values and intervals. (With few clusters, the CR1 intervals with
``G - 1`` degrees of freedom used before covered 0.887 with 8 clusters and
0.883 with 12; CR2 with Bell-McCaffrey degrees of freedom holds 0.93 or more,
``tests/simulation/``.)

Estimand: the local average treatment effect of take-up for compliers, under
the exclusion restriction and monotonicity (no one takes up because they were
not offered it); take-up in the control arm is allowed (two-sided
non-compliance).

Take-up missing for a control-arm person is taken as 0 (control persons were
not offered the treatment); a person of the arm without a take-up value is
left out of that arm's complier estimates.

``first_stage`` is the effect of assignment on take-up, estimated like any
ITT effect (:func:`trustexp.stats.estimate_itt`, same sample, strata,
covariates and standard errors), and ``first_stage_f`` the square of its t
statistic: the robust first-stage F of a single instrument (weak: F < 10).

``not_estimable`` gives the reason when the data allow no estimate (a
constant outcome, values too large for the arithmetic, a standard error of
zero); the statistics of that row are then NaN. It is empty otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from trustexp.analysis import groups
from trustexp.analysis._degenerate import REASONS, not_estimable
from trustexp.analysis.effects import outcome_covariates
from trustexp.analysis.samples import POOLED, AnalysisSample, nonconstant, refactor
from trustexp.config import TrialConfig
from trustexp.frames import (
    Column,
    Fact,
    FrameFacts,
    FrameSpec,
    Inputs,
    Relation,
    infer_columns,
    register,
)

__all__ = ["COMPLIER_COLUMNS", "TAKEUP_COLUMNS", "complier_effects", "received_counts"]

COMPLIER_COLUMNS = ["site", "outcome", "arm", "takeup", "estimate", "std_error", "statistic",
                    "ci_low", "ci_high", "p_value", "df", "n", "n_arm", "n_control", "se_type",
                    "first_stage", "first_stage_f", "not_estimable"]


def complier_effects(
    config: TrialConfig,
    outcomes: pd.DataFrame,
    takeup: pd.DataFrame | None,
    samples: Sequence[AnalysisSample],
) -> pd.DataFrame:
    """Complier effects; columns :data:`COMPLIER_COLUMNS` (empty without take-up)."""
    rows = []
    if takeup is not None and not takeup.empty and config.takeup:
        ids = outcomes["person_id"].astype("str")
        tk = takeup.assign(person_id=takeup["person_id"].astype("str")).set_index("person_id")
        for decl in config.takeup:
            if decl.column not in tk.columns:
                continue
            d_all = pd.to_numeric(tk[decl.column], errors="coerce").reindex(ids)
            d_all = d_all.to_numpy(dtype=float, na_value=np.nan)
            for s in samples:
                codes = [k for k, a in enumerate(s.arms, start=1) if a.id == decl.arm]
                if not codes:
                    continue
                for o in config.outcomes:
                    row = _one(config, outcomes, s, o, codes[0], d_all[s.rows])
                    if row is not None:
                        rows.append({"site": s.site, "outcome": o.id, "arm": decl.arm,
                                     "takeup": decl.column, **row})
    out = pd.DataFrame(rows, columns=COMPLIER_COLUMNS)
    types = {c: "float64" for c in COMPLIER_COLUMNS}
    types.update({"site": "str", "outcome": "str", "arm": "str", "takeup": "str", "n": "int64",
                  "n_arm": "int64", "n_control": "int64", "se_type": "str",
                  "not_estimable": "str"})
    return out.astype(types)


def _one(config, outcomes, s: AnalysisSample, outcome, code: int, d: np.ndarray) -> dict | None:
    from trustexp.stats import estimate_itt
    from trustexp.stats.iv import estimate_iv

    y = outcomes[outcome.id].to_numpy(dtype=float)[s.rows]
    z = (s.arm == code).astype(float)
    d = np.where((s.arm == 0) & ~np.isfinite(d), 0.0, d)
    sel = ((s.arm == code) | (s.arm == 0)) & np.isfinite(y) & np.isfinite(d)
    if sel.sum() < 10 or np.ptp(d[sel]) == 0 or np.ptp(z[sel]) == 0:
        return None
    x, _ = outcome_covariates(s, outcome, outcomes)
    x = x[sel]
    xs = x[:, nonconstant(x)]
    reason = not_estimable(y[sel], np.column_stack([xs, d[sel]]))
    if reason:
        return _not_estimable(int(sel.sum()), reason)
    parts = [np.ones((sel.sum(), 1))]
    if xs.shape[1]:
        parts.append(xs - xs.mean(axis=0))
    # the strata effects are absorbed (within-transformation), not dummy columns
    strata = refactor(None if s.blocks is None else s.blocks[sel])
    clusters = refactor(None if s.clusters is None else s.clusters[sel])
    try:
        res = estimate_iv(y[sel], d[sel], z[sel], np.column_stack(parts), strata=strata,
                          clusters=clusters, se_type=s.se_type, alpha=config.analysis.alpha)
    except (ValueError, np.linalg.LinAlgError):  # the model is not of full column rank
        return _not_estimable(int(sel.sum()), REASONS["collinear"])
    first = estimate_itt(
        d[sel],
        z[sel].astype(np.int64),
        n_arms=2,
        covariates=xs if xs.shape[1] else None,
        strata=strata,
        clusters=clusters,
        se_type=s.se_type,
    )
    if not (np.isfinite(res.estimate) and np.isfinite(res.std_error) and res.std_error > 0):
        return _not_estimable(int(sel.sum()), REASONS["zero_se"])
    return {
        "estimate": res.estimate,
        "std_error": res.std_error,
        "statistic": res.statistic,
        "ci_low": res.ci_low,
        "ci_high": res.ci_high,
        "p_value": res.p_value,
        "df": res.df,
        "n": int(sel.sum()),
        "n_arm": int(z[sel].sum()),
        "n_control": int((1 - z[sel]).sum()),
        "se_type": res.se_type,
        "first_stage": float(first.estimate[0]),
        "first_stage_f": float(first.statistic[0]) ** 2,
        "not_estimable": "",
    }


def _not_estimable(n: int, reason: str) -> dict:
    nan = float("nan")
    return {"estimate": nan, "std_error": nan, "statistic": nan, "ci_low": nan, "ci_high": nan,
            "p_value": nan, "df": nan, "n": n, "n_arm": 0, "n_control": 0, "se_type": "",
            "first_stage": nan, "first_stage_f": nan, "not_estimable": reason}


# -- the frame ----------------------------------------------------------------

def complier_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """A complier effect rests on its sample, the outcome values and the take-up of arm and control."""
    ctrl = inp.config.control_arm
    cells, rests, values, relations = [], [], [], []
    people: dict[Fact, int] = {}
    keys = set()
    parts = inp.trial.participants
    site = parts["site"].astype("str").to_numpy()
    arm = parts["arm"].astype("str").to_numpy()
    tk = inp.trial.takeup
    for r in groups.rows(frame):
        s, o, a, col = str(r["site"]), str(r["outcome"]), str(r["arm"]), str(r["takeup"])
        sample = Fact("iv_sample", s, a, (o, col))
        people[sample] = int(r["n"])
        in_arm, in_control = Fact("iv_arm", s, a, (o, col)), Fact("iv_control", s, a, (o, col))
        people[in_arm], people[in_control] = int(r["n_arm"]), int(r["n_control"])
        relations.append(Relation(sample, (in_arm, in_control)))
        cells.append({"n": sample, "n_arm": in_arm, "n_control": in_control})
        took = Fact("took_up", s, a, (col,))
        if took not in people and tk is not None and col in tk.columns:
            d = pd.to_numeric(tk[col], errors="coerce")
            d = d.set_axis(tk["person_id"].astype("str")).reindex(
                parts["person_id"].astype("str")).to_numpy(dtype=float, na_value=np.nan)
            mask = (arm == a) & (np.ones(len(site), dtype=bool) if s == POOLED else site == s)
            people[took] = int((mask & (d > 0)).sum())
            people[Fact("not_taken_up", s, a, (col,))] = int((mask & ~(d > 0)).sum())
        rests.append((sample, took, Fact("not_taken_up", s, a, (col,)),
                      *groups.outcome_facts(inp, s, a, o), *groups.outcome_facts(inp, s, ctrl, o)))
        values.append((took, *groups.outcome_values(inp, s, a, o),
                       *groups.outcome_values(inp, s, ctrl, o)))
        keys |= {(s, a, o), (s, ctrl, o)}
    return groups.merge_facts(FrameFacts(cells, rests, values, people=people,
                                         relations=relations),
                              groups.value_facts(inp, keys))


register(FrameSpec(
    "compliers", "Complier (instrumental-variable) effects of arms with declared take-up.",
    infer_columns(COMPLIER_COLUMNS, {"site": "str", "outcome": "str", "arm": "str",
                                     "takeup": "str", "not_estimable": "str", "se_type": "str"}),
    lambda inp: complier_effects(inp.config, inp.outcomes, inp.trial.takeup, inp.samples),
    complier_facts, order=40, weight=20, implies={"df": "n"}))


# -- take-up counts -----------------------------------------------------------

TAKEUP_COLUMNS = ["site", "arm", "takeup", "n_allocated", "n_received", "n_not_received"]


def _received(config: TrialConfig, participants: pd.DataFrame, takeup: pd.DataFrame | None,
              sites: Sequence[str]) -> tuple[list[dict], list[tuple[str, str, str, np.ndarray]]]:
    """Rows of :data:`TAKEUP_COLUMNS`, and per row its mask of people who received."""
    rows: list[dict] = []
    masks: list[tuple[str, str, str, np.ndarray]] = []
    if takeup is None or takeup.empty or not config.takeup:
        return rows, masks
    site = participants["site"].astype("str").to_numpy()
    arm = participants["arm"].astype("str").to_numpy()
    tk = takeup.assign(person_id=takeup["person_id"].astype("str")).drop_duplicates("person_id")
    for decl in config.takeup:
        if decl.column not in tk.columns:
            continue
        d = pd.to_numeric(tk[decl.column], errors="coerce").set_axis(tk["person_id"]).reindex(
            participants["person_id"].astype("str")).to_numpy(dtype=float, na_value=np.nan)
        for s in (POOLED, *sites):
            in_site = np.ones(len(site), dtype=bool) if s == POOLED else site == s
            mask = in_site & (arm == decl.arm)
            got = mask & (d > 0)
            rows.append({"site": s, "arm": decl.arm, "takeup": decl.column,
                         "n_allocated": int(mask.sum()), "n_received": int(got.sum()),
                         "n_not_received": int((mask & ~(d > 0)).sum())})
            masks.append((s, decl.arm, decl.column, got))
    return rows, masks


def received_counts(config: TrialConfig, participants: pd.DataFrame,
                    takeup: pd.DataFrame | None, sites: Sequence[str]) -> pd.DataFrame:
    """Per site (and pooled) and arm with a ``[[takeup]]`` declaration: allocated, received
    (take-up above zero) and not received (zero, or absent from the take-up table)."""
    rows, _ = _received(config, participants, takeup, sites)
    frame = pd.DataFrame(rows, columns=TAKEUP_COLUMNS)
    return frame.astype({"site": "str", "arm": "str", "takeup": "str", "n_allocated": "int64",
                         "n_received": "int64", "n_not_received": "int64"})


def received_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """Allocated = received + not received; the pooled counts are the sums of the sites'."""
    cells, relations = [], []
    by_arm: dict[tuple[str, str], list[str]] = {}
    for r in groups.rows(frame[["site", "arm", "takeup"]]):
        s, a, col = str(r["site"]), str(r["arm"]), str(r["takeup"])
        took, rest = Fact("received", s, a, (col,)), Fact("not_received", s, a, (col,))
        alloc = Fact("allocated", s, a)
        cells.append({"n_allocated": alloc, "n_received": took, "n_not_received": rest})
        relations.append(Relation(alloc, (took, rest)))
        if s != POOLED:
            by_arm.setdefault((a, col), []).append(s)
    for (a, col), sites in by_arm.items():
        for kind in ("received", "not_received"):
            relations.append(Relation(Fact(kind, POOLED, a, (col,)),
                                      tuple(Fact(kind, s, a, (col,)) for s in sites)))
    return FrameFacts(cells, relations=relations)


register(FrameSpec(
    "takeup", "Allocated, received and not received, per site and arm with declared take-up.",
    (*infer_columns(TAKEUP_COLUMNS[:3], {"site": "str", "arm": "str", "takeup": "str"}),
     *(Column(name, "int64", "count") for name in TAKEUP_COLUMNS[3:])),
    lambda inp: received_counts(inp.config, inp.trial.participants, inp.trial.takeup, inp.sites),
    received_facts, order=41))
