"""Attrition tests of many sites at once equal the tests run site by site."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from trustexp.analysis import checks
from trustexp.analysis.samples import AnalysisSample, site_seed
from trustexp.stats import differential_attrition
from trustexp.stats._segment_attrition import AttritionCase, differential_attrition_tests

DRAWS = 199
HC = ("HC0", "HC1", "HC2", "HC3")
ARMS = tuple(SimpleNamespace(id=a) for a in ("a", "b", "c"))
CONFIG = SimpleNamespace(analysis=SimpleNamespace(permutations=DRAWS))


def _arms(rng: np.random.Generator, strata: np.ndarray, n_arms: int) -> np.ndarray:
    arm = np.empty(strata.size, dtype=np.int64)
    for g in np.unique(strata):
        idx = np.flatnonzero(strata == g)
        arm[idx] = rng.permutation(np.arange(idx.size) % n_arms)
    return arm


def _samples(seed: int, se_type: str, n_sites: int = 40) -> tuple[list[AnalysisSample], dict]:
    """Samples over one participants table, and the response of two waves."""
    rng = np.random.default_rng(seed)
    out, start = [], 0
    for s in range(n_sites + 1):
        n = int(rng.integers(150, 300)) if s == 0 else int(rng.choice([4, 8, 16, 40, 90, 160]))
        strata = np.sort(rng.integers(0, int(rng.integers(1, 4)), size=n))
        arms = ARMS if s % 4 else ARMS[: 1 + s % 3]  # fewer arms in some sites
        out.append(AnalysisSample(
            site="all" if s == 0 else f"site{s:03d}", rows=np.arange(start, start + n),
            arm=_arms(rng, strata, len(arms) + 1), arms=arms,
            blocks=strata if np.unique(strata).size > 1 else None, clusters=None,
            covariates=np.empty((n, 0)), covariate_names=(), seed=site_seed(seed, str(s)),
            se_type=se_type if s % 7 else HC[s % 4]))  # type: ignore[arg-type]
        start += n
    rate = rng.uniform(0.1, 0.95, size=start)
    resp = {0: np.ones(start, dtype=bool), 1: rng.random(start) < rate,
            2: rng.random(start) < 0.5 + 0.4 * (np.arange(start) % 2)}
    return out, resp


def _site_by_site(config, resp, samples) -> pd.DataFrame:
    """The attrition frame of one :func:`differential_attrition` call per site and wave."""
    rows = []
    draws = checks._check_draws(config)
    for s in samples:
        if not s.arms or not s.has_control:
            continue
        for w, r in resp.items():
            res = checks._run_test(differential_attrition, r[s.rows].astype(float), s.arm,
                                   n_arms=s.n_arms, strata=s.blocks, clusters=s.clusters,
                                   se_type=s.se_type, draws=draws,
                                   seed=site_seed(s.seed, f"attrition:{w}"))
            rows.append({"site": s.site, "wave": w, "statistic": res.statistic,
                         "df1": res.df1, "df2": res.df2, "p_value": res.p_value,
                         "n": res.n, "method": res.method, "draws": res.draws,
                         "testable": res.testable, "reason": res.reason})
    return checks._frame(rows, checks.ATTRITION_COLUMNS,
                         {"site": "str", "wave": "int64", "df1": "int64", "n": "int64",
                          "method": "str", "draws": "int64", "testable": "bool",
                          "reason": "str"})


def _assert_same_frame(got: pd.DataFrame, want: pd.DataFrame) -> None:
    exact = [c for c in want.columns if c != "statistic"]
    pd.testing.assert_frame_equal(got[exact], want[exact], check_exact=True)
    np.testing.assert_allclose(got["statistic"], want["statistic"], rtol=1e-10, atol=0)
    assert (got["statistic"].isna() == want["statistic"].isna()).all()


@pytest.mark.parametrize("se_type", HC)
def test_attrition_frame_equals_site_by_site(se_type):
    samples, resp = _samples(31 + HC.index(se_type), se_type)
    got = checks.attrition_tests(CONFIG, resp, samples)
    _assert_same_frame(got, _site_by_site(CONFIG, resp, samples))
    assert (~got["testable"]).any()  # everyone responded at wave 0
    assert np.isfinite(got["p_value"]).sum() > 40


def test_attrition_frame_with_clusters_falls_back():
    samples, resp = _samples(8, "HC2", n_sites=12)
    rng = np.random.default_rng(2)
    clustered = []
    for i, s in enumerate(samples):
        if i % 3 == 1:
            s = AnalysisSample(**{**s.__dict__, "clusters": np.arange(s.arm.size),
                                  "se_type": "CR2"})
        elif i % 3 == 2 and s.arm.size > 10:  # clusters across arms: the F approximation
            s = AnalysisSample(**{**s.__dict__, "clusters": rng.integers(0, 4, s.arm.size),
                                  "se_type": "CR1"})
        clustered.append(s)
    got = checks.attrition_tests(CONFIG, resp, clustered)
    _assert_same_frame(got, _site_by_site(CONFIG, resp, clustered))
    assert got["reason"].eq(checks.NOT_NESTED).any()


def test_batched_attrition_equals_differential_attrition():
    rng = np.random.default_rng(5)
    cases = []
    for i in range(60):
        n = int(rng.choice([6, 12, 30, 60, 150]))
        n_arms = int(rng.choice([2, 3, 4]))
        strata = np.sort(rng.integers(0, 1 + i % 3, size=n))
        y = (rng.random(n) < rng.uniform(0.2, 0.9)).astype(float)
        cases.append(AttritionCase(y, _arms(rng, strata, n_arms), n_arms,
                                   strata if i % 2 else None, HC[i % 4], int(rng.integers(2**40))))
    got = differential_attrition_tests(cases, DRAWS)
    covered = 0
    for case, res in zip(cases, got, strict=True):
        if res is None:  # tested alone (module notes)
            continue
        covered += 1
        want = differential_attrition(case.responded, case.arm, n_arms=case.n_arms,
                                      strata=case.strata, se_type=case.se_type,  # type: ignore[arg-type]
                                      draws=DRAWS, seed=case.seed)
        assert (res.df1, res.df2, res.n, res.method, res.draws, res.testable, res.reason) == (
            want.df1, want.df2, want.n, want.method, want.draws, want.testable, want.reason)
        np.testing.assert_allclose(res.statistic, want.statistic, rtol=1e-10)
        assert res.p_value == want.p_value or (np.isnan(res.p_value) and np.isnan(want.p_value))
    assert covered > 25
