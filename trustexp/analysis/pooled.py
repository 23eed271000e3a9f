"""Random-effects pooling of the per-site effects, for every (outcome, arm).

Each site's own estimate and standard error (the ``effects`` rows of the
sites) are pooled by :func:`trustexp.stats.meta.random_effects` with the
``[pooling]`` method of the plan (REML by default) and Knapp-Hartung with the
ad hoc correction (``knapp_hartung = false``: the normal distribution). The
row carries the between-site variance ``tau2``, ``i2``, Cochran's ``q`` with
its p-value, and the prediction interval ``pi_low``..``pi_high`` of the effect
in a new site like these: by default (``prediction = "sj"``) the Sidik-Jonkman
``tau2`` with t on sites - 2 degrees of freedom, which covers close to or above
nominal with 3 to 6 sites; ``prediction = "metafor"`` gives ``metafor``'s
default interval (t on sites - 1), ``"hts"`` the model's ``tau2`` with t on
sites - 2. A trial with one site has no rows; an (outcome, arm)
estimated at fewer than two sites gets NaN statistics.

This is a second look at the same data as the pooled (``site = "all"``)
regression, which assumes one common effect with site fixed effects: the
random-effects interval is wider when the sites differ, and the prediction
interval says how different a next site's effect could be.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trustexp.analysis import groups
from trustexp.analysis.declared import pooling
from trustexp.analysis.effects import effects_of
from trustexp.analysis.samples import POOLED
from trustexp.frames import (
    Fact,
    FrameFacts,
    FrameSpec,
    Inputs,
    count,
    key,
    label,
    register,
    statistic,
)
from trustexp.stats.meta import random_effects

__all__ = ["POOLED_FRAME", "pool_sites", "pooled_facts"]


def pool_sites(effects: pd.DataFrame, *, method: str = "reml", knapp_hartung: bool = True,
               alpha: float = 0.05, prediction: str = "sj") -> pd.DataFrame:
    """One random-effects row per (outcome, arm) over the site rows of an effects frame."""
    sites = effects[effects["site"] != POOLED]
    rows = []
    for (o, a), g in sites.groupby(["outcome", "arm"], sort=False):
        res = random_effects(g["estimate"].to_numpy(float), g["std_error"].to_numpy(float),
                             method=method, knapp_hartung=knapp_hartung, alpha=alpha,  # type: ignore[arg-type]
                             prediction=prediction)  # type: ignore[arg-type]
        ok = np.isfinite(g["estimate"].to_numpy(float)) & (g["std_error"].to_numpy(float) > 0)
        rows.append({
            "site": POOLED, "outcome": o, "arm": a,
            "estimate": res.estimate, "std_error": res.std_error, "statistic": res.statistic,
            "p_value": res.p_value, "ci_low": res.ci_low, "ci_high": res.ci_high, "df": res.df,
            "n": int(g["n"].sum()), "n_arm": int(g["n_arm"].sum()), "n_control": int(g["n_control"].sum()),
            "se_type": res.se_type, "method": res.method, "tau2": res.tau2, "i2": res.i2,
            "q": res.q, "q_p_value": res.q_p_value, "pi_low": res.pi_low, "pi_high": res.pi_high,
            "pi_df": res.pi_df, "prediction": res.prediction, "n_sites": int(ok.sum()),
            "sites": ",".join(str(s) for s in g["site"][ok]),
        })
    return typed_rows(rows)


def typed_rows(rows: list[dict]) -> pd.DataFrame:
    """The records as a frame with :data:`POOLED_FRAME`'s columns."""
    from trustexp.frames import typed_frame

    return typed_frame(POOLED_FRAME, rows)


def _build(inp: Inputs) -> pd.DataFrame:
    if not inp.sites:
        return typed_rows([])
    p = pooling(inp.config)
    return pool_sites(effects_of(inp), method=p.method, knapp_hartung=p.knapp_hartung,
                      alpha=inp.config.analysis.alpha, prediction=p.prediction)


def pooled_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """A pooled row counts the analysed persons of all sites (the pooled analysis's groups)
    and its statistics rest on every pooled site's arm and control groups."""
    ctrl = inp.config.control_arm
    cells, rests, values, keys = [], [], [], set()
    for r in groups.rows(frame[["outcome", "arm", "sites"]]):
        o, a = str(r["outcome"]), str(r["arm"])
        sites = [s for s in str(r["sites"]).split(",") if s]
        cells.append({"n": Fact("n", POOLED, "*", (o,)), "n_arm": Fact("analysed", POOLED, a, (o,)),
                      "n_control": Fact("analysed", POOLED, ctrl, (o,))})
        rest: list[Fact] = []
        val: list[Fact] = []
        for s in sites:
            for arm in (a, ctrl):
                rest.extend(groups.outcome_facts(inp, s, arm, o))
                val.extend(groups.outcome_values(inp, s, arm, o))
                keys.add((s, arm, o))
        rests.append(tuple(rest))
        values.append(tuple(val))
        keys |= {(POOLED, a, o), (POOLED, ctrl, o)}
    return groups.merge_facts(FrameFacts(cells, rests, values), groups.value_facts(inp, keys))


POOLED_FRAME = register(FrameSpec(
    name="pooled",
    doc="Random-effects pooling of the per-site effects, per outcome and arm.",
    columns=(
        key("site", "always 'all'"),
        key("outcome"),
        key("arm"),
        statistic("estimate", "the random-effects mean of the site effects"),
        statistic("std_error", "Knapp-Hartung (ad hoc corrected) or model-based"),
        statistic("statistic"),
        statistic("p_value"),
        statistic("ci_low"),
        statistic("ci_high"),
        statistic("df", "sites - 1 with Knapp-Hartung, inf with the normal distribution"),
        count("n", "persons in the site models"),
        count("n_arm"),
        count("n_control"),
        label("se_type", "'knha-adhoc', 'knha' or 'z'"),
        label("method", "the estimator of tau2: reml, dl or pm"),
        statistic("tau2", "between-site variance of the effect"),
        statistic("i2", "share of the variance due to heterogeneity (0-1)"),
        statistic("q", "Cochran's Q"),
        statistic("q_p_value", "its p-value on sites - 1 degrees of freedom"),
        statistic("pi_low", "prediction interval for a new site"),
        statistic("pi_high"),
        statistic("pi_df", "degrees of freedom of the prediction interval"),
        label("prediction", "the prediction interval: 'sj', 'hts' or 'metafor'"),
        label("n_sites", "sites pooled", dtype="int64"),
        label("sites", "the sites pooled, comma-separated"),
    ),
    build=_build,
    facts=pooled_facts,
    order=2,
    weight=50,
))
