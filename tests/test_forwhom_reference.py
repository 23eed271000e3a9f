"""Subgroups, margins and pooling of sites on the reference trial, against R.

``tests/reference/forwhom.R`` simulates ``forwhom_trial/`` and fits with
``estimatr::lm_robust`` (within groups, and the fully interacted model), by hand
in R (two one-sided tests) and with ``metafor::rma`` (REML, ad hoc corrected
Knapp-Hartung): the frames here must agree to 1e-6.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import trustexp

REFERENCE = Path(__file__).parent / "reference"
R = json.loads((REFERENCE / "forwhom.json").read_text())
#: Subgroups are analysed for the primary outcomes (R fits every outcome).
PRIMARY = ("income", "work")


@pytest.fixture(scope="module")
def ev():
    return trustexp.evaluate(REFERENCE / "forwhom_trial")


def _row(frame, **keys):
    sel = np.ones(len(frame), dtype=bool)
    for k, v in keys.items():
        sel &= (frame[k] == v).to_numpy()
    assert sel.sum() == 1, keys
    return frame[sel].iloc[0]


@pytest.mark.parametrize("ref", [r for r in R["subgroups"] if r["outcome"] in PRIMARY], ids=lambda r: f"{r['subgroup']}-{r['group']}-{r['outcome']}-{r['arm']}")
def test_subgroup_effects_match_lm_robust_within_groups(ev, ref):
    got = _row(ev.subgroups, subgroup=ref["subgroup"], group=ref["group"], outcome=ref["outcome"],
               arm=ref["arm"], term="effect")
    for name in ("estimate", "std_error", "df", "p_value", "ci_low", "ci_high"):
        assert got[name] == pytest.approx(ref[name], rel=1e-6, abs=1e-10), name


@pytest.mark.parametrize("ref", [r for r in R["interactions"] if r["outcome"] in PRIMARY], ids=lambda r: f"{r['subgroup']}-{r['outcome']}-{r['arm']}")
def test_interaction_test_matches_the_fully_interacted_model(ev, ref):
    got = _row(ev.subgroups, subgroup=ref["subgroup"], group="*", outcome=ref["outcome"], arm=ref["arm"])
    effects = ev.subgroups[(ev.subgroups["subgroup"] == ref["subgroup"]) & (ev.subgroups["term"] == "effect")
                           & (ev.subgroups["outcome"] == ref["outcome"]) & (ev.subgroups["arm"] == ref["arm"])]
    # the interacted model's group effects and standard errors are the separate fits'
    np.testing.assert_allclose(effects["estimate"], ref["group_estimates"], rtol=1e-6)
    np.testing.assert_allclose(effects["std_error"], ref["group_std_errors"], rtol=1e-6)
    assert got["statistic"] == pytest.approx(ref["f"], rel=1e-6)
    assert got["df1"] == ref["df1"] and got["df"] == ref["df2"]
    assert got["p_value"] == pytest.approx(ref["p_value"], rel=1e-6)
    if "estimate" in ref:
        assert got["estimate"] == pytest.approx(ref["estimate"], rel=1e-6)
        assert got["std_error"] == pytest.approx(ref["std_error"], rel=1e-6)


def test_subgroup_family_is_adjusted_by_holm(ev):
    inter = ev.subgroups[ev.subgroups["term"] == "interaction"]
    assert set(inter["outcome"]) == set(PRIMARY)
    p = inter["p_value"].to_numpy()
    order = np.argsort(p)
    m = p.size
    holm = np.minimum(1, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    expected = np.empty(m)
    expected[order] = holm
    np.testing.assert_allclose(inter["p_adjusted"], expected, rtol=1e-12)
    assert inter["exploratory"].tolist() == [s == "woman" for s in inter["subgroup"]]


@pytest.mark.parametrize("ref", R["tost"], ids=lambda r: f"{r['site']}-{r['outcome']}-{r['arm']}")
def test_margin_tests_match_r(ev, ref):
    got = _row(ev.equivalence, site=ref["site"], outcome=ref["outcome"], arm=ref["arm"])
    for name in ("estimate", "std_error", "df", "p_lower", "p_upper", "p_value", "ci_low", "ci_high"):
        assert got[name] == pytest.approx(ref[name], rel=1e-6, abs=1e-12), name
    assert got["ruled_out"] == float(ref["p_value"] < 0.05)


@pytest.mark.parametrize("ref", R["pooled"], ids=lambda r: f"{r['outcome']}-{r['arm']}")
def test_pooled_sites_match_metafor(ev, ref):
    got = _row(ev.pooled, outcome=ref["outcome"], arm=ref["arm"])
    for name in ("estimate", "std_error", "p_value", "ci_low", "ci_high", "tau2", "i2", "q", "q_p_value",
                 "pi_low", "pi_high"):
        assert got[name] == pytest.approx(ref[name], rel=1e-6, abs=1e-9), name
    assert got["n_sites"] == 3 and got["se_type"] == "knha-adhoc" and got["method"] == "reml"
    assert got["prediction"] == "sj" and got["pi_df"] == 1


@pytest.mark.parametrize("ref", R["pooled"], ids=lambda r: f"{r['outcome']}-{r['arm']}")
def test_metafor_prediction_interval_of_the_sites_on_request(ev, ref):
    from trustexp.analysis.pooled import pool_sites

    got = _row(pool_sites(ev.effects, prediction="metafor"), outcome=ref["outcome"], arm=ref["arm"])
    assert got["prediction"] == "metafor" and got["pi_df"] == 2
    for end in ("low", "high"):
        assert got[f"pi_{end}"] == pytest.approx(ref[f"pi_metafor_{end}"], rel=1e-6, abs=1e-9), end


def test_new_frames_are_in_the_results_json(ev):
    out = json.loads(ev.to_json())
    for name in ("subgroups", "equivalence", "pooled"):
        assert out[name], name
        assert all("suppressed" in rec for rec in out[name])
