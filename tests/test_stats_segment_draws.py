"""Balance tests of many sites at once equal the tests run site by site."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from trustexp.analysis import checks
from trustexp.analysis.samples import AnalysisSample, nonconstant, refactor, site_seed
from trustexp.stats import draw_assignments, joint_test
from trustexp.stats._joint_draws import wald_statistics
from trustexp.stats._segment_draws import BalanceCase, SegmentDesign, joint_tests

DRAWS = 199
HC = ("HC0", "HC1", "HC2", "HC3")
ARMS = (SimpleNamespace(id="a"), SimpleNamespace(id="b"))


def _assignment(rng: np.random.Generator, strata: np.ndarray, n_arms: int) -> np.ndarray:
    """Arm codes ``0..n_arms-1`` drawn within strata (every code in the sample when it can be)."""
    arm = np.empty(strata.size, dtype=np.int64)
    for g in np.unique(strata):
        idx = np.flatnonzero(strata == g)
        arm[idx] = rng.permutation(np.arange(idx.size) % n_arms)
    return arm


def _covariates(rng: np.random.Generator, n: int, kind: int) -> np.ndarray:
    """Four columns; by ``kind`` one is constant, collinear, or a rarely non-zero indicator."""
    x = np.column_stack([rng.normal(size=n), rng.integers(0, 2, size=n).astype(float),
                         rng.normal(2.0, 3.0, size=n), (rng.random(n) < 0.1).astype(float)])
    if kind == 1:
        x[:, 2] = 5.0  # constant
    elif kind == 2:
        x[:, 2] = x[:, 0] - 2.0 * x[:, 1]  # collinear with earlier columns
    elif kind == 3:
        x[:, 3] = 0.0  # a missingness indicator with nothing missing
    elif kind == 4:
        x[:] = 1.0  # every covariate constant
    return x


def _samples(seed: int, se_type: str, n_sites: int = 40) -> list[AnalysisSample]:
    """A pooled sample and sites of varied sizes, strata, arms and covariates."""
    rng = np.random.default_rng(seed)
    out = []
    for s in range(n_sites + 1):
        n = int(rng.integers(150, 300)) if s == 0 else int(rng.choice([3, 5, 8, 12, 30, 60, 120]))
        n_strata = int(rng.integers(1, 4))
        strata = np.sort(rng.integers(0, n_strata, size=n))
        arms = ARMS if s % 5 else ARMS[s % 2 :][:1]  # an arm missing in some sites
        arm = _assignment(rng, strata, len(arms) + 1)
        blocks = strata if np.unique(strata).size > 1 else None
        out.append(AnalysisSample(
            site="all" if s == 0 else f"site{s:03d}", rows=np.arange(n), arm=arm, arms=arms,
            blocks=blocks, clusters=None, covariates=_covariates(rng, n, s % 6),
            covariate_names=("x0", "x1", "x2", "x3"), seed=site_seed(seed, str(s)),
            se_type=se_type if s % 9 else HC[s % 4]))  # type: ignore[arg-type]
    return out


def _site_by_site(config, samples) -> pd.DataFrame:
    """The balance frame of one :func:`trustexp.stats.joint_test` call per site and arm."""
    rows = []
    draws = checks._check_draws(config)
    for s in samples:
        if s.covariates.shape[1] == 0:
            continue
        for k, arm in enumerate(s.arms, start=1):
            sel = (s.arm == k) | (s.arm == 0)
            x = s.covariates[sel]
            x = x[:, nonconstant(x)]
            d = (s.arm[sel] == k).astype(float)
            if d.min() == d.max():
                continue
            base = {"site": s.site, "arm": arm.id, "n": int(sel.sum()),
                    "n_arm": int(d.sum()), "n_control": int((1 - d).sum())}
            if x.shape[1] == 0:
                rows.append({**base, "df1": 0, "method": "randomisation", "draws": 0,
                             "testable": False, "reason": "constant covariates"})
                continue
            res = checks._run_test(
                joint_test, d, x,
                strata=refactor(None if s.blocks is None else s.blocks[sel]),
                clusters=refactor(None if s.clusters is None else s.clusters[sel]),
                se_type=s.se_type, draws=draws, seed=site_seed(s.seed, f"balance:{arm.id}"))
            rows.append({**base, "statistic": res.statistic, "df1": res.df1, "df2": res.df2,
                         "p_value": res.p_value, "method": res.method, "draws": res.draws,
                         "testable": res.testable, "reason": res.reason})
    return checks._frame(rows, checks.BALANCE_TEST_COLUMNS,
                         {"site": "str", "arm": "str", "df1": "int64", "n": "int64",
                          "n_arm": "int64", "n_control": "int64", "method": "str",
                          "draws": "int64", "testable": "bool", "reason": "str"})


def _assert_same_frame(got: pd.DataFrame, want: pd.DataFrame) -> None:
    exact = [c for c in want.columns if c != "statistic"]
    pd.testing.assert_frame_equal(got[exact], want[exact], check_exact=True)
    np.testing.assert_allclose(got["statistic"], want["statistic"], rtol=1e-10, atol=0)
    assert (got["statistic"].isna() == want["statistic"].isna()).all()


CONFIG = SimpleNamespace(analysis=SimpleNamespace(permutations=DRAWS))


@pytest.mark.parametrize("se_type", HC)
def test_balance_frame_equals_site_by_site(se_type):
    samples = _samples(11 + HC.index(se_type), se_type)
    got = checks.balance_tests(CONFIG, samples)
    want = _site_by_site(CONFIG, samples)
    _assert_same_frame(got, want)
    # the data hold the cases of interest
    assert (~got["testable"]).any()  # every covariate constant
    assert got["statistic"].isna().sum() > (~got["testable"]).sum()  # tiny sites
    assert np.isfinite(got["p_value"]).sum() > 30
    assert got["arm"].eq("b").any() and got["arm"].eq("a").any()


def test_balance_frame_with_clusters_falls_back():
    samples = _samples(5, "HC2", n_sites=12)
    rng = np.random.default_rng(3)
    clustered = []
    for i, s in enumerate(samples):
        if i % 3 == 1:  # CR2 with clusters (each person a cluster: nested in arms and strata)
            s = AnalysisSample(**{**s.__dict__, "clusters": np.arange(s.arm.size),
                                  "se_type": "CR2"})
        elif i % 3 == 2 and s.arm.size > 10:  # clusters across arms: the F approximation
            s = AnalysisSample(**{**s.__dict__, "clusters": rng.integers(0, 4, s.arm.size),
                                  "se_type": "CR1"})
        clustered.append(s)
    got = checks.balance_tests(CONFIG, clustered)
    _assert_same_frame(got, _site_by_site(CONFIG, clustered))
    assert got["reason"].eq(checks.NOT_NESTED).any()


def _cases(seed: int, count: int = 60) -> list[BalanceCase]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        n = int(rng.choice([4, 6, 10, 25, 50, 90]))
        strata = np.sort(rng.integers(0, 1 + i % 3, size=n))
        d = (_assignment(rng, strata, 2) == 1).astype(float)
        x = _covariates(rng, n, i % 4)
        x = x[:, nonconstant(x)]
        out.append(BalanceCase(d, x, refactor(strata) if np.unique(strata).size > 1 else None,
                               HC[i % 4], int(rng.integers(2**40))))
    return out


def test_joint_tests_equal_joint_test():
    cases = _cases(21)
    cases.append(BalanceCase(cases[0].d, cases[0].x, cases[0].strata, "CR2", 1))
    got = joint_tests(cases, DRAWS)
    assert got[-1] is None  # CR types are not batched
    covered = 0
    for case, res in zip(cases[:-1], got[:-1], strict=True):
        want = joint_test(case.d, case.x, strata=case.strata, se_type=case.se_type,  # type: ignore[arg-type]
                          draws=DRAWS, seed=case.seed)
        if res is None:  # too few rows, or a statistic resting on rounding: tested alone
            continue
        covered += 1
        assert (res.df1, res.df2, res.n, res.method, res.draws, res.testable, res.reason) == (
            want.df1, want.df2, want.n, want.method, want.draws, want.testable, want.reason)
        np.testing.assert_allclose(res.statistic, want.statistic, rtol=1e-10)
        assert res.p_value == want.p_value or (np.isnan(res.p_value) and np.isnan(want.p_value))
    assert covered > 40


@pytest.mark.parametrize("se_type", HC)
def test_segment_statistics_equal_wald_statistics_draw_by_draw(se_type):
    rng = np.random.default_rng(HC.index(se_type))
    segments = []
    for i in range(12):
        n = int(rng.choice([12, 30, 70]))
        strata = np.sort(rng.integers(0, 1 + i % 3, size=n))
        groups = refactor(strata)
        d = (_assignment(rng, strata, 2) == 1).astype(float)
        x = _covariates(rng, n, 0)[:, :3]
        segments.append((groups, d, x, draw_assignments(d.astype(np.int64), strata=groups,
                                                        draws=40, seed=i)))
    offsets = np.cumsum([0] + [int(g.max()) + 1 for g, *_ in segments[:-1]])
    design = SegmentDesign.of(
        np.array([d.size for _, d, _, _ in segments]),
        np.concatenate([g + o for (g, *_), o in zip(segments, offsets, strict=True)]),
        np.vstack([x for *_, x, _ in segments]),
        np.concatenate([d for _, d, _, _ in segments]), se_type)
    got, fragile = design.statistics(np.vstack([a.T for *_, a in segments]).astype(float))
    assert not fragile.any()
    for j, (groups, _, x, a) in enumerate(segments):
        want = wald_statistics(a.astype(float), groups, x, se_type, None)
        np.testing.assert_allclose(got[:, j], want, rtol=1e-10)
        fast = wald_statistics(a.astype(float), groups, x, se_type, None, permuted_binary=True)
        np.testing.assert_allclose(got[:, j], fast, rtol=1e-10)


def test_large_cases_are_batches_of_their_own(monkeypatch):
    from trustexp.stats import _segment_draws

    monkeypatch.setattr(_segment_draws, "_ROWS", 60)
    monkeypatch.setattr(_segment_draws, "_CHUNK_ELEMENTS", 500)
    cases = _cases(4, count=20)
    small = joint_tests(cases, DRAWS)
    monkeypatch.undo()
    for a, b in zip(small, joint_tests(cases, DRAWS), strict=True):
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert a.p_value == b.p_value or (np.isnan(a.p_value) and np.isnan(b.p_value))
            np.testing.assert_allclose(a.statistic, b.statistic, rtol=1e-12)


def test_same_frames_on_one_thread_and_on_several(monkeypatch):
    """The batches (and their draws) run on several threads; each batch is the same work
    on any thread, so the frames are identical whatever the number of threads."""
    from trustexp.stats import _threads

    samples = _samples(21, "HC2")
    monkeypatch.setattr(_threads, "WORK_THREADS", 1)
    one = checks.balance_tests(CONFIG, samples)
    monkeypatch.setattr(_threads, "WORK_THREADS", 3)
    several = checks.balance_tests(CONFIG, samples)
    pd.testing.assert_frame_equal(one, several, check_exact=True)
