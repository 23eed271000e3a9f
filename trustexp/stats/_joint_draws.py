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

from dataclasses import dataclass

import numpy as np

from trustexp.stats import _matrices, _ols

__all__ = ["StrataMeans", "wald_of", "wald_statistics"]

_SINGULAR_RTOL = 1e-12


def _groups(clusters: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(clusters, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(clusters[order]) != 0])
    return np.split(order, starts[1:])


@dataclass(frozen=True, slots=True)
class StrataMeans:
    """The projection on an intercept and strata effects: the stratum means.

    Prepared once (:meth:`of`) and used for every chunk of draws.
    """

    groups: np.ndarray
    sizes: np.ndarray
    order: np.ndarray
    starts: np.ndarray

    @classmethod
    def of(cls, strata: np.ndarray | None, n: int) -> StrataMeans:
        """The projection of ``n`` rows on their strata (None: on the intercept)."""
        groups, n_groups = _matrices.absorbed_groups(strata, n)
        order = np.argsort(groups, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(groups[order]) != 0])
        sizes = np.bincount(groups, minlength=n_groups).astype(np.float64)
        return cls(groups, sizes, order, starts)

    @property
    def n_groups(self) -> int:
        """Number of absorbed effects."""
        return int(self.sizes.size)

    def means(self, a: np.ndarray, axis: int) -> np.ndarray:
        """The stratum means of ``a`` along ``axis``, at every row."""
        sums = np.add.reduceat(np.take(a, self.order, axis=axis), self.starts, axis=axis)
        per = sums / np.expand_dims(self.sizes, tuple(range(1, a.ndim - axis)))
        return np.take(per, self.groups, axis=axis)

    def residual(self, a: np.ndarray, axis: int) -> np.ndarray:
        """``a`` minus its stratum means along ``axis``."""
        return a - self.means(a, axis)

    def block(self, idx: np.ndarray) -> np.ndarray:
        """The rows ``idx`` x ``idx`` of the projection matrix."""
        g = self.groups[idx]
        return (g[:, None] == g[None, :]) / self.sizes[g][:, None]


def wald_statistics(
    y: np.ndarray,
    strata: np.ndarray | StrataMeans | None,
    tested: np.ndarray,
    se_type: str,
    clusters: np.ndarray | None,
    *,
    permuted_binary: bool = False,
) -> np.ndarray:
    """Wald F statistic ``g' V^{-1} g / m`` for every draw.

    Parameters
    ----------
    y : (B, n) or (n,) float
        Outcomes, one row per draw (or one for all).
    strata : (n,) int, StrataMeans or None
        Stratum codes (or their prepared projection): ``W`` is the intercept and the
        strata effects (absorbed, no dummy columns); None for the intercept alone.
    tested : (B, n, m) or (n, m) float
        Tested columns, one block per draw (or one for all); independent of
        ``W`` in every draw.
    se_type : {"HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"}
    clusters : (n,) int or None
    permuted_binary : bool
        The rows of ``y`` are 0/1 and have the same sum in every stratum (the
        assignment re-drawn within the strata, counts fixed). With one tested block
        and an HC type, every draw's meat is then one product of ``y`` with a fixed
        matrix (see :func:`_balance_hc_meat`), with no per-draw residuals.

    Returns
    -------
    (B,) float64
        NaN where the tested block's covariance is singular.
    """
    y2 = np.atleast_2d(np.asarray(y, dtype=np.float64))  # (B or 1, n)
    n = y2.shape[1]
    proj = strata if isinstance(strata, StrataMeans) else StrataMeans.of(strata, n)
    k0 = proj.n_groups
    h_w = 1.0 / proj.sizes[proj.groups]
    if tested.ndim == 2 and permuted_binary and se_type.startswith("HC"):
        d_t = proj.residual(tested, 0)  # (n, m)
        mm_inv = np.linalg.inv(d_t.T @ d_t)
        h = h_w + np.einsum("ni,ij,nj->n", d_t, mm_inv, d_t)
        coef, meat = _balance_hc_meat(y2, proj.means(y2[0], 0), d_t, mm_inv, h, se_type)
        if se_type == "HC1":
            meat *= n / (n - k0 - d_t.shape[1])
        return _statistics(coef, mm_inv[None], meat)
    y_t = proj.residual(y2, 1)
    if tested.ndim == 2:  # one design for every draw (balance)
        d_t = proj.residual(tested, 0)  # (n, m)
        mm_inv = np.linalg.inv(d_t.T @ d_t)
        coef = (y_t @ d_t) @ mm_inv  # (B, m)
        e = y_t - coef @ d_t.T  # (B, n)
        h = (h_w + np.einsum("ni,ij,nj->n", d_t, mm_inv, d_t))[None]
        d3 = d_t[None]
        mm3 = mm_inv[None]
    else:  # one design per draw (attrition)
        d3 = proj.residual(tested, 1)  # (B, n, m)
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
                hgg = proj.block(idx)[None] + dg @ mm3 @ np.swapaxes(dg, 1, 2)
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
    return _statistics(coef, mm3, meat)


def _statistics(coef: np.ndarray, mm3: np.ndarray, meat: np.ndarray) -> np.ndarray:
    """``g' V^{-1} g / m`` with ``V = M^{-1} meat M^{-1}``; NaN where ``V`` is singular."""
    vcov = mm3 @ meat @ mm3
    return wald_of(coef, vcov, np.linalg.eigvalsh(vcov))


def wald_of(coef: np.ndarray, vcov: np.ndarray, eig: np.ndarray) -> np.ndarray:
    """``g' V^{-1} g / m`` for each of the ``(K, m)`` coefficients ``g`` and ``(K, m, m)``
    covariances ``V`` with eigenvalues ``eig``; NaN where ``V`` is singular (an eigenvalue
    not finite, or the smallest at most ``_SINGULAR_RTOL`` times the largest)."""
    m = coef.shape[1]
    out = np.full(coef.shape[0], np.nan)
    ok = np.isfinite(eig).all(axis=1) & (eig.min(axis=1) > _SINGULAR_RTOL * eig.max(axis=1))
    if ok.any():
        sol = np.linalg.solve(vcov[ok], coef[ok][:, :, None])[:, :, 0]
        out[ok] = np.einsum("bi,bi->b", coef[ok], sol) / m
    return out


def _balance_hc_meat(
    y: np.ndarray, c: np.ndarray, d: np.ndarray, mm_inv: np.ndarray, h: np.ndarray,
    se_type: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and HC meats of 0/1 draws ``y`` with fixed stratum means ``c``.

    With ``u = y - c`` (the outcome net of the strata), ``f = D g`` and ``e = u - f``,
    the meat ``sum_i w_i e_i^2 d_i d_i'`` expands into ``sum w u^2 o``, ``sum w u d_p o``
    and ``sum w d_p d_q o`` (``o_i`` the unique products of ``d_i``). As ``y`` is 0/1,
    ``u^2 = y (1 - 2c) + c^2``, so the first two are one product of ``y`` with fixed
    columns plus constants and the third is fixed: one pass over the draws gives every
    draw's coefficients ``g = (y D) M^{-1}`` (``D`` sums to zero within strata) and meat.
    """
    n, m = d.shape
    b = y.shape[0]
    w = _ols.hc_factor(h, se_type)
    iu, ju = np.triu_indices(m)
    wo = w[:, None] * (d[:, iu] * d[:, ju])  # (n, P)
    p = iu.size
    columns = np.hstack([d, (1.0 - 2.0 * c)[:, None] * wo,
                         (d[:, :, None] * wo[:, None, :]).reshape(n, m * p)])
    prod = y @ columns  # (B, m + P + m P)
    coef = prod[:, :m] @ mm_inv
    u2 = prod[:, m : m + p] + (c * c) @ wo  # sum w u^2 o
    ud = prod[:, m + p :].reshape(b, m, p) - ((c[:, None] * d).T @ wo)[None]  # sum w u d_p o
    dd = np.einsum("ip,iq,ir->pqr", d, d, wo)  # sum w d_p d_q o
    packed = u2 - 2.0 * np.einsum("bp,bpr->br", coef, ud) + np.einsum(
        "bp,bq,pqr->br", coef, coef, dd)
    meat = np.empty((b, m, m))
    meat[:, iu, ju] = packed
    meat[:, ju, iu] = packed
    return coef, meat
