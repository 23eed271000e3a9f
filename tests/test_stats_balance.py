"""joint_test, standardised_difference, differential_attrition and lee_bounds
against R (tests/reference/04_balance_attrition.R)."""

from __future__ import annotations

import numpy as np
import pytest

from tests._stats_reference import codes, load_json, read_data
from trustexp.errors import OptionError
from trustexp.stats import (
    differential_attrition,
    joint_test,
    lee_bounds,
    standardised_difference,
)
from trustexp.stats.attrition import trimmed_mean

REF = load_json("balance_attrition.json")


def _check(result, case):
    assert result.df1 == case["df1"]
    assert result.n == case["n"]
    np.testing.assert_allclose(result.df2, case["df2"], rtol=1e-12)
    np.testing.assert_allclose(result.statistic, case["statistic"], rtol=1e-6)
    np.testing.assert_allclose(result.p_value, case["p_value"], rtol=1e-4)


@pytest.mark.parametrize("case", REF["joint_test"], ids=lambda c: c["spec"]["name"])
def test_joint_test_matches_r(case):
    spec = case["spec"]
    frame = read_data(spec["data"])
    frame = frame[frame["arm"].isin(np.atleast_1d(spec["arms"]))]
    if spec.get("site") is not None:
        frame = frame[frame["site"] == spec["site"]]
    result = joint_test(
        (frame["arm"] == spec["treated_arm"]).to_numpy(dtype=float),
        frame[list(np.atleast_1d(spec["covariates"]))].to_numpy(dtype=float),
        strata=codes(frame[spec["strata"]]) if spec["strata"] else None,
        clusters=codes(frame[spec["cluster"]]) if spec["cluster"] else None,
        se_type=spec["se_type"],
        method="wald",
    )
    _check(result, case)


@pytest.mark.parametrize("case", REF["standardised_difference"], ids=lambda c: c["variable"])
def test_standardised_difference_matches_r(case):
    frame = read_data(case["data"])
    x = frame[case["variable"]].to_numpy(dtype=float)
    arm = frame["arm"].to_numpy()
    assert standardised_difference(x[arm == 1], x[arm == 0]) == pytest.approx(case["value"])


def test_standardised_difference_edge_cases():
    assert np.isnan(standardised_difference([1.0], [1.0, 2.0]))
    assert standardised_difference([2.0, 2.0], [2.0, 2.0]) == 0.0
    assert standardised_difference([3.0, 3.0], [2.0, 2.0]) == np.inf
    assert standardised_difference([1.0, 3.0, np.nan], [1.0, 3.0]) == 0.0


@pytest.mark.parametrize("case", REF["differential_attrition"], ids=lambda c: c["spec"]["name"])
def test_differential_attrition_matches_r(case):
    spec = case["spec"]
    frame = read_data(spec["data"])
    result = differential_attrition(
        frame[spec["y"]].notna().to_numpy(dtype=float),
        codes(frame["arm"]),
        n_arms=spec["n_arms"],
        strata=codes(frame[spec["strata"]]) if spec["strata"] else None,
        clusters=codes(frame[spec["cluster"]]) if spec["cluster"] else None,
        se_type=spec["se_type"],
        method="wald",
    )
    _check(result, case)


def test_attrition_with_an_absent_arm_tests_the_others():
    frame = read_data("trial_four.csv")
    frame = frame[frame["arm"] != 2]
    responded = frame["y_miss"].notna().to_numpy(dtype=float)
    result = differential_attrition(responded, codes(frame["arm"]), n_arms=4, method="wald")
    assert result.df1 == 2 and np.isfinite(result.p_value)


def test_balance_option_errors():
    with pytest.raises(OptionError, match="'se_type' parameter of joint_test is 'CR2'"):
        joint_test(np.zeros(4), np.ones((4, 1)), se_type="CR2")
    with pytest.raises(OptionError, match="0/1"):
        differential_attrition(np.array([0.0, 2.0]), np.array([0, 1]), n_arms=2)


@pytest.mark.parametrize("case", REF["lee_bounds"], ids=lambda c: c["spec"]["name"])
def test_lee_bounds_match_r(case):
    spec = case["spec"]
    frame = read_data(spec["data"])
    control, treated_arm = spec["arms"]
    frame = frame[frame["arm"].isin([control, treated_arm])]
    y = frame[spec["y"]].to_numpy(dtype=float)
    result = lee_bounds(y, (frame["arm"] == treated_arm).to_numpy(), np.isfinite(y))
    assert result.trimmed_group == case["trimmed_group"]
    assert result.n == case["n"]
    for field in ("lower", "upper", "trimming_share"):
        assert getattr(result, field) == pytest.approx(case[field], rel=1e-9, abs=1e-12)


def test_lee_bounds_by_hand():
    # treated: 10 people, 8 respond; control: 10 people, 5 respond -> trim 3/8 of
    # the treated respondents (3 of 8 values) from the top or bottom
    y = np.array([1, 2, 3, 4, 5, 6, 7, 8, np.nan, np.nan] + [2, 4, 6, 8, 10] + [np.nan] * 5)
    treated = np.arange(20) < 10
    res = lee_bounds(y, treated, np.isfinite(y))
    assert res.trimming_share == pytest.approx(3 / 8)
    assert res.lower == pytest.approx(np.mean([1, 2, 3, 4, 5]) - 6.0)
    assert res.upper == pytest.approx(np.mean([4, 5, 6, 7, 8]) - 6.0)
    assert res.trimmed_group == "treated" and res.n == 20


def test_trimmed_mean_is_fractional_and_handles_ties():
    # keep 2.5 of 4 values: 0, 0, and half of 1 -> 0.5 / 2.5
    assert trimmed_mean(np.array([1.0, 0.0, 1.0, 0.0]), 0.375, "top") == pytest.approx(0.2)
    # keep the 2.5 largest: 1, 1 and half of 0 -> 2 / 2.5
    assert trimmed_mean(np.array([1.0, 0.0, 1.0, 0.0]), 0.375, "bottom") == pytest.approx(0.8)
    # integer kept share: the plain mean of the kept values
    assert trimmed_mean(np.arange(10.0), 0.3, "top") == pytest.approx(3.0)


def test_lee_bounds_without_differential_response_is_the_difference():
    y = np.array([1.0, 2.0, np.nan, 4.0, 0.0, np.nan])
    treated = np.array([True, True, True, False, False, False])
    res = lee_bounds(y, treated, np.isfinite(y))
    assert res.lower == res.upper == pytest.approx(1.5 - 2.0)
    assert res.trimmed_group == "none" and res.trimming_share == 0.0
