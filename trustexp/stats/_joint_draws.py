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

from trustexp.stats import _matrices, _ols

__all__ = ["wald_statistics"]

_SINGULAR_RTOL = 1e-12


def _groups(clusters: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(clusters, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(clusters[order]) != 0])
    return np.split(order, starts[1:])


def wald_statistics(
    y: np.ndarray,
    strata: np.ndarray | None,
    tested: np.ndarray,
    se_type: str,
    clusters: np.ndarray | None,
) -> np.ndarray:
    """Wald F statistic ``g' V^{-1} g / m`` for every draw.

    Parameters
    ----------
    y : (B, n) or (n,) float
        Outcomes, one row per draw (or one for all).
    strata : (n,) int or None
        Stratum codes: ``W`` is the intercept and the strata effects (absorbed, no
        dummy columns); None for the intercept alone.
    tested : (B, n, m) or (n, m) float
        Tested columns, one block per draw (or one for all); independent of
        ``W`` in every draw.
    se_type : {"HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"}
    clusters : (n,) int or None

    Returns
    -------
    (B,) float64
        NaN where the tested block's covariance is singular.
    """
    y2 = np.atleast_2d(np.asarray(y, dtype=np.float64))  # (B or 1, n)
    n = y2.shape[1]
    if strata is None:
        groups, k0 = np.zeros(n, dtype=np.int64), 1
    else:
        groups, k0 = _matrices.factorize(strata)
    # W spans the group indicators: P_W is the group-mean projection.
    sizes = np.bincount(groups, minlength=k0).astype(np.float64)
    h_w = 1.0 / sizes[groups]
    order = np.argsort(groups, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(groups[order]) != 0])

    def project(a: np.ndarray, axis: int) -> np.ndarray:
        sums = np.add.reduceat(np.take(a, order, axis=axis), starts, axis=axis)
        means = np.take(sums / np.expand_dims(sizes, tuple(range(1, a.ndim - axis))),
                        groups, axis=axis)
        return a - means

    def p_w_block(idx: np.ndarray) -> np.ndarray:
        g = groups[idx]
        return (g[:, None] == g[None, :]) / sizes[g][:, None]

    y_t = project(y2, 1)
    if tested.ndim == 2:  # one design for every draw (balance)
        d_t = project(tested, 0)  # (n, m)
        mm_inv = np.linalg.inv(d_t.T @ d_t)
        coef = (y_t @ d_t) @ mm_inv  # (B, m)
        e = y_t - coef @ d_t.T  # (B, n)
        h = (h_w + np.einsum("ni,ij,nj->n", d_t, mm_inv, d_t))[None]
        d3 = d_t[None]
        mm3 = mm_inv[None]
    else:  # one design per draw (attrition)
        d3 = project(tested, 1)  # (B, n, m)
        mm3 = np.linalg.inv(np.swapaxes(d3, 1, 2) @ d3)
        coef = (mm3 @ (np.swapaxes(d3, 1, 2) @ y_t[0][None, :, None]))[:, :, 0]
        e = y_t[0][None] - (d3 @ coef[:, :, None])[:, :, 0]
        h = h_w[None] + ((d3 @ mm3) * d3).sum(axis=2)
    b, m = e.shape[0], d3.shape[2]
    k = k0 + m
    if se_type.startswith("HC"):
        omega = e**2
        if se_type in ("HC2", "HC3"):
            one_minus_h = 1.0 - h
            exact = one_minus_h <= _ols.LEVERAGE_TOL
            power = 1 if se_type == "HC2" else 2
            omega = np.where(exact, 0.0, omega / np.where(exact, 1.0, one_minus_h) ** power)
        if tested.ndim == 2:
            outer = (d_t[:, :, None] * d_t[:, None, :]).reshape(n, m * m)
            meat = (omega @ outer).reshape(b, m, m)
        else:
            meat = np.swapaxes(d3 * omega[:, :, None], 1, 2) @ d3
        if se_type == "HC1":
            meat *= n / (n - k)
    else:
        assert clusters is not None
        blocks = _groups(clusters)
        n_g = len(blocks)
        half = np.empty((b, n_g, m))
        for g, idx in enumerate(blocks):
            dg = d3[:, idx]  # (1 or B, n_g, m)
            eg = e[:, idx]
            if se_type == "CR2":
                hgg = p_w_block(idx)[None] + dg @ mm3 @ np.swapaxes(dg, 1, 2)
                vals, vecs = np.linalg.eigh(np.eye(idx.size)[None] - hgg)
                ok = vals > _ols.CR2_EIGEN_TOL
                f = np.where(ok, 1.0 / np.sqrt(np.where(ok, vals, 1.0)), 0.0)
                a_g = (vecs * f[:, None, :]) @ np.swapaxes(vecs, 1, 2)
                dg = a_g @ dg  # A_g is symmetric: e' A D = (A e)' D
            if dg.shape[0] == 1:
                half[:, g] = eg @ dg[0]
            else:
                half[:, g] = (eg[:, None, :] @ dg)[:, 0]
        meat = np.swapaxes(half, 1, 2) @ half
        if se_type == "CR1":
            meat *= n_g / (n_g - 1) * (n - 1) / (n - k)
    vcov = mm3 @ meat @ mm3
    out = np.full(b, np.nan)
    eig = np.linalg.eigvalsh(vcov)
    ok = np.isfinite(eig).all(axis=1) & (eig.min(axis=1) > _SINGULAR_RTOL * eig.max(axis=1))
    if ok.any():
        sol = np.linalg.solve(vcov[ok], coef[ok][:, :, None])[:, :, 0]
        out[ok] = np.einsum("bi,bi->b", coef[ok], sol) / m
    return out
