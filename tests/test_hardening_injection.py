"""Issue 14, item 6: no CSV misleads a spreadsheet or a reader, no user string drives the terminal."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustexp._csvsafe import csv_text, neutralise
from trustexp.cli import main
from trustexp.cli._terminal import printable
from trustexp.reporting.records import records_csv


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1+1", " =1",
                                   "\n=1", "\x00=1", "\u200b=1", "\u00a0+1", "\uff1d1"])
def test_formula_prefixes_are_neutralised_after_leading_blanks_and_controls(value):
    assert neutralise(value).startswith("'")


@pytest.mark.parametrize("value", ["Tilburg", "a=1", "1-2", "", "e-mail"])
def test_plain_text_is_left_alone(value):
    assert neutralise(value) == value


def test_numbers_are_written_as_numbers():
    assert csv_text([[-0.5, 3, None, float("nan"), True]]) == "-0.5,3,,,true\n"


def test_a_carriage_return_label_is_quoted_and_stays_in_its_row():
    # the tester's example: neutralised but written unquoted, so readers split the row
    text = csv_text([["label", "n"], ["\r=1+1", 5], ["next", 6]])
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["label", "n"], ["'\r=1+1", "5"], ["next", "6"]]
    frame = pd.read_csv(io.StringIO(text), dtype=str)
    assert frame["label"].tolist() == ["'\r=1+1", "next"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.one_of(st.text(), st.integers(), st.none()), min_size=1,
                         max_size=4), min_size=1, max_size=5))
@pytest.mark.slow
def test_every_row_reads_back_whole_and_no_field_starts_a_formula(rows):
    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]
    text = csv_text(rows)
    back = list(csv.reader(io.StringIO(text, newline="")))
    assert len(back) == len(rows)
    for row, read in zip(rows, back, strict=True):
        assert read == [_plain(v) for v in row]
        for value, field in zip(row, read, strict=True):
            if isinstance(value, str):
                stripped = field.lstrip("".join(chr(i) for i in range(33)) + "\u200b\u00a0")
                assert stripped[:1] not in ("=", "+", "-", "@") or field.startswith("'")


def _plain(value):
    if value is None:
        return ""
    return neutralise(value) if isinstance(value, str) else str(value)


def test_records_csv_neutralises_site_names():
    recs = [{"site": s, "estimate": -1.5} for s in ("=HYPERLINK(1)", "+1", "@A1", "\r=1+1")]
    back = list(csv.reader(io.StringIO(records_csv(recs, ["site", "estimate"]), newline="")))
    assert [r[0] for r in back[1:]] == ["'=HYPERLINK(1)", "'+1", "'@A1", "'\r=1+1"]
    assert all(r[1] == "-1.5" for r in back[1:])


def test_terminal_text_loses_escape_sequences():
    assert printable("Til\x1b[31mburg\x1b]0;pwned\x07\x9b2J") == "Tilburg"
    assert printable("a\x07b\u202ec") == "a\\x07b\\u202ec"
    assert printable("regel\n\tdoorgaan") == "regel\n\tdoorgaan"


def _hostile_sites(tables):
    p = tables["participants"]
    p["site"] = p["site"].map({"Tilburg": "=Til\x1b[2Jburg", "Utrecht": "+Utrecht\x07"})
    return tables


@pytest.fixture
def hostile_trial(make_trial):
    from conftest import trial_tables

    return make_trial(tables=_hostile_sites(trial_tables()), fmt="parquet")


@pytest.mark.slow
def test_estimate_csv_and_text_are_safe(hostile_trial, capsys):
    assert main(["estimate", str(hostile_trial), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    sites = {r["site"] for r in csv.DictReader(io.StringIO(out, newline=""))}
    assert sites == {"all", "'=Til\x1b[2Jburg", "'+Utrecht\x07"}
    assert main(["estimate", str(hostile_trial), "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "=Tilburg" in out and "+Utrecht\\x07" in out


@pytest.mark.slow
def test_control_characters_in_a_site_reach_the_xlsx_export(hostile_trial, tmp_path):
    import openpyxl

    out, export = tmp_path / "r.html", tmp_path / "export"
    assert main(["report", str(hostile_trial), "-o", str(out), "-q", "--permutations", "0",
                 "--export", str(export)]) == 0
    (workbook,) = export.glob("*.xlsx")  # the one workbook, a sheet per table
    book = openpyxl.load_workbook(workbook)
    cells = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row
             if isinstance(c.value, str)]
    assert any(v.startswith("'+Utrecht") for v in cells)
    for svg in export.glob("*.svg"):
        assert "\x1b" not in svg.read_text("utf-8")
