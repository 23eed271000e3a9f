"""Design matrices of the trial regressions.

Column order is the same everywhere (the single-fit and the batched
permutation kernels): first the *fixed* block ``W`` (intercept, strata dummies,
centred covariates), then the *arm* block (arm indicators 1..m and, with the
Lin adjustment, arm x centred-covariate interactions, arm-major as
``estimatr::lm_lin``). Collinear columns are dropped in that order, as R's
``lm`` does (a column is dropped when its norm after projection on the kept
earlier columns falls below ``1e-7`` of its own norm). Because the fixed block
comes first, an arm indicator is dropped (and its effect reported as NaN) only
when it is not identified given the strata and the covariates.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "COLLINEARITY_TOL",
    "absorbed_groups",
    "absorbed_independent_columns",
    "arm_block",
    "centre",
    "demean",
    "dummies",
    "factorize",
    "fixed_block",
    "independent_columns",
]

#: Relative norm below which a column counts as collinear (as ``lm``'s ``tol``).
COLLINEARITY_TOL = 1e-7


def factorize(codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Map arbitrary integer codes to ``0..L-1``.

    Parameters
    ----------
    codes : (n,) int

    Returns
    -------
    inverse : (n,) int64
        The level of each row, levels in sorted order of the codes.
    n_levels : int
    """
    levels, inverse = np.unique(codes, return_inverse=True)
    return inverse.astype(np.int64), int(levels.size)


def absorbed_groups(strata: np.ndarray | None, n: int) -> tuple[np.ndarray, int]:
    """The groups whose effects a model absorbs: the strata (:func:`factorize`), or one
    group of all ``n`` rows (the intercept) without strata."""
    if strata is None:
        return np.zeros(n, dtype=np.int64), 1
    return factorize(strata)


def dummies(levels: np.ndarray, n_levels: int, *, drop_first: bool = True) -> np.ndarray:
    """Indicator columns of a factor.

    Parameters
    ----------
    levels : (n,) int
        Codes ``0..n_levels-1``.
    n_levels : int
    drop_first : bool
        Leave out level 0 (the reference level, absorbed by the intercept).

    Returns
    -------
    (n, n_levels - 1) or (n, n_levels) float64
    """
    first = 1 if drop_first else 0
    return (levels[:, None] == np.arange(first, n_levels)[None, :]).astype(np.float64)


def centre(covariates: np.ndarray | None) -> np.ndarray | None:
    """Centre the columns of ``covariates`` (n, p) at their means; None stays None."""
    if covariates is None:
        return None
    return covariates - covariates.mean(axis=0, keepdims=True)


def fixed_block(n: int, strata: np.ndarray | None, xc: np.ndarray | None) -> np.ndarray:
    """The fixed block ``W = [1, strata dummies, centred covariates]``.

    Parameters
    ----------
    n : int
    strata : (n,) int or None
        Stratum codes (any integers).
    xc : (n, p) float or None
        Centred covariates.

    Returns
    -------
    (n, k_W) float64
    """
    parts = [np.ones((n, 1))]
    if strata is not None:
        levels, n_levels = factorize(strata)
        parts.append(dummies(levels, n_levels))
    if xc is not None:
        parts.append(xc)
    return np.hstack(parts)


def arm_block(arm: np.ndarray, n_arms: int, xc: np.ndarray | None) -> np.ndarray:
    """Arm indicators and, with Lin adjustment, their interactions.

    Parameters
    ----------
    arm : (n,) int
        Arm codes ``0..n_arms-1``; 0 is the control arm (left out).
    n_arms : int
    xc : (n, p) float or None
        Centred covariates to interact with each arm indicator (Lin), or None.

    Returns
    -------
    (n, m * (1 + p)) float64, m = n_arms - 1
        Columns ``d_1..d_m``, then ``d_1 x_1 .. d_1 x_p, d_2 x_1, ...``.
    """
    d = dummies(arm, n_arms)
    if xc is None:
        return d
    inter = (d[:, :, None] * xc[:, None, :]).reshape(d.shape[0], -1)
    return np.hstack([d, inter])


def independent_columns(x: np.ndarray, tol: float = COLLINEARITY_TOL) -> np.ndarray:
    """Which columns to keep, dropping collinear ones in order (as ``lm``).

    A column is kept when the norm of its residual after projection on the
    columns kept before it exceeds ``tol`` times its own norm. Classical
    Gram-Schmidt with one re-orthogonalisation. Leading columns that are an
    intercept and disjoint 0/1 indicators (the strata block of
    :func:`fixed_block`) are kept without forming their basis: the projection
    on them is the within-group residual (:func:`absorbed_independent_columns`),
    which makes the cost O(n p^2) in the other columns p, not O(n k^2).

    Parameters
    ----------
    x : (n, k) float
    tol : float

    Returns
    -------
    (k,) bool
    """
    n, k = x.shape
    t, groups = _indicator_prefix(x)
    if groups is not None:
        # An intercept and disjoint strata indicators are independent and span the
        # group indicators: the projection on them is the within-group residual.
        keep = np.ones(k, dtype=bool)
        keep[t:] = absorbed_independent_columns(x[:, t:], groups, t, tol)
        return keep
    basis = np.empty((n, min(n, k)))
    keep = np.zeros(k, dtype=bool)
    r = 0
    for j in range(k):
        v = x[:, j]
        norm = float(np.linalg.norm(v))
        if norm == 0.0 or r == n:
            continue
        w = v.copy()
        if r:
            q = basis[:, :r]
            w -= q @ (q.T @ w)
            w -= q @ (q.T @ w)
        rest = float(np.linalg.norm(w))
        if rest <= tol * norm:
            continue
        basis[:, r] = w / rest
        keep[j] = True
        r += 1
    return keep


def _indicator_prefix(x: np.ndarray) -> tuple[int, np.ndarray | None]:
    """Leading columns that are an intercept followed by disjoint 0/1 indicators.

    Returns the number ``t`` of such columns and the group of each row (``0``
    for rows in none of the indicators, ``j`` for rows of indicator column
    ``j``), or ``(0, None)``. The prefix stops before an indicator that would
    leave no row in group 0 (that indicator is collinear with the intercept
    and the others, and is left to the general rule).
    """
    n, k = x.shape
    if k < 2 or n == 0 or not np.all(x[:, 0] == 1.0):
        return 0, None
    groups = np.zeros(n, dtype=np.int64)
    covered = 0
    t = 1
    while t < k:
        col = x[:, t]
        ones = col == 1.0
        count = int(ones.sum())
        if count == 0 or count + int((col == 0.0).sum()) != n:
            break
        if np.any(groups[ones] != 0) or covered + count >= n:
            break
        groups[ones] = t
        covered += count
        t += 1
    if t == 1:
        return 0, None
    return t, groups


def demean(x: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Subtract the group means from the columns of ``x`` (within-transformation).

    Parameters
    ----------
    x : (n,) or (n, k) float
    groups : (n,) int
        Codes ``0..n_groups-1``.
    n_groups : int

    Returns
    -------
    array of the shape of ``x``
    """
    sizes = np.bincount(groups, minlength=n_groups).astype(np.float64)
    if x.ndim == 1:
        return x - (np.bincount(groups, weights=x, minlength=n_groups) / sizes)[groups]
    sums = np.zeros((n_groups, x.shape[1]))
    np.add.at(sums, groups, x)
    return x - (sums / sizes[:, None])[groups]


def absorbed_independent_columns(
    x: np.ndarray, groups: np.ndarray, n_groups: int, tol: float = COLLINEARITY_TOL,
    *, n_kept_before: int | None = None,
) -> np.ndarray:
    """:func:`independent_columns` of ``[group indicators, x]`` for the columns of ``x``.

    The group indicators (intercept and strata dummies) are all kept and come
    first; a column of ``x`` is then kept when the norm of its within-group
    residual after projection on the kept columns before it exceeds ``tol``
    times its own norm, the rule of :func:`independent_columns` without forming
    the indicator columns.

    Parameters
    ----------
    x : (n, k) float
    groups : (n,) int
        Codes ``0..n_groups-1``, every code present.
    n_groups : int
    tol : float
    n_kept_before : int or None
        Columns already kept before ``x`` (default ``n_groups``).

    Returns
    -------
    (k,) bool
    """
    n, k = x.shape
    r0 = n_groups if n_kept_before is None else n_kept_before
    within = demean(x, groups, n_groups)
    basis = np.empty((n, max(0, min(n - r0, k))))
    keep = np.zeros(k, dtype=bool)
    r = 0
    for j in range(k):
        norm = float(np.linalg.norm(x[:, j]))
        if norm == 0.0 or r0 + r >= n:
            continue
        w = within[:, j].copy()
        if r:
            q = basis[:, :r]
            w -= q @ (q.T @ w)
            w -= q @ (q.T @ w)
        rest = float(np.linalg.norm(w))
        if rest <= tol * norm:
            continue
        basis[:, r] = w / rest
        keep[j] = True
        r += 1
    return keep
