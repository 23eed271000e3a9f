"""Outcome derivation against a brute-force per-person loop and hand-worked cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from _evalkit import base_raw, memory_trial, simulate_tables

from trustexp.analysis.scales import reliability, scale_scores
from trustexp.config import Scale
from trustexp.outcomes import derive_outcomes

MEASURES = ["exit_to_work", "part_time_work", "any_work", "months_on_benefit",
            "months_employed", "earnings_total", "employed_at", "time_to_exit"]


# -- an independent, deliberately plain implementation of the contract -----------

def _plain_measure(measure, window, months, ws, earnings):
    """One measure over fully known months, by the contract's words (v1 rule, no unknowns)."""
    event = math.nan
    if measure == "exit_to_work":
        value = float(any(w and r.on_benefit == 0 for w, r in zip(ws, months, strict=True)))
    elif measure == "part_time_work":
        value = float(any(w and r.on_benefit == 1 for w, r in zip(ws, months, strict=True)))
    elif measure == "any_work":
        value = float(any(ws))
    elif measure == "months_on_benefit":
        value = float(sum(1 for r in months if r.on_benefit == 1))
    elif measure == "months_employed":
        value = float(sum(1 for w in ws if w))
    elif measure == "earnings_total":
        value = float(sum(earnings))
    elif measure == "employed_at":
        value = float(bool(ws[-1]))
    elif measure == "time_to_exit":
        value, event = float(window), 0.0
        for k, (w, r) in enumerate(zip(ws, months, strict=True), start=1):
            if w and r.on_benefit == 0:
                value, event = float(k), 1.0
                break
    return value, event


def brute_monthly(participants, monthly, measure, window, min_hours):
    """Per person: (value, event) by enumerating every completion of the unknown months.

    A month with employed = 1 and no hours (with min_hours) may or may not be work; a
    month with employed = 1 and no earnings may have earned 0 or 1 euro (any two values
    show that a sum is undetermined); a month without work and without earnings earned 0.
    The measure is the value every completion gives, or missing where they differ
    (contract v1.1, "Monthly measures").
    """
    import itertools

    panel = {}
    for r in monthly.itertuples(index=False):
        panel[(r.person_id, int(r.month))] = r
    values, events = [], []
    for p in participants.itertuples(index=False):
        d = p.randomised_on
        start = d.year * 12 + (d.month - 1)
        if measure == "time_to_exit":  # censored at the end of the gap-free run from month 1
            value, event = math.nan, math.nan
            for k in range(1, window + 1):
                r = panel.get((p.person_id, start + k))
                hours_unknown = (r is not None and min_hours is not None and r.employed == 1
                                 and r.hours != r.hours)
                if r is None or hours_unknown:
                    break
                worked = r.employed == 1 and (min_hours is None or r.hours >= min_hours)
                if worked and r.on_benefit == 0:
                    value, event = float(k), 1.0
                    break
                value, event = float(k), 0.0
            values.append(value)
            events.append(event)
            continue
        months = []
        complete = True
        for k in range(1, window + 1):
            key = (p.person_id, start + k)
            if key not in panel:
                complete = False
                break
            months.append(panel[key])
        if not complete:
            values.append(math.nan)
            events.append(math.nan)
            continue

        def work(r):
            if r.employed != 1:
                return False
            if min_hours is None:
                return True
            if r.hours != r.hours:  # NaN hours with employed = 1: unknown
                return None
            return r.hours >= min_hours

        base = [work(r) for r in months]
        if measure in ("months_on_benefit", "earnings_total"):
            base = [r.employed == 1 for r in months]
        unknown_work = [k for k, w in enumerate(base) if w is None]
        earn = [r.earnings if r.earnings == r.earnings else (0.0 if r.employed != 1 else None)
                for r in months]
        unknown_earn = [k for k, e in enumerate(earn) if e is None] if measure == "earnings_total" else []
        outcomes = set()
        for fill_w in itertools.product([False, True], repeat=len(unknown_work)):
            ws = list(base)
            for k, f in zip(unknown_work, fill_w, strict=True):
                ws[k] = f
            for fill_e in itertools.product([0.0, 1.0], repeat=len(unknown_earn)):
                es = list(earn)
                for k, f in zip(unknown_earn, fill_e, strict=True):
                    es[k] = f
                outcomes.add(_plain_measure(measure, window, months, ws, es))
        if len(outcomes) == 1:
            (value, event), = outcomes
        else:
            value, event = math.nan, math.nan
        values.append(value)
        events.append(event)
    return np.array(values), np.array(events)


def brute_scale(participants, survey, scale, wave):
    rows = {(r.person_id, int(r.wave)): r._asdict() for r in survey.itertuples(index=False)}
    lo, hi = scale.range
    need = scale.min_items if scale.min_items is not None else -(-len(scale.items) // 2)
    out = []
    for pid in participants["person_id"]:
        row = rows.get((pid, wave))
        if row is None:
            out.append(math.nan)
            continue
        answers = []
        for item in scale.items:
            x = row.get(item, math.nan)
            if x == x:
                answers.append(hi + lo - x if item in scale.reverse else x)
        out.append(sum(answers) / len(answers) if len(answers) >= need else math.nan)
    return np.array(out)


def _raw_with_measures(window, min_hours):
    raw = base_raw()
    raw["outcomes"] = [
        {"id": m, "source": "monthly", "measure": m, "window_months": window,
         **({"min_hours": min_hours} if min_hours is not None else {})}
        for m in MEASURES
    ]
    return raw


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("window", "min_hours"), [(1, None), (6, None), (12, 12.0), (15, 30)])
@pytest.mark.slow
def test_monthly_measures_match_brute_force(seed, window, min_hours):
    tables = simulate_tables(seed=seed, n=80, gap_rate=0.03)
    trial = memory_trial(_raw_with_measures(window, min_hours), tables)
    derived = derive_outcomes(trial)
    for m in MEASURES:
        value, event = brute_monthly(tables["participants"], tables["monthly"], m, window,
                                     min_hours)
        np.testing.assert_array_equal(derived[m].to_numpy(), value, err_msg=m)
        if m == "time_to_exit":
            np.testing.assert_array_equal(derived[m + "__event"].to_numpy(), event)
    # gaps make some windows incomplete, and those are missing, never zero
    assert derived["months_on_benefit"].isna().any()


def test_missing_window_is_missing_not_zero():
    tables = simulate_tables(seed=4, n=6, gap_rate=0.0, reference=None)
    monthly = tables["monthly"]
    parts = tables["participants"]
    d = parts["randomised_on"].iloc[0]
    m0 = d.year * 12 + d.month - 1
    # person 0 loses follow-up month 3; person 1 loses month 13 (outside a 12-month window)
    drop = ((monthly["person_id"] == "p0000") & (monthly["month"] == m0 + 3))
    d1 = parts["randomised_on"].iloc[1]
    m1 = d1.year * 12 + d1.month - 1
    drop |= (monthly["person_id"] == "p0001") & (monthly["month"] == m1 + 13)
    tables["monthly"] = monthly.loc[~drop]
    trial = memory_trial(_raw_with_measures(12, None), tables)
    derived = derive_outcomes(trial)
    # a gap makes the window's measures missing; time to exit is censored before the gap
    assert derived.loc[0, [m for m in MEASURES if m != "time_to_exit"]].isna().all()
    assert derived.loc[0, "time_to_exit"] <= 2 and derived.loc[0, "time_to_exit__event"] in (0, 1)
    assert derived.loc[1, ["months_on_benefit", "any_work", "time_to_exit"]].notna().all()


def test_hand_worked_person():
    """One person, months written out: exit in month 3 with 20 hours, part-time in month 1."""
    parts = pd.DataFrame({
        "person_id": ["a"], "site": ["S"], "arm": ["control"],
        "randomised_on": pd.to_datetime(["2019-11-20"]).astype("datetime64[ns]"),
        "stratum": ["x"], "age": [30.0], "prior": [1.0], "income": [1.0],
    }).astype({"person_id": "str", "site": "str", "arm": "str", "stratum": "str"})
    m0 = 2019 * 12 + 10  # November 2019
    rows = [  # k, on_benefit, employed, hours, earnings
        (0, 1, 0, 0.0, 0.0),
        (1, 1, 1, 8.0, 100.0),   # part-time work, under 12 hours
        (2, 1, 1, 14.0, 200.0),  # part-time work, 14 hours
        (3, 0, 1, 20.0, 300.0),  # exit to work
        (4, 0, 0, 0.0, 0.0),
    ]
    monthly = pd.DataFrame(
        [("a", m0 + k, ob, e, earn, h) for k, ob, e, h, earn in rows],
        columns=["person_id", "month", "on_benefit", "employed", "earnings", "hours"],
    ).astype({"person_id": "str", "month": "int32", "on_benefit": "int8", "employed": "int8"})
    raw = base_raw()
    raw["outcomes"] = [
        {"id": "exit4", "source": "monthly", "measure": "exit_to_work", "window_months": 4},
        {"id": "pt4_12h", "source": "monthly", "measure": "part_time_work", "window_months": 4,
         "min_hours": 12},
        {"id": "emp4_15h", "source": "monthly", "measure": "months_employed",
         "window_months": 4, "min_hours": 15},
        {"id": "earn4", "source": "monthly", "measure": "earnings_total", "window_months": 4},
        {"id": "at4", "source": "monthly", "measure": "employed_at", "window_months": 4},
        {"id": "tte4", "source": "monthly", "measure": "time_to_exit", "window_months": 4},
        {"id": "tte2", "source": "monthly", "measure": "time_to_exit", "window_months": 2},
        {"id": "mob5", "source": "monthly", "measure": "months_on_benefit", "window_months": 5},
    ]
    raw["scales"] = []
    trial = memory_trial(raw, {"participants": parts, "monthly": monthly})
    d = derive_outcomes(trial).iloc[0]
    assert d["exit4"] == 1.0
    assert d["pt4_12h"] == 1.0  # month 2: on benefit, 14 >= 12 hours
    assert d["emp4_15h"] == 1.0  # only month 3 has >= 15 hours
    assert d["earn4"] == 600.0
    assert d["at4"] == 0.0
    assert (d["tte4"], d["tte4__event"]) == (3.0, 1.0)
    assert (d["tte2"], d["tte2__event"]) == (2.0, 0.0)  # censored at W
    assert math.isnan(d["mob5"])  # month 5 absent


def test_table_shape_and_order():
    trial = memory_trial()
    derived = derive_outcomes(trial)
    ids = [o.id for o in trial.config.outcomes]
    assert list(derived.columns[:3]) == ["person_id", "site", "arm"]
    expected = ["person_id", "site", "arm"]
    for o in ids:
        expected.append(o)
        if o == "tte12":
            expected.append("tte12__event")
        if o == "wb2":
            expected.append("wb2__baseline")
    assert list(derived.columns) == expected
    assert derived["person_id"].tolist() == trial.participants["person_id"].tolist()
    assert (derived["arm"] == "reference").any()  # reference arms included
    np.testing.assert_array_equal(derived["income"], trial.participants["income"])


@pytest.mark.parametrize("min_items", [None, 1, 4])
def test_scale_scores_match_brute_force(min_items):
    tables = simulate_tables(seed=7, n=120)
    scale = Scale(id="wellbeing", items=("wb1", "wb2", "wb3", "wb4"), range=(1.0, 5.0),
                  reverse=("wb3",), min_items=min_items)
    for wave in (0, 1, 2):
        got = scale_scores(tables["survey"], scale, wave).reindex(
            tables["participants"]["person_id"]).to_numpy()
        want = brute_scale(tables["participants"], tables["survey"], scale, wave)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12, equal_nan=True)


def test_survey_outcome_and_baseline():
    tables = simulate_tables(seed=8, n=150)
    trial = memory_trial(base_raw(), tables)
    derived = derive_outcomes(trial)
    scale = trial.config.scale("wellbeing")
    np.testing.assert_allclose(
        derived["wb2"], brute_scale(tables["participants"], tables["survey"], scale, 2),
        equal_nan=True)
    np.testing.assert_allclose(
        derived["wb2__baseline"],
        brute_scale(tables["participants"], tables["survey"], scale, 0), equal_nan=True)
    # wave-2 non-response gives missing scores
    assert derived["wb2"].isna().sum() > 10


def test_survey_column_outcome():
    tables = simulate_tables(seed=9, n=50)
    raw = base_raw()
    raw["outcomes"] = [{"id": "item1_w1", "source": "survey", "column": "wb1", "wave": 1}]
    derived = derive_outcomes(memory_trial(raw, tables))
    s = tables["survey"]
    w1 = s.loc[s["wave"] == 1].set_index("person_id")["wb1"]
    w0 = s.loc[s["wave"] == 0].set_index("person_id")["wb1"]
    pid = tables["participants"]["person_id"]
    np.testing.assert_array_equal(derived["item1_w1"], w1.reindex(pid).to_numpy())
    np.testing.assert_array_equal(derived["item1_w1__baseline"], w0.reindex(pid).to_numpy())


def _alpha_by_hand(x: np.ndarray) -> float:
    x = x[~np.isnan(x).any(axis=1)]
    k = x.shape[1]
    item_var = x.var(axis=0, ddof=1).sum()
    total_var = x.sum(axis=1).var(ddof=1)
    return k / (k - 1) * (1 - item_var / total_var)


def test_reliability_against_hand_formula():
    tables = simulate_tables(seed=10, n=300)
    scale = Scale(id="wellbeing", items=("wb1", "wb2", "wb3", "wb4"), range=(1.0, 5.0),
                  reverse=("wb3",))
    rel = reliability(tables["survey"], [scale])
    assert list(rel.columns) == ["scale", "wave", "alpha", "n", "n_items"]
    s = tables["survey"]
    for row in rel.itertuples(index=False):
        x = s.loc[s["wave"] == row.wave, ["wb1", "wb2", "wb3", "wb4"]].to_numpy(dtype=float)
        x[:, 2] = 6 - x[:, 2]
        assert row.alpha == pytest.approx(_alpha_by_hand(x), rel=1e-10)
        assert row.n == int((~np.isnan(x).any(axis=1)).sum())
        assert row.n_items == 4
    # the reverse-worded item, left unreversed, would wreck alpha
    assert (rel["alpha"] > 0.5).all()


def test_reliability_degenerate():
    survey = pd.DataFrame({"person_id": ["a", "b"], "wave": [0, 0], "x1": [1.0, np.nan]})
    rel = reliability(survey.astype({"person_id": "str"}),
                      [Scale(id="s", items=("x1",), range=(1.0, 5.0))])
    assert rel["alpha"].isna().all()
    assert reliability(None, []).empty


@pytest.mark.slow
def test_unknown_months_that_cannot_change_a_measure_leave_it_known():
    """Contract v1.1: an employed month without hours no longer makes every measure missing.

    With min_hours, people with an unknown month mostly have a determined part-time value
    (a known month already qualifies); selecting them out would select on the outcome.
    """
    tables = simulate_tables(seed=5, n=300, gap_rate=0.0)
    monthly = tables["monthly"].copy()
    employed = monthly["employed"] == 1
    rng = np.random.default_rng(5)
    monthly.loc[employed & (rng.random(len(monthly)) < 0.15), "hours"] = np.nan
    tables["monthly"] = monthly
    trial = memory_trial(_raw_with_measures(12, 12.0), tables)
    derived = derive_outcomes(trial)
    parts = tables["participants"]
    m0 = parts["randomised_on"].dt.year * 12 + parts["randomised_on"].dt.month - 1
    rel = monthly["month"].to_numpy() - m0.reindex(
        pd.Index(parts["person_id"]).get_indexer(monthly["person_id"])).to_numpy()
    in_window = (rel >= 1) & (rel <= 12)
    unknown_people = set(monthly.loc[in_window & employed.to_numpy() & monthly["hours"].isna().to_numpy(), "person_id"])
    rows = derived["person_id"].isin(unknown_people).to_numpy()
    assert rows.sum() > 20
    for m in ("part_time_work", "exit_to_work", "any_work", "time_to_exit"):
        value, _ = brute_monthly(parts, monthly, m, 12, 12.0)
        np.testing.assert_array_equal(derived[m].to_numpy(), value, err_msg=m)
    determined = np.isfinite(derived.loc[rows, "part_time_work"].to_numpy()).mean()
    assert determined > 0.5  # v1 made all of them missing
    assert derived.loc[rows, "months_employed"].isna().all()  # a count with an unknown month
