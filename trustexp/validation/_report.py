"""The result of validating a trial folder: every problem found, in one report."""

from __future__ import annotations

import json
import re
from collections import Counter
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
    counts
        ``(table, column, rule, severity)`` to the true number of rows of a
        row-wise rule (the problems list at most the first 1000 of them).
    language
        ``[trial] language`` of ``trial.toml`` where declared (for messages).
    export_names
        Table to (contract column to the export's own column name), for the
        columns that ``[columns]`` or a case-insensitive match renamed.
    """

    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...] = ()
    files: Mapping[str, Path] = field(default_factory=dict)
    rows: Mapping[str, int] = field(default_factory=dict)
    counts: Mapping[tuple[str, str | None, str, str], int] = field(default_factory=dict)
    language: str | None = None
    export_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """Whether the folder honours the contract (no errors; warnings allowed)."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"valid": ..., "errors": [...], "warnings": [...], "counts": [...]}``.

        The contract's shape, plus ``counts``: the true number of rows of each
        (table, column, rule, severity), also where only the first 1000 rows
        are listed.
        """
        counts = []
        for problems in (self.errors, self.warnings):
            for (sev, table, column, rule), group in _groups(problems).items():
                counts.append({"table": table, "column": column, "rule": rule, "severity": sev,
                               "count": self._count((sev, table, column, rule), group)})
        return {
            "valid": self.valid,
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
            "counts": counts,
        }

    def to_json(self) -> str:
        """The report as deterministic JSON (:meth:`to_dict`)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_frame(self) -> pd.DataFrame:
        """One row per problem: severity, table, row, column, value, rule, message."""
        records = [{"severity": p.severity, **p.to_dict()} for p in (*self.errors, *self.warnings)]
        frame = pd.DataFrame.from_records(records, columns=["severity", *_FIELDS])
        return frame.astype({"row": "Int64"})

    def to_text(self, *, per_rule: int = TEXT_PER_RULE, lang: str = "en") -> str:
        """A readable report: problems grouped by table, column and rule.

        Each group shows the true number of rows, the offending values
        summarised (dates by the form they were written in), the first rows
        (with the spreadsheet row beside the contract's row for CSV and Excel
        files), and a hint how to fix it.

        Parameters
        ----------
        per_rule
            How many rows of one group to list before the rest is only counted.
        lang
            ``"en"`` or ``"nl"``.
        """
        from trustexp.texts import catalogue

        cat = catalogue("validate", lang)
        lines: list[str] = []
        if self.files:
            lines.append(cat["report.files"])
            for name, path in self.files.items():
                count = self.rows.get(name)
                rows = f" ({cat.t('report.rows', count=count)})" if count is not None else ""
                lines.append(f"  {name}: {path}{rows}")
            lines.append("")
        for key, problems in (("report.errors", self.errors), ("report.warnings", self.warnings)):
            if not problems:
                continue
            groups = _groups(problems)
            total = sum(self._count(k, g) for k, g in groups.items())
            lines.append(cat.t(key, count=total, groups=len(groups)))
            for k, group in groups.items():
                lines.extend(self._group_lines(k, group, per_rule, cat))
            lines.append("")
        if self.valid:
            lines.append(cat.t("report.valid_warnings", count=len(self.warnings)) if self.warnings
                         else cat["report.valid"])
        else:
            total = sum(self._count(k, g) for k, g in _groups(self.errors).items())
            lines.append(cat.t("report.invalid", count=total))
        return "\n".join(lines)

    def count(self, table: str, column: str | None, rule: str, severity: str = "error") -> int:
        """The true number of rows (or problems) of one rule in one column."""
        problems = self.errors if severity == "error" else self.warnings
        group = [p for p in problems if (p.table, p.column, p.rule) == (table, column, rule)]
        return self._count((severity, table, column, rule), group)

    def _count(self, key: tuple[str, str, str | None, str], group: list[Problem]) -> int:
        severity, table, column, rule = key
        counted = self.counts.get((table, column, rule, severity))
        if counted is not None:
            return counted + sum(1 for p in group if p.row is None and not _is_summary(p))
        return len(group)

    def _group_lines(self, key: tuple[str, str, str | None, str], group: list[Problem],
                     per_rule: int, cat: Any) -> list[str]:
        severity, table, column, rule = key
        rule_key = rule if f"rule.{rule}.title" in cat else "other"
        if rule == "type" and _is_date(table, column):
            rule_key = "type-date"
        counted = (table, column, rule, severity) in self.counts
        where = table if column is None or table == "trial.toml" else f"{table}, {cat.t('report.column', column=column)}"
        export = self.export_names.get(table, {}).get(column or "")
        if export:
            where += f" ({cat.t('report.export_name', column=export)})"
        head = f"  - {where}: "
        if counted:
            n = self._count(key, group)
            head += (cat["report.count_one"] if n == 1 else cat.t("report.count", count=n)) + ": "
        head += f"{cat[f'rule.{rule_key}.title']} [{rule}]"
        lines = [head]
        listed = [p for p in group if not _is_summary(p)]
        with_rows = [p for p in listed if p.row is not None]
        if counted and with_rows:
            values = _values_summary(table, column, [p.value for p in with_rows], cat)
            if values:
                lines.append(f"      {cat['report.values']}: {values}")
            spread = self.files.get(table)
            offset = 1 if spread is not None and Path(spread).suffix.lower() in (".csv", ".xlsx") else 0
            shown = []
            for p in with_rows[:per_rule]:
                row = p.row or 0
                extra = f" ({cat.t('report.spreadsheet', row=row + offset)})" if offset else ""
                shown.append(f"{p.row}{extra}")
            rest = self._count(key, group) - len(shown)
            more = f", {cat.t('report.more_rows', count=rest)}" if rest > 0 else ""
            lines.append(f"      {cat['report.rows_listed']}: {', '.join(shown)}{more}")
            if cat.lang == "en" or rule_key == "other":
                lines.append(f"      e.g. {with_rows[0].message}")
        else:
            for p in listed[:per_rule]:
                at = f"row {p.row}: " if p.row is not None and not counted else ""
                lines.append(f"      {at}{p.message}")
            if len(listed) > per_rule:
                lines.append(f"      ... {cat.t('report.more_rows', count=len(listed) - per_rule)}")
        lines.append(f"      {cat['report.fix']}: {cat[f'rule.{rule_key}.hint']}")
        return lines

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


def _is_summary(p: Problem) -> bool:
    """The collector's "N more rows" problem of a capped rule."""
    return p.row is None and p.value is None and " more row" in p.message and "(only the first" in p.message


def _groups(problems: Iterable[Problem]) -> dict[tuple[str, str, str | None, str], list[Problem]]:
    out: dict[tuple[str, str, str | None, str], list[Problem]] = {}
    for p in problems:
        out.setdefault((p.severity, p.table, p.column, p.rule), []).append(p)
    order = sorted(out, key=lambda k: (_TABLE_ORDER.index(k[1]) if k[1] in _TABLE_ORDER else 99, k[1]))
    return {k: out[k] for k in order}


def _shape(value: str, date: bool) -> str:
    """The form a value was written in: ``18/03/2019`` -> ``DD/MM/YYYY``; digits as 9 otherwise."""
    parts = re.findall(r"\d+|\D+", value.strip())
    if not date:
        return "".join("9" * len(x) if x.isdigit() else x for x in parts)
    runs = [x for x in parts if x.isdigit()]
    if len(runs) == 3:
        names = ["YYYY", "MM", "DD"] if len(runs[0]) == 4 else ["DD", "MM", "YYYY" if len(runs[2]) == 4 else "YY"]
        it = iter(names)
        return "".join(next(it) if x.isdigit() else x for x in parts)
    return "".join("9" * len(x) if x.isdigit() else x for x in parts)


def _is_date(table: str, column: str | None) -> bool:
    from trustexp.validation._schema import table_spec

    if column is None or table not in ("participants", "monthly", "survey", "takeup"):
        return False
    f = table_spec(table).field(column)
    return f is not None and f.type == "date"


def _values_summary(table: str, column: str | None, values: list[str | None], cat: Any) -> str:
    present = [v for v in values if v is not None]
    if not present or column is None:
        return ""
    date = False
    formats: tuple[str, ...] = ()
    try:
        from trustexp.validation._schema import table_spec

        f = table_spec(table).field(column)
        if f is not None and f.type == "date":
            date, formats = True, f.formats
    except Exception:  # trial.toml or an unknown table: no schema
        pass
    if date:
        shapes = Counter(_shape(v, True) for v in present)
        text = "; ".join(f"{n} {cat.t('report.written', shape=s)}" for s, n in shapes.most_common(3))
        human = ", ".join(x.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD") for x in formats)
        return f"{text}; {cat.t('report.accepted', formats=human)}"
    counts = Counter(present)
    if len(counts) <= 5:
        return ", ".join(f"{v!r} ({n})" for v, n in counts.most_common())
    shapes = Counter(_shape(v, False) for v in present)
    distinct = ", ".join(f"{v!r}" for v, _ in counts.most_common(5))
    return f"{len(counts)} distinct ({distinct}, ...); " + "; ".join(
        f"{n} {cat.t('report.written', shape=s)}" for s, n in shapes.most_common(3)
    )
