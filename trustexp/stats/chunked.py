"""Randomisation inference from a seed, for an executor (in process or Dask).

:func:`chunked_permutation_test` is :func:`~trustexp.stats.permutation_test`
on the stream of :func:`~trustexp.stats.randomisation.assignment_draws`: the
draws come in blocks of :data:`BLOCK` (block 0 from the seed's own generator,
block ``b >= 1`` from child ``b`` of ``numpy.random.SeedSequence(seed)``), each
block drawn where its statistics are computed. The blocks are fixed by the
seed alone, so the result is the same bits for any executor, any number of
workers and any grouping of blocks into tasks, and equals
``permutation_test(..., draw_assignments(..., draws, seed))``; only the blocks
of the running tasks are ever in memory.
"""

from __future__ import annotations

import numpy as np

from trustexp.executor import Executor
from trustexp.stats.randomisation import (
    DRAW_BLOCK,
    PermutationResult,
    assignment_draws,
    permutation_test,
)

__all__ = ["BLOCK", "chunked_permutation_test"]

#: Draws per seeded block (the stream's, :data:`trustexp.stats.randomisation.DRAW_BLOCK`).
BLOCK = DRAW_BLOCK


def chunked_permutation_test(
    y: np.ndarray, arm: np.ndarray, *, n_arms: int, draws: int, seed: int,
    strata: np.ndarray | None = None, clusters: np.ndarray | None = None,
    covariates: np.ndarray | None = None, adjustment: str = "additive", se_type: str = "HC2",
    executor: Executor | None = None, tasks: int | None = None,
) -> PermutationResult:
    """Randomisation test of each arm effect, its draws in seeded blocks (see the module).

    Parameters are those of :func:`~trustexp.stats.permutation_test` (the
    assignments are drawn from ``seed``, ``draws`` of them), plus ``executor``
    and ``tasks`` (blocks are grouped into this many tasks; default 2 per worker).
    """
    stream = assignment_draws(np.asarray(arm), strata=strata, clusters=clusters,
                              draws=draws, seed=seed)
    return permutation_test(np.asarray(y, float), arm, stream, n_arms=n_arms,
                            covariates=covariates, strata=strata, clusters=clusters,
                            adjustment=adjustment, se_type=se_type,  # type: ignore[arg-type]
                            executor=executor, tasks=tasks)
