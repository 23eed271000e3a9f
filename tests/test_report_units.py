"""Unit tests of the report's building blocks: language, numbers, disclosure, tables, drawing."""

from __future__ import annotations

import io
import math

import pytest
from PIL import Image

from trustexp.errors import OptionError
from trustexp.reporting.canvas import Canvas, text_width, wrap
from trustexp.reporting.disclosure import Disclosure
from trustexp.reporting.export import neutralise
from trustexp.reporting.figures import arm_styles, nice_ticks
from trustexp.reporting.i18n import CATALOGUES, Locale, placeholders
from trustexp.reporting.tables import TableBuilder
from trustexp.reporting.units import unit_for

NL, EN = Locale("nl"), Locale("en")


# -- catalogues ---------------------------------------------------------------


def test_both_languages_have_the_same_keys():
    assert set(CATALOGUES["nl"]) == set(CATALOGUES["en"])


@pytest.mark.parametrize("key", sorted(CATALOGUES["nl"]))
def test_both_languages_have_the_same_placeholders(key):
    assert placeholders(CATALOGUES["nl"][key]) == placeholders(CATALOGUES["en"][key])


def test_no_catalogue_string_says_no_effect_flatly():
    # Only "no effect could be shown", never a bare claim of no effect.
    for text in CATALOGUES["en"].values():
        assert "there is no effect" not in text.replace("not that there is no effect", "")
    assert "no effect could be shown" in CATALOGUES["en"]["summary.no_effect"]
    assert "er kon geen effect worden aangetoond" in CATALOGUES["nl"]["summary.no_effect"]


def test_unknown_language_is_refused_with_the_valid_values():
    with pytest.raises(OptionError, match="nl, en.*'de'"):
        Locale("de")


# -- numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "nl", "en"),
    [
        (1234.5, 1, "1.234,5", "1,234.5"),
        (-1234.5, 1, "\u22121.234,5", "\u22121,234.5"),
        (1234567, 0, "1.234.567", "1,234,567"),
        (0.05, 3, "0,050", "0.050"),
        (-0.0004, 3, "0,000", "0.000"),
        (float("nan"), 2, "\u2014", "\u2014"),
        (None, 2, "\u2014", "\u2014"),
    ],
)
def test_numbers_follow_the_locale(value, digits, nl, en):
    assert NL.number(value, digits) == nl
    assert EN.number(value, digits) == en


def test_signs_percentages_and_p_values():
    assert NL.number(3.14159, 2, sign=True) == "+3,14"
    assert NL.number(0.0001, 2, sign=True) == "0,00"
    assert NL.percent(0.1234) == "12,3%"
    assert EN.percent(0.1234) == "12.3%"
    assert NL.p_value(0.0004) == "< 0,001"
    assert EN.p_value(0.0004) == "< 0.001"
    assert NL.p_value(0.04321) == "0,043"
    assert NL.level(0.05) == "95%"
    assert EN.level(0.1) == "90%"


def test_dates_are_written_out():
    import datetime as dt

    assert NL.date(dt.date(2017, 10, 1)) == "1 oktober 2017"
    assert EN.date(dt.date(2017, 10, 1)) == "1 October 2017"
    assert EN.timestamp(0) == "1 January 1970"


def test_units_of_effects():
    pp = unit_for("binary", "exit_to_work")
    assert pp.effect(NL, 0.031) == "+3,1\u00a0%-punt"
    assert pp.effect(EN, -0.031, long=True) == "\u22123.1\u00a0percentage points"
    assert pp.mean(NL, 0.2) == "20,0%"
    euro = unit_for("continuous", "earnings_total")
    assert euro.effect(NL, 1234.4) == "+€\u00a01.234"
    assert euro.effect(EN, -120) == "\u2212€120"
    months = unit_for("count", "months_on_benefit")
    assert months.effect(EN, -0.5) == "\u22120.50\u00a0months"
    assert unit_for("continuous", None, [1500.0]).digits == 0


# -- disclosure ---------------------------------------------------------------


def test_small_counts_are_marked_and_zero_is_shown():
    d = Disclosure(10)
    assert d.count(9) == "<10"
    assert d.count(1) == "<10"
    assert d.count(10) == 10
    assert d.count(0) == 0
    assert d.count(float("nan")) is None


def test_records_of_small_groups_lose_their_statistics():
    d = Disclosure(10)
    rec = {"site": "B", "arm": "t", "estimate": 0.1, "ci_low": -0.1, "p_value": 0.3, "df": 8.0,
           "n": 12, "n_arm": 4, "n_control": 8, "control_mean": 0.4, "se_type": "HC2"}
    out = d.record(rec)
    assert out["estimate"] is None and out["p_value"] is None and out["control_mean"] is None
    assert out["n_arm"] == "<10" and out["n_control"] == "<10" and out["n"] == 12
    assert out["se_type"] == "HC2" and out["site"] == "B"
    big = d.record({**rec, "n_arm": 40, "n_control": 50, "n": 90})
    assert big["estimate"] == 0.1


def test_tree_walks_nested_results():
    d = Disclosure(5)
    data = {"trial": "x", "effects": [{"n": 3, "n_arm": 2, "n_control": 1, "estimate": 1.0}]}
    out = d.tree(data)
    assert out["effects"][0] == {"n": "<5", "n_arm": "<5", "n_control": "<5", "estimate": None}


# -- tables -------------------------------------------------------------------


def test_table_builder_suppresses_and_adds_footnotes():
    tb = TableBuilder(EN, Disclosure(10), "t", "Caption", ["Group", "n", "Effect", "CI"])
    tb.group_column = "Outcome"
    tb.group("Income")
    tb.add(tb.text("A"), tb.count(4), tb.number(0.5, 2, withheld=True),
           tb.interval(-1, 2, 1, withheld=True))
    tb.add(tb.text("B"), tb.count(1234), tb.number(0.5, 2), tb.interval(-1, 2, 1))
    table = tb.build()
    assert table.suppressed
    assert any("<10" in note for note in table.notes)
    assert any("\u2014" in note for note in table.notes)
    header, rows = table.export_rows("low", "high")
    assert header == ["Outcome", "Group", "n", "Effect", "CI (low)", "CI (high)"]
    assert rows[0] == ["Income", "A", "<10", None, None, None]
    assert rows[1] == ["Income", "B", 1234, 0.5, -1.0, 2.0]
    assert table.rows[1][1].text == "1,234"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (-1.5, -1.5),
        (None, None),
    ],
)
def test_spreadsheet_formulas_are_neutralised(text, expected):
    assert neutralise(text) == expected


# -- drawing ------------------------------------------------------------------


def test_wrap_keeps_lines_within_the_width():
    lines = wrap("Ontheffing arbeidsverplichtingen en intensieve begeleiding", 120, 12)
    assert len(lines) > 1
    assert all(text_width(line, 12) <= 120 for line in lines)


def test_nice_ticks_cover_the_range():
    ticks = nice_ticks(-0.043, 0.129)
    assert ticks[0] <= -0.043 and ticks[-1] >= 0.129
    assert 3 <= len(ticks) <= 8
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1


def test_arm_styles_differ_in_more_than_colour():
    styles = arm_styles(["control", "a", "b", "c", "ref"], "control", ["ref"])
    markers = {styles[a].marker for a in ("a", "b", "c")}
    dashes = {styles[a].dash for a in ("control", "a", "b", "c")}
    assert len(markers) == 3 and len(dashes) == 4
    assert styles["ref"].reference and styles["ref"].dash


def test_svg_escapes_text_and_carries_text_alternatives():
    c = Canvas(100, 50)
    c.text(10, 20, "<script>alert(1)</script> & co")
    svg = c.to_svg("fig-x", "Title <b>", "Desc \"q\"")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'role="img"' in svg
    assert '<title id="fig-x-title">Title &lt;b&gt;</title>' in svg
    assert "aria-labelledby=\"fig-x-title fig-x-desc\"" in svg


def test_png_draws_the_same_canvas():
    c = Canvas(200, 100)
    c.rect(10, 10, 80, 40, fill="#0072B2", stroke=None)
    c.text(100, 60, "$x$ 50% label", size=12)
    png = c.to_png()
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.size == (400, 200)
    # The blue box sits where the SVG puts it (scale 2).
    assert img.getpixel((100, 60)) == (0, 114, 178)
    assert img.getpixel((5, 5)) == (255, 255, 255)
    assert c.to_png() == png
    assert not math.isnan(text_width("x", 12))


def test_tick_labels_have_the_decimals_of_their_step():
    from trustexp.reporting.figures import _tick_digits

    assert _tick_digits([-0.5, -0.25, 0.0]) == 2
    assert _tick_digits([0.0, 2.5, 5.0]) == 1
    assert _tick_digits([0, 10, 20]) == 0


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_text_colours_have_enough_contrast():
    import re

    from trustexp.reporting import figures
    from trustexp.resources import template_dir

    css = (template_dir() / "report.css").read_text("utf-8")
    var = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css))
    pairs = [("text", "#ffffff"), ("muted", "#ffffff"), ("muted", var["summary-bg"]),
             ("accent", "#ffffff"), ("accent", var["summary-bg"]), ("text", var["warning-bg"])]
    for fg, bg in pairs:
        assert _contrast(var[fg], bg) >= 4.5, (fg, bg)
    for colour in (figures.TEXT, figures.MUTED):  # text in the figures
        assert _contrast(colour, "#ffffff") >= 4.5
    for colour in figures.PALETTE[:4] + (figures.REFERENCE_COLOUR,):  # marks: 3:1 for graphics
        assert _contrast(colour, "#ffffff") >= 3.0
