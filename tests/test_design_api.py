"""trustexp.design and trustexp design: planned, randomised and observed trials."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from trustexp.cli import main
from trustexp.planning import design
from trustexp.planning.power import family_alpha, mde_from_se, mde_prop, mde_t
from trustexp.resources import demo_dir

PLANNED = """\
[trial]
name = "Planned trial"
control_arm = "control"

[arms]
control = "Control"
exemption = "Exemption"
guidance = "Guidance"

[[outcomes]]
id = "exit_18m"
source = "monthly"
measure = "exit_to_work"
window_months = 18
family = "work"
primary = true

[[outcomes]]
id = "earnings_12m"
source = "monthly"
measure = "earnings_total"
window_months = 12
family = "work"

[design]
power = 0.8
n_per_arm = 150
base_rate = { exit_18m = 0.15 }
sd = { earnings_12m = 2500 }
r2 = 0.2
"""


@pytest.fixture()
def planned(tmp_path: Path) -> Path:
    folder = tmp_path / "planned"
    folder.mkdir()
    (folder / "trial.toml").write_text(PLANNED, encoding="utf-8")
    return folder


def test_planned_folder_mde_by_formula(planned: Path) -> None:
    res = design(planned, simulations=0)
    assert res.source == "planned"
    t = res.table.set_index(["outcome", "arm"])
    alpha = family_alpha(0.05, 4)  # 2 outcomes x 2 arms in the family
    assert t.loc[("exit_18m", "guidance"), "alpha"] == pytest.approx(alpha)
    want = mde_prop(0.15, 150, 150, alpha=alpha, r2=0.2)
    assert t.loc[("exit_18m", "guidance"), "mde"] == pytest.approx(want, rel=1e-12)
    want = mde_t(2500, 150, 150, alpha=alpha, r2=0.2)
    assert t.loc[("earnings_12m", "exemption"), "mde"] == pytest.approx(want, rel=1e-12)
    assert t["n_arm"].eq(150).all() and t["n_control"].eq(150).all()


def test_planned_clusters_and_attrition(planned: Path) -> None:
    text = PLANNED.replace("r2 = 0.2", "r2 = 0.2\nicc = 0.05\ncluster_size = 10\nattrition = 0.2")
    (planned / "trial.toml").write_text(text, encoding="utf-8")
    r = design(planned, simulations=0).table.set_index(["outcome", "arm"]).loc[("earnings_12m", "guidance")]
    # 15 clusters of 10 per arm; 8 of 10 observed: deff = 1 + (8 - 1) * 0.05; df = 30 - 2
    assert r["deff"] == pytest.approx(1 + 7 * 0.05)
    want = mde_t(2500, 120, 120, alpha=0.05 / 4, r2=0.2, deff=1.35, df=28)
    assert r["mde"] == pytest.approx(want, rel=1e-12)


@pytest.mark.slow
def test_simulated_power_at_the_mde(planned: Path) -> None:
    res = design(planned, simulations=200, seed=11)
    t = res.table
    assert (t["simulations"] == 200).all()
    # 200 trials: the simulated power at the MDE is near 0.8 (4 MC s.e. = 0.11)
    assert ((t["power_sim"] - 0.8).abs() < 4 * t["power_mcse"] + 1e-9).all()
    assert (t["coverage"] > 0.88).all()
    assert (t["type_m"] >= 1).all()


def test_simulation_does_not_depend_on_chunks(planned: Path) -> None:
    a = design(planned, simulations=24, seed=3, chunks=1).table
    b = design(planned, simulations=24, seed=3, chunks=5).table
    cols = ["power_sim", "bias", "rmse", "coverage", "type_s", "type_m"]
    assert np.array_equal(a[cols].to_numpy(), b[cols].to_numpy(), equal_nan=True)


@pytest.mark.slow
def test_randomised_folder_without_outcome_tables(tmp_path: Path) -> None:
    folder = tmp_path / "randomised"
    folder.mkdir()
    shutil.copy(demo_dir() / "participants.csv", folder)
    text = (demo_dir() / "trial.toml").read_text(encoding="utf-8")
    text += '\n[design]\nbase_rate = { exit_to_work_24m = 0.15 }\n'
    (folder / "trial.toml").write_text(text, encoding="utf-8")
    res = design(folder, simulations=0)
    assert res.source == "randomised"
    r = res.table.set_index(["site", "outcome", "arm"]).loc[("all", "exit_to_work_24m", "exemption")]
    import pandas as pd

    p = pd.read_csv(folder / "participants.csv")
    n1, n0 = int((p["arm"] == "exemption").sum()), int((p["arm"] == "control").sum())
    assert (r["n_arm"], r["n_control"]) == (n1, n0)
    assert r["mde"] == pytest.approx(mde_prop(0.15, n1, n0, alpha=0.05 / 21), rel=1e-12)
    assert set(res.table["site"]) == {"all", *p["site"].unique()}


@pytest.mark.slow
def test_observed_design_frame_equals_brute_force() -> None:
    import trustexp

    ev = trustexp.evaluate(demo=True, permutations=0)
    d = ev.frame("design").set_index(["site", "outcome", "arm"])
    eff = ev.frame("effects").set_index(["site", "outcome", "arm"])
    out = ev.outcomes()
    for oid, arm in [("exit_to_work_24m", "intensive_guidance"), ("earnings_total_24m", "exemption")]:
        r = d.loc[("all", oid, arm)]
        e = eff.loc[("all", oid, arm)]
        assert r["estimate"] == e["estimate"]
        assert r["mde_observed"] == pytest.approx(
            mde_from_se(e["std_error"], e["df"], alpha=0.05 / 21, power=0.8), rel=1e-12)
        ctrl = out.loc[out["arm"] == "control", oid].dropna().to_numpy(float)
        n1 = int(out.loc[out["arm"] == arm, oid].notna().sum())
        assert (r["n_arm"], r["n_control"]) == (n1, ctrl.size)
        if oid.startswith("exit"):
            want = mde_prop(ctrl.mean(), n1, ctrl.size, alpha=0.05 / 21)
        else:
            want = mde_t(ctrl.std(ddof=1), n1, ctrl.size, alpha=0.05 / 21)
        assert r["mde"] == pytest.approx(want, rel=1e-10)
    js = json.loads(ev.to_json())
    assert "design" in js and len(js["design"]) == len(d)


def test_cli_design_planned_text_json_html(planned: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    html = tmp_path / "design.html"
    assert main(["design", str(planned), "--simulations", "10", "--html", str(html)]) == 0
    out = capsys.readouterr().out
    assert "exit_18m" in out and "MDE" in out
    page = html.read_text(encoding="utf-8")
    assert "What this trial could detect" in page or "Wat dit experiment kon aantonen" in page
    assert "<script" not in page
    assert main(["design", str(planned), "--simulations", "0", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {r["outcome"] for r in doc["design"]} == {"exit_18m", "earnings_12m"}
    assert all(math.isfinite(r["mde"]) for r in doc["design"])


def test_cli_design_bad_values(planned: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (planned / "trial.toml").write_text(PLANNED.replace("power = 0.8", "power = 1.5"), encoding="utf-8")
    assert main(["design", str(planned)]) == 1
    assert "[design] power" in capsys.readouterr().err
    (planned / "trial.toml").write_text(PLANNED.replace("n_per_arm = 150\n", ""), encoding="utf-8")
    assert main(["design", str(planned)]) == 2
    assert "n_per_arm" in capsys.readouterr().err
    (planned / "trial.toml").write_text(PLANNED, encoding="utf-8")
    assert main(["design", str(planned), "--effect", "nope=1"]) == 2
    assert "'nope'" in capsys.readouterr().err
    assert main(["design", str(planned), "--effect", "exit_18m"]) == 2
