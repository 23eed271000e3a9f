"""The self-contained HTML report of an evaluation, and its exports.

>>> ev = trustexp.evaluate("my-trial")                     # doctest: +SKIP
>>> trustexp.report(ev, "rapport.html", export_dir="tabellen")  # doctest: +SKIP

The report is one HTML file with inline CSS and inline SVG figures, no
JavaScript and no external request; it is deterministic (same inputs, same
bytes) and passes through small-cell disclosure control.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trustexp._atomic import atomic_group, check_folder_of, check_output, write_atomic
from trustexp._message import text as _t
from trustexp.disclosure import check_min_cell
from trustexp.errors import OptionError
from trustexp.reporting.disclosure import Disclosure
from trustexp.reporting.i18n import Locale, check_language

__all__ = ["report"]


def _epoch(value: int | str | None) -> int | None:
    if value is None:
        value = os.environ.get("SOURCE_DATE_EPOCH") or None
        if value is None:
            return None
    try:
        epoch = int(value)
    except (TypeError, ValueError):
        raise OptionError(_t("report.epoch_number", value=repr(value))) from None
    if epoch < 0:
        raise OptionError(_t("report.epoch_negative", value=epoch))
    return epoch


def report(
    evaluation: Any,
    path: str | Path,
    *,
    lang: str | None = None,
    template_dir: str | Path | None = None,
    export_dir: str | Path | None = None,
    min_cell: int | None = None,
    progress: Callable[[str], None] | None = None,
    source_date_epoch: int | None = None,
    csv_dialect: str | None = None,
    format: str | None = None,
) -> Path:
    """Write the HTML report of an evaluation.

    Parameters
    ----------
    evaluation
        The result of :func:`trustexp.evaluate`.
    path
        The HTML file to write. It is replaced atomically: on any error an
        existing file is left as it was and no partial file remains. It must
        not be one of the trial's input files nor lie inside its folder.
    lang
        ``"nl"`` or ``"en"``; default ``language`` in ``trial.toml``.
    template_dir
        A folder whose templates replace packaged ones of the same name (for
        example ``sections/summary.html.j2``); the rest come from trustexp.
    export_dir
        If given, a new (absent or empty) folder that receives every table as
        CSV and XLSX, every figure as SVG and PNG, and ``results.json``; it
        appears together with the report or not at all.
    min_cell
        Smallest group shown; default ``[analysis] min_cell`` (10). Below 10 the
        report says so on its first page; 0 turns the protection off.
    progress
        Called with a short description of each step.
    csv_dialect
        The CSV files of ``export_dir``: ``"nl"`` (semicolon, decimal comma,
        UTF-8 with BOM), ``"en"``, ``"plain"``; default the report language's.
    format
        ``"html"`` or ``"docx"`` (an editable Word document with the same
        sections, tables, figures and texts); default from the file name's
        suffix (``.docx``), else HTML.
    source_date_epoch
        Date printed on the report, as seconds since 1970 (UTC); default the
        ``SOURCE_DATE_EPOCH`` environment variable; without either, no date.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    OptionError
        An option out of range (language, ``min_cell``, ``SOURCE_DATE_EPOCH``).
    InputError
        The output cannot be written, the export folder exists and is not
        empty, or a template folder is missing or broken.
    """
    from trustexp.reporting.render import render_html
    from trustexp.reporting.sections import build_content

    config = evaluation.config
    loc = Locale(check_language(lang or config.language)).with_texts(template_dir)
    cells = check_min_cell(config.analysis.min_cell if min_cell is None else min_cell,
                           where="report")
    epoch = _epoch(source_date_epoch)
    fmt = _format(format, path)
    if export_dir is not None:
        from trustexp.reporting.workbook import check_dialect

        check_dialect(csv_dialect, loc.lang)
    path = check_folder_of(path)
    files = dict(getattr(getattr(evaluation, "trial", None), "files", None) or {})
    folder = Path(files["trial.toml"]).parent if "trial.toml" in files else None
    check_output(path, what="the report", inputs=files.values(), folder=folder)
    if export_dir is not None:
        check_output(export_dir, what="the export folder", inputs=files.values(), folder=folder)
    if export_dir is not None:
        from trustexp.reporting.export import check_export_dir

        check_export_dir(export_dir)
    disclosure = Disclosure(cells)
    date = loc.timestamp(epoch) if epoch is not None else None

    def step(name: str) -> None:
        if progress is not None:
            progress(name)

    step("disclosure")
    released = evaluation.released(min_cell=cells)
    content = build_content(evaluation, loc, disclosure, released, date=date, progress=step)
    step("html")
    html = render_html(content, loc, template_dir=template_dir)
    with atomic_group():  # the report and its exports appear together or not at all
        if export_dir is not None:
            from trustexp.reporting.export import output_check_csv, results_json, write_exports

            step("export")
            write_exports(export_dir, tables=content.tables, figures=content.figures,
                          results=results_json(evaluation, released), loc=loc,
                          output_check=output_check_csv(released, content.tables,
                                                        content.figures),
                          source_date_epoch=epoch, progress=step, csv_dialect=csv_dialect)
        if fmt == "docx":
            from trustexp.reporting.docx import docx_bytes

            step("docx")
            write_atomic(path, docx_bytes(html, content, loc, epoch))
        else:
            write_atomic(path, html)
    return path


def _format(value: str | None, path: str | Path) -> str:
    if value is None:
        return "docx" if str(path).lower().endswith(".docx") else "html"
    if value not in ("html", "docx"):
        raise OptionError(_t("options.invalid", name="'format'", func="report",
                             expected=_t("options.expected.one_of", values=["docx", "html"]),
                             value=repr(value)))
    return value
