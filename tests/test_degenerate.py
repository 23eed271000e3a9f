"""Degenerate designs (issue 8): Lin adjustment with a covariate constant within an arm
(against estimatr::lm_lin, tests/reference/08_lin_collinear.R), and arms whose own
variance cannot be estimated."""

from __future__ import annotations

import numpy as np
import pytest

from tests._stats_reference import load_json, read_data
from trustexp.stats import estimate_itt

LIN = load_json("lin_collinear.json")


def _frame(case):
    frame = read_data(case["data"])
    frame["x3"] = np.where(frame["arm"] == 2, 1.0, frame["x2"])
    frame["x4"] = np.where(frame["arm"] == 1, 0.0, frame["x2"])
    return frame


@pytest.mark.parametrize("case", LIN["cases"], ids=lambda c: c["name"])
def test_lin_drops_only_the_collinear_interaction_as_lm_lin(case):
    frame = _frame(case)
    arm = frame["arm"].to_numpy(dtype=np.int64)
    res = estimate_itt(frame["y"].to_numpy(dtype=float), arm, n_arms=int(arm.max()) + 1,
                       covariates=frame[case["covariates"]].to_numpy(dtype=float),
                       adjustment="lin", se_type=case["se_type"])
    for field in ("estimate", "std_error", "df", "p_value"):
        np.testing.assert_allclose(getattr(res, field), np.atleast_1d(case[field]), rtol=1e-8)
    assert all(r == "" for r in res.reason)


def _lin_design(rng, n_small, p, n_other=60):
    arm = np.r_[np.zeros(n_other, np.int64), np.ones(n_other, np.int64),
                np.full(n_small, 2, np.int64)]
    x = rng.normal(size=(arm.size, p))
    y = x @ np.linspace(0.5, 1.0, p) + rng.normal(size=arm.size)
    return y, arm, x


@pytest.mark.parametrize(("n_small", "p"), [(10, 9), (2, 1), (3, 2)])
def test_an_arm_fitted_exactly_gets_no_standard_error(n_small, p):
    """Issue 8: under Lin an arm of 10 with 9 covariates (or of 2 and 3 people) was fitted
    exactly; HC2 dropped its variance and reported intervals that covered 21% of the time
    and p-values of 1e-8. Now: the estimate, no standard error, and a reason."""
    y, arm, x = _lin_design(np.random.default_rng(n_small), n_small, p)
    for se_type in ("HC2", "HC1", "HC3"):
        res = estimate_itt(y, arm, n_arms=3, covariates=x, adjustment="lin", se_type=se_type)
        assert res.reason == ("", "exact_fit")
        assert np.isfinite(res.estimate).all()
        assert np.isfinite(res.std_error[0]) and np.isnan(res.std_error[1])
        assert np.isnan(res.p_value[1]) and np.isnan(res.ci_low[1]) and np.isnan(res.df[1])
    # additive adjustment carries one parameter per arm: the same arm is estimable
    res = estimate_itt(y, arm, n_arms=3, covariates=x, adjustment="additive")
    assert res.reason == ("", "") and np.isfinite(res.std_error).all()


def test_a_stratum_of_one_does_not_make_the_arms_degenerate():
    rng = np.random.default_rng(4)
    arm = np.r_[np.resize([0, 1], 80), 1]
    strata = np.r_[np.zeros(80, np.int64), 1]  # the last person is a stratum of one
    y = rng.normal(size=81)
    res = estimate_itt(y, arm, n_arms=2, strata=strata)
    assert res.reason == ("",) and np.isfinite(res.std_error).all()


def test_an_arm_in_one_cluster_gets_no_standard_error():
    rng = np.random.default_rng(5)
    clusters = np.r_[np.repeat(np.arange(6), 10), np.full(10, 6)]
    arm = np.r_[np.repeat([0, 1, 0, 1, 0, 1], 10), np.full(10, 2)]
    res = estimate_itt(rng.normal(size=70), arm, n_arms=3, clusters=clusters, se_type="CR2")
    assert res.reason == ("", "few_clusters")
    assert np.isnan(res.p_value[1]) and np.isfinite(res.p_value[0])


@pytest.mark.slow
def test_a_degenerate_arm_stays_out_of_its_family_and_has_a_reason_in_the_record():
    """Issue 8: the tiny arm's p-value of 1e-8 entered the adjustment of its family."""
    from tests._evalkit import base_raw, memory_trial, simulate_tables
    from trustexp.evaluation import evaluate

    tables = simulate_tables(seed=21, n=300)
    p = tables["participants"].copy()
    guided = np.flatnonzero(p["arm"].to_numpy() == "guidance")
    p.loc[p.index[guided[3:]], "arm"] = "exemption"  # guidance keeps 3 people
    tables["participants"] = p
    ev = evaluate(memory_trial(base_raw(adjustment="lin"), tables), permutations=0)
    eff = ev.effects.query("site == 'all'")
    tiny = eff.query("arm == 'guidance' and outcome == 'income'").iloc[0]
    assert tiny["reason"] == "exact_fit"
    assert np.isnan(tiny["std_error"]) and np.isnan(tiny["p_value"])
    assert np.isnan(tiny["p_adjusted"])
    work = eff.query("family == 'work' and reason == ''")
    from trustexp.stats import holm

    np.testing.assert_allclose(work["p_adjusted"], holm(work["p_value"].to_numpy()))
    assert (eff.query("family == 'work' and reason != ''")["p_adjusted"].isna()).all()


@pytest.mark.slow
def test_the_report_says_why_a_degenerate_arm_has_no_interval(tmp_path):
    import dataclasses

    from test_report_fake import fake_evaluation

    from trustexp.reporting import report

    fake = fake_evaluation()
    eff = fake.effects.copy()
    eff["reason"] = ""
    first = eff.index[(eff["site"] == "all") & eff["primary"]][0]
    eff.loc[first, ["reason", "std_error", "ci_low", "ci_high", "p_value", "p_adjusted"]] = [
        "exact_fit", None, None, None, None, None]
    from types import MappingProxyType

    frames = MappingProxyType({**fake._frames, "effects": eff})
    html = report(dataclasses.replace(fake, _frames=frames), tmp_path / "r.html",
                  lang="en").read_text("utf-8")
    assert "variance cannot be estimated" in html
