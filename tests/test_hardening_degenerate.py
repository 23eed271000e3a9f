"""Issue 14, items 2-3: degenerate data are "not estimable" with a reason; text layout is linear."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from conftest import trial_tables

import trustexp
from trustexp.analysis._degenerate import REASONS, not_estimable
from trustexp.cli import main
from trustexp.reporting.canvas import MAX_LABEL_CHARS, Canvas, text_width, wrap
from trustexp.reporting.figures import (
    CoefRow,
    Panel,
    coefficient_plot,
    nice_ticks,
)

N = 48


def _mutated(changes):
    tables = trial_tables()
    for (table, column), value in changes.items():
        tables[table][column] = value
    return tables


CASES = {
    "nobody employed": {("monthly", "employed"): 0},
    "everyone employed": {("monthly", "employed"): 1},
    "constant income": {("participants", "income"): 5.0},
    "income 1.7e308": {("participants", "income"): 1.7e308},
    "income +-1.7e308": {("participants", "income"): np.where(np.arange(N) % 2, 1.7e308, -1.7e308)},
    "denormal income": {("participants", "income"): 5e-324 * np.arange(N)},
    "age 1.7e308 in half": {("participants", "age"): np.where(np.arange(N) % 2, 1.7e308, 1.0)},
    "denormal age": {("participants", "age"): 5e-324 * np.arange(N)},
    "earnings 1.7e308": {("monthly", "earnings"): 1.7e308},
    "nobody took it up": {("takeup", "received"): 0},
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
@pytest.mark.slow
def test_degenerate_data_give_a_report_not_an_internal_error(make_trial, tmp_path, case):
    trial = make_trial(tables=_mutated(CASES[case]), fmt="parquet")
    out, export = tmp_path / "r.html", tmp_path / "export"
    assert main(["report", str(trial), "-o", str(out), "-q", "--permutations", "0",
                 "--export", str(export)]) == 0
    assert out.is_file() and (export / "results.json").is_file()


@pytest.mark.slow
def test_a_constant_outcome_is_not_estimable_in_every_frame(make_trial):
    ev = trustexp.evaluate(make_trial(tables=_mutated({("monthly", "employed"): 0})),
                           permutations=0)
    exit6 = ev.effects[ev.effects["outcome"] == "exit_6m"]
    assert (exit6["not_estimable"] == REASONS["constant"]).all()
    assert exit6[["estimate", "std_error", "ci_low", "ci_high", "p_value"]].isna().all().all()
    other = ev.effects[ev.effects["outcome"] == "income"]
    assert (other["not_estimable"] == "").all() and other["estimate"].notna().all()
    comp = ev.compliers[ev.compliers["outcome"] == "exit_6m"]
    assert len(comp) and (comp["not_estimable"] == REASONS["constant"]).all()
    assert comp["estimate"].isna().all()


@pytest.mark.slow
def test_the_report_says_not_estimable_and_why(make_trial, tmp_path):
    trial = make_trial(tables=_mutated({("monthly", "employed"): 0}))
    ev = trustexp.evaluate(trial, permutations=0)
    html = trustexp.report(ev, tmp_path / "r.html", lang="en").read_text("utf-8")
    assert "not estimable" in html
    assert "the outcome is the same for everyone in the sample" in html
    html = trustexp.report(ev, tmp_path / "r.html", lang="nl").read_text("utf-8")
    assert "niet te schatten" in html and "voor iedereen in de steekproef gelijk" in html


@pytest.mark.slow
def test_a_huge_covariate_makes_the_balance_test_not_estimable(make_trial):
    ev = trustexp.evaluate(
        make_trial(tables=_mutated({("participants", "age"): np.where(np.arange(N) % 2,
                                                                        1.7e308, 1.0)})),
        permutations=0)
    # the balance tests say why in their "reason" (with the other not-testable cases)
    assert (ev.balance_tests["reason"] == REASONS["covariate"]).all()
    assert (~ev.balance_tests["testable"]).all()
    assert ev.balance_tests["p_value"].isna().all()
    varying = ev.effects[ev.effects["outcome"] != "exit_6m"]  # exit_6m is constant here
    assert (varying["not_estimable"] == REASONS["covariate"]).all()


@pytest.mark.parametrize(("y", "reason"), [
    (np.array([]), "unobserved"),
    (np.array([1.0, np.inf]), "not_finite"),
    (np.array([1.0, 1.7e308]), "too_large"),
    (np.zeros(5), "constant"),
    (5e-324 * np.arange(5), "constant"),
    (1e8 + 1e-9 * np.arange(5), "constant"),
])
def test_not_estimable_reasons(y, reason):
    assert not_estimable(y) == REASONS[reason]


def test_ordinary_outcomes_are_estimable():
    assert not_estimable(np.array([0.0, 1.0, 0.0])) == ""
    assert not_estimable(1e-100 * np.arange(5)) == ""  # small, but resolvable


@pytest.mark.parametrize(("lo", "hi"), [(0, 0), (-1e-17, 1e-17), (5e-324, 1e-323),
                                        (-1.7e308, 1.7e308), (1e-12, 3e-12), (math.nan, 1),
                                        (1e15, 1e15 + 1), (-math.inf, math.inf)])
def test_ticks_are_distinct_and_finite_for_any_range(lo, hi):
    ticks = nice_ticks(lo, hi)
    assert len(ticks) >= 2 and all(math.isfinite(t) for t in ticks)
    assert all(b > a for a, b in zip(ticks, ticks[1:], strict=False))


@pytest.mark.parametrize("value", [0.0, 1e-17, 5e-324, 1.7e308, -1.7e308])
def test_a_plot_of_degenerate_intervals_draws(value):
    rows = (CoefRow("arm", value, value, value, "x"), CoefRow("arm 2", None, None, None, "-"))
    canvas = coefficient_plot([Panel("outcome", rows)], lambda v, d: f"{v:.{d}f}")
    svg = canvas.to_svg("f", "t", "d")
    assert "nan" not in svg and "inf" not in svg


@pytest.mark.parametrize("n", [4_000, 8_000, 1_000_000])
def test_wrapping_an_unbroken_word_is_fast(n):
    started = time.perf_counter()
    lines = wrap("x" * n, 200, 12)
    assert time.perf_counter() - started < 0.5  # was 71-158 s at 4,000 characters
    assert len(lines) <= 4 and lines[-1].endswith("\u2026")
    assert all(text_width(line, 12) <= 200 for line in lines)


def test_wrapping_matches_a_brute_force_greedy_fill():
    text = "Ontheffing arbeidsverplichtingen en intensieve begeleiding " * 3

    def brute(words, width):
        lines, current = [], ""
        for w in words:
            cand = f"{current} {w}".strip()
            if text_width(cand, 12) <= width or not current:
                current = cand
            else:
                lines.append(current)
                current = w
        return [*lines, current]

    assert wrap(text, 150, 12, max_lines=50) == brute(text.split(), 150)


def test_a_long_label_is_cut_with_the_full_text_as_its_title():
    canvas = Canvas(100, 100)
    label = "Groep " + "zeer lang " * 100
    canvas.lines(0, 10, wrap(label, 80, 12), full=label)
    canvas.text(0, 50, "y" * (MAX_LABEL_CHARS + 50))
    svg = canvas.to_svg("f", "t", "d")
    assert svg.count("<title>") == 2
    assert f"<title>{label}</title>" in svg
    assert "y" * (MAX_LABEL_CHARS + 50) in svg  # in the title, cut in the text
    assert "y" * MAX_LABEL_CHARS not in svg.split("</title>")[-1]


@pytest.mark.slow
def test_long_table_labels_are_cut_with_a_title(make_trial, tmp_path):
    tables = trial_tables()
    long_site = "Gemeente " + "Súdwest-Fryslân " * 40
    tables["participants"]["site"] = tables["participants"]["site"].replace("Tilburg", long_site)
    ev = trustexp.evaluate(make_trial(tables=tables), permutations=0)
    html = trustexp.report(ev, tmp_path / "r.html").read_text("utf-8")
    assert f'title="{long_site}"' in html
