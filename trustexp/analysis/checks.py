"""The descriptive and design-check frames of an evaluation.

Balance of the covariates, the flow of participants into each estimate,
survey response and differential attrition, Lee bounds, monthly curves and
the descriptive means of reference groups. Every function takes the trial's
plan, the derived outcomes and the analysis samples, and returns one tidy
frame whose columns are listed in its ``*_COLUMNS`` constant.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from trustexp.analysis import groups
from trustexp.analysis._degenerate import MAX_MAGNITUDE, REASONS
from trustexp.analysis.samples import (
    POOLED,
    AnalysisSample,
    category_levels,
    category_shares,
    nonconstant,
    refactor,
    site_seed,
)
from trustexp.analysis.scales import survey_items
from trustexp.config import TrialConfig
from trustexp.frames import Fact, FrameFacts, FrameSpec, Inputs, Relation, infer_columns, register
from trustexp.outcomes import follow_up_months

__all__ = [
    "ATTRITION_COLUMNS",
    "BALANCE_COLUMNS",
    "BALANCE_TEST_COLUMNS",
    "CHECK_DRAWS",
    "CURVE_COLUMNS",
    "CURVE_START",
    "FLOW_COLUMNS",
    "LEE_COLUMNS",
    "REFERENCE_COLUMNS",
    "RESPONSE_COLUMNS",
    "attrition_tests",
    "balance",
    "balance_tests",
    "flow",
    "lee_bounds_frame",
    "monthly_curves",
    "reference_means",
    "responded",
    "response",
]

BALANCE_COLUMNS = ["site", "arm", "covariate", "mean_arm", "sd_arm", "mean_control",
                   "sd_control", "std_diff", "n_arm", "n_control", "variable", "level",
                   "n_missing_arm", "n_missing_control", "handling"]
BALANCE_TEST_COLUMNS = ["site", "arm", "statistic", "df1", "df2", "p_value", "n", "n_arm",
                        "n_control", "method", "draws", "testable", "reason"]
FLOW_COLUMNS = ["site", "arm", "outcome", "n_randomised", "n_analysed", "n_missing"]
RESPONSE_COLUMNS = ["site", "arm", "wave", "n_randomised", "n_responded", "rate"]
ATTRITION_COLUMNS = ["site", "wave", "statistic", "df1", "df2", "p_value", "n", "method",
                     "draws", "testable", "reason"]
LEE_COLUMNS = ["site", "outcome", "arm", "lower", "upper", "lower_se", "upper_se", "ci_low",
               "ci_high", "set_ci_low", "set_ci_high", "trimming_share", "trimmed_group", "n",
               "n_arm", "n_control", "cells", "cells_dropped"]
CURVE_COLUMNS = ["site", "arm", "month", "n", "share_on_benefit", "share_employed"]
REFERENCE_COLUMNS = ["outcome", "arm", "mean", "n"]

#: Re-randomisations of the balance and attrition tests when ``permutations`` is 0.
CHECK_DRAWS = 1000

#: First month of the monthly curves (six months before randomisation).
CURVE_START = -6

_INT = "int64"


def _frame(rows: list[dict], columns: list[str], types: dict[str, str]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=columns)
    return out.astype({c: types.get(c, "float64") for c in columns})


def _arm_ids(sample: AnalysisSample, config: TrialConfig) -> list[tuple[int, str]]:
    """(code, arm id) of control and the treatment arms present."""
    return [(0, config.control_arm)] + [(k, a.id) for k, a in enumerate(sample.arms, start=1)]


def balance(
    config: TrialConfig, participants: pd.DataFrame, samples: Sequence[AnalysisSample]
) -> pd.DataFrame:
    """Means, SDs and standardised differences of each covariate, each arm against control.

    Computed over the persons with the covariate observed (no imputation);
    SDs with ``ddof = 1``. The standardised difference is
    :func:`trustexp.stats.standardised_difference`.
    """
    from trustexp.stats import standardised_difference

    rows = []
    for s in samples:
        part = participants.iloc[s.rows]
        ctrl = s.arm == 0
        for k, arm in enumerate(s.arms, start=1):
            in_arm = s.arm == k
            for cov, level, x in _balance_variables(config, part):
                xa = x[in_arm & np.isfinite(x)]
                xc = x[ctrl & np.isfinite(x)]
                sd = np.nan
                if len(xa) >= 2 and len(xc) >= 2:
                    sd = float(standardised_difference(xa, xc))
                rows.append({
                    "site": s.site, "arm": arm.id,
                    "covariate": cov if level is None else f"{cov}={level}",
                    "mean_arm": _mean(xa), "sd_arm": _sd(xa),
                    "mean_control": _mean(xc), "sd_control": _sd(xc),
                    "std_diff": sd, "n_arm": len(xa), "n_control": len(xc),
                    "variable": cov, "level": level,
                    "n_missing_arm": int((in_arm & ~np.isfinite(x)).sum()),
                    "n_missing_control": int((ctrl & ~np.isfinite(x)).sum()),
                    "handling": "indicators" if level is not None else "mean-imputed",
                })
    return _frame(rows, BALANCE_COLUMNS, {"site": "str", "arm": "str", "covariate": "str",
                                          "n_arm": _INT, "n_control": _INT, "variable": "str",
                                          "level": "object", "handling": "str",
                                          "n_missing_arm": _INT, "n_missing_control": _INT})


def _balance_variables(config: TrialConfig, part: pd.DataFrame) -> list[tuple[str, str | None, np.ndarray]]:
    """(covariate, level, values): one per numeric covariate, one per level of a categorical one.

    A level's values are its indicator (0/1, NaN where the covariate is
    missing), so that its means are shares.
    """
    out: list[tuple[str, str | None, np.ndarray]] = []
    for cov in config.analysis.covariates:
        if cov in config.analysis.categorical:
            levels = category_levels(part[cov])
            shares = category_shares(part[cov], levels)
            out.extend((cov, lv, shares[:, j]) for j, lv in enumerate(levels))
        else:
            x = pd.to_numeric(part[cov], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            out.append((cov, None, x))
    return out


def _check_draws(config: TrialConfig) -> int:
    return min(int(config.analysis.permutations or 0) or CHECK_DRAWS, CHECK_DRAWS)


#: Reason recorded where the clusters do not follow the design, so the assignment
#: cannot be re-drawn and the F reference distribution is used (approximate).
NOT_NESTED = "approximate: the clusters are not nested in arms and strata"


def _run_test(test, *args, **kwargs):
    """A randomisation test, or the F approximation where the design cannot be re-drawn."""
    from trustexp.errors import OptionError

    try:
        return test(*args, **kwargs)
    except OptionError as exc:
        if "'clusters' parameter of draw_assignments" not in str(exc):
            raise
    res = test(*args, **{**kwargs, "method": "wald"})
    from dataclasses import replace

    return replace(res, reason=NOT_NESTED) if res.testable else res


def balance_tests(config: TrialConfig, samples: Sequence[AnalysisSample]) -> pd.DataFrame:
    """Joint test of balance for each arm against control.

    The indicator of the arm (against control) is regressed on the covariates
    (mean-imputed with missingness indicators, see :mod:`trustexp.analysis.samples`)
    with strata fixed effects and the declared robust covariance;
    :func:`trustexp.stats.joint_test` gives the Wald F statistic that every
    slope is zero, and its p-value from the randomisation test: the
    assignment re-drawn as the design drew it (within the blocks, whole
    clusters, counts fixed), ``permutations`` times (at most, and when 0,
    :data:`CHECK_DRAWS`), seeded from the analysis's seed and the arm. Its size is exact in
    small samples and with few clusters, where the F reference distribution
    is not. An arm whose covariates are all constant is not testable. Without
    clusters the tests of all samples are computed together
    (:mod:`trustexp.stats._segment_draws`), with the same results.
    """
    from trustexp.stats import joint_test
    from trustexp.stats._segment_draws import BalanceCase, joint_tests

    rows: list[dict] = []
    cases: list[tuple[int, BalanceCase, np.ndarray | None]] = []
    draws = _check_draws(config)
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
            rows.append({"site": s.site, "arm": arm.id, "n": int(sel.sum()),
                         "n_arm": int(d.sum()), "n_control": int((1 - d).sum())})
            if x.shape[1] == 0:
                rows[-1].update({"df1": 0, "method": "randomisation", "draws": 0,
                                 "testable": False, "reason": "constant covariates"})
                continue
            if not np.isfinite(x).all() or np.abs(x).max() > MAX_MAGNITUDE:
                rows[-1].update({"df1": 0, "method": "randomisation", "draws": 0,
                                 "testable": False, "reason": REASONS["covariate"]})
                continue
            case = BalanceCase(d, x, refactor(None if s.blocks is None else s.blocks[sel]),
                               s.se_type, site_seed(s.seed, f"balance:{arm.id}"))
            cases.append((len(rows) - 1, case,
                          refactor(None if s.clusters is None else s.clusters[sel])))
    # Without clusters, every site's test is computed in one pass over the stacked sites;
    # the cases that pass does not cover are tested one by one.
    batched = iter(joint_tests([c for _, c, cl in cases if cl is None], draws))
    for i, case, cl in cases:
        res = next(batched) if cl is None else None
        if res is None:
            res = _run_test(joint_test, case.d, case.x, strata=case.strata, clusters=cl,
                            se_type=case.se_type, draws=draws, seed=case.seed)
        rows[i].update({"statistic": res.statistic, "df1": res.df1, "df2": res.df2,
                        "p_value": res.p_value, "method": res.method, "draws": res.draws,
                        "testable": res.testable, "reason": res.reason})
    return _frame(rows, BALANCE_TEST_COLUMNS,
                  {"site": "str", "arm": "str", "df1": _INT, "n": _INT, "n_arm": _INT,
                   "n_control": _INT, "method": "str", "draws": _INT, "testable": "bool",
                   "reason": "str"})


def flow(
    config: TrialConfig, outcomes: pd.DataFrame, samples: Sequence[AnalysisSample]
) -> pd.DataFrame:
    """Randomised, analysed (outcome observed) and missing, per analysis, arm and outcome."""
    rows = []
    for s in samples:
        for code, arm in _arm_ids(s, config):
            in_arm = s.arm == code
            for o in config.outcomes:
                y = outcomes[o.id].to_numpy(dtype=float)[s.rows]
                n = int(in_arm.sum())
                m = int((in_arm & np.isfinite(y)).sum())
                rows.append({"site": s.site, "arm": arm, "outcome": o.id,
                             "n_randomised": n, "n_analysed": m, "n_missing": n - m})
    return _frame(rows, FLOW_COLUMNS, {"site": "str", "arm": "str", "outcome": "str",
                                       "n_randomised": _INT, "n_analysed": _INT,
                                       "n_missing": _INT})


def responded(
    config: TrialConfig, participants: pd.DataFrame, survey: pd.DataFrame | None
) -> dict[int, np.ndarray]:
    """For each survey wave, a boolean per participant: responded to that wave.

    A person responded to wave w if the survey has a row for them at wave w
    with at least one item of a declared scale (or a declared survey outcome
    column) answered.
    """
    if survey is None or survey.empty:
        return {}
    columns = [o.column for o in config.outcomes if o.source == "survey" and o.column]
    items = [c for c in survey_items(config.scales, columns) if c in survey.columns]
    answered = (
        survey[items].notna().any(axis=1).to_numpy()
        if items
        else np.zeros(len(survey), dtype=bool)
    )
    ids = pd.Index(participants["person_id"].astype("str"))
    pos = ids.get_indexer(survey["person_id"].astype("str"))
    waves = survey["wave"].to_numpy(dtype=np.int64)
    out = {}
    for w in sorted(np.unique(waves).tolist()):
        r = np.zeros(len(participants), dtype=bool)
        sel = (waves == w) & answered & (pos >= 0)
        r[pos[sel]] = True
        out[int(w)] = r
    return out


def response(
    config: TrialConfig, resp: dict[int, np.ndarray], samples: Sequence[AnalysisSample]
) -> pd.DataFrame:
    """Survey response per analysis, arm and wave (see :func:`responded`)."""
    rows = []
    for s in samples:
        for code, arm in _arm_ids(s, config):
            in_arm = s.arm == code
            n = int(in_arm.sum())
            for w, r in resp.items():
                m = int((r[s.rows] & in_arm).sum())
                rows.append({"site": s.site, "arm": arm, "wave": w, "n_randomised": n,
                             "n_responded": m, "rate": m / n if n else np.nan})
    return _frame(rows, RESPONSE_COLUMNS, {"site": "str", "arm": "str", "wave": _INT,
                                           "n_randomised": _INT, "n_responded": _INT})


def attrition_tests(
    config: TrialConfig, resp: dict[int, np.ndarray], samples: Sequence[AnalysisSample]
) -> pd.DataFrame:
    """A test of differential attrition per analysis and wave.

    :func:`trustexp.stats.differential_attrition`: response regressed on the
    arm indicators with strata fixed effects; Wald F statistic that every arm
    coefficient is zero, with its p-value from the randomisation test (the
    arms re-drawn as the design drew them, ``permutations`` times, at most
    :data:`CHECK_DRAWS`, seeded from the analysis's seed and the wave). A
    constant or nearly constant response (for example everyone at the
    baseline wave) is not testable: ``testable`` False, no p-value. Without
    clusters the tests of all samples are computed together
    (:mod:`trustexp.stats._segment_attrition`), with the same results.
    """
    from trustexp.stats import differential_attrition
    from trustexp.stats._segment_attrition import AttritionCase, differential_attrition_tests

    cases: list[tuple[AttritionCase, np.ndarray | None]] = []
    keys: list[tuple[str, int]] = []
    draws = _check_draws(config)
    for s in samples:
        if not s.arms or not s.has_control:
            continue
        for w, r in resp.items():
            keys.append((s.site, w))
            cases.append((AttritionCase(r[s.rows].astype(float), s.arm, s.n_arms, s.blocks,
                                        s.se_type, site_seed(s.seed, f"attrition:{w}")),
                          s.clusters))
    # Without clusters, every site's test is computed in one pass over the stacked sites;
    # the cases that pass does not cover are tested one by one.
    batched = iter(differential_attrition_tests([c for c, cl in cases if cl is None], draws))
    rows = []
    for (site, w), (case, cl) in zip(keys, cases, strict=True):
        res = next(batched) if cl is None else None
        if res is None:
            res = _run_test(differential_attrition, case.responded, case.arm,
                            n_arms=case.n_arms, strata=case.strata, clusters=cl,
                            se_type=case.se_type, draws=draws, seed=case.seed)
        rows.append({"site": site, "wave": w, "statistic": res.statistic,
                     "df1": res.df1, "df2": res.df2, "p_value": res.p_value,
                     "n": res.n, "method": res.method, "draws": res.draws,
                     "testable": res.testable, "reason": res.reason})
    return _frame(rows, ATTRITION_COLUMNS, {"site": "str", "wave": _INT, "df1": _INT,
                                            "n": _INT, "method": "str", "draws": _INT,
                                            "testable": "bool", "reason": "str"})


def lee_bounds_frame(
    config: TrialConfig, outcomes: pd.DataFrame, samples: Sequence[AnalysisSample]
) -> pd.DataFrame:
    """Lee (2009) bounds for survey outcomes after baseline, each arm against control.

    Trimmed within the analysis's randomisation blocks (strata within sites;
    in the pooled analysis of several sites the blocks are site x stratum, or
    the sites) and combined with the always-responders' weights, with
    standard errors and Imbens-Manski intervals at level ``1 - alpha``
    (:func:`trustexp.stats.lee_bounds`). ``ci_low, ci_high`` cover the effect
    on the people who would respond in either arm; ``set_ci_low,
    set_ci_high`` cover the whole identified set. ``n_arm`` and
    ``n_control`` count respondents.
    """
    from trustexp.stats import lee_bounds

    rows = []
    survey_outcomes = [o for o in config.outcomes if o.source == "survey" and (o.wave or 0) > 0]
    for s in samples:
        for o in survey_outcomes:
            y_all = outcomes[o.id].to_numpy(dtype=float)[s.rows]
            for k, arm in enumerate(s.arms, start=1):
                sel = (s.arm == k) | (s.arm == 0)
                y = y_all[sel]
                obs = np.isfinite(y)
                treated = s.arm[sel] == k
                if not (obs & treated).any() or not (obs & ~treated).any():
                    continue
                res = lee_bounds(np.where(obs, y, 0.0), treated, obs,
                                 strata=refactor(None if s.blocks is None else s.blocks[sel]),
                                 alpha=config.analysis.alpha)
                rows.append({"site": s.site, "outcome": o.id, "arm": arm.id,
                             **{c: getattr(res, c) for c in LEE_COLUMNS[3:]}})
    return _frame(rows, LEE_COLUMNS, {"site": "str", "outcome": "str", "arm": "str",
                                      "trimmed_group": "str", "n": _INT, "n_arm": _INT,
                                      "n_control": _INT, "cells": _INT,
                                      "cells_dropped": _INT})


def monthly_curves(
    config: TrialConfig,
    participants: pd.DataFrame,
    monthly: pd.DataFrame | None,
    samples: Sequence[AnalysisSample],
) -> pd.DataFrame:
    """Share on benefit and share employed by month since randomisation, per arm.

    Months :data:`CURVE_START` .. W, where W is the longest ``window_months``
    of the monthly outcomes (or the last follow-up month in the panel when no
    outcome declares one). Every arm, reference groups included; pooled
    (``site = "all"``) and per site when there are several. ``n`` counts the
    persons with a row in the panel that month; ``share_employed`` is the
    share with ``employed = 1`` (no hours threshold).
    """
    panel = follow_up_months(participants, monthly)
    if panel.empty:
        return _frame([], CURVE_COLUMNS, {"site": "str", "arm": "str", "month": _INT, "n": _INT})
    windows = [o.window_months for o in config.outcomes if o.window_months]
    rel = panel["rel_month"].to_numpy(dtype=np.int64)
    end = max(windows) if windows else int(rel.max())
    keep = (rel >= CURVE_START) & (rel <= end)
    row = panel["row"].to_numpy(dtype=np.int64)[keep]
    values = [panel[c].to_numpy(dtype=float, na_value=np.nan)[keep]
              for c in ("on_benefit", "employed")]
    site_names, site_code = np.unique(participants["site"].astype("str").to_numpy(),
                                      return_inverse=True)
    arm = participants["arm"].astype("str").to_numpy()
    arm_ids = [a.id for a in config.arms]
    arm_code = np.full(len(arm), -1, dtype=np.int64)
    for j, a in enumerate(arm_ids):
        arm_code[arm == a] = j
    months = np.arange(CURVE_START, end + 1)
    n_months = months.size
    # one cell per (site, arm, month), counted and summed with one bincount each;
    # the pooled cells are the sums over the sites
    n_cells = len(arm_ids) * n_months
    cell = arm_code[row] * n_months + (rel[keep] - CURVE_START)
    sel = cell >= 0
    cell = (site_code[row] * n_cells + cell)[sel]
    size = site_names.size * n_cells

    def by_site(c: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(c, weights=weights, minlength=size).reshape(site_names.size, -1)

    sums = {"n": by_site(cell)}
    for name, v in zip(("share_on_benefit", "share_employed"), values, strict=True):
        ok = np.isfinite(v[sel])
        sums[name] = by_site(cell[ok], v[sel][ok])
        sums[name + "_count"] = by_site(cell[ok])
    persons = np.zeros((site_names.size, len(arm_ids)), dtype=np.int64)
    np.add.at(persons, (site_code[arm_code >= 0], arm_code[arm_code >= 0]), 1)
    index = {str(name): i for i, name in enumerate(site_names)}
    frames = []
    for s in (x.site for x in samples):
        pick = slice(None) if s == POOLED else slice(index[s], index[s] + 1)
        cell_sums = {k: v[pick].sum(axis=0) for k, v in sums.items()}
        cols: dict[str, object] = {"n": cell_sums["n"]}
        for name in ("share_on_benefit", "share_employed"):
            count = cell_sums[name + "_count"]
            cols[name] = np.where(count > 0, cell_sums[name] / np.maximum(count, 1), np.nan)
        present = np.flatnonzero(persons[pick].sum(axis=0) > 0)
        idx = (present[:, None] * n_months + np.arange(n_months)).ravel()
        frames.append(pd.DataFrame({
            "site": s,
            "arm": np.repeat(np.asarray(arm_ids, dtype=object)[present], n_months),
            "month": np.tile(months, len(present)),
            **{k: np.asarray(v)[idx] for k, v in cols.items()},
        }, columns=CURVE_COLUMNS))
    out = pd.concat(frames, ignore_index=True)
    return out.astype({c: t for c, t in
                       {"site": "str", "arm": "str", "month": _INT, "n": _INT,
                        "share_on_benefit": "float64", "share_employed": "float64"}.items()})


def reference_means(config: TrialConfig, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Descriptive means of each outcome for the control arm and each reference group.

    Never an estimate: a reference group was not randomised. Empty when the
    trial has no reference group. Pooled over sites.
    """
    rows = []
    if config.reference_arms:
        arm = outcomes["arm"].to_numpy()
        groups = [config.control_arm] + [a.id for a in config.reference_arms]
        for o in config.outcomes:
            y = outcomes[o.id].to_numpy(dtype=float)
            for g in groups:
                v = y[(arm == g) & np.isfinite(y)]
                rows.append({"outcome": o.id, "arm": g, "mean": _mean(v), "n": len(v)})
    return _frame(rows, REFERENCE_COLUMNS, {"outcome": "str", "arm": "str", "n": _INT})


def _mean(x: np.ndarray) -> float:
    return float(np.mean(x)) if len(x) else np.nan


def _sd(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1)) if len(x) >= 2 else np.nan


# -- the frames ---------------------------------------------------------------
# Each frame is declared once; the disclosure gate reads from ``*_facts`` which
# groups of people its counts and statistics describe (see trustexp.frames).

def _alloc(s: str, a: str) -> Fact:
    return Fact("allocated", s, a)


def _complement(total: Fact, part: Fact, kind: str, people: dict[Fact, int],
                inp: Inputs) -> Relation:
    """``total = part + rest``: the persons of ``total`` not in ``part``, as a fact of its own."""
    rest = Fact(kind, part.site, part.arm, part.detail)
    n_total = people.get(total, groups.allocated(inp).get(total))
    if n_total is not None and part in people:
        people[rest] = int(n_total) - int(people[part])
    return Relation(total, (part, rest))


def balance_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """A covariate's means (a level's shares) rest on the persons with it observed and their values.

    The persons with the covariate observed and those without add up to the
    arm's persons; for a level of a categorical covariate, and any 0/1
    covariate, those at the level and the others add up to the observed.
    """
    ctrl = inp.config.control_arm
    parts = inp.trial.participants
    rows_of = groups.cell_rows(inp)
    values_of = {(cov if level is None else f"{cov}={level}"): (cov, x)
                 for cov, level, x in _balance_variables(inp.config, parts)}
    cells, rests, values, relations = [], [], [], []
    people: dict[Fact, int] = dict(groups.allocated(inp))
    done: set[tuple[str, str, str]] = set()
    for r in groups.rows(frame):
        s, a, key = str(r["site"]), str(r["arm"]), str(r["covariate"])
        variable, x = values_of.get(key, (key, None))
        facts = {}
        rest, value = [], []
        for col, miss, who in (("n_arm", "n_missing_arm", a), ("n_control", "n_missing_control", ctrl)):
            obs = Fact("observed", s, who, (variable,))
            unobs = Fact("unobserved", s, who, (variable,))
            facts[col] = obs
            facts[miss] = unobs
            ev, ne, total = (Fact("events", s, who, (key,)), Fact("nonevents", s, who, (key,)),
                             Fact("sum", s, who, (key,)))
            if (s, who, key) not in done and x is not None:
                done.add((s, who, key))
                in_cell = x[rows_of[(s, who)]]
                v = in_cell[np.isfinite(in_cell)]
                people[obs] = int(v.size)
                people[unobs] = int(in_cell.size) - int(v.size)
                relations.append(Relation(_alloc(s, who), (obs, unobs)))
                if groups.binary_values(v):
                    people[ev], people[ne] = int(v.sum()), int(v.size - v.sum())
                    relations.append(Relation(obs, (ev, ne)))
                else:
                    people[total] = int(v.size)
            rest.append(obs)
            if ev in people:
                rest += [ev, ne]
                value.append(ev)
            else:
                rest.append(total)
                value.append(total)
        cells.append(facts)
        rests.append(tuple(rest))
        values.append(tuple(value))
    return FrameFacts(cells, rests, values, people=people, relations=relations)


def _pair(s: str, a: str, inp: Inputs, people: dict[Fact, int]) -> tuple[Fact, Relation]:
    """The arm and control together: a test's sample."""
    ctrl = inp.config.control_arm
    alloc = groups.allocated(inp)
    pair = Fact("pair", s, a)
    people[pair] = alloc.get(_alloc(s, a), 0) + alloc.get(_alloc(s, ctrl), 0)
    return pair, Relation(pair, (_alloc(s, a), _alloc(s, ctrl)))


def balance_test_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """A joint balance test rests on the arm's and control's persons (and their covariates)."""
    ctrl = inp.config.control_arm
    cells, rests, values, relations = [], [], [], []
    people: dict[Fact, int] = dict(groups.allocated(inp))
    for r in groups.rows(frame):
        s, a = str(r["site"]), str(r["arm"])
        pair, rel = _pair(s, a, inp, people)
        relations.append(rel)
        cells.append({"n": pair, "n_arm": _alloc(s, a), "n_control": _alloc(s, ctrl)})
        rests.append((pair, _alloc(s, a), _alloc(s, ctrl)))
        values.append(())
    return FrameFacts(cells, rests, values, people=people, relations=relations)


def flow_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """Randomised = analysed + missing, per arm and outcome."""
    cells, relations = [], []
    seen: set[tuple[str, str, str]] = set()
    for r in groups.rows(frame[["site", "arm", "outcome"]]):
        s, a, o = str(r["site"]), str(r["arm"]), str(r["outcome"])
        an, mi = Fact("analysed", s, a, (o,)), Fact("missing", s, a, (o,))
        cells.append({"n_randomised": _alloc(s, a), "n_analysed": an, "n_missing": mi})
        if (s, a, o) not in seen:
            seen.add((s, a, o))
            relations.append(Relation(_alloc(s, a), (an, mi)))
    return FrameFacts(cells, relations=relations)


def response_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """Response rates rest on the responders and the randomised of the arm."""
    cells, rests, values, relations = [], [], [], []
    people: dict[Fact, int] = {}
    for r in groups.rows(frame):
        s, a, w = str(r["site"]), str(r["arm"]), int(r["wave"])
        resp = Fact("responded", s, a, (w,))
        people[resp] = int(r["n_responded"])
        cells.append({"n_randomised": _alloc(s, a), "n_responded": resp})
        rests.append((_alloc(s, a), resp, Fact("not_responded", s, a, (w,))))
        values.append(())
        relations.append(_complement(_alloc(s, a), resp, "not_responded", people, inp))
    return FrameFacts(cells, rests, values, people=people, relations=relations)


def attrition_test_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """A test of differential attrition rests on every arm's randomised and responders."""
    cells, rests = [], []
    for r in groups.rows(frame):
        s, w = str(r["site"]), int(r["wave"])
        arms = groups.arms_in(inp, s)
        cells.append({"n": Fact("allocated", s, "*")} if "n" in r else {})
        rests.append(tuple(f for a in arms for f in (_alloc(s, a), Fact("responded", s, a, (w,)))))
    return FrameFacts(cells, rests)


def lee_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """Lee bounds rest on the response and the outcome values of the arm and of control."""
    ctrl = inp.config.control_arm
    cells, rests, values, relations = [], [], [], []
    people: dict[Fact, int] = dict(groups.allocated(inp))
    keys = set()
    for r in groups.rows(frame):
        s, o, a = str(r["site"]), str(r["outcome"]), str(r["arm"])
        pair, rel = _pair(s, a, inp, people)
        relations.append(rel)
        cells.append({"n": pair, "n_arm": Fact("analysed", s, a, (o,)),
                      "n_control": Fact("analysed", s, ctrl, (o,))})
        rests.append((pair, *groups.outcome_facts(inp, s, a, o),
                      *groups.outcome_facts(inp, s, ctrl, o)))
        values.append((*groups.outcome_values(inp, s, a, o), *groups.outcome_values(inp, s, ctrl, o)))
        keys |= {(s, a, o), (s, ctrl, o)}
    return groups.merge_facts(FrameFacts(cells, rests, values, people=people, relations=relations),
                              groups.value_facts(inp, keys))


def curve_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """A month's shares rest on the persons in the panel that month and on how many had each status."""
    cells, rests, values, relations = [], [], [], []
    people: dict[Fact, int] = {}
    for r in groups.rows(frame):
        s, a, m = str(r["site"]), str(r["arm"]), int(r["month"])
        seen = Fact("in_panel", s, a, (m,))
        n = int(r["n"])
        people[seen] = n
        cells.append({"n": seen})
        relations.append(_complement(_alloc(s, a), seen, "out_of_panel", people, inp))
        rest, value = [seen], []
        for col in ("share_on_benefit", "share_employed"):
            share = r.get(col)
            if share is None or not np.isfinite(share):
                continue
            yes, no = Fact(col, s, a, (m, 1)), Fact(col, s, a, (m, 0))
            k = int(round(float(share) * n))
            people[yes], people[no] = k, n - k
            relations.append(Relation(seen, (yes, no)))
            rest += [yes, no]
            value.append(yes)
        rests.append(tuple(rest))
        values.append(tuple(value))
    return FrameFacts(cells, rests, values, people=people, relations=relations)


def reference_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """A descriptive mean rests on the analysed persons of its group and their values."""
    cells, rests, values, relations = [], [], [], []
    keys = set()
    for r in groups.rows(frame):
        o, a = str(r["outcome"]), str(r["arm"])
        an = Fact("analysed", POOLED, a, (o,))
        cells.append({"n": an})
        rests.append(groups.outcome_facts(inp, POOLED, a, o))
        values.append(groups.outcome_values(inp, POOLED, a, o))
        keys.add((POOLED, a, o))
        relations.append(Relation(_alloc(POOLED, a), (an, Fact("missing", POOLED, a, (o,)))))
    people = dict(groups.value_facts(inp, keys).people)
    alloc = groups.allocated(inp)
    for (s, a, o) in keys:
        people[Fact("missing", s, a, (o,))] = alloc[_alloc(s, a)] - people[Fact("analysed", s, a, (o,))]
    return groups.merge_facts(
        FrameFacts(cells, rests, values, people=people, relations=relations),
        groups.value_facts(inp, keys))


_TYPES = {"site": "str", "arm": "str", "outcome": "str", "covariate": "str", "wave": _INT,
          "month": _INT, "trimmed_group": "str", "df1": _INT, "not_estimable": "str",
          "variable": "str", "level": "object", "handling": "str", "method": "str",
          "draws": _INT, "testable": "bool", "reason": "str", "cells": _INT,
          "cells_dropped": _INT}

register(FrameSpec("balance", "Covariate means and standardised differences, each arm against control.",
                   infer_columns(BALANCE_COLUMNS, _TYPES),
                   lambda inp: balance(inp.config, inp.trial.participants, inp.samples),
                   balance_facts, order=10))
register(FrameSpec("balance_tests", "Joint tests of balance of the covariates, per arm.",
                   infer_columns(BALANCE_TEST_COLUMNS, _TYPES),
                   lambda inp: balance_tests(inp.config, inp.samples),
                   balance_test_facts, order=11))
register(FrameSpec("flow", "Randomised, analysed and missing, per arm and outcome.",
                   infer_columns(FLOW_COLUMNS, _TYPES),
                   lambda inp: flow(inp.config, inp.outcomes, inp.samples),
                   flow_facts, order=5))
register(FrameSpec("response", "Survey response per arm and wave.",
                   infer_columns(RESPONSE_COLUMNS, _TYPES),
                   lambda inp: response(inp.config, inp.responded, inp.samples),
                   response_facts, order=20))
register(FrameSpec("attrition_tests", "Tests of differential survey response, per wave.",
                   infer_columns(ATTRITION_COLUMNS, _TYPES),
                   lambda inp: attrition_tests(inp.config, inp.responded, inp.samples),
                   attrition_test_facts, order=21))
register(FrameSpec("lee_bounds", "Lee (2009) bounds for survey outcomes, each arm against control.",
                   infer_columns(LEE_COLUMNS, _TYPES),
                   lambda inp: lee_bounds_frame(inp.config, inp.outcomes, inp.samples),
                   lee_facts, order=22))
register(FrameSpec("monthly_curves", "Shares on benefit and employed by month since randomisation.",
                   infer_columns(CURVE_COLUMNS, _TYPES),
                   lambda inp: monthly_curves(inp.config, inp.trial.participants,
                                              inp.trial.monthly, inp.samples),
                   curve_facts, order=30))
register(FrameSpec("reference", "Descriptive means of the control arm and reference groups.",
                   infer_columns(REFERENCE_COLUMNS, _TYPES),
                   lambda inp: reference_means(inp.config, inp.outcomes),
                   reference_facts, order=90))
