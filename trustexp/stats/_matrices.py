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
    "arm_block",
    "centre",
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
    Gram-Schmidt with one re-orthogonalisation.

    Parameters
    ----------
    x : (n, k) float
    tol : float

    Returns
    -------
    (k,) bool
    """
    n, k = x.shape
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
