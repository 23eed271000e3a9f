"""Exports next to the report: tables as CSV and one XLSX workbook, figures as SVG and PNG,
results as JSON.

Everything exported went through the same disclosure control as the report:
tables hold the released values (``"<10"`` for a small count, empty for a
withheld estimate) and the results JSON has small counts and the statistics of
small groups withheld. Text cells that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@`` after any leading whitespace or
control characters, or with a tab or a carriage return) get a leading
apostrophe, and CSV fields are quoted wherever a reader could split them
(:mod:`trustexp._csvsafe`); XLSX cells lose the control characters that the
format cannot hold. The folder appears whole or not at all.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trustexp._atomic import atomic_dir, check_new_dir
from trustexp._csvsafe import csv_text, neutralise
from trustexp._message import text as _t
from trustexp.disclosure import Released
from trustexp.errors import InputError
from trustexp.reporting.i18n import Locale
from trustexp.reporting.sections import Figure
from trustexp.reporting.tables import Table

__all__ = ["check_export_dir", "neutralise", "output_check_csv", "results_json", "write_exports"]

_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: Characters an XLSX cell cannot hold (XML 1.0 forbids them).
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return neutralise(value)


def results_json(ev: Any, released: Released) -> str:
    """The evaluation's results JSON (the contract's results object) from the gate's records."""
    data = ev.to_dict(released=released)
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def output_check_csv(released: Released, tables: Sequence[Table],
                     figures: Sequence[Figure]) -> str:
    """The output-check log: every value withheld (with its rule) and every table and figure out.

    In the spirit of the output check of a statistics office's remote-access
    environment: a reviewer sees what left, and what was kept back and why.
    """
    rows: list[list[Any]] = [["kind", "name", "row", "key", "column", "rule"]]
    rows += [["table", t.id, "", "", "", ""] for t in tables]
    rows += [["figure", f.id, "", "", "", ""] for f in figures]
    rows += [["results", name, "", "", "", ""] for name in released.records]
    rows += [["withheld", r.frame, r.row, r.key, r.column, r.rule]
             for r in released.log.itertuples(index=False)]
    rows += [["note", "", "", note, "", ""] for note in released.notes]
    return csv_text(rows)


def _cell(value: Any) -> Any:
    """A value as an XLSX cell can hold it: no NaN, no formula, no XML-illegal character."""
    value = _clean(value)
    return _XLSX_ILLEGAL.sub("\ufffd", value) if isinstance(value, str) else value


def _fix_zip(data: bytes, stamp: datetime) -> bytes:
    """Rewrite an XLSX zip with fixed member times and document dates (stable bytes)."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = payload.decode("utf-8")
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              rf"\g<1>{iso}\g<3>", text)
                payload = text.encode("utf-8")
            member = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, payload)
    return out.getvalue()


def check_export_dir(path: str | Path) -> Path:
    """Return ``path`` once it can become a new export folder: absent, or an empty folder.

    Raises
    ------
    InputError
        When ``path`` is a file or a folder that is not empty, or its parent is missing.
    """
    path = check_new_dir(
        path,
        not_folder=_t("write.export_not_folder", path=path),
        not_empty=_t("write.export_not_empty", path=path),
    )
    if not path.parent.is_dir():
        raise InputError(_t("write.export_no_parent", path=path, folder=path.parent))
    return path


def write_exports(
    path: str | Path,
    *,
    tables: Sequence[Table],
    figures: Sequence[Figure],
    results: str,
    loc: Locale,
    output_check: str | None = None,
    source_date_epoch: int | None = None,
    progress: Callable[[str], None] | None = None,
    csv_dialect: str | None = None,
) -> Path:
    """Write every table, figure and the results JSON into a new folder ``path``.

    Parameters
    ----------
    path
        The export folder; it must not exist yet, or be empty.
    tables, figures
        From the report's content.
    results
        The disclosure-controlled results JSON (:func:`results_json`).
    output_check
        The output-check log (:func:`output_check_csv`), written as ``output-check.csv``.
    loc
        The report language (column headers).
    source_date_epoch
        Time stamp written into XLSX files; 2000-01-01 when absent, so that the
        files are the same from run to run.
    progress
        Called with the name of each file as it is written.
    csv_dialect
        ``"nl"``, ``"en"`` or ``"plain"`` (see :mod:`trustexp.reporting.workbook`);
        default the report language's. Every table is also a sheet of one
        workbook (``tabellen.xlsx`` / ``tables.xlsx``) with the notes and the
        output check.
    """
    from trustexp.reporting.workbook import (
        check_dialect,
        table_csv,
        workbook_name,
        workbook_xlsx,
    )

    dialect = check_dialect(csv_dialect, loc.lang)
    stamp = datetime.fromtimestamp(source_date_epoch if source_date_epoch is not None
                                   else 946684800, tz=UTC).replace(tzinfo=None)
    with atomic_dir(check_export_dir(path), kind=_t("write.kind.export_folder")) as tmp:
        for table in tables:
            if progress:
                progress(f"{table.id}.csv")
            (tmp / f"{table.id}.csv").write_bytes(table_csv(table, loc, dialect))
        if progress:
            progress(workbook_name(loc))
        (tmp / workbook_name(loc)).write_bytes(
            workbook_xlsx(tables, loc, stamp, output_check=output_check))
        for fig in figures:
            if progress:
                progress(f"{fig.id}.png")
            (tmp / f"{fig.id}.svg").write_text(fig.standalone_svg(), encoding="utf-8")
            (tmp / f"{fig.id}.png").write_bytes(fig.canvas.to_png())
        (tmp / "results.json").write_text(results, encoding="utf-8")
        if output_check is not None:
            (tmp / "output-check.csv").write_text(output_check, encoding="utf-8")
    return Path(path)
