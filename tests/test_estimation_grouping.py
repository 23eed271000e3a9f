"""Randomisation tests of outcomes sharing a model run in one kernel call, and the
frames computed without per-cell pandas work: the same numbers as the direct way."""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd
import pytest
from _evalkit import base_raw, memory_trial, simulate_tables

import trustexp.stats
from trustexp.analysis import effects as _estimation
from trustexp.evaluation import evaluate
from trustexp.outcomes import derive_outcomes
from trustexp.stats import draw_assignments, randomisation

_KERNEL = trustexp.stats.permutation_test
_PREPARE = randomisation.prepare_permutation_test


def _counting(calls: list[int]):
    """The kernel's preparations for the effects' tests (one per model, its outcomes as
    columns), counted; those of the randomisation-inference intervals are not."""
    def kernel(y, *args, **kw):
        if sys._getframe(1).f_globals.get("__name__") == _estimation.__name__:
            calls.append(1 if np.ndim(y) == 1 else np.shape(y)[1])
        return _PREPARE(y, *args, **kw)

    return kernel


def _both_ways(monkeypatch, trial, permutations):
    """Effects with the grouping, and with every outcome tested on its own."""
    grouped_calls: list[int] = []
    with monkeypatch.context() as m:
        m.setattr(randomisation, "prepare_permutation_test", _counting(grouped_calls))
        grouped = evaluate(trial, permutations=permutations).effects
    single_calls: list[int] = []
    with monkeypatch.context() as m:
        m.setattr(randomisation, "prepare_permutation_test", _counting(single_calls))
        m.setattr(_estimation._OutcomeData, "model_key", lambda self: id(self))  # no groups
        single = evaluate(trial, permutations=permutations).effects
    assert set(single_calls) == {1}
    return grouped, single, grouped_calls, single_calls


def _assert_same_effects(grouped: pd.DataFrame, single: pd.DataFrame) -> None:
    assert list(grouped.columns) == list(single.columns)
    for col in grouped.columns:
        a, b = grouped[col], single[col]
        if col in ("p_value_ri", "p_adjusted"):
            # counts over the same draws: equal, not just close
            np.testing.assert_array_equal(a.to_numpy(), b.to_numpy(), err_msg=col)
        elif a.dtype.kind == "f":
            np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12, atol=0,
                                       err_msg=col)
        else:
            assert a.tolist() == b.tolist(), col


@pytest.fixture(scope="module")
def tables():
    return simulate_tables(seed=11, n=360)


@pytest.mark.parametrize(
    ("analysis", "permutations"),
    [
        ({"multiple_testing": "romano-wolf"}, 80),
        ({"multiple_testing": "holm", "adjustment": "lin"}, 60),
        ({"multiple_testing": "romano-wolf"}, 0),  # draws made for Romano-Wolf only
    ],
)
@pytest.mark.slow
def test_grouped_randomisation_tests_equal_one_call_per_outcome(
    monkeypatch, tables, analysis, permutations
):
    trial = memory_trial(base_raw(**analysis), tables)
    grouped, single, grouped_calls, single_calls = _both_ways(monkeypatch, trial, permutations)
    _assert_same_effects(grouped, single)
    assert np.isfinite(grouped["p_adjusted"]).any()
    if permutations:
        assert np.isfinite(grouped["p_value_ri"]).all()
    # every tested outcome went through the kernel once, some of them together
    # (a censored time to exit is tested by its own RMST re-draws, not by the OLS kernel)
    ols = [o for o in trial.config.outcomes if o.type != "duration"]
    assert sum(grouped_calls) == len(single_calls) == 3 * len(ols)
    assert len(grouped_calls) < len(single_calls)
    assert max(grouped_calls) >= 2


@pytest.mark.parametrize(("adjustment", "se"), [("lin", "CR2"), ("additive", "CR1")])
@pytest.mark.slow
def test_grouped_equals_one_call_per_outcome_with_clusters(monkeypatch, adjustment, se):
    tables = simulate_tables(seed=13, n=240)
    p = tables["participants"]
    pair = p.groupby(["site", "stratum", "arm"]).cumcount() // 2  # clusters within one arm
    tables["participants"] = p.assign(
        cluster=p["site"] + "/" + p["stratum"] + "/" + p["arm"] + "/" + pair.astype(str))
    raw = base_raw(adjustment=adjustment, standard_errors=se, multiple_testing="romano-wolf")
    raw["randomisation"] = {"strata": ["site", "stratum"], "cluster": "cluster"}
    grouped, single, grouped_calls, single_calls = _both_ways(
        monkeypatch, memory_trial(raw, tables), 40)
    _assert_same_effects(grouped, single)
    ols = grouped["outcome_type"] != "duration"  # time to exit: an RMST difference
    assert (grouped.loc[ols, "se_type"] == se).all()
    assert np.isfinite(grouped["p_value_ri"]).all()
    assert sum(grouped_calls) == len(single_calls) and max(grouped_calls) >= 2


def _romano_wolf_brute(t_obs, t_draws):
    """Step-down Romano-Wolf adjusted p-values, written as the textbook loop."""
    order = np.argsort(-np.abs(t_obs))
    adj = np.empty(len(t_obs))
    prev = 0.0
    for step, j in enumerate(order):
        maxima = np.abs(t_draws[:, order[step:]]).max(axis=1)
        prev = max(prev, (1 + np.sum(maxima >= abs(t_obs[j]))) / (len(maxima) + 1))
        adj[j] = prev
    return adj


@pytest.mark.slow
def test_romano_wolf_of_a_grouped_family_against_separate_tests(tables):
    """mob12 and pt12 (declared in family 'benefit' here) share their observed rows and
    covariates: tested in one call, their joint draws must still line up with the draws of
    separate tests."""
    b = 80
    raw = base_raw(multiple_testing="romano-wolf")
    raw["outcomes"] = [o for o in raw["outcomes"] if o["id"] != "tte12"]
    for o in raw["outcomes"]:
        if o["id"] == "pt12":
            o.update(family="benefit", min_hours=None)
            del o["min_hours"]
    trial = memory_trial(raw, tables)
    eff = evaluate(trial, permutations=b).effects.query("site == 'all' and family == 'benefit'")
    assert eff["outcome"].tolist() == ["pt12", "pt12", "mob12", "mob12"]
    d = derive_outcomes(trial)
    part = trial.participants
    sel = (part["arm"] != "reference").to_numpy()
    p = part.loc[sel]
    arm = np.select([p["arm"] == "exemption", p["arm"] == "guidance"], [1, 2], 0)
    blocks = pd.factorize(p["site"] + "/" + p["stratum"])[0]
    draws = draw_assignments(arm, strata=blocks, draws=b, seed=trial.config.analysis.seed)
    age = p["age"].to_numpy()
    cov = np.column_stack([np.where(np.isnan(age), np.nanmean(age), age),
                           np.isnan(age).astype(float), p["prior"].to_numpy()])
    t_obs, t_draws, p_ri = [], [], []
    observed = [np.isfinite(d.loc[sel, o].to_numpy()) for o in ("pt12", "mob12")]
    np.testing.assert_array_equal(observed[0], observed[1])
    for o in ("pt12", "mob12"):
        y = d.loc[sel, o].to_numpy()
        res = _KERNEL(y, arm, draws, n_arms=3, covariates=cov, strata=blocks,
                      observed=np.isfinite(y))
        t_obs.append(res.t_observed)
        t_draws.append(res.t_draws)
        p_ri.append(res.p_value)
    np.testing.assert_array_equal(eff["p_value_ri"], np.concatenate(p_ri))
    want = _romano_wolf_brute(np.concatenate(t_obs), np.column_stack(t_draws))
    np.testing.assert_allclose(eff["p_adjusted"], want, rtol=1e-12)


@pytest.mark.slow
def test_demo_grouped_equals_one_call_per_outcome(monkeypatch):
    """The demo, with Romano-Wolf over its families: the same effects either way."""
    from trustexp.trial import load_trial

    trial = load_trial(demo=True)
    analysis = dataclasses.replace(trial.config.analysis, multiple_testing="romano-wolf")
    trial = dataclasses.replace(trial, config=dataclasses.replace(trial.config,
                                                                  analysis=analysis))
    grouped, single, grouped_calls, single_calls = _both_ways(monkeypatch, trial, 500)
    _assert_same_effects(grouped, single)
    assert np.isfinite(grouped["p_adjusted"]).all()
    assert sum(grouped_calls) == len(single_calls) == 4 * 9  # time to exit: RMST re-draws
    assert max(grouped_calls) >= 5  # the fully observed monthly outcomes


@pytest.mark.slow
def test_monthly_curves_equal_a_groupby():
    tables = simulate_tables(seed=5, n=300, sites=("A", "B", "C"), gap_rate=0.1)
    trial = memory_trial(base_raw(), tables)
    cur = evaluate(trial, permutations=0).monthly_curves
    p = trial.participants.set_index("person_id")
    m = trial.monthly.copy()
    d = p.loc[m["person_id"], "randomised_on"]
    m["month_rel"] = m["month"].to_numpy() - (d.dt.year * 12 + d.dt.month - 1).to_numpy()
    m["arm"] = p.loc[m["person_id"], "arm"].to_numpy()
    m["site"] = p.loc[m["person_id"], "site"].to_numpy()
    m = m.loc[m["month_rel"].between(-6, 12)]
    frames = []
    for site in ("all", "A", "B", "C"):
        sub = m if site == "all" else m.loc[m["site"] == site]
        g = sub.groupby(["arm", "month_rel"]).agg(
            n=("person_id", "size"), share_on_benefit=("on_benefit", "mean"),
            share_employed=("employed", "mean")).reset_index()
        frames.append(g.assign(site=site))
    want = pd.concat(frames).rename(columns={"month_rel": "month"})
    got = cur.loc[cur["n"] > 0]
    merged = got.merge(want, on=["site", "arm", "month"], how="outer", suffixes=("", "_want"),
                       validate="one_to_one", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["n"] == merged["n_want"]).all()
    for col in ("share_on_benefit", "share_employed"):
        np.testing.assert_array_equal(merged[col], merged[col + "_want"])
    empty = cur.loc[cur["n"] == 0]
    assert empty[["share_on_benefit", "share_employed"]].isna().all().all()
    # every arm present in a site gets every month, arms in declaration order
    arms = [a.id for a in trial.config.arms]
    for _site, part in cur.groupby("site", sort=False):
        assert len(part) == part["arm"].nunique() * 19
        assert part["arm"].drop_duplicates().tolist() == [a for a in arms
                                                          if a in set(part["arm"])]
