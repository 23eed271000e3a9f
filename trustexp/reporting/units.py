"""The unit each outcome's effect is reported in, and its formatting.

Binary outcomes: percentage points (the estimate is a difference in
proportions, times 100); monthly counts and durations: months; earnings:
euros; anything else: the outcome's own scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from trustexp.measures import unit_of
from trustexp.reporting.i18n import DASH, MINUS, Locale

__all__ = ["Unit", "unit_for"]



@dataclass(frozen=True, slots=True)
class Unit:
    """How one outcome's effects and means are shown.

    Attributes
    ----------
    kind
        ``"pp"``, ``"months"``, ``"euro"`` or ``"plain"``.
    scale
        Multiplier from the outcome's own units to the shown ones (100 for pp).
    digits
        Decimals shown.
    """

    kind: str
    scale: float
    digits: int

    # -- effects -------------------------------------------------------------
    def effect(self, loc: Locale, x: Any, *, sign: bool = True, long: bool = False) -> str:
        """An effect with its unit: "+3,1 %-punt", "−0,42 maanden", "+€ 120"."""
        if x is None or _nan(x):
            return DASH
        value = float(x) * self.scale
        if self.kind == "euro":
            number = loc.number(abs(value), self.digits)
            head = MINUS if value < 0 and number.strip("0,.") else ("+" if sign and value > 0 else "")
            return f"{head}€\u00a0{number}" if loc.lang == "nl" else f"{head}€{number}"
        text = loc.number(value, self.digits, sign=sign)
        suffix = self.suffix(loc, long=long)
        return f"{text}\u00a0{suffix}" if suffix else text

    def magnitude(self, loc: Locale, x: Any) -> str:
        """The absolute size of an effect with its unit, in words ("3,1 procentpunt")."""
        if x is None or _nan(x):
            return DASH
        return self.effect(loc, abs(float(x)), sign=False, long=True)

    def bound(self, loc: Locale, x: Any) -> str:
        """An interval bound, without the unit."""
        if x is None or _nan(x):
            return DASH
        return loc.number(float(x) * self.scale, self.digits)

    def suffix(self, loc: Locale, *, long: bool = False) -> str:
        """The unit's name ("%-punt"/"procentpunt", "maanden", ...), or ""."""
        if self.kind == "pp":
            return loc.t("unit.pp") if long else loc.t("unit.pp_short")
        if self.kind == "months":
            return loc.t("unit.months")
        return ""

    def title(self, loc: Locale) -> str:
        """The unit for a figure title: "procentpunt", "maanden", "euro", or ""."""
        if self.kind == "pp":
            return loc.t("unit.pp")
        if self.kind == "months":
            return loc.t("unit.months")
        if self.kind == "euro":
            return loc.t("unit.euro")
        return ""

    # -- levels --------------------------------------------------------------
    def mean(self, loc: Locale, x: Any) -> str:
        """A group mean in the outcome's units: "23,4%", "11,2 maanden", "€ 3.456"."""
        if x is None or _nan(x):
            return DASH
        if self.kind == "pp":
            return loc.percent(float(x), 1)
        if self.kind == "euro":
            number = loc.number(float(x), self.digits)
            return f"€\u00a0{number}" if loc.lang == "nl" else f"€{number}"
        text = loc.number(float(x), self.digits)
        return f"{text}\u00a0{loc.t('unit.months')}" if self.kind == "months" else text


def unit_for(outcome_type: str, measure: str | None, values: list[float] | None = None) -> Unit:
    """Choose the unit of an outcome from its type and monthly measure.

    Parameters
    ----------
    outcome_type
        ``binary``, ``count``, ``duration`` or ``continuous``.
    measure
        The monthly measure the outcome derives from, if any.
    values
        Typical magnitudes (estimates and control means) to pick the decimals of
        an outcome on its own scale.
    """
    if outcome_type == "binary":
        return Unit("pp", 100.0, 1)
    if unit_of(measure) == "euro":
        return Unit("euro", 1.0, 0)
    if unit_of(measure) == "months" or outcome_type == "duration":
        return Unit("months", 1.0, 2)
    finite = [abs(v) for v in values or [] if v is not None and math.isfinite(v)]
    big = max(finite, default=0.0)
    digits = 0 if big >= 1000 else 1 if big >= 100 else 2
    return Unit("plain", 1.0, digits)


def _nan(x: Any) -> bool:
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return True
