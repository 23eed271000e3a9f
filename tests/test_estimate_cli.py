"""`trustexp estimate`: the contract's records on the demo and on the contract's examples."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _evalkit import simulate_tables, write_trial

import trustexp.cli as cli_module

RECORD_KEYS = [
    "site", "outcome", "arm", "estimate", "std_error", "ci_low", "ci_high", "p_value", "df",
    "n", "n_arm", "n_control", "control_mean", "se_type", "p_adjusted", "adjustment_method",
]
#: A record of contract v1.1: the effect names with the t statistic after the standard error.
REC = [*RECORD_KEYS[:5], "statistic", *RECORD_KEYS[5:]]

# The two trial.toml files of the contract, verbatim.
MINIMAL_TOML = """\
[trial]
name = "Pilot"
control_arm = "control"

[arms]
control = "Control"
treated = "Extra guidance"

[[outcomes]]
id = "income"
column = "income"
type = "continuous"
"""

FULL_TOML = """\
[trial]
name = "Vertrouwen in de bijstand"
control_arm = "control"
language = "nl"                      # report language: nl or en

[arms]
control            = { label = "Controlegroep", kind = "control" }
exemption          = { label = "Ontheffing arbeidsverplichtingen", kind = "exemption" }
extra_earnings     = { label = "Extra vrijlating bijverdiensten", kind = "extra_earnings" }
intensive_guidance = { label = "Intensieve begeleiding", kind = "intensive_guidance" }
reference          = { label = "Niet-deelnemers", kind = "reference" }

[randomisation]
strata = ["site", "stratum"]         # fixed effects for each combination
cluster = "cluster"                  # optional: column of the unit randomised

[analysis]
covariates = ["age", "months_on_benefit_before"]
adjustment = "additive"              # or "lin" (treatment x centred covariates)
standard_errors = "HC2"              # CR2 when a cluster is declared
alpha = 0.05
multiple_testing = "holm"            # within each family; also "bh", "romano-wolf", "none"
seed = 20171001                      # every random draw (permutations, bootstrap) starts here
permutations = 2000                  # randomisation inference; 0 or absent: none
min_cell = 10                        # smaller counts are suppressed in reports and exports

[[outcomes]]
id = "exit_work_18m"
source = "monthly"
measure = "exit_to_work"
window_months = 18
family = "work"
primary = true

[[outcomes]]
id = "wellbeing_t2"
source = "survey"
scale = "wellbeing"
wave = 2
family = "wellbeing"

[[scales]]
id = "wellbeing"
items = ["wb1", "wb2", "wb3", "wb4", "wb5"]
range = [0, 5]
reverse = []

[[takeup]]
arm = "intensive_guidance"
column = "received"
"""


@pytest.fixture
def run(capsys):
    """Run ``trustexp ARGS`` through the real ``main``; return (exit code, stdout, stderr)."""

    def invoke(*args: object) -> tuple[int, str, str]:
        rc = cli_module.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return rc, out, err

    return invoke


def _minimal_folder(folder: Path, n: int = 400) -> Path:
    rng = np.random.default_rng(3)
    arm = np.resize(["control", "treated"], n)
    rng.shuffle(arm)
    participants = pd.DataFrame({
        "person_id": [f"P{i:04d}" for i in range(n)],
        "site": "Pilotstad",
        "arm": arm,
        "randomised_on": "2019-05-01",
        "income": (900 + 120 * (arm == "treated") + rng.normal(0, 500, n)).round(2),
    })
    folder.mkdir()
    (folder / "trial.toml").write_text(MINIMAL_TOML, encoding="utf-8")
    participants.to_csv(folder / "participants.csv", index=False)
    return folder


def _full_tables(n: int = 360) -> dict[str, pd.DataFrame]:
    """Tables for the contract's full trial.toml: two sites, clusters of two within strata."""
    t = simulate_tables(seed=21, n=n, sites=("Deventer", "Nijmegen"),
                        arms=("control", "exemption", "extra_earnings", "intensive_guidance"))
    p = t["participants"].rename(columns={"prior": "months_on_benefit_before"})
    p = p.drop(columns=["income"])
    # clusters of two people in the same stratum, randomised as a whole
    rng = np.random.default_rng(22)
    arms = np.array(["control", "exemption", "extra_earnings", "intensive_guidance"])
    cluster = np.empty(len(p), dtype=object)
    arm = p["arm"].to_numpy().astype(object)
    for (site, stratum), g in p.loc[p["arm"] != "reference"].groupby(["site", "stratum"]):
        idx = g.index.to_numpy()
        labels = np.arange(len(idx)) // 2
        cluster[idx] = [f"{site}-{stratum}-{c}" for c in labels]
        n_cl = labels.max() + 1
        cl_arm = rng.permutation(np.resize(arms, n_cl))
        arm[idx] = cl_arm[labels]
    ref = (p["arm"] == "reference").to_numpy()
    cluster[ref] = [f"ref-{i}" for i in range(ref.sum())]
    p = p.assign(cluster=cluster.astype(str), arm=arm.astype(str))
    s = t["survey"].assign(wb5=lambda d: d["wb1"])
    takeup = pd.DataFrame({"person_id": p["person_id"],
                           "received": ((p["arm"] == "intensive_guidance")
                                        & (rng.random(len(p)) < 0.75)).astype(int)})
    return {"participants": p, "monthly": t["monthly"], "survey": s, "takeup": takeup}


def _full_folder(folder: Path) -> Path:
    write_trial(folder, {}, _full_tables())
    (folder / "trial.toml").write_text(FULL_TOML, encoding="utf-8")
    return folder


# -- the demo -----------------------------------------------------------------------

def _check_complete(records, outcomes, arms, sites):
    seen = {(r["site"], r["outcome"], r["arm"]) for r in records}
    want = {(s, o, a) for s in sites for o in outcomes for a in arms}
    assert seen == want
    assert len(records) == len(want)


@pytest.mark.slow
def test_demo_json_every_outcome_arm_site(run):
    rc, out, err = run("estimate", "--demo", "--format", "json", "--permutations", "25")
    assert rc == 0, err
    obj = json.loads(out)
    assert list(obj)[:5] == ["trial", "trustexp_version", "data_sha256", "min_cell", "effects"]
    recs = obj["effects"]
    assert all(list(r) == [*REC, "p_value_ri", "suppressed"] for r in recs)
    outcomes = ["exit_to_work_24m", "part_time_work_24m", "any_work_24m",
                "months_on_benefit_24m", "earnings_total_24m", "employed_at_24m",
                "time_to_exit_24m", "wellbeing_t1", "wellbeing_t2", "self_reliance_t2"]
    arms = ["exemption", "extra_earnings", "intensive_guidance"]
    _check_complete(recs, outcomes, arms, ["all", "Groningen", "Tilburg", "Wageningen"])
    assert recs[0]["site"] == "all"
    assert all(r["estimate"] is not None and r["p_value_ri"] is not None for r in recs)
    assert not any(r["arm"] == "reference" for r in recs)


@pytest.mark.slow
def test_demo_csv_and_text(run):
    rc, out_json, _ = run("estimate", "--demo", "--permutations", "0")
    assert rc == 0
    rc, out_csv, _ = run("estimate", "--demo", "--format", "csv", "--permutations", "0")
    assert rc == 0
    rows = list(csv.DictReader(io.StringIO(out_csv)))
    recs = json.loads(out_json)["effects"]
    assert list(rows[0]) == [*REC, "suppressed"]
    assert len(rows) == len(recs)
    for row, rec in zip(rows, recs, strict=True):
        assert row["outcome"] == rec["outcome"] and row["site"] == rec["site"]
        assert float(row["estimate"]) == rec["estimate"]
        assert row["n"] == str(rec["n"])
    rc, out_text, _ = run("estimate", "--demo", "--format", "text", "--permutations", "0")
    assert rc == 0
    assert "Trial: Vertrouwen in de bijstand" in out_text
    assert "exit_to_work_24m" in out_text


@pytest.mark.slow
def test_output_file_written_atomically(run, tmp_path):
    target = tmp_path / "effects.json"
    target.write_text("old", encoding="utf-8")
    rc, out, err = run("estimate", "--demo", "--permutations", "0", "--output", target)
    assert rc == 0, err
    assert out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["trial"].startswith("Vertrouwen")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["effects.json"]  # no temp files
    rc, out2, _ = run("estimate", "--demo", "--permutations", "0")
    assert out2 == target.read_text(encoding="utf-8")  # same bytes: deterministic


# -- the contract's two example trial.toml files ----------------------------------------

def test_contract_minimal_example(run, tmp_path):
    folder = _minimal_folder(tmp_path / "pilot")
    rc, out, err = run("estimate", folder, "--format", "json")
    assert rc == 0, err
    obj = json.loads(out)
    assert obj["trial"] == "Pilot"
    (rec,) = obj["effects"]
    assert list(rec) == [*REC, "suppressed"]
    assert (rec["site"], rec["outcome"], rec["arm"]) == ("all", "income", "treated")
    assert rec["se_type"] == "HC2" and rec["adjustment_method"] == "holm"
    assert rec["n"] == 400 and rec["n_arm"] == 200 and rec["n_control"] == 200
    assert rec["df"] == 398
    assert rec["ci_low"] < rec["estimate"] < rec["ci_high"]
    assert rec["p_adjusted"] == rec["p_value"]  # a family of its own
    # the estimate is the difference in means (no strata, no covariates)
    p = pd.read_csv(folder / "participants.csv")
    diff = (p.loc[p["arm"] == "treated", "income"].mean()
            - p.loc[p["arm"] == "control", "income"].mean())
    assert rec["estimate"] == pytest.approx(diff, rel=1e-9)
    assert rec["control_mean"] == pytest.approx(p.loc[p["arm"] == "control", "income"].mean())


@pytest.mark.slow
def test_contract_full_example(run, tmp_path):
    folder = _full_folder(tmp_path / "vertrouwen")
    rc, out, err = run("estimate", folder, "--format", "json")
    assert rc == 0, err
    obj = json.loads(out)
    recs = obj["effects"]
    assert all(list(r) == [*REC, "p_value_ri", "suppressed"] for r in recs)  # permutations = 2000
    _check_complete(recs, ["exit_work_18m", "wellbeing_t2"],
                    ["exemption", "extra_earnings", "intensive_guidance"],
                    ["all", "Deventer", "Nijmegen"])
    # HC2 is declared, with a cluster: the cluster-robust counterpart is used
    assert all(r["se_type"] == "CR2" for r in recs)
    ri = [r["p_value_ri"] for r in recs if isinstance(r["p_value_ri"], float)]
    assert ri and all(x * 2001 == pytest.approx(round(x * 2001)) for x in ri)
    rc, out_csv, _ = run("estimate", folder, "--format", "csv")
    assert rc == 0
    assert out_csv.splitlines()[0] == ",".join([*REC, "p_value_ri", "suppressed"])
    assert len(out_csv.splitlines()) == len(recs) + 1


@pytest.mark.parametrize(("declared", "used"), [("CR2", "CR2"), ("HC1", "CR1"), ("CR0", "CR0")])
@pytest.mark.slow
def test_contract_full_example_clustered_se(run, tmp_path, declared, used):
    folder = _full_folder(tmp_path / "vertrouwen")
    toml = (folder / "trial.toml").read_text(encoding="utf-8")
    toml = toml.replace('standard_errors = "HC2"  ', f'standard_errors = "{declared}"  ')
    (folder / "trial.toml").write_text(toml, encoding="utf-8")
    rc, out, err = run("estimate", folder, "--permutations", "0")
    assert rc == 0, err
    recs = json.loads(out)["effects"]
    assert {r["se_type"] for r in recs} == {used}
    assert all("p_value_ri" not in r for r in recs)


# -- failures ------------------------------------------------------------------------

def test_validation_failure_exit_1_and_no_output(run, tmp_path):
    folder = _minimal_folder(tmp_path / "pilot")
    p = pd.read_csv(folder / "participants.csv")
    p.loc[3, "arm"] = "nonsense"
    p.to_csv(folder / "participants.csv", index=False)
    target = tmp_path / "out.json"
    rc, out, err = run("estimate", folder, "--output", target)
    assert rc == 1
    assert out == ""
    assert "arm" in err and "nonsense" in err
    assert not target.exists()
    assert sorted(x.name for x in tmp_path.iterdir()) == ["pilot"]
    # an existing output file is left alone
    target.write_text("keep", encoding="utf-8")
    rc, _, _ = run("estimate", folder, "--output", target)
    assert rc == 1 and target.read_text(encoding="utf-8") == "keep"


def test_usage_errors_exit_2(run, tmp_path):
    rc, _, err = run("estimate", tmp_path / "missing")
    assert rc == 2 and "trustexp:" in err
    folder = _minimal_folder(tmp_path / "pilot")
    rc, _, err = run("estimate", folder, "--demo")
    assert rc == 2 and "not both" in err
    rc, _, err = run("estimate")
    assert rc == 2
    rc, _, err = run("estimate", folder, "--output", tmp_path / "no" / "such" / "dir.json")
    assert rc == 2 and "does not exist" in err
    rc, _, _ = run("estimate", folder, "--format", "xml")
    assert rc == 2
    rc, _, _ = run("estimate", folder, "--permutations", "-3")
    assert rc == 2
    before = (folder / "participants.csv").read_bytes()
    rc, _, err = run("estimate", folder, "--output", folder / "participants.csv")
    assert rc == 2 and "input" in err
    assert (folder / "participants.csv").read_bytes() == before


@pytest.mark.slow
def test_subprocess_exit_codes(tmp_path):
    folder = _minimal_folder(tmp_path / "pilot")
    env = dict(os.environ)
    root = Path(__file__).resolve().parent.parent
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")])
    ok = subprocess.run([sys.executable, "-m", "trustexp", "estimate", str(folder)],
                        capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["effects"][0]["outcome"] == "income"
    (folder / "participants.csv").write_text("person_id,site\n", encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "trustexp", "estimate", str(folder)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
