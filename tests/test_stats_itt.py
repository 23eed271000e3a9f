"""estimate_itt against estimatr (R fixtures), Lin (2013), and edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from tests._stats_reference import as_array, codes, load_json, read_data, subset
from trustexp.errors import OptionError
from trustexp.stats import estimate_itt

ITT = load_json("itt.json")
CASES = {case["spec"]["name"]: case for case in ITT["cases"]}


def _run(spec: dict, **overrides):
    frame = subset(read_data(spec["data"]), spec["subset"])
    frame = frame[frame[spec["y"]].notna()]
    covs = spec["covariates"]
    kwargs = dict(
        n_arms=spec["n_arms"],
        covariates=frame[covs].to_numpy(dtype=float) if covs else None,
        strata=codes(frame[spec["strata"]]) if spec["strata"] else None,
        clusters=codes(frame[spec["cluster"]]) if spec["cluster"] else None,
        adjustment=spec["adjustment"],
        se_type=spec["se_type"],
    )
    kwargs.update(overrides)
    return estimate_itt(frame[spec["y"]].to_numpy(dtype=float), codes(frame["arm"]), **kwargs)


def test_fixture_covers_the_brief():
    specs = [c["spec"] for c in ITT["cases"]]
    assert {s["se_type"] for s in specs} == {"HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"}
    assert {s["n_arms"] for s in specs} == {2, 4}
    assert any(s["adjustment"] == "lin" and s["strata"] for s in specs)
    assert any(s["adjustment"] == "lin" and s["cluster"] for s in specs)
    assert any(s["data"] == "trial_few.csv" for s in specs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_estimatr(name):
    case = CASES[name]
    res = _run(case["spec"])
    assert res.n == case["n"]
    for field in ("estimate", "std_error", "ci_low", "ci_high", "df", "statistic"):
        np.testing.assert_allclose(
            getattr(res, field), as_array(case[field]), rtol=1e-8, atol=1e-12, err_msg=field
        )
    np.testing.assert_allclose(res.p_value, as_array(case["p_value"]), rtol=1e-8, atol=1e-12)
    assert res.se_type == case["spec"]["se_type"]


def test_counts_and_control_mean():
    spec = CASES["four_missing_CR2"]["spec"]
    frame = read_data(spec["data"])
    frame = frame[frame["y_miss"].notna()]
    res = _run(spec)
    assert res.n_control == int((frame["arm"] == 0).sum())
    assert res.n_arm.tolist() == [int((frame["arm"] == j).sum()) for j in (1, 2, 3)]
    assert res.control_mean == pytest.approx(frame.loc[frame["arm"] == 0, "y_miss"].mean())


# Lin, W. (2013). Agnostic notes on regression adjustments to experimental data:
# Reexamining Freedman's critique. Annals of Applied Statistics 7(1), 295-318,
# doi:10.1214/12-AOAS583, Table 2: first-year GPA of men in the STAR experiment
# (Angrist, Lang and Oreopoulos 2009), SFSP vs SSP, classic sandwich (HC0) standard
# errors. Estimate and SE as published (three decimals), as also checked by
# estimatr's tests/testthat/test-replicate-lin2013.R.
LIN_2013_TABLE_2 = {
    "unadjusted": (-0.036, 0.158),
    "usual": (-0.083, 0.146),
    "interacted": (-0.081, 0.146),
}


def _star():
    frame = read_data("alo_star_men.csv")
    # SFSP vs SSP; the data hold only these two groups (sfsp = 1 - ssp).
    assert (frame["sfsp"] + frame["ssp"] == 1).all()
    return frame["GPA_year1"].to_numpy(float), codes(frame["sfsp"]), frame[["gpa0"]].to_numpy(float)


def test_reproduces_lin_2013_table_2():
    y, arm, gpa0 = _star()
    fits = {
        "unadjusted": estimate_itt(y, arm, n_arms=2, se_type="HC0"),
        "usual": estimate_itt(y, arm, n_arms=2, covariates=gpa0, se_type="HC0"),
        "interacted": estimate_itt(
            y, arm, n_arms=2, covariates=gpa0, adjustment="lin", se_type="HC0"
        ),
    }
    for key, (est, se) in LIN_2013_TABLE_2.items():
        assert round(float(fits[key].estimate[0]), 3) == est, key
        assert round(float(fits[key].std_error[0]), 3) == se, key


@pytest.mark.parametrize("case", load_json("lin2013.json")["cases"], ids=lambda c: c["name"])
def test_lin_2013_data_matches_estimatr(case):
    y, arm, gpa0 = _star()
    res = estimate_itt(
        y,
        arm,
        n_arms=2,
        covariates=gpa0 if case["covariates"] else None,
        adjustment=case["adjustment"],
        se_type=case["se_type"],
    )
    for field in ("estimate", "std_error", "df", "ci_low", "ci_high"):
        np.testing.assert_allclose(getattr(res, field), as_array(case[field]), rtol=1e-6)
    np.testing.assert_allclose(res.p_value, as_array(case["p_value"]), rtol=1e-4)


# -- edge cases -------------------------------------------------------------------------------


def _toy(n=60, seed=1):
    rng = np.random.default_rng(seed)
    arm = np.resize(np.arange(3), n)
    x = rng.normal(size=(n, 2))
    y = 1.0 + 0.5 * (arm == 1) + x @ np.array([0.3, -0.2]) + rng.normal(size=n)
    return y, arm, x


def test_absent_arm_gives_nan_not_error():
    y, arm, x = _toy()
    keep = arm != 2
    res = estimate_itt(y[keep], arm[keep], n_arms=3, covariates=x[keep])
    assert np.isfinite(res.estimate[0]) and np.isnan(res.estimate[1])
    assert np.isnan([res.std_error[1], res.p_value[1], res.ci_low[1], res.df[1]]).all()
    assert res.n_arm.tolist() == [20, 0]
    two = estimate_itt(y[keep], (arm[keep] == 1).astype(int), n_arms=2, covariates=x[keep])
    assert res.estimate[0] == pytest.approx(two.estimate[0])
    assert res.std_error[0] == pytest.approx(two.std_error[0])


def test_no_control_gives_nan():
    y, arm, _ = _toy()
    keep = arm != 0
    res = estimate_itt(y[keep], arm[keep], n_arms=3)
    assert np.isnan(res.estimate).all() and res.n_control == 0 and np.isnan(res.control_mean)


def test_arm_confounded_with_stratum_is_not_identified():
    y, arm, _ = _toy()
    strata = np.where(arm == 2, 1, 0)  # arm 2 is exactly stratum 1
    res = estimate_itt(y, arm, n_arms=3, strata=strata)
    assert np.isnan(res.estimate[1]) and np.isfinite(res.estimate[0])


def test_constant_covariate_is_dropped():
    y, arm, x = _toy()
    with_const = np.column_stack([x, np.full(y.size, 7.0), 2 * x[:, 0]])
    a = estimate_itt(y, arm, n_arms=3, covariates=with_const, adjustment="lin")
    b = estimate_itt(y, arm, n_arms=3, covariates=x, adjustment="lin")
    np.testing.assert_allclose(a.estimate, b.estimate, rtol=1e-10)
    np.testing.assert_allclose(a.std_error, b.std_error, rtol=1e-10)
    np.testing.assert_array_equal(a.df, b.df)


def test_invariant_to_row_order_and_code_labels():
    y, arm, x = _toy()
    strata = np.resize([5, 9, 11], y.size)
    clusters = np.arange(y.size) // 4 * 3 + 100
    perm = np.random.default_rng(3).permutation(y.size)
    kw = dict(n_arms=3, covariates=x, se_type="CR2", adjustment="lin")
    a = estimate_itt(y, arm, strata=strata, clusters=clusters, **kw)
    b = estimate_itt(y[perm], arm[perm], strata=strata[perm] * 2, clusters=clusters[perm], **kw)
    for field in ("estimate", "std_error", "df", "p_value"):
        np.testing.assert_allclose(getattr(a, field), getattr(b, field), rtol=1e-9)


def test_result_is_frozen():
    y, arm, _ = _toy()
    res = estimate_itt(y, arm, n_arms=3)
    with pytest.raises(AttributeError):
        res.n = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(se_type="HC9"), "'se_type' parameter of estimate_itt must be one of"),
        (dict(se_type="CR2"), "needs 'clusters'"),
        (dict(adjustment="interacted"), "'adjustment'"),
        (dict(alpha=1.5), "'alpha' parameter of estimate_itt must be a float in (0, 1)"),
        (dict(n_arms=2), "'arm' parameter of estimate_itt must be codes 0..1"),
        (dict(covariates=np.ones((3, 1))), "'covariates'"),
        (dict(clusters=np.arange(60)), "ignores the 'clusters'"),
    ],
)
def test_bad_options_raise_option_error(kwargs, message):
    y, arm, _ = _toy()
    kw = dict(n_arms=3) | kwargs
    with pytest.raises(OptionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        estimate_itt(y, arm, **kw)


def test_nan_outcome_is_refused():
    y, arm, _ = _toy()
    y[4] = np.nan
    with pytest.raises(OptionError, match="'y'.*position 4"):
        estimate_itt(y, arm, n_arms=3)
