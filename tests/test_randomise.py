"""trustexp randomise: the assignment, its certificate, --verify, and the RI randomiser."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trustexp.cli import main
from trustexp.planning.randomise import allocation_counts, randomise_table
from trustexp.resources import demo_dir
from trustexp.stats import draw_assignments

ARMS = ["control", "exemption", "extra_earnings", "intensive_guidance"]


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "trial"
    out.mkdir()
    for name in ("trial.toml", "participants.csv"):
        shutil.copy(demo_dir() / name, out)
    return out


@pytest.mark.slow
def test_round_trip_and_verify(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parts, out = folder / "participants.csv", folder / "assignment.csv"
    assert main(["randomise", str(parts), "-o", str(out)]) == 0
    cert_path = folder / "assignment.certificate.json"
    cert = json.loads(cert_path.read_text())
    data = out.read_bytes()
    assert cert["output_sha256"] == hashlib.sha256(data).hexdigest()
    p = pd.read_csv(parts)
    ids = sorted(p.loc[p["arm"] != "reference", "person_id"].astype(str))
    assert cert["input_ids_sha256"] == hashlib.sha256(("\n".join(ids) + "\n").encode()).hexdigest()
    a = pd.read_csv(out)
    assert list(a.columns) == ["person_id", "arm", "stratum"]
    assert a["person_id"].tolist() == ids
    got = {s: dict(Counter(g["arm"])) for s, g in a.groupby("stratum")}
    want = {s: {k: v for k, v in c.items() if v} for s, c in cert["counts"].items()}
    assert got == want
    assert cert["seed"] == 20171001 and cert["strata"] == ["site", "stratum"]
    capsys.readouterr()
    assert main(["randomise", str(parts), "-o", str(out), "--verify"]) == 0
    assert "verified" in capsys.readouterr().out
    # another seed, or a changed assignment: --verify fails with exit code 1
    assert main(["randomise", str(parts), "-o", str(out), "--verify", "--seed", "1"]) == 1
    out.write_bytes(data.replace(b"control", b"exemption", 1))
    assert main(["randomise", str(parts), "-o", str(out), "--verify"]) == 1
    assert "differs" in capsys.readouterr().err


def test_assignment_is_draw_zero_of_the_ri_randomiser() -> None:
    p = pd.read_csv(demo_dir() / "participants.csv")
    p = p[p["arm"] != "reference"]
    res = randomise_table(p, arms=ARMS, seed=99, strata=["site", "stratum"])
    a = res.assignment
    # rebuild the fixed allocation from the certificate and draw once with draw_assignments
    codes, strata = np.unique(a["stratum"], return_inverse=True)
    template = np.empty(len(a), np.int64)
    for k, s in enumerate(codes):
        idx = np.flatnonzero(strata == k)
        template[idx] = np.repeat(np.arange(4), [res.certificate["counts"][s][x] for x in ARMS])
    drawn = draw_assignments(template, strata=strata, draws=1, seed=99)[0]
    assert (np.asarray(ARMS)[drawn] == a["arm"].to_numpy()).all()
    # re-randomisation of the result (as randomisation inference does) keeps the certificate's counts
    arm_codes = a["arm"].map({x: i for i, x in enumerate(ARMS)}).to_numpy()
    draws = draw_assignments(arm_codes, strata=strata, draws=50, seed=1)
    for k, s in enumerate(codes):
        counts = np.stack([(draws[:, strata == k] == i).sum(axis=1) for i in range(4)], axis=1)
        assert (counts == [res.certificate["counts"][s][x] for x in ARMS]).all()


@pytest.mark.slow
def test_same_distribution_as_the_permutation_draws() -> None:
    """Over seeds, the assignments of 6 persons 3/3 are uniform on the 20 patterns, as RI's draws."""
    p = pd.DataFrame({"person_id": [f"p{i}" for i in range(6)]})
    pats = Counter("".join(randomise_table(p, arms=["c", "t"], seed=s).assignment["arm"])
                   for s in range(600))
    assert len(pats) == 20
    first = randomise_table(p, arms=["c", "t"], seed=0).assignment["arm"].map({"c": 0, "t": 1})
    ri = Counter(map(bytes, draw_assignments(first.to_numpy(), draws=600, seed=5)))
    assert len(ri) == 20
    for counter in (pats, ri):
        assert stats.chisquare(list(counter.values())).pvalue > 0.001


def test_input_order_does_not_matter_and_clusters_move_whole() -> None:
    rng = np.random.default_rng(0)
    p = pd.DataFrame({"person_id": [f"x{i:03d}" for i in range(120)],
                      "block": np.repeat(["a", "b"], 60),
                      "team": [f"t{i // 6:02d}" for i in range(120)]})
    one = randomise_table(p, arms=["c", "t", "u"], seed=4, strata=["block"], cluster="team",
                          ratios={"c": 2})
    two = randomise_table(p.iloc[rng.permutation(120)], arms=["c", "t", "u"], seed=4,
                          strata=["block"], cluster="team", ratios={"c": 2})
    assert one.csv_bytes() == two.csv_bytes()
    assert one.certificate == two.certificate
    assert (one.assignment.groupby("cluster")["arm"].nunique() == 1).all()
    assert one.certificate["counts"]["a"] == {"c": 5, "t": 3, "u": 2}  # 10 teams, 2:1:1


def test_allocation_counts() -> None:
    assert allocation_counts(10, ["a", "b", "c"], {}) == {"a": 4, "b": 3, "c": 3}
    assert allocation_counts(10, ["a", "b", "c"], {}, rotate=1) == {"a": 3, "b": 4, "c": 3}
    assert sum(allocation_counts(17, ["a", "b"], {"a": 3}).values()) == 17


def test_errors_name_table_row_column_and_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "trial.toml").write_text((demo_dir() / "trial.toml").read_text())
    parts = tmp_path / "participants.csv"
    parts.write_text("person_id,site,stratum\nA1,s,x\nA1,s,y\n")
    assert main(["randomise", str(parts), "-o", str(tmp_path / "a.csv")]) == 2
    err = capsys.readouterr().err
    assert "participants.csv, row 2, column 'person_id'" in err and "unique" in err
    assert not (tmp_path / "a.csv").exists()
    parts.write_text("person_id,site\nA1,s\n")
    assert main(["randomise", str(parts), "-o", str(tmp_path / "a.csv")]) == 2
    assert "no column 'stratum'" in capsys.readouterr().err
    assert main(["randomise", str(parts), "-o", str(parts)]) == 2
