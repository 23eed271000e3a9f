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
from trustexp.stats import _checks, _ols
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
    clusters : (n,) int or None
        Needed for (and only for) the CR types.
    se_type : {"HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"}
    alpha : float

    Returns
    -------
    IVResult
        NaN inference when the first stage has no variation left.
    """
    fn = "estimate_iv"
    a = _checks.check_alpha(fn, alpha)
    se = _checks.check_choice(fn, "se_type", se_type, _checks.SE_TYPES)
    yv = _checks.check_vector(fn, "y", y)
    n = yv.shape[0]
    dv = _checks.check_vector(fn, "d", d, n)
    zv = _checks.check_vector(fn, "z", z, n)
    w = _checks.check_matrix(fn, "exog", exog, n)
    cl = None if clusters is None else _checks.check_codes(fn, "clusters", clusters, n)
    if (se in _checks.CLUSTER_SE_TYPES) != (cl is not None):
        raise OptionError(
            f"The 'se_type' parameter of {fn} is {se!r}: use 'CR0', 'CR1' or 'CR2' "
            "with 'clusters', and 'HC0', 'HC1', 'HC2' or 'HC3' without."
        )
    w = w[:, _design.independent_columns(w)]
    zw = np.column_stack([zv, w])
    keep = _design.independent_columns(zw)
    nan = float("nan")
    if not keep[0] or n <= w.shape[1] + 1:
        return IVResult(nan, nan, nan, nan, nan, nan, nan, n, se)
    first = _ols.fit(zw, dv)
    d_hat = dv - first.resid
    x_hat = np.column_stack([d_hat, w])
    x = np.column_stack([dv, w])
    q, r = np.linalg.qr(x_hat)
    coef = linalg.solve_triangular(r, q.T @ yv)
    r_inv = linalg.solve_triangular(r, np.eye(r.shape[0]))
    fit = _ols.LinearFit(
        x=x_hat,
        coef=coef,
        resid=yv - x @ coef,
        bread=r_inv @ r_inv.T,
        leverage=np.einsum("ij,ij->i", q, q),
    )
    vcov, df = _ols.robust_vcov(fit, se, cl, df_for=np.array([0]))
    est = np.array([coef[0]])
    var = vcov[0, 0]
    std = np.array([np.sqrt(var) if var > 0 else nan])
    stat, p, lo, hi = t_inference(est, std, np.array([df[0]]), a)
    return IVResult(float(est[0]), float(std[0]), float(df[0]), float(stat[0]), float(p[0]),
                    float(lo[0]), float(hi[0]), n, se)
