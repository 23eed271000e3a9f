"""The small-sample Hotelling-type Wald test of Tipton and Pustejovsky (2015), "HTZ".

As ``clubSandwich::Wald_test(fit, constraints, vcov = "CR2", test = "HTZ")`` for an
unweighted ``lm`` (working model: independent, equal variances; without clusters each
row is its own cluster, so the CR2 covariance is HC2). For the ``q`` tested
coefficients (rows ``C`` of the identity) and each cluster ``j``, with
``M = (X'X)^{-1}``, ``A_j = (I - H_jj)^{-1/2}`` and ``L L' = M``:

    g_j = C M X_j' A_j            (q x n_j)
    h_j = C M X_j' A_j X_j L      (q x k)
    P_st = diag_j(g_j[s] . g_j[t]) - [h_j[s] . h_l[t]]_{j,l}     (J x J)
    Omega = [trace P_st],  B_st = sum_ab (Omega^{-1/2})_sa P_ab (Omega^{-1/2})_bt
    nu = q (q + 1) / sum_st [sum(B_st * B_ts) + sum(B_ss * B_tt)]

and with the CR2 Wald statistic ``Q = b' V^{-1} b``:
``F = (nu - q + 1) / (nu q) Q`` on ``(q, nu - q + 1)`` degrees of freedom.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from trustexp.stats import _ols

__all__ = ["htz"]


def _inv_sqrt_sym(m: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(m)
    return (vectors / np.sqrt(values)) @ vectors.T


def htz(
    fit: _ols.LinearFit, where: np.ndarray, clusters: np.ndarray | None
) -> tuple[float, float, float]:
    """HTZ ``(F, df2, p)`` for the coefficients ``where`` of ``fit`` (``df1 = len(where)``).

    Parameters
    ----------
    fit : LinearFit
    where : (q,) int
        Tested coefficients.
    clusters : (n,) int or None
        None: each row is a cluster (HC2).
    """
    x, bread, e = fit.x, fit.bread, fit.resid
    n, k = x.shape
    q = int(where.size)
    cl = np.arange(n) if clusters is None else np.asarray(clusters)
    order = np.argsort(cl, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(cl[order]) != 0])
    groups = np.split(order, starts[1:])
    chol = np.linalg.cholesky(bread)
    c_m = bread[where]  # C M, (q, k)
    g_dot = np.zeros((len(groups), q, q))  # g_j[s] . g_j[t]
    h = np.empty((len(groups), q, k))
    half = np.empty((len(groups), k))
    for j, idx in enumerate(groups):
        xj = x[idx]
        a_j = _ols.inverse_sqrt_psd(np.eye(idx.size) - xj @ bread @ xj.T)
        g = c_m @ xj.T @ a_j
        g_dot[j] = g @ g.T
        h[j] = g @ xj @ chol
        half[j] = xj.T @ (a_j @ e[idx])
    vcov = bread @ (half.T @ half) @ bread
    v = vcov[np.ix_(where, where)]
    b = fit.coef[where]
    q_stat = float(b @ np.linalg.solve(v, b))
    # Omega_st = trace P_st; P_st = diag(g_dot[:, s, t]) - H_s' H_t with H_s[:, j] = h_j[s]
    hh = np.einsum("jsk,ltk->stjl", h, h)  # (q, q, J, J): h_j[s] . h_l[t]
    p_arr = -hh
    for s in range(q):
        for t in range(q):
            p_arr[s, t][np.diag_indices(len(groups))] += g_dot[:, s, t]
    omega = np.einsum("stjj->st", p_arr)
    w = _inv_sqrt_sym(omega)
    b_arr = np.einsum("sa,abjl,bt->stjl", w, p_arr, w)
    total = 0.0
    for s in range(q):
        for t in range(q):
            total += float(np.sum(b_arr[s, t] * b_arr[t, s]) + np.sum(b_arr[s, s] * b_arr[t, t]))
    nu = q * (q + 1) / total
    df2 = nu - q + 1
    f_stat = max((nu - q + 1) / nu, 0.0) * q_stat / q
    p = float(stats.f.sf(f_stat, q, df2)) if df2 > 0 else float("nan")
    return f_stat, float(df2), p
