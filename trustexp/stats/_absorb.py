"""Least squares with one set of absorbed fixed effects and exact robust variances.

The model ``y = D a + X b + e`` with ``D`` the indicators of ``L`` groups (the
strata; they span the intercept) is fitted by the within-transformation: ``y``
and ``X`` are demeaned within groups and ``b`` is the least-squares fit of the
demeaned ``y`` on the demeaned ``X~`` (Frisch-Waugh-Lovell). No indicator
column is formed, so a fit costs O(n k^2) in the ``k`` non-absorbed columns.

The robust variances of ``b`` are those of the full dummy-column model of
:mod:`trustexp.stats._ols`, not approximations:

* Residuals, ``(X~'X~)^{-1}`` (the ``b`` block of the full ``(Z'Z)^{-1}``) and
  the rows ``(X~'X~)^{-1} X~'`` of ``(Z'Z)^{-1} Z'`` are those of the full model,
  so every sandwich's ``b`` block is the sandwich in ``X~``.
* The hat matrix is ``H = P_D + H~`` with ``P_D`` the group-mean projection
  (``1/n_g`` for two rows of group ``g``, 0 across groups) and ``H~`` the hat
  matrix of ``X~``. HC2 and HC3 use ``h_ii = 1/n_g + h~_ii``.
* CR2 uses ``I - H_cc`` of each cluster ``c``, with ``P_D``'s block formed from
  the groups of the cluster's rows. When clusters are nested in the groups (as
  when clusters are randomised within strata) that block is ``1/n_g`` times a
  matrix of ones; when they are not nested it has ``1/n_g`` where two rows
  share group ``g`` and 0 elsewhere. Either way the result is exact; a cluster
  that spans many groups only costs more. The Bell-McCaffrey degrees of
  freedom use ``U'(I - H)U`` with the ``P_D`` part formed from the clusters'
  per-group sums.
* Degrees of freedom and the HC1/CR1 factors count the ``L`` absorbed effects
  in ``k``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trustexp.stats import _ols
from trustexp.stats._matrices import demean
from trustexp.stats._ols import inverse_sqrt_psd

__all__ = ["AbsorbedFit", "fit_absorbed", "robust_vcov_absorbed"]


@dataclass(frozen=True, slots=True)
class AbsorbedFit:
    """An OLS fit with absorbed group effects.

    Attributes
    ----------
    x : (n, k) float64
        Demeaned regressors (full column rank).
    coef : (k,) float64
    resid : (n,) float64
    bread : (k, k) float64
        ``(X~'X~)^{-1}``.
    leverage : (n,) float64
        Diagonal of the full model's hat matrix, ``1/n_g + h~_ii``.
    groups : (n,) int64
        Group codes ``0..L-1``.
    group_size : (L,) int64
    """

    x: np.ndarray
    coef: np.ndarray
    resid: np.ndarray
    bread: np.ndarray
    leverage: np.ndarray
    groups: np.ndarray
    group_size: np.ndarray

    @property
    def n(self) -> int:
        """Number of observations."""
        return int(self.x.shape[0])

    @property
    def k(self) -> int:
        """Number of non-absorbed coefficients."""
        return int(self.x.shape[1])

    @property
    def k_total(self) -> int:
        """Number of coefficients of the full model (absorbed effects included)."""
        return int(self.x.shape[1] + self.group_size.size)


def fit_absorbed(x: np.ndarray, y: np.ndarray, groups: np.ndarray, n_groups: int) -> AbsorbedFit:
    """Fit ``y`` on ``x`` and the group effects by the within-transformation.

    Parameters
    ----------
    x : (n, k) float
        Regressors whose demeaned columns have full column rank (see
        :func:`trustexp.stats._matrices.absorbed_independent_columns`).
    y : (n,) float
    groups : (n,) int
        Codes ``0..n_groups-1``, every code present.
    n_groups : int
    """
    xt = demean(x, groups, n_groups)
    yt = demean(y, groups, n_groups)
    sizes = np.bincount(groups, minlength=n_groups).astype(np.int64)
    within = _ols.fit(xt, yt)
    return AbsorbedFit(
        x=within.x,
        coef=within.coef,
        resid=within.resid,
        bread=within.bread,
        leverage=1.0 / sizes[groups] + within.leverage,
        groups=np.asarray(groups, dtype=np.int64),
        group_size=sizes,
    )


def _cr2(fit: AbsorbedFit, clusters: np.ndarray, df_for: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CR2 meat and Bell-McCaffrey degrees of freedom (see the module notes)."""
    codes, inverse = np.unique(clusters, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(inverse[order]) != 0])
    blocks = np.split(order, starts[1:])
    x, bread, e, g_of = fit.x, fit.bread, fit.resid, fit.groups
    inv_size = 1.0 / fit.group_size
    k = fit.k
    n_cl = len(blocks)
    half_meat = np.empty((n_cl, k))
    p_diag = np.empty((n_cl, k))
    w = np.empty((n_cl, k, k))
    # per-cluster, per-group sums of u for the P_D part of U'(I - H)U
    pair_rows: list[np.ndarray] = []
    pair_groups: list[np.ndarray] = []
    pair_sums: list[np.ndarray] = []
    for c, idx in enumerate(blocks):
        xg = x[idx]
        gg = g_of[idx]
        p_d = (gg[:, None] == gg[None, :]) * inv_size[gg][:, None]
        a = inverse_sqrt_psd(np.eye(idx.size) - p_d - xg @ bread @ xg.T)
        a_x = a @ xg
        half_meat[c] = e[idx] @ a_x
        u = a_x @ bread
        p_diag[c] = np.einsum("ij,ij->j", u, u)
        w[c] = xg.T @ u
        levels, local = np.unique(gg, return_inverse=True)
        sums = np.zeros((levels.size, k))
        np.add.at(sums, local, u)
        pair_rows.append(np.full(levels.size, c))
        pair_groups.append(levels)
        pair_sums.append(sums)
    rows = np.concatenate(pair_rows)
    grp = np.concatenate(pair_groups)
    sums_all = np.concatenate(pair_sums)
    df = np.full(k, np.nan)
    for j in df_for:
        wj = w[:, :, j]
        s = np.zeros((n_cl, fit.group_size.size))
        s[rows, grp] = sums_all[:, j]
        p = np.diag(p_diag[:, j]) - wj @ bread @ wj.T - (s * inv_size) @ s.T
        df[j] = np.trace(p) ** 2 / np.sum(p * p)
    return half_meat.T @ half_meat, df


def robust_vcov_absorbed(
    fit: AbsorbedFit,
    se_type: str,
    clusters: np.ndarray | None = None,
    df_for: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Robust covariance of the non-absorbed coefficients and their degrees of freedom.

    The same estimators, factors and degrees of freedom as
    :func:`trustexp.stats._ols.robust_vcov` on the dummy-column model.

    Parameters
    ----------
    fit : AbsorbedFit
    se_type : {"HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"}
    clusters : (n,) int or None
        Cluster codes; required for the CR types. Need not be nested in the groups.
    df_for : (j,) int or None
        Coefficients whose CR2 degrees of freedom are wanted (others NaN).

    Returns
    -------
    vcov : (k, k) float64
    df : (k,) float64
    """
    n, k, k_total = fit.n, fit.k, fit.k_total
    if se_type.startswith("HC"):
        omega = _ols.hc_weights(fit.resid, fit.leverage, se_type)
        meat = (fit.x * omega[:, None]).T @ fit.x
        vcov = fit.bread @ meat @ fit.bread
        if se_type == "HC1":
            vcov *= n / (n - k_total)
        return vcov, np.full(k, float(n - k_total))
    assert clusters is not None
    codes, inverse = np.unique(clusters, return_inverse=True)
    n_clusters = int(codes.size)
    if se_type == "CR2":
        wanted = np.arange(k) if df_for is None else np.asarray(df_for, dtype=np.int64)
        meat, df = _cr2(fit, clusters, wanted)
        return fit.bread @ meat @ fit.bread, df
    scores = fit.x * fit.resid[:, None]
    sums = np.zeros((n_clusters, k))
    np.add.at(sums, inverse, scores)
    vcov = fit.bread @ (sums.T @ sums) @ fit.bread
    if se_type == "CR1":
        vcov *= n_clusters / (n_clusters - 1) * (n - 1) / (n - k_total)
    return vcov, np.full(k, float(n_clusters - 1))
