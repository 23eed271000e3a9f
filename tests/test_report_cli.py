"""``trustexp report`` end to end: real trial folders through validation, estimation and rendering."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pandas as pd
import pytest

from trustexp.cli import main
from trustexp.simulation import simulate

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def make_trial(folder: Path, *, sites=None, arms=("control", "extra_earnings"), reference=0,
               hostile: bool = False, tiny: bool = False, tables=("monthly", "survey")) -> Path:
    """A small simulated trial folder, optionally with hostile labels or one tiny arm."""
    simulate(folder, seed=7, sites=sites or {"Alfa": 120, "Beta": 80}, arms=arms,
             reference=reference, tables=tables)
    if hostile:
        toml = (folder / "trial.toml").read_text("utf-8")
        toml = re.sub(r'^name = ".*"$', f"name = {_toml_string('Proef ' + HOSTILE)}", toml,
                      count=1, flags=re.M)
        toml = re.sub(r'label = "([^"]*)"', lambda m: f"label = {_toml_string(m[1] + ' ' + HOSTILE)}",
                      toml)
        toml = re.sub(r'family = "work"', f"family = {_toml_string('werk ' + HOSTILE)}", toml)
        (folder / "trial.toml").write_text(toml, "utf-8")
        parts = pd.read_csv(folder / "participants.csv", dtype=str, keep_default_na=False)
        parts["site"] = parts["site"].replace({"Alfa": "Alfa " + HOSTILE})
        parts.to_csv(folder / "participants.csv", index=False)
    if tiny:
        parts = pd.read_csv(folder / "participants.csv", dtype=str, keep_default_na=False)
        small = parts.index[(parts["site"] == "Beta") & (parts["arm"] == arms[-1])]
        dropped = set(parts.loc[small[4:], "person_id"])
        parts.drop(index=small[4:]).to_csv(folder / "participants.csv", index=False)
        for name in tables:
            path = next(folder.glob(f"{name}.*"))
            if path.suffix == ".parquet":
                df = pd.read_parquet(path)
                df[~df["person_id"].isin(dropped)].to_parquet(path, index=False)
            else:
                df = pd.read_csv(path, dtype=str, keep_default_na=False)
                df[~df["person_id"].isin(dropped)].to_csv(path, index=False)
    return folder


def run(*args: str) -> int:
    return main(["report", *map(str, args)])


@pytest.mark.slow
def test_one_site_two_arm_trial_in_english(tmp_path, capsys):
    trial = make_trial(tmp_path / "t", sites={"Pilot": 150}, arms=("control", "intensive_guidance"))
    out = tmp_path / "r.html"
    assert run(trial, "-o", out, "--lang", "en", "--permutations", "0", "--quiet") == 0
    html = out.read_text("utf-8")
    assert '<html lang="en">' in html and "Summary of findings" in html
    assert "the experiment had one site (Pilot)" in html
    assert "randomisation inference was not computed" in html
    assert capsys.readouterr().err == ""  # --quiet, and not a terminal anyway


def test_invalid_data_stop_with_the_validation_report(tmp_path, capsys):
    trial = make_trial(tmp_path / "t", sites={"Pilot": 60}, arms=("control", "exemption"))
    parts = pd.read_csv(trial / "participants.csv", dtype=str, keep_default_na=False)
    parts.loc[1, "person_id"] = parts.loc[0, "person_id"]
    parts.loc[2, "arm"] = "no_such_arm"
    parts.to_csv(trial / "participants.csv", index=False)
    out = tmp_path / "r.html"
    assert run(trial, "-o", out, "--permutations", "0") == 1
    err = capsys.readouterr().err
    assert "unique" in err and "no_such_arm" in err
    assert not out.exists()
    out.write_text("the previous report", "utf-8")
    assert run(trial, "-o", out, "--permutations", "0") == 1
    assert out.read_text("utf-8") == "the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "t"]


def test_usage_errors_exit_2(tmp_path, capsys):
    trial = make_trial(tmp_path / "t", sites={"Pilot": 60}, arms=("control", "exemption"))
    assert run("--demo", trial, "-o", tmp_path / "r.html") == 2
    assert run("-o", tmp_path / "r.html") == 2
    assert run(trial, "-o", tmp_path / "no" / "r.html") == 2
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "mine.txt").write_text("x", "utf-8")
    assert run(trial, "-o", tmp_path / "r.html", "--export", busy, "--permutations", "0") == 2
    assert "niet leeg" in capsys.readouterr().err  # the trial's language (nl) speaks
    assert not (tmp_path / "r.html").exists()
    assert run(trial, "-o", trial / "participants.csv", "--permutations", "0") == 2
    assert "invoerbestanden" in capsys.readouterr().err
    assert run(trial, "-o", trial / "participants.csv", "--permutations", "0", "--lang", "en") == 2
    assert "input files" in capsys.readouterr().err
    assert run(trial, "-o", tmp_path / "r.html", "--lang", "de") == 2


@pytest.mark.slow
def test_hostile_strings_in_trial_toml_and_data_stay_text(tmp_path):
    trial = make_trial(tmp_path / "t", hostile=True, reference=15)
    out, exp = tmp_path / "r.html", tmp_path / "exp"
    assert run(trial, "-o", out, "--export", exp, "--permutations", "0", "-q") == 0
    html = out.read_text("utf-8")
    for raw in ("<script>", "<img", 'onerror=alert(1)>"'):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    for svg in exp.glob("*.svg"):
        text = svg.read_text("utf-8")
        assert "<script>" not in text and "<img" not in text


@pytest.mark.slow
def test_no_count_below_min_cell_in_a_trial_with_a_tiny_arm(tmp_path):
    trial = make_trial(tmp_path / "t", tiny=True)
    out, exp = tmp_path / "r.html", tmp_path / "exp"
    assert run(trial, "-o", out, "--export", exp, "--permutations", "0", "-q") == 0
    html = out.read_text("utf-8")
    cells = re.findall(r'<td class="count[^"]*">([^<]*)</td>', html)
    assert "&lt;10" in cells
    for text in cells:
        assert text in ("&lt;10", "x", "0", "\u2014") or int(text.replace(".", "")) >= 10
    for text in re.findall(r"<text[^>]*>([^<]*)</text>", html):
        for number in re.findall(r"(?:: |n = |\u2013)(\d[\d.]*)", text):
            value = int(number.replace(".", ""))
            assert value == 0 or value >= 10, text
    results = json.loads((exp / "results.json").read_text("utf-8"))
    beta = [r for r in results["effects"] if r["site"] == "Beta"]
    assert beta and all(r["n_arm"] is None and r["estimate"] is None for r in beta)
    assert all({"n_arm", "estimate"} <= set(r["suppressed"]) for r in beta)
    for rec in results["effects"]:
        assert all(rec[k] is None or rec[k] >= 10 for k in ("n", "n_arm", "n_control"))


@pytest.mark.slow
def test_same_trial_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    trial = make_trial(tmp_path / "t", sites={"Pilot": 100}, arms=("control", "exemption"))
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    assert run(trial, "-o", a, "--permutations", "99", "-q") == 0
    assert run(trial, "-o", b, "--permutations", "99", "-q") == 0
    # The command line (with the output name) is part of the report; align it.
    assert a.read_bytes() == b.read_bytes().replace(b"b.html", b"a.html")


@pytest.mark.slow
def test_demo_report(tmp_path):
    out = tmp_path / "demo-report.html"
    start = time.perf_counter()
    assert run("--demo", "-o", out, "-q") == 0
    elapsed = time.perf_counter() - start
    html = out.read_text("utf-8")
    assert '<html lang="nl">' in html
    assert "2.000 keer" in html  # randomisation inference with the demo's 2,000 draws
    assert "trustexp report --demo -o" in html
    print(f"trustexp report --demo: {elapsed:.1f} s")


def test_progress_bar_only_when_enabled():
    import io

    from trustexp.cli.report import _Progress

    shown = io.StringIO()
    bar = _Progress(enabled=True, file=shown)
    bar.phase("estimating")
    bar.estimating("all: income", 1, 4)
    bar.estimating("all: exit", 4, 4)
    bar.phase("rendering", total=2)
    bar.rendering("summary")
    bar.close()
    assert "estimating" in shown.getvalue() and "rendering" in shown.getvalue()
    silent = io.StringIO()
    bar = _Progress(enabled=False, file=silent)
    bar.phase("estimating")
    bar.estimating("all: income", 1, 4)
    bar.close()
    assert silent.getvalue() == ""
