"""Randomisation inference: re-randomise as the design did, re-estimate, compare.

:func:`draw_assignments` permutes the arm labels within each stratum (whole
clusters when the design randomised clusters), so every draw keeps each
stratum's arm counts. :func:`permutation_test` computes the studentised arm
effects (t statistics, with the same model and standard errors as
:func:`~trustexp.stats.estimate_itt`) under each draw, without refitting the
model: see :mod:`trustexp.stats._batched`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
    "PermutationResult",
    "RIInterval",
    "draw_assignments",
    "permutation_test",
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
#: Draws generated per chunk in :func:`draw_assignments` (part of the seeded
#: stream's definition: changing it changes the draws).
_DRAW_CHUNK = 256


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
        Seed of ``numpy.random.default_rng``: the same arguments give the same draws.

    Returns
    -------
    (draws, N) int8 (int16 for more than 127 arm codes)
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
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool):
        raise OptionError(f"The 'seed' parameter of {fn} must be an integer. Got {seed!r}.")
    st = np.zeros(n, np.int64) if strata is None else _checks.check_codes(fn, "strata", strata, n)
    dtype = np.int8 if (arm_v.max(initial=0) < 128) else np.int16
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
    out = np.empty((int(draws), unit_arm.size), dtype=dtype)
    order = np.argsort(unit_stratum, kind="stable")
    bounds = np.flatnonzero(np.r_[True, np.diff(unit_stratum[order]) != 0, True])
    groups = [order[bounds[i] : bounds[i + 1]] for i in range(bounds.size - 1)]
    rng = np.random.default_rng(int(seed))
    for lo in range(0, int(draws), _DRAW_CHUNK):
        hi = min(int(draws), lo + _DRAW_CHUNK)
        for idx in groups:
            # permuted in int64 (faster than in int8; the same permutations of the stream)
            block = np.broadcast_to(unit_arm[idx].astype(np.int64), (hi - lo, idx.size)).copy()
            rng.permuted(block, axis=1, out=block)
            out[lo:hi, idx] = block
    return out if unit_of_row is None else out[:, unit_of_row]


@dataclass(frozen=True)
class DrawJob:
    """The arguments of one :func:`draw_assignments` call."""

    arm: np.ndarray
    strata: np.ndarray | None
    clusters: np.ndarray | None
    draws: int
    seed: int


def draw_many(jobs: Sequence[DrawJob | None]) -> list[np.ndarray | None]:
    """:func:`draw_assignments` for several independent designs, on several threads.

    Each job draws from its own generator (its own seed), so every result is that of
    its own call, whatever the number of threads; a None job gives None.
    """
    def one(job: DrawJob | None) -> np.ndarray | None:
        if job is None:
            return None
        return draw_assignments(job.arm, strata=job.strata, clusters=job.clusters,
                                draws=job.draws, seed=job.seed)

    return on_threads(one, jobs)


@blas_limited
def permutation_test(
    y: np.ndarray,
    arm: np.ndarray,
    assignments: np.ndarray,
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
    assignments : (draws, N) int
        Re-randomised arm codes, e.g. from :func:`draw_assignments`.
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
        default: here). The draws are split into ``tasks`` consecutive slices
        (default: 2 per worker) whose ends fall on the batches that this
        function computes in one step, so every draw's statistic comes from the
        same operations on the same numbers wherever it runs: the result is the
        same bits for any executor, any number of workers and any ``tasks``.
        The assignments themselves are given (drawn here by the caller), so the
        random stream does not depend on the executor either.
    tasks : int or None
        Slices of draws for the executor.

    Returns
    -------
    PermutationResult
        With a (N, K) ``y``: ``t_observed`` and ``p_value`` are (K, m) and
        ``t_draws`` is (draws, K, m).
    """
    fn = "permutation_test"
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
    assign = np.asarray(assignments)
    if assign.ndim != 2 or assign.shape[1] != big_n or assign.dtype.kind not in "iu":
        raise OptionError(
            f"The 'assignments' parameter of {fn} must be an integer array of shape "
            f"(draws, {big_n}). Got dtype {assign.dtype}, shape {assign.shape} instead."
        )
    if assign.size and (assign.min() < 0 or assign.max() >= n_arms):
        raise OptionError(f"The 'assignments' parameter of {fn} must hold codes 0..{n_arms - 1}.")
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
    rows = np.flatnonzero(obs)  # columns of `assignments` in the outcome sample
    order = (
        np.argsort(inp.clusters, kind="stable")
        if inp.clusters is not None
        else np.arange(rows.size)
    )
    rows = rows[order]

    def sort(x: np.ndarray | None) -> np.ndarray | None:
        return None if x is None else x[order]

    m = inp.n_arms - 1
    draws = assign.shape[0]
    k_out = y2.shape[1]
    if rows.size == 0 or k_out == 0:
        t_obs = np.full((k_out, m), np.nan)
        t_draws = np.full((draws, k_out, m), np.nan)
    else:
        model = _batched.prepare(
            y_obs[order], sort(inp.covariates), sort(inp.strata), sort(inp.clusters),
            n_arms=inp.n_arms, adjustment=inp.adjustment, se_type=inp.se_type,
        )  # fmt: skip
        t_obs = model.t_statistics(inp.arm[order][None, :])[0]
        chunk = max(1, CHUNK_BYTES // model.bytes_per_draw())
        workers = int(getattr(executor, "workers", 1)) if executor is not None else 1
        if executor is not None and not isinstance(executor, InProcess) and draws > chunk:
            args = _Slice(y2, arm, n_arms, cov, strata, clusters, adjustment, se_type,
                          np.asarray(obs, dtype=bool))
            n_tasks = tasks if tasks is not None else 2 * max(1, workers)
            parts = executor.map(_slice_t_draws, args,
                                 [assign[lo:hi] for lo, hi in _aligned(draws, chunk, n_tasks)])
            t_draws = np.concatenate(parts, axis=0)
        else:
            t_draws = np.empty((draws, k_out, m))
            for lo in range(0, draws, chunk):
                t_draws[lo : lo + chunk] = model.t_statistics(assign[lo : lo + chunk][:, rows])
    p_value = permutation_p_values(t_obs, t_draws)
    if y_all.ndim == 1:
        return PermutationResult(t_obs[0], t_draws[:, 0, :], p_value[0])
    return PermutationResult(t_obs, t_draws, p_value)


@dataclass(frozen=True)
class _Slice:
    """The arguments of :func:`permutation_test` other than the assignments, for a worker."""

    y: np.ndarray
    arm: np.ndarray
    n_arms: int
    covariates: np.ndarray | None
    strata: np.ndarray | None
    clusters: np.ndarray | None
    adjustment: Any
    se_type: Any
    observed: np.ndarray


def _slice_t_draws(args: _Slice, assignments: np.ndarray) -> np.ndarray:
    """The (draws, K, m) statistics of one slice of draws (run by an executor's worker)."""
    res = permutation_test(args.y, args.arm, assignments, n_arms=args.n_arms,
                           covariates=args.covariates, strata=args.strata,
                           clusters=args.clusters, adjustment=args.adjustment,
                           se_type=args.se_type, observed=args.observed)
    return np.array(res.t_draws)


def _aligned(draws: int, batch: int, tasks: int) -> list[tuple[int, int]]:
    """``[lo, hi)`` slices of ``range(draws)`` in at most ``tasks`` parts, ends on batches."""
    n_batches = -(-draws // batch)
    return [(lo * batch, min(draws, hi * batch)) for lo, hi in chunk_ranges(n_batches, tasks)]


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
