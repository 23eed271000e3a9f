"""Random-effects meta-analysis of a few estimates (sites of a trial, or trials).

The model is ``y_i = mu + u_i + e_i`` with ``u_i ~ N(0, tau2)`` and
``e_i ~ N(0, v_i)``, ``v_i`` the squared standard error of estimate ``i``, as
in ``metafor::rma``. The between-estimate variance ``tau2`` is estimated by

``"reml"``
    restricted maximum likelihood: the root of the REML score equation
    ``sum w_i^2 (y_i - mu)^2 - sum w_i + sum w_i^2 / sum w_i = 0`` (truncated
    at 0), with ``w_i = 1 / (v_i + tau2)``;
``"dl"``
    DerSimonian and Laird's method of moments;
``"pm"``
    Paule and Mandel's: the ``tau2`` at which the generalised Q statistic
    ``sum w_i (y_i - mu)^2`` equals ``k - 1`` (0 when it is below already).

Inference on ``mu``
    With ``knapp_hartung=True`` (the default) the standard error is
    ``sqrt(q / sum w_i)`` with ``q = sum w_i (y_i - mu)^2 / (k - 1)`` and the
    t distribution with ``k - 1`` degrees of freedom (Knapp and Hartung 2003;
    ``metafor``'s ``test = "knha"``). With ``adhoc=True`` (the default) ``q``
    is at least 1, so the interval is never narrower than the one that a t
    distribution with the usual standard error ``sqrt(1 / sum w_i)`` would
    give (``metafor``'s ``test = "adhoc"``). Without Knapp-Hartung: the
    normal distribution and ``sqrt(1 / sum w_i)``.

Heterogeneity
    Cochran's ``Q = sum (y_i - y_FE)^2 / v_i`` with its chi-squared p-value on
    ``k - 1`` degrees of freedom, ``I2 = tau2 / (tau2 + s2)`` with ``metafor``'s
    typical within-estimate variance ``s2 = (k - 1) sum(1/v) / ((sum 1/v)^2 -
    sum 1/v^2)``, as a proportion.

Prediction interval
    The interval ``m +/- c sqrt(s^2 + t2)`` for the effect in a new site (or
    trial). With ``prediction="sj"`` (the default) ``m``, ``s`` and ``t2`` are
    the mean, its standard error and ``tau2`` of the same model (same test)
    with Sidik and Jonkman's estimator of ``tau2``, which is 0 only when all
    estimates are equal, and ``c`` is the quantile of the t distribution with
    ``k - 2`` degrees of freedom (at least 1); Partlett and Riley (2017)
    found this choice to cover close to or above nominal with few studies,
    where REML often estimates ``tau2`` as 0 (``metafor``:
    ``predict(rma(..., method = "SJ"), pi.type = "riley")``). With
    ``prediction="hts"``: the model's own ``mu``, ``se`` and ``tau2`` with t
    on ``k - 2`` degrees of freedom (Higgins, Thompson and Spiegelhalter
    2009; ``predict(fit, pi.type = "riley")``). With
    ``prediction="metafor"``: the model's own, and ``c`` the quantile of the
    distribution of the test (t with ``k - 1`` degrees of freedom with
    Knapp-Hartung, normal without; ``metafor``'s default ``predict(fit)``,
    equal to the confidence interval when ``tau2`` is 0). With 3 to 6 sites
    and heterogeneity the last two cover a new site's effect less often than
    nominal (the simulation study in
    ``tests/simulation/test_forwhom_simulation.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
from scipy import optimize, stats

from trustexp.errors import OptionError

__all__ = ["MetaMethod", "MetaResult", "Prediction", "random_effects"]

#: The estimators of the between-estimate variance.
MetaMethod = Literal["reml", "dl", "pm"]
METHODS: tuple[str, ...] = get_args(MetaMethod)
#: The prediction intervals (see the module documentation).
Prediction = Literal["sj", "hts", "metafor"]
PREDICTIONS: tuple[str, ...] = get_args(Prediction)

_FN = "random_effects"
_TOL = 1e-12


@dataclass(frozen=True, slots=True)
class MetaResult:
    """A random-effects summary of ``k`` estimates.

    Attributes
    ----------
    estimate, std_error, statistic, p_value, ci_low, ci_high, df : float
        The pooled effect ``mu`` and its inference (``df`` is ``k - 1`` with
        Knapp-Hartung, ``inf`` with the normal distribution).
    tau2 : float
        The between-estimate variance.
    i2 : float
        The share of the total variance due to heterogeneity, in [0, 1].
    q, q_p_value : float
        Cochran's Q and its p-value on ``k - 1`` degrees of freedom.
    pi_low, pi_high : float
        The prediction interval of the effect in a new site.
    pi_df : float
        Its degrees of freedom (``inf``: the normal distribution).
    k : int
        Estimates pooled.
    method : str
    se_type : str
        ``"knha-adhoc"``, ``"knha"`` or ``"z"``.
    prediction : str
        ``"sj"``, ``"hts"`` or ``"metafor"``.
    weights : (k,) float64
        The random-effects weights ``1 / (v_i + tau2)``, normalised to sum 1.
    """

    estimate: float
    std_error: float
    statistic: float
    p_value: float
    ci_low: float
    ci_high: float
    df: float
    tau2: float
    i2: float
    q: float
    q_p_value: float
    pi_low: float
    pi_high: float
    pi_df: float
    k: int
    method: str
    se_type: str
    prediction: str
    weights: np.ndarray

    def __post_init__(self) -> None:
        self.weights.flags.writeable = False


def _mu(y: np.ndarray, v: np.ndarray, tau2: float) -> tuple[float, np.ndarray]:
    w = 1.0 / (v + tau2)
    return float(np.sum(w * y) / np.sum(w)), w


def _root(f, lo: float = 0.0) -> float:
    """The root of a decreasing ``f`` on ``[lo, inf)`` with ``f(lo) > 0``."""
    hi = 1.0
    while f(hi) > 0:
        hi *= 4.0
        if hi > 1e300:  # pragma: no cover - f is bounded
            return hi
    return float(optimize.brentq(f, lo, hi, xtol=_TOL * 1e-3, rtol=4 * np.finfo(float).eps, maxiter=500))


def _tau2(y: np.ndarray, v: np.ndarray, method: str) -> float:
    k = y.size
    w0 = 1.0 / v
    if method == "dl":
        mu0 = np.sum(w0 * y) / np.sum(w0)
        q = float(np.sum(w0 * (y - mu0) ** 2))
        c = float(np.sum(w0) - np.sum(w0**2) / np.sum(w0))
        return max(0.0, (q - (k - 1)) / c) if c > 0 else 0.0
    if method == "sj":
        t0 = float(np.mean((y - np.mean(y)) ** 2))
        if t0 <= 0:
            return 0.0
        mu_sj, w_sj = _mu(y, v, t0)
        return t0 * float(np.sum(w_sj * (y - mu_sj) ** 2)) / (k - 1)
    if method == "pm":
        def gq(t: float) -> float:
            mu, w = _mu(y, v, t)
            return float(np.sum(w * (y - mu) ** 2)) - (k - 1)
        return 0.0 if gq(0.0) <= 0 else _root(gq)

    def score(t: float) -> float:  # the REML score, times 2
        mu, w = _mu(y, v, t)
        return float(np.sum(w**2 * (y - mu) ** 2) - np.sum(w) + np.sum(w**2) / np.sum(w))

    if score(0.0) <= 0:
        return 0.0
    # scale the score so that the root finder's tolerance is relative to the data
    return _root(score)


def _inference(y: np.ndarray, v: np.ndarray, tau2: float, knapp_hartung: bool, adhoc: bool,
               alpha: float) -> tuple[float, float, float, float, float, float]:
    """``mu``, its standard error, df, critical value, statistic and p-value at ``tau2``."""
    k = y.size
    mu, w = _mu(y, v, tau2)
    sw = float(np.sum(w))
    se_mu = float(np.sqrt(1.0 / sw))
    if knapp_hartung:
        qkh = float(np.sum(w * (y - mu) ** 2) / (k - 1))
        if adhoc:
            qkh = max(qkh, 1.0)
        se_mu = float(np.sqrt(qkh / sw))
        df = float(k - 1)
        crit = float(stats.t.ppf(1 - alpha / 2, df))
        stat = mu / se_mu
        p = float(2 * stats.t.sf(abs(stat), df))
    else:
        df = float("inf")
        crit = float(stats.norm.ppf(1 - alpha / 2))
        stat = mu / se_mu
        p = float(2 * stats.norm.sf(abs(stat)))
    return mu, se_mu, df, crit, float(stat), p


def random_effects(
    estimate: npt.ArrayLike,
    std_error: npt.ArrayLike,
    *,
    method: MetaMethod = "reml",
    knapp_hartung: bool = True,
    adhoc: bool = True,
    alpha: float = 0.05,
    prediction: Prediction = "sj",
) -> MetaResult:
    """Pool estimates by a random-effects model; see the module documentation.

    Parameters
    ----------
    estimate, std_error : (k,) array_like
        The estimates and their standard errors; entries with a NaN estimate
        or a standard error that is NaN or not positive are left out.
    method : {"reml", "dl", "pm"}
    knapp_hartung : bool
    adhoc : bool
        With ``knapp_hartung``: never narrower than the t interval with the
        model-based standard error.
    alpha : float
        ``1 - alpha`` confidence and prediction intervals.
    prediction : {"sj", "hts", "metafor"}
        The prediction interval: Sidik-Jonkman ``tau2`` and t with ``k - 2``
        degrees of freedom (at least 1), the model's ``tau2`` and t with
        ``k - 2`` degrees of freedom, or the model's and the distribution of
        the test (``metafor``'s default).

    Returns
    -------
    MetaResult
        NaN statistics when fewer than two estimates remain.
    """
    if method not in METHODS:
        raise OptionError(
            f"The 'method' parameter of {_FN} must be one of {list(METHODS)}. Got {method!r} instead."
        )
    if prediction not in PREDICTIONS:
        raise OptionError(
            f"The 'prediction' parameter of {_FN} must be one of {list(PREDICTIONS)}. "
            f"Got {prediction!r} instead."
        )
    if not 0.0 < float(alpha) < 1.0:
        raise OptionError(f"The 'alpha' parameter of {_FN} must be a float in (0, 1). Got {alpha!r} instead.")
    y = np.asarray(estimate, dtype=float).ravel()
    se = np.asarray(std_error, dtype=float).ravel()
    if y.shape != se.shape:
        raise OptionError(
            f"The 'estimate' and 'std_error' parameters of {_FN} must have the same length. "
            f"Got {y.size} and {se.size} instead."
        )
    ok = np.isfinite(y) & np.isfinite(se) & (se > 0)
    y, v = y[ok], se[ok] ** 2
    k = int(y.size)
    se_type = ("knha-adhoc" if adhoc else "knha") if knapp_hartung else "z"
    if k < 2:
        nan = float("nan")
        return MetaResult(nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, k,
                          method, se_type, prediction, np.full(k, 1.0))
    tau2 = _tau2(y, v, method)
    mu, se_mu, df, crit, stat, p = _inference(y, v, tau2, knapp_hartung, adhoc, alpha)
    w = 1.0 / (v + tau2)
    sw = float(np.sum(w))
    w0 = 1.0 / v
    y_fe = float(np.sum(w0 * y) / np.sum(w0))
    q = float(np.sum(w0 * (y - y_fe) ** 2))
    q_p = float(stats.chi2.sf(q, k - 1))
    s2 = (k - 1) * np.sum(w0) / (np.sum(w0) ** 2 - np.sum(w0**2))
    i2 = float(tau2 / (tau2 + s2))
    pi_mu, pi_se, pi_tau2 = mu, se_mu, tau2
    if prediction == "sj":
        pi_tau2 = _tau2(y, v, "sj")
        pi_mu, pi_se = _inference(y, v, pi_tau2, knapp_hartung, adhoc, alpha)[:2]
    if prediction == "metafor":
        pi_df, crit_pi = df, crit
    else:
        pi_df = float(max(k - 2, 1))
        crit_pi = float(stats.t.ppf(1 - alpha / 2, pi_df))
    half_pi = crit_pi * np.sqrt(pi_se**2 + pi_tau2)
    return MetaResult(
        estimate=mu, std_error=se_mu, statistic=float(stat), p_value=p,
        ci_low=mu - crit * se_mu, ci_high=mu + crit * se_mu, df=df,
        tau2=float(tau2), i2=i2, q=q, q_p_value=q_p,
        pi_low=float(pi_mu - half_pi), pi_high=float(pi_mu + half_pi), pi_df=pi_df,
        k=k, method=method, se_type=se_type, prediction=prediction, weights=w / sw,
    )
