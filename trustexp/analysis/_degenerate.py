"""Why an effect cannot be estimated from the data it is given.

Least squares in double precision needs outcomes and covariates whose squares
and cross products stay finite, and an outcome that varies: a constant outcome
(nobody employed, in every arm) has an effect of exactly zero with a standard
error of zero, and no test or interval means anything. Such estimates are
reported as not estimable, with the reason, instead of as numbers (or a
division by zero).
"""

from __future__ import annotations

import numpy as np

__all__ = ["MAX_MAGNITUDE", "REASONS", "not_estimable"]

#: Values beyond this magnitude (in the outcome or a covariate) make sums of
#: squares overflow; the estimate is not attempted.
MAX_MAGNITUDE = 1e150
#: An outcome whose spread is below this share of its magnitude (or below
#: ``MIN_SPREAD``) is constant up to rounding.
RELATIVE_SPREAD = 1e-12
MIN_SPREAD = 1e-150

#: Every reason given, by a short code (the report translates it by the code).
REASONS: dict[str, str] = {
    "unobserved": "no one in the estimation sample has this outcome observed",
    "unobserved_control": "no one in the control arm has this outcome observed",
    "unobserved_treated": "no one in a treatment arm has this outcome observed",
    "unobserved_arm": "no one in this arm has this outcome observed",
    "not_finite": "the outcome has values that are not finite numbers",
    "too_large": (f"the outcome has values beyond {MAX_MAGNITUDE:.0e} in magnitude, too large "
                  "for the arithmetic of an estimate"),
    "constant": "the outcome is the same for everyone in the estimation sample",
    "covariate": (f"a covariate has values that are not finite or beyond {MAX_MAGNITUDE:.0e} "
                  "in magnitude"),
    "zero_se": "the standard error is zero or not finite (the outcome is fitted exactly)",
    "collinear": ("the model's columns are collinear in floating point (take-up or a covariate "
                  "is, up to rounding, a combination of the others)"),
}


def not_estimable(y: np.ndarray, x: np.ndarray | None = None) -> str:
    """The reason an effect on ``y`` cannot be estimated, or ``""`` when it can.

    Parameters
    ----------
    y
        The outcome over the estimation sample (observed values only).
    x
        The covariates over the same rows, (n, p), or None.

    Returns
    -------
    str
        An English sentence (for frames and logs), empty when the data allow an
        estimate.
    """
    y = np.asarray(y, dtype=float)
    if y.size == 0:
        return REASONS["unobserved"]
    if not np.isfinite(y).all():
        return REASONS["not_finite"]
    big = float(np.max(np.abs(y)))
    if big > MAX_MAGNITUDE:
        return REASONS["too_large"]
    spread = float(np.max(y) - np.min(y))
    if spread <= big * RELATIVE_SPREAD or spread < MIN_SPREAD:
        return REASONS["constant"]
    if x is not None and x.size:
        x = np.asarray(x, dtype=float)
        if not np.isfinite(x).all() or float(np.max(np.abs(x))) > MAX_MAGNITUDE:
            return REASONS["covariate"]
    return ""
