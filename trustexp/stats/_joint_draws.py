"""Robust Wald F statistics of one tested block for many outcomes or designs at once.

Used by the randomisation tests of balance and attrition: for ``y ~ W + D``
(``W`` the fixed columns, intercept and strata; ``D`` the tested block) the
Frisch-Waugh-Lovell theorem gives the tested coefficients as
``g = M^{-1} D~' y~`` with ``D~ = (I - P_W) D``, ``y~ = (I - P_W) y`` and
``M = D~' D~``, the leverages as ``h = h_W + diag(D~ M^{-1} D~')``, and the
block of the robust covariance matrix as ``M^{-1} [sum_g D~_g' A_g e_g e_g' A_g D~_g] M^{-1}``
with the full model's residuals ``e = y~ - D~ g`` (``A_g`` the HC or CR2
adjustment). Either ``y`` varies over the draws (balance: the assignment is
the outcome) or ``D`` does (attrition: the arm indicators), so no draw needs
a fit of its own. The statistics equal :func:`trustexp.stats.balance.wald_f`
draw by draw (tested in ``tests/test_stats_balance_ri.py``).
"""

from __future__ import annotations

import numpy as np

from trustexp.stats import _ols

__all__ = ["wald_statistics"]

_SINGULAR_RTOL = 1e-12


def _groups(clusters: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(clusters, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(clusters[order]) != 0])
    return np.split(order, starts[1:])


def wald_statistics(
    y: np.ndarray,
    fixed: np.ndarray,
    tested: np.ndarray,
    se_type: str,
    clusters: np.ndarray | None,
) -> np.ndarray:
    """Wald F statistic ``g' V^{-1} g / m`` for every draw.

    Parameters
    ----------
    y : (B, n) or (n,) float
        Outcomes, one row per draw (or one for all).
    fixed : (n, k0) float
        Columns not tested, of full column rank.
    tested : (B, n, m) or (n, m) float
        Tested columns, one block per draw (or one for all); independent of
        ``fixed`` in every draw.
    se_type : {"HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"}
    clusters : (n,) int or None

    Returns
    -------
    (B,) float64
        NaN where the tested block's covariance is singular.
    """
    q_w, _ = np.linalg.qr(fixed)
    n, k0 = fixed.shape
    y3 = np.atleast_2d(y)[:, :, None]  # (B, n, 1)
    d3 = tested[None] if tested.ndim == 2 else tested  # (B, n, m)
    b = max(y3.shape[0], d3.shape[0])
    y3 = np.broadcast_to(y3, (b, n, 1))
    d3 = np.broadcast_to(d3, (b, n, d3.shape[2]))
    m = d3.shape[2]
    k = k0 + m

    def resid(a: np.ndarray) -> np.ndarray:
        return a - q_w @ np.einsum("nk,bnj->bkj", q_w, a)

    d_t = resid(d3)
    y_t = resid(y3)
    mm = np.einsum("bni,bnj->bij", d_t, d_t)
    mm_inv = np.linalg.inv(mm)
    coef = mm_inv @ np.einsum("bni,bnj->bij", d_t, y_t)  # (B, m, 1)
    e = (y_t - d_t @ coef)[:, :, 0]  # (B, n)
    if se_type.startswith("HC"):
        h = np.einsum("nk,nk->n", q_w, q_w)[None] + np.einsum(
            "bni,bij,bnj->bn", d_t, mm_inv, d_t
        )
        omega = e**2
        if se_type in ("HC2", "HC3"):
            one_minus_h = 1.0 - h
            exact = one_minus_h <= _ols.LEVERAGE_TOL
            power = 1 if se_type == "HC2" else 2
            omega = np.where(exact, 0.0, omega / np.where(exact, 1.0, one_minus_h) ** power)
        meat = np.einsum("bni,bn,bnj->bij", d_t, omega, d_t)
        if se_type == "HC1":
            meat *= n / (n - k)
    else:
        assert clusters is not None
        groups = _groups(clusters)
        n_g = len(groups)
        half = np.empty((b, n_g, m))
        for g, idx in enumerate(groups):
            dg, eg = d_t[:, idx], e[:, idx]
            if se_type == "CR2":
                qg = q_w[idx]
                hgg = (qg @ qg.T)[None] + dg @ mm_inv @ np.swapaxes(dg, 1, 2)
                vals, vecs = np.linalg.eigh(np.eye(idx.size)[None] - hgg)
                ok = vals > _ols.CR2_EIGEN_TOL
                f = np.where(ok, 1.0 / np.sqrt(np.where(ok, vals, 1.0)), 0.0)
                a_g = (vecs * f[:, None, :]) @ np.swapaxes(vecs, 1, 2)
                eg = np.einsum("bij,bj->bi", a_g, eg)
            half[:, g] = np.einsum("bni,bn->bi", dg, eg)
        meat = np.einsum("bgi,bgj->bij", half, half)
        if se_type == "CR1":
            meat *= n_g / (n_g - 1) * (n - 1) / (n - k)
    vcov = mm_inv @ meat @ mm_inv
    g = coef[:, :, 0]
    out = np.full(vcov.shape[0], np.nan)
    eig = np.linalg.eigvalsh(vcov)
    ok = np.isfinite(eig).all(axis=1) & (eig.min(axis=1) > _SINGULAR_RTOL * eig.max(axis=1))
    if ok.any():
        sol = np.linalg.solve(vcov[ok], g[ok][:, :, None])[:, :, 0]
        out[ok] = np.einsum("bi,bi->b", g[ok], sol) / m
    return out
