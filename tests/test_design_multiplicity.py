"""The MDE under Benjamini-Hochberg and Romano-Wolf, by simulating the family's statistics.

Checked (a) against theory where it is exact: one hypothesis (every procedure
is the one test), Bonferroni in the simulation engine (the formula's
``alpha / tests``), perfectly correlated statistics under Romano-Wolf (no
correction), and the procedures that reject all Bonferroni rejects (never a
larger MDE); and (b) by brute force: the full procedure run at the returned
MDE, on trials simulated and estimated with trustexp's estimator (BH) or on
fresh joint statistics with :func:`trustexp.stats.romano_wolf` (Romano-Wolf),
rejects with the declared power within 2 Monte Carlo standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import trustexp
from trustexp.errors import OptionError
from trustexp.planning.mde import Hypothesis, simulated_levels
from trustexp.planning.multiplicity import (
    bonferroni_power,
    family_levels,
    hypothesis_correlation,
    outcome_correlation,
    rejection_rate,
)
from trustexp.planning.power import mde_t
from trustexp.stats import adjust, estimate_itt, romano_wolf

ALPHA, POWER = 0.05, 0.8
Z = stats.norm.isf(ALPHA / 2) + stats.norm.ppf(POWER)


def _family(k_out: int = 3, arms: int = 3, n: int = 200, rho: float = 0.0) -> np.ndarray:
    r = np.full((k_out, k_out), rho)
    np.fill_diagonal(r, 1.0)
    t = k_out * arms
    return hypothesis_correlation(r, np.repeat(np.arange(k_out), arms), [n] * t, [n] * t,
                                  list(range(arms)) * k_out)


@pytest.mark.parametrize("method", ["bonferroni", "holm", "bh"])
def test_one_hypothesis_is_the_one_test(method: str) -> None:
    res = family_levels(np.eye(1), method=method, alpha=ALPHA, power=POWER, seed=3)
    # the two-sided power (both tails) against the formula's one tail: 1e-5 apart
    assert res.level[0] == pytest.approx(ALPHA, abs=2e-6)
    assert res.noncentrality[0] == pytest.approx(Z, abs=1e-5)
    assert res.noncentrality_mcse[0] == 0.0


def test_one_hypothesis_romano_wolf_within_its_error() -> None:
    res = family_levels(np.eye(1), method="romano-wolf", alpha=ALPHA, power=POWER, seed=3)
    assert abs(res.noncentrality[0] - Z) < 2 * res.noncentrality_mcse[0]
    assert 0 < res.noncentrality_mcse[0] < 0.05


def test_bonferroni_in_the_engine_is_the_formula() -> None:
    corr = _family(rho=0.3)
    res = family_levels(corr, method="bonferroni", alpha=ALPHA, power=POWER, seed=1)
    assert np.allclose(res.level, ALPHA / corr.shape[0], rtol=1e-4)


def test_perfectly_correlated_romano_wolf_needs_no_correction() -> None:
    res = family_levels(np.ones((4, 4)), method="romano-wolf", alpha=ALPHA, power=POWER, seed=5)
    assert np.all(np.abs(res.noncentrality - Z) < 2 * res.noncentrality_mcse)


def test_procedures_that_reject_more_never_need_a_larger_effect() -> None:
    corr = _family(rho=0.4)
    bonf = family_levels(corr, method="bonferroni", alpha=ALPHA, power=POWER, seed=2)
    holm = family_levels(corr, method="holm", alpha=ALPHA, power=POWER, seed=2)
    bh = family_levels(corr, method="bh", alpha=ALPHA, power=POWER, seed=2)
    rw = family_levels(corr, method="romano-wolf", alpha=ALPHA, power=POWER, seed=2)
    assert np.all(holm.noncentrality <= bonf.noncentrality + 1e-9)
    assert np.all(bh.noncentrality <= holm.noncentrality + 1e-9)
    assert np.all(rw.noncentrality <= bonf.noncentrality + 2 * rw.noncentrality_mcse)
    # correlated statistics: Romano-Wolf's max-T gains over Bonferroni
    assert np.all(rw.noncentrality < bonf.noncentrality)


def test_same_seed_same_result_and_checks() -> None:
    corr = _family()
    a = family_levels(corr, method="bh", alpha=ALPHA, power=POWER, seed=7)
    b = family_levels(corr, method="bh", alpha=ALPHA, power=POWER, seed=7)
    assert np.array_equal(a.level, b.level)
    with pytest.raises(OptionError, match="The 'method' parameter of family_levels"):
        family_levels(corr, method="sidak", alpha=ALPHA, power=POWER, seed=7)
    with pytest.raises(OptionError, match="The 'draws' parameter of family_levels"):
        family_levels(corr, method="bh", alpha=ALPHA, power=POWER, seed=7, draws=10)


def test_shared_control_correlation() -> None:
    corr = hypothesis_correlation(np.eye(1), [0, 0], [100, 300], [200, 200], [0, 1])
    want = (1 / 200) / math.sqrt((1 / 100 + 1 / 200) * (1 / 300 + 1 / 200))
    assert corr[0, 1] == pytest.approx(want)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 1))
    values = np.column_stack([x[:, 0], 0.6 * x[:, 0] + 0.8 * rng.normal(size=4000)])
    arm = rng.integers(0, 2, 4000)
    values[arm == 1] += 5.0  # arm means do not enter the correlation
    assert outcome_correlation(values, arm)[0, 1] == pytest.approx(0.6, abs=0.03)


def _binomial_se(p: float, n: int) -> float:
    return math.sqrt(p * (1 - p) / n)


@pytest.mark.slow
def test_brute_force_bh_at_the_mde_has_the_declared_power() -> None:
    """Trials of 2 independent outcomes x (control + 2 arms), estimated and BH-adjusted."""
    n_per_arm, reps = 150, 1500
    family = _family(k_out=2, arms=2, n=n_per_arm)
    res = family_levels(family, method="bh", alpha=ALPHA, power=POWER, seed=11)
    mde = mde_t(1.0, n_per_arm, n_per_arm, alpha=float(res.level[0]), power=POWER)
    rng = np.random.default_rng(12)
    arm = np.repeat(np.arange(3), n_per_arm)
    hits = 0
    for _ in range(reps):
        p = []
        for k in range(2):
            y = rng.normal(size=arm.size) + (mde * (arm == 1) if k == 0 else 0.0)
            p.extend(estimate_itt(y, arm, n_arms=3, se_type="HC2").p_value)
        hits += adjust(np.array(p), "bh")[0] <= ALPHA
    rate = hits / reps
    assert abs(rate - POWER) < 2 * _binomial_se(POWER, reps)


def test_brute_force_romano_wolf_at_the_mde_has_the_declared_power() -> None:
    """Fresh correlated statistics, adjusted by trustexp.stats.romano_wolf itself."""
    family = _family(k_out=2, arms=2, rho=0.5)
    res = family_levels(family, method="romano-wolf", alpha=ALPHA, power=POWER, seed=21)
    lam = float(res.noncentrality[0])
    rng = np.random.default_rng(22)
    w, v = np.linalg.eigh(family)
    root = v * np.sqrt(np.clip(w, 0, None))
    null = rng.standard_normal((4000, 4)) @ root.T
    reps = 3000
    z = rng.standard_normal((reps, 4)) @ root.T
    z[:, 0] += lam
    rate = float(np.mean([romano_wolf(row, null)[0] <= ALPHA for row in z]))
    se = math.hypot(_binomial_se(POWER, reps),
                    res.noncentrality_mcse[0] * stats.norm.pdf(lam - stats.norm.isf(ALPHA / 8)))
    assert abs(rate - POWER) < 2 * se


def test_the_engine_rate_equals_trustexps_procedures() -> None:
    """The engine's rejections are those of trustexp.stats.adjust on the same statistics."""
    rng = np.random.default_rng(4)
    z = rng.standard_normal((400, 6)) + np.array([2.5, 0, 1, 0, 3, 0])
    p = 2 * stats.norm.sf(np.abs(z))
    for method in ("holm", "bh"):
        want = np.mean([adjust(row, method)[0] <= ALPHA for row in p])
        assert rejection_rate(z, 0, method, ALPHA) == pytest.approx(want)
    assert bonferroni_power(0.0, 1, ALPHA) == pytest.approx(ALPHA)


@pytest.mark.slow
def test_design_frame_says_how_the_mde_was_found() -> None:
    ev = trustexp.evaluate(demo=True, permutations=0, multiple_testing="bh",
                           outcomes=["exit_to_work_24m", "part_time_work_24m"])
    d = ev.design
    assert set(d["mde_method"]) == {"simulated-bh"}
    assert set(d["mde_correlation"]) == {"observed"}
    assert (d["mde_mcse"] >= 0).all() and (d["mde_mcse"] < 0.01 * d["mde"]).all()
    holm = ev.with_options(multiple_testing="holm").design
    assert set(holm["mde_method"]) == {"holm-first-step"}
    assert (holm["mde_mcse"] == 0).all()
    # BH rejects all Holm does: its MDE is not larger beyond the Monte Carlo error
    assert (d["mde"].to_numpy() <= holm["mde"].to_numpy() + 2 * d["mde_mcse"].to_numpy()).all()


@pytest.mark.slow
def test_planned_family_is_simulated_with_independent_outcomes() -> None:
    levels = simulated_levels(
        trustexp.evaluate(demo=True, permutations=0, multiple_testing="romano-wolf",
                          outcomes=["exit_to_work_24m"]).config,
        _settings(), [Hypothesis("all", "exit_to_work_24m", a, 200, 200)
                      for a in ("a1", "a2", "a3")])
    assert len(levels) == 3
    assert all(ALPHA / 3 < lv < ALPHA for lv, _ in levels.values())


def _settings():  # type: ignore[no-untyped-def]
    from trustexp.planning.settings import DesignSettings

    return DesignSettings(power=POWER, alpha=ALPHA)


def test_planned_bh_design_says_which_method_gave_the_mde(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from test_design_api import PLANNED

    from trustexp.planning import design
    from trustexp.planning._html import design_html
    from trustexp.planning.power import mde_prop

    folder = tmp_path / "planned"
    folder.mkdir()
    text = PLANNED.replace('control_arm = "control"',
                           'control_arm = "control"\n\n[analysis]\nmultiple_testing = "bh"')
    (folder / "trial.toml").write_text(text, encoding="utf-8")
    res = design(folder, simulations=0)
    t = res.table.set_index(["outcome", "arm"])
    assert set(t["mde_method"]) == {"simulated-bh"}
    assert set(t["mde_correlation"]) == {"independent"}
    r = t.loc[("exit_18m", "guidance")]
    assert ALPHA / 4 < r["alpha"] < ALPHA  # between Bonferroni and no correction
    want = mde_prop(0.15, 150, 150, alpha=float(r["alpha"]), r2=0.2)
    assert r["mde"] == pytest.approx(want, rel=1e-12)
    import html

    en, nl = html.unescape(design_html(res, lang="en")), html.unescape(design_html(res, lang="nl"))
    assert "Its MDE was found by simulating the family's test statistics jointly" in en
    assert "the outcomes taken as independent" in en
    assert "Het MDE is gevonden door de toetsgrootheden van de familie samen te simuleren" in nl
    assert "simulated-bh" in res.summary()
