"""The report as an editable Word document, made from the same page as the HTML report.

The rendered HTML (already through the disclosure gate and the templates) is
walked in document order: headings become Word headings, paragraphs and
list items paragraphs, tables Word tables (header row bold), and each figure
the PNG of its canvas with its caption beneath. So the Word version has the
same sections, tables, figures and texts as the HTML, in the same language,
and nothing the HTML does not show. The table of contents (links) is left
out; Word can insert its own.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from trustexp.reporting.i18n import Locale
from trustexp.reporting.sections import Content

__all__ = ["add_text_table", "docx_bytes"]

_HEADINGS = {"h1": 0, "h2": 1, "h3": 2, "h4": 3, "h5": 4}
_SKIP = {"style", "script", "nav", "svg", "head"}
_WS = re.compile(r"\s+")


def _text(el: Any) -> str:
    return _WS.sub(" ", el.text_content() or "").strip()


def add_text_table(doc: Any, rows: Sequence[Sequence[str]], *, header_rows: int = 1) -> Any:
    """Append a table of text to a python-docx document (first ``header_rows`` bold)."""
    width = max((len(r) for r in rows), default=0)
    if not rows or not width:
        return None
    table = doc.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for i, row in enumerate(rows):
        for j in range(width):
            cell = table.cell(i, j)
            cell.text = row[j] if j < len(row) else ""
            if i < header_rows:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    return table


def _table_rows(el: Any) -> tuple[list[list[str]], int]:
    rows: list[list[str]] = []
    header = 0
    for tr in el.iter("tr"):
        cells = [c for c in tr if c.tag in ("th", "td")]
        row: list[str] = []
        for c in cells:
            row.append(_text(c))
            row.extend([""] * (int(c.get("colspan", "1") or 1) - 1))
        if tr.getparent() is not None and tr.getparent().tag == "thead":
            header += 1
        rows.append(row)
    return rows, max(header, 1)


class _Writer:
    def __init__(self, doc: Any, figures: dict[str, Any]) -> None:
        self.doc = doc
        self.figures = figures

    def walk(self, el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP or "toc" in (el.get("class") or "").split():
            return
        if tag in _HEADINGS:
            text = _text(el)
            if text:
                self.doc.add_heading(text, level=_HEADINGS[tag])
            return
        if tag == "table":
            caption = el.find("caption")
            if caption is not None and _text(caption):
                self.doc.add_paragraph(_text(caption), style="Caption")
            rows, header = _table_rows(el)
            add_text_table(self.doc, rows, header_rows=header)
            return
        if tag == "figure":
            self.figure(el)
            return
        if tag in ("p", "li", "dt", "dd", "figcaption", "blockquote"):
            text = _text(el)
            if text:
                style = "List Bullet" if tag == "li" else None
                self.doc.add_paragraph(text, style=style)
            return
        for child in el:
            self.walk(child)

    def figure(self, el: Any) -> None:
        from docx.shared import Cm

        fid = (el.get("id") or "").removesuffix("-figure")
        fig = self.figures.get(fid)
        if fig is not None:
            self.doc.add_picture(io.BytesIO(fig.canvas.to_png()), width=Cm(16))
        for child in el:
            if isinstance(child.tag, str) and child.tag != "svg":
                self.walk(child)


def docx_bytes(html: str, content: Content, loc: Locale, epoch: int | None = None) -> bytes:
    """The Word document of a rendered report (stable bytes for a fixed ``epoch``).

    Parameters
    ----------
    html
        The report page (:func:`trustexp.reporting.render.render_html`).
    content
        Its content, for the figures' PNG images.
    loc
        The report language (document properties).
    epoch
        Creation time written into the document (default 2000-01-01).
    """
    import lxml.html
    from docx import Document

    from trustexp.reporting.export import _fix_zip

    page = lxml.html.document_fromstring(html)
    doc = Document()
    stamp = datetime.fromtimestamp(epoch if epoch is not None else 946684800, tz=UTC)
    props = doc.core_properties
    title = page.find(".//title")
    props.title = _text(title) if title is not None else ""
    props.language = loc.lang
    props.author = "trustexp"
    props.created = props.modified = stamp.replace(tzinfo=None)
    props.last_modified_by = "trustexp"
    props.revision = 1
    body = page.find("body")
    _Writer(doc, {f.id: f for f in content.figures}).walk(body)
    buf = io.BytesIO()
    doc.save(buf)
    return _fix_zip(buf.getvalue(), stamp.replace(tzinfo=None))
