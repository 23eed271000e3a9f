"""The measures derived from the monthly panel: every fact about each one, in one place.

:data:`MEASURES` maps a measure's name (``measure = "..."`` of a monthly
outcome in ``trial.toml``) to its :class:`Measure`: the outcome type (binary
outcomes are linear probability models, durations are survival outcomes), the
unit (how effects are shown, and which disclosure rules apply: sums of euros
are checked for dominance), the monthly columns it reads beyond
``on_benefit`` and ``employed`` (the validator requires them), the function
that computes it over a window, and the monthly series whose effect month by
month makes sense (the frame ``paths``), if any.

A measure's ``compute`` receives a :class:`WindowArrays` (persons x months of
the window) and returns the value of every person and the persons whose value
the unknown months cannot change; :mod:`trustexp.outcomes` combines that with
the completeness of the window. ``time_to_exit`` is computed in
:mod:`trustexp.outcomes` (it is censored, not complete-case), so its
``compute`` is None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np

__all__ = [
    "MEASURES",
    "SERIES",
    "Measure",
    "MeasureUnit",
    "Series",
    "WindowArrays",
    "is_euro",
    "required_columns",
    "unit_of",
]

MeasureUnit = Literal["share", "months", "euro"]


@dataclass(frozen=True, slots=True)
class WindowArrays:
    """The panel over one window, persons x months (all arrays of shape (n, w)).

    Attributes
    ----------
    on, off
        ``on_benefit`` is 1 / is 0 (False where unknown).
    work
        A month of work: ``employed = 1`` and, with ``min_hours``, ``hours >= H``.
    work_unknown
        ``employed = 1`` with ``min_hours`` and no ``hours``: work status unknown.
    earnings
        ``earnings``, NaN where absent.
    """

    on: np.ndarray
    off: np.ndarray
    work: np.ndarray
    work_unknown: np.ndarray
    earnings: np.ndarray


Compute = Callable[[WindowArrays], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True, slots=True)
class Series:
    """A monthly series whose effect month by month is reported (frame ``paths``).

    Attributes
    ----------
    name
        ``on_benefit``, ``employed``, ``work_off_benefit``, ``work_on_benefit`` or ``earnings``.
    unit
        ``"share"`` or ``"euro"``.
    uses_hours
        Whether ``min_hours`` changes it (a month of work).
    value
        ``value(arrays) -> (value, known)``, both of shape (n, w).
    """

    name: str
    unit: MeasureUnit
    uses_hours: bool
    value: Callable[[WindowArrays], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True, slots=True)
class Measure:
    """One monthly measure.

    Attributes
    ----------
    type
        The outcome type: ``"binary"``, ``"count"``, ``"continuous"`` or ``"duration"``.
    unit
        ``"share"`` (a binary outcome, shown in percentage points), ``"months"`` or ``"euro"``.
    columns
        Monthly columns it reads beyond ``on_benefit`` and ``employed``.
    uses_hours
        Whether ``min_hours`` applies to it (it reads months of work).
    compute
        ``compute(arrays) -> (value (n,), determined (n,))``; None for ``time_to_exit``.
    series
        The name of its monthly series in :data:`SERIES` (None: no path makes sense).
    """

    type: str
    unit: MeasureUnit
    columns: tuple[str, ...] = ()
    uses_hours: bool = True
    compute: Compute | None = None
    series: str | None = None


def _all_known(w: WindowArrays) -> np.ndarray:
    return np.ones(w.on.shape[0], dtype=bool)


def _work_known(w: WindowArrays) -> np.ndarray:
    return np.asarray(~w.work_unknown.any(axis=1))


def _some_month(w: WindowArrays, status: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """1 once a known month qualifies, whatever the unknown months hold; 0 only when no
    completion of the unknown months can qualify (the contract's determinacy rule)."""
    sure = (w.work & status).any(axis=1)
    possible = ((w.work | w.work_unknown) & status).any(axis=1)
    return sure.astype(float), np.asarray(sure | ~possible)


def _exit_to_work(w: WindowArrays) -> tuple[np.ndarray, np.ndarray]:
    return _some_month(w, w.off)


def _part_time_work(w: WindowArrays) -> tuple[np.ndarray, np.ndarray]:
    return _some_month(w, w.on)


def _any_work(w: WindowArrays) -> tuple[np.ndarray, np.ndarray]:
    return _some_month(w, np.ones_like(w.on))


def _months_on_benefit(w: WindowArrays) -> tuple[np.ndarray, np.ndarray]:
    return w.on.sum(axis=1).astype(float), _all_known(w)


def _months_employed(w: WindowArrays) -> tuple[np.ndarray, np.ndarray]:
    return w.work.sum(axis=1).astype(float), _work_known(w)


def _earnings_total(w: WindowArrays) -> tuple[np.ndarray, np.ndarray]:
    # a month with employed = 1 and no earnings has unknown earnings; without work, none
    known = ~(w.work & ~np.isfinite(w.earnings)).any(axis=1)
    return np.where(np.isfinite(w.earnings), w.earnings, 0.0).sum(axis=1), np.asarray(known)


def _employed_at(w: WindowArrays) -> tuple[np.ndarray, np.ndarray]:
    return w.work[:, -1].astype(float), ~w.work_unknown[:, -1]


MEASURES = MappingProxyType({
    "exit_to_work": Measure("binary", "share", compute=_exit_to_work, series="work_off_benefit"),
    "part_time_work": Measure("binary", "share", compute=_part_time_work,
                              series="work_on_benefit"),
    "any_work": Measure("binary", "share", compute=_any_work, series="employed"),
    "months_on_benefit": Measure("count", "months", uses_hours=False,
                                 compute=_months_on_benefit, series="on_benefit"),
    "months_employed": Measure("count", "months", compute=_months_employed, series="employed"),
    "earnings_total": Measure("continuous", "euro", columns=("earnings",), uses_hours=False,
                              compute=_earnings_total, series="earnings"),
    "employed_at": Measure("binary", "share", compute=_employed_at, series="employed"),
    "time_to_exit": Measure("duration", "months"),
})


def _state(values: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.where(known, values.astype(float), np.nan), known


#: The monthly series of the frame ``paths``: one value per person and month,
#: NaN where that month is not known.
SERIES = MappingProxyType({
    "on_benefit": Series("on_benefit", "share", False,
                         lambda w: _state(w.on, w.on | w.off)),
    "employed": Series("employed", "share", True,
                       lambda w: _state(w.work, (w.on | w.off) & ~w.work_unknown)),
    "work_off_benefit": Series("work_off_benefit", "share", True,
                               lambda w: _state(w.work & w.off, (w.on | w.off) & ~w.work_unknown)),
    "work_on_benefit": Series("work_on_benefit", "share", True,
                              lambda w: _state(w.work & w.on, (w.on | w.off) & ~w.work_unknown)),
    "earnings": Series("earnings", "euro", False,
                       lambda w: _state(w.earnings, np.isfinite(w.earnings) & (w.on | w.off))),
})


def unit_of(measure: str | None) -> MeasureUnit | None:
    """The unit of a monthly measure, or None for an outcome that is not one."""
    m = MEASURES.get(measure or "")
    return m.unit if m is not None else None


def is_euro(outcome_type: str | None, measure: str | None) -> bool:
    """Whether an outcome is a sum of euros (then its sums are checked for dominance)."""
    del outcome_type
    return unit_of(measure) == "euro"


def required_columns(measure: str | None, min_hours: float | None) -> tuple[str, ...]:
    """The monthly columns an outcome needs beyond ``on_benefit`` and ``employed``."""
    m = MEASURES.get(measure) if isinstance(measure, str) else None
    if m is None:
        return ()
    hours = ("hours",) if min_hours is not None and m.uses_hours else ()
    return (*hours, *m.columns)
