"""The report's tables as data: one model feeds the HTML, the CSV and the XLSX exports.

A :class:`Table` holds, for each cell, the text shown in the report (in the
report's locale) and the value exported (a number, or text such as ``"<10"``
for a suppressed count), both already through disclosure control.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from trustexp.disclosure import Withheld
from trustexp.reporting.disclosure import Disclosure
from trustexp.reporting.i18n import DASH, Locale

__all__ = ["Cell", "Row", "Table", "TableBuilder"]

CellKind = Literal["text", "num", "count", "code"]


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell.

    Attributes
    ----------
    text
        What the report shows.
    value
        What the exports hold: ``int``/``float`` for numbers, ``str`` for text
        (including the suppression mark), ``None`` for an empty cell.
    kind
        ``"count"`` for counts of people (right-aligned, disclosure-controlled),
        ``"num"`` for other numbers, ``"text"`` otherwise.
    header
        The row's header cell (``<th scope="row">``).
    """

    text: str
    value: Any = None
    kind: CellKind = "text"
    header: bool = False
    suppressed: bool = False
    digits: int | None = None


Row = tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A captioned table with column headers, groups of rows and footnotes.

    Attributes
    ----------
    groups
        ``(title, rows)`` pairs; a title (for example an outcome) heads its
        rows in the report, and becomes the first column of the exports
        (headed ``group_column``). A ``None`` title means no heading.
    repeats
        ``(group, row)`` positions of the rows that repeat, cell for cell, numbers
        another table of the report shows: the printed report leaves them out.
    """

    id: str
    caption: str
    columns: tuple[str, ...]
    groups: tuple[tuple[str | None, tuple[Row, ...]], ...]
    notes: tuple[str, ...] = ()
    group_column: str | None = None
    repeats: frozenset[tuple[int, int]] = frozenset()

    def repeated(self, group: int, row: int) -> bool:
        """Whether row ``row`` of group ``group`` repeats numbers shown in another table.

        Parameters
        ----------
        group, row
            Positions (from 0) in :attr:`groups` and in that group's rows.

        Returns
        -------
        bool
            True for a row that the printed report leaves out.
        """
        return (group, row) in self.repeats

    @property
    def rows(self) -> tuple[Row, ...]:
        """All rows, groups flattened."""
        return tuple(row for _, rows in self.groups for row in rows)

    @property
    def suppressed(self) -> bool:
        """Whether any cell was suppressed."""
        return any(c.suppressed for row in self.rows for c in row)

    def export_rows(self, low: str, high: str, *,
                    rounded: bool = False) -> tuple[list[str], list[list[Any]]]:
        """Header and rows for CSV/XLSX.

        Interval columns are split in two (``low``/``high``), and the group
        titles become a first column. With ``rounded``, numbers are rounded to
        the decimals the report shows (the full precision is in results.json).
        """
        pairs = [any(isinstance(r[j].value, tuple) for r in self.rows)
                 for j in range(len(self.columns))]
        header: list[str] = [self.group_column] if self.group_column else []
        for col, pair in zip(self.export_columns(), pairs, strict=True):
            header.extend([f"{col} ({low})", f"{col} ({high})"] if pair else [col])
        out = []
        for title, rows in self.groups:
            for row in rows:
                values: list[Any] = [title] if self.group_column else []
                for cell, pair in zip(row, pairs, strict=True):
                    value = _rounded(cell) if rounded else cell.value
                    if pair:
                        values.extend(value if isinstance(value, tuple) else (None, None))
                    else:
                        values.append(value)
                out.append(values)
        return header, out

    def export_columns(self) -> tuple[str, ...]:
        """The column headers, each named once: a repeated header gets the column before it.

        A wide table may head several columns alike (Table 1's ``d`` after each
        arm); in a spreadsheet each column needs its own name, so a repeat
        becomes ``"d (Arm)"`` after the nearest column with a header of its own.
        """
        counts: dict[str, int] = {}
        for col in self.columns:
            counts[col] = counts.get(col, 0) + 1
        out: list[str] = []
        last = ""
        for col in self.columns:
            if counts[col] > 1 and last:
                out.append(f"{col} ({last})")
            else:
                out.append(col)
                last = col
        seen: set[str] = set()
        for i, name in enumerate(out):
            base, k = name, 2
            while name in seen:
                name, k = f"{base} {k}", k + 1
            seen.add(name)
            out[i] = name
        return tuple(out)

    def numeric_columns(self) -> tuple[bool, ...]:
        """For each column, whether its cells are numbers (right-aligned headers)."""
        out = []
        for j in range(len(self.columns)):
            kinds = {row[j].kind for row in self.rows if j < len(row)}
            out.append(bool(kinds) and kinds <= {"num", "count"})
        return tuple(out)


@dataclass
class TableBuilder:
    """Build a :class:`Table` row by row, applying locale and disclosure control.

    Parameters
    ----------
    loc, disclosure
        The report's locale and suppression rule.
    id, caption, columns
        The table's id (file name of its exports), caption and column headers.
    """

    loc: Locale
    disclosure: Disclosure
    id: str
    caption: str
    columns: Sequence[str]
    group_column: str | None = None
    groups: list[tuple[str | None, list[Row]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    estimate_suppressed: bool = False
    marks: set[str] = field(default_factory=set)
    repeats: set[tuple[int, int]] = field(default_factory=set)

    # -- cells ---------------------------------------------------------------
    def text(self, value: Any, *, header: bool = False) -> Cell:
        """A text cell (user strings are escaped later, by the template)."""
        if value is None:
            return Cell(DASH, None, header=header)
        return Cell(str(value), str(value), header=header)

    def count(self, n: Any) -> Cell:
        """A count of people: its mark when the gate withheld it (never a small count)."""
        if isinstance(n, Withheld):
            self.marks.add(n.rule)
            return Cell(n.mark, n.mark, kind="count", suppressed=True)
        released = self.disclosure.count(n)
        if released is None:
            return Cell(DASH, None, kind="count")
        if isinstance(released, str):
            return Cell(released, released, kind="count", suppressed=True)
        return Cell(self.loc.integer(released), released, kind="count")

    def number(self, x: Any, digits: int = 2, *, sign: bool = False, suffix: str = "",
               prefix: str = "", withheld: bool = False, scale: float = 1.0) -> Cell:
        """A number shown with ``digits`` decimals; ``withheld`` shows a dash (too few people)."""
        if withheld or isinstance(x, Withheld):
            self.estimate_suppressed = True
            return Cell(DASH, None, kind="num")
        if x is None or _nan(x):
            return Cell(DASH, None, kind="num")
        value = float(x) * scale
        return Cell(prefix + self.loc.number(value, digits, sign=sign) + suffix,
                    round(value, 10), kind="num", digits=digits)

    def p(self, p: Any, *, withheld: bool = False) -> Cell:
        """A p-value."""
        if withheld or isinstance(p, Withheld):
            self.estimate_suppressed = True
            return Cell(DASH, None, kind="num")
        if p is None or _nan(p):
            return Cell(DASH, None, kind="num")
        return Cell(self.loc.p_value(p), float(p), kind="num", digits=3)

    def interval(self, low: Any, high: Any, digits: int, *, scale: float = 1.0,
                 withheld: bool = False) -> Cell:
        """A confidence interval "a tot b" / "a to b" (exported as text)."""
        if withheld or isinstance(low, Withheld) or isinstance(high, Withheld):
            self.estimate_suppressed = True
            return Cell(DASH, None, kind="num")
        if low is None or high is None or _nan(low) or _nan(high):
            return Cell(DASH, None, kind="num")
        lo = self.loc.number(float(low) * scale, digits)
        hi = self.loc.number(float(high) * scale, digits)
        text = f"{lo} {self.loc.t('doc.to')} {hi}"
        return Cell(text, (round(float(low) * scale, 10), round(float(high) * scale, 10)),
                    kind="num", digits=digits)

    # -- rows ----------------------------------------------------------------
    def group(self, title: str | None) -> None:
        """Start a new group of rows under ``title``."""
        self.groups.append((title, []))

    def add(self, *cells: Cell, repeat: bool = False) -> None:
        """Append a row to the current group; the first cell becomes the row header.

        Parameters
        ----------
        *cells
            The row's cells.
        repeat
            The row repeats numbers another table shows (the pooled row of a
            per-site table): it is on the screen, not on paper.
        """
        if cells and not cells[0].header:
            first = cells[0]
            cells = (Cell(first.text, first.value, first.kind, True, first.suppressed,
                          first.digits), *cells[1:])
        if not self.groups:
            self.groups.append((None, []))
        if repeat:
            self.repeats.add((len(self.groups) - 1, len(self.groups[-1][1])))
        self.groups[-1][1].append(tuple(cells))

    def code(self, value: Any) -> Cell:
        """A cell shown in a monospace font (hashes, commands)."""
        if value is None:
            return Cell(DASH, None)
        return Cell(str(value), str(value), kind="code")

    def note(self, text: str) -> None:
        """Add a footnote below the table."""
        if text not in self.notes:
            self.notes.append(text)

    def build(self) -> Table:
        """Return the finished table, with the suppression footnotes it needs."""
        notes = list(self.notes)
        kept = [i for i, (_, rows) in enumerate(self.groups) if rows]
        groups = tuple((self.groups[i][0], tuple(self.groups[i][1])) for i in kept)
        repeats = frozenset((kept.index(g), r) for g, r in self.repeats)
        if "small" in self.marks or any(
                c.suppressed and c.text.startswith("<") for _, rows in groups for row in rows
                for c in row):
            notes.append(self.loc.t("doc.suppressed_note", min_cell=self.disclosure.min_cell))
        if self.marks - {"small"}:
            notes.append(self.loc.t("doc.secondary_note", min_cell=self.disclosure.min_cell))
        if self.estimate_suppressed:
            notes.append(
                self.loc.t("doc.suppressed_estimate_note", dash=DASH,
                           min_cell=self.disclosure.min_cell)
            )
        return Table(self.id, self.caption, tuple(self.columns), groups, tuple(notes),
                     self.group_column, repeats)


def _rounded(cell: Cell) -> Any:
    """A cell's export value rounded as its text is (p-values below 0.001 to three
    significant digits)."""
    v, d = cell.value, cell.digits
    if d is None or v is None:
        return v
    if isinstance(v, tuple):
        return tuple(round(x, d) for x in v)
    if isinstance(v, float) and d == 3 and 0 < v < 0.001:  # "< 0,001": three significant digits
        return round(v, 2 - math.floor(math.log10(v)))
    return round(v, d) if isinstance(v, float) else v


def _nan(x: Any) -> bool:
    try:
        return float(x) != float(x)
    except (TypeError, ValueError):
        return False
