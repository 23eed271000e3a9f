"""CONSORT in the report: the flow diagram's boxes per arm (allocated, received from the
take-up table, lost to follow-up with the reason the sources give, analysed), through the
disclosure gate; and the CONSORT 2025 checklist appendix, each item linked to its section."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import trustexp
from trustexp.disclosure import Withheld
from trustexp.reporting.disclosure import Disclosure
from trustexp.reporting.i18n import Locale
from trustexp.reporting.sections import build_content, section_names
from trustexp.reporting.sections.consort import ITEMS

# End-to-end runs on module-wide fixtures of several seconds: left out of `make check`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo():
    return trustexp.evaluate(demo=True, permutations=0)


@pytest.fixture(scope="module")
def html(demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("consort") / "r.html"
    return trustexp.report(demo, out, source_date_epoch=1700000000).read_text("utf-8")


def _flow_svg(html: str) -> str:
    start = html.index('<figure class="chart" id="fig-flow-figure">')
    return html[start:html.index("</figure>", start)]


def _flow_text(html: str) -> str:
    """The diagram's text with the lines its narrow boxes wrapped joined again."""
    svg = _flow_svg(html)
    svg = svg[svg.index("</desc>"):] if "</desc>" in svg else svg
    lines = [t.strip() for t in re.sub(r"<[^>]+>", "\n", svg).splitlines() if t.strip()]
    return re.sub(r"(?<=[a-z])- ", "", " ".join(lines))


@pytest.mark.slow
def test_takeup_counts_against_pandas(demo):
    parts = demo.trial.participants[["person_id", "site", "arm"]].astype(str)
    tk = demo.trial.takeup.assign(person_id=demo.trial.takeup["person_id"].astype(str))
    merged = parts.merge(tk[["person_id", "received"]], on="person_id", how="left")
    frame = demo.frame("takeup").set_index(["site", "arm"])
    arm = demo.config.takeup[0].arm
    assert len(frame) == 1 + parts["site"].nunique()
    for site, part in [("all", merged), *merged.groupby("site")]:
        part = part[part["arm"] == arm]
        row = frame.loc[(site, arm)]
        assert row["n_allocated"] == len(part)
        assert row["n_received"] == int((part["received"] > 0).sum())
        assert row["n_not_received"] == len(part) - int((part["received"] > 0).sum())


@pytest.mark.slow
def test_flow_boxes_per_arm(demo, html):
    text = _flow_text(html)
    pooled = demo.frame("takeup").set_index(["site", "arm"]).loc[("all", "intensive_guidance")]
    loc = Locale("nl")
    received = f" ontvangen: {loc.integer(int(pooled['n_received']))} "
    assert text.count(received) == 1  # the one arm with declared take-up
    assert f"niet ontvangen: {loc.integer(int(pooled['n_not_received']))}" in text
    arms = len(demo.config.randomised_arms)
    assert text.count("Uitgevallen") == arms and text.count("Geanalyseerd") == arms
    # the reason each source gives: the survey was not answered, the register has no record
    assert text.count("geen vragenlijst") == arms
    assert text.count("geen registergegevens") == arms
    flow = demo.frame("flow")
    lost = flow[(flow["site"] == "all") & (flow["arm"] == "control")
                & flow["outcome"].isin([o.id for o in demo.config.families["wellbeing"]])]
    low, high = int(lost["n_missing"].min()), int(lost["n_missing"].max())
    assert f"wellbeing: {low}\u2013{high}" in text


@pytest.mark.slow
def test_flow_counts_go_through_the_gate(demo):
    rel = demo.released(min_cell=30)
    rows = {r["site"]: r for r in rel.frame("takeup")}
    small = demo.frame("takeup").set_index("site")["n_not_received"]
    for site, n in small.items():
        if n < 30:
            assert isinstance(rows[site]["n_not_received"], Withheld), site
    content = build_content(demo, Locale("en"), Disclosure(rel.min_cell), rel)
    figure = next(f for f in content.figures if f.id == "fig-flow")
    svg = figure.standalone_svg()
    for n in small[small < 30]:
        assert f"not received: {n}<" not in svg


def test_consort_checklist_links_every_item(html):
    loc = Locale("nl")
    start = html.index('<section id="consort"')
    part = html[start:html.index("</section>", start)]
    rows = re.findall(r'<tr><th scope="row">([0-9]+[a-d]?)</th><td>([^<]+)</td><td>(.*?)</td></tr>',
                      part)
    assert [r[0] for r in rows] == [item for item, _ in ITEMS]
    for (item, section), (_, topic, where) in zip(ITEMS, rows, strict=True):
        assert topic == loc.t(f"consort.item_{item}").replace("'", "&#39;")
        if section is None:
            assert where == '<span class="not-here">niet beantwoord in dit rapport</span>'
        else:
            assert section in section_names()
            assert f'href="#{section}"' in where
            assert f'<section id="{section}"' in html  # the anchor exists


@pytest.mark.slow
def test_consort_item_without_takeup_is_not_answered(demo, tmp_path):
    saved = demo.config.takeup
    object.__setattr__(demo.config, "takeup", ())
    try:
        text = trustexp.report(demo, tmp_path / "r.html", lang="en").read_text("utf-8")
    finally:
        object.__setattr__(demo.config, "takeup", saved)
    row = re.search(r'<tr><th scope="row">24a</th>.*?</tr>', text).group(0)
    assert "not answered in this report" in row and "href" not in row
    assert "Appendix: CONSORT 2025 checklist" in text


@pytest.mark.slow
def test_consort_in_the_word_report(demo, tmp_path):
    import docx

    path = trustexp.report(demo, tmp_path / "r.docx")
    d = docx.Document(str(path))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert "Bijlage: CONSORT 2025-checklist" in headings
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    assert "niet beantwoord in dit rapport" in cells
    assert pd.Series(cells).str.fullmatch("26c").any()
