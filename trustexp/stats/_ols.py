"""Ordinary least squares with heteroskedasticity- and cluster-robust variances.

The estimators follow ``estimatr::lm_robust``:

* HC0 ``sum e_i^2 x_i x_i'``; HC1 that times ``n / (n - k)``; HC2 divides
  ``e_i^2`` by ``1 - h_ii``; HC3 by ``(1 - h_ii)^2``. Degrees of freedom
  ``n - k``.
* CR0 ``sum_g X_g' e_g e_g' X_g``; CR1 (Stata) that times
  ``G / (G - 1) * (n - 1) / (n - k)``. Degrees of freedom ``G - 1``.
* CR2 (Bell and McCaffrey 2002) ``sum_g X_g' A_g e_g e_g' A_g X_g`` with
  ``A_g = (I - H_gg)^{-1/2}`` (eigenvalues at or below ``1e-12`` give 0, as in
  estimatr), and Bell-McCaffrey degrees of freedom per coefficient.

Where ``1 - h_ii`` is (numerically) zero, the observation is fitted exactly,
its residual is zero and it contributes nothing to HC2 or HC3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

__all__ = [
    "CR2_EIGEN_TOL",
    "LEVERAGE_TOL",
    "ZERO_VARIANCE_RTOL",
    "LinearFit",
    "fit",
    "inverse_sqrt_psd",
    "robust_vcov",
    "zero_variance",
]

#: Eigenvalues of ``I - H_gg`` at or below this are treated as zero (estimatr).
CR2_EIGEN_TOL = 1e-12
#: ``1 - h_ii`` at or below this means an exactly fitted observation.
LEVERAGE_TOL = 1e-10
#: A coefficient variance at or below this times ``var(y) (X'X)^{-1}_jj`` is zero up
#: to rounding (e.g. an arm with one observed outcome): its standard error is NaN.
ZERO_VARIANCE_RTOL = 1e-20


@dataclass(frozen=True, slots=True)
class LinearFit:
    """An OLS fit.

    Attributes
    ----------
    x : (n, k) float64
        Design matrix of full column rank.
    coef : (k,) float64
    resid : (n,) float64
    bread : (k, k) float64
        ``(X'X)^{-1}``.
    leverage : (n,) float64
        Diagonal of the hat matrix.
    """

    x: np.ndarray
    coef: np.ndarray
    resid: np.ndarray
    bread: np.ndarray
    leverage: np.ndarray

    @property
    def n(self) -> int:
        """Number of observations."""
        return int(self.x.shape[0])

    @property
    def k(self) -> int:
        """Number of coefficients (the rank)."""
        return int(self.x.shape[1])


def fit(x: np.ndarray, y: np.ndarray) -> LinearFit:
    """Least squares by a thin QR decomposition.

    Parameters
    ----------
    x : (n, k) float, full column rank
    y : (n,) float
    """
    q, r = np.linalg.qr(x)
    coef = linalg.solve_triangular(r, q.T @ y)
    r_inv = linalg.solve_triangular(r, np.eye(r.shape[0]))
    return LinearFit(
        x=x,
        coef=coef,
        resid=y - x @ coef,
        bread=r_inv @ r_inv.T,
        leverage=np.einsum("ij,ij->i", q, q),
    )


def zero_variance(var: np.ndarray, y_var: float | np.ndarray, bread_diag: np.ndarray) -> np.ndarray:
    """Which variances are zero up to rounding (see ``ZERO_VARIANCE_RTOL``).

    Parameters
    ----------
    var : (..., j) float
        Robust variances of coefficients.
    y_var : float or array broadcasting against ``var``
        Variance of the outcome (``ddof=0``).
    bread_diag : (..., j) float
        The matching diagonal entries of ``(X'X)^{-1}``.
    """
    return ~(var > ZERO_VARIANCE_RTOL * y_var * bread_diag)


def hc_factor(leverage: np.ndarray, se_type: str) -> np.ndarray:
    """The factor of each squared residual in the HC meat: 1 for HC0 and HC1,
    ``1 / (1 - h)`` for HC2, ``1 / (1 - h)^2`` for HC3; 0 where ``1 - h <= LEVERAGE_TOL``."""
    if se_type in ("HC0", "HC1"):
        return np.ones_like(leverage, dtype=np.float64)
    one_minus_h = 1.0 - leverage
    exact = one_minus_h <= LEVERAGE_TOL
    power = 1 if se_type == "HC2" else 2
    return np.where(exact, 0.0, 1.0 / np.where(exact, 1.0, one_minus_h) ** power)


def hc_weights(resid: np.ndarray, leverage: np.ndarray, se_type: str) -> np.ndarray:
    """The HC meat's weights: squared residuals, scaled by ``1 - h`` for HC2 and HC3.

    An observation with leverage 1 (up to ``LEVERAGE_TOL``) gets weight 0.
    """
    e2 = resid**2
    if se_type in ("HC0", "HC1"):
        return e2
    one_minus_h = 1.0 - leverage
    exact = one_minus_h <= LEVERAGE_TOL
    denom = np.where(exact, 1.0, one_minus_h)
    power = 1 if se_type == "HC2" else 2
    return np.where(exact, 0.0, e2 / denom**power)


def _cluster_groups(clusters: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(clusters, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(clusters[order]) != 0])
    return np.split(order, starts[1:])


def inverse_sqrt_psd(m: np.ndarray) -> np.ndarray:
    """Symmetric ``m^{-1/2}`` with eigenvalues <= ``CR2_EIGEN_TOL`` mapped to 0."""
    values, vectors = np.linalg.eigh(m)
    ok = values > CR2_EIGEN_TOL
    f = np.where(ok, 1.0 / np.sqrt(np.where(ok, values, 1.0)), 0.0)
    return (vectors * f) @ vectors.T


def _cr2(fit: LinearFit, clusters: np.ndarray, df_for: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CR2 meat and Bell-McCaffrey degrees of freedom for coefficients ``df_for``."""
    groups = _cluster_groups(clusters)
    x, bread, e = fit.x, fit.bread, fit.resid
    k = fit.k
    half_meat = np.empty((len(groups), k))
    p_diag = np.empty((len(groups), k))  # ||u_g^(j)||^2
    w = np.empty((len(groups), k, k))  # X_g' U_g, column j = w_g^(j)
    for g, idx in enumerate(groups):
        xg = x[idx]
        a_x = inverse_sqrt_psd(np.eye(idx.size) - xg @ bread @ xg.T) @ xg
        half_meat[g] = e[idx] @ a_x
        u = a_x @ bread  # column j: u_g for the contrast e_j
        p_diag[g] = np.einsum("ij,ij->j", u, u)
        w[g] = xg.T @ u
    df = np.full(k, np.nan)
    for j in df_for:
        wj = w[:, :, j]
        p = np.diag(p_diag[:, j]) - wj @ bread @ wj.T
        df[j] = np.trace(p) ** 2 / np.sum(p * p)
    return half_meat.T @ half_meat, df


def robust_vcov(
    fit: LinearFit,
    se_type: str,
    clusters: np.ndarray | None = None,
    df_for: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Robust covariance matrix of the coefficients and their degrees of freedom.

    Parameters
    ----------
    fit : LinearFit
    se_type : {"HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"}
    clusters : (n,) int or None
        Cluster codes; required for the CR types.
    df_for : (j,) int or None
        Coefficients whose CR2 degrees of freedom are wanted (others NaN);
        None means all.

    Returns
    -------
    vcov : (k, k) float64
    df : (k,) float64
    """
    n, k = fit.n, fit.k
    if se_type.startswith("HC"):
        omega = hc_weights(fit.resid, fit.leverage, se_type)
        meat = (fit.x * omega[:, None]).T @ fit.x
        vcov = fit.bread @ meat @ fit.bread
        if se_type == "HC1":
            vcov *= n / (n - k)
        return vcov, np.full(k, float(n - k))
    assert clusters is not None
    n_clusters = int(np.unique(clusters).size)
    if se_type == "CR2":
        wanted = np.arange(k) if df_for is None else np.asarray(df_for, dtype=np.int64)
        meat, df = _cr2(fit, clusters, wanted)
        return fit.bread @ meat @ fit.bread, df
    scores = fit.x * fit.resid[:, None]
    sums = np.zeros((n_clusters, k))
    np.add.at(sums, np.unique(clusters, return_inverse=True)[1], scores)
    vcov = fit.bread @ (sums.T @ sums) @ fit.bread
    if se_type == "CR1":
        vcov *= n_clusters / (n_clusters - 1) * (n - 1) / (n - k)
    return vcov, np.full(k, float(n_clusters - 1))
