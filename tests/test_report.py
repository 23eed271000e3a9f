"""The HTML report of the demo trial (a real evaluation): structure, language,
accessibility, escaping, disclosure control, determinism, template overrides, exports.

A few awkward cases (hostile labels, a tiny arm, validation warnings that carry
values) use the small stand-in of ``test_report_fake``; the same cases run
through the whole pipeline in ``test_report_cli``.
"""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from types import MappingProxyType

import pytest
from openpyxl import load_workbook
from test_report_fake import HOSTILE, fake_evaluation

import trustexp
from trustexp.errors import InputError, OptionError
from trustexp.reporting import report
from trustexp.reporting.sections import section_names

# End-to-end runs on module-wide fixtures of several seconds: left out of `make check`.
pytestmark = pytest.mark.slow


class Page(HTMLParser):
    """Collect what the tests look at: tags, headings, table cells, SVG texts."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.headings: list[tuple[str, str]] = []
        self.cells: list[tuple[str, str]] = []  # (class, text) of td/th
        self.svg_text: list[str] = []
        self._heading: str | None = None
        self._cell: str | None = None
        self._svg_text = False
        self._buf: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag in ("h1", "h2", "h3", "h4"):
            self._heading, self._buf = tag, []
        elif tag in ("td", "th"):
            self._cell, self._buf = a.get("class") or "", []
        elif tag == "text":
            self._svg_text, self._buf = True, []

    def handle_endtag(self, tag):
        text = "".join(self._buf).strip()
        if tag == self._heading:
            self.headings.append((tag, text))
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None:
            self.cells.append((self._cell, text))
            self._cell = None
        elif tag == "text" and self._svg_text:
            self.svg_text.append(text)
            self._svg_text = False

    def handle_data(self, data):
        self._buf.append(data)

    def count(self, tag: str) -> int:
        return sum(1 for t, _ in self.tags if t == tag)

    def attrs(self, tag: str) -> list[dict]:
        return [a for t, a in self.tags if t == tag]


PERMUTATIONS = 200


@pytest.fixture(scope="module")
def demo():
    """The demo trial, evaluated (fewer re-randomisations than its trial.toml, for speed)."""
    return trustexp.evaluate(demo=True, permutations=PERMUTATIONS,
                             command="trustexp report --demo -o demo-report.html")


@pytest.fixture(scope="module")
def fake():
    return fake_evaluation()


@pytest.fixture(scope="module")
def nl_html(demo, tmp_path_factory):
    path = tmp_path_factory.mktemp("nl") / "rapport.html"
    report(demo, path)
    return path.read_text("utf-8")


# -- structure and accessibility -----------------------------------------------


@pytest.mark.slow
def test_document_outline(nl_html):
    page = Page(nl_html)
    assert page.count("h1") == 1
    ids = [a.get("id") for a in page.attrs("section")]
    assert ids == list(section_names())
    h2 = [text for tag, text in page.headings if tag == "h2"]
    assert "Samenvatting van de bevindingen" in h2 and "Bijlage: reproduceerbaarheid" in h2
    # No level is skipped: h3 only after an h2.
    levels = [int(tag[1]) for tag, _ in page.headings]
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert re.search(r'<html lang="nl">', nl_html)


def test_tables_have_captions_and_scoped_headers(nl_html):
    page = Page(nl_html)
    n_tables = page.count("table")
    assert n_tables > 10
    assert page.count("caption") == n_tables
    scopes = [a.get("scope") for a in page.attrs("th")]
    assert scopes and all(s in ("col", "row", "rowgroup") for s in scopes)


def test_figures_have_text_alternatives(nl_html):
    page = Page(nl_html)
    svgs = page.attrs("svg")
    assert len(svgs) >= 5
    assert page.count("figure") == page.count("figcaption") == len(svgs)
    for svg in svgs:
        assert svg.get("role") == "img"
        title_id, desc_id = svg["aria-labelledby"].split()
        assert f'id="{title_id}"' in nl_html and f'id="{desc_id}"' in nl_html
    ids = [a["id"] for _, a in page.tags if "id" in a]
    assert len(ids) == len(set(ids)), "element ids must be unique"


def test_self_contained_without_scripts_or_requests(nl_html):
    page = Page(nl_html)
    assert page.count("script") == 0 and page.count("img") == 0 and page.count("link") == 0
    assert page.count("iframe") == 0 and page.count("object") == 0
    without_ns = nl_html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in without_ns and "https://" not in without_ns
    assert "url(" not in nl_html and "@import" not in nl_html
    assert not re.search(r"\son[a-z]+=", nl_html)  # no event handlers
    for a in page.attrs("a"):
        assert a["href"].startswith("#")


def test_summary_speaks_carefully_and_shows_intervals(nl_html):
    summary = nl_html[nl_html.index('id="summary"'):nl_html.index('id="toc-title"')]
    assert "er kon geen effect worden aangetoond" in summary
    assert "95%-interval" in summary
    assert "meervoudig toetsen" in summary and "Holm" in summary
    assert "geen effect." not in summary.lower()


def test_reference_group_is_marked_wherever_it_is_shown(nl_html):
    warning = "Verschillen met deze groep zijn geen effecten"
    for section in ("design", "flow", "monthly", "reference"):
        start = nl_html.index(f'<section id="{section}"')
        body = nl_html[start:nl_html.index("</section>", start)]
        assert warning in body, section


@pytest.mark.slow
def test_english_report(demo, tmp_path):
    path = report(demo, tmp_path / "report.html", lang="en")
    html = path.read_text("utf-8")
    assert '<html lang="en">' in html
    assert "Summary of findings" in html and "no effect could be shown" in html
    assert re.search(r"\d,\d{3}", html)  # grouping comma: 1,234
    assert "Samenvatting" not in html


def test_dutch_numbers(nl_html):
    page = Page(nl_html)
    numbers = [t for cls, t in page.cells if "num" in cls and re.search(r"\d", t)]
    assert any(re.fullmatch(r"[+\u2212]?\d+,\d+.*", t) for t in numbers)
    assert not any(re.search(r"\d\.\d{1,2}(?!\d)", t) for t in numbers)


def test_randomisation_inference_is_described(nl_html):
    body = nl_html[nl_html.index('<section id="inference"'):]
    assert f"{PERMUTATIONS} keer" in body and "20171001" in body
    assert "p (RI)" in body


@pytest.mark.slow
def test_validation_warnings_show_no_person_level_values(fake, tmp_path):
    html = report(fake, tmp_path / "r.html").read_text("utf-8")
    body = html[html.index('<section id="validation"'):html.index('<section id="balance"')]
    assert "range" in body and "outlier" in body
    assert "P00003" not in body and "age 91" not in body and "700" not in body


def test_no_person_ids_anywhere(demo, nl_html):
    ids = set(demo.trial.participants["person_id"].astype(str))
    words = set(re.findall(r"[\w-]+", nl_html))
    assert ids and not ids & words


# -- determinism ---------------------------------------------------------------


@pytest.mark.slow
def test_same_inputs_give_the_same_bytes(demo, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    a = report(demo, tmp_path / "a.html").read_bytes()
    b = report(demo, tmp_path / "b.html").read_bytes()
    assert a == b
    assert b"Gemaakt met trustexp" in a and b" op " not in a.split(b"doc-meta")[1][:80]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    c = report(demo, tmp_path / "c.html").read_bytes()
    d = report(demo, tmp_path / "d.html").read_bytes()
    assert c == d and b"14 november 2023" in c


def test_bad_source_date_epoch(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(OptionError, match="SOURCE_DATE_EPOCH"):
        report(fake, tmp_path / "a.html")


# -- escaping of user strings --------------------------------------------------


@pytest.mark.slow
def test_hostile_labels_are_text_not_markup(tmp_path):
    ev = fake_evaluation(hostile=True)
    out = tmp_path / "exp"
    html = report(ev, tmp_path / "r.html", export_dir=out).read_text("utf-8")
    for raw in ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "<img"):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    page = Page(html)
    assert page.count("script") == 0 and page.count("img") == 0
    assert any(HOSTILE in text for _, text in page.headings)  # shown, as text
    assert any(HOSTILE in t for t in page.svg_text)
    for svg in out.glob("*.svg"):
        text = svg.read_text("utf-8")
        assert "<script>" not in text and "<img" not in text


# -- template overrides ----------------------------------------------------------


@pytest.mark.slow
def test_one_section_can_be_overridden(demo, tmp_path):
    folder = tmp_path / "templates"
    (folder / "sections").mkdir(parents=True)
    (folder / "sections" / "summary.html.j2").write_text(
        '<section id="summary" aria-labelledby="summary-title">'
        '<h2 id="summary-title">{{ t("section.summary") }}</h2>'
        "<p>OUR OWN SUMMARY {{ meta.title }}</p></section>\n", "utf-8")
    html = report(demo, tmp_path / "r.html", template_dir=folder).read_text("utf-8")
    assert "OUR OWN SUMMARY" in html
    assert "er kon geen effect worden aangetoond" not in html.split('id="toc-title"')[0]
    assert '<section id="methods"' in html  # the rest still comes from trustexp


@pytest.mark.slow
def test_user_templates_are_autoescaped_too(tmp_path):
    ev = fake_evaluation(hostile=True)
    folder = tmp_path / "templates"
    (folder / "sections").mkdir(parents=True)
    (folder / "sections" / "summary.html.j2").write_text(
        '<section id="summary"><h2>x</h2><p>{{ meta.title }}</p></section>\n', "utf-8")
    html = report(ev, tmp_path / "r.html", template_dir=folder).read_text("utf-8")
    assert "<script>alert(1)</script>" not in html


@pytest.mark.slow
def test_css_can_be_overridden_and_is_inlined(demo, tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "report.css").write_text("body { color: #123456; }\n</style><script>x</script>", "utf-8")
    html = report(demo, tmp_path / "r.html", template_dir=folder).read_text("utf-8")
    assert "color: #123456" in html
    assert "<script>" not in html


@pytest.mark.slow
def test_broken_template_leaves_no_file_and_keeps_the_old_one(demo, tmp_path):
    folder = tmp_path / "templates"
    (folder / "sections").mkdir(parents=True)
    (folder / "sections" / "design.html.j2").write_text("{% if %}", "utf-8")
    target = tmp_path / "r.html"
    target.write_text("old report", "utf-8")
    with pytest.raises(InputError, match="template"):
        report(demo, target, template_dir=folder)
    assert target.read_text("utf-8") == "old report"
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["r.html"]


@pytest.mark.slow
def test_missing_template_dir_is_an_input_error(fake, tmp_path):
    with pytest.raises(InputError, match="template folder"):
        report(fake, tmp_path / "r.html", template_dir=tmp_path / "nope")


# -- disclosure control ----------------------------------------------------------


@pytest.mark.slow
def test_no_small_count_anywhere(tmp_path):
    ev = fake_evaluation(tiny_site=True)
    out = tmp_path / "exp"
    html = report(ev, tmp_path / "r.html", export_dir=out).read_text("utf-8")
    page = Page(html)
    counts = [t for cls, t in page.cells if "count" in cls]
    assert "<10" in counts
    for text in counts:
        assert text in ("<10", "x", "0", "\u2014") or int(text.replace(".", "")) >= 10, text
    # The flow diagram and forest plots: every number after "n =", ":" or in a range.
    flow = [t for t in page.svg_text if ":" in t or "n =" in t]
    for text in flow:
        for number in re.findall(r"(?:: |n = |\u2013)(\d[\d.]*)", text):
            value = int(number.replace(".", ""))
            assert value == 0 or value >= 10, text
    # The tiny arm's site estimate is withheld, with a note.
    sites = html[html.index('<section id="sites"'):html.index('<section id="monthly"')]
    assert "\u2014" in sites and "minder dan 10 personen" in sites
    # Exports: CSV count columns and the JSON.
    for path in out.glob("*.csv"):
        rows = list(csv.reader(path.open(encoding="utf-8")))
        header = rows[0]
        for j, col in enumerate(header):
            if col in ("n", "n groep", "n controle", "Aantal", "Geloot", "Respons") or col in (
                    "Tilburg", "Utrecht", "Wageningen", "Totaal", "Controlegroep"):
                for row in rows[1:]:
                    v = row[j]
                    assert v in ("", "<10", "x", "0") or float(v) >= 10, (path.name, col, v)
    results = json.loads((out / "results.json").read_text("utf-8"))
    assert results["min_cell"] == 10
    for rec in results["effects"]:  # contract v1.1: a withheld count is null, named in suppressed
        for key in ("n", "n_arm", "n_control"):
            assert rec[key] is None or rec[key] == 0 or rec[key] >= 10
            assert (rec[key] is None) == (key in rec["suppressed"])
        if "n_arm" in rec["suppressed"] and rec["estimate"] is None:
            assert rec["p_value"] is None
    assert any("n_arm" in rec["suppressed"] for rec in results["effects"])


@pytest.mark.slow
def test_min_cell_override(demo, tmp_path):
    html = report(demo, tmp_path / "r.html", min_cell=60).read_text("utf-8")
    assert "&lt;60" in html
    low = report(demo, tmp_path / "low.html", min_cell=5).read_text("utf-8")
    assert "min_cell = 5" in low[:low.index('id="toc-title"')]
    off = report(demo, tmp_path / "off.html", min_cell=0).read_text("utf-8")
    assert "uitgeschakeld" in off[:off.index('id="toc-title"')]
    assert "min_cell" not in html[:html.index('id="toc-title"')]
    with pytest.raises(OptionError, match="min_cell"):
        report(demo, tmp_path / "r.html", min_cell=-1)


# -- exports -------------------------------------------------------------------------


@pytest.mark.slow
def test_exports_hold_every_table_and_figure(demo, tmp_path):
    out = tmp_path / "exp"
    report(demo, tmp_path / "r.html", export_dir=out)
    names = {p.name for p in out.iterdir()}
    assert "results.json" in names
    assert {"effects-1.csv", "fig-flow.svg", "fig-flow.png"} <= names
    assert "output-check.csv" in names
    csvs = {n[:-4] for n in names if n.endswith(".csv")} - {"output-check"}
    # one workbook with a sheet per table, and no XLSX file per table beside it
    assert [n for n in names if n.endswith(".xlsx")] == ["tabellen.xlsx"]
    svgs = {n[:-4] for n in names if n.endswith(".svg")}
    assert svgs == {n[:-4] for n in names if n.endswith(".png")}
    assert (out / "fig-flow.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "fig-flow.svg").read_text("utf-8").startswith("<?xml")
    rows = list(csv.reader((out / "effects-1.csv").open(encoding="utf-8-sig"), delimiter=";"))
    assert rows[0][:3] == ["Uitkomst", "Groep", "Effect"]  # Dutch dialect: semicolons, BOM
    assert "95%-interval (ondergrens)" in rows[0]
    wb = load_workbook(out / "tabellen.xlsx")
    contents = {r[2]: r[0] for r in wb["Inhoud"].iter_rows(min_row=2, values_only=True)}
    assert set(contents) == {f"{n}.csv" for n in csvs}  # every CSV has its sheet
    ws = wb[contents["effects-1.csv"]]
    assert ws["A1"].value.startswith("Effecten op de uitkomsten")
    assert isinstance(ws.cell(row=3, column=3).value, float)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
def test_hostile_spreadsheet_text_is_neutralised(tmp_path):
    ev = fake_evaluation()
    object.__setattr__(ev.config.arms[1], "label", '=HYPERLINK("http://evil","click")')
    out = tmp_path / "exp"
    report(ev, tmp_path / "r.html", export_dir=out)
    wb = load_workbook(out / "tables.xlsx" if (out / "tables.xlsx").exists() else out / "tabellen.xlsx")
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
              if isinstance(c.value, str)]
    assert "'=HYPERLINK(\"http://evil\",\"click\")" in values
    assert not any(v.startswith(("=", "+", "-", "@")) for v in values)
    text = (out / "design-arms.csv").read_text("utf-8")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text


@pytest.mark.slow
def test_exports_are_deterministic(demo, tmp_path):
    report(demo, tmp_path / "a.html", export_dir=tmp_path / "a", source_date_epoch=1700000000)
    report(demo, tmp_path / "b.html", export_dir=tmp_path / "b", source_date_epoch=1700000000)
    for path in (tmp_path / "a").iterdir():
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


@pytest.mark.slow
def test_existing_export_folder_is_refused(demo, tmp_path):
    out = tmp_path / "exp"
    out.mkdir()
    (out / "keep.txt").write_text("mine", "utf-8")
    with pytest.raises(InputError, match="not empty"):
        report(demo, tmp_path / "r.html", export_dir=out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert not (tmp_path / "r.html").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    report(demo, tmp_path / "r.html", export_dir=empty)
    assert (empty / "results.json").exists()


def test_output_folder_must_exist(fake, tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        report(fake, tmp_path / "missing" / "r.html")


@pytest.mark.slow
def test_progress_is_reported(demo, tmp_path):
    steps: list[str] = []
    report(demo, tmp_path / "r.html", progress=steps.append)
    assert steps[0] == "disclosure" and steps[-1] == "html"
    assert steps[1: 1 + len(section_names())] == list(section_names())


def test_report_written_is_readable_by_others(fake, tmp_path):
    path = report(fake, tmp_path / "r.html")
    assert Path(path).stat().st_mode & 0o044


@pytest.mark.slow
def test_summary_balance_counts_the_tests_and_names_site_and_arm(fake, tmp_path):
    """Issue 8: the smallest p over arms and sites against 0.05 said "imbalance" in a
    quarter of valid 4-arm trials; the sentence now corrects for the number of tests and
    names where a test flags; an untestable attrition test is never a p-value."""
    import dataclasses

    bt = fake.balance_tests.copy()
    bt["testable"] = True
    bt["p_value"] = 0.03  # each below 0.05, none after correcting for the tests
    att = fake.attrition_tests.copy()
    att["testable"] = True
    att.loc[att["wave"] == 1, ["testable", "p_value", "statistic"]] = [False, None, None]
    ev = dataclasses.replace(fake, _frames=MappingProxyType(
        {**fake._frames, "balance_tests": bt, "attrition_tests": att}))
    html = report(ev, tmp_path / "a.html", lang="en").read_text("utf-8")
    summary = html[html.index('<section id="summary"'):html.index('<section id="design"')]
    assert f"After Holm correction for {len(bt)} joint tests" in summary
    assert "no test points to a difference" in summary
    assert summary.count("(p = 0.030; adjusted p = ") == len(bt)  # each named, by site and arm
    assert "niet toetsbaar" not in html and "not testable" in html

    bt2 = bt.copy()
    first = bt2.index[0]
    bt2.loc[first, "p_value"] = 1e-5
    ev2 = dataclasses.replace(fake, _frames=MappingProxyType(
        {**fake._frames, "balance_tests": bt2, "attrition_tests": att}))
    html2 = report(ev2, tmp_path / "b.html", lang="en").read_text("utf-8")
    summary2 = html2[html2.index('<section id="summary"'):html2.index('<section id="design"')]
    assert f"Note: after Holm correction for {len(bt2)} joint tests" in summary2
    assert summary2.count("(p &lt; 0.001; adjusted p &lt; 0.001)") == 1  # the one that flags
    assert "Without that correction, also for: " in summary2
