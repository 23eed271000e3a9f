"""Intention-to-treat effects: OLS of the outcome on arm indicators.

The model matches ``estimatr::lm_robust(y ~ arm + factor(strata) + covariates)``
(and ``estimatr::lm_lin`` for the Lin adjustment), with the robust standard
errors of :mod:`trustexp.stats._ols`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from trustexp.errors import OptionError
from trustexp.literals import Adjustment, SeType
from trustexp.stats import _absorb, _checks, _ols
from trustexp.stats import _matrices as _design
from trustexp.stats._inference import t_inference
from trustexp.stats._threads import blas_limited

__all__ = [
    "DEGENERATE_LEVERAGE_TOL",
    "ESTIMANDS",
    "EXACT_SHARE",
    "REASONS",
    "Estimand",
    "ITTResult",
    "estimate_itt",
]

_FN = "estimate_itt"

Estimand = Literal["sample", "population"]
ESTIMANDS: tuple[Estimand, ...] = ("sample", "population")

#: ``1 - h_ii`` at or below this marks a row that the model fits (almost) exactly.
DEGENERATE_LEVERAGE_TOL = 1e-8

#: Share of an arm coefficient's squared influence ``sum_i c_ij^2`` (``c = (X'X)^{-1} X'``)
#: on exactly fitted rows from which its variance counts as not estimable: their
#: contributions are missing from every robust variance, so about that share of the
#: variance would be missed.
EXACT_SHARE = 0.1

#: The reasons an arm gets no standard error, p-value or interval.
REASONS = {
    "not_identified": "the arm is not identified given the strata and covariates",
    "exact_fit": (
        "the arm's own variance cannot be estimated: rows of the arm (or of the control "
        "arm) are fitted exactly (leverage 1), as when an arm has no more people than the "
        "parameters it carries"
    ),
    "few_clusters": "the arm (or the control arm) has fewer than two clusters",
    "zero_variance": "the variance is zero up to rounding",
}


@dataclass(frozen=True, slots=True)
class ITTResult:
    """Effects of each treatment arm against the control arm (code 0).

    Entry ``j`` of each array is arm code ``j + 1``; m = n_arms - 1. An arm
    that is absent from the sample, or not identified given the strata and
    covariates, has NaN entries.

    Attributes
    ----------
    estimate, std_error, df, statistic, p_value, ci_low, ci_high : (m,) float64
        Coefficient, robust standard error, degrees of freedom of the t
        reference distribution, t statistic, two-sided p-value, confidence
        interval at level ``1 - alpha``.
    n : int
        Rows used.
    n_arm : (m,) int64
        Rows in each treatment arm.
    n_control : int
        Rows in the control arm.
    control_mean : float
        Mean outcome of the control rows (NaN without control rows).
    se_type : str
    reason : tuple of str, length m
        Why an arm has no standard error ("" where it has one); see
        :data:`REASONS`.

    The arrays are read-only.
    """

    estimate: np.ndarray
    std_error: np.ndarray
    df: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n: int
    n_arm: np.ndarray
    n_control: int
    control_mean: float
    se_type: str
    reason: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in (
            "estimate",
            "std_error",
            "df",
            "statistic",
            "p_value",
            "ci_low",
            "ci_high",
            "n_arm",
        ):
            getattr(self, name).flags.writeable = False


@dataclass(frozen=True, slots=True)
class Inputs:
    """Checked arguments shared by :func:`estimate_itt` and the permutation test."""

    y: np.ndarray
    arm: np.ndarray
    n_arms: int
    covariates: np.ndarray | None
    strata: np.ndarray | None
    clusters: np.ndarray | None
    adjustment: str
    se_type: str


def check_inputs(
    function: str,
    y: object,
    arm: object,
    n_arms: object,
    covariates: object,
    strata: object,
    clusters: object,
    adjustment: object,
    se_type: object,
) -> Inputs:
    """Validate and convert the common arguments (see :func:`estimate_itt`)."""
    n_arms = _checks.check_n_arms(function, n_arms)
    adj = _checks.check_choice(function, "adjustment", adjustment, _checks.ADJUSTMENTS)
    se = _checks.check_choice(function, "se_type", se_type, _checks.SE_TYPES)
    yv = _checks.check_vector(function, "y", y)
    n = yv.shape[0]
    armv = _checks.check_codes(function, "arm", arm, n, n_arms)
    cov = (
        None if covariates is None else _checks.check_matrix(function, "covariates", covariates, n)
    )
    if cov is not None and cov.shape[1] == 0:
        cov = None
    st = None if strata is None else _checks.check_codes(function, "strata", strata, n)
    cl = None if clusters is None else _checks.check_codes(function, "clusters", clusters, n)
    if se in _checks.CLUSTER_SE_TYPES and cl is None:
        raise OptionError(
            f"The 'se_type' parameter of {function} is {se!r}, which needs 'clusters'; "
            "give the cluster codes or use one of 'HC0', 'HC1', 'HC2', 'HC3'."
        )
    if se not in _checks.CLUSTER_SE_TYPES and cl is not None:
        raise OptionError(
            f"The 'se_type' parameter of {function} is {se!r}, which ignores the 'clusters' "
            "given; use one of 'CR0', 'CR1', 'CR2' with clusters."
        )
    return Inputs(yv, armv, n_arms, cov, st, cl, adj, se)


def _empty(n: int, n_arm: np.ndarray, n_control: int, control_mean: float, se: str) -> ITTResult:
    nan = np.full(n_arm.size, np.nan)
    reason = tuple("not_identified" if k else "" for k in n_arm)
    return ITTResult(
        nan, nan.copy(), nan.copy(), nan.copy(), nan.copy(), nan.copy(), nan.copy(),
        n, n_arm, n_control, control_mean, se, reason,
    )  # fmt: skip


@blas_limited
def estimate_itt(
    y: np.ndarray,
    arm: np.ndarray,
    *,
    n_arms: int,
    covariates: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
    adjustment: Adjustment = "additive",
    se_type: SeType = "HC2",
    alpha: float = 0.05,
    estimand: Estimand = "sample",
) -> ITTResult:
    """Estimate the effect of each treatment arm against the control arm.

    Ordinary least squares of ``y`` on the indicators of arms 1..m, strata
    fixed effects (one dummy per stratum but the first) and the covariates
    centred over the sample: additively, or (``adjustment="lin"``) also
    interacted with each arm indicator (Lin 2013). Collinear columns are
    dropped as ``lm`` does, the fixed part first (see
    :mod:`trustexp.stats._matrices`): a constant or redundant covariate is
    dropped, and an arm that is not identified given the strata (for example
    an arm that makes up a whole stratum) gets NaN where ``lm`` would instead
    keep it and drop the stratum dummy.

    Parameters
    ----------
    y : (n,) float
        Outcome, no NaN (drop missing outcomes first).
    arm : (n,) int
        Arm codes ``0..n_arms-1``; 0 is the control arm.
    n_arms : int
        Number of arms including control (>= 2).
    covariates : (n, p) float or None
        Baseline covariates, no NaN.
    strata : (n,) int or None
        Stratum codes: fixed effects.
    clusters : (n,) int or None
        Cluster codes; needed for (and only for) the CR standard errors.
    adjustment : {"additive", "lin"}
    se_type : {"HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"}
        A variance that is zero up to rounding (for example an arm with a
        single observation) gives a NaN standard error. CR1 is Stata's small-sample correction, df ``G - 1``; CR2 has
        Bell-McCaffrey degrees of freedom per coefficient; HC types df
        ``n - k``.
    alpha : float
        Confidence intervals at level ``1 - alpha``.
    estimand : {"sample", "population"}
        What the interval covers (see below). ``"population"`` matters only
        with ``adjustment="lin"``.

    Returns
    -------
    ITTResult

    Notes
    -----
    Estimands. Without covariates, or with additive covariates, the robust
    (HC or CR) interval covers the average effect of the arm in the
    population the trial's people are a sample of (and, conservatively, in
    the trial's own people). With Lin adjustment the coefficient is the
    difference of the arms' regression lines at the sample's covariate means;
    its robust variance treats those means as fixed, so the interval covers
    the sample average effect (it is conservative for it) but under-covers the
    population average effect when effects vary with the covariates (0.856
    in the simulation of ``tests/simulation/``). ``estimand="population"``
    adds the variance of estimating the covariate means, ``g_j' S_x g_j / n``
    (``g_j`` the arm's interaction coefficients, ``S_x`` the covariates'
    sample covariance, ``n`` the people), as in Negi and Wooldridge (2021).
    """
    a = _checks.check_alpha(_FN, alpha)
    est_kind = _checks.check_choice(_FN, "estimand", estimand, ESTIMANDS)
    inp = check_inputs(_FN, y, arm, n_arms, covariates, strata, clusters, adjustment, se_type)
    n = inp.y.shape[0]
    counts = np.bincount(inp.arm, minlength=inp.n_arms).astype(np.int64)
    n_control = int(counts[0])
    control_mean = float(inp.y[inp.arm == 0].mean()) if n_control else float("nan")
    if n_control == 0:
        return _empty(n, counts[1:], n_control, control_mean, inp.se_type)

    xc = _design.centre(inp.covariates)
    block = _design.arm_block(inp.arm, inp.n_arms, xc if inp.adjustment == "lin" else None)
    m = inp.n_arms - 1
    fitted: _ols.LinearFit | _absorb.AbsorbedFit
    if inp.strata is None:
        w = _design.fixed_block(n, None, xc)
        x = np.hstack([w, block])
        keep = _design.independent_columns(x)
        n_kept = int(keep.sum())
    else:
        # Strata effects absorbed (within-transformation), exactly as the dummy columns.
        groups, n_groups = _design.factorize(inp.strata)
        w = np.empty((n, 0)) if xc is None else xc
        x = np.hstack([w, block])
        keep = _design.absorbed_independent_columns(x, groups, n_groups)
        n_kept = n_groups + int(keep.sum())
    arm_cols = w.shape[1] + np.arange(m)
    identified = keep[arm_cols]
    position = np.cumsum(keep) - 1  # column index within the reduced design
    if not identified.any() or n_kept >= n:
        return _empty(n, counts[1:], n_control, control_mean, inp.se_type)

    wanted = position[arm_cols[identified]]
    if inp.strata is None:
        fitted = _ols.fit(x[:, keep], inp.y)
        vcov, df = _ols.robust_vcov(fitted, inp.se_type, inp.clusters, df_for=wanted)
    else:
        fitted = _absorb.fit_absorbed(x[:, keep], inp.y, groups, n_groups)
        vcov, df = _absorb.robust_vcov_absorbed(fitted, inp.se_type, inp.clusters, df_for=wanted)

    estimate = np.full(m, np.nan)
    std_error = np.full(m, np.nan)
    dof = np.full(m, np.nan)
    estimate[identified] = fitted.coef[wanted]
    var = np.diag(vcov)[wanted]
    if est_kind == "population" and inp.adjustment == "lin" and xc is not None:
        var = var + _covariate_mean_variance(fitted.coef, keep, w.shape[1], m, xc)[identified]
    zero = _ols.zero_variance(var, float(inp.y.var()), np.diag(fitted.bread)[wanted])
    var = np.where(zero, np.nan, var)
    std_error[identified] = np.sqrt(var)
    dof[identified] = df[wanted]
    influence = fitted.x @ fitted.bread[:, wanted]  # (n, arms identified)
    reason = _reasons(inp, fitted.leverage, influence, identified, zero)
    undefined = np.array([r != "" for r in reason])
    std_error[undefined] = np.nan
    dof[undefined] = np.nan
    statistic, p_value, ci_low, ci_high = t_inference(estimate, std_error, dof, a)
    return ITTResult(
        estimate=estimate,
        std_error=std_error,
        df=dof,
        statistic=statistic,
        p_value=p_value,
        ci_low=ci_low,
        ci_high=ci_high,
        n=n,
        n_arm=counts[1:],
        n_control=n_control,
        control_mean=control_mean,
        se_type=inp.se_type,
        reason=reason,
    )


def _covariate_mean_variance(
    coef: np.ndarray, keep: np.ndarray, n_fixed: int, m: int, xc: np.ndarray
) -> np.ndarray:
    """``g_j' S_x g_j / n`` for each arm j: the variance of the Lin coefficient that comes
    from estimating the covariate means (dropped interactions count as 0)."""
    n, p = xc.shape
    full = np.zeros(keep.size)
    full[keep] = coef
    g = full[n_fixed + m :].reshape(m, p)
    s_x = np.atleast_2d(np.cov(xc, rowvar=False, ddof=1))
    return np.einsum("jp,pq,jq->j", g, s_x, g) / n


def _reasons(
    inp: Inputs,
    leverage: np.ndarray,
    influence: np.ndarray,
    identified: np.ndarray,
    zero: np.ndarray,
) -> tuple[str, ...]:
    """Why each arm's variance cannot be estimated ("" where it can).

    A row fitted exactly (``1 - h_ii <= DEGENERATE_LEVERAGE_TOL``) has a
    residual that says nothing of the arm's variance: HC2 and HC3 drop such
    rows and HC0, HC1 see a zero residual. When such rows carry at least
    :data:`EXACT_SHARE` of the coefficient's squared influence (as when an arm
    has no more people than the parameters it carries under Lin adjustment,
    and all its rows are fitted exactly) the interval would be far too narrow,
    and the arm gets none. A row fitted exactly by its own stratum (a stratum
    of one) has no influence on the coefficient and does not count; one
    person with a rare covariate value under Lin adjustment carries little. With
    a CR type, an arm or a control arm in fewer than two clusters is alike.
    """
    m = inp.n_arms - 1
    exact = (1.0 - leverage) <= DEGENERATE_LEVERAGE_TOL
    out = []
    zero_full = np.zeros(m, dtype=bool)
    zero_full[identified] = zero
    column = np.cumsum(identified) - 1
    for j in range(1, m + 1):
        rows = inp.arm == j
        if not identified[j - 1] or not rows.any():
            out.append("" if not rows.any() else "not_identified")
            continue
        weight = influence[:, column[j - 1]] ** 2
        if weight[exact].sum() >= EXACT_SHARE * weight.sum():
            out.append("exact_fit")
        elif inp.clusters is not None and (
            np.unique(inp.clusters[rows]).size < 2
            or np.unique(inp.clusters[inp.arm == 0]).size < 2
        ):
            out.append("few_clusters")
        elif zero_full[j - 1]:
            out.append("zero_variance")
        else:
            out.append("")
    return tuple(out)
