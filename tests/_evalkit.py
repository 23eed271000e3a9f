"""Small simulated trials for the tests of outcomes and evaluation.

Builds typed tables as :func:`trustexp.load_trial` returns them (so that the
derivation and the estimation can be tested without files), and writes them
as a trial folder (so that the command line can be tested end to end).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustexp.config import TrialConfig

WAVES = (0, 1, 2)


def base_raw(**analysis: Any) -> dict[str, Any]:
    """A trial.toml dict with every outcome source, three arms and a reference group."""
    raw: dict[str, Any] = {
        "trial": {"name": "Testproef", "control_arm": "control"},
        "arms": {
            "control": {"label": "Controle", "kind": "control"},
            "exemption": {"label": "Ontheffing", "kind": "exemption"},
            "guidance": {"label": "Begeleiding", "kind": "intensive_guidance"},
            "reference": {"label": "Niet-deelnemers", "kind": "reference"},
        },
        "randomisation": {"strata": ["site", "stratum"]},
        "analysis": {"covariates": ["age", "prior"], **analysis},
        "outcomes": [
            {"id": "exit12", "source": "monthly", "measure": "exit_to_work",
             "window_months": 12, "family": "work", "primary": True},
            {"id": "pt12", "source": "monthly", "measure": "part_time_work",
             "window_months": 12, "min_hours": 12, "family": "work"},
            {"id": "mob12", "source": "monthly", "measure": "months_on_benefit",
             "window_months": 12, "family": "benefit"},
            {"id": "earn6", "source": "monthly", "measure": "earnings_total",
             "window_months": 6, "family": "work"},
            {"id": "tte12", "source": "monthly", "measure": "time_to_exit",
             "window_months": 12, "family": "benefit"},
            {"id": "wb2", "source": "survey", "scale": "wellbeing", "wave": 2,
             "family": "wellbeing"},
            {"id": "income", "column": "income", "type": "continuous"},
        ],
        "scales": [
            {"id": "wellbeing", "items": ["wb1", "wb2", "wb3", "wb4"], "range": [1, 5],
             "reverse": ["wb3"]},
        ],
        "takeup": [{"arm": "guidance", "column": "received"}],
    }
    return raw


def config_from(raw: Mapping[str, Any], directory: Path | str = ".") -> TrialConfig:
    return TrialConfig.from_dict(raw, directory)


def simulate_tables(
    seed: int = 1,
    n: int = 240,
    sites: tuple[str, ...] = ("Noord", "Zuid"),
    arms: tuple[str, ...] = ("control", "exemption", "guidance"),
    reference: str | None = "reference",
    gap_rate: float = 0.02,
    effect: float = 0.1,
) -> dict[str, pd.DataFrame]:
    """Typed participants, monthly, survey and takeup tables of a simulated trial."""
    rng = np.random.default_rng(seed)
    site = rng.choice(np.array(sites), size=n)
    stratum = rng.choice(np.array(["kort", "lang"]), size=n)
    arm = np.empty(n, dtype=object)
    # block randomisation within site x stratum, arm counts balanced
    for s in sites:
        for st in ("kort", "lang"):
            idx = np.flatnonzero((site == s) & (stratum == st))
            labels = np.resize(np.array(arms), len(idx))
            arm[idx] = rng.permutation(labels)
    if reference:
        ref = rng.random(n) < 0.1
        arm[ref] = reference
    day = rng.integers(0, 365, size=n)
    randomised_on = pd.Timestamp("2018-01-01") + pd.to_timedelta(day, unit="D")
    age = rng.normal(40, 10, size=n).round()
    age[rng.random(n) < 0.05] = np.nan
    prior = rng.poisson(30, size=n).astype(float)
    treat = np.isin(arm, [a for a in arms if a != "control"]).astype(float)
    income = 900 + 5 * (age - 40) + 40 * treat + rng.normal(0, 100, size=n)
    income[rng.random(n) < 0.05] = np.nan
    participants = pd.DataFrame(
        {
            "person_id": [f"p{i:04d}" for i in range(n)],
            "site": site,
            "arm": arm.astype(str),
            "randomised_on": randomised_on.normalize().astype("datetime64[ns]"),
            "stratum": stratum,
            "age": age,
            "prior": prior,
            "income": income,
        }
    ).astype({"person_id": "str", "site": "str", "arm": "str", "stratum": "str"})

    m0 = randomised_on.year * 12 + randomised_on.month - 1
    rows = []
    for i in range(n):
        p_exit = 0.06 + effect * 0.05 * treat[i]
        on = 1
        for k in range(-7, 16):
            if rng.random() < gap_rate:
                continue
            if k >= 1 and on == 1 and rng.random() < p_exit:
                on = 0
            emp = int(rng.random() < (0.8 if on == 0 else 0.2))
            hours = float(rng.integers(1, 40)) if emp else 0.0
            if rng.random() < 0.03:
                hours = math.nan
            earnings = hours * 12.5 if rng.random() > 0.03 else math.nan
            rows.append((f"p{i:04d}", int(m0[i] + k), on, emp, earnings, hours))
    monthly = pd.DataFrame(rows, columns=["person_id", "month", "on_benefit", "employed",
                                          "earnings", "hours"])
    monthly = monthly.astype({"person_id": "str", "month": "int32", "on_benefit": "int8",
                              "employed": "int8"})

    srows = []
    for i in range(n):
        level = rng.normal(3 + 0.2 * treat[i], 0.7)
        for w in WAVES:
            if w > 0 and rng.random() < 0.25 + 0.05 * treat[i]:
                continue
            items = []
            for j in range(4):
                x = float(np.clip(round(level + rng.normal(0, 0.8)), 1, 5))
                if j == 2:
                    x = 6 - x  # reverse-worded item
                if rng.random() < 0.08:
                    x = math.nan
                items.append(x)
            date = randomised_on[i] + pd.Timedelta(days=-3 if w == 0 else 200 * w)
            srows.append((f"p{i:04d}", w, date, *items))
    survey = pd.DataFrame(srows, columns=["person_id", "wave", "responded_on", "wb1", "wb2",
                                          "wb3", "wb4"])
    survey = survey.astype({"person_id": "str", "wave": "int64",
                            "responded_on": "datetime64[ns]"})

    guided = np.flatnonzero(arm == "guidance")
    takeup = pd.DataFrame(
        {
            "person_id": [f"p{i:04d}" for i in guided],
            "received": (rng.random(len(guided)) < 0.7).astype(float),
        }
    ).astype({"person_id": "str"})
    return {"participants": participants, "monthly": monthly, "survey": survey,
            "takeup": takeup}


class _ValidReport:
    """Stands in for a clean validation report of a trial built in memory."""

    valid = True
    errors: tuple = ()
    warnings: tuple = ()


def memory_trial(raw: Mapping[str, Any] | None = None, tables: Mapping[str, Any] | None = None,
               **sim: Any):
    """A Trial built in memory from a trial.toml dict and typed tables."""
    from trustexp.trial import Trial

    raw = raw if raw is not None else base_raw()
    tables = dict(tables) if tables is not None else simulate_tables(**sim)
    return Trial(
        config=config_from(raw),
        participants=tables["participants"],
        monthly=tables.get("monthly"),
        survey=tables.get("survey"),
        takeup=tables.get("takeup"),
        validation=_ValidReport(),
        files={},
    )


# -- writing a trial folder ----------------------------------------------------

def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def toml_text(raw: Mapping[str, Any]) -> str:
    """A small TOML writer for trial.toml dicts (tables, arrays of tables, inline tables)."""
    lines: list[str] = []
    for key, value in raw.items():
        if isinstance(value, dict):
            lines.append(f"[{key}]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in value.items()]
            lines.append("")
        elif isinstance(value, list):
            for item in value:
                lines.append(f"[[{key}]]")
                lines += [f"{k} = {_toml_value(v)}" for k, v in item.items()]
                lines.append("")
    return "\n".join(lines)


def write_trial(directory: Path, raw: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> Path:
    """Write trial.toml and the tables (CSV, contract formats) to ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "trial.toml").write_text(toml_text(raw), encoding="utf-8")
    for name, frame in tables.items():
        if frame is None:
            continue
        out = frame.copy()
        for col in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[col]):
                out[col] = out[col].dt.strftime("%Y-%m-%d")
        if name == "monthly":
            m = out["month"].astype(int)
            out["month"] = [f"{v // 12:04d}-{v % 12 + 1:02d}" for v in m]
        if name == "survey":
            items = [c for c in out.columns if c not in ("person_id", "wave", "responded_on")]
            for c in items:
                out[c] = out[c].astype("Int64")
        out.to_csv(directory / f"{name}.csv", index=False)
    return directory
