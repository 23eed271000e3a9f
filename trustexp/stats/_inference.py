"""t-based p-values and confidence intervals."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["t_inference"]


def t_inference(
    estimate: np.ndarray, std_error: np.ndarray, df: np.ndarray, alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """t statistics, two-sided p-values and ``1 - alpha`` confidence intervals.

    Parameters
    ----------
    estimate, std_error, df : (m,) float
        NaN entries (and non-positive df) give NaN results.
    alpha : float

    Returns
    -------
    statistic, p_value, ci_low, ci_high : (m,) float64
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = np.isfinite(estimate) & np.isfinite(std_error) & (df > 0)
        dfs = np.where(ok, df, 1.0)
        statistic = np.where(ok, estimate / std_error, np.nan)
        p_value = np.where(ok, 2.0 * stats.t.sf(np.abs(statistic), dfs), np.nan)
        half = np.where(ok, stats.t.ppf(1.0 - alpha / 2.0, dfs) * std_error, np.nan)
    return statistic, p_value, estimate - half, estimate + half
