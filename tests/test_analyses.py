"""The example analyses run as scripts, and their heterogeneity test matches metafor."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ANALYSES = ROOT / "analyses"
REFERENCE = Path(__file__).resolve().parent / "reference"


def _run(script: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, str(ANALYSES / script)],
        capture_output=True, text=True, timeout=300, cwd=ROOT, env=env,
    )


@pytest.mark.slow
def test_one_trial_end_to_end():
    proc = _run("01_one_trial_end_to_end.py")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for section in ("== Validation ==", "== Summary ==", "== Person-level outcomes ==",
                    "== Primary outcomes ==", "== Balance ==", "== Attrition ==",
                    "== Provenance =="):
        assert section in out
    assert "valid: True" in out
    assert "exit_to_work_24m" in out
    assert "data_sha256: " in out
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_compare_sites():
    proc = _run("02_compare_sites.py")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "== Per-site effects ==" in out
    assert "== Heterogeneity across sites (Cochran's Q) ==" in out
    for site in ("Groningen", "Tilburg", "Wageningen"):
        assert site in out
    assert "pairs with Q p-value < 0.05" in out


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name.replace(".py", ""), ANALYSES / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cochran_q_matches_metafor():
    cochran_q = _load_script("02_compare_sites.py").cochran_q
    cases = json.loads((REFERENCE / "cochran_q.json").read_text())
    for case in cases:
        got = cochran_q(case["yi"], case["sei"])
        for key in ("fixed_effect", "std_error", "q", "df", "p_value", "i2"):
            assert got[key] == pytest.approx(case[key], rel=1e-8, abs=1e-12), key


def test_cochran_q_too_few_sites():
    cochran_q = _load_script("02_compare_sites.py").cochran_q
    got = cochran_q([0.1, float("nan")], [0.05, 0.05])
    assert got["k"] == 1
    assert got["q"] != got["q"]  # NaN


@pytest.mark.slow
def test_options_and_tables_notebook():
    proc = _run("03_options_and_tables.py")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for section in ("== Options used ==", "== A wrong option ==", "== Regression table (HTML) ==",
                    "== Regression table (LaTeX) ==", "== Covariate coefficients (pooled) ==",
                    "== Sensitivity comparison (pooled estimates) =="):
        assert section in out
    assert "overridden: ['outcomes', 'permutations']" in out
    assert "The 'alpha' parameter of evaluate must be a float in (0, 1). Got 1.5 instead." in out
    assert '<table class="regression-table">' in out and "\\begin{tabular}" in out
    for run in ("as planned", "no covariates", "Lin adjustment", "HC3 errors"):
        assert run in out
    assert "largest difference between runs: " in out
    assert "Traceback" not in proc.stderr
