"""Checks of the kernels' arguments, in one place.

Every check raises :class:`~trustexp.errors.OptionError` with a message that
names the parameter and the function, says what was expected and shows what
was received.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from trustexp.errors import OptionError
from trustexp.literals import ADJUSTMENTS as _ADJUSTMENTS
from trustexp.literals import CLUSTER_SE_TYPES as _CLUSTER_SE_TYPES
from trustexp.literals import SE_TYPES as _SE_TYPES

__all__ = [
    "ADJUSTMENTS",
    "CLUSTER_SE_TYPES",
    "SE_TYPES",
    "check_alpha",
    "check_choice",
    "check_codes",
    "check_matrix",
    "check_n_arms",
    "check_n_draws",
    "check_vector",
]

SE_TYPES, CLUSTER_SE_TYPES, ADJUSTMENTS = _SE_TYPES, _CLUSTER_SE_TYPES, _ADJUSTMENTS


def _fail(function: str, name: str, expected: str, got: Any) -> OptionError:
    return OptionError(
        f"The {name!r} parameter of {function} must be {expected}. Got {got} instead."
    )


def check_choice(function: str, name: str, value: Any, allowed: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise OptionError."""
    if not isinstance(value, str) or value not in allowed:
        raise _fail(function, name, "one of " + ", ".join(map(repr, allowed)), repr(value))
    return value


def check_alpha(function: str, alpha: Any) -> float:
    """Return ``alpha`` as a float in (0, 1), else raise OptionError."""
    try:
        value = float(alpha)
    except (TypeError, ValueError):
        raise _fail(function, "alpha", "a float in (0, 1)", repr(alpha)) from None
    if not 0.0 < value < 1.0:
        raise _fail(function, "alpha", "a float in (0, 1)", repr(alpha))
    return value


def check_vector(
    function: str, name: str, x: Any, n: int | None = None, *, finite: bool = True
) -> np.ndarray:
    """Return ``x`` as a float64 vector of length ``n`` (if given).

    Parameters
    ----------
    function, name
        Used in the error message.
    x
        Array-like of shape (n,).
    n
        The required length, or None for any length.
    finite
        Refuse NaN and infinite values.
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise _fail(function, name, "a one-dimensional array", f"shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise _fail(function, name, f"of length {n}", f"length {arr.shape[0]}")
    if finite and not np.isfinite(arr).all():
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise _fail(function, name, "finite (no NaN)", f"{arr[bad]} at position {bad}")
    return arr


def check_matrix(function: str, name: str, x: Any, n: int) -> np.ndarray:
    """Return ``x`` as a finite float64 matrix with ``n`` rows (a vector becomes one column)."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n:
        raise _fail(function, name, f"an array of shape ({n}, p)", f"shape {arr.shape}")
    if not np.isfinite(arr).all():
        row, col = (int(i[0]) for i in np.nonzero(~np.isfinite(arr)))
        raise _fail(
            function, name, "finite (no NaN)", f"{arr[row, col]} at row {row}, column {col}"
        )
    return arr


def check_codes(
    function: str, name: str, x: Any, n: int, n_levels: int | None = None
) -> np.ndarray:
    """Return integer codes of length ``n`` as int64, within ``0..n_levels-1`` if given."""
    arr = np.asarray(x)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise _fail(function, name, f"a one-dimensional array of length {n}", f"shape {arr.shape}")
    if arr.dtype.kind not in "iub":
        if arr.dtype.kind == "f" and np.isfinite(arr).all() and (arr == np.round(arr)).all():
            arr = arr.astype(np.int64)
        else:
            raise _fail(function, name, "integer codes", f"dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    if n_levels is not None and arr.size and (arr.min() < 0 or arr.max() >= n_levels):
        bad = int(np.flatnonzero((arr < 0) | (arr >= n_levels))[0])
        raise _fail(function, name, f"codes 0..{n_levels - 1}", f"{arr[bad]} at position {bad}")
    return arr


def check_n_arms(function: str, n_arms: Any) -> int:
    """Return ``n_arms`` as an int >= 2, else raise OptionError."""
    if not isinstance(n_arms, int | np.integer) or isinstance(n_arms, bool) or n_arms < 2:
        raise _fail(function, "n_arms", "an integer >= 2", repr(n_arms))
    return int(n_arms)


def check_n_draws(function: str, draws: Any) -> int:
    """Return ``draws`` as an int >= 1, else raise OptionError."""
    if not isinstance(draws, int | np.integer) or isinstance(draws, bool) or draws < 1:
        raise _fail(function, "draws", "an integer >= 1", repr(draws))
    return int(draws)
