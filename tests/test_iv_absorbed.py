"""Complier (2SLS) effects with the strata absorbed equal those with one dummy column
per stratum: estimate, standard error and degrees of freedom for HC0-HC3 and CR0-CR2
(clusters nested in the strata and not), with and without covariates, with singleton
strata, collinear covariates and an instrument that the strata determine; and the
complier frame of the demo trial is that of the dummy-column fit
(``tests/data/compliers_demo_dummy_strata.csv``, written by the dummy-column code)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustexp.evaluation import evaluate
from trustexp.stats import _matrices
from trustexp.stats.iv import IVResult, estimate_iv

BASELINE = Path(__file__).resolve().parent / "data" / "compliers_demo_dummy_strata.csv"
RTOL = 1e-10
HC = ("HC0", "HC1", "HC2", "HC3")
CR = ("CR0", "CR1", "CR2")


def _data(seed: int, *, n_cov: int, singletons: int = 0):
    """Strata of uneven sizes (and ``singletons`` strata of one), assignment within
    strata, two-sided non-compliance, heteroskedastic outcome."""
    rng = np.random.default_rng(seed)
    sizes = np.concatenate([rng.integers(6, 30, size=9), np.ones(singletons, dtype=np.int64)])
    strata = np.repeat(np.arange(sizes.size), sizes)
    strata = rng.permutation(np.arange(sizes.size))[strata]  # codes not in row order
    n = strata.size
    z = (rng.random(n) < 0.5).astype(float)
    d = np.where(z == 1, rng.random(n) < 0.75, rng.random(n) < 0.1).astype(float)
    x = rng.normal(size=(n, n_cov))
    effect = rng.normal(size=sizes.size)[strata]
    y = 0.6 * d + x @ np.linspace(0.5, -0.5, n_cov) + effect
    y = y + rng.normal(size=n) * (1.0 + 0.5 * np.abs(x[:, 0]) if n_cov else 1.0)
    return y, d, z, x, strata


def _dummy_design(x: np.ndarray, strata: np.ndarray) -> np.ndarray:
    """The exogenous columns of the dummy-column model: intercept, centred covariates,
    one indicator per stratum but the first."""
    n = strata.size
    levels, n_levels = _matrices.factorize(strata)
    return np.column_stack([np.ones(n), x - x.mean(axis=0),
                            _matrices.dummies(levels, n_levels)])


def _absorbed_design(x: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones(x.shape[0]), x - x.mean(axis=0)])


def _same(got: IVResult, want: IVResult) -> None:
    assert got.n == want.n and got.se_type == want.se_type
    assert np.isfinite(want.estimate) and np.isfinite(want.std_error)
    for name in ("estimate", "std_error", "df"):
        np.testing.assert_allclose(getattr(got, name), getattr(want, name), rtol=RTOL, atol=0,
                                   err_msg=name)
    for name in ("statistic", "ci_low", "ci_high", "p_value"):
        np.testing.assert_allclose(getattr(got, name), getattr(want, name), rtol=1e-9,
                                   atol=1e-12, err_msg=name)


@pytest.mark.parametrize("n_cov", [0, 3])
@pytest.mark.parametrize("singletons", [0, 3])
@pytest.mark.parametrize("se_type", HC)
def test_hc_equals_dummy_columns(se_type, singletons, n_cov):
    y, d, z, x, strata = _data(1 + singletons + n_cov, n_cov=n_cov, singletons=singletons)
    want = estimate_iv(y, d, z, _dummy_design(x, strata), se_type=se_type)
    got = estimate_iv(y, d, z, _absorbed_design(x), strata=strata, se_type=se_type)
    _same(got, want)


def _clusters(strata: np.ndarray, nested: bool, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if nested:  # two or three clusters per stratum
        return strata * 3 + rng.integers(0, 3, size=strata.size)
    return rng.integers(0, 14, size=strata.size)  # across strata


@pytest.mark.parametrize("nested", [True, False])
@pytest.mark.parametrize("n_cov", [0, 3])
@pytest.mark.parametrize("singletons", [0, 2])
@pytest.mark.parametrize("se_type", CR)
def test_cr_equals_dummy_columns(se_type, singletons, n_cov, nested):
    y, d, z, x, strata = _data(11 + singletons + n_cov, n_cov=n_cov, singletons=singletons)
    cl = _clusters(strata, nested, 5)
    want = estimate_iv(y, d, z, _dummy_design(x, strata), clusters=cl, se_type=se_type)
    got = estimate_iv(y, d, z, _absorbed_design(x), strata=strata, clusters=cl,
                      se_type=se_type)
    _same(got, want)


@pytest.mark.parametrize("se_type", ["HC1", "HC2", "CR1", "CR2"])
def test_covariate_constant_within_strata(se_type):
    """A covariate that the strata determine is dropped (absorbed): the same fit, the
    same degrees of freedom and small-sample factors as the dummy columns, where a
    dummy column is dropped instead."""
    y, d, z, x, strata = _data(21, n_cov=2)
    level = np.random.default_rng(3).normal(size=strata.max() + 1)
    x = np.column_stack([x, level[strata], 2.0 * x[:, 0]])  # also a duplicate covariate
    cl = _clusters(strata, False, 8) if se_type.startswith("CR") else None
    want = estimate_iv(y, d, z, _dummy_design(x, strata), clusters=cl, se_type=se_type)
    got = estimate_iv(y, d, z, _absorbed_design(x), strata=strata, clusters=cl,
                      se_type=se_type)
    _same(got, want)


def test_exog_without_intercept():
    """With strata the intercept is among the absorbed effects: leaving it out of
    ``exog`` changes nothing."""
    y, d, z, x, strata = _data(31, n_cov=2, singletons=1)
    with_one = estimate_iv(y, d, z, _absorbed_design(x), strata=strata, se_type="HC2")
    without = estimate_iv(y, d, z, x, strata=strata, se_type="HC2")
    _same(without, with_one)
    _same(with_one, estimate_iv(y, d, z, _dummy_design(x, strata), se_type="HC2"))


def test_one_stratum_is_the_intercept():
    y, d, z, x, _ = _data(41, n_cov=2)
    one = np.zeros(y.size, dtype=np.int64)
    _same(estimate_iv(y, d, z, _absorbed_design(x), strata=one, se_type="HC3"),
          estimate_iv(y, d, z, _absorbed_design(x), se_type="HC3"))


@pytest.mark.parametrize("strata_given", [True, False])
def test_instrument_determined_by_strata_is_not_estimable(strata_given):
    """Assignment constant within every stratum: the instrument carries nothing beyond
    the strata effects, and both fits give NaN."""
    y, d, z, x, strata = _data(51, n_cov=1)
    z = (strata % 2).astype(float)
    d = np.where(z == 1, d, 0.0)
    if strata_given:
        res = estimate_iv(y, d, z, _absorbed_design(x), strata=strata, se_type="HC2")
    else:
        res = estimate_iv(y, d, z, _dummy_design(x, strata), se_type="HC2")
    assert np.isnan(res.estimate) and np.isnan(res.std_error) and np.isnan(res.df)


def test_too_few_rows_for_the_strata():
    """No more rows than coefficients (11 strata and take-up in 12 rows): NaN with
    strata codes as with dummy columns."""
    y, d, z, x, _ = _data(61, n_cov=0)
    y, d, z, x = y[:12], d[:12], z[:12], x[:12]
    codes = np.minimum(np.arange(12), 10)
    got = estimate_iv(y, d, z, np.ones((12, 1)), strata=codes, se_type="HC2")
    want = estimate_iv(y, d, z, _dummy_design(x, codes), se_type="HC2")
    assert np.isnan(got.estimate) and np.isnan(want.estimate)
    assert got.n == want.n == 12


def _baseline() -> pd.DataFrame:
    return pd.read_csv(BASELINE, keep_default_na=False, na_values=[""],
                       dtype={"site": "str", "outcome": "str", "arm": "str", "takeup": "str",
                              "se_type": "str", "not_estimable": "str", "variant": "str"})


@pytest.mark.parametrize(("variant", "options"), [
    ("HC2", {}),
    ("CR2_randomised_on", {"standard_errors": "CR2", "cluster": "randomised_on"}),
])
def test_demo_complier_frame_unchanged(variant, options):
    want = _baseline()
    want = want[want["variant"] == variant].drop(columns="variant").reset_index(drop=True)
    got = evaluate(demo=True, permutations=0, **options).compliers.reset_index(drop=True)
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want) > 0
    for c in want.columns:
        if got[c].dtype.kind == "f":
            np.testing.assert_allclose(got[c].to_numpy(), want[c].to_numpy(dtype=float),
                                       rtol=RTOL, atol=0, err_msg=c)
        else:
            assert got[c].astype(str).tolist() == want[c].fillna("").astype(str).tolist(), c
