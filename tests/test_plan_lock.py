"""trustexp lock: plan.lock, the deviations since, and the report of a locked trial."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from trustexp.cli import main
from trustexp.planning.lock import deviations, lock_plan, plan_sha256, read_lock
from trustexp.resources import demo_dir
from trustexp.validation._config import read_toml

ADDED = """
[[outcomes]]
id = "employed_at_12m"
source = "monthly"
measure = "employed_at"
window_months = 12
family = "work"
"""


@pytest.fixture()
def trial(tmp_path: Path) -> Path:
    out = tmp_path / "demo"
    shutil.copytree(demo_dir(), out)
    return out


def test_lock_hash_ignores_metadata_and_files(trial: Path) -> None:
    raw = read_toml(trial / "trial.toml")
    lock = lock_plan(raw, on="2017-09-01")
    assert lock.plan_sha256 == plan_sha256(raw)
    changed = {**raw, "trial": {**raw["trial"], "name": "Another name", "registry": "AEA-1",
                                "authors": ["X"]}, "data": {"participants": "elsewhere.csv"}}
    assert plan_sha256(changed) == lock.plan_sha256
    assert deviations(lock, changed) == []
    window = json.loads(json.dumps(raw, default=str))
    window["outcomes"][0]["window_months"] = 18
    window["analysis"]["covariates"] = ["age"]
    kinds = [(d.kind, d.item) for d in deviations(lock, window)]
    assert ("window_changed", "exit_to_work_24m") in kinds
    assert ("covariates_changed", "analysis.covariates") in kinds
    removed = {**raw, "outcomes": raw["outcomes"][1:]}
    assert [(d.kind, d.item) for d in deviations(lock, removed)] == [
        ("outcome_removed", "exit_to_work_24m")]


@pytest.mark.slow
def test_locked_demo_with_an_added_outcome_shows_the_deviation(
        trial: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1504224000")  # 2017-09-01
    text = (trial / "trial.toml").read_text(encoding="utf-8").replace(
        'language = "nl"',
        'language = "nl"\nregistry = "AEARCTR-0003592"\nregistered_on = 2017-09-01\n'
        'authors = ["R. Muffels"]')
    (trial / "trial.toml").write_text(text, encoding="utf-8")
    assert main(["lock", str(trial)]) == 0
    lock = read_lock(trial)
    assert lock is not None and lock.locked_on == "2017-09-01"
    assert main(["lock", str(trial)]) == 2  # locked once
    (trial / "trial.toml").write_text(text + ADDED, encoding="utf-8")
    import trustexp

    ev = trustexp.evaluate(trial, permutations=0)
    reg = ev.frame("registration").iloc[0]
    assert reg["locked"] and reg["changed"] and reg["registry"] == "AEARCTR-0003592"
    assert reg["registered_on"] == "2017-09-01" and reg["locked_on"] == "2017-09-01"
    devs = ev.frame("deviations")
    assert devs[["kind", "item"]].values.tolist() == [["outcome_added", "employed_at_12m"]]
    js = json.loads(ev.to_json())
    assert js["deviations"][0]["item"] == "employed_at_12m"
    out = tmp_path / "report.html"
    assert main(["report", str(trial), "-o", str(out), "--lang", "en", "--permutations", "0",
                 "--quiet"]) == 0
    html = out.read_text(encoding="utf-8")
    assert "AEARCTR-0003592" in html and "locked on 2017-09-01" in html
    assert "Deviations from the locked plan" in html
    assert "employed_at_12m (not pre-specified)" in html
    assert "What this trial could detect" in html
    assert html.count("(not pre-specified)") == 1


@pytest.mark.slow
def test_unlocked_trial_says_so(trial: Path) -> None:
    import trustexp

    ev = trustexp.evaluate(trial, permutations=0)
    assert not ev.frame("registration").iloc[0]["locked"]
    assert ev.frame("deviations").empty


def test_lock_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lock", str(tmp_path / "missing")]) == 2
    (tmp_path / "trial.toml").write_text('[trial]\nname = "x"\n')
    assert main(["lock", str(tmp_path)]) == 1
    assert not (tmp_path / "plan.lock").exists()
    capsys.readouterr()
    (tmp_path / "plan.lock").write_text("not json")
    with pytest.raises(Exception, match="not a plan.lock"):
        read_lock(tmp_path)
