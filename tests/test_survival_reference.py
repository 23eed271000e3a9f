"""Survival kernels against R's survival package (tests/reference/survival.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustexp.stats.survival import cox_hazard_ratios, kaplan_meier, logrank, rmst

REF = Path(__file__).parent / "reference"
R = json.loads((REF / "survival.json").read_text())
CASES = ["demo", "clustered"]


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / "data" / f"survival_{name}.csv")


@pytest.mark.parametrize("name", CASES)
def test_kaplan_meier_matches_survfit(name):
    d = _data(name)
    for a in sorted(d.arm.unique()):
        sel = d.arm == a
        km = kaplan_meier(d.time[sel].to_numpy(), d.event[sel].to_numpy(), 24)
        ref = R[name]["km"][str(a)]
        np.testing.assert_allclose(km.survival, ref["survival"], rtol=0, atol=1e-10)
        np.testing.assert_allclose(km.std_error, ref["std_error"], rtol=0, atol=1e-10)
        np.testing.assert_allclose(km.ci_low, ref["ci_low"], rtol=0, atol=1e-8)
        np.testing.assert_allclose(km.ci_high, ref["ci_high"], rtol=0, atol=1e-8)
        np.testing.assert_array_equal(km.n_at_risk, ref["n_at_risk"])


@pytest.mark.parametrize("name", CASES)
def test_rmst_matches_survfit_rmean(name):
    d = _data(name)
    for a in sorted(d.arm.unique()):
        sel = d.arm == a
        area, se = rmst(d.time[sel].to_numpy(), d.event[sel].to_numpy(), 24)
        ref = R[name]["rmst"][str(a)]
        assert area == pytest.approx(ref["rmst"], abs=1e-8)
        assert se == pytest.approx(ref["se"], abs=1e-8)


@pytest.mark.parametrize("name", CASES)
def test_stratified_logrank_matches_survdiff(name):
    d = _data(name)
    for a in sorted(d.arm.unique())[1:]:
        sub = d.loc[d.arm.isin([0, a])]
        chisq, p = logrank(sub.time.to_numpy(), sub.event.to_numpy(), sub.arm.to_numpy(),
                           sub.block.to_numpy())
        ref = R[name]["logrank"][str(a)]
        assert chisq == pytest.approx(ref["chisq"], rel=1e-6)
        assert p == pytest.approx(ref["p_value"], abs=1e-4)


@pytest.mark.parametrize("name", CASES)
def test_cox_efron_matches_coxph(name):
    d = _data(name)
    n_arms = int(d.arm.max()) + 1
    beta, se = cox_hazard_ratios(d.time.to_numpy(), d.event.to_numpy(), d.arm.to_numpy(),
                                 n_arms, d.block.to_numpy(), d.cluster.to_numpy())
    ref = R[name]["cox"]
    np.testing.assert_allclose(beta, ref["coef"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(se, ref["robust_se"], rtol=0, atol=1e-6)


def test_cox_model_based_se_matches_coxph_naive():
    from statsmodels.duration.hazard_regression import PHReg

    for name in CASES:
        d = _data(name)
        x = np.column_stack([(d.arm == j).astype(float) for j in sorted(d.arm.unique())[1:]])
        fit = PHReg(d.time.astype(float), x, status=d.event.astype(float),
                    strata=d.block.to_numpy(), ties="efron").fit()
        np.testing.assert_allclose(fit.bse, R[name]["cox"]["naive_se"], rtol=1e-6)
