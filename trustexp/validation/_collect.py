"""Collect problems, from single findings or from a row mask, with a cap per rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from trustexp.validation._report import Problem

__all__ = ["MAX_PER_RULE", "Collector"]

#: At most this many problems of one (table, column, rule, severity) are listed
#: one by one; the rest are counted in one summary problem with ``row = None``.
MAX_PER_RULE = 1000


class Collector:
    """Gathers the problems of one validation run, in the order they are found."""

    def __init__(self, cap: int = MAX_PER_RULE) -> None:
        self.cap = cap
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self._count: dict[tuple[str, str | None, str, str], int] = {}
        #: table to (contract name to the export's column) of the columns renamed
        self.renamed: dict[str, dict[str, str]] = {}

    def counts(self) -> dict[tuple[str, str | None, str, str], int]:
        """The true number of rows of each row-wise rule: ``(table, column, rule, severity)`` to count."""
        return dict(self._count)

    def add(self, problem: Problem) -> None:
        """Add one problem."""
        (self.errors if problem.severity == "error" else self.warnings).append(problem)

    def extend(self, problems: list[Problem]) -> None:
        """Add several problems."""
        for p in problems:
            self.add(p)

    def rows(
        self,
        table: str,
        column: str | None,
        rule: str,
        mask: np.ndarray,
        value: Callable[[int], str | None],
        message: Callable[[int, str | None], str],
        *,
        severity: Literal["error", "warning"] = "error",
        what: str | None = None,
    ) -> int:
        """Add one problem per True entry of ``mask`` (0-based row positions).

        Parameters
        ----------
        value
            The offending value of a row position, as text.
        message
            The message for a row position and its value.
        what
            How the summary names the problem (default: ``rule``).

        Returns
        -------
        int
            The number of rows flagged.
        """
        idx = np.flatnonzero(mask)
        return self.positions(table, column, rule, idx, value, message, severity=severity, what=what)

    def positions(
        self,
        table: str,
        column: str | None,
        rule: str,
        idx: np.ndarray,
        value: Callable[[int], str | None],
        message: Callable[[int, str | None], str],
        *,
        severity: Literal["error", "warning"] = "error",
        what: str | None = None,
    ) -> int:
        """As :meth:`rows`, for an array of 0-based row positions (in order)."""
        n = len(idx)
        if n == 0:
            return 0
        key = (table, column, rule, severity)
        done = self._count.get(key, 0)
        room = max(self.cap - done, 0)
        for i in idx[:room]:
            i = int(i)
            v = value(i)
            self.add(Problem(table, i + 1, column, v, rule, message(i, v), severity))
        self._count[key] = done + n
        rest = n - min(room, n)
        if rest:
            col = f" in column {column!r}" if column else ""
            self.add(
                Problem(
                    table,
                    None,
                    column,
                    None,
                    rule,
                    f"{rest} more row{'s' if rest != 1 else ''} of {table}{col} break the rule "
                    f"{what or rule!r} (only the first {self.cap} are listed)",
                    severity,
                )
            )
        return n
