"""Tests of the simulated trial (trustexp.simulation) and `trustexp simulate`."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from trustexp.cli.simulate import command
from trustexp.config import TrialConfig
from trustexp.errors import InputError, OptionError
from trustexp.resources import demo_dir
from trustexp.simulation import DEMO_SEED, refresh_demo, simulate
from trustexp.simulation._simulate import FILES

# End-to-end runs on module-wide fixtures of several seconds: left out of `make check`.
pytestmark = pytest.mark.slow

ARMS = ("control", "exemption", "extra_earnings", "intensive_guidance")
SMALL = {"sites": {"Aa": 120, "Bb": 90}, "reference": 10}


# -- helpers (independent of the simulation code) -----------------------------


def _month_number(text: pd.Series) -> np.ndarray:
    """'YYYY-MM' or 'YYYY-MM-DD' -> year * 12 + month - 1."""
    parts = text.str.split("-", expand=True)
    return parts[0].astype(int).to_numpy() * 12 + parts[1].astype(int).to_numpy() - 1


def _relative_months(monthly: pd.DataFrame, participants: pd.DataFrame) -> pd.DataFrame:
    m = monthly.merge(participants[["person_id", "arm", "randomised_on"]], on="person_id")
    return m.assign(rel=_month_number(m["month"]) - _month_number(m["randomised_on"]))


def _is_bsn(value: str) -> bool:
    """The 11-test of a Dutch citizen service number."""
    if len(value) != 9 or not value.isdigit():
        return False
    digits = [int(c) for c in value]
    total = sum(w * d for w, d in zip(range(9, 1, -1), digits[:8], strict=True)) - digits[8]
    return total % 11 == 0


def _person_measures(trial, window: int = 24, min_hours: float = 52) -> pd.DataFrame:
    """Brute-force person-level work measures over months 1..window (fully observed only)."""
    m = _relative_months(trial.monthly, trial.participants)
    m = m[(m["rel"] >= 1) & (m["rel"] <= window)]
    work = (m["employed"] == 1) & (m["hours"] >= min_hours)
    m = m.assign(
        part_time=((m["on_benefit"] == 1) & work).astype(int),
        exit=((m["on_benefit"] == 0) & (m["employed"] == 1)).astype(int),
    )
    out = m.groupby("person_id").agg(
        arm=("arm", "first"),
        months=("rel", "count"),
        part_time=("part_time", "max"),
        exit=("exit", "max"),
    )
    return out[out["months"] == window]


def _difference(y: pd.Series, arm: pd.Series, treated: str) -> tuple[float, float]:
    """Difference in means treated - control and its (unpooled) standard error."""
    a, c = y[arm == treated], y[arm == "control"]
    diff = a.mean() - c.mean()
    se = np.sqrt(a.var(ddof=1) / len(a) + c.var(ddof=1) / len(c))
    return float(diff), float(se)


def _scale_score(survey: pd.DataFrame, items: list[str], lo: int, hi: int, reverse: list[str]):
    x = survey[items].astype(float)
    for item in reverse:
        x[item] = hi + lo - x[item]
    return x.mean(axis=1, skipna=True).where(x.notna().sum(axis=1) >= (len(items) + 1) // 2)


@pytest.fixture(scope="module")
def demo():
    return simulate(seed=DEMO_SEED)


@pytest.fixture(scope="module")
def big():
    """A large one-site trial, to check the planted effects by simulation."""
    return simulate(
        seed=7, sites={"Groot": 40_000}, reference=0, tables=("monthly", "survey", "takeup")
    )


@pytest.fixture(scope="module")
def big_people(big):
    return _person_measures(big)


# -- determinism and the shipped demo ------------------------------------------


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    a = simulate(tmp_path / "a", seed=11, **SMALL).path
    b = simulate(tmp_path / "b", seed=11, **SMALL).path
    c = simulate(tmp_path / "c", seed=12, **SMALL).path
    assert sorted(p.name for p in a.iterdir()) == sorted(FILES)
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "participants.csv").read_bytes() != (c / "participants.csv").read_bytes()


def test_shipped_demo_is_reproduced(tmp_path: Path, demo) -> None:
    shipped = demo_dir()
    written = demo.write(tmp_path / "demo")
    for name in ("trial.toml", "participants.csv", "survey.csv", "takeup.csv"):
        assert (shipped / name).read_bytes() == (written / name).read_bytes(), name
    pd.testing.assert_frame_equal(
        pd.read_parquet(shipped / "monthly.parquet"), pd.read_parquet(written / "monthly.parquet")
    )
    size = sum(p.stat().st_size for p in shipped.iterdir())
    assert size < 2_000_000


def test_refresh_demo_writes_the_demo_files(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("keep")
    (tmp_path / "monthly.csv").write_text("stale")
    written = refresh_demo(tmp_path)
    assert sorted(p.name for p in written) == sorted(FILES)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*FILES, "README.md"])
    assert (tmp_path / "README.md").read_text() == "keep"
    for name in ("trial.toml", "participants.csv"):
        assert (tmp_path / name).read_bytes() == (demo_dir() / name).read_bytes()


def test_trial_toml_is_read_by_the_plan_parser(demo) -> None:
    raw = tomllib.loads(demo.trial_toml)
    config = TrialConfig.from_dict(raw, ".")
    assert config.language == "nl"
    assert [a.id for a in config.treatment_arms] == list(ARMS[1:])
    assert [a.kind for a in config.reference_arms] == ["reference"]
    assert config.strata == ("site", "stratum")
    assert config.analysis.permutations == 2000 and config.analysis.multiple_testing == "holm"
    assert set(config.families) == {"work", "wellbeing"}
    pt = next(o for o in config.outcomes if o.measure == "part_time_work")
    assert pt.primary and pt.window_months == 24 and pt.min_hours == 52
    assert all(o.label for o in config.outcomes)
    assert config.scale("wellbeing").reverse == ("wb4",)
    assert config.takeup[0].column == "received"
    assert set(config.analysis.covariates) <= set(demo.participants.columns)


def test_demo_validates() -> None:
    import trustexp.validation as validation
    report = validation.validate(demo=True)
    assert report.valid, report.to_text()


# -- design --------------------------------------------------------------------


def test_participants(demo) -> None:
    p = demo.participants
    assert p["person_id"].is_unique
    assert not any(_is_bsn(v) for v in p["person_id"])
    assert p["person_id"].str.fullmatch(r"[TWG]\d{4}").all()
    counts = p[p["arm"] != "reference"].groupby("site").size().to_dict()
    assert counts == {"Groningen": 890, "Tilburg": 800, "Wageningen": 410}
    assert (p[p["arm"] == "reference"].groupby("site").size() == 60).all()
    assert set(p["woman"]) == {0, 1} and set(p["migration_background"]) == {0, 1}
    assert set(p["education"]) == {1, 2, 3}
    dates = pd.to_datetime(p["randomised_on"])
    assert dates.min() >= pd.Timestamp("2017-10-01") and dates.max() <= pd.Timestamp("2018-12-31")
    # intake spread over about six months within each site
    spread = dates.groupby(p["site"]).agg(lambda d: (d.max() - d.min()).days)
    assert spread.between(150, 183).all()


def test_arm_counts_are_fixed_within_strata(demo) -> None:
    r = demo.participants[demo.participants["arm"] != "reference"]
    table = r.groupby(["site", "stratum", "arm"]).size().unstack(fill_value=0)
    assert list(table.columns) == sorted(ARMS)
    assert ((table.max(axis=1) - table.min(axis=1)) <= 1).all()
    assert len(table) == 12


def test_small_one_site_two_arm_trial() -> None:
    t = simulate(seed=1, sites={"Pilot": 200}, arms=("control", "intensive_guidance"), reference=0)
    assert len(t.participants) == 200
    assert t.participants["person_id"].str.fullmatch(r"P\d{4}").all()
    assert set(t.participants["arm"]) == {"control", "intensive_guidance"}
    counts = t.participants.groupby("arm").size()
    assert abs(counts["control"] - counts["intensive_guidance"]) <= 4  # <= 1 per stratum
    config = TrialConfig.from_dict(tomllib.loads(t.trial_toml))
    assert config.arm_ids == ("control", "intensive_guidance")
    assert set(t.takeup["person_id"]) == set(t.participants["person_id"])


def test_tables_can_be_left_out() -> None:
    t = simulate(seed=2, sites={"Pilot": 100}, arms=("control", "exemption"), tables=("monthly",))
    assert t.survey is None and t.takeup is None
    raw = tomllib.loads(t.trial_toml)
    assert "scales" not in raw and "takeup" not in raw
    assert all(o["source"] == "monthly" for o in raw["outcomes"])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"arms": ("exemption", "extra_earnings")},
        {"arms": ("control", "lottery")},
        {"sites": {}},
        {"sites": {"A": 1}},
        {"seed": -1},
        {"reference": True},
        {"reference": {"Elders": 10}},
        {"tables": ("takeup",)},
    ],
)
def test_bad_parameters_are_refused(kwargs) -> None:
    with pytest.raises(OptionError):
        simulate(**kwargs)


# -- monthly panel -------------------------------------------------------------


@pytest.mark.slow
def test_monthly_panel_covers_the_window(demo) -> None:
    m = _relative_months(demo.monthly, demo.participants)
    assert not m.duplicated(["person_id", "month"]).any()
    assert set(m["person_id"]) == set(demo.participants["person_id"])
    span = m.groupby("person_id")["rel"].agg(["min", "max", "count"])
    assert (span["min"] == -6).all()
    assert (span["count"] == span["max"] + 7).all()  # no gaps
    # the panel runs to month 36 (12 months after the trial); people who leave the
    # municipality (6%) or the data early (1.5%) stop before, at month 1 or later
    assert span["max"].max() == 36
    short = span[span["max"] < 36]
    assert 0.04 * len(span) < len(short) < 0.10 * len(span)
    assert (short["max"] >= 1).all()
    assert ((m["earnings"] >= 0) & m["hours"].between(0, 744)).all()
    assert (m.loc[m["employed"] == 0, ["earnings", "hours"]] == 0).all().all()
    assert (m.loc[m["rel"] == 0, "on_benefit"] == 1).all()
    # realistic dynamics: part-time work on benefit, full exits, and returns
    post = m[m["rel"] >= 1].sort_values(["person_id", "rel"])
    assert ((post["on_benefit"] == 1) & (post["employed"] == 1)).any()
    assert ((post["on_benefit"] == 0) & (post["employed"] == 1)).any()
    previous = post.groupby("person_id")["on_benefit"].shift()
    assert ((previous == 0) & (post["on_benefit"] == 1)).sum() > 10
    # calendar months differ between people for the same relative month
    assert m.loc[m["rel"] == 0, "month"].nunique() >= 6


@pytest.mark.slow
def test_planted_part_time_effects_are_recovered(big, big_people) -> None:
    people = big_people
    planted = big.effects.set_index(["arm", "quantity"])["effect"]
    for arm in ARMS[1:]:
        for measure, quantity in (("part_time", "part_time_work"), ("exit", "exit_to_work")):
            diff, se = _difference(people[measure], people["arm"], arm)
            truth = planted[(arm, quantity)]
            assert abs(diff - truth) < 4 * se, (arm, measure, diff, truth, se)
    # the documented sizes: +5 pp part-time for guidance and extra earnings, none on exit
    assert planted[("extra_earnings", "part_time_work")] == pytest.approx(0.05)
    assert planted[("intensive_guidance", "part_time_work")] == pytest.approx(0.05)
    assert planted[("exemption", "exit_to_work")] == 0
    assert planted[("exemption", "part_time_work")] == 0


def test_zero_effects_stay_near_zero(big, big_people) -> None:
    people = big_people
    for arm, measure in (
        ("exemption", "exit"),
        ("exemption", "part_time"),
        ("extra_earnings", "exit"),
    ):
        diff, se = _difference(people[measure], people["arm"], arm)
        assert abs(diff) < 4 * se, (arm, measure, diff, se)
    s = big.survey.merge(big.participants[["person_id", "arm"]], on="person_id")
    w2 = s[s["wave"] == 2]
    score = _scale_score(w2, [f"zr{i}" for i in range(1, 7)], 1, 5, [])
    diff, se = _difference(score, w2["arm"], "exemption")
    assert abs(diff) < 4 * se


def test_wellbeing_effect_is_small(big) -> None:
    s = big.survey.merge(big.participants[["person_id", "arm"]], on="person_id")
    w2 = s[s["wave"] == 2]
    score = _scale_score(w2, [f"wb{i}" for i in range(1, 6)], 0, 5, ["wb4"])
    diff, se = _difference(score, w2["arm"], "exemption")
    sd = score[w2["arm"] == "control"].std()
    assert 0.02 < diff / sd < 0.15
    assert se / sd < 0.03


# -- survey and take-up ----------------------------------------------------------


def test_attrition_rises_to_the_targets(demo, big) -> None:
    p = demo.participants[demo.participants["arm"] != "reference"]
    answered = demo.survey[demo.survey["person_id"].isin(p["person_id"])]
    attrition = 1 - answered.groupby("wave").size() / len(p)
    assert attrition[0] < 0.06
    assert 0.18 < attrition[1] < 0.32
    assert 0.33 < attrition[2] < 0.42
    # a little more attrition in control (checked on the large trial)
    s = big.survey[big.survey["wave"] == 2].merge(big.participants, on="person_id")
    rate = 1 - s.groupby("arm").size() / big.participants.groupby("arm").size()
    assert 0.02 < rate["control"] - rate.drop("control").mean() < 0.06
    assert 0.37 < rate["control"] < 0.43


def test_survey_dates_and_items(demo) -> None:
    s = demo.survey.merge(demo.participants[["person_id", "randomised_on"]], on="person_id")
    assert not s.duplicated(["person_id", "wave"]).any()
    days = (pd.to_datetime(s["responded_on"]) - pd.to_datetime(s["randomised_on"])).dt.days
    assert (days[s["wave"] == 0] <= 0).all()
    assert days[s["wave"] == 1].between(300, 420).all()
    assert days[s["wave"] == 2].between(660, 780).all()
    wb = s[[f"wb{i}" for i in range(1, 6)]]
    zr = s[[f"zr{i}" for i in range(1, 7)]]
    assert ((wb.min() >= 0) & (wb.max() <= 5)).all() and ((zr.min() >= 1) & (zr.max() <= 5)).all()
    missing = pd.concat([wb, zr], axis=1).isna().mean().mean()
    assert 0.02 < missing < 0.06


def test_reverse_coded_item_is_reversed(demo) -> None:
    s = demo.survey
    others = s[["wb1", "wb2", "wb3", "wb5"]].astype(float).mean(axis=1)
    r = s[[f"wb{i}" for i in range(1, 6)]].astype(float).corrwith(others)
    assert r["wb4"] < -0.3
    assert (r.drop("wb4") > 0.3).all()
    zr = s[[f"zr{i}" for i in range(1, 7)]].astype(float)
    assert (zr.corrwith(zr.mean(axis=1)) > 0.3).all()


def test_takeup_below_full(demo) -> None:
    t = demo.takeup.merge(demo.participants[["person_id", "arm"]], on="person_id")
    assert "reference" not in set(t["arm"])
    guidance = t[t["arm"] == "intensive_guidance"]
    assert 0.7 < guidance["received"].mean() < 0.9
    assert (t.loc[t["arm"] != "intensive_guidance", ["received", "dose"]] == 0).all().all()
    assert ((t["dose"] > 0) == (t["received"] == 1)).all()


# -- writing and the command line --------------------------------------------------


def test_command_writes_a_trial(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "trial"
    result = CliRunner().invoke(command, [str(out), "--seed", "5"], standalone_mode=False)
    assert result.exception is None, result.output
    assert result.return_value == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    assert [p.name for p in out.parent.iterdir()] == ["trial"]  # no temporary folder left


def test_command_accepts_an_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    result = CliRunner().invoke(command, [str(out), "--seed", "5"], standalone_mode=False)
    assert result.exception is None and result.return_value == 0
    assert (out / "trial.toml").is_file()


def test_command_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(command, [str(out)], standalone_mode=False)
    assert isinstance(result.exception, InputError)
    assert result.exception.exit_code == 2
    assert "not empty" in str(result.exception) and str(out) in str(result.exception)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert (out / "notes.txt").read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]


def test_command_refuses_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(InputError):
        simulate(target, seed=1, sites={"A": 40}, reference=0)
    assert target.read_text() == "x"
