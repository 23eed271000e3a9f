"""method="htz" of joint_test and differential_attrition against
clubSandwich::Wald_test(..., vcov = "CR2", test = "HTZ") (tests/reference/09_htz.R)."""

from __future__ import annotations

import numpy as np
import pytest

from tests._stats_reference import codes, load_json, read_data
from trustexp.errors import OptionError
from trustexp.stats import differential_attrition, joint_test

REF = load_json("htz.json")


@pytest.mark.parametrize("case", REF["cases"], ids=lambda c: c["name"])
def test_htz_matches_club_sandwich(case):
    frame = read_data(case["data"])
    se = "CR2" if case["cluster"] else "HC2"
    strata = codes(frame[case["strata"]]) if case["strata"] else None
    if case["kind"] == "balance":
        frame = frame[frame["arm"].isin(case["arms"])].reset_index(drop=True)
        strata = codes(frame[case["strata"]]) if case["strata"] else None
        res = joint_test((frame["arm"] == case["arms"][1]).to_numpy(dtype=float),
                         frame[case["covariates"]].to_numpy(dtype=float), strata=strata,
                         clusters=codes(frame[case["cluster"]]) if case["cluster"] else None,
                         se_type=se, method="htz")
    else:
        res = differential_attrition(frame[case["y"]].notna().to_numpy(dtype=float),
                                     codes(frame["arm"]), n_arms=case["n_arms"], strata=strata,
                                     clusters=codes(frame[case["cluster"]]) if case["cluster"]
                                     else None, se_type=se, method="htz")
    assert res.method == "htz" and res.df1 == case["df1"] and res.n == case["n"]
    for field in ("statistic", "df2", "p_value"):
        assert getattr(res, field) == pytest.approx(case[field], rel=1e-8), field


def test_htz_needs_hc2_or_cr2():
    with pytest.raises(OptionError, match="'htz', which needs se_type 'HC2' or 'CR2'"):
        joint_test(np.resize([0.0, 1.0], 6), np.arange(6.0), se_type="HC1", method="htz")
