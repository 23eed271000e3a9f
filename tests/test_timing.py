"""Timing (issue 11): windows [A, B], censored time to exit, the frames paths and survival
on the demo against independent computations, their passage through the disclosure gate,
and the plan's checks."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest
from _evalkit import base_raw, memory_trial, simulate_tables
from conftest import TRIAL_TOML

from trustexp.measures import MEASURES, SERIES, required_columns
from trustexp.outcomes import derive_outcomes
from trustexp.stats import estimate_itt
from trustexp.stats.survival import kaplan_meier, rmst
from trustexp.validation._config import check_config

# End-to-end runs on module-wide fixtures of several seconds: left out of `make check`.
pytestmark = pytest.mark.slow


def _raw(outcomes):
    raw = base_raw()
    raw["outcomes"] = outcomes
    return raw


# -- windows -------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2])
def test_window_a_b_is_the_difference_of_two_windows(seed):
    tables = simulate_tables(seed=seed, n=150, gap_rate=0.0)
    trial = memory_trial(_raw([
        {"id": "mob_7_12", "source": "monthly", "measure": "months_on_benefit", "window": [7, 12]},
        {"id": "mob_12", "source": "monthly", "measure": "months_on_benefit", "window_months": 12},
        {"id": "mob_6", "source": "monthly", "measure": "months_on_benefit", "window_months": 6},
        {"id": "earn_7_12", "source": "monthly", "measure": "earnings_total", "window": [7, 12]},
        {"id": "earn_12", "source": "monthly", "measure": "earnings_total", "window_months": 12},
        {"id": "earn_6", "source": "monthly", "measure": "earnings_total", "window_months": 6},
        {"id": "at_12", "source": "monthly", "measure": "employed_at", "window": [12, 12]},
        {"id": "at_w12", "source": "monthly", "measure": "employed_at", "window_months": 12},
    ]), tables)
    d = derive_outcomes(trial)
    both = d["mob_12"].notna()
    assert both.sum() > 100
    np.testing.assert_array_equal(d.loc[both, "mob_7_12"], d.loc[both, "mob_12"] - d.loc[both, "mob_6"])
    ok = d["earn_12"].notna()
    np.testing.assert_allclose(d.loc[ok, "earn_7_12"], d.loc[ok, "earn_12"] - d.loc[ok, "earn_6"],
                               atol=1e-9)
    np.testing.assert_array_equal(d.loc[both, "at_12"], d.loc[both, "at_w12"])


def test_window_measure_is_missing_only_when_its_own_months_are():
    tables = simulate_tables(seed=4, n=8, gap_rate=0.0, reference=None)
    monthly, parts = tables["monthly"], tables["participants"]
    d0 = parts["randomised_on"].iloc[0]
    m0 = d0.year * 12 + d0.month - 1
    tables["monthly"] = monthly.loc[~((monthly["person_id"] == "p0000")
                                      & (monthly["month"] == m0 + 3))]
    trial = memory_trial(_raw([
        {"id": "late", "source": "monthly", "measure": "any_work", "window": [7, 12]},
        {"id": "early", "source": "monthly", "measure": "any_work", "window": [1, 6]},
    ]), tables)
    d = derive_outcomes(trial)
    assert np.isnan(d.loc[0, "early"]) and np.isfinite(d.loc[0, "late"])


def test_time_to_exit_in_a_later_window_counts_from_its_start():
    parts = pd.DataFrame({
        "person_id": ["a", "b", "c"], "site": ["S"] * 3, "arm": ["control"] * 3,
        "randomised_on": pd.to_datetime(["2019-11-20"] * 3).astype("datetime64[ns]"),
        "stratum": ["x"] * 3, "age": [30.0] * 3, "prior": [1.0] * 3, "income": [1.0] * 3,
    }).astype({"person_id": "str", "site": "str", "arm": "str", "stratum": "str"})
    m0 = 2019 * 12 + 10
    rows = []
    for k in range(1, 13):
        rows.append(("a", m0 + k, int(k < 9), int(k >= 9)))   # exit in month 9
        rows.append(("b", m0 + k, int(k < 3), int(k >= 3)))   # exit in month 3, before the window
        if k <= 8:
            rows.append(("c", m0 + k, 1, 0))                  # leaves the data after month 8
    monthly = pd.DataFrame(rows, columns=["person_id", "month", "on_benefit", "employed"]).astype(
        {"person_id": "str", "month": "int32", "on_benefit": "int8", "employed": "int8"})
    trial = memory_trial(_raw([
        {"id": "tte", "source": "monthly", "measure": "time_to_exit", "window": [7, 12]},
        {"id": "tte12", "source": "monthly", "measure": "time_to_exit", "window_months": 12},
    ]), {"participants": parts, "monthly": monthly})
    d = derive_outcomes(trial).set_index("person_id")
    assert (d.loc["a", "tte"], d.loc["a", "tte__event"]) == (3.0, 1.0)  # month 9 = 3rd of 7..12
    # off and working from month 3: the window's first month already counts
    assert (d.loc["b", "tte"], d.loc["b", "tte__event"]) == (1.0, 1.0)
    assert (d.loc["c", "tte"], d.loc["c", "tte__event"]) == (2.0, 0.0)  # censored at month 8
    assert (d.loc["c", "tte12"], d.loc["c", "tte12__event"]) == (8.0, 0.0)
    assert (d.loc["a", "tte12"], d.loc["a", "tte12__event"]) == (9.0, 1.0)


# -- the measure registry -------------------------------------------------------------

def test_one_measure_registry():
    from trustexp.config import MEASURES as CONFIG_MEASURES
    from trustexp.validation._schema import trial_schema

    def find(node):
        if isinstance(node, dict):
            if "measure" in node.get("properties", {}):
                return node["properties"]["measure"]["enum"]
            for v in node.values():
                if (got := find(v)) is not None:
                    return got
        if isinstance(node, list):
            for v in node:
                if (got := find(v)) is not None:
                    return got
        return None

    enum = find(trial_schema())
    assert set(enum) == set(MEASURES) == set(CONFIG_MEASURES)
    assert required_columns("earnings_total", None) == ("earnings",)
    assert required_columns("part_time_work", 12) == ("hours",)
    assert required_columns("months_on_benefit", 12) == ()
    for m in MEASURES.values():
        assert m.series is None or m.series in SERIES
    assert MEASURES["time_to_exit"].series is None  # a survival outcome, no path


# -- the plan -------------------------------------------------------------------------

def _problems(text):
    return check_config(tomllib.loads(text))[0]


def test_window_and_paths_are_checked():
    assert not [p for p in _problems(TRIAL_TOML.replace("window_months = 6", "window = [3, 6]"))
                if p.severity == "error"]
    bad = _problems(TRIAL_TOML.replace("window_months = 6", "window = [6, 3]"))
    assert any(p.rule == "window" and "must not come after" in p.message for p in bad)
    bad = _problems(TRIAL_TOML.replace("window_months = 6", "window = [0, 3]"))
    assert any("window" in (p.column or "") for p in bad)
    bad = _problems(TRIAL_TOML + "\n[paths]\nmonths = 0\n")
    assert any("paths" in (p.column or "") for p in bad)
    bad = _problems(TRIAL_TOML + "\n[paths]\nmonth = 12\n")
    assert any(p.rule == "unknown-key" for p in bad)


# -- the frames on the demo -----------------------------------------------------------

@pytest.fixture(scope="module")
def demo():
    from trustexp import evaluate
    from trustexp.trial import load_trial

    trial = load_trial(demo=True)
    return trial, evaluate(trial, permutations=0)


@pytest.mark.slow
def test_paths_equal_estimate_itt_on_the_raw_panel(demo):
    """One month of one series, from the raw monthly table with pandas, refitted."""
    trial, ev = demo
    from trustexp.analysis.samples import analysis_samples, refactor

    sample = analysis_samples(trial.config, trial.participants)[0]
    parts = trial.participants.iloc[sample.rows]
    panel = trial.monthly.copy()
    rnd = pd.to_datetime(parts["randomised_on"])
    start = pd.Series((rnd.dt.year * 12 + rnd.dt.month - 1).to_numpy(),
                      index=parts["person_id"].astype(str))
    panel["rel"] = panel["month"].astype("int64") - panel["person_id"].astype(str).map(start)
    for month, series in ((30, "on_benefit"), (12, "work_off_benefit")):
        rows = panel.loc[panel["rel"] == month].set_index("person_id")
        if series == "on_benefit":
            val = rows["on_benefit"].astype(float)
        else:
            val = ((rows["on_benefit"] == 0) & (rows["employed"] == 1)).astype(float)
        y = val.reindex(parts["person_id"].astype(str)).to_numpy()
        o = np.isfinite(y)
        ref = estimate_itt(y[o], sample.arm[o], n_arms=sample.n_arms,
                           covariates=sample.covariates[o], strata=refactor(sample.blocks[o]),
                           se_type="HC2")
        got = ev.frame("paths").query(f"site == 'all' and series == '{series}' and month == {month}")
        np.testing.assert_allclose(got["estimate"], ref.estimate, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(got["std_error"], ref.std_error, rtol=1e-9)
        assert got["n"].iloc[0] == ref.n
        assert (got["band_low"] <= got["ci_low"]).all() and (got["band_high"] >= got["ci_high"]).all()
    p = ev.frame("paths")
    assert p["month"].max() == 36 and set(p.loc[p["month"] > 24, "in_trial"]) == {False}


def test_survival_frames_equal_the_kernels(demo):
    trial, ev = demo
    out = ev.outcomes()
    surv = ev.frame("survival").query("site == 'all'")
    curves = ev.frame("survival_curves").query("site == 'all'")
    sel = out["arm"] != "reference"
    t = out.loc[sel, "time_to_exit_24m"].to_numpy()
    d = out.loc[sel, "time_to_exit_24m__event"].to_numpy()
    arm = out.loc[sel, "arm"].to_numpy()
    ok = np.isfinite(t)
    assert (d[ok] == 0).sum() > 0 and (t[ok & (d == 0)] < 24).any()  # censored before the end
    r0 = rmst(t[ok & (arm == "control")], d[ok & (arm == "control")], 24)[0]
    for _, r in surv.iterrows():
        a = ok & (arm == r["arm"])
        assert r["rmst_arm"] == pytest.approx(rmst(t[a], d[a], 24)[0], abs=1e-10)
        assert r["estimate"] == pytest.approx(rmst(t[a], d[a], 24)[0] - r0, abs=1e-10)
        assert r["n_events"] == int(d[a].sum())
    km = kaplan_meier(t[ok & (arm == "control")], d[ok & (arm == "control")], 24)
    got = curves.query("arm == 'control'").sort_values("month")
    np.testing.assert_allclose(got["survival"], km.survival, atol=1e-12)
    effects = ev.frame("effects").query("outcome == 'time_to_exit_24m' and site == 'all'")
    np.testing.assert_allclose(effects["estimate"], surv["estimate"], atol=1e-12)


@pytest.mark.slow
def test_gate_withholds_small_groups_of_timing_frames(demo):
    _, ev = demo
    rel = ev.released(min_cell=10)
    for name, col in (("survival_at_risk", "n_at_risk"), ("paths", "n_arm")):
        for r in rel.json_records(name):
            v = r[col]
            assert v is None or v == 0 or v >= 10
    # early months: few have exited, so the curve is withheld there but shown later
    curves = [r for r in rel.json_records("survival_curves")
              if r["site"] == "all" and r["arm"] == "control"]
    shown = [r["month"] for r in curves if r["survival"] is not None]
    hidden = [r["month"] for r in curves if r["survival"] is None]
    assert max(shown) == 24 and hidden and max(hidden) < 12
    assert all("survival" in r["suppressed"] for r in curves if r["month"] in hidden)
    # a path month where one arm's events are few is withheld, with the reason listed
    paths = [r for r in rel.json_records("paths") if r["series"] == "work_off_benefit"
             and r["site"] == "all" and r["month"] == 2]
    assert paths and all(r["estimate"] is None and "estimate" in r["suppressed"] for r in paths)
