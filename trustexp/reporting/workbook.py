"""The export tables as spreadsheets that open well: one workbook, and CSV in the reader's dialect.

The workbook (``tabellen.xlsx`` in Dutch, ``tables.xlsx`` in English) has a
contents sheet, one named sheet per table of the report (its caption above
the header, its notes below), a notes sheet and the output-check log (every
value withheld, with its rule). The CSV files follow the report language
unless a dialect is chosen:

``nl``
    Semicolon separator, decimal comma, UTF-8 with a byte-order mark: what
    Dutch Excel reads as columns, with "Súdwest-Fryslân" intact.
``en``
    Comma separator, decimal point, UTF-8 with a byte-order mark.
``plain``
    Comma, decimal point, UTF-8 without a mark (for scripts; the old form).

Numbers are rounded to the decimals the report shows; ``results.json`` beside
them holds the full precision. Text cells are neutralised for spreadsheets
(:func:`trustexp.reporting.export.neutralise`).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from trustexp.errors import OptionError
from trustexp.reporting.i18n import Locale
from trustexp.reporting.tables import Table

__all__ = ["DIALECTS", "CsvDialect", "check_dialect", "table_csv", "workbook_name",
           "workbook_xlsx"]

DialectName = Literal["nl", "en", "plain"]


@dataclass(frozen=True, slots=True)
class CsvDialect:
    """How a CSV file is written: separator, decimal mark, encoding."""

    name: str
    delimiter: str
    decimal: str
    encoding: str

    def read_kwargs(self) -> dict[str, Any]:
        """The :func:`pandas.read_csv` arguments that read such a file back."""
        return {"sep": self.delimiter, "decimal": self.decimal, "encoding": self.encoding}


DIALECTS: dict[str, CsvDialect] = {
    "nl": CsvDialect("nl", ";", ",", "utf-8-sig"),
    "en": CsvDialect("en", ",", ".", "utf-8-sig"),
    "plain": CsvDialect("plain", ",", ".", "utf-8"),
}


def check_dialect(value: str | None, lang: str, *, where: str = "report") -> CsvDialect:
    """The CSV dialect named ``value`` (None: the one of the report language)."""
    if value is None:
        return DIALECTS[lang]
    if value not in DIALECTS:
        raise OptionError(f"The 'csv_dialect' parameter of {where} must be one of "
                          f"{sorted(DIALECTS)} or None. Got {value!r} instead.")
    return DIALECTS[value]


def _neutral(value: Any) -> Any:
    """A cell value a spreadsheet shows as it is: no formula, no control character."""
    from trustexp.reporting.export import _cell, neutralise

    if isinstance(value, float) and not math.isfinite(value):
        return None
    return _cell(neutralise(value))


def _field(value: Any, dialect: CsvDialect) -> str:
    value = _neutral(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        text = repr(value)
        if "e" in text or "E" in text:
            text = f"{value:.12f}".rstrip("0").rstrip(".")
        return text.replace(".", dialect.decimal)
    return str(value)


def table_csv(table: Table, loc: Locale, dialect: CsvDialect) -> bytes:
    """One table as CSV bytes in ``dialect`` (rounded as the report shows it)."""
    header, rows = table.export_rows(loc.t("doc.low"), loc.t("doc.high"), rounded=True)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=dialect.delimiter, lineterminator="\r\n"
                        if dialect.name != "plain" else "\n")
    writer.writerow([_field(h, dialect) for h in header])
    for row in rows:
        writer.writerow([_field(v, dialect) for v in row])
    return buf.getvalue().encode(dialect.encoding)


def workbook_name(loc: Locale) -> str:
    """The workbook's file name: ``tabellen.xlsx`` or ``tables.xlsx``."""
    return loc.t("workbook.file")


def _sheet_names(tables: Sequence[Table], reserved: Sequence[str]) -> list[str]:
    """Readable, unique sheet names (Excel: at most 31 characters, no []:*?/\\)."""
    used = {r.lower() for r in reserved}
    out = []
    for t in tables:
        base = re.sub(r"[\[\]:*?/\\']", " ", t.caption or t.id)
        base = re.sub(r"\s+", " ", base).strip()[:28].rstrip() or t.id[:28]
        name, k = base, 2
        while name.lower() in used:
            name = f"{base[:26]} {k}"
            k += 1
        used.add(name.lower())
        out.append(name)
    return out


def workbook_xlsx(tables: Sequence[Table], loc: Locale, stamp: datetime, *,
                  output_check: str | None = None) -> bytes:
    """The workbook: contents, one sheet per table, notes, output check (stable bytes)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from trustexp.reporting.export import _fix_zip

    bold = Font(bold=True)
    wb = Workbook()
    contents = wb.active
    contents.title = loc.t("workbook.contents")
    notes_name, check_name = loc.t("workbook.notes"), loc.t("workbook.output_check")
    names = _sheet_names(tables, [contents.title, notes_name, check_name])
    contents.append([loc.t("workbook.sheet"), loc.t("workbook.caption"), loc.t("workbook.csv")])
    for cell in contents[1]:
        cell.font = bold
    for name, t in zip(names, tables, strict=True):
        contents.append([name, _neutral(t.caption), f"{t.id}.csv"])
    _widths(contents)
    notes_rows: list[list[Any]] = [[loc.t("workbook.sheet"), loc.t("workbook.note")]]
    for name, t in zip(names, tables, strict=True):
        ws = wb.create_sheet(name)
        header, rows = t.export_rows(loc.t("doc.low"), loc.t("doc.high"), rounded=True)
        ws.append([_neutral(t.caption)])
        ws["A1"].font = bold
        ws.append([_neutral(h) for h in header])
        for cell in ws[2]:
            cell.font = bold
        for row in rows:
            ws.append([_neutral(v) for v in row])
        if t.notes:
            ws.append([])
            for note in t.notes:
                ws.append([_neutral(note)])
                notes_rows.append([name, _neutral(note)])
        ws.freeze_panes = "A3"
        _widths(ws, start=2)
    notes = wb.create_sheet(notes_name)
    notes.append([loc.t("workbook.precision")])
    notes.append([])
    for row in notes_rows:
        notes.append(row)
    notes["A3"].font = bold
    _widths(notes)
    if output_check is not None:
        log = wb.create_sheet(check_name)
        for i, row in enumerate(csv.reader(io.StringIO(output_check))):
            log.append([_neutral(v) for v in row])
            if i == 0:
                for cell in log[1]:
                    cell.font = bold
        _widths(log)
    wb.properties.creator = "trustexp"
    wb.properties.created = stamp
    buf = io.BytesIO()
    wb.save(buf)
    return _fix_zip(buf.getvalue(), stamp)


def _widths(ws: Any, start: int = 1) -> None:
    widths: dict[str, int] = {}
    for row in ws.iter_rows(min_row=start):
        for cell in row:
            if cell.value is not None:
                widths[cell.column_letter] = max(widths.get(cell.column_letter, 0),
                                                 len(str(cell.value)))
    for letter, w in widths.items():
        ws.column_dimensions[letter].width = min(60, w + 2)
