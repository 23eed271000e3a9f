"""Complier (instrumental-variable) effects for arms whose take-up was recorded.

For each ``[[takeup]]`` declaration (an arm and a take-up column, ``received``
or ``dose``), each analysis and each outcome: two-stage least squares
(:class:`linearmodels.iv.IV2SLS`) of the outcome on take-up, instrumented by
assignment to the arm, over the arm and the control arm, with the same strata
fixed effects and covariates as the ITT estimate (additive adjustment: covariates
centred, never interacted with assignment, whatever ``[analysis] adjustment`` says).

Standard errors do not follow ``[analysis] standard_errors``: without a cluster
they are HC1 (the 2SLS sandwich times ``n / (n - k)``; ``cov_type="robust",
debiased=True``), p-values and intervals from t with ``n - k`` degrees of
freedom; with a cluster they are Stata's CR1 (the clustered sandwich times
``G / (G - 1) * (n - 1) / (n - k)``; ``cov_type="clustered", debiased=True``),
p-values and intervals from t with ``G - 1`` degrees of freedom, as for CR1 in
:func:`trustexp.stats.estimate_itt` (estimatr ``iv_robust(se_type="stata")``).
``n`` is the estimation sample, ``k`` the columns of the model (intercept,
take-up, covariates, strata dummies), ``G`` the clusters in the sample.

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

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from trustexp.analysis import groups
from trustexp.analysis._degenerate import REASONS, not_estimable
from trustexp.analysis.effects import outcome_covariates
from trustexp.analysis.samples import POOLED, AnalysisSample, nonconstant, refactor
from trustexp.config import TrialConfig
from trustexp.frames import Fact, FrameFacts, FrameSpec, Inputs, infer_columns, register

__all__ = ["COMPLIER_COLUMNS", "complier_effects"]

COMPLIER_COLUMNS = ["site", "outcome", "arm", "takeup", "estimate", "std_error", "ci_low",
                    "ci_high", "p_value", "n", "first_stage", "first_stage_f", "not_estimable"]


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
                  "not_estimable": "str"})
    return out.astype(types)


def _one(config, outcomes, s: AnalysisSample, outcome, code: int, d: np.ndarray) -> dict | None:
    from linearmodels.iv import IV2SLS
    from scipy import stats

    from trustexp.stats import estimate_itt

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
    if s.blocks is not None:
        dummies = pd.get_dummies(s.blocks[sel], drop_first=True, dtype=float).to_numpy()
        parts.append(dummies[:, nonconstant(dummies)] if dummies.size else dummies)
    exog = pd.DataFrame(np.column_stack(parts))
    exog.columns = [f"x{i}" for i in range(exog.shape[1])]
    kwargs: dict = {"cov_type": "robust", "debiased": True}
    if s.clusters is not None:
        kwargs = {"cov_type": "clustered", "clusters": s.clusters[sel], "debiased": True}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = IV2SLS(pd.Series(y[sel], name="y"), exog, pd.Series(d[sel], name="takeup"),
                           pd.Series(z[sel], name="assigned"))
            res = model.fit(**kwargs)
        except (ValueError, np.linalg.LinAlgError):  # "do not have full column rank"
            return _not_estimable(int(sel.sum()), REASONS["collinear"])
    est, se = float(res.params["takeup"]), float(res.std_errors["takeup"])
    # t(n - k) as linearmodels uses; with clusters t(G - 1), the CR1 convention
    df = float(res.df_resid if s.clusters is None else len(np.unique(s.clusters[sel])) - 1)
    half = stats.t.ppf(1 - config.analysis.alpha / 2, df) * se
    first = estimate_itt(
        d[sel],
        z[sel].astype(np.int64),
        n_arms=2,
        covariates=xs if xs.shape[1] else None,
        strata=refactor(None if s.blocks is None else s.blocks[sel]),
        clusters=refactor(None if s.clusters is None else s.clusters[sel]),
        se_type=s.se_type,
    )
    fs_coef = float(first.estimate[0])
    fs_f = float(first.statistic[0]) ** 2
    if not (np.isfinite(est) and np.isfinite(se) and se > 0 and np.isfinite(df) and df > 0):
        return _not_estimable(int(sel.sum()), REASONS["zero_se"])
    return {
        "estimate": est,
        "std_error": se,
        "ci_low": est - half,
        "ci_high": est + half,
        "p_value": float(2 * stats.t.sf(abs(est / se), df)),
        "n": int(sel.sum()),
        "first_stage": fs_coef,
        "first_stage_f": fs_f,
        "not_estimable": "",
    }


def _not_estimable(n: int, reason: str) -> dict:
    nan = float("nan")
    return {"estimate": nan, "std_error": nan, "ci_low": nan, "ci_high": nan, "p_value": nan,
            "n": n, "first_stage": nan, "first_stage_f": nan, "not_estimable": reason}
# -- the frame ----------------------------------------------------------------

def complier_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """A complier effect rests on its sample, the outcome values and the take-up of arm and control."""
    ctrl = inp.config.control_arm
    cells, rests, values = [], [], []
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
        cells.append({"n": sample})
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
    return groups.merge_facts(FrameFacts(cells, rests, values, people=people),
                              groups.value_facts(inp, keys))


register(FrameSpec(
    "compliers", "Complier (instrumental-variable) effects of arms with declared take-up.",
    infer_columns(COMPLIER_COLUMNS, {"site": "str", "outcome": "str", "arm": "str",
                                     "takeup": "str", "not_estimable": "str"}),
    lambda inp: complier_effects(inp.config, inp.outcomes, inp.trial.takeup, inp.samples),
    complier_facts, order=40, weight=20))
