"""The result of validating a trial folder: every problem found, in one report."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

__all__ = ["TEXT_PER_RULE", "Problem", "ValidationReport"]

#: How many problems of one (table, column, rule) the text report shows before
#: it counts the rest.
TEXT_PER_RULE = 10

_TABLE_ORDER = ("trial.toml", "participants", "monthly", "survey", "takeup")
_FIELDS = ("table", "row", "column", "value", "rule", "message")


@dataclass(frozen=True, slots=True)
class Problem:
    """One way in which a trial folder breaks (error) or strains (warning) the contract.

    Attributes
    ----------
    table
        ``"trial.toml"``, ``"participants"``, ``"monthly"``, ``"survey"`` or ``"takeup"``.
    row
        1-based among the table's data rows (the header is not counted); None
        for a problem of the whole table or column.
    column
        The column (or, for ``trial.toml``, the dotted key) concerned, if any.
    value
        The offending value as text, if any.
    rule
        A short machine code, e.g. ``"unique"``, ``"bsn"``, ``"enum"``.
    message
        A readable sentence.
    severity
        ``"error"`` breaks the contract; ``"warning"`` is worth a look.
    """

    table: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON shape of one problem."""
        return {k: getattr(self, k) for k in _FIELDS}


@dataclass(frozen=True)
class ValidationReport:
    """Every problem found in a trial folder.

    Attributes
    ----------
    errors
        Problems that break the contract; the folder is valid when there are none.
    warnings
        Problems worth a look that do not break the contract.
    files
        Table name (and ``"trial.toml"``) to the file that was read.
    rows
        Table name to its number of data rows.
    """

    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...] = ()
    files: Mapping[str, Path] = field(default_factory=dict)
    rows: Mapping[str, int] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """Whether the folder honours the contract (no errors; warnings allowed)."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"valid": ..., "errors": [...], "warnings": [...]}`` (the contract's shape)."""
        return {
            "valid": self.valid,
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
        }

    def to_json(self) -> str:
        """The report as deterministic JSON (:meth:`to_dict`)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_frame(self) -> pd.DataFrame:
        """One row per problem: severity, table, row, column, value, rule, message."""
        records = [{"severity": p.severity, **p.to_dict()} for p in (*self.errors, *self.warnings)]
        frame = pd.DataFrame.from_records(records, columns=["severity", *_FIELDS])
        return frame.astype({"row": "Int64"})

    def to_text(self, *, per_rule: int = TEXT_PER_RULE) -> str:
        """A readable report grouped by table.

        Parameters
        ----------
        per_rule
            How many problems of one (table, column, rule) to show before the
            rest is only counted.
        """
        lines: list[str] = []
        if self.files:
            lines.append("Files read:")
            for name, path in self.files.items():
                count = self.rows.get(name)
                rows = f" ({count} row{'s' if count != 1 else ''})" if count is not None else ""
                lines.append(f"  {name}: {path}{rows}")
            lines.append("")
        for title, problems in (("Errors", self.errors), ("Warnings", self.warnings)):
            if not problems:
                continue
            lines.append(f"{title} ({len(problems)}):")
            lines.extend(_grouped(problems, per_rule))
            lines.append("")
        if self.valid:
            extra = f", {len(self.warnings)} warning(s)" if self.warnings else ""
            lines.append(f"The trial folder follows the contract{extra}.")
        else:
            n = len(self.errors)
            lines.append(f"The trial folder breaks the contract: {n} error{'s' if n != 1 else ''}.")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self, *, limit: int = 200) -> str:
        """A notebook view: the verdict, the files read, and a table of the problems.

        At most ``limit`` problems are listed (errors first); the rest are counted.
        """
        import html

        e = html.escape
        verdict = ("The trial folder follows the contract" if self.valid else
                   f"The trial folder breaks the contract: {len(self.errors)} "
                   f"error{'s' if len(self.errors) != 1 else ''}")
        out = [f"<p><strong>{e(verdict)}</strong>"
               + (f", {len(self.warnings)} warning(s)" if self.warnings else "") + ".</p>"]
        if self.files:
            out.append("<table><thead><tr><th>table</th><th>file</th><th>rows</th></tr></thead>"
                       "<tbody>")
            for name, path in self.files.items():
                rows = self.rows.get(name)
                out.append(f"<tr><td>{e(name)}</td><td>{e(str(path))}</td>"
                           f"<td>{'' if rows is None else rows}</td></tr>")
            out.append("</tbody></table>")
        problems = [*self.errors, *self.warnings]
        if problems:
            cols = ("severity", *_FIELDS)
            out.append("<table><thead><tr>" + "".join(f"<th>{c}</th>" for c in cols)
                       + "</tr></thead><tbody>")
            for p in problems[:limit]:
                cells = [p.severity, *(getattr(p, k) for k in _FIELDS)]
                out.append("<tr>" + "".join(f"<td>{'' if v is None else e(str(v))}</td>"
                                            for v in cells) + "</tr>")
            out.append("</tbody></table>")
            if len(problems) > limit:
                out.append(f"<p>… and {len(problems) - limit} more (see .to_frame()).</p>")
        return "".join(out)


def _grouped(problems: Iterable[Problem], per_rule: int) -> list[str]:
    by_table: dict[str, list[Problem]] = {}
    for p in problems:
        by_table.setdefault(p.table, []).append(p)
    order = sorted(by_table, key=lambda t: (_TABLE_ORDER.index(t) if t in _TABLE_ORDER else 99, t))
    lines: list[str] = []
    for table in order:
        lines.append(f"  {table}:")
        shown: dict[tuple[str | None, str], int] = {}
        hidden: dict[tuple[str | None, str], int] = {}
        for p in by_table[table]:
            key = (p.column, p.rule)
            if shown.get(key, 0) >= per_rule:
                hidden[key] = hidden.get(key, 0) + 1
                continue
            shown[key] = shown.get(key, 0) + 1
            where = f"row {p.row}" if p.row is not None else ""
            if p.column is not None and p.table != "trial.toml":
                where = f"{where}, column {p.column}" if where else f"column {p.column}"
            prefix = f"{where}: " if where else ""
            lines.append(f"    - {prefix}{p.message} [{p.rule}]")
        for (column, rule), n in hidden.items():
            col = f" in column {column}" if column else ""
            lines.append(f"    ... and {n} more [{rule}]{col}")
    return lines
