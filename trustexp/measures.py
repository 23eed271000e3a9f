"""The measures derived from the monthly panel: each one's type and unit, in one place.

:data:`MEASURES` maps a measure's name (``measure = "..."`` of a monthly
outcome in ``trial.toml``) to its :class:`Measure`. The outcome type decides
the model's reading (binary outcomes are linear probability models), the unit
how effects are shown and which disclosure rules apply (sums of euros are
checked for dominance).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = ["MEASURES", "Measure", "MeasureUnit", "is_euro", "unit_of"]

MeasureUnit = Literal["share", "months", "euro"]


@dataclass(frozen=True, slots=True)
class Measure:
    """One monthly measure.

    Attributes
    ----------
    type
        The outcome type: ``"binary"``, ``"count"``, ``"continuous"`` or ``"duration"``.
    unit
        ``"share"`` (a binary outcome, shown in percentage points), ``"months"`` or ``"euro"``.
    """

    type: str
    unit: MeasureUnit


MEASURES = MappingProxyType({
    "exit_to_work": Measure("binary", "share"),
    "part_time_work": Measure("binary", "share"),
    "any_work": Measure("binary", "share"),
    "months_on_benefit": Measure("count", "months"),
    "months_employed": Measure("count", "months"),
    "earnings_total": Measure("continuous", "euro"),
    "employed_at": Measure("binary", "share"),
    "time_to_exit": Measure("duration", "months"),
})


def unit_of(measure: str | None) -> MeasureUnit | None:
    """The unit of a monthly measure, or None for an outcome that is not one."""
    m = MEASURES.get(measure or "")
    return m.unit if m is not None else None


def is_euro(outcome_type: str | None, measure: str | None) -> bool:
    """Whether an outcome is a sum of euros (then its sums are checked for dominance)."""
    del outcome_type
    return unit_of(measure) == "euro"
