"""The minimum detectable effect under a family's Benjamini-Hochberg or Romano-Wolf test.

Holm's procedure first tests the smallest p-value at ``alpha / tests``, so the
one-test formula at that level gives its MDE (the first rejection). For
Benjamini-Hochberg and Romano-Wolf that level is only a bound: both reject
everything Bonferroni rejects, and more. Here their MDE is computed for what
it is, by simulating the family's joint test statistics.

Scenario
    The hypothesis in question has the effect; the family's other hypotheses
    are null (the effect "on its own", the scenario of the Bonferroni bound).
    The MDE is the effect at which that hypothesis is rejected by the family's
    procedure with the declared power.

Joint statistics
    The family's z statistics are multivariate normal with unit variances and
    the correlation of the estimates: for outcomes ``a, b`` and arms ``j, k``
    against the same control arm, ``rho_ab`` if ``j == k`` and
    ``rho_ab (1/n_0) / sqrt((1/n_j + 1/n_0)(1/n_k + 1/n_0))`` otherwise (the
    shared control arm), with ``rho_ab`` the correlation of the outcomes
    (:func:`outcome_correlation`, from the data when there are outcome data;
    else 0, independent outcomes, as the design table then says).

Solving
    ``draws`` standard normal vectors (common random numbers, seeded from
    ``[analysis] seed``, the site and the family) give the statistics under
    the alternative, ``Z = lambda e_h + L u``, and, for Romano-Wolf, an
    independent set the null distribution of the maxima (``L u'``). The
    noncentrality ``lambda`` at which the share of draws rejecting ``h`` equals
    the power is found by bisection; its Monte Carlo standard error is
    ``sqrt(power (1 - power) / draws)`` divided by the slope of the power
    curve (a central difference on the same draws). The result is returned as
    a test level: the two-sided level at which one test with the same
    noncentrality has that power, ``2 (1 - Phi(lambda - z_power))``, so that
    the one-test formulas of :mod:`trustexp.planning.power` (t or proportions,
    with ``r2``, clusters and unequal allocation) turn it into the MDE in the
    outcome's units; with one hypothesis it is ``alpha`` itself.

Procedures (on the z statistics' two-sided p-values)
    ``"bonferroni"`` ``p_h <= alpha / T``; ``"holm"`` step-down; ``"bh"``
    step-up (``p_(k) <= k alpha / T``); ``"romano-wolf"`` step-down on the
    maxima of ``|Z|`` over the hypotheses not yet rejected, a hypothesis
    rejected when ``(1 + #{max >= |z|}) / (draws + 1) <= alpha``, as
    :func:`trustexp.stats.romano_wolf` computes it from re-randomisations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from trustexp.errors import OptionError

__all__ = ["DRAWS", "FamilyLevels", "bonferroni_power", "family_levels",
           "hypothesis_correlation", "outcome_correlation", "rejection_rate", "rejections"]

#: Simulated joint statistics per family (and as many null draws for Romano-Wolf).
DRAWS = 5_000
_PROCEDURES = ("bonferroni", "holm", "bh", "romano-wolf")


@dataclass(frozen=True)
class FamilyLevels:
    """The simulated MDE of each hypothesis of a family, as test levels.

    Attributes
    ----------
    level : (T,) float
        The two-sided level at which one test has the declared power at the MDE.
    noncentrality : (T,) float
        The MDE in standard errors (``lambda``).
    noncentrality_mcse : (T,) float
        Its Monte Carlo standard error.
    draws : int
    method : str
    """

    level: np.ndarray
    noncentrality: np.ndarray
    noncentrality_mcse: np.ndarray
    draws: int
    method: str


def outcome_correlation(values: np.ndarray, arm: np.ndarray) -> np.ndarray:
    """Correlation of outcomes within arms (each outcome less its arm's mean).

    Parameters
    ----------
    values : (N, K) float
        The outcomes (NaN where not observed).
    arm : (N,) int

    Returns
    -------
    (K, K) float: pairwise over the persons with both outcomes; 0 where a pair
    has fewer than 3 such persons or no variance.
    """
    v = np.asarray(values, dtype=float).copy()
    arm = np.asarray(arm)
    for code in np.unique(arm):
        rows = arm == code
        with np.errstate(invalid="ignore"):
            mean = np.nanmean(np.where(rows[:, None], v, np.nan), axis=0) if rows.any() else 0.0
        v[rows] -= np.nan_to_num(mean)
    k = v.shape[1]
    out = np.eye(k)
    for a in range(k):
        for b in range(a + 1, k):
            both = np.isfinite(v[:, a]) & np.isfinite(v[:, b])
            if both.sum() < 3:
                continue
            x, y = v[both, a], v[both, b]
            sx, sy = x.std(), y.std()
            if sx > 0 and sy > 0:
                out[a, b] = out[b, a] = float(np.clip(np.mean((x - x.mean()) * (y - y.mean()))
                                                      / (sx * sy), -1.0, 1.0))
    return out


def hypothesis_correlation(rho: np.ndarray, outcome: Sequence[int], n_arm: Sequence[float],
                           n_control: Sequence[float], arm: Sequence[int]) -> np.ndarray:
    """Correlation of the family's estimates (module notes): (T, T).

    Hypothesis ``t`` is outcome ``outcome[t]`` (an index of ``rho``) of arm
    ``arm[t]``, with ``n_arm[t]`` and ``n_control[t]`` persons.
    """
    o = np.asarray(outcome, dtype=int)
    a = np.asarray(arm)
    n1 = np.asarray(n_arm, dtype=float)
    n0 = np.asarray(n_control, dtype=float)
    v = 1.0 / n1 + 1.0 / n0
    shared = (1.0 / np.sqrt(n0[:, None] * n0[None, :])) / np.sqrt(v[:, None] * v[None, :])
    arms = np.where(a[:, None] == a[None, :], 1.0, shared)
    out = np.asarray(rho, dtype=float)[np.ix_(o, o)] * arms
    np.fill_diagonal(out, 1.0)
    return out


def _factor(corr: np.ndarray) -> np.ndarray:
    """A square root of a correlation matrix (eigenvalues below 0 set to 0)."""
    w, v = np.linalg.eigh((corr + corr.T) / 2.0)
    return v * np.sqrt(np.clip(w, 0.0, None))[None, :]


class _Null:
    """Romano-Wolf's critical values: the null distribution of the maxima of ``|Z|``."""

    def __init__(self, null: np.ndarray, alpha: float) -> None:
        self.mags = np.abs(null)
        self.k = math.floor(alpha * (null.shape[0] + 1) - 1 + 1e-9)
        self.cache: dict[bytes, float] = {}

    def critical_se(self, alpha: float) -> float:
        """Standard error of the first critical value (the maximum over all hypotheses)."""
        mx = self.mags.max(axis=1)
        c = self.critical(np.arange(self.mags.shape[1]))
        d = 0.05
        density = float(np.mean((mx > c - d) & (mx <= c + d))) / (2 * d)
        return math.sqrt(alpha * (1 - alpha) / mx.size) / density if density > 0 else math.nan

    def critical(self, members: np.ndarray) -> float:
        """Reject when ``|z|`` exceeds this for the maximum over ``members``."""
        key = np.sort(members).tobytes()
        if key not in self.cache:
            if self.k < 0:
                self.cache[key] = math.inf
            else:
                mx = self.mags[:, members].max(axis=1)
                self.cache[key] = float(np.partition(mx, mx.size - 1 - self.k)[mx.size - 1 - self.k])
        return self.cache[key]


def _isf(p: np.ndarray | float) -> np.ndarray:
    """The standard normal's upper quantile (``norm.isf``, without its overhead)."""
    return np.asarray(-special.ndtri(p))


def rejections(z: np.ndarray, h: int, method: str, alpha: float,
               null: _Null | None = None) -> np.ndarray:
    """Whether the procedure rejects hypothesis ``h`` in each row of ``z`` (draws, T).

    The p-values are compared on the ``|z|`` scale. With ``c_1 < ... < c_T``
    a procedure's thresholds, ``p_(i) <= c_i`` exactly when at least ``i``
    p-values are ``<= c_i``, so no sorting is needed for Holm and BH.
    """
    m, t = z.shape
    a = np.abs(z)
    if method == "bonferroni":
        return np.asarray(a[:, h] > _isf(alpha / (2.0 * t)))
    steps = np.arange(1, t + 1)
    if method in ("holm", "bh"):
        levels = alpha / (t - steps + 1) if method == "holm" else steps * alpha / t
        thr = _isf(levels / 2.0)  # |z| thresholds, decreasing in the step
        counts = (a[:, :, None] >= thr[None, None, :]).sum(axis=1)  # (draws, T)
        passed = counts >= steps[None, :]
        if method == "holm":  # h is rejected when every step up to its rank passes
            rank = (a >= a[:, h : h + 1]).sum(axis=1)  # 1-based
            prefix = np.cumprod(passed, axis=1).astype(bool)
            return np.asarray(prefix[np.arange(m), rank - 1])
        kstar = np.where(passed.any(axis=1), t - np.argmax(passed[:, ::-1], axis=1), 0)
        return np.asarray((kstar > 0) & (a[:, h] >= thr[np.maximum(kstar, 1) - 1]))
    assert null is not None
    full = null.critical(np.arange(t))
    top_value = a.max(axis=1)
    top = top_value > full
    first = a[:, h] >= top_value
    out = top & first
    for row in np.flatnonzero(top & ~first):
        order = np.argsort(-a[row], kind="stable")
        rank = int(np.flatnonzero(order == h)[0])
        for i in range(1, rank + 1):
            if not a[row, order[i]] > null.critical(order[i:]):
                break
        else:
            out[row] = True
    return out


def rejection_rate(z: np.ndarray, h: int, method: str, alpha: float,
                   null: _Null | None = None) -> float:
    """Share of the rows of ``z`` (draws, T) in which the procedure rejects hypothesis ``h``."""
    return float(np.mean(rejections(z, h, method, alpha, null)))


def bonferroni_power(lam: float, tests: int, alpha: float) -> float:
    """Exact power of ``|Z| > z_(alpha / 2 tests)`` for ``Z ~ N(lam, 1)``."""
    c = float(_isf(alpha / (2.0 * tests)))
    return float(special.ndtr(lam - c) + special.ndtr(-c - lam))


def family_levels(corr: np.ndarray, *, method: str, alpha: float, power: float,
                  seed: int, draws: int = DRAWS) -> FamilyLevels:
    """The MDE of each hypothesis of a family under its procedure (module notes).

    Parameters
    ----------
    corr : (T, T) float
        Correlation of the family's estimates (:func:`hypothesis_correlation`).
    method : {"bonferroni", "holm", "bh", "romano-wolf"}
    alpha, power : float
    seed : int
        Seed of the simulated statistics.
    draws : int
        Simulated statistic vectors.

    Hypotheses whose correlations with the others agree to three decimals
    (the others ordered by that correlation) share one solution.
    """
    if method not in _PROCEDURES:
        raise OptionError(f"The 'method' parameter of family_levels must be one of "
                          f"{list(_PROCEDURES)}. Got {method!r} instead.")
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 100:
        raise OptionError(f"The 'draws' parameter of family_levels must be an integer >= 100. "
                          f"Got {draws!r} instead.")
    r = np.atleast_2d(np.asarray(corr, dtype=float))
    t = r.shape[0]
    rng = np.random.default_rng(np.random.SeedSequence(int(seed)))
    f = _factor(r)
    noise = rng.standard_normal((draws, t)) @ f.T
    null = _Null(rng.standard_normal((draws, t)) @ f.T, alpha) if method == "romano-wolf" else None
    z_pow = stats.norm.ppf(power)
    lam = np.full(t, np.nan)
    lam_se = np.full(t, np.nan)
    solved: dict[bytes, tuple[float, float]] = {}
    for h in range(t):
        others = [j for j in range(t) if j != h]
        others.sort(key=lambda j: (-round(abs(r[h, j]), 3), j))
        perm = [h, *others]
        key = np.round(r[np.ix_(perm, perm)], 3).tobytes()
        if key not in solved:
            solved[key] = _solve(noise, h, method, alpha, power, null)
        lam[h], lam_se[h] = solved[key]
    level = 2.0 * stats.norm.sf(lam - z_pow)
    return FamilyLevels(level, lam, lam_se, draws, method)


def _bonferroni_inverse(target: float, tests: int, alpha: float) -> float:
    """The noncentrality at which Bonferroni's power is ``target``."""
    from scipy import optimize

    return float(optimize.brentq(lambda x: bonferroni_power(x, tests, alpha) - target,
                                 0.0, 60.0, xtol=1e-12))


def _solve(noise: np.ndarray, h: int, method: str, alpha: float, power: float,
           null: _Null | None) -> tuple[float, float]:
    t = noise.shape[1]

    def excess(lam: float) -> np.ndarray:
        z = noise.copy()
        z[:, h] += lam
        proc = rejections(z, h, method, alpha, null)
        return proc.astype(float) - rejections(z, h, "bonferroni", alpha).astype(float)

    # power(lam) = bonferroni(lam) + excess(lam): solve bonferroni(lam) = power - excess(lam)
    # by fixed-point iteration (the excess changes slowly with lam)
    lam = _bonferroni_inverse(power, t, alpha)
    seen: list[float] = []
    for _ in range(25):
        ex = float(np.mean(excess(lam)))
        target = min(max(power - ex, 1e-9), 1 - 1e-9)
        new = _bonferroni_inverse(target, t, alpha)
        if abs(new - lam) < 1e-7 or any(abs(new - x) < 1e-7 for x in seen):
            lam = 0.5 * (lam + new) if abs(new - lam) >= 1e-7 else new
            break
        seen.append(lam)
        lam = new
    c = stats.norm.isf(alpha / (2.0 * t))
    slope = float(stats.norm.pdf(c - lam) - stats.norm.pdf(-c - lam))
    sd = float(np.std(excess(lam), ddof=1)) if noise.shape[0] > 1 else 0.0
    se = sd / math.sqrt(noise.shape[0]) / slope if slope > 0 else math.nan
    if null is not None:  # the simulated critical value's own error moves lambda as much
        se = math.hypot(se, null.critical_se(alpha))
    return lam, se
