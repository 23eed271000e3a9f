"""The frame ``design``: what the trial could detect, next to what it found.

One row per (site, outcome, arm): the minimum detectable effect (MDE) at
``[design] power`` and the family's level (:mod:`trustexp.planning.power`),

* ``mde`` by formula from the analysed persons per arm, the control arm's
  observed base rate (binary outcomes) or standard deviation, ``[design] r2``
  and, with clusters, ``icc`` and the cluster sizes;
* ``mde_observed`` from the estimate's own standard error and degrees of
  freedom (covariates, strata and robust standard errors included);

beside the estimate and its interval. Under Holm the level is the family's
first, ``alpha / tests``; under Benjamini-Hochberg and Romano-Wolf it is found
by simulating the family's joint test statistics with the outcomes' observed
correlation (:mod:`trustexp.planning.multiplicity`), and ``mde_method``,
``mde_mcse`` and ``mde_correlation`` say so. :func:`trustexp.design` adds the
simulated diagnosands (``power_sim``, ``bias``, ``rmse``, ``coverage``,
``type_s``, ``type_m``) of the same rows, and builds the frame before there
are data from ``[design]`` alone.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from trustexp.analysis.effects import _build as build_effects
from trustexp.analysis.effects import effect_facts
from trustexp.frames import FrameSpec, Inputs, count, key, label, register, statistic, typed_frame
from trustexp.planning.layout import Cell
from trustexp.planning.mde import declared_scale, formula_row, observed_mde
from trustexp.planning.settings import design_settings

__all__ = ["DESIGN", "SIMULATED_COLUMNS"]

#: The columns that only a simulation fills (absent from an evaluation's frame).
SIMULATED_COLUMNS = ("simulations", "effect_sim", "power_sim", "power_mcse", "bias", "rmse",
                     "coverage", "type_s", "type_m")


def _cell(sample, rows: np.ndarray, arm_code: int) -> Cell:
    a = sample.arm[rows]
    n1, n0 = int((a == arm_code).sum()), int((a == 0).sum())
    if sample.clusters is None:
        return Cell(n1, n0, None, None, 0.0)
    cl = sample.clusters[rows]
    pair = (a == arm_code) | (a == 0)
    _, sizes = np.unique(cl[pair], return_counts=True)
    mean = float(sizes.mean()) if sizes.size else math.nan
    cv = float(sizes.std() / mean) if sizes.size > 1 else 0.0
    return Cell(n1, n0, int(np.unique(cl[a == arm_code]).size), int(np.unique(cl[a == 0]).size),
                cv, mean)


def _build(inp: Inputs) -> pd.DataFrame:
    from trustexp.planning.mde import Hypothesis, simulated_levels
    from trustexp.planning.multiplicity import outcome_correlation

    cfg = inp.config
    settings = dataclasses.replace(design_settings(cfg), attrition=0.0)
    effects = build_effects(inp)
    samples = {s.site: s for s in inp.samples}
    outcomes = {o.id: o for o in cfg.outcomes}
    pending = []
    for r in effects.to_dict("records"):
        sample, outcome = samples[r["site"]], outcomes[r["outcome"]]
        y = inp.outcomes[outcome.id].to_numpy(dtype=float)[sample.rows]
        obs = np.isfinite(y)
        ctrl = y[obs & (sample.arm == 0)]
        observed = {"mean": float(ctrl.mean()) if ctrl.size else math.nan,
                    "sd": float(ctrl.std(ddof=1)) if ctrl.size > 1 else math.nan}
        code = 1 + [a.id for a in sample.arms].index(r["arm"])
        pending.append((r, outcome, observed, _cell(sample, np.flatnonzero(obs), code), sample))
    levels = {}
    if cfg.analysis.multiple_testing in ("bh", "romano-wolf"):
        ids = [o.id for o in cfg.outcomes if o.id in inp.outcomes.columns]
        correlation = {}
        for sample in inp.samples:
            values = inp.outcomes[ids].to_numpy(dtype=float)[sample.rows]
            correlation[sample.site] = (ids, outcome_correlation(values, sample.arm))
        levels = simulated_levels(cfg, settings, [
            Hypothesis(str(r["site"]), str(r["outcome"]), str(r["arm"]), cell.n_arm,
                       cell.n_control) for r, _, _, cell, _ in pending], correlation)
    rows = []
    for r, outcome, observed, cell, sample in pending:
        scale = declared_scale(settings, outcome, observed)
        f = formula_row(cfg, settings, outcome, cell, scale, len(sample.arms),
                        levels.get((str(r["site"]), str(r["outcome"]), str(r["arm"]))))
        rows.append({
            **r, **f,
            "control_mean": observed["mean"], "control_sd": observed["sd"],
            "mde_observed": observed_mde(r["std_error"], r["df"], float(f["alpha"]),
                                         settings.power),
            "mde_correlation": "observed" if levels else "",
        })
    return typed_frame(DESIGN, rows, drop=SIMULATED_COLUMNS)


DESIGN = register(FrameSpec(
    name="design",
    doc="What the trial could detect: the minimum detectable effect per outcome, arm and site.",
    columns=(
        key("site", "'all' for the pooled analysis, else the site"),
        key("outcome"),
        key("arm"),
        count("n", "persons in the model (or planned)"),
        count("n_arm", "analysed (or planned) persons of the arm"),
        count("n_control", "analysed (or planned) persons of the control arm"),
        statistic("control_mean", "the control arm's mean (binary: the base rate)"),
        statistic("control_sd", "the control arm's standard deviation"),
        label("scale_source", "where the base rate or sd comes from: observed, declared, standardised"),
        label("tests", "tests in the outcome's family (outcomes x arms)", dtype="int64"),
        label("alpha", "the test level of the MDE: the family's first (alpha / tests), or for "
              "BH and Romano-Wolf the level found by simulating the procedure", dtype="float64"),
        label("power", "the declared power", dtype="float64"),
        label("deff", "the design effect of the clusters (1 without)", dtype="float64"),
        statistic("mde", "minimum detectable effect by formula, in the outcome's units"),
        label("mde_method", "how the test level was found: holm-first-step, unadjusted, "
              "simulated-bh, simulated-romano-wolf"),
        label("mde_mcse", "Monte Carlo standard error of the MDE (0 when not simulated)",
              dtype="float64"),
        label("mde_correlation", "outcome correlation of the simulated family: observed "
              "(from the data), independent (no outcome data), or empty"),
        statistic("mde_observed", "minimum detectable effect from the estimate's standard error"),
        statistic("estimate", "the estimated effect"),
        statistic("std_error"),
        statistic("ci_low"),
        statistic("ci_high"),
        statistic("df"),
        label("se_type"),
        label("outcome_type"),
        label("outcome_label"),
        label("arm_label"),
        label("simulations", "simulated trials", dtype="int64"),
        label("effect_sim", "the effect simulated", dtype="float64"),
        label("power_sim", "simulated power at the family's level", dtype="float64"),
        label("power_mcse", "its Monte Carlo standard error", dtype="float64"),
        label("bias", "mean estimate less the simulated effect", dtype="float64"),
        label("rmse", "root mean squared error", dtype="float64"),
        label("coverage", "share of intervals covering the simulated effect", dtype="float64"),
        label("type_s", "share of rejections with the wrong sign", dtype="float64"),
        label("type_m", "mean |estimate| / |effect| among rejections", dtype="float64"),
    ),
    build=_build,
    facts=effect_facts,
    order=60,
    optional=frozenset(SIMULATED_COLUMNS),
    implies={"df": "n"},
    weight=5,
))
