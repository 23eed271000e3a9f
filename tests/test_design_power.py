"""Minimum detectable effects against R (tests/reference/design_power.R)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from trustexp.errors import OptionError
from trustexp.planning.power import design_effect, family_alpha, mde_prop, mde_t, power_t

REF = json.loads((Path(__file__).parent / "reference" / "design_power.json").read_text())


@pytest.mark.parametrize("case", REF["power_t_test"])
def test_mde_t_equals_power_t_test(case: dict) -> None:
    got = mde_t(case["sd"], case["n"], case["n"], alpha=case["alpha"], power=case["power"])
    assert got == pytest.approx(case["delta"], rel=1e-6)


@pytest.mark.parametrize("case", REF["power_prop_test"])
def test_mde_prop_equals_power_prop_test(case: dict) -> None:
    got = mde_prop(case["p1"], case["n"], case["n"], alpha=case["alpha"], power=case["power"])
    assert got == pytest.approx(case["p2"] - case["p1"], rel=1e-6)


@pytest.mark.parametrize("case", REF["hand"])
def test_mde_t_with_design_effect_r2_and_unequal_groups(case: dict) -> None:
    deff = design_effect(case["icc"], case["m"], case["cv"])
    assert deff == pytest.approx(case["deff"], rel=1e-12)
    got = mde_t(case["sd"], case["n1"], case["n0"], alpha=case["alpha"], power=case["power"],
                r2=case["r2"], deff=deff, df=case["df"])
    assert got == pytest.approx(case["delta"], rel=1e-6)


@pytest.mark.parametrize("case", REF["prop_deff"])
def test_mde_prop_with_design_effect(case: dict) -> None:
    got = mde_prop(case["p1"], case["n"], case["n"], deff=case["deff"])
    assert got == pytest.approx(case["p2"] - case["p1"], rel=1e-6)


def test_power_at_the_mde_is_the_declared_power() -> None:
    d = mde_t(3.0, 120, 240, alpha=0.01, power=0.85)
    se = 3.0 * math.sqrt(1 / 120 + 1 / 240)
    assert power_t(d, se, 358, 0.01) == pytest.approx(0.85, abs=1e-9)


def test_lower_direction_and_unreachable_power() -> None:
    up = mde_prop(0.5, 300, 300)
    assert mde_prop(0.5, 300, 300, direction="lower") == pytest.approx(-up, rel=1e-9)
    assert math.isnan(mde_prop(0.99, 3, 3))


def test_family_alpha_and_messages() -> None:
    assert family_alpha(0.05, 3) == pytest.approx(0.05 / 3)
    assert family_alpha(0.05, 3, "none") == 0.05
    with pytest.raises(OptionError, match="The 'alpha' parameter of family_alpha"):
        family_alpha(1.5, 3)
    with pytest.raises(OptionError, match="The 'sd' parameter of mde_t must be a number > 0"):
        mde_t(0, 10, 10)
