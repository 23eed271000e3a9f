"""Survival analysis of a discrete monthly time to exit: Kaplan-Meier, log-rank, Cox, RMST.

Times are whole months ``1..tau`` (``tau`` the window's length); many people
share a month, so ties are the rule:

* Kaplan-Meier by :class:`statsmodels.duration.survfunc.SurvfuncRight`
  (product-limit; a person censored in month ``t`` is at risk for the exits
  of month ``t``, as in R's ``survfit``), Greenwood standard errors, pointwise
  intervals on the log scale (R's default ``conf.type = "log"``), clipped to
  [0, 1].
* The log-rank test by :func:`statsmodels.duration.survfunc.survdiff`, stratified
  by the randomisation strata (R: ``survdiff(Surv(t, d) ~ arm + strata(block))``).
* The Cox hazard ratio by :class:`statsmodels.duration.hazard_regression.PHReg`,
  stratified by the strata, **Efron's** tie handling (R's default). The robust
  sandwich variance is computed here from Efron-consistent score residuals
  (:func:`efron_score_residuals`; statsmodels' own robust option uses
  Breslow-type residuals, a few percent off with many ties): ``D'D`` with ``D``
  the dfbeta residuals summed within clusters (the declared clusters, else each
  person), as R's ``coxph(..., ties = "efron", cluster = ...)``.
* The restricted mean time to exit over ``0..tau``: the area under the
  Kaplan-Meier curve (``sum_{t=0}^{tau-1} S(t)``, the curve being a step
  function of whole months), with the variance
  ``sum_j A_j^2 d_j / (n_j (n_j - d_j))`` (``A_j`` the area after exit month
  ``t_j``), as R's ``print(survfit(...), rmean = tau)``. The difference
  between two arms has the sum of their variances (independent samples) and a
  normal interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = [
    "KaplanMeier",
    "cox_hazard_ratios",
    "efron_score_residuals",
    "kaplan_meier",
    "logrank",
    "rmst",
    "rmst_differences",
]


@dataclass(frozen=True, slots=True)
class KaplanMeier:
    """The Kaplan-Meier curve of one group at months ``1..tau``.

    Attributes
    ----------
    n_at_risk, n_events, n_censored : (tau,) int64
        At risk at the start of month ``t``; exits in month ``t``; censored in month ``t``.
    survival, std_error, ci_low, ci_high : (tau,) float64
        ``S(t)`` after month ``t``'s exits, Greenwood standard error, log-scale interval.
    """

    n_at_risk: np.ndarray
    n_events: np.ndarray
    n_censored: np.ndarray
    survival: np.ndarray
    std_error: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray


def kaplan_meier(time: np.ndarray, event: np.ndarray, tau: int, alpha: float = 0.05) -> KaplanMeier:
    """Kaplan-Meier at months ``1..tau`` of integer ``time`` (>= 1) and ``event`` (0/1)."""
    from statsmodels.duration.survfunc import SurvfuncRight

    t = np.asarray(time, dtype=np.int64)
    d = np.asarray(event, dtype=np.int64)
    months = np.arange(1, tau + 1)
    n_events = np.bincount(t[d == 1], minlength=tau + 2)[1: tau + 1]
    n_censored = np.bincount(t[d == 0], minlength=tau + 2)[1: tau + 1]
    n_at_risk = (t[None, :] >= months[:, None]).sum(axis=1)
    surv = np.ones(tau)
    se = np.zeros(tau)
    if d.sum() > 0:
        sf = SurvfuncRight(t.astype(float), d.astype(float))
        idx = np.searchsorted(sf.surv_times, months, side="right") - 1
        has = idx >= 0
        surv = np.where(has, sf.surv_prob[np.maximum(idx, 0)], 1.0)
        se = np.where(has, sf.surv_prob_se[np.maximum(idx, 0)], 0.0)
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * se / surv
        low = np.where(surv > 0, np.clip(surv * np.exp(-half), 0, 1), np.nan)
        high = np.where(surv > 0, np.clip(surv * np.exp(half), 0, 1), np.nan)
    none_left = n_at_risk == 0
    for a in (surv, se, low, high):
        a[none_left] = np.nan
    return KaplanMeier(n_at_risk, n_events, n_censored, surv, se, low, high)


def rmst(time: np.ndarray, event: np.ndarray, tau: int) -> tuple[float, float]:
    """Restricted mean time over ``0..tau`` and its standard error (see the module docs)."""
    t = np.asarray(time, dtype=np.int64)
    d = np.asarray(event, dtype=np.int64)
    months = np.arange(1, tau + 1)
    n_j = (t[None, :] >= months[:, None]).sum(axis=1).astype(float)
    d_j = np.bincount(t[d == 1], minlength=tau + 2)[1: tau + 1].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(n_j > 0, d_j / n_j, 0.0)
    s_after = np.cumprod(1.0 - hazard)  # S(t) for t = 1..tau
    s_before = np.r_[1.0, s_after[:-1]]  # S(t - 1): the curve over [t - 1, t)
    area = float(s_before.sum())
    # area after month t_j: sum_{u=t_j}^{tau-1} S(u)
    tail = np.cumsum(s_after[::-1])[::-1] - s_after[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where((d_j > 0) & (n_j > d_j), tail**2 * d_j / (n_j * (n_j - d_j)), 0.0)
    return area, float(np.sqrt(terms.sum()))


def logrank(time: np.ndarray, event: np.ndarray, group: np.ndarray,
            strata: np.ndarray | None) -> tuple[float, float]:
    """The (stratified) log-rank chi-square statistic and its p-value."""
    from statsmodels.duration.survfunc import survdiff

    if np.unique(group).size < 2 or event.sum() == 0:
        return float("nan"), float("nan")
    kw = {} if strata is None else {"strata": strata}
    try:
        chisq, p = survdiff(np.asarray(time, float), np.asarray(event, float), group, **kw)
    except (np.linalg.LinAlgError, ValueError, ZeroDivisionError):
        # no information in any stratum (every stratum has a single group, or no exit)
        return float("nan"), float("nan")
    return float(chisq), float(p)


def cox_hazard_ratios(time: np.ndarray, event: np.ndarray, arm: np.ndarray, n_arms: int,
                      strata: np.ndarray | None, clusters: np.ndarray | None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Log hazard ratios of arms ``1..n_arms-1`` against arm 0 and their robust standard errors.

    An arm with no exit (or no person) gets NaN.
    """
    from statsmodels.duration.hazard_regression import PHReg

    m = n_arms - 1
    beta, se = np.full(m, np.nan), np.full(m, np.nan)
    present = [j for j in range(1, n_arms)
               if (arm == j).any() and event[arm == j].sum() > 0]
    if not present or event[arm == 0].sum() == 0:
        return beta, se
    x = np.column_stack([(arm == j).astype(float) for j in present])
    kw = {} if strata is None else {"strata": strata}
    fit = PHReg(np.asarray(time, float), x, status=np.asarray(event, float),
                ties="efron", **kw).fit()
    b = np.asarray(fit.params, dtype=float)
    naive = np.asarray(fit.cov_params(), dtype=float)
    scores = efron_score_residuals(np.asarray(time, float), np.asarray(event, float), x, b,
                                   strata)
    dfbeta = scores @ naive
    groups = clusters if clusters is not None else np.arange(time.size)
    codes = np.unique(groups, return_inverse=True)[1]
    sums = np.zeros((int(codes.max()) + 1, dfbeta.shape[1]))
    np.add.at(sums, codes, dfbeta)
    robust = sums.T @ sums
    for k, j in enumerate(present):
        beta[j - 1] = b[k]
        se[j - 1] = np.sqrt(robust[k, k])
    return beta, se


def efron_score_residuals(time: np.ndarray, event: np.ndarray, x: np.ndarray, beta: np.ndarray,
                          strata: np.ndarray | None) -> np.ndarray:
    """Score residuals of a Cox model with Efron's ties (R's ``residuals(fit, "score")``).

    At an exit time with ``d`` exits ``D`` and risk set ``R``, Efron's likelihood has ``d``
    terms ``l = 0..d-1`` with denominator ``S0_l = sum_R w - (l/d) sum_D w`` and mean
    ``xbar_l``. Person ``i`` gets ``(1/d) sum_l (x_i - xbar_l)`` if ``i`` is in ``D``, minus
    ``sum_l c_il w_i (x_i - xbar_l) / S0_l`` with ``c_il = 1 - l/d`` in ``D``, 1 elsewhere in ``R``.

    Returns
    -------
    (n, p) float64
    """
    n, p = x.shape
    w = np.exp(x @ beta)
    out = np.zeros((n, p))
    st = np.zeros(n, dtype=np.int64) if strata is None else np.unique(strata, return_inverse=True)[1]
    for s in np.unique(st):
        idx = np.flatnonzero(st == s)
        ts, ds, xs, ws = time[idx], event[idx], x[idx], w[idx]
        res = np.zeros((idx.size, p))
        for t in np.unique(ts[ds == 1]):
            risk = ts >= t
            dead = (ts == t) & (ds == 1)
            d = int(dead.sum())
            s0_r = ws[risk].sum()
            s1_r = (ws[risk, None] * xs[risk]).sum(axis=0)
            s0_d = ws[dead].sum()
            s1_d = (ws[dead, None] * xs[dead]).sum(axis=0)
            for ell in range(d):
                f = ell / d
                s0 = s0_r - f * s0_d
                xbar = (s1_r - f * s1_d) / s0
                c = np.where(dead, 1.0 - f, 1.0) * risk
                res[dead] += (xs[dead] - xbar) / d
                res -= (c * ws / s0)[:, None] * (xs - xbar)
        out[idx] = res
    return out


def rmst_differences(time: np.ndarray, event: np.ndarray, assignments: np.ndarray, n_arms: int,
                     tau: int) -> tuple[np.ndarray, np.ndarray]:
    """RMST differences of arms ``1..n_arms-1`` against arm 0 under many assignments.

    The same estimator and variance as :func:`rmst`, for every row of
    ``assignments`` at once (randomisation inference).

    Parameters
    ----------
    time, event : (n,)
        Integer months ``1..tau`` and 0/1 exits.
    assignments : (B, n) int
        Arm codes per draw (the observed assignment is one such row).

    Returns
    -------
    difference, std_error : (B, n_arms - 1) float64
    """
    t = np.asarray(time, dtype=np.int64)
    d = np.asarray(event, dtype=np.int64)
    months = np.arange(1, tau + 1)
    at_risk = (t[:, None] >= months[None, :]).astype(float)  # (n, tau)
    exits = ((t[:, None] == months[None, :]) & (d[:, None] == 1)).astype(float)
    area = np.empty((assignments.shape[0], n_arms))
    var = np.empty_like(area)
    for k in range(n_arms):
        ind = (assignments == k).astype(float)
        n_j = ind @ at_risk
        d_j = ind @ exits
        with np.errstate(divide="ignore", invalid="ignore"):
            hazard = np.where(n_j > 0, d_j / n_j, 0.0)
        s_after = np.cumprod(1.0 - hazard, axis=1)
        area[:, k] = 1.0 + s_after[:, :-1].sum(axis=1)
        tail = np.cumsum(s_after[:, ::-1], axis=1)[:, ::-1] - s_after[:, -1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where((d_j > 0) & (n_j > d_j), tail**2 * d_j / (n_j * (n_j - d_j)), 0.0)
        var[:, k] = terms.sum(axis=1)
    return area[:, 1:] - area[:, :1], np.sqrt(var[:, 1:] + var[:, :1])
