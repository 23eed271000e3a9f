"""Units of the subgroup, margin and pooling frames: fast paths against refits, the gate."""

from __future__ import annotations

import numpy as np
import pytest

from trustexp.analysis.equivalence import tost
from trustexp.analysis.subgroups import _hc_draws, interaction_test
from trustexp.stats import estimate_itt


@pytest.mark.parametrize("se_type", ["HC0", "HC1", "HC2", "HC3"])
def test_hc_draws_equal_refits(se_type):
    rng = np.random.default_rng(5)
    n = 90
    blocks = rng.integers(0, 3, n)
    cov = rng.normal(size=(n, 2))
    arms = rng.integers(0, 2, size=(6, n))
    y0 = rng.normal(size=n) + blocks
    tau = 0.4
    b, se, df = _hc_draws(y0, tau, arms, blocks, cov, se_type)
    for k in range(arms.shape[0]):
        a = arms[k]
        res = estimate_itt(y0 + tau * a, a, n_arms=2, covariates=cov, strata=blocks, se_type=se_type)
        assert b[k] == pytest.approx(res.estimate[0], rel=1e-10)
        assert se[k] == pytest.approx(res.std_error[0], rel=1e-10)
        assert df[k] == res.df[0]


def test_interaction_test_two_groups_is_the_t_test_of_the_difference():
    got = interaction_test(np.array([0.1, 0.3]), np.array([0.05, 0.08]), np.array([100.0, 80.0]))
    t = (0.3 - 0.1) / np.hypot(0.05, 0.08)
    assert got["statistic"] == pytest.approx(t**2)
    assert got["estimate"] == pytest.approx(0.2) and got["df"] == 180.0


def test_tost_is_the_interval_inside_the_margin():
    est = np.linspace(-0.1, 0.1, 41)
    res = tost(est, np.full(41, 0.02), np.full(41, 200.0), 0.05, test="equivalence")
    inside = (res["ci_low"] > -0.05) & (res["ci_high"] < 0.05)
    np.testing.assert_array_equal(res["ruled_out"] == 1.0, inside)
    ni = tost(est, np.full(41, 0.02), np.full(41, 200.0), 0.05, test="non-inferiority", direction="lower")
    np.testing.assert_array_equal(ni["ruled_out"] == 1.0, ni["ci_high"] < 0.05)


@pytest.mark.slow
def test_gate_withholds_small_subgroups_and_their_complements():
    from pathlib import Path

    import trustexp

    _check_complements(trustexp.evaluate(Path(__file__).parent / "reference" / "forwhom_trial"), 40)


@pytest.mark.slow
def test_persons_with_the_subgroup_missing_are_the_unobserved_of_the_balance_table(tmp_path):
    """Age is a covariate: the balance table counts the persons without it, so with every
    outcome observed they protect no group, and the gate must see that."""
    import shutil
    from pathlib import Path

    import pandas as pd

    import trustexp
    from trustexp.analysis.subgroups import SUBGROUPS
    from trustexp.frames import Fact

    folder = tmp_path / "trial"
    shutil.copytree(Path(__file__).parent / "reference" / "forwhom_trial", folder)
    toml = folder / "trial.toml"
    toml.write_text(toml.read_text().replace('covariates = ["prior"]', 'covariates = ["prior", "age"]'))
    ev = trustexp.evaluate(folder, permutations=0)
    parts = pd.read_csv(folder / "participants.csv")
    facts = SUBGROUPS.facts(ev.subgroups, ev._inputs)
    ties = {(r.total, r.parts) for r in facts.relations if r.total.kind == "unobserved"}
    for arm, g in parts.groupby("arm"):
        missing = Fact("analysed", "all", str(arm), ("work", "age_40", "missing"))
        tied = (Fact("unobserved", "all", str(arm), ("age",)), (missing,)) in ties
        assert tied == bool(g["age"].isna().any() and g["work"].notna().all()), arm
    assert ties, "the test needs an arm with age missing and work observed"
    _check_complements(ev, 40)


def _check_complements(ev, m):
    from trustexp.disclosure import Withheld

    rel = ev.released(min_cell=m)
    subs = rel.frame("subgroups")
    effects = {(r["outcome"], r["arm"]): r for r in rel.frame("effects") if r["site"] == "all"}
    small = [r for r in subs if r["term"] == "effect" and r["suppressed"].get("n_arm") == "small"]
    assert small, "the test needs a small group"
    for r in small:
        assert isinstance(r["estimate"], Withheld)  # an effect of a small group is withheld
    raw = ev.subgroups
    for r in subs:
        if r["term"] != "effect":
            continue
        n = raw[(raw["subgroup"] == r["subgroup"]) & (raw["group"] == r["group"]) & (raw["outcome"] == r["outcome"])
                & (raw["arm"] == r["arm"]) & (raw["term"] == "effect")]["n_arm"].iloc[0]
        if 0 < n < m:
            assert isinstance(r["n_arm"], Withheld)
    # no group's withheld count follows from the arm's total and the other groups' counts
    for (sub, o, a) in {(r["subgroup"], r["outcome"], r["arm"]) for r in subs}:
        rows = [r for r in subs if (r["subgroup"], r["outcome"], r["arm"], r["term"]) == (sub, o, a, "effect")]
        hidden = [r for r in rows if isinstance(r["n_arm"], Withheld)]
        total = effects[(o, a)]["n_arm"]
        inter = next(r for r in subs if (r["subgroup"], r["outcome"], r["arm"], r["term"]) == (sub, o, a, "interaction"))
        if len(hidden) == 1:
            assert isinstance(total, Withheld) and isinstance(inter["n_arm"], Withheld) or \
                   any(isinstance(x["n_arm"], Withheld) for x in rows if x is not hidden[0])
