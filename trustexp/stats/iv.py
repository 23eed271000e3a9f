"""Just-identified instrumental-variable (complier) effects with small-sample standard errors.

Two-stage least squares of ``y`` on an endogenous take-up ``d`` and the
exogenous columns ``W``, with the instrument ``z`` (assignment) for ``d``; as
``estimatr::iv_robust``. The second stage regresses ``y`` on ``X^ = [d^, W]``
(``d^`` the first-stage fitted take-up); the coefficients are 2SLS, the
residuals are the structural ones ``e = y - [d, W] b``, and the robust
variances of :mod:`trustexp.stats._ols` are computed on ``X^``: HC2 divides
``e_i^2`` by ``1 - h_ii`` with ``h`` the leverages of ``X^``; CR2 uses
``(I - H_gg)^{-1/2}`` of ``X^`` and Bell-McCaffrey degrees of freedom; CR1 is
Stata's, with ``G - 1`` degrees of freedom; HC types have ``n - k``.

Strata fixed effects given as codes (``strata=``) are absorbed by the
within-transformation (:mod:`trustexp.stats._absorb`) with the same results as
one indicator column per stratum, without forming those columns.

Estimand: the local average treatment effect (the effect of take-up on those
who take it up because they were assigned), under the exclusion restriction
and monotonicity; the interval covers it for the sample's population in
repeated sampling (a population average effect, HC or CR standard errors).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

from trustexp.config import SeType
from trustexp.errors import OptionError
from trustexp.stats import _absorb, _checks, _ols
from trustexp.stats import _matrices as _design
from trustexp.stats._inference import t_inference
from trustexp.stats._threads import blas_limited

__all__ = ["IVResult", "estimate_iv"]


@dataclass(frozen=True, slots=True)
class IVResult:
    """The coefficient of the endogenous variable in a just-identified 2SLS fit.

    Attributes
    ----------
    estimate, std_error, df, statistic, p_value, ci_low, ci_high : float
    n : int
    se_type : str
    """

    estimate: float
    std_error: float
    df: float
    statistic: float
    p_value: float
    ci_low: float
    ci_high: float
    n: int
    se_type: str


@blas_limited
def estimate_iv(
    y: np.ndarray,
    d: np.ndarray,
    z: np.ndarray,
    exog: np.ndarray,
    *,
    strata: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
    se_type: SeType = "HC2",
    alpha: float = 0.05,
) -> IVResult:
    """2SLS effect of ``d`` on ``y`` with ``z`` as its instrument.

    Parameters
    ----------
    y, d, z : (n,) float
        Outcome, endogenous take-up, instrument.
    exog : (n, k0) float
        Exogenous columns, the intercept included; collinear columns are dropped.
    strata : (n,) int or None
        Stratum codes: fixed effects, absorbed (see the notes). The results
        are those of ``exog`` with one indicator column per stratum added.
    clusters : (n,) int or None
        Needed for (and only for) the CR types. Need not be nested in the strata.
    se_type : {"HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"}
    alpha : float

    Returns
    -------
    IVResult
        NaN inference when the first stage has no variation left: the
        instrument is (up to rounding) a combination of the exogenous
        columns (and strata), or there are no more rows than coefficients.

    Notes
    -----
    With ``strata`` the exogenous part is ``W = [D, exog]`` with ``D`` the
    stratum indicators, fitted by the within-transformation
    (:mod:`trustexp.stats._absorb`): ``y``, ``d``, ``z`` and ``exog`` are
    demeaned within strata, columns of ``exog`` whose demeaned part is
    collinear (the intercept, a covariate constant within strata) are
    dropped, the first stage regresses the demeaned ``d`` on the demeaned
    ``[z, exog]``, and the second-stage design is ``X^~ = [d^~, exog~]``. Its
    coefficients, the structural residuals and the sandwich rows are those of
    the dummy-column model; the leverages are ``1/n_g + h~_ii`` of ``X^~``,
    CR2 uses each cluster's block of ``P_D + H~``, and the degrees of freedom
    and the HC1/CR1 factors count the strata effects. Cost O(n k^2) in the
    columns of ``exog``, not in the number of strata.
    """
    fn = "estimate_iv"
    a = _checks.check_alpha(fn, alpha)
    se = _checks.check_choice(fn, "se_type", se_type, _checks.SE_TYPES)
    yv = _checks.check_vector(fn, "y", y)
    n = yv.shape[0]
    dv = _checks.check_vector(fn, "d", d, n)
    zv = _checks.check_vector(fn, "z", z, n)
    w = _checks.check_matrix(fn, "exog", exog, n)
    st = None if strata is None else _checks.check_codes(fn, "strata", strata, n)
    cl = None if clusters is None else _checks.check_codes(fn, "clusters", clusters, n)
    if (se in _checks.CLUSTER_SE_TYPES) != (cl is not None):
        raise OptionError(
            f"The 'se_type' parameter of {fn} is {se!r}: use 'CR0', 'CR1' or 'CR2' "
            "with 'clusters', and 'HC0', 'HC1', 'HC2' or 'HC3' without."
        )
    nan = float("nan")
    empty = IVResult(nan, nan, nan, nan, nan, nan, nan, n, se)
    if st is None:
        w = w[:, _design.independent_columns(w)]
        identified = bool(_design.independent_columns(np.column_stack([w, zv]))[-1])
        if not identified or n <= w.shape[1] + 1:
            return empty
        first = _ols.fit(np.column_stack([zv, w]), dv)
        fit = _second_stage(yv, dv, dv - first.resid, w)
        vcov, df = _ols.robust_vcov(fit, se, cl, df_for=np.array([0]))
        coef = fit.coef
    else:
        groups, n_groups = _design.factorize(st)
        w = w[:, _design.absorbed_independent_columns(w, groups, n_groups)]
        identified = bool(_design.absorbed_independent_columns(
            np.column_stack([w, zv]), groups, n_groups)[-1])
        if not identified or n <= n_groups + w.shape[1] + 1:
            return empty
        yt = _design.demean(yv, groups, n_groups)
        dt = _design.demean(dv, groups, n_groups)
        zt = _design.demean(zv, groups, n_groups)
        wt = _design.demean(w, groups, n_groups)
        first = _ols.fit(np.column_stack([zt, wt]), dt)
        within = _second_stage(yt, dt, dt - first.resid, wt)
        sizes = np.bincount(groups, minlength=n_groups).astype(np.int64)
        absorbed = _absorb.AbsorbedFit(
            x=within.x,
            coef=within.coef,
            resid=within.resid,
            bread=within.bread,
            leverage=1.0 / sizes[groups] + within.leverage,
            groups=groups,
            group_size=sizes,
        )
        vcov, df = _absorb.robust_vcov_absorbed(absorbed, se, cl, df_for=np.array([0]))
        coef = absorbed.coef
    est = np.array([coef[0]])
    var = vcov[0, 0]
    std = np.array([np.sqrt(var) if var > 0 else nan])
    stat, p, lo, hi = t_inference(est, std, np.array([df[0]]), a)
    return IVResult(float(est[0]), float(std[0]), float(df[0]), float(stat[0]), float(p[0]),
                    float(lo[0]), float(hi[0]), n, se)


def _second_stage(y: np.ndarray, d: np.ndarray, d_hat: np.ndarray, w: np.ndarray) -> _ols.LinearFit:
    """Regress ``y`` on ``X^ = [d_hat, w]``, with the structural residuals ``y - [d, w] b``.

    Parameters
    ----------
    y, d, d_hat : (n,) float
        Outcome, take-up and first-stage fitted take-up.
    w : (n, k) float
        Exogenous columns of full column rank (with ``d_hat``).

    Returns
    -------
    LinearFit
        ``x`` is ``X^``; ``bread`` and ``leverage`` are those of ``X^``.
    """
    x_hat = np.column_stack([d_hat, w])
    q, r = np.linalg.qr(x_hat)
    coef = linalg.solve_triangular(r, q.T @ y)
    r_inv = linalg.solve_triangular(r, np.eye(r.shape[0]))
    return _ols.LinearFit(
        x=x_hat,
        coef=coef,
        resid=y - np.column_stack([d, w]) @ coef,
        bread=r_inv @ r_inv.T,
        leverage=np.einsum("ij,ij->i", q, q),
    )
