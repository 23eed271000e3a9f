"""evaluate(): effects against independent fits, inference, design frames, immutability."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from _evalkit import base_raw, memory_trial, simulate_tables
from statsmodels.stats.multitest import multipletests

import trustexp
from trustexp.analysis.samples import site_seed
from trustexp.evaluation import Evaluation, evaluate
from trustexp.outcomes import derive_outcomes

EFFECT_COLUMNS = [
    "site", "outcome", "arm", "estimate", "std_error", "ci_low", "ci_high", "p_value", "df",
    "n", "n_arm", "n_control", "control_mean", "se_type", "p_adjusted", "adjustment_method",
]
EXTRA = ["family", "primary", "outcome_type", "outcome_label", "arm_label", "statistic",
         "not_estimable", "reason"]
#: A JSON/CSV effect record (contract v1.1): the effect names, the statistic, what was withheld.
RECORD = [*EFFECT_COLUMNS[:5], "statistic", *EFFECT_COLUMNS[5:], "suppressed"]


@pytest.fixture(scope="module")
def trial():
    return memory_trial(base_raw(), simulate_tables(seed=11, n=360))


@pytest.fixture(scope="module")
def ev(trial):
    return evaluate(trial, permutations=0)


# -- an independent fit: statsmodels OLS with HC2 on a design built here -------------

def _design(trial, site, outcome_id, arms=("exemption", "guidance")):
    p = trial.participants
    d = derive_outcomes(trial)
    sel = (p["arm"] != "reference").to_numpy()
    if site != "all":
        sel = sel & (p["site"] == site).to_numpy()
    p, d = p.loc[sel].reset_index(drop=True), d.loc[sel].reset_index(drop=True)
    y = d[outcome_id]
    obs = y.notna().to_numpy()
    cols = {"const": np.ones(len(p))}
    for a in arms:
        cols[a] = (p["arm"] == a).astype(float).to_numpy()
    block = p["stratum"] if site != "all" else p["site"] + "/" + p["stratum"]
    dummies = pd.get_dummies(block, drop_first=True, dtype=float)
    for c in dummies.columns:
        cols[f"block_{c}"] = dummies[c].to_numpy()
    covs = {"age": p["age"], "prior": p["prior"]}
    if outcome_id + "__baseline" in d.columns:
        covs["baseline"] = d[outcome_id + "__baseline"]
    for name, x in covs.items():
        x = x.to_numpy(dtype=float)
        miss = np.isnan(x)
        cols[name] = np.where(miss, np.nanmean(x), x)
        if miss[obs].any() and not miss[obs].all():
            cols[name + "_missing"] = miss.astype(float)
    X = pd.DataFrame(cols)
    return y.to_numpy()[obs], X.loc[obs].reset_index(drop=True), p.loc[obs]


def _statsmodels(trial, site, outcome_id):
    y, X, _ = _design(trial, site, outcome_id)
    return sm.OLS(y, X).fit(cov_type="HC2", use_t=True)


@pytest.mark.parametrize("site", ["all", "Noord", "Zuid"])
@pytest.mark.parametrize("outcome", ["income", "wb2", "exit12", "earn6"])
@pytest.mark.slow
def test_effects_match_statsmodels_hc2(trial, ev, site, outcome):
    fit = _statsmodels(trial, site, outcome)
    ci = fit.conf_int(alpha=0.05)
    eff = ev.effects
    for arm in ("exemption", "guidance"):
        row = eff.loc[(eff["site"] == site) & (eff["outcome"] == outcome) & (eff["arm"] == arm)]
        assert len(row) == 1
        r = row.iloc[0]
        assert r["estimate"] == pytest.approx(fit.params[arm], rel=1e-8, abs=1e-10)
        assert r["std_error"] == pytest.approx(fit.bse[arm], rel=1e-8)
        assert r["p_value"] == pytest.approx(fit.pvalues[arm], rel=1e-7, abs=1e-12)
        assert r["ci_low"] == pytest.approx(ci.loc[arm, 0], rel=1e-8, abs=1e-10)
        assert r["ci_high"] == pytest.approx(ci.loc[arm, 1], rel=1e-8, abs=1e-10)
        assert r["df"] == pytest.approx(fit.df_resid)
        assert r["n"] == fit.nobs
        assert r["se_type"] == "HC2"


def test_effects_match_the_kernel(trial, ev):
    """evaluate() hands the kernel exactly the rows and codes of the design."""
    from trustexp.stats import estimate_itt

    y, X, p = _design(trial, "all", "wb2")
    arm = np.select([p["arm"] == "exemption", p["arm"] == "guidance"], [1, 2], 0)
    strata = pd.factorize(p["site"] + "/" + p["stratum"])[0]
    cov = X[[c for c in X.columns if c in ("age", "prior", "baseline")
             or c.endswith("_missing")]].to_numpy()
    res = estimate_itt(y, arm, n_arms=3, covariates=cov, strata=strata, se_type="HC2")
    eff = ev.effects.query("site == 'all' and outcome == 'wb2'")
    np.testing.assert_allclose(eff["estimate"], res.estimate, rtol=1e-8)
    np.testing.assert_allclose(eff["std_error"], res.std_error, rtol=1e-8)
    assert eff["n_control"].iloc[0] == res.n_control
    assert eff["control_mean"].iloc[0] == pytest.approx(res.control_mean, rel=1e-12)


def test_effects_shape(trial, ev):
    eff = ev.effects
    assert list(eff.columns) == EFFECT_COLUMNS + EXTRA
    assert "reference" not in set(eff["arm"])
    assert list(pd.unique(eff["site"])) == ["all", "Noord", "Zuid"]
    ids = [o.id for o in trial.config.outcomes]
    assert list(pd.unique(eff["outcome"])) == ids
    assert len(eff) == 3 * len(ids) * 2
    binary = eff.loc[eff["outcome"] == "exit12"]
    assert (binary["outcome_type"] == "binary").all()
    assert binary["control_mean"].between(0, 1).all()
    # n counts the estimation sample
    d = derive_outcomes(trial)
    rnd = d["arm"] != "reference"
    assert eff.query("site == 'all' and outcome == 'income'")["n"].iloc[0] == int(
        (rnd & d["income"].notna()).sum())
    assert eff["primary"].dtype == bool
    assert eff.loc[eff["outcome"] == "exit12", "primary"].all()


@pytest.mark.slow
def test_reference_arm_never_estimated(trial):
    # a trial where only the reference group differs: it must not appear anywhere in effects
    ev = evaluate(trial, permutations=0)
    assert not (ev.effects["arm"] == "reference").any()
    ref = ev.reference
    assert set(ref["arm"]) == {"control", "reference"}
    d = derive_outcomes(trial)
    want = d.loc[d["arm"] == "reference", "income"]
    got = ref.query("arm == 'reference' and outcome == 'income'")
    assert got["mean"].iloc[0] == pytest.approx(want.mean())
    assert got["n"].iloc[0] == want.notna().sum()


@pytest.mark.slow
def test_multiple_testing_holm_and_bh(trial, ev):
    for site, g in ev.effects.groupby("site"):
        for fam, f in g.groupby("family"):
            want = multipletests(f["p_value"], method="holm")[1]
            np.testing.assert_allclose(f["p_adjusted"], want, rtol=1e-12, err_msg=f"{site}/{fam}")
    raw = base_raw(multiple_testing="bh")
    ev_bh = evaluate(memory_trial(raw, {
        "participants": trial.participants, "monthly": trial.monthly, "survey": trial.survey,
        "takeup": trial.takeup}), permutations=0)
    for _, f in ev_bh.effects.groupby(["site", "family"]):
        np.testing.assert_allclose(f["p_adjusted"], multipletests(f["p_value"],
                                                                  method="fdr_bh")[1])
    assert (ev_bh.effects["adjustment_method"] == "bh").all()
    raw = base_raw(multiple_testing="none")
    ev_none = evaluate(memory_trial(raw, {"participants": trial.participants,
                                        "monthly": trial.monthly, "survey": trial.survey}),
                       permutations=0)
    np.testing.assert_array_equal(ev_none.effects["p_adjusted"], ev_none.effects["p_value"])


def _tables(trial):
    return {"participants": trial.participants, "monthly": trial.monthly,
            "survey": trial.survey, "takeup": trial.takeup}


@pytest.mark.slow
def test_randomisation_inference_by_refitting(trial):
    """p_value_ri equals a count over statsmodels refits on the same re-randomisations."""
    from trustexp.stats import draw_assignments

    b = 40
    ev = evaluate(trial, permutations=b)
    assert "p_value_ri" in ev.effects.columns
    assert list(ev.effects.columns).index("p_value_ri") == len(EFFECT_COLUMNS)
    for site in ("all", "Zuid"):
        y, X, p = _design(trial, site, "income")
        full = trial.participants
        sel = (full["arm"] != "reference").to_numpy()
        if site != "all":
            sel = sel & (full["site"] == site).to_numpy()
        part = full.loc[sel].reset_index(drop=True)
        arm = np.select([part["arm"] == "exemption", part["arm"] == "guidance"], [1, 2], 0)
        block = part["site"] + "/" + part["stratum"] if site == "all" else part["stratum"]
        seed = trial.config.analysis.seed if site == "all" else site_seed(
            trial.config.analysis.seed, site)
        draws = draw_assignments(arm, strata=pd.factorize(block)[0], draws=b, seed=seed)
        obs = part["person_id"].isin(p["person_id"]).to_numpy()
        t_obs = sm.OLS(y, X).fit(cov_type="HC2").tvalues[["exemption", "guidance"]].to_numpy()
        exceed = np.zeros(2)
        for a in draws:
            Xb = X.copy()
            Xb["exemption"] = (a[obs] == 1).astype(float)
            Xb["guidance"] = (a[obs] == 2).astype(float)
            t = sm.OLS(y, Xb).fit(cov_type="HC2").tvalues[["exemption", "guidance"]]
            exceed += np.abs(t.to_numpy()) >= np.abs(t_obs) - 1e-12
        want = (1 + exceed) / (b + 1)
        got = ev.effects.query("site == @site and outcome == 'income'")["p_value_ri"]
        np.testing.assert_allclose(got, want, rtol=1e-12)


def _romano_wolf_brute(t_obs, t_draws):
    """Step-down Romano-Wolf adjusted p-values, written as the textbook loop."""
    order = np.argsort(-np.abs(t_obs))
    m = len(t_obs)
    adj = np.empty(m)
    prev = 0.0
    for step, j in enumerate(order):
        remaining = order[step:]
        maxima = np.abs(t_draws[:, remaining]).max(axis=1)
        p = (1 + np.sum(maxima >= abs(t_obs[j]))) / (len(maxima) + 1)
        prev = max(prev, p)
        adj[j] = prev
    return adj


@pytest.mark.slow
def test_romano_wolf_uses_joint_draws(trial):
    from trustexp.stats import draw_assignments, permutation_test

    raw = base_raw(multiple_testing="romano-wolf", permutations=60)
    t = memory_trial(raw, _tables(trial))
    ev = evaluate(t)
    eff = ev.effects.query("site == 'all' and family == 'work'")
    d = derive_outcomes(t)
    part = t.participants
    sel = (part["arm"] != "reference").to_numpy()
    p = part.loc[sel]
    arm = np.select([p["arm"] == "exemption", p["arm"] == "guidance"], [1, 2], 0)
    blocks = pd.factorize(p["site"] + "/" + p["stratum"])[0]
    draws = draw_assignments(arm, strata=blocks, draws=60, seed=t.config.analysis.seed)
    cols, obs_t = [], []
    for o in ("exit12", "pt12", "earn6"):
        y = d.loc[sel, o].to_numpy()
        age = p["age"].to_numpy()
        cov = np.column_stack([np.where(np.isnan(age), np.nanmean(age), age),
                               np.isnan(age).astype(float), p["prior"].to_numpy()])
        obs = np.isfinite(y)
        res = permutation_test(y, arm, draws, n_arms=3, covariates=cov, strata=blocks,
                               observed=obs)
        cols.append(res.t_draws)
        obs_t.append(res.t_observed)
    want = _romano_wolf_brute(np.concatenate(obs_t), np.column_stack(cols))
    np.testing.assert_allclose(eff["p_adjusted"], want, rtol=1e-12)
    np.testing.assert_allclose(eff["statistic"], np.concatenate(obs_t), rtol=1e-8)


@pytest.mark.slow
def test_romano_wolf_without_permutations_draws_2000(trial):
    raw = base_raw(multiple_testing="romano-wolf")
    raw["outcomes"] = raw["outcomes"][-1:]
    ev = evaluate(memory_trial(raw, _tables(trial)), permutations=0)
    assert "p_value_ri" not in ev.effects.columns
    p = ev.effects["p_adjusted"].to_numpy()
    assert np.isfinite(p).all()
    # multiples of 1/2001
    np.testing.assert_allclose(p * 2001, np.round(p * 2001), atol=1e-6)


def test_site_seed():
    assert site_seed(1, "A") == site_seed(1, "A")
    assert site_seed(1, "A") != site_seed(1, "B")
    assert site_seed(1, "A") != site_seed(2, "A")
    assert 0 <= site_seed(20171001, "Groningen") < 2**63


def test_balance(trial, ev):
    bal = ev.balance
    assert list(bal.columns) == ["site", "arm", "covariate", "mean_arm", "sd_arm",
                                 "mean_control", "sd_control", "std_diff", "n_arm", "n_control",
                                 "variable", "level", "n_missing_arm", "n_missing_control", "handling"]
    p = trial.participants
    for r in bal.itertuples(index=False):
        sub = p.loc[p["arm"] != "reference"]
        if r.site != "all":
            sub = sub.loc[sub["site"] == r.site]
        xa = sub.loc[sub["arm"] == r.arm, r.covariate].dropna()
        xc = sub.loc[sub["arm"] == "control", r.covariate].dropna()
        assert r.mean_arm == pytest.approx(xa.mean())
        assert r.sd_control == pytest.approx(xc.std())
        assert r.std_diff == pytest.approx(
            (xa.mean() - xc.mean()) / np.sqrt((xa.var() + xc.var()) / 2))
        assert (r.n_arm, r.n_control) == (len(xa), len(xc))
    assert len(bal) == 3 * 2 * 2


def test_balance_tests_match_statsmodels(trial, ev):
    tests = ev.balance_tests
    assert list(tests.columns) == ["site", "arm", "statistic", "df1", "df2", "p_value", "n",
                                   "n_arm", "n_control", "method", "draws", "testable", "reason"]
    assert (tests["method"] == "randomisation").all() and tests["testable"].all()
    p = trial.participants
    sub = p.loc[p["arm"].isin(["control", "guidance"])].reset_index(drop=True)
    age = sub["age"].to_numpy()
    X = pd.DataFrame({
        "const": 1.0,
        "age": np.where(np.isnan(age), np.nanmean(age), age),
        "age_missing": np.isnan(age).astype(float),
        "prior": sub["prior"],
    })
    blocks = pd.get_dummies(sub["site"] + "/" + sub["stratum"], drop_first=True, dtype=float)
    X = pd.concat([X, blocks], axis=1)
    d = (sub["arm"] == "guidance").astype(float)
    fit = sm.OLS(d, X).fit(cov_type="HC2", use_t=True)
    wald = fit.f_test("age = 0, age_missing = 0, prior = 0")
    got = tests.query("site == 'all' and arm == 'guidance'").iloc[0]
    assert got["statistic"] == pytest.approx(float(wald.fvalue), rel=1e-8)
    assert got["df1"] == 3
    assert got["n"] == len(sub)


def test_flow_response_attrition(trial, ev):
    flow = ev.flow
    d = derive_outcomes(trial)
    row = flow.query("site == 'Zuid' and arm == 'guidance' and outcome == 'wb2'").iloc[0]
    sel = (d["site"] == "Zuid") & (d["arm"] == "guidance")
    assert row["n_randomised"] == sel.sum()
    assert row["n_analysed"] == (sel & d["wb2"].notna()).sum()
    assert row["n_missing"] == row["n_randomised"] - row["n_analysed"]
    assert set(flow["arm"]) == {"control", "exemption", "guidance"}

    resp = ev.response
    s = trial.survey
    items = ["wb1", "wb2", "wb3", "wb4"]
    answered = s.loc[s[items].notna().any(axis=1)]
    for r in resp.query("site == 'all'").itertuples(index=False):
        ids = set(trial.participants.loc[trial.participants["arm"] == r.arm, "person_id"])
        n_resp = answered.loc[(answered["wave"] == r.wave) & answered["person_id"].isin(ids)]
        assert r.n_responded == len(n_resp)
        assert r.n_randomised == len(ids)
        assert r.rate == pytest.approx(len(n_resp) / len(ids))

    att = ev.attrition_tests
    assert list(att.columns) == ["site", "wave", "statistic", "df1", "df2", "p_value", "n",
                                 "method", "draws", "testable", "reason"]
    # everyone answers the baseline wave: not testable (issue 8), never a p-value
    base = att.query("wave == 0")
    assert (~base["testable"]).all() and base["p_value"].isna().all()
    # independent: response on arm dummies + blocks, HC2 Wald F, pooled wave 2
    p = trial.participants.loc[trial.participants["arm"] != "reference"].reset_index(drop=True)
    got2 = set(answered.loc[answered["wave"] == 2, "person_id"])
    r2 = p["person_id"].isin(got2).astype(float)
    X = pd.concat([
        pd.DataFrame({"const": 1.0, "exemption": (p["arm"] == "exemption").astype(float),
                      "guidance": (p["arm"] == "guidance").astype(float)}),
        pd.get_dummies(p["site"] + "/" + p["stratum"], drop_first=True, dtype=float),
    ], axis=1)
    wald = sm.OLS(r2, X).fit(cov_type="HC2", use_t=True).f_test("exemption = 0, guidance = 0")
    got = att.query("site == 'all' and wave == 2").iloc[0]
    assert got["statistic"] == pytest.approx(float(wald.fvalue), rel=1e-8)
    assert got["df1"] == 2


def test_lee_bounds_orchestration(trial, ev):
    from trustexp.stats import lee_bounds

    lb = ev.lee_bounds
    assert set(lb["outcome"]) == {"wb2"}
    d = derive_outcomes(trial)
    sel = d["arm"].isin(["control", "exemption"]).to_numpy()
    y = d.loc[sel, "wb2"].to_numpy()
    obs = np.isfinite(y)
    # trimmed within the blocks of the design (site x stratum), issue 8
    strat = trial.participants.set_index("person_id")["stratum"].reindex(d["person_id"])
    blocks = pd.factorize((d["site"] + "/" + strat.to_numpy())[sel])[0]
    want = lee_bounds(np.where(obs, y, 0.0), (d.loc[sel, "arm"] == "exemption").to_numpy(), obs,
                      strata=blocks)
    got = lb.query("site == 'all' and arm == 'exemption'").iloc[0]
    assert got["lower"] == pytest.approx(want.lower)
    assert got["upper"] == pytest.approx(want.upper)
    assert got["ci_low"] == pytest.approx(want.ci_low)
    assert got["cells"] == 4
    assert got["ci_low"] <= got["lower"] <= got["upper"] <= got["ci_high"]


def test_monthly_curves(trial, ev):
    cur = ev.monthly_curves
    assert list(cur.columns) == ["site", "arm", "month", "n", "share_on_benefit",
                                 "share_employed"]
    assert cur["month"].min() == -6 and cur["month"].max() == 12
    assert "reference" in set(cur["arm"])
    assert set(cur["site"]) == {"all", "Noord", "Zuid"}
    # brute force for one cell
    p = trial.participants.set_index("person_id")
    m = trial.monthly.copy()
    d = p.loc[m["person_id"], "randomised_on"]
    m["k"] = m["month"].to_numpy() - (d.dt.year * 12 + d.dt.month - 1).to_numpy()
    m["arm"] = p.loc[m["person_id"], "arm"].to_numpy()
    m["site"] = p.loc[m["person_id"], "site"].to_numpy()
    cell = m.loc[(m["k"] == 5) & (m["arm"] == "guidance") & (m["site"] == "Noord")]
    got = cur.query("site == 'Noord' and arm == 'guidance' and month == 5").iloc[0]
    assert got["n"] == len(cell)
    assert got["share_on_benefit"] == pytest.approx(cell["on_benefit"].mean())
    assert got["share_employed"] == pytest.approx(cell["employed"].mean())


def test_reliability_frame(ev):
    rel = ev.reliability
    assert list(rel.columns) == ["scale", "wave", "alpha", "n", "n_items"]
    assert sorted(rel["wave"]) == [0, 1, 2]


@pytest.mark.slow
def test_compliers_wald_estimator():
    """With no covariates and one block, 2SLS is the Wald ratio."""
    raw = base_raw()
    raw["analysis"] = {}
    raw["randomisation"] = {}
    tables = simulate_tables(seed=12, n=300, sites=("Een",))
    ev = evaluate(memory_trial(raw, tables), permutations=0)
    comp = ev.compliers
    assert list(comp.columns) == ["site", "outcome", "arm", "takeup", "estimate", "std_error",
                                  "statistic", "ci_low", "ci_high", "p_value", "df", "n",
                                  "n_arm", "n_control", "se_type", "first_stage",
                                  "first_stage_f", "not_estimable"]
    d = derive_outcomes(memory_trial(raw, tables))
    tk = tables["takeup"].set_index("person_id")["received"]
    sub = d.loc[d["arm"].isin(["control", "guidance"])].copy()
    sub["d"] = tk.reindex(sub["person_id"]).fillna(0).to_numpy()
    sub = sub.loc[sub["income"].notna()]
    z = (sub["arm"] == "guidance").astype(float)
    itt = sub.loc[z == 1, "income"].mean() - sub.loc[z == 0, "income"].mean()
    fs = sub.loc[z == 1, "d"].mean() - sub.loc[z == 0, "d"].mean()
    got = comp.query("outcome == 'income'").iloc[0]
    assert got["estimate"] == pytest.approx(itt / fs, rel=1e-8)
    assert got["first_stage"] == pytest.approx(fs, rel=1e-8)


@pytest.mark.slow
def test_lin_and_clusters_run():
    tables = simulate_tables(seed=13, n=200)
    p = tables["participants"]
    p = p.assign(cluster=("c" + (np.arange(len(p)) // 2).astype(str)))
    tables["participants"] = p
    raw = base_raw(adjustment="lin", standard_errors="CR2")
    raw["randomisation"] = {"strata": ["site", "stratum"], "cluster": "cluster"}
    ev = evaluate(memory_trial(raw, tables), permutations=0)
    # time to exit is a survival outcome: its effect is the RMST difference, not OLS
    assert (ev.effects.query("outcome_type != 'duration'")["se_type"] == "CR2").all()
    assert np.isfinite(ev.effects["estimate"]).all()


# -- the results object -----------------------------------------------------------

def test_evaluation_is_immutable(ev):
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.permutations = 5
    eff = ev.effects
    eff.loc[0, "estimate"] = 1e9
    eff["new"] = 1
    assert ev.effects.loc[0, "estimate"] != 1e9
    assert "new" not in ev.effects.columns
    prov = ev.provenance
    prov["seed"] = -1
    assert ev.provenance["seed"] != -1
    out = ev.outcomes()
    out.loc[0, "income"] = -1.0
    assert ev.outcomes().loc[0, "income"] != -1.0
    assert isinstance(ev, Evaluation)


@pytest.mark.slow
def test_to_dict_json_csv(trial, ev):
    obj = ev.to_dict()
    assert list(obj)[:5] == ["trial", "trustexp_version", "data_sha256", "min_cell", "effects"]
    assert set(obj) >= {"flow", "balance", "balance_tests", "response", "attrition_tests",
                        "lee_bounds", "monthly_curves", "compliers", "reliability", "allocation"}
    assert obj["trial"] == "Testproef"
    assert obj["trustexp_version"] == trustexp.__version__
    assert len(obj["data_sha256"]) == 64
    rec = obj["effects"][0]
    assert list(rec) == RECORD
    assert rec["site"] == "all"
    assert isinstance(rec["n"], int) and isinstance(rec["df"], int)
    text = ev.to_json()
    assert text == ev.to_json()
    assert json.loads(text) == obj
    assert "NaN" not in text
    csv_text = ev.to_csv()
    frame = pd.read_csv(__import__("io").StringIO(csv_text))
    assert list(frame.columns) == RECORD
    assert len(frame) == len(obj["effects"])
    np.testing.assert_allclose(frame["estimate"], [r["estimate"] for r in obj["effects"]])


@pytest.mark.slow
def test_json_deterministic_across_runs(trial):
    a = evaluate(trial, permutations=30).to_json()
    b = evaluate(trial, permutations=30).to_json()
    assert a == b
    assert '"p_value_ri"' in a


@pytest.mark.slow
def test_nan_is_null():
    tables = simulate_tables(seed=14, n=120)
    raw = base_raw()
    raw["outcomes"].append({"id": "empty", "column": "nothing"})
    tables["participants"] = tables["participants"].assign(nothing=np.nan)
    ev = evaluate(memory_trial(raw, tables), permutations=0)
    recs = [r for r in ev.to_dict()["effects"] if r["outcome"] == "empty"]
    assert recs and all(r["estimate"] is None and r["p_adjusted"] is None for r in recs)
    assert all(r["n"] == 0 for r in recs)
    assert "null" in ev.to_json()
    assert ",," in ev.to_csv()


@pytest.mark.slow
def test_small_cells_suppressed_in_exports():
    tables = simulate_tables(seed=15, n=150)
    ev = evaluate(memory_trial(base_raw(min_cell=40), tables), permutations=0)
    site_recs = [r for r in ev.to_dict()["effects"] if r["site"] != "all"]
    small = [r for r in site_recs if r["n_arm"] is None and r["estimate"] is None]
    assert small and all({"n_arm", "estimate", "p_value"} <= set(r["suppressed"]) for r in small)
    # counts are numbers or null, never strings (contract v1.1)
    assert all(not isinstance(r[k], str) for r in site_recs for k in ("n", "n_arm", "n_control"))
    released = ev.to_dict(min_cell=0)["effects"]
    assert all(isinstance(r["n_arm"], int) for r in released)
    assert (ev.effects["n_arm"] < 40).any()  # the frame keeps everything
    with pytest.raises(trustexp.OptionError):
        ev.to_dict(min_cell=-1)


@pytest.mark.slow
def test_summary_and_html(trial):
    raw = base_raw()
    raw["trial"]["name"] = "<b>Proef & co</b>"
    ev = evaluate(memory_trial(raw, _tables(trial)), permutations=0)
    text = ev.summary()
    assert "Trial: <b>Proef & co</b>" in text
    assert "exit12" in text and "pp" in text and "Noord" in text
    assert str(ev) == text
    html = ev._repr_html_()
    assert "&lt;b&gt;Proef &amp; co&lt;/b&gt;" in html
    assert "<b>Proef" not in html
    assert html.count("<tr>") == len(ev.effects) + 1
    assert "Evaluation of" in repr(ev)


def test_permutations_option_checked(trial):
    with pytest.raises(trustexp.OptionError, match="permutations"):
        evaluate(trial, permutations=-1)
    with pytest.raises(trustexp.OptionError, match="permutations"):
        evaluate(trial, permutations=2.5)


def test_provenance_in_memory(ev):
    prov = ev.provenance
    assert set(prov) == {"files", "data_sha256", "seed", "permutations", "versions", "command",
                         "options"}
    assert set(prov["versions"]) == {"python", "trustexp", "numpy", "pandas", "scipy",
                                     "statsmodels", "linearmodels", "pingouin"}
    assert prov["seed"] == 20171001
    assert set(prov["files"]) == {"participants", "monthly", "survey", "takeup"}


@pytest.mark.slow
def test_uneven_sites_missing_arm_and_control():
    """A site without one arm gets no row for it; a site without control gets NaN effects."""
    tables = simulate_tables(seed=16, n=300, sites=("A", "B", "C"))
    p = tables["participants"]
    p = p.loc[~((p["site"] == "B") & (p["arm"] == "guidance"))]
    p = p.loc[~((p["site"] == "C") & (p["arm"] == "control"))]
    tables["participants"] = p.reset_index(drop=True)
    keep = tables["participants"]["person_id"]
    for name in ("monthly", "survey", "takeup"):
        tables[name] = tables[name].loc[tables[name]["person_id"].isin(keep)]
    ev = evaluate(memory_trial(base_raw(permutations=19), tables))
    eff = ev.effects
    assert not ((eff["site"] == "B") & (eff["arm"] == "guidance")).any()
    c = eff.loc[eff["site"] == "C"]
    assert len(c) and c["estimate"].isna().all() and (c["n_control"] == 0).all()
    assert c["p_adjusted"].isna().all()
    ok = eff.loc[eff["site"].isin(["all", "A"])]
    assert np.isfinite(ok["estimate"]).all() and np.isfinite(ok["p_value_ri"]).all()
    assert not (ev.balance_tests["site"] == "C").any()
    assert not (ev.attrition_tests["site"] == "C").any()
    json.loads(ev.to_json())


def test_participants_only_trial():
    raw = {
        "trial": {"name": "Pilot", "control_arm": "control"},
        "arms": {"control": "Control", "treated": "Extra guidance"},
        "outcomes": [{"id": "income", "column": "income", "type": "continuous"}],
    }
    rng = np.random.default_rng(17)
    arm = np.resize(["control", "treated"], 50)
    p = pd.DataFrame({
        "person_id": [f"p{i}" for i in range(50)], "site": "S", "arm": arm,
        "randomised_on": pd.Timestamp("2019-01-01"), "income": rng.normal(size=50),
    }).astype({"person_id": "str", "site": "str", "arm": "str",
               "randomised_on": "datetime64[ns]"})
    ev = evaluate(memory_trial(raw, {"participants": p}))
    assert len(ev.effects) == 1 and ev.effects["site"].iloc[0] == "all"
    for name in ("balance", "balance_tests", "response", "attrition_tests", "lee_bounds",
                 "monthly_curves", "reliability", "reference", "compliers"):
        frame = getattr(ev, name)
        assert frame.empty and len(frame.columns) > 0, name
    assert len(ev.flow) == 2


@pytest.mark.slow
def test_progress_is_reported(trial):
    calls = []
    evaluate(trial, permutations=0, progress=lambda step, done, total: calls.append(
        (step, done, total)))
    total = 3 * len(trial.config.outcomes)
    assert [c[1] for c in calls] == list(range(1, total + 1))
    assert all(c[2] == total for c in calls)
    assert calls[0][0] == "all: exit12"


@pytest.mark.slow
def test_provenance_of_a_folder(tmp_path):
    import hashlib

    from _evalkit import write_trial

    raw = base_raw()
    tables = simulate_tables(seed=18, n=120)
    folder = write_trial(tmp_path / "proef", raw, tables)
    ev = evaluate(folder, permutations=0, command="trustexp estimate proef")
    prov = ev.provenance
    names = ["monthly", "participants", "survey", "takeup", "trial.toml"]
    assert sorted(prov["files"]) == names
    files = {n: (folder / (n if n == "trial.toml" else f"{n}.csv")) for n in names}
    digests = {n: hashlib.sha256(f.read_bytes()).hexdigest() for n, f in files.items()}
    for n in names:
        assert prov["files"][n] == {"file": files[n].name, "sha256": digests[n]}
    text = "".join(f"{n}  {digests[n]}\n" for n in names)
    assert prov["data_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert ev.to_dict()["data_sha256"] == prov["data_sha256"]
    assert prov["command"] == "trustexp estimate proef"
    assert prov["permutations"] == 0
    # the folder is read, never written
    assert {n: hashlib.sha256(f.read_bytes()).hexdigest() for n, f in files.items()} == digests
