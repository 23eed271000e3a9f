"""Randomisation tests of balance for many samples at once, on their rows stacked.

:func:`trustexp.stats.joint_test` with an HC type and no clusters tests one
sample (one site and arm against control) at a time. :func:`joint_tests` takes
many such samples (``BalanceCase``), stacks their rows one sample after the
other (each sample a *segment*) and computes every sample's observed Wald F and
its draws' statistics together, with the algebra of
:func:`trustexp.stats._joint_draws._balance_hc_meat` done per segment: the
fixed per-row columns of every segment sit in one block-diagonal sparse
matrix, so one product of the stacked 0/1 draws with it gives every segment's
sums, and the small per-segment matrices (``M^{-1}``, the meat, the covariance)
are handled as batches. Each sample draws its own re-randomisations from its
own seed with :func:`trustexp.stats.draw_assignments`, exactly as
:func:`~trustexp.stats.joint_test` does, so the p-values are the same. The
observed statistic comes from the residuals, as in
:func:`trustexp.stats.balance.wald_f`.

A sample the batched path does not cover gets None from :func:`joint_tests`,
and the caller runs :func:`~trustexp.stats.joint_test`: a CR type (clusters),
no testable column, as many absorbed effects and tested columns as rows, and
a *fragile* sample, one whose observed or drawn statistic rests on rounding
(the meat tiny against the size of its terms, as with a nearly perfect fit or
zero HC2/HC3 weights, a covariance at the edge of counting as singular, or an
observed statistic below :data:`_SMALL_F`, as with exactly balanced arms):
another order of the same sums could give another statistic there, or NaN, so
only the sample's own call gives its documented result.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from scipy import sparse

from trustexp.stats import _matrices, _ols
from trustexp.stats._joint_draws import wald_of
from trustexp.stats._threads import blas_limited, on_threads
from trustexp.stats.balance import JointTest, randomisation_p_value

__all__ = ["BalanceCase", "SegmentDesign", "joint_tests"]

#: Rows stacked in one batch of samples (a larger sample is a batch of its own).
_ROWS = 1 << 15

_C = TypeVar("_C", bound=Any)
#: Draws handled at once, at most; fewer when a batch has many rows.
_CHUNK = 128
#: Elements of the stacked draws of one chunk, at most (bounds its memory).
_CHUNK_ELEMENTS = 1 << 22
#: Smallest eigenvalue of the meat, against the size of its terms, below which a
#: statistic rests on rounding (the expansion's error is ~1e-16 of that size).
_FRAGILE = 1e-4
#: Eigenvalue ratio of the covariance below which whether it counts as singular
#: (:data:`trustexp.stats.balance._SINGULAR_RTOL`) rests on rounding.
_NEAR_SINGULAR = 1e-8
#: Observed statistic below which it rests on rounding (coefficients at the level of
#: their rounding, as with arms exactly balanced): the draws would be compared with noise.
_SMALL_F = 1e-6


@dataclass(frozen=True, slots=True)
class BalanceCase:
    """One balance test, with the arguments :func:`trustexp.stats.joint_test` takes.

    Attributes
    ----------
    d : (n,) float
        The 0/1 assignment (the arm against control).
    x : (n, p) float
        Covariates, finite.
    strata : (n,) int or None
        Stratum codes (fixed effects and the blocks of the re-randomisation).
    se_type : str
    seed : int
        Seed of the re-randomisations.
    """

    d: np.ndarray
    x: np.ndarray
    strata: np.ndarray | None
    se_type: str
    seed: int


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A case the batched path covers: its groups and kept columns."""

    index: int
    case: BalanceCase
    groups: np.ndarray
    n_groups: int
    tested: np.ndarray

    @property
    def n(self) -> int:
        return int(self.tested.shape[0])

    @property
    def df2(self) -> float:
        return float(self.n - self.n_groups - self.tested.shape[1])


def _prepare(index: int, case: BalanceCase) -> _Prepared | None:
    """The case's absorbed groups and kept columns; None where the batched path does not apply."""
    if not case.se_type.startswith("HC"):
        return None
    n = case.d.shape[0]
    groups, n_groups = _matrices.absorbed_groups(case.strata, n)
    keep = _matrices.absorbed_independent_columns(case.x, groups, n_groups)
    m = int(keep.sum())
    if m == 0 or n_groups + m >= n:
        return None
    return _Prepared(index, case, groups, n_groups, case.x[:, keep])


@dataclass(frozen=True, slots=True)
class SegmentDesign:
    """The fixed part of the statistics of stacked samples (segments), for every draw.

    For segment ``s`` with tested block ``D`` net of its strata, ``M = D' D``,
    HC weights ``w`` (from the leverages) and stratum shares ``c`` of the
    assignment (the same in every draw), a draw ``y`` gives the coefficients
    ``g = (y D) M^{-1}`` and the packed meat ``y a + cc - 2 g (y b - cd) + g g dd``
    (:func:`trustexp.stats._joint_draws._balance_hc_meat`), where ``y a`` and
    ``y b`` are the segment's sums of fixed per-row columns.

    That expansion loses digits where the meat is small against its terms (a
    nearly perfect fit, or weights of zero): the statistic is then rounding
    noise, which another order of the same sums would change. ``statistics``
    flags those segments (*fragile*), so that they are tested one by one.

    Attributes
    ----------
    blocks : (S Q, N) sparse
        The per-row columns ``[D, (1 - 2c) w o, D x w o]`` (``Q`` of them) of every
        row, in the block of its segment.
    m : int
        Tested columns (the same in every segment).
    mm_inv : (S, m, m)
    cc : (S, P)
    cd : (S, m, P)
    dd : (S, m, m, P)
    bound : (S, 1 + m + m m, m)
        The sums ``w d_p^2``, ``w d_p^2 |d_q|`` and ``w d_p^2 |d_q| |d_r|``, which
        bound the size of the terms of the meat's diagonal.
    scale : (S,)
        The HC1 factor ``n / (n - k)`` (1 for the other types).
    starts : (S,)
        First row of each segment.
    seg : (N,)
        Segment of each row.
    d : (N, m)
        Tested columns net of the strata.
    w : (N,)
        HC weights of the squared residuals.
    c : (N,)
        Stratum share of the assignment at each row.
    """

    blocks: sparse.csr_matrix
    m: int
    mm_inv: np.ndarray
    cc: np.ndarray
    cd: np.ndarray
    dd: np.ndarray
    bound: np.ndarray
    scale: np.ndarray
    starts: np.ndarray
    seg: np.ndarray
    d: np.ndarray
    w: np.ndarray
    c: np.ndarray

    @classmethod
    def of(
        cls, sizes: np.ndarray, groups: np.ndarray, tested: np.ndarray, y: np.ndarray,
        se_type: str,
    ) -> SegmentDesign:
        """The design of stacked segments.

        Parameters
        ----------
        sizes : (S,) int
            Rows of each segment, in the order they are stacked (each > 0).
        groups : (N,) int
            Absorbed group (intercept or stratum) of each row, codes ``0..L-1``
            unique across segments (every group within one segment).
        tested : (N, m) float
            Tested columns (independent of the groups in every segment).
        y : (N,) float
            The observed 0/1 assignment (its stratum shares are those of every draw).
        se_type : {"HC0", "HC1", "HC2", "HC3"}
        """
        n, m = tested.shape
        s_count = sizes.size
        starts = np.r_[0, np.cumsum(sizes)[:-1]]
        seg = np.repeat(np.arange(s_count), sizes)
        n_groups = int(groups.max()) + 1
        g_size = np.bincount(groups, minlength=n_groups).astype(np.float64)
        g_means = np.column_stack(
            [np.bincount(groups, weights=tested[:, j], minlength=n_groups) for j in range(m)]
        ) / g_size[:, None]
        d = tested - g_means[groups]
        c = (np.bincount(groups, weights=y, minlength=n_groups) / g_size)[groups]

        def sums(a: np.ndarray) -> np.ndarray:
            return np.add.reduceat(a.reshape(n, -1), starts, axis=0)

        mm_inv = np.linalg.inv(sums(d[:, :, None] * d[:, None, :]).reshape(s_count, m, m))
        h = 1.0 / g_size[groups] + np.einsum("ni,nij,nj->n", d, mm_inv[seg], d)
        w = _ols.hc_factor(h, se_type)
        iu, ju = np.triu_indices(m)
        p = iu.size
        wo = w[:, None] * (d[:, iu] * d[:, ju])  # (N, P)
        columns = np.hstack([d, (1.0 - 2.0 * c)[:, None] * wo,
                             (d[:, :, None] * wo[:, None, :]).reshape(n, m * p)])
        q = columns.shape[1]
        blocks = sparse.csr_matrix(
            (columns.ravel(), (seg[:, None] * q + np.arange(q)).ravel(),
             np.arange(0, n * q + 1, q)),
            shape=(n, s_count * q),
        ).T.tocsr()
        cc = sums((c * c)[:, None] * wo)
        cd = sums((c[:, None] * d)[:, :, None] * wo[:, None, :]).reshape(s_count, m, p)
        dd = sums(d[:, :, None, None] * d[:, None, :, None] * wo[:, None, None, :])
        wd2 = w[:, None] * d * d  # (N, m)
        a = np.abs(d)
        bound = sums(np.concatenate(
            [wd2[:, None, :], a[:, :, None] * wd2[:, None, :],
             (a[:, :, None, None] * a[:, None, :, None] * wd2[:, None, None, :]).reshape(n, m * m, m)],
            axis=1)).reshape(s_count, 1 + m + m * m, m)
        scale = np.ones(s_count)
        if se_type == "HC1":
            scale = sizes / (sizes - _groups_per_segment(seg, groups, s_count) - m)
        return cls(blocks, m, mm_inv, cc, cd, dd.reshape(s_count, m, m, p), bound, scale,
                   starts, seg, d, w, c)

    def statistics(self, y_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The Wald F of every segment under every draw, and which are fragile.

        Parameters
        ----------
        y_t : (N, b) float
            The stacked 0/1 draws, one column per draw.

        Returns
        -------
        statistics : (b, S) float64
            NaN where the tested block's covariance is singular.
        fragile : (b, S) bool
            Where the statistic (or whether it is defined) rests on rounding.
        """
        m = self.m
        s_count = self.mm_inv.shape[0]
        p = self.cc.shape[1]
        b = y_t.shape[1]
        # (S, b, Q): every segment's sums under every draw
        prod = np.asarray(self.blocks @ y_t).reshape(s_count, -1, b).transpose(0, 2, 1)
        coef = prod[:, :, :m] @ self.mm_inv  # (S, b, m)
        u2 = prod[:, :, m : m + p] + self.cc[:, None]
        ud = prod[:, :, m + p :].reshape(s_count, b, m, p) - self.cd[:, None]
        gg = (coef[:, :, :, None] * coef[:, :, None, :]).reshape(s_count, b, m * m)
        packed = (u2 - 2.0 * (coef[:, :, None, :] @ ud)[:, :, 0]
                  + gg @ self.dd.reshape(s_count, m * m, p))
        g = np.abs(coef)
        size = (self.bound[:, None, 0] + 2.0 * g @ self.bound[:, 1 : 1 + m]
                + np.abs(gg) @ self.bound[:, 1 + m :])
        out, fragile = statistics_of(coef, packed, size, self.mm_inv, self.scale)
        return out.T, fragile.T

    def observed(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The Wald F of every segment under the assignment ``y`` (N,), from its residuals.

        Returns
        -------
        statistics, fragile : (S,)
            As :meth:`statistics`.
        """
        m = self.m
        u = y - self.c
        coef = np.einsum("si,sij->sj", np.add.reduceat(u[:, None] * self.d, self.starts, axis=0),
                         self.mm_inv)
        fit = np.einsum("ni,ni->n", self.d, coef[self.seg])
        e = u - fit
        iu, ju = np.triu_indices(m)
        wo = self.w[:, None] * (self.d[:, iu] * self.d[:, ju])
        packed = np.add.reduceat(wo * (e * e)[:, None], self.starts, axis=0)
        size = np.add.reduceat(
            self.w[:, None] * self.d**2 * ((np.abs(u) + np.abs(fit)) ** 2)[:, None],
            self.starts, axis=0)
        stat, fragile = statistics_of(coef[:, None], packed[:, None], size[:, None], self.mm_inv,
                                      self.scale)
        return stat[:, 0], fragile[:, 0]


def statistics_of(
    coef: np.ndarray, packed: np.ndarray, size: np.ndarray, mm_inv: np.ndarray,
    scale: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Wald F statistics and fragility of segments under draws, from their parts.

    Parameters
    ----------
    coef : (S, b, m)
        Tested coefficients.
    packed : (S, b, P)
        Upper triangles (``numpy.triu_indices`` order) of the meats, unscaled.
    size : (S, b, m)
        Size of the terms of the meats' diagonals (see :class:`SegmentDesign`).
    mm_inv : (S, m, m)
        ``M^{-1}``.
    scale : (S,)
        Factor of the meats (HC1).

    Returns
    -------
    statistics, fragile : (S, b)
        ``g' V^{-1} g / m`` with ``V = M^{-1} meat M^{-1}`` (NaN where ``V`` is
        singular, as :func:`trustexp.stats._joint_draws.wald_statistics`), and
        where it rests on rounding.
    """
    s_count, b, m = coef.shape
    packed = packed * scale[:, None, None]
    iu, ju = np.triu_indices(m)
    meat = np.empty((s_count, b, m, m))
    meat[:, :, iu, ju] = packed
    meat[:, :, ju, iu] = packed
    with np.errstate(invalid="ignore", divide="ignore"):
        norm = 1.0 / np.sqrt(size * scale[:, None, None])
        scaled = np.nan_to_num(meat * norm[..., :, None] * norm[..., None, :], nan=0.0,
                               posinf=0.0, neginf=0.0)
        low = np.linalg.eigvalsh(scaled).min(axis=2)
    vcov = (mm_inv[:, None] @ meat @ mm_inv[:, None]).reshape(-1, m, m)
    eig = np.linalg.eigvalsh(vcov)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (eig.min(axis=1) / eig.max(axis=1)).reshape(s_count, b)
    out = wald_of(coef.reshape(-1, m), vcov, eig)
    fragile = ~(low >= _FRAGILE) | ~(np.abs(ratio) >= _NEAR_SINGULAR)
    return out.reshape(s_count, b), fragile


def small_observed(observed: np.ndarray) -> np.ndarray:
    """Where an observed statistic is too small to be told from rounding (:data:`_SMALL_F`)."""
    return np.isfinite(observed) & (observed < _SMALL_F)


def _groups_per_segment(seg: np.ndarray, groups: np.ndarray, s_count: int) -> np.ndarray:
    """Distinct absorbed groups in each segment."""
    first = np.unique(groups, return_index=True)[1]
    return np.bincount(seg[first], minlength=s_count)


def _batches(prepared: list[_Prepared]) -> list[list[_Prepared]]:
    """Cases of one standard error type and width, in batches of at most :data:`_ROWS` rows."""
    return in_batches(prepared, lambda p: (p.case.se_type, p.tested.shape[1]))


def by_batches(cases: Sequence[Any], prepare: Callable[[int, Any], Any],
               batches: Callable[[list[Any]], list[list[Any]]],
               batch_tests: Callable[[list[Any], int], list[JointTest | None]],
               draws: int) -> list[JointTest | None]:
    """The tests of ``cases``: each prepared (None: not covered), cut into batches, and the
    batches' tests computed on the machine's cores (independent batches: the same results on
    any thread); None for a case the batched path does not cover."""
    out: list[JointTest | None] = [None] * len(cases)
    prepared = [p for i, c in enumerate(cases) if (p := prepare(i, c)) is not None]
    cut = batches(prepared)
    for batch, results in zip(cut, on_threads(lambda b: batch_tests(b, draws), cut),
                              strict=True):
        for p, res in zip(batch, results, strict=True):
            out[p.index] = res
    return out


def in_batches(cases: Sequence[_C], kind: Callable[[_C], Hashable],
               rows: int = _ROWS) -> list[list[_C]]:
    """``cases`` grouped by ``kind`` (in order of first appearance) and cut into batches of
    at most ``rows`` rows (``case.n``); a larger case is a batch of its own."""
    by_kind: dict[Hashable, list[_C]] = {}
    for c in cases:
        by_kind.setdefault(kind(c), []).append(c)
    out: list[list[_C]] = []
    for group in by_kind.values():
        batch: list[_C] = []
        total = 0
        for c in group:
            if batch and total + c.n > rows:
                out.append(batch)
                batch, total = [], 0
            batch.append(c)
            total += c.n
        out.append(batch)
    return out


def _batch_tests(batch: list[_Prepared], draws: int) -> list[JointTest | None]:
    """The randomisation tests of one batch of cases (:func:`joint_tests`)."""
    from trustexp.stats.randomisation import DrawReader, assignment_draws

    sizes = np.array([p.n for p in batch], dtype=np.int64)
    offsets = np.r_[0, np.cumsum([p.n_groups for p in batch])[:-1]]
    groups = np.concatenate([p.groups + o for p, o in zip(batch, offsets, strict=True)])
    y = np.concatenate([p.case.d for p in batch]).astype(np.float64)
    design = SegmentDesign.of(sizes, groups, np.vstack([p.tested for p in batch]), y,
                              batch[0].case.se_type)
    observed, fragile = design.observed(y)
    fragile |= small_observed(observed)
    assignments = [
        DrawReader(assignment_draws(p.case.d.astype(np.int64), strata=p.case.strata,
                                    draws=draws, seed=p.case.seed))
        if np.isfinite(f) and not bad else None
        for p, f, bad in zip(batch, observed, fragile, strict=True)
    ]
    stats_b = np.full((draws, len(batch)), np.nan)
    with_draws = np.array([a is not None for a in assignments])
    if with_draws.any():
        ends = np.cumsum(sizes)
        starts = ends - sizes
        chunk = int(min(_CHUNK, max(1, _CHUNK_ELEMENTS // y.size)))
        for lo in range(0, draws, chunk):
            hi = min(draws, lo + chunk)
            y_t = np.empty((y.size, hi - lo))
            for a, start, end in zip(assignments, starts, ends, strict=True):
                # a case without draws keeps its own assignment (its statistics are unused)
                y_t[start:end] = y[start:end, None] if a is None else a(lo, hi).T
            stats_b[lo:hi], bad_b = design.statistics(y_t)
            fragile |= bad_b.any(axis=0) & with_draws
    out: list[JointTest | None] = []
    for j, p in enumerate(batch):
        f = float(observed[j])
        if fragile[j]:
            out.append(None)
            continue
        pv = randomisation_p_value(f, stats_b[:, j]) if np.isfinite(f) else float("nan")
        out.append(JointTest(f, p.tested.shape[1], p.df2, pv, p.n, method="randomisation",
                             draws=draws))
    return out


@blas_limited
def joint_tests(cases: Sequence[BalanceCase], draws: int) -> list[JointTest | None]:
    """The randomisation test of balance of every case, as :func:`trustexp.stats.joint_test`.

    Parameters
    ----------
    cases : sequence of BalanceCase
    draws : int
        Re-randomisations of each case (>= 1).

    Returns
    -------
    list of JointTest or None
        One per case, in order: the result of ``joint_test(case.d, case.x,
        strata=case.strata, se_type=case.se_type, draws=draws, seed=case.seed)``
        (the same statistic up to rounding, the same p-value), or None where the
        batched path does not cover the case (module notes).
    """
    return by_batches(cases, _prepare, _batches, _batch_tests, draws)
