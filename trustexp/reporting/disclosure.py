"""Small-cell suppression: no count below ``min_cell`` leaves trustexp.

A count ``n`` with ``0 < n < min_cell`` is shown as ``"<min_cell"`` (for example
``"<10"``), in the HTML, the figures and every export. Zero is shown: it
describes nobody. Statistics of a group smaller than ``min_cell`` (an effect for
an arm with fewer than ``min_cell`` people at a site, a mean, a response rate)
are withheld altogether and shown as a dash.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["COUNT_KEYS", "Disclosure"]

#: Field names that hold counts of people, wherever they appear.
COUNT_KEYS: frozenset[str] = frozenset(
    {
        "n",
        "n_arm",
        "n_control",
        "n_randomised",
        "n_analysed",
        "n_missing",
        "n_responded",
    }
)



def _number(x: Any) -> float | None:
    if x is None or isinstance(x, bool | str):
        return None
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _is_float(x: Any) -> bool:
    return isinstance(x, float | np.floating)


@dataclass(frozen=True, slots=True)
class Disclosure:
    """The suppression rule for one report.

    Parameters
    ----------
    min_cell
        The smallest count that may be shown (``[analysis] min_cell``, default 10).
    """

    min_cell: int = 10

    @property
    def mark(self) -> str:
        """What a suppressed count shows: ``"<10"`` for ``min_cell = 10``."""
        return f"<{self.min_cell}"

    def small(self, n: Any) -> bool:
        """Whether the count ``n`` must be suppressed (``0 < n < min_cell``)."""
        value = _number(n)
        return value is not None and 0 < value < self.min_cell

    def too_few(self, *groups: Any) -> bool:
        """Whether any group size is below ``min_cell`` (zero included), so its statistics go."""
        for n in groups:
            value = _number(n)
            if value is not None and value < self.min_cell:
                return True
        return False

    def count(self, n: Any) -> int | str | None:
        """The value of a count as it may be released: an ``int``, the mark, or ``None``."""
        value = _number(n)
        if value is None:
            return None
        if self.small(value):
            return self.mark
        return round(value)

    def record(self, rec: dict[str, Any]) -> dict[str, Any]:
        """Return a copy of a results record with small counts and their statistics withheld.

        When a group count of the record (any of :data:`COUNT_KEYS` but
        ``n_missing``) is below ``min_cell``, every statistic of the record (its
        floating-point fields: estimate, interval, p-values, means, rates) becomes
        ``None``; every count below ``min_cell`` becomes the mark.
        """
        out = dict(rec)
        groups = [out[k] for k in COUNT_KEYS - {"n_missing"} if k in out]
        if self.too_few(*groups):
            for key, value in out.items():
                if key not in COUNT_KEYS and _is_float(value):
                    out[key] = None
        for key in COUNT_KEYS & out.keys():
            if _number(out[key]) is not None:
                out[key] = self.count(out[key])
        return out

    def tree(self, value: Any) -> Any:
        """Apply :meth:`record` to every mapping in a JSON-like tree."""
        if isinstance(value, dict):
            rec = self.record(value) if COUNT_KEYS & value.keys() else dict(value)
            return {k: self.tree(v) for k, v in rec.items()}
        if isinstance(value, list | tuple):
            return [self.tree(v) for v in value]
        return value
