"""The BLAS thread pool while the kernels run.

The kernels' matrix products are tall and thin (n rows, a few dozen columns):
BLAS threads add synchronisation without much parallel work, and on a busy
machine a multi-threaded QR of a 10,000 x 26 design can take ten times longer
than a single-threaded one. The public kernels therefore run with at most
:data:`BLAS_THREADS` BLAS threads (through threadpoolctl, which comes with
scikit-learn; without it nothing changes). The previous limit is restored on
return.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["BLAS_THREADS", "WORK_THREADS", "blas_limit", "blas_limited", "on_threads"]

#: BLAS threads inside the kernels.
BLAS_THREADS = 1

#: Threads that run independent pieces of work at once (:func:`on_threads`).
WORK_THREADS = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                          else (os.cpu_count() or 1)))

F = TypeVar("F", bound=Callable[..., Any])
_T = TypeVar("_T")
_R = TypeVar("_R")
_controller: list[Any] = []  # the ThreadpoolController, made on first use
_inside = threading.local()  # whether this thread runs a piece of on_threads


def blas_limit() -> contextlib.AbstractContextManager[object]:
    """A context with at most :data:`BLAS_THREADS` BLAS threads (the previous limit is
    restored on exit)."""
    return _limit()


def _limit() -> contextlib.AbstractContextManager[object]:
    if not _controller:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
            _controller.append(None)
        else:
            _controller.append(ThreadpoolController())
    controller = _controller[0]
    if controller is None:  # pragma: no cover
        return contextlib.nullcontext()
    return controller.limit(limits=BLAS_THREADS, user_api="blas")


def blas_limited(function: F) -> F:
    """Run ``function`` with at most :data:`BLAS_THREADS` BLAS threads."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _limit():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def on_threads(function: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
    """``[function(x) for x in items]`` on :data:`WORK_THREADS` threads, in order.

    For independent pieces of work whose numpy parts release the interpreter lock
    (permutations, matrix products): each piece runs the same operations on the same
    numbers on any thread, so the results do not depend on the number of threads.
    """
    if WORK_THREADS == 1 or len(items) < 2 or getattr(_inside, "on", False):
        # a piece that itself has pieces runs them on its own thread: the machine's
        # cores are already busy with the outer pieces
        return [function(x) for x in items]

    def run(x: _T) -> _R:
        _inside.on = True
        try:
            return function(x)
        finally:
            _inside.on = False

    # one BLAS limit around the threads: the kernels' own limits then only set and
    # restore the same value, so no thread changes another's BLAS threads
    with blas_limit(), ThreadPoolExecutor(max_workers=min(WORK_THREADS, len(items))) as pool:
        return list(pool.map(run, items))
