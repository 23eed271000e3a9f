"""Issue 14, item 5: every command writes its outputs as one unit, and never into the trial."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import trustexp
from trustexp import _atomic
from trustexp._atomic import _lock, atomic_dir, atomic_group, write_atomic
from trustexp.cli import main
from trustexp.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.slow
def test_a_failed_html_write_after_the_export_leaves_no_export(make_trial, tmp_path, monkeypatch):
    ev = trustexp.evaluate(make_trial(), permutations=0)
    real_replace = os.replace

    def full_disk(src, dst, *a, **k):
        if str(dst).endswith(".html"):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(_atomic.os, "replace", full_disk)
    with pytest.raises(InputError, match="No space left"):
        trustexp.report(ev, tmp_path / "r.html", export_dir=tmp_path / "export")
    assert not (tmp_path / "export").exists()
    assert not (tmp_path / "r.html").exists()
    assert _leftovers(tmp_path) == []


@pytest.mark.slow
def test_a_full_disk_while_exporting_leaves_nothing(make_trial, tmp_path, monkeypatch):
    ev = trustexp.evaluate(make_trial(), permutations=0)
    (tmp_path / "r.html").write_text("the previous report", "utf-8")
    real = Path.write_bytes

    def full(self, data):
        if self.suffix == ".png":
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(InputError, match="No space left"):
        trustexp.report(ev, tmp_path / "r.html", export_dir=tmp_path / "export")
    assert not (tmp_path / "export").exists()
    assert (tmp_path / "r.html").read_text("utf-8") == "the previous report"
    assert _leftovers(tmp_path) == []


@pytest.mark.slow
def test_an_output_in_the_trial_folder_or_equal_to_an_input_is_refused(make_trial, tmp_path,
                                                                      capsys):
    trial = make_trial()
    before = sorted(p.name for p in trial.iterdir())
    for args in (["report", str(trial), "-o", str(trial / "monthly.xlsx")],
                 ["report", str(trial), "-o", str(trial / "." / "r.html")],
                 ["report", str(trial), "-o", str(tmp_path / "r.html"), "--export",
                  str(trial / "tabellen")],
                 ["estimate", str(trial), "-o", str(trial / "effects.csv"), "--format", "csv"],
                 ["estimate", str(trial), "-o", str(trial / "participants.csv")]):
        assert main([*args, "--permutations", "0"]) == 2
        err = capsys.readouterr().err
        assert "inside the trial folder" in err or "input files" in err
    assert sorted(p.name for p in trial.iterdir()) == before
    ev = trustexp.evaluate(trial, permutations=0)
    with pytest.raises(trustexp.errors.OptionError, match="inside the trial folder"):
        trustexp.report(ev, trial / "rapport.html")


@pytest.mark.slow
def test_an_output_that_is_an_input_elsewhere_is_refused(make_trial, tmp_path):
    trial = make_trial()
    elsewhere = tmp_path / "exports"
    elsewhere.mkdir()
    (trial / "takeup.csv").rename(elsewhere / "takeup.csv")
    toml = (trial / "trial.toml").read_text("utf-8") + '\n[data]\ntakeup = "../exports/takeup.csv"\n'
    (trial / "trial.toml").write_text(toml, "utf-8")
    assert main(["report", str(trial), "-o", str(elsewhere / "takeup.csv"), "-q",
                 "--permutations", "0"]) == 2
    assert (elsewhere / "takeup.csv").read_text("utf-8").startswith("person_id")


def test_stale_temporaries_of_earlier_runs_are_cleaned(tmp_path):
    target = tmp_path / "export"
    stale_dir = tmp_path / ".export.abcd1234.tmp"  # an earlier version's name
    stale_dir.mkdir()
    (stale_dir / "results.json").write_text("{}", "utf-8")
    stale_new = tmp_path / ".export.trustexp-zz9_x8y7.tmp"
    stale_new.mkdir()
    other = tmp_path / ".export.csv.abcd1234.tmp"  # belongs to another target: kept
    other.write_text("x", "utf-8")
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("a", "utf-8")
    assert (target / "a.txt").read_text("utf-8") == "a"
    assert _leftovers(tmp_path) == [".export.csv.abcd1234.tmp"]
    (tmp_path / ".r.html.01234567.tmp").write_text("half", "utf-8")
    write_atomic(tmp_path / "r.html", "whole")
    assert _leftovers(tmp_path) == [".export.csv.abcd1234.tmp"]


def test_a_second_writer_of_the_same_target_gets_a_message(tmp_path):
    held = _lock(tmp_path / "r.html")
    try:
        with pytest.raises(InputError, match="another process is writing"):
            write_atomic(tmp_path / "r.html", "x")
        with pytest.raises(InputError, match="another process is writing"):
            with atomic_dir(tmp_path / "r.html"):
                pass
        write_atomic(tmp_path / "other.html", "y")  # another target is free
    finally:
        held.release()
    write_atomic(tmp_path / "r.html", "x")
    assert _leftovers(tmp_path) == []


@pytest.mark.slow
def test_two_reports_sharing_an_export_folder_do_not_crash(make_trial, tmp_path):
    trial = make_trial()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "trustexp", "report", str(trial), "-q", "--permutations", "0",
           "--export", str(tmp_path / "export")]
    runs = [subprocess.Popen([*cmd, "-o", str(tmp_path / f"r{i}.html")], env=env,
                             stderr=subprocess.PIPE, text=True) for i in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in runs]
    assert sorted(rc for rc, _ in results) == [0, 2]
    err = next(e for rc, e in results if rc == 2)
    assert "internal error" not in err
    assert "another process is writing" in err or "not empty" in err
    assert len(list((tmp_path / "export").iterdir())) > 10
    assert _leftovers(tmp_path) == []


def test_an_error_inside_a_group_moves_nothing_into_place(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_group():
            write_atomic(tmp_path / "a.txt", "a")
            with atomic_dir(tmp_path / "d") as d:
                (d / "x").write_text("x", "utf-8")
            raise RuntimeError("late failure")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_sigterm_during_report_export_leaves_nothing_behind(make_trial, tmp_path):
    trial = make_trial()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for i, delay in enumerate((1.5, 2.5, 3.5, 4.5, 5.5)):
        out, export = tmp_path / f"r{i}.html", tmp_path / f"export{i}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "trustexp", "report", str(trial), "-o", str(out), "-q",
             "--permutations", "0", "--export", str(export)], env=env,
            stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=120)
        err = proc.stderr.read()
        assert "Traceback" not in err
        assert rc in (0, 2, -signal.SIGTERM)
        assert out.exists() == export.exists()  # one unit: both or neither
        assert _leftovers(tmp_path) == [], (delay, rc, err)
