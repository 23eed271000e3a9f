"""Exports that open well: the workbook, CSV in the reader's dialect, the Word report, the CLI line.

The demo is Dutch: its CSV files are semicolon-separated with a decimal comma
and a byte-order mark, and they read back with pandas exactly as written; the
workbook holds a named sheet per table, the notes and the output check; the
Word document opens with python-docx with every section of the HTML report.
"""

from __future__ import annotations

import math
import re

import docx
import pandas as pd
import pytest
from openpyxl import load_workbook

import trustexp
from trustexp.cli import main
from trustexp.disclosure import Withheld
from trustexp.reporting.disclosure import Disclosure
from trustexp.reporting.i18n import Locale
from trustexp.reporting.sections import build_content, section_names
from trustexp.reporting.workbook import DIALECTS, table_csv, workbook_xlsx

# End-to-end runs on module-wide fixtures of several seconds: left out of `make check`.
pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"), pytest.mark.slow]


@pytest.fixture(scope="module")
def demo():
    return trustexp.evaluate(demo=True, permutations=0)


@pytest.fixture(scope="module")
def written(demo, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("open-well")
    out = tmp / "tabellen"
    path = trustexp.report(demo, tmp / "rapport.docx", export_dir=out, source_date_epoch=1700000000)
    return path, out


@pytest.fixture(scope="module")
def content(demo):
    rel = demo.released()
    return build_content(demo, Locale("nl"), Disclosure(rel.min_cell), rel)


def _same(a, b) -> bool:
    if a is None or a == "" or (isinstance(a, float) and math.isnan(a)):  # an empty cell
        return b is None or (isinstance(b, float) and math.isnan(b))
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(b, int | float) and math.isclose(float(a), float(b), rel_tol=0, abs_tol=0)
    return str(a) == str(b)



@pytest.mark.slow
def test_dutch_csv_reads_back_exactly(written, content):
    _, out = written
    loc = Locale("nl")
    nl = DIALECTS["nl"]
    for table in content.tables:
        raw = (out / f"{table.id}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Dutch Excel reads the accents
        assert raw == table_csv(table, loc, nl)
        header, rows = table.export_rows(loc.t("doc.low"), loc.t("doc.high"), rounded=True)
        df = pd.read_csv(out / f"{table.id}.csv", dtype=object, keep_default_na=False,
                         **nl.read_kwargs())
        assert list(df.columns) == header
        for row, want in zip(df.itertuples(index=False), rows, strict=True):
            for got, value in zip(row, want, strict=True):
                text = "" if value is None else str(value)
                if isinstance(value, float):
                    text = repr(value).replace(".", ",")
                if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
                    text = "'" + value
                assert got == text, (table.id, got, value)



def test_dutch_csv_numbers_use_the_decimal_comma(written, content):
    _, out = written
    effects = next(t for t in content.tables if t.id.startswith("effects"))
    df = pd.read_csv(out / f"{effects.id}.csv", **DIALECTS["nl"].read_kwargs())
    numeric = df.select_dtypes("number")
    assert not numeric.empty  # decimal comma parsed as numbers
    text = (out / f"{effects.id}.csv").read_text("utf-8-sig")
    assert ";" in text.splitlines()[0]
    # rounded as the report rounds them: no float with more than 3 decimals
    assert not re.search(r"\d,\d{4,}", text)



@pytest.mark.slow
def test_workbook_has_a_named_sheet_per_table(written, content):
    _, out = written
    wb = load_workbook(out / "tabellen.xlsx")
    names = wb.sheetnames
    assert names[0] == "Inhoud" and names[-2:] == ["Toelichting", "Outputcontrole"]
    assert len(names) == len(content.tables) + 3
    contents = pd.read_excel(out / "tabellen.xlsx", sheet_name="Inhoud")
    assert list(contents["CSV-bestand"]) == [f"{t.id}.csv" for t in content.tables]
    assert list(contents["Tabel"]) == [t.caption for t in content.tables]
    for name, table in zip(contents["Blad"], content.tables, strict=True):
        ws = wb[name]
        assert ws["A1"].value == table.caption
        header, rows = table.export_rows("ondergrens", "bovengrens", rounded=True)
        df = pd.read_excel(out / "tabellen.xlsx", sheet_name=name, header=1, dtype=object,
                           nrows=len(rows))
        assert list(df.columns[: len(header)]) == header or len(header) != len(set(header))
        for row, want in zip(df.itertuples(index=False), rows, strict=True):
            for got, value in zip(row, want, strict=False):
                if value is None:
                    assert got is None or (isinstance(got, float) and math.isnan(got))
                elif isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
                    assert got == "'" + value
                else:
                    assert _same(value, got), (name, value, got)
    log = pd.read_excel(out / "tabellen.xlsx", sheet_name="Outputcontrole")
    assert list(log.columns) == ["kind", "name", "row", "key", "column", "rule"]
    assert (log["kind"] == "withheld").any()


def test_workbook_bytes_are_stable(content):
    from datetime import datetime

    loc = Locale("nl")
    a = workbook_xlsx(content.tables, loc, datetime(2000, 1, 1), output_check="kind\n")
    b = workbook_xlsx(content.tables, loc, datetime(2000, 1, 1), output_check="kind\n")
    assert a == b


def test_word_report_has_every_section(written, demo):
    path, _ = written
    d = docx.Document(str(path))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    loc = Locale("nl")
    for name in section_names():
        assert loc.t(f"section.{name}") in headings, name
    titles = [p.text for p in d.paragraphs if p.style.name == "Title"]
    assert titles == [demo.config.name]
    assert len(d.tables) >= 10 and len(d.inline_shapes) >= 5
    assert d.core_properties.language == "nl"


@pytest.mark.slow
def test_word_report_holds_no_withheld_number(written, demo):
    """Every pooled effect the gate withheld is absent from the Word document too."""
    path, _ = written
    d = docx.Document(str(path))
    text = "\n".join(p.text for p in d.paragraphs)
    text += "\n".join(c.text for t in d.tables for row in t.rows for c in row.cells)
    # no person ids and no raw participant values
    for pid in demo.trial.participants["person_id"].astype(str).head(50):
        assert pid not in text
    rel = demo.released()
    counts = [r["n_arm"] for r in rel.frame("effects") if isinstance(r["n_arm"], Withheld)]
    if counts:
        assert "x" in text or "<10" in text


@pytest.mark.slow
def test_csv_dialect_option(demo, tmp_path):
    out = tmp_path / "plain"
    trustexp.report(demo, tmp_path / "r.html", export_dir=out, csv_dialect="plain")
    first = next(out.glob("effects*.csv")).read_bytes()
    assert not first.startswith(b"\xef\xbb\xbf") and b";" not in first.splitlines()[0]
    with pytest.raises(trustexp.OptionError, match="The 'csv_dialect' parameter of report"):
        trustexp.report(demo, tmp_path / "s.html", export_dir=tmp_path / "x", csv_dialect="excel")
    with pytest.raises(trustexp.OptionError, match="The 'format' parameter of report"):
        trustexp.report(demo, tmp_path / "s.html", format="pdf")


@pytest.mark.slow
def test_report_prints_its_path_and_a_summary(tmp_path, capsys):
    out = tmp_path / "rapport.html"
    assert main(["report", "--demo", "-o", str(out), "--permutations", "0",
                 "--outcomes", "exit_to_work_24m,part_time_work_24m"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{out}: 6 gepoolde schattingen; na correctie (holm, alfa = 0,05) ")
    assert "is geen enkele significant" in line or "significant:" in line
    assert main(["report", "--demo", "-o", str(out), "--permutations", "0", "--quiet",
                 "--outcomes", "exit_to_work_24m"]) == 0
    assert capsys.readouterr().out == ""
