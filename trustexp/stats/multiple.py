"""Adjustments of p-values for multiple testing within a family of hypotheses.

Holm (1979) and Benjamini-Hochberg (1995) follow R's ``p.adjust``: NaN
entries are left out of the family and stay NaN. Romano-Wolf (2005, 2016) is
the step-down procedure on the randomisation distribution of the studentised
statistics: hypotheses in decreasing order of ``|t_obs|``; hypothesis j gets
``(1 + #{b: max_{l remaining} |t_{b,l}| >= |t_obs,j|}) / (B + 1)``, then the
adjusted p-values are made monotone (each at least the previous one). Draws
are used as they come: randomisation draws are already centred at the null.
A draw under which a statistic is undefined (NaN) counts as ``-inf`` for it:
the hypothesis keeps its place in the family (see :func:`romano_wolf`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from trustexp.config import MultipleTesting
from trustexp.errors import OptionError
from trustexp.stats import _checks
from trustexp.stats.randomisation import TIE_RTOL

__all__ = ["METHODS", "adjust", "benjamini_hochberg", "holm", "romano_wolf"]

METHODS: tuple[MultipleTesting, ...] = ("holm", "bh", "romano-wolf", "none")


def _pvalues(function: str, p: Any) -> np.ndarray:
    arr = _checks.check_vector(function, "p", p, finite=False)
    bad = np.isfinite(arr) & ((arr < 0) | (arr > 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise OptionError(
            f"The 'p' parameter of {function} must hold p-values in [0, 1]. "
            f"Got {arr[i]} at position {i} instead."
        )
    return arr


def holm(p: npt.ArrayLike) -> np.ndarray:
    """Holm's step-down adjustment (as R ``p.adjust(p, "holm")``).

    Parameters
    ----------
    p : (m,) float
        p-values; NaN entries are left out of the family.

    Returns
    -------
    (m,) float64
    """
    arr = _pvalues("holm", p)
    out = np.full(arr.shape, np.nan)
    idx = np.flatnonzero(np.isfinite(arr))
    order = idx[np.argsort(arr[idx], kind="stable")]
    m = order.size
    steps = (m - np.arange(m)) * arr[order]
    out[order] = np.minimum(1.0, np.maximum.accumulate(steps))
    return out


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg false discovery rate adjustment (R ``p.adjust(p, "BH")``).

    Parameters
    ----------
    p : (m,) float
        p-values; NaN entries are left out of the family.

    Returns
    -------
    (m,) float64
    """
    arr = _pvalues("benjamini_hochberg", p)
    out = np.full(arr.shape, np.nan)
    idx = np.flatnonzero(np.isfinite(arr))
    order = idx[np.argsort(-arr[idx], kind="stable")]  # largest first
    m = order.size
    steps = m / np.arange(m, 0, -1) * arr[order]
    out[order] = np.minimum(1.0, np.minimum.accumulate(steps))
    return out


def romano_wolf(t_observed: np.ndarray, t_draws: np.ndarray) -> np.ndarray:
    """Romano-Wolf step-down adjusted p-values from randomisation draws.

    Parameters
    ----------
    t_observed : (m,) float
        Observed studentised statistics; NaN entries are left out.
    t_draws : (draws, m) float
        The statistics under each re-randomisation (jointly for all m
        hypotheses, from the same draws). A NaN entry (the statistic is
        undefined under that draw) counts as ``-inf``: the draw stays among the
        ``B`` draws and never exceeds. That is the randomisation test of the
        statistic extended by ``-inf`` where it is undefined, so every
        hypothesis stays in the family and the family-wise error rate is held
        under the sharp null.

    Returns
    -------
    (m,) float64
    """
    obs = _checks.check_vector("romano_wolf", "t_observed", t_observed, finite=False)
    draws = np.asarray(t_draws, dtype=np.float64)
    if draws.ndim != 2 or draws.shape[1] != obs.size:
        raise OptionError(
            f"The 't_draws' parameter of romano_wolf must have shape (draws, {obs.size}). "
            f"Got shape {draws.shape} instead."
        )
    out = np.full(obs.shape, np.nan)
    abs_obs = np.abs(obs)
    idx = np.flatnonzero(np.isfinite(abs_obs))
    order = idx[np.argsort(-abs_obs[idx], kind="stable")]
    if order.size == 0:
        return out
    mags = np.abs(draws[:, order])
    mags[~np.isfinite(mags)] = -np.inf
    remaining_max = np.maximum.accumulate(mags[:, ::-1], axis=1)[:, ::-1]
    threshold = abs_obs[order] * (1.0 - TIE_RTOL)
    hits = (remaining_max >= threshold[None, :]).sum(axis=0)
    raw = (1.0 + hits) / (1.0 + draws.shape[0])
    out[order] = np.maximum.accumulate(raw)
    return out


def adjust(
    p: np.ndarray,
    method: MultipleTesting,
    *,
    t_observed: np.ndarray | None = None,
    t_draws: np.ndarray | None = None,
) -> np.ndarray:
    """Adjust a family of p-values.

    Parameters
    ----------
    p : (m,) float
        Unadjusted p-values (returned as they are by ``"none"``).
    method : {"holm", "bh", "romano-wolf", "none"}
    t_observed : (m,) float or None
        Needed by ``"romano-wolf"``.
    t_draws : (draws, m) float or None
        Needed by ``"romano-wolf"``.

    Returns
    -------
    (m,) float64
    """
    _checks.check_choice("adjust", "method", method, METHODS)
    arr = _pvalues("adjust", p)
    if method == "holm":
        return holm(arr)
    if method == "bh":
        return benjamini_hochberg(arr)
    if method == "none":
        return arr.copy()
    if t_observed is None or t_draws is None:
        raise OptionError(
            "The 'method' parameter of adjust is 'romano-wolf', which needs 't_observed' and "
            "'t_draws' (from permutation_test); give both or use 'holm', 'bh' or 'none'."
        )
    if np.asarray(t_observed).shape != arr.shape:
        raise OptionError(
            f"The 't_observed' parameter of adjust must have the shape of 'p' {arr.shape}. "
            f"Got {np.asarray(t_observed).shape} instead."
        )
    return romano_wolf(t_observed, t_draws)
