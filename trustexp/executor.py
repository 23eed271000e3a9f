"""Where many independent draws run: in this process, or on a Dask cluster.

Simulations and large randomisation-inference runs split their draws into
chunks and map one function over them. The chunks' random streams come from
:func:`spawn_seeds` (``numpy.random.SeedSequence(seed).spawn``), one child per
draw or per fixed-size block of draws, never per worker, and the results are
gathered in the order of the chunks: so a run gives the same bits in this
process, on one Dask worker or on many, and for any split into chunks.

>>> with executor(workers=2) as ex:                # doctest: +SKIP
...     out = ex.map(work, shared, chunks)

:func:`running_on` makes an executor the one that :func:`active` returns for
the duration of a ``with`` block: :func:`trustexp.evaluate` does so with the
executor of its ``workers`` or ``scheduler`` options, and the randomisation
tests of the evaluation run on it.

``dask[distributed]`` is an optional extra (``pip install 'trustexp[dask]'``):
:func:`executor` imports it only for ``workers`` or ``scheduler``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar

import numpy as np

from trustexp._message import text as _t
from trustexp.errors import InputError, OptionError

__all__ = ["REMOTE_MIN", "DaskExecutor", "Executor", "InProcess", "active", "active_for",
           "chunk_ranges", "executor",
           "running_on", "seed_int", "spawn_seeds"]

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Maps ``fn(shared, item)`` over items and returns the results in their order."""

    def map(self, fn: Callable[[S, T], R], shared: S, items: Sequence[T]) -> list[R]:
        """Run ``fn(shared, item)`` for every item; results in the items' order."""
        ...  # pragma: no cover


class InProcess:
    """Runs every chunk here, one after the other (the default)."""

    workers = 1

    def map(self, fn: Callable[[S, T], R], shared: S, items: Sequence[T]) -> list[R]:
        """Run ``fn(shared, item)`` for every item, in order."""
        return [fn(shared, item) for item in items]


class DaskExecutor:
    """Runs chunks on a ``dask.distributed`` cluster (the shared input is sent once).

    Parameters
    ----------
    client
        A connected ``distributed.Client``.
    """

    def __init__(self, client: Any) -> None:
        self.client = client

    @property
    def workers(self) -> int:
        """The number of workers of the cluster."""
        return len(self.client.scheduler_info().get("workers", {}))

    def map(self, fn: Callable[[S, T], R], shared: S, items: Sequence[T]) -> list[R]:
        """Run ``fn(shared, item)`` for every item on the cluster; results in the items' order."""
        if not items:
            return []
        [future] = self.client.scatter([shared], broadcast=True, hash=False)
        # the items are sent as data (spread over the workers), not inside the task graph
        sent = self.client.scatter(list(items), hash=False)
        futures = self.client.map(fn, [future] * len(items), sent, pure=False)
        return list(self.client.gather(futures))


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise InputError(_t("executor.no_distributed")) from None
    return distributed


@contextmanager
def executor(workers: int | None = None, scheduler: str | None = None, *,
             processes: bool = True) -> Iterator[Executor]:
    """An executor for the duration of a ``with`` block.

    Parameters
    ----------
    workers
        Start a ``dask.distributed.LocalCluster`` with this many workers (one
        thread each) and close it at the end.
    scheduler
        The address of a running Dask scheduler (``tcp://host:8786``) to use instead.
    processes
        Whether the local cluster's workers are processes (threads otherwise).

    Neither ``workers`` nor ``scheduler``: everything runs in this process.
    """
    if workers is not None and scheduler is not None:
        raise OptionError("give either 'workers' or 'scheduler', not both")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise OptionError(
            f"The 'workers' parameter of executor must be an integer >= 1. Got {workers!r} instead."
        )
    if workers is None and scheduler is None:
        yield InProcess()
        return
    distributed = _distributed()
    if scheduler is not None:
        try:
            client = distributed.Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise InputError(_t("executor.unreachable", scheduler=scheduler,
                                reason=str(exc))) from None
        try:
            yield DaskExecutor(client)
        finally:
            client.close()
        return
    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                       processes=processes, dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        yield DaskExecutor(client)
    finally:
        client.close()
        cluster.close()


_ACTIVE: ContextVar[Executor | None] = ContextVar("trustexp_executor", default=None)


def active() -> Executor:
    """The executor of the innermost :func:`running_on` block (else :class:`InProcess`)."""
    ex = _ACTIVE.get()
    return ex if ex is not None else InProcess()


#: Person-draws below which a piece of randomisation inference runs in this process even
#: when an executor is active: sending it to a worker costs more than computing it.
REMOTE_MIN = 20_000_000


def active_for(person_draws: int) -> Executor:
    """:func:`active`, or :class:`InProcess` for work of fewer than :data:`REMOTE_MIN`
    person-draws (the results are the same wherever the work runs)."""
    return active() if person_draws >= REMOTE_MIN else InProcess()


@contextmanager
def running_on(ex: Executor) -> Iterator[Executor]:
    """Make ``ex`` the executor that :func:`active` returns inside the block."""
    token = _ACTIVE.set(ex)
    try:
        yield ex
    finally:
        _ACTIVE.reset(token)


def spawn_seeds(seed: int, n: int) -> list[np.random.SeedSequence]:
    """``n`` independent child seeds of ``seed`` (``SeedSequence(seed).spawn(n)``)."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise OptionError(f"The 'seed' parameter of spawn_seeds must be an integer >= 0. Got {seed!r} instead.")
    return np.random.SeedSequence(int(seed)).spawn(int(n))


def seed_int(seq: np.random.SeedSequence) -> int:
    """A 63-bit integer seed drawn from a child seed (for functions that take an int)."""
    return int(seq.generate_state(1, np.uint64)[0] >> np.uint64(1))


def chunk_ranges(n: int, chunks: int) -> list[tuple[int, int]]:
    """``[lo, hi)`` ranges that split ``range(n)`` into at most ``chunks`` nearly equal parts."""
    if isinstance(chunks, bool) or not isinstance(chunks, int) or chunks < 1:
        raise OptionError(f"The 'chunks' parameter must be an integer >= 1. Got {chunks!r} instead.")
    chunks = max(1, min(chunks, n))
    bounds = np.linspace(0, n, chunks + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]
