"""The covariate coefficients and the fit (R²) of each effect's model.

The model is the one of :mod:`trustexp.analysis.effects` (same rows, strata
fixed effects, covariates, adjustment and standard errors), fitted once more
to read what the effects frame leaves out: the coefficients of the centred
covariates (with Lin adjustment: their slopes in the control arm, the
interactions are not shown) with robust standard errors, and R² and
adjusted R² of the whole model.

Frames:

``coefficients``
    ``site, outcome, term, estimate, std_error, statistic, p_value, df, n, se_type``:
    one row per covariate kept in the model (a missingness indicator is a
    term ``<covariate>__missing``).
``model_fit``
    ``site, outcome, n, r_squared, adj_r_squared, n_terms, covariates, fixed_effects``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trustexp.analysis import groups
from trustexp.analysis.effects import outcome_covariates
from trustexp.analysis.samples import AnalysisSample, nonconstant, refactor
from trustexp.config import Outcome, TrialConfig
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
from trustexp.stats import _absorb, _ols
from trustexp.stats import _matrices as _design
from trustexp.stats._inference import t_inference

__all__ = ["COEFFICIENTS", "MODEL_FIT", "model_terms"]

_COEF = ["site", "outcome", "term", "estimate", "std_error", "statistic", "p_value", "df", "n",
         "se_type"]
_FIT = ["site", "outcome", "n", "r_squared", "adj_r_squared", "n_terms", "covariates",
        "fixed_effects"]


def model_terms(
    config: TrialConfig, outcomes: pd.DataFrame, sample: AnalysisSample, outcome: Outcome
) -> tuple[list[dict], dict | None]:
    """Fit one outcome's effect model in one analysis.

    Returns
    -------
    terms
        One record per covariate kept (keys of ``coefficients``).
    fit
        The ``model_fit`` record, or None when the model cannot be fitted.
    """
    y = outcomes[outcome.id].to_numpy(dtype=float)[sample.rows]
    obs = np.isfinite(y)
    x, names = outcome_covariates(sample, outcome, outcomes)
    keep = nonconstant(x[obs])
    lin = config.analysis.adjustment == "lin"
    if lin:
        for j in range(sample.n_arms):
            rows = obs & (sample.arm == j)
            if rows.sum() >= 2:
                keep &= nonconstant(x[rows])
    x = x[:, keep]
    names = [n for n, k in zip(names, keep, strict=True) if k]
    yo, arm = y[obs], sample.arm[obs]
    n = int(obs.sum())
    if n == 0 or not (arm == 0).any():
        return [], None
    strata = refactor(None if sample.blocks is None else sample.blocks[obs])
    clusters = refactor(None if sample.clusters is None else sample.clusters[obs])
    xc = _design.centre(x[obs]) if x.shape[1] else None
    block = _design.arm_block(arm, sample.n_arms, xc if lin else None)
    fitted: _ols.LinearFit | _absorb.AbsorbedFit
    if strata is None:
        w = _design.fixed_block(n, None, xc)
        design = np.hstack([w, block])
        kept = _design.independent_columns(design)
        n_fe = 1
        k = int(kept.sum())
    else:
        # strata effects absorbed (within-transformation), exactly as dummy columns
        groups, n_groups = _design.factorize(strata)
        design = block if xc is None else np.hstack([xc, block])
        kept = _design.absorbed_independent_columns(design, groups, n_groups)
        n_fe = 0
        k = n_groups + int(kept.sum())
    if k >= n:
        return [], None
    cov_cols = n_fe + np.arange(len(names))
    position = np.cumsum(kept) - 1
    present = kept[cov_cols]
    wanted = position[cov_cols[present]]
    if strata is None:
        fitted = _ols.fit(design[:, kept], yo)
        vcov, df = _ols.robust_vcov(fitted, sample.se_type, clusters, df_for=wanted)
    else:
        fitted = _absorb.fit_absorbed(design[:, kept], yo, groups, n_groups)
        vcov, df = _absorb.robust_vcov_absorbed(fitted, sample.se_type, clusters, df_for=wanted)
    est = np.full(len(names), np.nan)
    se = np.full(len(names), np.nan)
    dof = np.full(len(names), np.nan)
    est[present] = fitted.coef[wanted]
    se[present] = np.sqrt(np.diag(vcov)[wanted])
    dof[present] = df[wanted]
    stat, p, _, _ = t_inference(est, se, dof, config.analysis.alpha)
    terms = [{"site": sample.site, "outcome": outcome.id, "term": name,
              "estimate": float(est[i]), "std_error": float(se[i]),
              "statistic": float(stat[i]), "p_value": float(p[i]), "df": float(dof[i]),
              "n": n, "se_type": sample.se_type} for i, name in enumerate(names)]
    rss = float(fitted.resid @ fitted.resid)
    tss = float(((yo - yo.mean()) ** 2).sum())
    r2 = 1.0 - rss / tss if tss > 0 else np.nan
    adj = 1.0 - (1.0 - r2) * (n - 1) / (n - k) if tss > 0 and n > k else np.nan
    fit = {"site": sample.site, "outcome": outcome.id, "n": n, "r_squared": r2,
           "adj_r_squared": adj, "n_terms": k, "covariates": ", ".join(names),
           "fixed_effects": "strata" if strata is not None and np.unique(strata).size > 1 else ""}
    return terms, fit


def _fits(inp: Inputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    store = inp.__dict__.setdefault("_groups_memo", {})
    if "coefficients" in store:
        return store["coefficients"]
    terms: list[dict] = []
    fits: list[dict] = []
    for sample in inp.samples:
        for outcome in inp.config.outcomes:
            try:
                t, f = model_terms(inp.config, inp.outcomes, sample, outcome)
            except (ValueError, np.linalg.LinAlgError):  # degenerate data: not estimable
                continue
            terms += t
            if f is not None:
                fits.append(f)
    out = (pd.DataFrame(terms, columns=_COEF), pd.DataFrame(fits, columns=_FIT))
    store["coefficients"] = out
    return out


def _model_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """A model's numbers describe every analysed person of every arm of its analysis;
    ``n`` publishes the estimation sample (as ``n`` of effects)."""
    cells, rests, values, keys = [], [], [], set()
    for r in groups.rows(frame[["site", "outcome"]]):
        s, o = str(r["site"]), str(r["outcome"])
        arms = groups.arms_in(inp, s)
        cells.append({"n": Fact("n", s, "*", (o,))})
        rests.append(tuple(f for a in arms for f in groups.outcome_facts(inp, s, a, o)))
        values.append(tuple(f for a in arms for f in groups.outcome_values(inp, s, a, o)))
        keys |= {(s, a, o) for a in arms}
    return groups.merge_facts(FrameFacts(cells, rests, values), groups.value_facts(inp, keys))


COEFFICIENTS = register(FrameSpec(
    name="coefficients",
    doc="The covariate coefficients of each effect's model, pooled and per site.",
    columns=(
        key("site", "'all' for the pooled analysis, else the site"),
        key("outcome", "the outcome's id"),
        key("term", "the covariate (centred); '<name>__missing' is a missingness indicator"),
        statistic("estimate", "the coefficient, in outcome units per covariate unit"),
        statistic("std_error"),
        statistic("statistic", "the t statistic"),
        statistic("p_value"),
        statistic("df", "degrees of freedom of the t distribution"),
        count("n", "persons in the model (outcome observed)"),
        label("se_type", "the standard errors used"),
    ),
    build=lambda inp: _fits(inp)[0],
    facts=_model_facts,
    order=50,
    implies={"df": "n"},
))

MODEL_FIT = register(FrameSpec(
    name="model_fit",
    doc="R² and adjusted R² of each effect's model, with its covariates and fixed effects.",
    columns=(
        key("site", "'all' for the pooled analysis, else the site"),
        key("outcome", "the outcome's id"),
        count("n", "persons in the model (outcome observed)"),
        statistic("r_squared", "share of the outcome's variance explained by the whole model"),
        statistic("adj_r_squared"),
        statistic("n_terms", "coefficients estimated, intercept and fixed effects included"),
        label("covariates", "the covariate terms kept, comma-separated"),
        label("fixed_effects", "'strata' when strata fixed effects are in the model"),
    ),
    build=lambda inp: _fits(inp)[1],
    facts=_model_facts,
    order=51,
))
