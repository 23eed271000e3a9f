"""Batched t statistics of the arm effects under many assignments at once.

Used by :func:`trustexp.stats.permutation_test`. For a fixed outcome sample
the fixed block ``W`` (intercept, strata effects, centred covariates) does not
change between assignments; only the arm block ``R_b`` (q rows: arm
indicators and, with Lin, their interactions with the centred covariates)
does. The strata are absorbed, not formed as dummy columns: with ``D`` the
indicators of the ``L`` strata (they span the intercept; no strata is one
stratum), ``P_D`` the stratum-mean projection and ``Q_c`` an orthonormal basis
of the within-stratum-demeaned kept covariates (computed once; ``D' Q_c = 0``),
the projection on ``W`` is ``P_W = P_D + Q_c Q_c'``. By Frisch-Waugh-Lovell,
for every assignment b of a chunk:

* ``C_b = R_b Q_c`` and ``R_b y~`` in one matrix product over the chunk
  (``y~ = (I - P_W) y``, so ``R~_b y~ = R_b y~``), and ``T_b = R_b D``, the
  per-stratum sums of the arm block, by one weighted count per column of
  ``[1, covariates]`` (they change with the draw: the arm indicators do);
* ``S_b = R~_b R~_b' = R_b R_b' - sum_s T_bs T_bs' / n_s - C_b C_b'``
  (``R_b R_b'`` from per-arm sums) and its Cholesky factor, dropping collinear
  columns in order with the rule of the single fit; ``S_b^-`` the inverse on
  the kept columns, zero elsewhere;
* ``R~_b = R_b - T_b / n_s (broadcast to the stratum's rows) - C_b Q_c'``,
  ``U_b = S_b^- R~_b``: the arm-block rows of ``(X'X)^{-1} X'``;
* coefficients ``S_b^- R_b y~``, residuals ``e_b = y~ - R~_b' beta_b``,
  leverages ``h = h_W + diag(R~_b' S_b^- R~_b)`` with
  ``h_W = 1/n_s + ||row of Q_c||^2``;
* HC: ``var_j = sum_i w_i U_ji^2``; CR0/CR1: ``sum_g (sum_{i in g} U_ji e_i)^2``;
* CR2: with ``Q_b = L_b^{-1} R~_b`` (orthonormal rows), ``H_gg = C_g C_g'``
  where ``C_g = [C_Wg, Q_bg']`` and ``C_Wg C_Wg' = (P_W)_gg``, fixed. The
  fixed block of cluster g is ``F_g F_g'`` with ``F_g = [E_g, Q_cg]`` and
  ``E_g`` the cluster's indicators of the strata its rows are in, each over
  ``sqrt(n_s)`` (one column when the cluster is nested in a stratum, several
  when it is not: exact either way); ``C_Wg`` is from the thin SVD of
  ``F_g``. Then ``Q_bg (I - H_gg)^{-1/2} e_g = [f(K_g) C_g' e_g]``
  restricted to the arm block, with the small ``K_g = C_g' C_g`` and
  ``f(mu) = (1 - mu)^{-1/2}`` (0 where ``1 - mu <= 1e-12``, as estimatr), so
  no ``n_g x n_g`` decomposition is needed.

Degrees of freedom and the HC1/CR1 factors count the ``L`` absorbed effects
in ``k``. No array has a dimension of the number of people times the number of
strata: a draw costs O(n q (q + p)) whatever the number of strata.

Every step is a matrix product, a weighted count or an elementwise operation
over a chunk of assignments (and several outcomes at once when they share the
sample); the only Python loops run over the columns of the arm block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trustexp.stats import _matrices as _design
from trustexp.stats._ols import CR2_EIGEN_TOL, LEVERAGE_TOL, zero_variance

__all__ = ["BatchedModel", "prepare"]

_SVD_TOL = 1e-13


@dataclass(frozen=True, slots=True)
class BatchedModel:
    """What does not change between assignments, for one outcome sample.

    Rows are ordered by cluster when there are clusters (in any order of the
    strata: clusters need not be nested in them).

    Attributes
    ----------
    strata : (n,) int64
        Stratum of each row, ``0..L-1`` (all 0 without strata).
    stratum_size : (L,) float64
        Rows in each stratum.
    q_c : (n, k_c) float64
        Orthonormal basis of the within-stratum-demeaned kept covariates
        (``k_c = 0`` without covariates).
    h_w : (n,) float64
        Leverage of the fixed block, ``1/n_s + ||row of Q_c||^2``.
    y_tilde : (n, K) float64
        Outcomes residualised on ``W``.
    y_var : (K,) float64
        Variance of each outcome (``ddof=0``), the scale of a zero variance.
    xc : (n, p) float64 or None
        Centred covariates to interact with the arms (Lin), else None.
    n_arms : int
    se_type : str
    starts : (G,) int64 or None
        First row of each cluster.
    c_w : (n, r) float64 or None
        Rows of ``C_Wg`` (CR2 only).
    c_w_sq : (G, r) float64 or None
        Squared singular values of ``F_g`` (CR2 only).
    q_c_y : (n, k_c + K) float64
        ``[Q_c, y~]`` side by side: one product with it gives both ``R Q_c``
        and ``R y~``.
    """

    strata: np.ndarray
    stratum_size: np.ndarray
    q_c: np.ndarray
    h_w: np.ndarray
    y_tilde: np.ndarray
    y_var: np.ndarray
    xc: np.ndarray | None
    n_arms: int
    se_type: str
    starts: np.ndarray | None
    c_w: np.ndarray | None
    c_w_sq: np.ndarray | None
    q_c_y: np.ndarray

    @property
    def n(self) -> int:
        """Rows in the outcome sample."""
        return int(self.q_c.shape[0])

    @property
    def n_strata(self) -> int:
        """Absorbed strata ``L`` (1 without strata: the intercept)."""
        return int(self.stratum_size.size)

    @property
    def k_fixed(self) -> int:
        """Kept columns of the fixed block: the ``L`` strata effects and the kept covariates."""
        return self.n_strata + int(self.q_c.shape[1])

    @property
    def q(self) -> int:
        """Columns of the arm block."""
        m = self.n_arms - 1
        return m if self.xc is None else m * (1 + self.xc.shape[1])

    def bytes_per_draw(self) -> int:
        """Rough peak memory per assignment in a chunk.

        Counts the float64 arrays of :meth:`t_statistics` that grow with the
        chunk: those over the rows (the arm block, its residualised copy's
        products, residuals, the weighted counts' index and weights, the CR2
        segment products) and the small ones over the strata and clusters.
        """
        q, n, k = self.q, self.n, self.y_tilde.shape[1]
        k_c, n_strata = self.q_c.shape[1], self.n_strata
        p1 = 1 if self.xc is None else 1 + self.xc.shape[1]
        per = 6 * q + 6 + 3 * k + q * k
        extra = (self.n_arms * p1 + 3 * q) * n_strata + q * (k_c + k + 2 * q)
        if self.c_w is not None and self.starts is not None:
            r = self.c_w.shape[1]
            per += q * q + q * r + (r + q) * k
            extra += 4 * self.starts.size * (r + q) * (r + q + k)  # K_g, eigenvectors
        return 8 * (n * per + extra)

    def t_statistics(self, assign: np.ndarray) -> np.ndarray:
        """t statistics of arms 1..m under each assignment.

        Parameters
        ----------
        assign : (B, n) int
            Arm codes of the sample rows (in this model's row order).

        Returns
        -------
        (B, K, m) float64
            NaN where the arm is not identified (or there is no control row).
        """
        return _t_statistics(self, assign)


def prepare(
    y: np.ndarray,
    covariates: np.ndarray | None,
    strata: np.ndarray | None,
    clusters: np.ndarray | None,
    *,
    n_arms: int,
    adjustment: str,
    se_type: str,
) -> BatchedModel:
    """Precompute the fixed parts for one outcome sample.

    The strata are absorbed (see the module notes); the covariates are kept or
    dropped by the rule of :func:`trustexp.stats._matrices.absorbed_independent_columns`,
    as in :func:`trustexp.stats.estimate_itt`.

    Parameters
    ----------
    y : (n, K) float
        One column per outcome (all observed on these rows).
    covariates : (n, p) float or None
    strata, clusters : (n,) int or None
        Rows must already be sorted by cluster when clusters are given.
    n_arms : int
    adjustment : {"additive", "lin"}
    se_type : str

    Returns
    -------
    BatchedModel
    """
    n = y.shape[0]
    xc = _design.centre(covariates)
    groups, n_groups = _design.absorbed_groups(strata, n)
    sizes = np.bincount(groups, minlength=n_groups).astype(np.float64)
    q_c = np.empty((n, 0))
    if xc is not None:
        keep = _design.absorbed_independent_columns(xc, groups, n_groups)
        if keep.any():
            q_c, _ = np.linalg.qr(_design.demean(xc[:, keep], groups, n_groups))
    h_w = 1.0 / sizes[groups] + np.einsum("ij,ij->i", q_c, q_c)
    y_within = _design.demean(y, groups, n_groups)
    y_tilde = y_within - q_c @ (q_c.T @ y_within)
    starts = c_w = c_w_sq = None
    if clusters is not None:
        starts = np.flatnonzero(np.r_[True, np.diff(clusters) != 0])
        if se_type == "CR2":
            c_w, c_w_sq = _cluster_factors(q_c, groups, sizes, starts)
    return BatchedModel(
        strata=groups,
        stratum_size=sizes,
        q_c=q_c,
        h_w=h_w,
        y_tilde=y_tilde,
        y_var=y.var(axis=0),
        xc=xc if adjustment == "lin" else None,
        n_arms=n_arms,
        se_type=se_type,
        starts=starts,
        c_w=c_w,
        c_w_sq=c_w_sq,
        q_c_y=np.hstack([q_c, y_tilde]),
    )


def _cluster_factors(
    q_c: np.ndarray, groups: np.ndarray, sizes: np.ndarray, starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``C_Wg = U_g s_g`` (thin SVD of ``F_g = [E_g, Q_cg]``), padded to a common width.

    ``F_g F_g'`` is the cluster's block of ``P_W``: ``E_g`` has one column per
    stratum among the cluster's rows, ``1/sqrt(n_s)`` on that stratum's rows.
    """
    n = q_c.shape[0]
    bounds = np.r_[starts, n]
    pieces = []
    for g in range(starts.size):
        lo, hi = int(bounds[g]), int(bounds[g + 1])
        levels, local = np.unique(groups[lo:hi], return_inverse=True)
        e = np.zeros((hi - lo, levels.size))
        e[np.arange(hi - lo), local] = 1.0 / np.sqrt(sizes[levels])[local]
        u, s, _ = np.linalg.svd(np.hstack([e, q_c[lo:hi]]), full_matrices=False)
        keep = s > _SVD_TOL
        pieces.append((u[:, keep] * s[keep], s[keep] ** 2))
    r = max(1, max(p[1].size for p in pieces))
    c_w = np.zeros((n, r))
    c_w_sq = np.zeros((starts.size, r))
    for g, (cg, sq) in enumerate(pieces):
        c_w[bounds[g] : bounds[g + 1], : sq.size] = cg
        c_w_sq[g, : sq.size] = sq
    return c_w, c_w_sq


def _arm_block(model: BatchedModel, assign: np.ndarray) -> np.ndarray:
    """(B, q, n) arm indicators (and Lin interactions), as ``_design.arm_block``."""
    bsz, n = assign.shape
    m = model.n_arms - 1
    codes = np.arange(1, model.n_arms, dtype=assign.dtype)
    d = np.empty((bsz, m, n))
    np.equal(assign[:, None, :], codes[None, :, None], out=d, casting="unsafe")
    if model.xc is None:
        return d
    inter = d[:, :, None, :] * model.xc.T[None, None, :, :]
    return np.concatenate([d, inter.reshape(bsz, -1, n)], axis=1)


def _stratum_sums(model: BatchedModel, assign: np.ndarray) -> np.ndarray:
    """(B, q, L) ``T = R D``: per-stratum sums of each arm-block column.

    One weighted count over (draw, arm, stratum) cells per column of
    ``[1, covariates]``: the arm column of arm j sums 1, its interaction with
    covariate l sums that covariate, over the stratum's rows in arm j.
    """
    bsz, n = assign.shape
    n_strata, a = model.n_strata, model.n_arms
    m = a - 1
    cells = bsz * a * n_strata
    index = assign.astype(np.int64) * n_strata + model.strata[None, :]
    index += (np.arange(bsz, dtype=np.int64) * (a * n_strata))[:, None]
    index = index.ravel()
    counts = np.bincount(index, minlength=cells).reshape(bsz, a, n_strata)[:, 1:, :]
    if model.xc is None:
        return counts.astype(np.float64)
    p = model.xc.shape[1]
    inter = np.empty((bsz, m, p, n_strata))
    for col in range(p):
        weights = np.broadcast_to(model.xc[:, col], (bsz, n)).ravel()
        sums = np.bincount(index, weights=weights, minlength=cells)
        inter[:, :, col, :] = sums.reshape(bsz, a, n_strata)[:, 1:, :]
    return np.concatenate([counts.astype(np.float64), inter.reshape(bsz, m * p, n_strata)], axis=1)


def _gram(model: BatchedModel, block: np.ndarray, assign: np.ndarray) -> np.ndarray:
    """(B, q, q) ``R_b R_b'`` from per-arm sums (the arm block is block-diagonal by arm)."""
    bsz = block.shape[0]
    m = model.n_arms - 1
    if model.xc is None:
        counts = block.sum(axis=2)
        out = np.zeros((bsz, m, m))
        out[:, np.arange(m), np.arange(m)] = counts
        return out
    p = model.xc.shape[1]
    z = np.hstack([np.ones((model.n, 1)), model.xc])  # (n, 1 + p)
    zz = (z[:, :, None] * z[:, None, :]).reshape(model.n, -1)
    sums = (block[:, :m, :].reshape(bsz * m, -1) @ zz).reshape(bsz, m, 1 + p, 1 + p)
    # column of arm j: j; column of (arm j, covariate l): m + j * p + l
    cols = np.concatenate([np.arange(m)[:, None], m + np.arange(m)[:, None] * p + np.arange(p)], 1)
    out = np.zeros((bsz, block.shape[1], block.shape[1]))
    for j in range(m):
        out[:, cols[j][:, None], cols[j][None, :]] = sums[:, j]
    return out


def _dropping_cholesky(
    s: np.ndarray, norms2: np.ndarray, tol: float = _design.COLLINEARITY_TOL
) -> tuple[np.ndarray, np.ndarray]:
    """Batched Cholesky ``S = L L'`` that drops collinear columns in order.

    Column j is dropped when its squared residual norm (after ``W`` and the
    kept earlier columns) is at or below ``tol^2`` times its own squared norm,
    the rule of :func:`trustexp.stats._matrices.independent_columns`. A dropped
    column gets a unit diagonal and zeros elsewhere.

    Parameters
    ----------
    s : (B, q, q) float
    norms2 : (B, q) float
        Squared norms of the raw (not residualised) columns.

    Returns
    -------
    chol : (B, q, q) float64, lower triangular
    keep : (B, q) bool
    """
    bsz, q, _ = s.shape
    chol = np.zeros_like(s)
    keep = np.zeros((bsz, q), dtype=bool)
    for j in range(q):
        row = chol[:, j, :j]
        rest = s[:, j, j] - np.einsum("bi,bi->b", row, row)
        ok = (rest > tol * tol * norms2[:, j]) & (norms2[:, j] > 0)
        keep[:, j] = ok
        diag = np.sqrt(np.where(ok, rest, 1.0))
        chol[:, j, j] = diag
        if j + 1 < q:
            below = s[:, j + 1 :, j] - np.einsum("bki,bi->bk", chol[:, j + 1 :, :j], row)
            chol[:, j + 1 :, j] = np.where(ok[:, None], below / diag[:, None], 0.0)
    return chol, keep


def _segment_sum(x: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sums over consecutive row segments along the last axis."""
    return np.add.reduceat(x, starts, axis=-1)


def _cr2_meat(model: BatchedModel, qd: np.ndarray, e: np.ndarray) -> np.ndarray:
    """(B, K, q, q) CR2 meat in the orthonormal arm coordinates ``Q_b``.

    Parameters
    ----------
    qd : (B, q, n) float
        ``Q_b``, orthonormal rows spanning the residualised arm block.
    e : (B, K, n) float
        Residuals of each outcome.
    """
    starts, c_w = model.starts, model.c_w
    assert starts is not None and c_w is not None and model.c_w_sq is not None
    bsz, q, _ = qd.shape
    r = c_w.shape[1]
    g_count = starts.size
    k_dd = _segment_sum(qd[:, :, None, :] * qd[:, None, :, :], starts)  # (B, q, q, G)
    k_wd = _segment_sum(c_w.T[None, :, None, :] * qd[:, None, :, :], starts)  # (B, r, q, G)
    v_w = _segment_sum(c_w.T[None, None, :, :] * e[:, :, None, :], starts)  # (B, K, r, G)
    v_d = _segment_sum(qd[:, None, :, :] * e[:, :, None, :], starts)  # (B, K, q, G)
    k = np.zeros((bsz, g_count, r + q, r + q))
    idx = np.arange(r)
    k[:, :, idx, idx] = model.c_w_sq[None, :, :]
    k[:, :, :r, r:] = k_wd.transpose(0, 3, 1, 2)
    k[:, :, r:, :r] = k_wd.transpose(0, 3, 2, 1)
    k[:, :, r:, r:] = k_dd.transpose(0, 3, 1, 2)
    v = np.concatenate([v_w, v_d], axis=2).transpose(0, 3, 2, 1)  # (B, G, r + q, K)
    mu, vec = np.linalg.eigh(k)
    one_minus = 1.0 - mu
    ok = one_minus > CR2_EIGEN_TOL
    f = np.where(ok, 1.0 / np.sqrt(np.where(ok, one_minus, 1.0)), 0.0)
    coord = np.einsum("bgji,bgjk->bgik", vec, v) * f[..., None]  # f(K_g) in its eigenbasis
    z = np.einsum("bgji,bgik->bgjk", vec[:, :, r:, :], coord)  # (B, G, q, K)
    return np.einsum("bgik,bgjk->bkij", z, z)


def _t_statistics(model: BatchedModel, assign: np.ndarray) -> np.ndarray:
    bsz, n = assign.shape
    m = model.n_arms - 1
    k_c = model.q_c.shape[1]
    block = _arm_block(model, assign)  # R, (B, q, n)
    q = block.shape[1]
    prod = (block.reshape(bsz * q, n) @ model.q_c_y).reshape(bsz, q, -1)
    c, r_y = prod[:, :, :k_c], prod[:, :, k_c:]  # R Q_c and R y~ (= R~ y~), (B, q, K)
    t_sums = _stratum_sums(model, assign)  # T = R D, (B, q, L)
    scaled = t_sums / np.sqrt(model.stratum_size)
    means = t_sums / model.stratum_size
    gram = _gram(model, block, assign)
    norms2 = np.einsum("bjj->bj", gram)
    s = gram - np.einsum("bjs,bls->bjl", scaled, scaled)  # R R' - R P_D R'
    if k_c:
        s -= np.einsum("bjw,blw->bjl", c, c)  # ... - R Q_c Q_c' R' = R~ R~'
    chol, keep = _dropping_cholesky(s, norms2)
    linv = np.linalg.inv(chol) * keep[:, :, None]  # rows of dropped columns zeroed
    s_inv = np.einsum("bij,bil->bjl", linv, linv)  # generalised inverse of S
    beta = np.einsum("bjl,blk->bjk", s_inv, r_y)  # (B, q, K)
    for j in range(q):  # R~ = R - R P_D - (R Q_c) Q_c', one arm-block column at a time
        block[:, j, :] -= means[:, j, :][:, model.strata]
        if k_c:
            block[:, j, :] -= c[:, j, :] @ model.q_c.T
    # batched products with a small inner dimension go through einsum: numpy's
    # batched matmul makes one (possibly multi-threaded) BLAS call per draw
    u = np.einsum("bjl,bln->bjn", s_inv, block)  # U = S^- R~: arm rows of (X'X)^{-1} X'
    fitted = np.einsum("bjk,bjn->bkn", beta, block)  # (B, K, n)
    e = np.subtract(model.y_tilde.T[None, :, :], fitted, out=fitted)
    k_rank = model.k_fixed + keep.sum(axis=1)
    se = model.se_type
    ua = u[:, :m, :]
    if se.startswith("HC"):
        omega = e * e
        if se in ("HC2", "HC3"):
            one_minus = 1.0 - model.h_w[None, :] - np.einsum("bjn,bjn->bn", u, block)
            exact = one_minus <= LEVERAGE_TOL
            weight = 1.0 / np.where(exact, 1.0, one_minus)
            if se == "HC3":
                weight *= weight
            weight[exact] = 0.0
            omega *= weight[:, None, :]
        var = np.matmul(omega, (ua * ua).transpose(0, 2, 1))  # (B, K, m)
        if se == "HC1":
            var *= (n / (n - k_rank))[:, None, None]
    elif se in ("CR0", "CR1"):
        assert model.starts is not None
        sums = _segment_sum(ua[:, None, :, :] * e[:, :, None, :], model.starts)  # (B, K, m, G)
        var = np.einsum("bkjg,bkjg->bkj", sums, sums)
        g_count = model.starts.size
        if se == "CR1":
            var *= (g_count / (g_count - 1) * (n - 1) / (n - k_rank))[:, None, None]
    else:
        qd = np.einsum("bjl,bln->bjn", linv, block)  # (B, q, n), orthonormal rows
        meat = _cr2_meat(model, qd, e)  # (B, K, q, q)
        arms = linv[:, :, :m]
        var = np.einsum("bim,bkij,bjm->bkm", arms, meat, arms)
    bread_diag = np.einsum("bjj->bj", s_inv)[:, None, :m]  # arm block of (X'X)^{-1} is S^-
    degenerate = zero_variance(var, model.y_var[None, :, None], bread_diag)
    degenerate |= ~keep[:, None, :m]
    degenerate |= ((assign == 0).sum(axis=1) == 0)[:, None, None]  # no control row
    degenerate |= (k_rank >= n)[:, None, None]
    if model.starts is not None:
        degenerate |= model.starts.size < 2
    with np.errstate(divide="ignore", invalid="ignore"):
        t = beta[:, :m, :].transpose(0, 2, 1) / np.sqrt(var)
    t[degenerate] = np.nan
    return t
