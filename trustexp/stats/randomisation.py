"""Randomisation inference: re-randomise as the design did, re-estimate, compare.

:func:`draw_assignments` permutes the arm labels within each stratum (whole
clusters when the design randomised clusters), so every draw keeps each
stratum's arm counts. :func:`permutation_test` computes the studentised arm
effects (t statistics, with the same model and standard errors as
:func:`~trustexp.stats.estimate_itt`) under each draw, without refitting the
model: see :mod:`trustexp.stats._batched`.

The draws form a seeded stream in blocks of :data:`DRAW_BLOCK`, each block from
its own generator (:class:`AssignmentDraws`), so a block can be drawn where its
statistics are computed: :func:`redrawn_statistics` draws each block once and
computes several statistics of it (the effects of an analysis share their
draws), on this machine's threads or an executor's workers, with the same bits
anywhere and never the whole (draws, N) matrix in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from trustexp.errors import OptionError
from trustexp.executor import InProcess, chunk_ranges
from trustexp.literals import Adjustment, SeType
from trustexp.stats import _batched, _checks
from trustexp.stats._threads import blas_limited, on_threads
from trustexp.stats.itt import check_inputs

if TYPE_CHECKING:  # pragma: no cover
    from trustexp.executor import Executor

__all__ = [
    "DRAW_BLOCK",
    "AssignmentDraws",
    "DrawReader",
    "PermutationModel",
    "PermutationResult",
    "RIInterval",
    "assignment_draws",
    "draw_assignments",
    "kernel_batches",
    "permutation_test",
    "prepare_permutation_test",
    "redrawn_statistics",
    "ri_confidence_interval",
    "ri_p_value_at",
]

#: Memory budget for one chunk of draws in :func:`permutation_test` (small enough
#: for the working arrays to stay in the processor's cache).
CHUNK_BYTES = 16 * 2**20
#: Relative tolerance under which |t_b| counts as a tie with |t_obs|.
TIE_RTOL = 1e-9
#: Points of each refinement grid of :func:`ri_confidence_interval`.
_REFINE = 15
#: Draws per block of the seeded stream of :func:`draw_assignments` (part of the
#: stream's definition: changing it changes the draws; see :class:`AssignmentDraws`).
DRAW_BLOCK = 256


@dataclass(frozen=True, slots=True)
class PermutationResult:
    """Randomisation distribution of the arm effects' t statistics.

    Attributes
    ----------
    t_observed : (m,) float64
        t statistic of each treatment arm under the actual assignment.
    t_draws : (draws, m) float64
        The same under each re-randomisation (NaN where the arm is not
        identified in that draw).
    p_value : (m,) float64
        ``(1 + #{b: |t_b| >= |t_obs|}) / (B + 1)``, B the draws with a finite
        ``t_b`` (all draws unless some are degenerate); ties within a relative
        ``1e-9`` count as ``>=``.

    With several outcomes (``y`` of shape (N, K) in :func:`permutation_test`)
    each array gets an outcome axis: (K, m), (draws, K, m) and (K, m). The
    arrays are read-only.
    """

    t_observed: np.ndarray
    t_draws: np.ndarray
    p_value: np.ndarray

    def __post_init__(self) -> None:
        for name in ("t_observed", "t_draws", "p_value"):
            getattr(self, name).flags.writeable = False


def _unit_labels(labels: np.ndarray, units: np.ndarray, what: str, rule: str) -> np.ndarray:
    """The one value of ``labels`` in each unit; refuse units with several."""
    n_units = int(units.max()) + 1 if units.size else 0
    first = np.full(n_units, -1, dtype=np.int64)
    first[units[::-1]] = labels[::-1]
    bad = np.flatnonzero(first[units] != labels)
    if bad.size:
        raise OptionError(
            f"The 'clusters' parameter of draw_assignments is inconsistent with {what!r}: "
            f"{rule} (row {int(bad[0])} differs from the rest of its cluster)."
        )
    return first


@dataclass(frozen=True, eq=False)
class AssignmentDraws:
    """The re-randomisations of one design, drawn block by block on demand.

    The draws come in blocks of :data:`DRAW_BLOCK`: block 0 from
    ``numpy.random.default_rng(seed)`` itself (so one draw, the lottery of
    ``trustexp randomise``, and any run of up to 256 draws are the seed's own
    stream), block ``b >= 1`` from child ``b`` of
    ``numpy.random.SeedSequence(seed)`` (``SeedSequence(seed, spawn_key=(b,))``).
    Each block is therefore drawn on its own, by any thread or worker, in any
    order, with the same bits: :meth:`block` regenerates it from the seed, so
    the (draws, N) matrix of a large trial need never be held whole.
    Made by :func:`assignment_draws`; :func:`draw_assignments` is its
    :meth:`matrix`.
    """

    n: int
    draws: int
    seed: int
    unit_arm: np.ndarray
    groups: tuple[np.ndarray, ...]
    unit_of_row: np.ndarray | None
    dtype: np.dtype
    max_code: int

    @property
    def n_blocks(self) -> int:
        """The number of blocks (the last may be shorter)."""
        return -(-self.draws // DRAW_BLOCK)

    def bounds(self, b: int) -> tuple[int, int]:
        """``[lo, hi)`` of block ``b`` among the draws."""
        return b * DRAW_BLOCK, min(self.draws, (b + 1) * DRAW_BLOCK)

    def block(self, b: int) -> np.ndarray:
        """The (hi - lo, N) arm codes of block ``b`` (see the class notes)."""
        lo, hi = self.bounds(b)
        seq = np.random.SeedSequence(self.seed, spawn_key=(b,) if b else ())
        rng = np.random.default_rng(seq)
        out = np.empty((hi - lo, self.unit_arm.size), dtype=self.dtype)
        for idx in self.groups:
            # permuted in int64 (faster than in int8; the same permutations of the stream)
            part = np.broadcast_to(self.unit_arm[idx], (hi - lo, idx.size)).copy()
            rng.permuted(part, axis=1, out=part)
            out[:, idx] = part
        return out if self.unit_of_row is None else out[:, self.unit_of_row]

    def matrix(self) -> np.ndarray:
        """All (draws, N) arm codes (the blocks drawn on several threads)."""
        out = np.empty((self.draws, self.n), dtype=self.dtype)

        def fill(b: int) -> None:
            lo, hi = self.bounds(b)
            out[lo:hi] = self.block(b)

        on_threads(fill, range(self.n_blocks))
        return out


def assignment_draws(
    arm: np.ndarray,
    *,
    strata: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
    draws: int,
    seed: int,
) -> AssignmentDraws:
    """The re-randomisations of :func:`draw_assignments`, to be drawn block by block.

    Parameters and checks are those of :func:`draw_assignments`; nothing is
    drawn until :meth:`AssignmentDraws.block` or :meth:`AssignmentDraws.matrix`.
    """
    fn = "draw_assignments"
    arm_v = np.asarray(arm)
    if arm_v.ndim != 1:
        raise OptionError(
            f"The 'arm' parameter of {fn} must be a one-dimensional array. "
            f"Got shape {arm_v.shape} instead."
        )
    n = arm_v.shape[0]
    arm_v = _checks.check_codes(fn, "arm", arm_v, n)
    if arm_v.size and arm_v.min() < 0:
        raise OptionError(f"The 'arm' parameter of {fn} must be codes >= 0. Got {arm_v.min()}.")
    if not isinstance(draws, int | np.integer) or isinstance(draws, bool) or draws < 0:
        raise OptionError(f"The 'draws' parameter of {fn} must be an integer >= 0. Got {draws!r}.")
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise OptionError(f"The 'seed' parameter of {fn} must be an integer >= 0. Got {seed!r}.")
    st = np.zeros(n, np.int64) if strata is None else _checks.check_codes(fn, "strata", strata, n)
    max_code = int(arm_v.max(initial=0))
    dtype = np.dtype(np.int8 if max_code < 128 else np.int16)
    if clusters is None:
        unit_of_row = None
        unit_arm, unit_stratum = arm_v, st
    else:
        cl = _checks.check_codes(fn, "clusters", clusters, n)
        _, unit_of_row = np.unique(cl, return_inverse=True)
        unit_arm = _unit_labels(arm_v, unit_of_row, "arm", "whole clusters are randomised")
        unit_stratum = _unit_labels(
            st, unit_of_row, "strata", "all clusters must lie within strata"
        )
    order = np.argsort(unit_stratum, kind="stable")
    bounds = np.flatnonzero(np.r_[True, np.diff(unit_stratum[order]) != 0, True])
    groups = tuple(order[bounds[i] : bounds[i + 1]] for i in range(bounds.size - 1))
    return AssignmentDraws(n=n, draws=int(draws), seed=int(seed),
                           unit_arm=np.asarray(unit_arm, dtype=np.int64), groups=groups,
                           unit_of_row=unit_of_row, dtype=dtype, max_code=max_code)


def draw_assignments(
    arm: np.ndarray,
    *,
    strata: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
    draws: int,
    seed: int,
) -> np.ndarray:
    """Re-randomise the arm labels within strata, keeping each stratum's arm counts.

    Parameters
    ----------
    arm : (N,) int
        Arm codes of the full randomised sample (codes >= 0).
    strata : (N,) int or None
        Stratum codes; None is one stratum.
    clusters : (N,) int or None
        Cluster codes: whole clusters move together (their labels are permuted
        among the clusters of a stratum). Each cluster must lie in one arm and
        one stratum.
    draws : int
        Number of re-randomisations.
    seed : int
        Seed (>= 0) of the stream: the same arguments give the same draws. The
        draws come in blocks of :data:`DRAW_BLOCK`, each from its own generator
        (:class:`AssignmentDraws`), the first from ``numpy.random.default_rng(seed)``.

    Returns
    -------
    (draws, N) int8 (int16 for more than 127 arm codes)
    """
    return assignment_draws(arm, strata=strata, clusters=clusters, draws=draws,
                            seed=seed).matrix()


class DrawReader:
    """Draws ``lo..hi-1`` of a stream on demand, each block drawn once when read in order.

    For consumers that walk the draws in their own chunks (the balance and
    attrition tests): only the current block is held, never the (draws, N)
    matrix. Not shared between threads (it keeps the current block).
    """

    def __init__(self, draws: AssignmentDraws) -> None:
        self._draws = draws
        self._at = -1
        self._block = np.empty((0, draws.n), dtype=draws.dtype)

    def __call__(self, lo: int, hi: int) -> np.ndarray:
        """The (hi - lo, N) arm codes of draws ``lo..hi-1``."""
        parts = []
        for b in range(lo // DRAW_BLOCK, -(-hi // DRAW_BLOCK)):
            if b != self._at:
                self._block, self._at = self._draws.block(b), b
            first, last = self._draws.bounds(b)
            parts.append(self._block[max(lo, first) - first : min(hi, last) - first])
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return np.empty((0, self._draws.n), dtype=self._draws.dtype)
        return np.concatenate(parts, axis=0)


@dataclass(frozen=True, eq=False)
class PermutationModel:
    """The prepared model of :func:`permutation_test`: the t statistics of any draws.

    Made by :func:`prepare_permutation_test`; called on a slice of draws it
    returns their (draws, K, m) t statistics, computed in the batches of
    :func:`kernel_batches` counted from ``start`` (the slice's first draw
    among all draws), so a draw's statistic is the same bits in any slicing.
    """

    model: _batched.BatchedModel | None
    rows: np.ndarray
    t_observed: np.ndarray
    batch: int
    n: int
    n_arms: int
    one_outcome: bool

    def __call__(self, assign: np.ndarray, start: int = 0) -> np.ndarray:
        """The (b, K, m) t statistics of the (b, N) arm codes ``assign``."""
        b = assign.shape[0]
        out = np.full((b, *self.t_observed.shape), np.nan)
        if self.model is None:
            return out
        for lo, hi in kernel_batches(start, start + b, self.batch):
            out[lo - start : hi - start] = self.model.t_statistics(
                assign[lo - start : hi - start][:, self.rows])
        return out

    def result(self, t_draws: np.ndarray) -> PermutationResult:
        """The result of :func:`permutation_test` from all draws' statistics."""
        p_value = permutation_p_values(self.t_observed, t_draws)
        if self.one_outcome:
            return PermutationResult(self.t_observed[0], t_draws[:, 0, :], p_value[0])
        return PermutationResult(self.t_observed, t_draws, p_value)


def kernel_batches(lo: int, hi: int, batch: int) -> list[tuple[int, int]]:
    """The batches of draws ``[lo, hi)`` that the kernel computes in one step each:
    at most ``batch`` draws, never across a block of :data:`DRAW_BLOCK` draws."""
    out = []
    while lo < hi:
        block_end = min(hi, (lo // DRAW_BLOCK + 1) * DRAW_BLOCK)
        for a in range(lo, block_end, batch):
            out.append((a, min(a + batch, block_end)))
        lo = block_end
    return out


@blas_limited
def prepare_permutation_test(
    y: np.ndarray,
    arm: np.ndarray,
    *,
    n_arms: int,
    covariates: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
    adjustment: Adjustment = "additive",
    se_type: SeType = "HC2",
    observed: np.ndarray | None = None,
    fn: str = "permutation_test",
) -> PermutationModel:
    """Check the arguments of :func:`permutation_test` (all but the draws) and prepare
    its model; the returned :class:`PermutationModel` computes any draws' statistics."""
    n_arms = _checks.check_n_arms(fn, n_arms)
    y_all = np.asarray(y, dtype=np.float64)
    if y_all.ndim not in (1, 2):
        raise OptionError(
            f"The 'y' parameter of {fn} must be an array of shape (N,) or (N, K). "
            f"Got shape {y_all.shape} instead."
        )
    y2 = y_all[:, None] if y_all.ndim == 1 else y_all
    big_n = y2.shape[0]
    if observed is None:
        obs = np.isfinite(y2).all(axis=1)
    else:
        obs = np.asarray(observed)
        if obs.shape != (big_n,) or obs.dtype != bool:
            raise OptionError(
                f"The 'observed' parameter of {fn} must be a boolean array of length {big_n}. "
                f"Got dtype {obs.dtype}, shape {obs.shape} instead."
            )
    arm = _checks.check_codes(fn, "arm", arm, big_n, n_arms)
    for name, codes in (("strata", strata), ("clusters", clusters)):
        if codes is not None:
            _checks.check_codes(fn, name, codes, big_n)
    cov = None if covariates is None else np.asarray(covariates, dtype=np.float64)
    if cov is not None and cov.ndim == 1:
        cov = cov[:, None]
    if cov is not None and (cov.ndim != 2 or cov.shape[0] != big_n):
        raise OptionError(
            f"The 'covariates' parameter of {fn} must be an array of shape ({big_n}, p). "
            f"Got shape {cov.shape} instead."
        )
    for name, values in (("y", y2), ("covariates", cov)):
        if values is None:
            continue
        bad = np.flatnonzero(obs & ~np.isfinite(values).all(axis=1))
        if bad.size:
            raise OptionError(
                f"The {name!r} parameter of {fn} must be finite on the observed rows. "
                f"Got NaN or infinity at row {int(bad[0])} instead."
            )

    def sample(x: np.ndarray | None) -> np.ndarray | None:
        return None if x is None else np.asarray(x)[obs]

    y_obs = y2[obs]
    inp = check_inputs(
        fn, y_obs[:, 0] if y_obs.shape[1] else np.zeros(y_obs.shape[0]), sample(arm), n_arms,
        sample(cov), sample(strata), sample(clusters), adjustment, se_type,
    )  # fmt: skip
    rows = np.flatnonzero(obs)  # columns of the assignments in the outcome sample
    order = (
        np.argsort(inp.clusters, kind="stable")
        if inp.clusters is not None
        else np.arange(rows.size)
    )
    rows = rows[order]

    def sort(x: np.ndarray | None) -> np.ndarray | None:
        return None if x is None else x[order]

    m = inp.n_arms - 1
    k_out = y2.shape[1]
    one = y_all.ndim == 1
    if rows.size == 0 or k_out == 0:
        return PermutationModel(None, rows, np.full((k_out, m), np.nan), DRAW_BLOCK, big_n,
                                inp.n_arms, one)
    model = _batched.prepare(
        y_obs[order], sort(inp.covariates), sort(inp.strata), sort(inp.clusters),
        n_arms=inp.n_arms, adjustment=inp.adjustment, se_type=inp.se_type,
    )  # fmt: skip
    t_obs = model.t_statistics(inp.arm[order][None, :])[0]
    batch = int(max(1, min(DRAW_BLOCK, CHUNK_BYTES // model.bytes_per_draw())))
    return PermutationModel(model, rows, t_obs, batch, big_n, inp.n_arms, one)


@blas_limited
def permutation_test(
    y: np.ndarray,
    arm: np.ndarray,
    assignments: np.ndarray | AssignmentDraws,
    *,
    n_arms: int,
    covariates: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
    adjustment: Adjustment = "additive",
    se_type: SeType = "HC2",
    observed: np.ndarray | None = None,
    executor: Executor | None = None,
    tasks: int | None = None,
) -> PermutationResult:
    """Randomisation test of each arm effect with a studentised statistic.

    For each draw the model of :func:`~trustexp.stats.estimate_itt` (same
    strata, covariates, adjustment and standard errors) is estimated on the
    rows whose outcome is observed, with the draw's arm labels; the t
    statistics are computed for all draws in batches, without refitting.

    Parameters
    ----------
    y : (N,) float, or (N, K) float
        Outcome over the full randomised sample; NaN where not observed. Several
        outcomes with the same observed rows and covariates can be given as
        columns: the work that depends only on the draws is then shared, and
        the result arrays get an outcome axis (see Returns).
    arm : (N,) int
        Actual arm codes ``0..n_arms-1`` (0 = control).
    assignments : (draws, N) int, or AssignmentDraws
        Re-randomised arm codes, e.g. from :func:`draw_assignments`, or the
        stream of :func:`assignment_draws`, whose blocks are then drawn where
        their statistics are computed (here on several threads, or by the
        executor's workers), so that no (draws, N) matrix is ever held.
    n_arms : int
    covariates : (N, p) float or None
        No NaN on observed rows.
    strata, clusters : (N,) int or None
    adjustment : {"additive", "lin"}
    se_type : {"HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"}
    observed : (N,) bool or None
        Rows with the outcome observed; default: where ``y`` is not NaN (in
        every column).
    executor : Executor or None
        Where the draws' statistics are computed (:func:`trustexp.executor.executor`;
        default: here, the blocks of :data:`DRAW_BLOCK` draws on several threads).
        The draws are split into ``tasks`` consecutive slices (default: 2 per
        worker) whose ends fall on the batches that this function computes in
        one step (:func:`kernel_batches`), so every draw's statistic comes from
        the same operations on the same numbers wherever it runs: the result is
        the same bits for any executor, any number of workers and any ``tasks``.
        The random stream does not depend on the executor either: each block of
        an :class:`AssignmentDraws` is drawn from its own seed.
    tasks : int or None
        Slices of draws for the executor.

    Returns
    -------
    PermutationResult
        With a (N, K) ``y``: ``t_observed`` and ``p_value`` are (K, m) and
        ``t_draws`` is (draws, K, m).
    """
    fn = "permutation_test"
    test = prepare_permutation_test(
        y, arm, n_arms=n_arms, covariates=covariates, strata=strata, clusters=clusters,
        adjustment=adjustment, se_type=se_type, observed=observed, fn=fn,
    )  # fmt: skip
    if isinstance(assignments, AssignmentDraws):
        if assignments.n != test.n or assignments.max_code >= test.n_arms:
            raise OptionError(
                f"The 'assignments' parameter of {fn} must re-randomise the {test.n} rows "
                f"with codes 0..{test.n_arms - 1}. Got draws of {assignments.n} rows with "
                f"codes up to {assignments.max_code} instead."
            )
        [t_draws] = redrawn_statistics(assignments, [test], executor=executor, tasks=tasks)
        return test.result(t_draws)
    assign = np.asarray(assignments)
    if assign.ndim != 2 or assign.shape[1] != test.n or assign.dtype.kind not in "iu":
        raise OptionError(
            f"The 'assignments' parameter of {fn} must be an integer array of shape "
            f"(draws, {test.n}). Got dtype {assign.dtype}, shape {assign.shape} instead."
        )
    if assign.size and (assign.min() < 0 or assign.max() >= test.n_arms):
        raise OptionError(
            f"The 'assignments' parameter of {fn} must hold codes 0..{test.n_arms - 1}.")
    draws = assign.shape[0]
    units = kernel_batches(0, draws, test.batch)
    if executor is not None and not isinstance(executor, InProcess) and len(units) > 1:
        workers = max(1, int(getattr(executor, "workers", 1)))
        n_tasks = tasks if tasks is not None else 2 * workers
        slices = [(units[a][0], units[b - 1][1]) for a, b in chunk_ranges(len(units), n_tasks)]
        parts = executor.map(_slice_statistics, test,
                             [(lo, assign[lo:hi]) for lo, hi in slices])
        t_draws = np.concatenate(parts, axis=0)
    else:
        blocks = [(lo, min(draws, lo + DRAW_BLOCK)) for lo in range(0, draws, DRAW_BLOCK)]
        parts = on_threads(lambda b: test(assign[b[0] : b[1]], b[0]), blocks)
        t_draws = (np.concatenate(parts, axis=0) if parts
                   else np.empty((0, *test.t_observed.shape)))
    return test.result(t_draws)


def _slice_statistics(test: PermutationModel, item: tuple[int, np.ndarray]) -> np.ndarray:
    """The statistics of one slice of given draws (run by an executor's worker)."""
    start, assign = item
    return test(assign, start)


def redrawn_statistics(
    draws: AssignmentDraws,
    statistics: Sequence[Callable[..., np.ndarray]],
    *,
    executor: Executor | None = None,
    tasks: int | None = None,
) -> list[np.ndarray]:
    """Several statistics under every draw of one stream, each block drawn once.

    Parameters
    ----------
    draws
        The re-randomisations (:func:`assignment_draws`).
    statistics
        Callables ``f(assign, start)`` of a (b, N) slice of draws starting at draw
        ``start``, returning an array with b rows (a :class:`PermutationModel`, say);
        picklable for a Dask executor.
    executor, tasks
        Where the blocks are drawn and their statistics computed: here (default),
        one block per task on several threads; on an executor's workers, the blocks
        in ``tasks`` consecutive groups (default 2 per worker). Each block is drawn
        from its own seed and each statistic sees the same block wherever it runs,
        so the results are the same bits anywhere.

    Returns
    -------
    list of arrays
        For each statistic, its rows over all draws in order.
    """
    stats = tuple(statistics)
    n_blocks = draws.n_blocks
    if n_blocks == 0:
        empty = np.empty((0, draws.n), dtype=draws.dtype)
        return [f(empty, 0) for f in stats]
    ex = executor if executor is not None else InProcess()
    if isinstance(ex, InProcess):
        parts = on_threads(lambda b: _on_blocks((draws, stats), (b, b + 1)), range(n_blocks))
    else:
        n_tasks = tasks if tasks is not None else 2 * max(1, int(getattr(ex, "workers", 1)))
        parts = ex.map(_on_blocks, (draws, stats), chunk_ranges(n_blocks, n_tasks))
    return [np.concatenate([part[i] for part in parts], axis=0) for i in range(len(stats))]


def _on_blocks(shared: tuple[AssignmentDraws, tuple[Callable[..., np.ndarray], ...]],
               blocks: tuple[int, int]) -> list[np.ndarray]:
    """Every statistic of blocks ``[lo, hi)``, each block drawn once (here or on a worker)."""
    draws, stats = shared
    out: list[list[np.ndarray]] = [[] for _ in stats]
    for b in range(*blocks):
        assign = draws.block(b)
        start = draws.bounds(b)[0]
        for i, f in enumerate(stats):
            out[i].append(f(assign, start))
    return [np.concatenate(parts, axis=0) for parts in out]


def permutation_p_values(t_observed: np.ndarray, t_draws: np.ndarray) -> np.ndarray:
    """``(1 + #{|t_b| >= |t_obs|}) / (B + 1)`` per statistic, B the finite draws.

    Parameters
    ----------
    t_observed : (...) float
        Observed statistics, any shape.
    t_draws : (draws, ...) float
        The statistics under each draw.

    Returns
    -------
    (...) float64 (NaN where ``t_observed`` is NaN)
    """
    obs = np.abs(t_observed)
    draws = np.abs(t_draws)
    finite = np.isfinite(draws)
    hits = (finite & (draws >= obs[None, ...] * (1.0 - TIE_RTOL))).sum(axis=0)
    p = (1.0 + hits) / (1.0 + finite.sum(axis=0))
    return np.where(np.isfinite(obs), p, np.nan)


@dataclass(frozen=True, slots=True)
class RIInterval:
    """A randomisation-inference confidence interval by test inversion.

    Attributes
    ----------
    ci_low, ci_high : float
        The smallest and largest constant effects ``tau`` whose sharp
        hypothesis the randomisation test does not reject at level ``alpha``
        (NaN when the set of accepted effects is empty or not bounded within
        the search).
    alpha : float
    draws : int
    evaluations : int
        Randomisation tests run to find the ends.
    """

    ci_low: float
    ci_high: float
    alpha: float
    draws: int
    evaluations: int


def ri_p_value_at(
    tau: float,
    y: np.ndarray,
    treated: np.ndarray,
    assignments: np.ndarray,
    **model: object,
) -> float:
    """Randomisation p-value of the sharp hypothesis ``Y_i(1) = Y_i(0) + tau`` for all i.

    The treated outcomes are shifted by ``-tau`` (every row then shows its
    ``Y(0)``), and the studentised statistic of :func:`permutation_test` is
    compared with its distribution over ``assignments``.

    Parameters
    ----------
    tau : float
    y : (N,) float
        Outcome (NaN where not observed).
    treated : (N,) int
        1 for the treated arm, 0 for control.
    assignments : (draws, N) int
        Re-randomised 0/1 codes.
    **model
        ``covariates``, ``strata``, ``clusters``, ``adjustment``, ``se_type`` of
        :func:`permutation_test`.
    """
    shifted = y - tau * treated
    res = permutation_test(shifted, treated, assignments, n_arms=2, **model)  # type: ignore[arg-type]
    return float(res.p_value[0])


def ri_confidence_interval(
    y: np.ndarray,
    treated: np.ndarray,
    assignments: np.ndarray,
    *,
    estimate: float,
    std_error: float,
    alpha: float = 0.05,
    tol: float = 1e-6,
    **model: object,
) -> RIInterval:
    """Confidence interval for a constant effect by inverting the randomisation test.

    Under the sharp hypothesis of a constant effect ``tau`` the outcomes that
    every re-randomisation would show are known, so each ``tau`` has an exact
    randomisation p-value (:func:`ri_p_value_at`); the interval is the set of
    ``tau`` with ``p(tau) > alpha``. Its ends are searched from the estimate
    outwards: from ``estimate +- 2 z std_error`` (doubled until rejected), then
    on grids of 15 points between the last accepted and the first rejected
    value, each grid tested in one call (as outcome columns sharing the
    draws), to within ``tol * std_error``; an end is the outermost accepted
    value found before the first rejected one. With the same draws for every
    ``tau`` the p-value is a step function of ``tau``; the ends are where it
    steps over ``alpha``.

    Estimand: the additive effect shared by every person (the interval has
    exact coverage under a constant effect; with varying effects it is an
    interval for the constant-effect model, not for an average).

    Parameters
    ----------
    y : (N,) float
    treated : (N,) int
        1 treated, 0 control.
    assignments : (draws, N) int
        Re-randomised 0/1 codes (from :func:`draw_assignments` on ``treated``).
    estimate, std_error : float
        The effect and its standard error, to start the search.
    alpha : float
    tol : float
        Precision of the ends, relative to ``std_error``.
    **model
        Passed to :func:`permutation_test`.

    Returns
    -------
    RIInterval
    """
    from scipy import stats as _stats

    fn = "ri_confidence_interval"
    a = _checks.check_alpha(fn, alpha)
    nan = float("nan")
    draws = int(np.asarray(assignments).shape[0])
    if not (np.isfinite(estimate) and np.isfinite(std_error) and std_error > 0):
        return RIInterval(nan, nan, a, draws, 0)
    count = 0

    def p_values(taus: np.ndarray) -> np.ndarray:
        nonlocal count
        count += taus.size
        shifted = y[:, None] - taus[None, :] * np.asarray(treated)[:, None]
        res = permutation_test(shifted, treated, assignments, n_arms=2, **model)  # type: ignore[arg-type]
        return np.asarray(res.p_value)[:, 0]

    if not p_values(np.array([estimate]))[0] > a:
        return RIInterval(nan, nan, a, draws, count)
    half = 2.0 * float(_stats.norm.ppf(1 - a / 2)) * std_error
    ends = []
    for sign in (-1.0, 1.0):
        inner, outer = estimate, estimate + sign * half
        width = half
        for _ in range(30):  # widen until the outer end is rejected
            if not p_values(np.array([outer]))[0] > a:
                break
            inner, width = outer, 2 * width
            outer = estimate + sign * width
        else:
            ends.append(nan)
            continue
        # refine: the first rejected point from the inside, on finer and finer grids
        while abs(outer - inner) > tol * std_error:
            grid = np.linspace(inner, outer, _REFINE + 2)[1:-1]
            ok = p_values(grid) > a
            first = int(np.argmin(ok)) if not ok.all() else grid.size
            inner = grid[first - 1] if first > 0 else inner
            outer = grid[first] if first < grid.size else outer
        ends.append(float(inner))
    return RIInterval(ends[0], ends[1], a, draws, count)
