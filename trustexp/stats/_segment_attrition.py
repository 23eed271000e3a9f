"""Randomisation tests of differential attrition for many samples at once.

:func:`trustexp.stats.differential_attrition` with an HC type and no clusters
regresses the 0/1 response on the arm indicators (strata absorbed) and re-draws
the arms within strata, counts fixed. Every draw then has the same ``M = D~' D~``
(``D~`` the arm indicators net of the strata: ``D~_i = e_a - pi_g`` for a row of
arm ``a`` in stratum ``g``, ``pi_g`` the stratum's arm shares), and a row's
leverage, weight and fitted value depend only on its stratum and arm, its
residual only on those and its response. So a draw's coefficients and meat
come from the responders it puts in each stratum and arm (one count per cell),
with the residuals of responders and non-responders of a cell taken directly
(no expansion). :func:`differential_attrition_tests` stacks the samples
(segments), counts every draw's responders per cell of every segment at once
and batches the small per-segment matrices; each sample draws its own re-randomisations from
its own seed with :func:`trustexp.stats.draw_assignments`, so the p-values
are those of :func:`~trustexp.stats.differential_attrition`.

A sample the batched path does not cover gets None, and the caller runs
:func:`~trustexp.stats.differential_attrition`: a CR type (clusters), a
constant or nearly constant response, no testable arm, as many absorbed
effects and tested columns as rows, and a fragile sample (see
:mod:`trustexp.stats._segment_draws`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from trustexp.stats import _matrices, _ols
from trustexp.stats._segment_draws import (
    by_batches,
    in_batches,
    small_observed,
    statistics_of,
)
from trustexp.stats._threads import blas_limited
from trustexp.stats.balance import JointTest, randomisation_p_value

__all__ = ["AttritionCase", "differential_attrition_tests"]

#: Rows stacked in one batch of samples (a larger sample is a batch of its own).
_ROWS = 1 << 15
#: Draws handled at once.
_CHUNK = 128


@dataclass(frozen=True, slots=True)
class AttritionCase:
    """One attrition test, with the arguments of :func:`trustexp.stats.differential_attrition`.

    Attributes
    ----------
    responded : (n,) float
        0/1 response.
    arm : (n,) int
        Arm codes ``0..n_arms-1``.
    n_arms : int
    strata : (n,) int or None
    se_type : str
    seed : int
    """

    responded: np.ndarray
    arm: np.ndarray
    n_arms: int
    strata: np.ndarray | None
    se_type: str
    seed: int


@dataclass(frozen=True, slots=True)
class _Prepared:
    index: int
    case: AttritionCase
    groups: np.ndarray
    n_groups: int
    codes: np.ndarray  # the tested arms

    @property
    def n(self) -> int:
        return int(self.groups.size)


def _prepare(index: int, case: AttritionCase) -> _Prepared | None:
    """The case's strata and tested arms; None where the batched path does not apply."""
    from trustexp.stats.attrition import MIN_MINORITY

    y = case.responded
    n = y.shape[0]
    if not case.se_type.startswith("HC") or min(y.sum(), n - y.sum()) < MIN_MINORITY:
        return None
    groups, n_groups = _matrices.absorbed_groups(case.strata, n)
    dummies = _matrices.dummies(case.arm, case.n_arms)
    codes = np.flatnonzero(_matrices.absorbed_independent_columns(dummies, groups, n_groups)) + 1
    if codes.size == 0 or n_groups + codes.size >= n:
        return None
    return _Prepared(index, case, groups, n_groups, codes)


@dataclass(frozen=True, slots=True)
class _Cells:
    """The fixed part of the statistics of stacked segments, per stratum ``g`` and arm ``k``."""

    g: np.ndarray  # (N,) global stratum of each row
    k: int  # arms
    count: np.ndarray  # (G, K) rows
    mean: np.ndarray  # (G, 1) stratum response rate
    v: np.ndarray  # (G, K, m) D~ of the cell
    vv: np.ndarray  # (G, K, P) its unique products
    w: np.ndarray  # (G, K) HC weights
    g_starts: np.ndarray  # (S,) first stratum of each segment
    seg_of_g: np.ndarray  # (G,)
    mm_inv: np.ndarray  # (S, m, m)
    scale: np.ndarray  # (S,)

    @classmethod
    def of(cls, batch: list[_Prepared]) -> _Cells:
        k = batch[0].case.n_arms
        codes = batch[0].codes
        m = codes.size
        offsets = np.r_[0, np.cumsum([p.n_groups for p in batch])]
        g = np.concatenate([p.groups + o for p, o in zip(batch, offsets[:-1], strict=True)])
        arm = np.concatenate([p.case.arm for p in batch])
        y = np.concatenate([p.case.responded for p in batch])
        n_g = int(offsets[-1])
        count = np.bincount(g * k + arm, minlength=n_g * k).reshape(n_g, k).astype(np.float64)
        size = count.sum(axis=1)
        mean = (np.bincount(g, weights=y, minlength=n_g) / size)[:, None]
        v = (np.arange(k)[:, None] == codes[None, :]).astype(np.float64)[None] - (
            count[:, codes] / size[:, None])[:, None, :]
        seg_of_g = np.repeat(np.arange(len(batch)), [p.n_groups for p in batch])
        g_starts = offsets[:-1]
        mm = np.add.reduceat(np.einsum("gk,gki,gkj->gij", count, v, v), g_starts, axis=0)
        mm_inv = np.linalg.inv(mm)
        h = 1.0 / size[:, None] + np.einsum("gki,gij,gkj->gk", v, mm_inv[seg_of_g], v)
        se_type = batch[0].case.se_type
        w = _ols.hc_factor(h, se_type)
        iu, ju = np.triu_indices(m)
        scale = np.ones(len(batch))
        if se_type == "HC1":
            rows = np.array([p.n for p in batch], dtype=np.float64)
            scale = rows / (rows - np.array([p.n_groups for p in batch]) - m)
        return cls(g, k, count, mean, v, v[..., iu] * v[..., ju], w, g_starts, seg_of_g,
                   mm_inv, scale)

    def statistics(self, arms: np.ndarray, responders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Statistics and fragility (S, b) of the draws ``arms`` (b, N) of the responders' rows."""
        b = arms.shape[0]
        n_g, k = self.count.shape
        keys = self.g[responders][None] * k + arms[:, responders]
        keys = keys + (np.arange(b) * (n_g * k))[:, None]
        y = np.bincount(keys.ravel(), minlength=b * n_g * k).reshape(b, n_g, k).astype(np.float64)
        r = y - self.mean[None] * self.count[None]  # responses net of the strata, per cell
        t = np.add.reduceat(np.einsum("bgk,gkp->bgp", r, self.v), self.g_starts, axis=1)
        coef = np.einsum("bsi,sij->bsj", t, self.mm_inv)
        f = np.einsum("gkp,bgp->bgk", self.v, coef[:, self.seg_of_g])
        e1, e0 = 1.0 - self.mean[None] - f, -self.mean[None] - f
        rest = self.count[None] - y
        sq = y * e1 * e1 + rest * e0 * e0
        big = y * (np.abs(1.0 - self.mean[None]) + np.abs(f)) ** 2 + rest * (
            self.mean[None] + np.abs(f)) ** 2
        w = self.w[None]
        packed = np.add.reduceat(np.einsum("bgk,gkp->bgp", w * sq, self.vv), self.g_starts, axis=1)
        size = np.add.reduceat(np.einsum("bgk,gkp->bgp", w * big, self.v**2), self.g_starts,
                               axis=1)
        return statistics_of(coef.transpose(1, 0, 2), packed.transpose(1, 0, 2),
                             size.transpose(1, 0, 2), self.mm_inv, self.scale)


def _batches(prepared: list[_Prepared]) -> list[list[_Prepared]]:
    """Cases of one standard error type, arm coding and tested arms, in batches of rows."""
    return in_batches(prepared, lambda p: (p.case.se_type, p.case.n_arms,
                                           tuple(p.codes.tolist())), _ROWS)


def _batch_tests(batch: list[_Prepared], draws: int) -> list[JointTest | None]:
    from trustexp.stats.randomisation import DrawReader, assignment_draws

    cells = _Cells.of(batch)
    arm = np.concatenate([p.case.arm for p in batch])
    responders = np.concatenate([p.case.responded for p in batch]) == 1.0
    observed, fragile = (a[:, 0] for a in cells.statistics(arm[None], responders))
    fragile |= small_observed(observed)
    assignments = [
        DrawReader(assignment_draws(p.case.arm, strata=p.case.strata, draws=draws,
                                    seed=p.case.seed))
        if np.isfinite(f) and not bad else None
        for p, f, bad in zip(batch, observed, fragile, strict=True)
    ]
    with_draws = np.array([a is not None for a in assignments])
    stats_b = np.full((len(batch), draws), np.nan)
    if with_draws.any():
        ends = np.cumsum([p.n for p in batch])
        starts = ends - np.array([p.n for p in batch])
        for lo in range(0, draws, _CHUNK):
            hi = min(draws, lo + _CHUNK)
            stacked = np.empty((hi - lo, arm.size), dtype=np.int64)
            for a, start, end in zip(assignments, starts, ends, strict=True):
                stacked[:, start:end] = arm[start:end] if a is None else a(lo, hi)
            stats_b[:, lo:hi], bad_b = cells.statistics(stacked, responders)
            fragile |= bad_b.any(axis=1) & with_draws
    out: list[JointTest | None] = []
    for j, p in enumerate(batch):
        if fragile[j]:
            out.append(None)
            continue
        f = float(observed[j])
        pv = randomisation_p_value(f, stats_b[j]) if np.isfinite(f) else float("nan")
        m = p.codes.size
        out.append(JointTest(f, m, float(p.n - p.n_groups - m), pv, p.n,
                             method="randomisation", draws=draws))
    return out


@blas_limited
def differential_attrition_tests(
    cases: Sequence[AttritionCase], draws: int
) -> list[JointTest | None]:
    """The randomisation test of differential attrition of every case.

    Parameters
    ----------
    cases : sequence of AttritionCase
    draws : int
        Re-randomisations of each case (>= 1).

    Returns
    -------
    list of JointTest or None
        One per case, in order: the result of ``differential_attrition(
        case.responded, case.arm, n_arms=case.n_arms, strata=case.strata,
        se_type=case.se_type, draws=draws, seed=case.seed)`` (the same statistic up
        to rounding, the same p-value), or None where the batched path does not
        cover the case (module notes).
    """
    return by_batches(cases, _prepare, _batches, _batch_tests, draws)
