"""Random-effects pooling (trustexp.stats.meta) against metafor::rma and statsmodels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from trustexp.errors import OptionError
from trustexp.stats.meta import random_effects

REFERENCE = Path(__file__).parent / "reference"
FITS = json.loads((REFERENCE / "meta_rma.json").read_text())["fits"]
FIELDS = ("estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high", "tau2", "i2",
          "q", "q_p_value", "pi_low", "pi_high")
OPTIONS = {"z": {"knapp_hartung": False}, "knha": {"knapp_hartung": True, "adhoc": False},
           "adhoc": {"knapp_hartung": True, "adhoc": True}}


@pytest.mark.parametrize("fit", FITS, ids=lambda f: f"{f['case']}-{f['method']}-{f['test']}")
def test_random_effects_matches_metafor(fit):
    got = random_effects(fit["yi"], fit["sei"], method=fit["method"], **OPTIONS[fit["test"]])
    for name in FIELDS:
        assert getattr(got, name) == pytest.approx(fit[name], rel=1e-6, abs=1e-9), name
    assert got.k == len(fit["yi"])


@pytest.mark.parametrize("prediction", ["hts", "metafor"])
@pytest.mark.parametrize("fit", FITS, ids=lambda f: f"{f['case']}-{f['method']}-{f['test']}")
def test_other_prediction_intervals_match_metafor(fit, prediction):
    # "hts": predict(fit, pi.type = "riley"); "metafor": predict(fit)
    got = random_effects(fit["yi"], fit["sei"], method=fit["method"], prediction=prediction,
                         **OPTIONS[fit["test"]])
    for end in ("low", "high"):
        assert getattr(got, f"pi_{end}") == pytest.approx(fit[f"pi_{prediction}_{end}"], rel=1e-6, abs=1e-9)
    same = random_effects(fit["yi"], fit["sei"], method=fit["method"], **OPTIONS[fit["test"]])
    assert (got.estimate, got.ci_low, got.tau2) == (same.estimate, same.ci_low, same.tau2)


def test_default_prediction_interval_is_wider_than_metafors_with_few_sites():
    fit = next(f for f in FITS if f["case"] == "four_heterogeneous" and f["method"] == "reml"
               and f["test"] == "adhoc")
    sj = random_effects(fit["yi"], fit["sei"])
    mf = random_effects(fit["yi"], fit["sei"], prediction="metafor")
    assert sj.pi_df == 2 and mf.pi_df == 3 and sj.prediction == "sj"
    assert sj.pi_high - sj.pi_low > mf.pi_high - mf.pi_low


def test_adhoc_never_narrower_than_z_interval():
    # six homogeneous sites: plain Knapp-Hartung is narrower than the z interval
    fit = {f["test"]: f for f in FITS if f["case"] == "six_homogeneous" and f["method"] == "reml"}
    plain = random_effects(fit["knha"]["yi"], fit["knha"]["sei"], adhoc=False)
    z = random_effects(fit["z"]["yi"], fit["z"]["sei"], knapp_hartung=False)
    adhoc = random_effects(fit["adhoc"]["yi"], fit["adhoc"]["sei"])
    assert plain.ci_high - plain.ci_low < z.ci_high - z.ci_low
    assert adhoc.ci_low <= z.ci_low and adhoc.ci_high >= z.ci_high


def test_dl_matches_statsmodels_combine_effects():
    from statsmodels.stats.meta_analysis import combine_effects

    y = np.array([1.2, 0.4, 2.9, -0.5])
    se = np.array([0.9, 1.1, 0.7, 1.3])
    sm = combine_effects(y, se**2, method_re="dl")
    got = random_effects(y, se, method="dl", knapp_hartung=False)
    assert got.tau2 == pytest.approx(sm.tau2, rel=1e-10)
    assert got.estimate == pytest.approx(sm.mean_effect_re, rel=1e-10)
    assert got.std_error == pytest.approx(sm.sd_eff_w_re, rel=1e-10)
    assert got.q == pytest.approx(sm.q, rel=1e-10)
    pm = combine_effects(y, se**2, method_re="pm")
    assert random_effects(y, se, method="pm").tau2 == pytest.approx(pm.tau2, rel=1e-6)


def test_too_few_estimates_give_nan():
    got = random_effects([0.1, np.nan], [0.05, 0.05])
    assert got.k == 1 and np.isnan(got.estimate) and np.isnan(got.tau2)


def test_bad_method_is_named():
    with pytest.raises(OptionError, match="'method' parameter of random_effects"):
        random_effects([0.1, 0.2], [0.05, 0.05], method="ml")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="'prediction' parameter of random_effects"):
        random_effects([0.1, 0.2], [0.05, 0.05], prediction="z")  # type: ignore[arg-type]
