"""Shared fixtures: a small valid trial folder written to a temporary directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

TRIAL_TOML = """\
[trial]
name = "Test trial"
control_arm = "control"

[arms]
control = { label = "Control", kind = "control" }
treated = { label = "Extra guidance", kind = "intensive_guidance" }
reference = { label = "Declined", kind = "reference" }

[randomisation]
strata = ["site", "stratum"]

[analysis]
covariates = ["age"]

[[outcomes]]
id = "income"
column = "income"

[[outcomes]]
id = "exit_6m"
source = "monthly"
measure = "exit_to_work"
window_months = 6

[[outcomes]]
id = "wellbeing_t1"
source = "survey"
scale = "wellbeing"
wave = 1

[[scales]]
id = "wellbeing"
items = ["wb1", "wb2", "wb3"]
range = [1, 5]
reverse = ["wb3"]

[[takeup]]
arm = "treated"
column = "received"
"""


def trial_tables(n: int = 48, seed: int = 1) -> dict[str, pd.DataFrame]:
    """The tables of a small valid trial (as text-free typed frames)."""
    rng = np.random.default_rng(seed)
    ids = [f"P{i:04d}" for i in range(n)]
    site = np.repeat(["Tilburg", "Utrecht"], n // 2)
    stratum = np.tile(np.repeat(["a", "b"], n // 4), 2)
    arm = np.tile(["control", "treated"], n // 2).astype(object)
    arm[-2:] = "reference"
    randomised = pd.Timestamp("2019-03-15") + pd.to_timedelta(rng.integers(0, 20, n), unit="D")
    participants = pd.DataFrame(
        {
            "person_id": ids,
            "site": site,
            "arm": arm,
            "randomised_on": randomised.strftime("%Y-%m-%d"),
            "stratum": stratum,
            "age": rng.integers(20, 60, n).astype(float),
            "income": rng.normal(900, 100, n).round(2),
        }
    )
    start = randomised.to_period("M")
    months = []
    for i, pid in enumerate(ids):
        for k in range(0, 7):
            months.append((pid, str(start[i] + k), int(k < 4), int(k >= 3), float(100 * k), float(8 * k)))
    monthly = pd.DataFrame(months, columns=["person_id", "month", "on_benefit", "employed", "earnings", "hours"])
    survey_rows = []
    for i, pid in enumerate(ids):
        for wave, offset in ((0, -5), (1, 180)):
            day = (randomised[i] + pd.Timedelta(days=offset)).strftime("%Y-%m-%d")
            survey_rows.append((pid, wave, day, *rng.integers(1, 6, 3).tolist()))
    survey = pd.DataFrame(survey_rows, columns=["person_id", "wave", "responded_on", "wb1", "wb2", "wb3"])
    takeup = pd.DataFrame({"person_id": ids, "received": (arm == "treated").astype(int)})
    return {"participants": participants, "monthly": monthly, "survey": survey, "takeup": takeup}


def write_tables(folder: Path, tables: dict[str, pd.DataFrame], fmt: str = "csv") -> None:
    """Write frames as ``<name>.csv`` (comma, UTF-8) or ``<name>.parquet``."""
    for name, frame in tables.items():
        if fmt == "csv":
            frame.to_csv(folder / f"{name}.csv", index=False)
        else:
            frame.to_parquet(folder / f"{name}.parquet", index=False)


@pytest.fixture
def make_trial(tmp_path: Path) -> Callable[..., Path]:
    """Return a function writing a valid trial folder; keyword overrides change it.

    ``make_trial(name="t", toml=..., tables={...}, fmt="csv")`` returns the folder.
    """

    def make(
        name: str = "trial",
        *,
        toml: str = TRIAL_TOML,
        tables: dict[str, pd.DataFrame] | None = None,
        fmt: str = "csv",
    ) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "trial.toml").write_text(toml, encoding="utf-8")
        write_tables(folder, trial_tables() if tables is None else tables, fmt)
        return folder

    return make
