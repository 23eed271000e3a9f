"""Effects within pre-declared subgroups, and the tests of their difference.

For each ``[[subgroups]]`` entry, each outcome in scope (the primary outcomes;
every outcome when none is primary) and the pooled analysis:

Effects by group (``term = "effect"``)
    The model of :mod:`trustexp.analysis.effects` (arm indicators, strata fixed
    effects, covariates, the declared standard errors) fitted to the persons of
    each group. This is the fully interacted model (every coefficient, the
    strata's included, times the group), whose coefficients and HC standard
    errors equal the separate fits' because its design is block-diagonal; R's
    ``lm_robust`` on that model is the check (``tests/reference/subgroups.R``).
    Persons whose subgroup variable is missing are in no group.
Interaction test (``term = "interaction"``, ``group = "*"``)
    Whether an arm's effect differs between the groups: the Wald test of
    equal effects, ``F = sum_g w_g (b_g - b_w)^2 / (G - 1)`` with
    ``w_g = 1 / se_g^2`` and ``b_w`` their weighted mean (the groups' estimates
    are independent), on ``G - 1`` and ``sum_g df_g`` (the interacted model's
    residual) degrees of freedom. With two groups ``estimate`` is the second
    group's effect minus the first's, with its standard error and interval.
    With clusters that span groups the groups' estimates are not independent
    and the test is approximate.
Randomisation version (``p_value_ri``, with permutations)
    The plug-in randomisation test of no effect heterogeneity (Ding, Feller and
    Miratrix 2016): the arm's common effect ``tau`` (its pooled estimate) is
    removed from the arm's outcomes, assignments of the arm and control persons
    are re-drawn within strata as the design did (:data:`SUBGROUP_DRAWS` draws
    at most), ``tau`` is added back to the newly assigned, and the same ``F`` is
    recomputed; ``p_value_ri = (1 + #{F_b >= F}) / (B + 1)``.
Multiple testing (``p_adjusted``)
    Over every interaction test of the frame (the subgroup family), by the
    trial's method (Holm for Romano-Wolf, which needs joint draws).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from trustexp.analysis import groups
from trustexp.analysis.declared import MISSING_GROUP, Subgroup, subgroup_codes, subgroups
from trustexp.analysis.effects import _outcome_data, effects_of
from trustexp.analysis.samples import POOLED, AnalysisSample, refactor
from trustexp.frames import (
    Fact,
    FrameFacts,
    FrameSpec,
    Inputs,
    Relation,
    count,
    key,
    label,
    register,
    typed_frame,
)
from trustexp.frames import statistic as stat_col
from trustexp.literals import Adjustment

if TYPE_CHECKING:  # pragma: no cover
    from trustexp.stats import ITTResult

__all__ = ["SUBGROUPS", "SUBGROUP_DRAWS", "interaction_test", "subgroup_effects"]

#: Most re-randomisations of the randomisation version of the interaction test.
SUBGROUP_DRAWS = 200
#: Fewest persons per arm in a group for its effect to be estimated.
MIN_GROUP = 2


def interaction_test(estimate: npt.ArrayLike, std_error: npt.ArrayLike, df: npt.ArrayLike,
                     alpha: float = 0.05) -> dict[str, float]:
    """The Wald test of equal effects across independent groups (see the module documentation)."""
    b, se, d = (np.asarray(x, dtype=float) for x in (estimate, std_error, df))
    ok = np.isfinite(b) & np.isfinite(se) & (se > 0) & np.isfinite(d)
    b, se, d = b[ok], se[ok], d[ok]
    nan = float("nan")
    out = {"estimate": nan, "std_error": nan, "statistic": nan, "p_value": nan, "ci_low": nan,
           "ci_high": nan, "df": nan, "df1": nan}
    if b.size < 2:
        return out
    w = 1.0 / se**2
    bw = float(np.sum(w * b) / np.sum(w))
    g = b.size
    f = float(np.sum(w * (b - bw) ** 2) / (g - 1))
    df2 = float(np.sum(d))
    out.update(statistic=f, p_value=float(stats.f.sf(f, g - 1, df2)), df=df2, df1=float(g - 1))
    if g == 2:
        diff, sd = float(b[1] - b[0]), float(np.sqrt(se[0] ** 2 + se[1] ** 2))
        half = float(stats.t.ppf(1 - alpha / 2, df2)) * sd
        out.update(estimate=diff, std_error=sd, ci_low=diff - half, ci_high=diff + half)
    return out


def _fit(y: np.ndarray, arm: np.ndarray, n_arms: int, cov: np.ndarray | None, sample: AnalysisSample,
         rows: np.ndarray, alpha: float, adjustment: Adjustment) -> ITTResult:
    from trustexp.stats import estimate_itt

    return estimate_itt(
        y[rows], arm[rows], n_arms=n_arms,
        covariates=None if cov is None else _kept(cov[rows]),
        strata=refactor(None if sample.blocks is None else sample.blocks[rows]),
        clusters=refactor(None if sample.clusters is None else sample.clusters[rows]),
        adjustment=adjustment,
        se_type=sample.se_type,
        alpha=alpha,
    )


def _kept(x: np.ndarray) -> np.ndarray | None:
    from trustexp.analysis.samples import nonconstant

    keep = nonconstant(x)
    return x[:, keep] if keep.any() else None


def _seed(seed: int, *parts: str) -> int:
    digest = hashlib.sha256(":".join([str(seed), "subgroups", *parts]).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def subgroup_effects(inp: Inputs) -> pd.DataFrame:
    """The ``subgroups`` frame; see the module documentation."""
    from trustexp.stats import adjust, draw_assignments

    config = inp.config
    subs = subgroups(config)
    sample = next((s for s in inp.samples if s.site == POOLED), None)
    if not subs or sample is None or not sample.arms or not sample.has_control:
        return typed_frame(SUBGROUPS, [])
    scope = [o for o in config.outcomes if o.primary] or list(config.outcomes)
    an = config.analysis
    pooled = effects_of(inp)
    pooled = pooled[pooled["site"] == POOLED].set_index(["outcome", "arm"])
    draws = min(inp.permutations, SUBGROUP_DRAWS)
    part = inp.trial.participants
    rows: list[dict] = []
    for sub in subs:
        codes, names = subgroup_codes(sub, part)
        group = codes[sample.rows]
        for o in scope:
            d = _outcome_data(config, inp.outcomes, sample, o)
            fits = {}
            for g in names:
                sel = np.flatnonzero(d.obs & (group == g))
                fits[g] = (sel, _fit(d.y, sample.arm, sample.n_arms, d.cov, sample, sel, an.alpha,
                                     an.adjustment) if sel.size else None)
            for j, arm in enumerate(sample.arms):
                per = []
                for g in names:
                    sel, res = fits[g]
                    n_arm = int((sample.arm[sel] == j + 1).sum())
                    n_ctrl = int((sample.arm[sel] == 0).sum())
                    fit = res if res is not None and min(n_arm, n_ctrl) >= MIN_GROUP else None
                    rec = {"estimate": float(fit.estimate[j]) if fit is not None else np.nan,
                           "std_error": float(fit.std_error[j]) if fit is not None else np.nan,
                           "statistic": float(fit.statistic[j]) if fit is not None else np.nan,
                           "p_value": float(fit.p_value[j]) if fit is not None else np.nan,
                           "ci_low": float(fit.ci_low[j]) if fit is not None else np.nan,
                           "ci_high": float(fit.ci_high[j]) if fit is not None else np.nan,
                           "df": float(fit.df[j]) if fit is not None else np.nan}
                    per.append(rec)
                    rows.append({"site": POOLED, "subgroup": sub.id, "group": g, "term": "effect",
                                 "outcome": o.id, "arm": arm.id, **rec, "df1": np.nan,
                                 "n": n_arm + n_ctrl, "n_arm": n_arm, "n_control": n_ctrl,
                                 "se_type": sample.se_type, "p_value_ri": np.nan,
                                 "p_adjusted": np.nan, "exploratory": sub.exploratory})
                test = interaction_test([r["estimate"] for r in per], [r["std_error"] for r in per],
                                        [r["df"] for r in per], an.alpha)
                p_ri = np.nan
                tau = pooled["estimate"].get((o.id, arm.id), np.nan) if not pooled.empty else np.nan
                if draws and np.isfinite(test["statistic"]) and np.isfinite(tau):
                    p_ri = _randomisation_p(d, sample, group, names, j + 1, float(tau), draws,
                                            _seed(an.seed, sub.id, o.id, arm.id), an, draw_assignments)
                known = d.obs & (group != MISSING_GROUP)
                n_arm = int((known & (sample.arm == j + 1)).sum())
                n_ctrl = int((known & (sample.arm == 0)).sum())
                rows.append({"site": POOLED, "subgroup": sub.id, "group": "*", "term": "interaction",
                             "outcome": o.id, "arm": arm.id, **test, "n": n_arm + n_ctrl,
                             "n_arm": n_arm, "n_control": n_ctrl, "se_type": sample.se_type,
                             "p_value_ri": p_ri, "p_adjusted": np.nan, "exploratory": sub.exploratory})
    frame = typed_frame(SUBGROUPS, rows)
    inter = np.flatnonzero((frame["term"] == "interaction").to_numpy() & np.isfinite(frame["p_value"]))
    method = an.multiple_testing if an.multiple_testing in ("holm", "bh", "none") else "holm"
    if inter.size:
        p = frame["p_value"].to_numpy(float)[inter]
        frame.loc[inter, "p_adjusted"] = p if method == "none" else adjust(p, method)
    return frame


def _randomisation_p(d, sample: AnalysisSample, group: np.ndarray, names: tuple[str, ...], code: int,
                     tau: float, draws: int, seed: int, an, draw_assignments) -> float:
    pair = np.flatnonzero(d.obs & np.isin(sample.arm, (0, code)) & (group != MISSING_GROUP))
    treated = (sample.arm[pair] == code).astype(np.int64)
    y0 = d.y[pair] - tau * treated
    cov = None if d.cov is None else d.cov[pair]
    blocks = refactor(None if sample.blocks is None else sample.blocks[pair])
    clusters = refactor(None if sample.clusters is None else sample.clusters[pair])
    g = group[pair]
    assignments = draw_assignments(treated, strata=blocks, clusters=clusters, draws=draws, seed=seed)
    arms = np.vstack([treated[None, :], assignments.astype(np.int64)])  # (1 + B, n), observed first
    fast = clusters is None and an.adjustment == "additive" and sample.se_type in _HC
    est = np.full((arms.shape[0], len(names)), np.nan)
    se = np.full_like(est, np.nan)
    df = np.full_like(est, np.nan)
    for k, name in enumerate(names):
        sel = np.flatnonzero(g == name)
        if sel.size == 0:
            continue
        if fast:
            est[:, k], se[:, k], df[:, k] = _hc_draws(
                y0[sel], tau, arms[:, sel], None if blocks is None else blocks[sel],
                None if cov is None else cov[sel], sample.se_type)
            continue
        sub = AnalysisSample(site=sample.site, rows=sel, arm=treated[sel], arms=sample.arms[:1],
                             blocks=None if blocks is None else blocks[sel],
                             clusters=None if clusters is None else clusters[sel],
                             covariates=np.empty((sel.size, 0)), covariate_names=(), seed=seed,
                             se_type=sample.se_type)
        all_rows = np.arange(sel.size)
        for b in range(arms.shape[0]):
            a = arms[b, sel]
            res = _fit(y0[sel] + tau * a, a, 2, None if cov is None else cov[sel], sub, all_rows,
                       an.alpha, an.adjustment)
            est[b, k], se[b, k], df[b, k] = res.estimate[0], res.std_error[0], res.df[0]
    small = np.zeros_like(est, dtype=bool)
    for k, name in enumerate(names):
        sel = g == name
        n1 = arms[:, sel].sum(axis=1)
        small[:, k] = np.minimum(n1, sel.sum() - n1) < MIN_GROUP
    est[small] = np.nan
    f = np.array([interaction_test(est[b], se[b], df[b])["statistic"] for b in range(arms.shape[0])])
    observed, f_draws = f[0], f[1:]
    if not np.isfinite(observed):
        return float("nan")
    f_draws = f_draws[np.isfinite(f_draws)]
    return float((1 + np.sum(f_draws >= observed * (1 - 1e-9))) / (f_draws.size + 1))


_HC = ("HC0", "HC1", "HC2", "HC3")


def _hc_draws(y0: np.ndarray, tau: float, arms: np.ndarray, blocks: np.ndarray | None,
              cov: np.ndarray | None, se_type: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The arm's coefficient, HC standard error and df under each assignment (rows of ``arms``).

    The model is ``y0 + tau * D`` on ``D``, an intercept, strata indicators and the
    covariates; by Frisch-Waugh-Lovell the coefficient is ``D~'y / D~'D~`` with ``D~``
    the residual of ``D`` on the other columns (the same for every draw), and the
    leverage of row ``i`` is ``h_W,ii + D~_i^2 / D~'D~``.
    """
    n = y0.size
    cols = [np.ones((n, 1))]
    if blocks is not None and np.unique(blocks).size > 1:
        codes = refactor(blocks)
        assert codes is not None
        cols.append(np.eye(int(codes.max()) + 1)[codes][:, 1:])
    if cov is not None:
        kept = _kept(cov)
        if kept is not None:
            cols.append(kept - kept.mean(axis=0))
    w = np.column_stack(cols)
    q, r = np.linalg.qr(w)
    rank_keep = np.abs(np.diag(r)) > 1e-10 * max(1.0, float(np.abs(np.diag(r)).max()))
    q = q[:, rank_keep]
    p = int(rank_keep.sum()) + 1
    h_w = np.sum(q**2, axis=1)
    dm = arms.T.astype(float)  # (n, B)
    dt = dm - q @ (q.T @ dm)
    y0t = y0 - q @ (q.T @ y0)
    ss = np.sum(dt**2, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        b0 = (dt.T @ y0t) / ss
        b = b0 + tau
        e = (y0t[:, None] + tau * dt) - b[None, :] * dt
        h = h_w[:, None] + dt**2 / ss[None, :]
        if se_type == "HC2":
            e2 = e**2 / (1 - h)
        elif se_type == "HC3":
            e2 = e**2 / (1 - h) ** 2
        else:
            e2 = e**2 * (n / (n - p) if se_type == "HC1" else 1.0)
        var = np.sum(dt**2 * e2, axis=0) / ss**2
    return b, np.sqrt(var), np.full(b.shape, float(n - p))


# -- facts --------------------------------------------------------------------

def _group_sizes(inp: Inputs, sub: Subgroup) -> dict[tuple[str, str, str], groups.GroupSize]:
    """Per (arm, outcome, group) of the pooled analysis: analysed persons, events, dominance."""
    from trustexp.measures import is_euro

    def compute() -> dict[tuple[str, str, str], groups.GroupSize]:
        codes, names = subgroup_codes(sub, inp.trial.participants)
        arm = inp.outcomes["arm"].astype("str").to_numpy()
        out = {}
        for o in inp.config.outcomes:
            y = inp.outcomes[o.id].to_numpy(dtype=float)
            obs = np.isfinite(y)
            binary = o.type == "binary" or groups.binary_values(y)
            euro = is_euro(o.type, o.measure)
            for a in inp.config.arm_ids:
                for g in (*names, MISSING_GROUP):
                    sel = obs & (arm == a) & (codes == g)
                    v = y[sel]
                    out[(a, o.id, g)] = groups.GroupSize(
                        int(sel.sum()), int(round(float(v.sum()))) if binary else None,
                        bool(euro and groups.dominated(v)))
        return out

    return groups._memo(inp, f"subgroup:{sub.id}", compute)


def _facts_of(kind: str, arm: str, o: str, sub: str, g: str) -> Fact:
    return Fact(kind, POOLED, arm, (o, sub, g))


def _rest_of(sizes: dict, arm: str, o: str, sid: str, gs: list[str]) -> list[Fact]:
    """The groups that an arm's statistics within groups ``gs`` rest on."""
    out = []
    for x in gs:
        s = sizes[(arm, o, x)]
        out.append(_facts_of("analysed", arm, o, sid, x))
        if s.events is not None:
            out += [_facts_of("events", arm, o, sid, x), _facts_of("nonevents", arm, o, sid, x)]
        else:
            out.append(_facts_of("sum", arm, o, sid, x))
    return out


def _all_observed(inp: Inputs, arm: str, outcome: str) -> bool:
    """Whether every randomised person of ``arm`` has ``outcome`` (the pooled analysis)."""
    sel = inp.outcomes["arm"].astype("str").to_numpy() == arm
    return bool(np.isfinite(inp.outcomes[outcome].to_numpy(dtype=float)[sel]).all())


def subgroup_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """An effect row publishes and rests on the analysed persons of its arm and of control
    within the group (``Fact("analysed", "all", arm, (outcome, subgroup, group))``); an
    interaction row on those of every group. The groups of a subgroup (and the persons with
    the subgroup variable missing) add up to the arm's analysed persons.

    The persons with the subgroup variable missing protect a withheld group only while their
    number is unknown: when there are none they are no group at all (so a group's complement
    within the arm reveals it, and is withheld too), and when every person of the arm has the
    outcome they are the persons the balance table counts with the variable unobserved."""
    ctrl = inp.config.control_arm
    subs = {s.id: s for s in subgroups(inp.config)}
    arms = groups.arms_in(inp, POOLED)
    cells, rests, values = [], [], []
    people: dict[Fact, int] = {}
    relations: list[Relation] = []
    dom: set[Fact] = set()
    done: set[tuple[str, str]] = set()
    keys = set()
    for r in groups.rows(frame[["subgroup", "group", "outcome", "arm"]]):
        sid, g, o, a = str(r["subgroup"]), str(r["group"]), str(r["outcome"]), str(r["arm"])
        sizes = _group_sizes(inp, subs[sid])
        names = [x for (aa, oo, x) in sizes if aa == a and oo == o and x != MISSING_GROUP]
        members = [g] if g != "*" else names

        cells.append({"n": _facts_of("n", "*", o, sid, g), "n_arm": _facts_of("analysed", a, o, sid, g),
                      "n_control": _facts_of("analysed", ctrl, o, sid, g)})
        rest = _rest_of(sizes, a, o, sid, members) + _rest_of(sizes, ctrl, o, sid, members)
        rests.append(tuple(rest))
        values.append(tuple(f for f in rest if f.kind in ("events", "sum")))
        keys |= {(POOLED, x, o) for x in arms}
        if (sid, o) in done:
            continue
        done.add((sid, o))
        for x in arms:
            # the persons with the subgroup variable missing: a group of their own, unless
            # there are none (then the groups add up to the arm's analysed persons)
            every = [*names, MISSING_GROUP] if sizes[(x, o, MISSING_GROUP)].n > 0 else names
            total = 0
            for gg in every:
                s = sizes[(x, o, gg)]
                an = _facts_of("analysed", x, o, sid, gg)
                people[an] = s.n
                total += s.n if gg != MISSING_GROUP else 0
                if s.events is not None:
                    ev, ne = _facts_of("events", x, o, sid, gg), _facts_of("nonevents", x, o, sid, gg)
                    people[ev], people[ne] = s.events, s.n - s.events
                    relations.append(Relation(an, (ev, ne)))
                else:
                    sm = _facts_of("sum", x, o, sid, gg)
                    people[sm] = s.n
                    if s.dominated:
                        dom.add(sm)
            people[_facts_of("analysed", x, o, sid, "*")] = total
            relations.append(Relation(Fact("analysed", POOLED, x, (o,)),
                                      tuple(_facts_of("analysed", x, o, sid, gg) for gg in every)))
            relations.append(Relation(_facts_of("analysed", x, o, sid, "*"),
                                      tuple(_facts_of("analysed", x, o, sid, gg) for gg in names)))
            first = sizes[(x, o, every[0])]
            kind = "events" if first.events is not None else "sum"
            relations.append(Relation(Fact(kind, POOLED, x, (o,)),
                                      tuple(_facts_of(kind, x, o, sid, gg) for gg in every)))
            if every is not names and _all_observed(inp, x, o):
                # everyone of the arm has the outcome: the persons with the subgroup variable
                # missing are those that the balance table counts as unobserved
                relations.append(Relation(Fact("unobserved", POOLED, x, (subs[sid].column,)),
                                          (_facts_of("analysed", x, o, sid, MISSING_GROUP),)))
        for gg in [*names, "*"]:
            n = _facts_of("n", "*", o, sid, gg)
            parts = tuple(_facts_of("analysed", x, o, sid, gg) for x in arms)
            people[n] = sum(people[p] for p in parts)
            relations.append(Relation(n, parts))
    return groups.merge_facts(FrameFacts(cells, rests, values, people, relations, frozenset(dom)),
                              groups.value_facts(inp, keys))


SUBGROUPS = register(FrameSpec(
    name="subgroups",
    doc="Effects within pre-declared subgroups and the interaction tests of their difference.",
    columns=(
        key("site", "always 'all'"),
        key("subgroup", "the subgroup's id"),
        key("group", "the group ('*' on the interaction row)"),
        key("term", "'effect' (within a group) or 'interaction' (the test of equal effects)"),
        key("outcome"),
        key("arm"),
        stat_col("estimate", "the effect in the group; interaction with two groups: second minus first"),
        stat_col("std_error"),
        stat_col("statistic", "t (effect) or F (interaction)"),
        stat_col("p_value"),
        stat_col("ci_low"),
        stat_col("ci_high"),
        stat_col("df", "degrees of freedom (interaction: the denominator's)"),
        stat_col("df1", "numerator degrees of freedom of the interaction F test"),
        count("n"),
        count("n_arm"),
        count("n_control"),
        label("se_type"),
        stat_col("p_value_ri", "randomisation version of the interaction test (with permutations)"),
        stat_col("p_adjusted", "interaction p-value adjusted within the subgroup family"),
        label("exploratory", "declared as exploratory", dtype="bool"),
    ),
    build=subgroup_effects,
    facts=subgroup_facts,
    order=4,
    implies={"df": "n"},
    weight=30,
))
