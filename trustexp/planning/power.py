"""Minimum detectable effects of a two-group comparison, by formula.

Two kernels, each the equation of a power function solved for the effect:

* :func:`mde_t` for continuous outcomes: the smallest ``delta`` at which a
  two-sided t test at level ``alpha`` rejects with probability ``power``, with
  the power of the noncentral t distribution (the one-tail approximation of R's
  ``power.t.test(strict = FALSE)``); the standard error is
  ``sd * sqrt((1 - r2) * deff * (1/n_arm + 1/n_control))``.
* :func:`mde_prop` for binary outcomes: the normal-approximation equation of R's
  ``power.prop.test`` (variance under the null from the pooled proportion,
  under the alternative from both), for unequal groups and with the same
  ``(1 - r2) * deff`` inflation of both variances.

The design effect of clusters is :func:`design_effect`,
``1 + ((1 + cv^2) * m - 1) * icc`` (Eldridge, Ashby and Kerry 2006), ``m`` the
mean cluster size and ``cv`` the coefficient of variation of the sizes.

The family's multiple-testing correction enters as :func:`family_alpha`: the
level of the first (smallest-p) test of the family, ``alpha / tests`` for
Holm, so the MDE is the one the first rejection needs. For
Benjamini-Hochberg and Romano-Wolf that is only a bound (both reject more);
the design table uses the level that simulating their procedures gives
instead (:mod:`trustexp.planning.multiplicity`, through
:func:`trustexp.planning.mde.simulated_levels`).
"""

from __future__ import annotations

import functools
import math
from typing import Literal

from scipy import optimize, stats

from trustexp.errors import OptionError

__all__ = ["design_effect", "family_alpha", "mde_from_se", "mde_prop", "mde_t", "power_t"]

Correction = Literal["holm", "bh", "romano-wolf", "none"]


def _check_level(fn: str, name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise OptionError(
            f"The {name!r} parameter of {fn} must be a float in (0, 1). Got {value!r} instead."
        )
    return float(value)


def _check_positive(fn: str, name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise OptionError(
            f"The {name!r} parameter of {fn} must be a number > 0. Got {value!r} instead."
        )
    return float(value)


def family_alpha(alpha: float, tests: int, method: Correction = "holm") -> float:
    """The level of a family's first test: ``alpha / tests``, or ``alpha`` without correction."""
    alpha = _check_level("family_alpha", "alpha", alpha)
    if method not in ("holm", "bh", "romano-wolf", "none"):
        raise OptionError(
            "The 'method' parameter of family_alpha must be one of 'holm', 'bh', "
            f"'romano-wolf', 'none'. Got {method!r} instead."
        )
    if isinstance(tests, bool) or not isinstance(tests, int) or tests < 1:
        raise OptionError(
            f"The 'tests' parameter of family_alpha must be an integer >= 1. Got {tests!r} instead."
        )
    return alpha if method == "none" else alpha / tests


def design_effect(icc: float, mean_size: float, cv: float = 0.0) -> float:
    """``1 + ((1 + cv^2) * mean_size - 1) * icc`` (1 without clustering)."""
    if not 0 <= icc < 1:
        raise OptionError(f"The 'icc' parameter of design_effect must be in [0, 1). Got {icc!r} instead.")
    if mean_size < 1:
        raise OptionError(
            f"The 'mean_size' parameter of design_effect must be >= 1. Got {mean_size!r} instead."
        )
    return 1.0 + ((1.0 + cv * cv) * mean_size - 1.0) * icc


def power_t(delta: float, se: float, df: float, alpha: float) -> float:
    """Power of the two-sided t test of ``delta`` with standard error ``se`` (one tail, as R)."""
    crit = stats.t.isf(alpha / 2.0, df)
    return float(stats.nct.sf(crit, df, abs(delta) / se))


def mde_from_se(se: float, df: float, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """The effect that a t test with this standard error detects with probability ``power``.

    The power depends on the effect only through ``effect / se``, so the effect is ``se``
    times the root for a standard error of 1 (:func:`_mde_per_se`, computed once per
    ``(df, alpha, power)``).
    """
    fn = "mde_from_se"
    alpha = _check_level(fn, "alpha", alpha)
    power = _check_level(fn, "power", power)
    if not (math.isfinite(se) and se > 0 and math.isfinite(df) and df > 0):
        return math.nan
    return se * _mde_per_se(float(df), alpha, power)


@functools.lru_cache(maxsize=4096)
def _mde_per_se(df: float, alpha: float, power: float) -> float:
    """The detectable effect in standard errors: the root of ``power_t(d, 1, df) = power``."""
    guess = stats.t.isf(alpha / 2, df) + stats.t.ppf(power, df)
    hi = 2.0 * guess
    while power_t(hi, 1.0, df, alpha) < power:  # pragma: no cover - a wide bracket suffices
        hi *= 2.0
    return float(optimize.brentq(lambda d: power_t(d, 1.0, df, alpha) - power, 0.0, hi,
                                 xtol=1e-12, rtol=1e-12))


def mde_t(sd: float, n_arm: float, n_control: float, *, alpha: float = 0.05, power: float = 0.8,
          r2: float = 0.0, deff: float = 1.0, df: float | None = None) -> float:
    """Minimum detectable difference in means (see the module docstring).

    ``df`` defaults to ``n_arm + n_control - 2`` (give the clusters less 2
    with clusters). Equal groups and ``r2 = 0``, ``deff = 1`` reproduce
    ``power.t.test(n, sd = sd, power = power, sig.level = alpha)$delta``.
    """
    fn = "mde_t"
    sd = _check_positive(fn, "sd", sd)
    n1 = _check_positive(fn, "n_arm", n_arm)
    n0 = _check_positive(fn, "n_control", n_control)
    if not 0 <= r2 < 1:
        raise OptionError(f"The 'r2' parameter of {fn} must be in [0, 1). Got {r2!r} instead.")
    se = sd * math.sqrt((1.0 - r2) * deff * (1.0 / n1 + 1.0 / n0))
    return mde_from_se(se, n1 + n0 - 2.0 if df is None else df, alpha=alpha, power=power)


def _power_prop(p0: float, p1: float, n1: float, n0: float, alpha: float, k: float) -> float:
    pbar = (n1 * p1 + n0 * p0) / (n1 + n0)
    null_sd = math.sqrt(k * pbar * (1.0 - pbar) * (1.0 / n1 + 1.0 / n0))
    alt_sd = math.sqrt(k * (p1 * (1.0 - p1) / n1 + p0 * (1.0 - p0) / n0))
    z = stats.norm.isf(alpha / 2.0)
    return float(stats.norm.cdf((abs(p1 - p0) - z * null_sd) / alt_sd))


def mde_prop(base_rate: float, n_arm: float, n_control: float, *, alpha: float = 0.05,
             power: float = 0.8, r2: float = 0.0, deff: float = 1.0,
             direction: Literal["higher", "lower"] = "higher") -> float:
    """Minimum detectable difference in proportions from ``base_rate`` (control).

    Returns ``p_arm - base_rate`` (positive for ``direction="higher"``,
    negative for ``"lower"``), NaN when no proportion in (0, 1) reaches the
    power. Equal groups and ``r2 = 0``, ``deff = 1`` reproduce
    ``power.prop.test(n, p1 = base_rate, power = power)$p2 - base_rate``.
    """
    fn = "mde_prop"
    p0 = _check_level(fn, "base_rate", base_rate)
    alpha = _check_level(fn, "alpha", alpha)
    power = _check_level(fn, "power", power)
    n1 = _check_positive(fn, "n_arm", n_arm)
    n0 = _check_positive(fn, "n_control", n_control)
    if direction not in ("higher", "lower"):
        raise OptionError(
            f"The 'direction' parameter of {fn} must be 'higher' or 'lower'. Got {direction!r} instead."
        )
    k = (1.0 - r2) * deff
    end = 1.0 - 1e-10 if direction == "higher" else 1e-10

    def gap(p1: float) -> float:
        return _power_prop(p0, p1, n1, n0, alpha, k) - power

    if gap(end) < 0:
        return math.nan
    p1 = optimize.brentq(gap, p0, end, xtol=1e-13, rtol=1e-13) if direction == "higher" \
        else optimize.brentq(gap, end, p0, xtol=1e-13, rtol=1e-13)
    return float(p1 - p0)
