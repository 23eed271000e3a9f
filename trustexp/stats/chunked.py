"""Randomisation inference in chunks of draws, for an executor (in process or Dask).

:func:`chunked_permutation_test` splits ``draws`` re-randomisations into
blocks of :data:`BLOCK` draws; block ``b`` draws its assignments with
:func:`~trustexp.stats.draw_assignments` (the design's randomiser) seeded from
child ``b`` of ``numpy.random.SeedSequence(seed).spawn(n_blocks)`` and
computes their t statistics with :func:`~trustexp.stats.permutation_test`.
The blocks are fixed by ``draws`` alone, so the result is the same bits for any
executor, any number of workers and any grouping of blocks into tasks; only
the (draws, N) assignments of one task are ever in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from trustexp.executor import Executor, InProcess, chunk_ranges, seed_int, spawn_seeds
from trustexp.stats.randomisation import (
    PermutationResult,
    draw_assignments,
    permutation_p_values,
    permutation_test,
)

__all__ = ["BLOCK", "chunked_permutation_test"]

#: Draws per seeded block (part of the stream's definition).
BLOCK = 250


@dataclass(frozen=True)
class _Problem:
    y: np.ndarray
    arm: np.ndarray
    n_arms: int
    strata: np.ndarray | None
    clusters: np.ndarray | None
    options: dict[str, Any]


def _blocks(problem: _Problem, blocks: Sequence[tuple[int, np.random.SeedSequence]]) -> np.ndarray:
    out = []
    for size, seq in blocks:
        assign = draw_assignments(problem.arm, strata=problem.strata, clusters=problem.clusters,
                                  draws=size, seed=seed_int(seq))
        res = permutation_test(problem.y, problem.arm, assign, n_arms=problem.n_arms,
                               strata=problem.strata, clusters=problem.clusters, **problem.options)
        out.append(res.t_draws)
    return np.concatenate(out, axis=0)


def chunked_permutation_test(
    y: np.ndarray, arm: np.ndarray, *, n_arms: int, draws: int, seed: int,
    strata: np.ndarray | None = None, clusters: np.ndarray | None = None,
    covariates: np.ndarray | None = None, adjustment: str = "additive", se_type: str = "HC2",
    executor: Executor | None = None, tasks: int | None = None,
) -> PermutationResult:
    """Randomisation test of each arm effect, its draws in seeded blocks (see the module).

    Parameters are those of :func:`~trustexp.stats.permutation_test` (the
    assignments are drawn here), plus ``draws``, ``seed``, ``executor`` and
    ``tasks`` (blocks are grouped into this many tasks; default 4 per worker).
    """
    ex = executor if executor is not None else InProcess()
    opts: dict[str, Any] = {"covariates": covariates, "adjustment": adjustment, "se_type": se_type}
    problem = _Problem(np.asarray(y, float), np.asarray(arm), int(n_arms), strata, clusters, opts)
    n_blocks = -(-int(draws) // BLOCK)
    seqs = spawn_seeds(seed, n_blocks)
    sizes = [min(BLOCK, int(draws) - b * BLOCK) for b in range(n_blocks)]
    blocks = list(zip(sizes, seqs, strict=True))
    n_tasks = tasks if tasks is not None else 4 * max(1, int(getattr(ex, "workers", 1)))
    parts = ex.map(_blocks, problem, [blocks[lo:hi] for lo, hi in chunk_ranges(n_blocks, n_tasks)])
    observed = permutation_test(problem.y, problem.arm, np.asarray(problem.arm)[None, :].astype(np.int16),
                                n_arms=problem.n_arms, strata=strata, clusters=clusters, **opts)
    t_draws = np.concatenate(parts, axis=0) if parts else np.empty((0, *observed.t_observed.shape))
    t_obs = np.array(observed.t_observed)
    return PermutationResult(t_obs, t_draws, permutation_p_values(t_obs, t_draws))
