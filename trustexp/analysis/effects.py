"""Intention-to-treat effects for every outcome, arm and analysis, with inference.

For each analysis (pooled, then each site; see :mod:`trustexp.analysis.samples`) and
each declared outcome: ordinary least squares of the outcome on the arm
indicators with strata fixed effects and the declared covariates, by
:func:`trustexp.stats.estimate_itt`, over the persons whose outcome is
observed. The sites' models of one outcome are fitted together, in one pass
over all sites' rows (:mod:`trustexp.analysis.site_fits`), each giving what its
own call gives. A survey outcome at a wave after baseline also adjusts for its
baseline score (missing baselines: mean-imputed plus an indicator, as for
covariates). Arms with nobody in an analysis's sample get no row there.

A censored ``time_to_exit`` outcome is never fitted by OLS: its row is the
difference in restricted mean time to exit over the window between the
arm's and the control arm's Kaplan-Meier curves (``control_mean`` the control
arm's restricted mean, ``se_type`` ``"RMST (Greenwood)"``, normal
intervals, no degrees of freedom), as in the frame ``survival``; its
randomisation test recomputes the same z statistic under each re-drawn
assignment.

Covariates constant in the estimation sample are left out. With Lin
adjustment, a covariate constant within one arm keeps its place in the model
and only its interaction with that arm (collinear with the arm's indicator)
is dropped, as ``estimatr::lm_lin`` does (a typical case is a missingness
indicator of a covariate observed for everyone in one arm).

Degenerate designs
    An arm whose own variance cannot be estimated (a row that enters its
    coefficient is fitted exactly, as when the arm has no more people than
    the parameters it carries; or fewer than two clusters) gets its estimate
    but no standard error, interval or p-value, and ``reason`` says why
    (:data:`trustexp.stats.itt.REASONS`, its key). With a NaN p-value it stays
    out of its family's multiple-testing adjustment: the family is adjusted
    over the pairs that have a p-value.

Randomisation inference
    With ``permutations = B > 0`` the analysis's assignments are re-drawn
    ``B`` times within its strata (:func:`trustexp.stats.draw_assignments`,
    seeded as documented in :mod:`trustexp.analysis.samples`), once per analysis, and
    every outcome of the analysis is tested against the same draws
    (:func:`trustexp.stats.permutation_test`), which gives ``p_value_ri``.
    Outcomes with the same observed rows and the same covariates (such as the
    monthly outcomes of one fully observed window) are tested in one call,
    which shares the work that depends only on the draws and gives each
    outcome the statistics of a call of its own.

Randomisation-inference intervals
    With ``permutations = B > 0``, each primary outcome's effects also get
    ``ri_ci_low, ri_ci_high``: the constant effects that the randomisation test
    of the arm against control does not reject at level ``alpha``
    (:func:`trustexp.stats.randomisation.ri_confidence_interval`, test
    inversion). The test uses the arm's and the control arm's observed rows,
    the same model (strata, covariates, adjustment, standard errors) and ``B``
    re-randomisations of the two arms within strata (whole clusters), seeded
    from the analysis's seed, the outcome and the arm. Exact coverage under
    a constant effect.

Multiple testing
    Within each family, over its (outcome, arm) pairs, separately for each
    analysis (:func:`trustexp.stats.adjust`). Romano-Wolf uses the joint
    permutation distribution of the family's t statistics from the shared
    draws; when it is asked for without permutations, :data:`RW_DRAWS` draws
    are made for it (and ``p_value_ri`` is still not reported). Pairs whose
    p-value is NaN are left out of the adjustment and get a NaN adjusted
    p-value.

    Undefined draws (Romano-Wolf)
        A re-randomisation under which a pair's statistic is undefined (for
        example a rare binary outcome with no event in one re-drawn arm) keeps
        that pair in its family. The draw's statistic counts as smaller than
        every defined one (``-inf``): it is counted among the ``B`` draws and
        never exceeds the observed statistic. This extends the statistic to
        every assignment, so the step-down test stays a randomisation test of
        the whole family, with the family-wise error rate held exactly under
        the sharp null (:func:`trustexp.stats.romano_wolf`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from trustexp.analysis import groups
from trustexp.analysis._degenerate import REASONS, not_estimable
from trustexp.analysis.samples import (
    POOLED,
    AnalysisSample,
    impute_with_indicator,
    nonconstant,
    refactor,
)
from trustexp.config import Outcome, TrialConfig
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
    statistic,
)
from trustexp.literals import MultipleTesting
from trustexp.outcomes import BASELINE_SUFFIX, EVENT_SUFFIX

if TYPE_CHECKING:
    from trustexp.stats import ITTResult
    from trustexp.stats.randomisation import AssignmentDraws

__all__ = ["EFFECTS", "EFFECT_COLUMNS", "EXTRA_COLUMNS", "RECORD_KEYS", "RW_DRAWS", "effect_facts", "estimate_effects"]

#: Draws made for Romano-Wolf when no permutations are requested.
RW_DRAWS = 2000

#: The keys of a contract record, in the contract's order (``p_value_ri`` follows when present).
RECORD_KEYS = [
    "site",
    "outcome",
    "arm",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "df",
    "n",
    "n_arm",
    "n_control",
    "control_mean",
    "se_type",
    "p_adjusted",
    "adjustment_method",
]
EXTRA_COLUMNS = ["family", "primary", "outcome_type", "outcome_label", "arm_label", "statistic",
                 "not_estimable", "reason"]
EFFECT_COLUMNS = [*RECORD_KEYS, "p_value_ri", *EXTRA_COLUMNS, "ri_ci_low", "ri_ci_high"]
#: Precision of the ends of the randomisation-inference intervals, relative to the s.e.
RI_CI_TOL = 1e-3

Progress = Callable[[str, int, int], None]


def outcome_covariates(
    sample: AnalysisSample, outcome: Outcome, outcomes: pd.DataFrame
) -> tuple[np.ndarray, list[str]]:
    """The covariates of one outcome's model in one analysis: declared, plus its baseline."""
    x, names = sample.covariates, list(sample.covariate_names)
    base_col = outcome.id + BASELINE_SUFFIX
    if base_col in outcomes.columns:
        base = outcomes[base_col].to_numpy(dtype=float)[sample.rows]
        block, nm = impute_with_indicator(base, base_col)
        x = np.column_stack([x, block])
        names += nm
    return x, names


def estimate_effects(
    config: TrialConfig,
    outcomes: pd.DataFrame,
    samples: Sequence[AnalysisSample],
    *,
    permutations: int = 0,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Estimate every (analysis, outcome, arm) effect; see the module documentation.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`EFFECT_COLUMNS` (without ``p_value_ri`` when
        ``permutations`` is 0), one row per (site, outcome, arm): the pooled
        analysis first, outcomes and arms in declaration order.
    """
    from trustexp.stats.randomisation import assignment_draws

    method = config.analysis.multiple_testing
    draws = permutations if permutations > 0 else (RW_DRAWS if method == "romano-wolf" else 0)
    total = len(samples) * len(config.outcomes)
    done = 0
    frames = []
    all_data = [[_outcome_data(config, outcomes, sample, o) for o in config.outcomes]
                for sample in samples]
    site_fits = _site_fits(config, outcomes, samples, all_data)
    for s, sample in enumerate(samples):
        stream = None
        if draws and sample.has_control and sample.arms:
            stream = assignment_draws(
                sample.arm,
                strata=sample.blocks,
                clusters=sample.design_clusters,
                draws=draws,
                seed=sample.seed,
            )
        data = all_data[s]
        survival = {i: _survival_data(sample, o, outcomes) for i, o in enumerate(config.outcomes)
                    if _is_survival(o, outcomes)}
        tests = _RandomisationTests(
            config, sample, data, {i: sv for i, sv in survival.items() if sv.estimable}, stream)
        records: list[dict] = []
        t_draws: list[np.ndarray] = []
        for i, outcome in enumerate(config.outcomes):
            if i in survival:
                recs, td = _survival_outcome(config, sample, outcome, survival[i],
                                             tests.survival(i), draws)
            else:
                recs, td = _estimate_outcome(config, sample, outcome, data[i], tests.result(i),
                                             draws, site_fits.get((s, i)))
            records.extend(recs)
            t_draws.append(td)
            done += 1
            if progress is not None:
                progress(f"{sample.site}: {outcome.id}", done, total)
        frame = pd.DataFrame(records, columns=EFFECT_COLUMNS)
        if permutations > 0 and not frame.empty:
            _ri_intervals(config, sample, data, frame, permutations)
        if not frame.empty:
            joint = np.column_stack(t_draws) if draws else None
            frame["p_adjusted"] = _adjust_families(frame, method, joint)
        frames.append(frame)
    effects = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    effects = effects.reindex(columns=EFFECT_COLUMNS)
    if permutations <= 0:
        effects = effects.drop(columns=["p_value_ri", "ri_ci_low", "ri_ci_high"])
    return _typed(effects)


@dataclass(frozen=True, slots=True)
class _OutcomeData:
    """One outcome's estimation sample and covariates in one analysis.

    ``y`` (n,) over the analysis sample, ``obs`` (n,) its observed rows,
    ``cov`` (n, p) the covariates kept in its model (None if none), ``n_arm``
    (k,) and ``n_control`` the observed persons per arm; ``reason`` why no
    effect can be estimated (empty when one can).
    """

    y: np.ndarray
    obs: np.ndarray
    cov: np.ndarray | None
    n_arm: np.ndarray
    n_control: int
    reason: str = ""

    @property
    def estimable(self) -> bool:
        """Whether the control arm and some treatment arm are observed, with data that allow it."""
        return bool(self.n_control and self.n_arm.sum()) and not self.reason

    def model_key(self) -> tuple[bytes, tuple[int, ...], bytes]:
        """Equal for outcomes with the same observed rows and the same covariates."""
        cov = np.empty((0, 0)) if self.cov is None else np.ascontiguousarray(self.cov)
        return self.obs.tobytes(), cov.shape, cov.tobytes()


def _outcome_data(
    config: TrialConfig, outcomes: pd.DataFrame, sample: AnalysisSample, outcome: Outcome
) -> _OutcomeData:
    k = len(sample.arms)
    y = outcomes[outcome.id].to_numpy(dtype=float)[sample.rows]
    obs = np.isfinite(y)
    x, _ = outcome_covariates(sample, outcome, outcomes)
    x = x[:, nonconstant(x[obs])]
    n_arm = np.array([int((obs & (sample.arm == j)).sum()) for j in range(1, k + 1)])
    n_control = int((obs & (sample.arm == 0)).sum())
    if not n_control:
        reason = REASONS["unobserved_control"]
    elif not n_arm.sum():
        reason = REASONS["unobserved_treated"]
    else:
        in_model = obs & (sample.arm >= 0)
        reason = not_estimable(y[in_model], x[in_model] if x.shape[1] else None)
    return _OutcomeData(y, obs, x if x.shape[1] else None, n_arm, n_control, reason)


class _RandomisationTests:
    """The randomisation tests of one analysis's outcomes, in one pass over its draws.

    Estimable outcomes with the same observed rows and the same covariates
    share one model up to the outcome, so they are tested together (one
    :class:`trustexp.stats.randomisation.PermutationModel` with ``y`` as
    columns), which gives each the same statistics as a call of its own. The
    censored durations' z statistics are computed in the same pass: each block
    of draws is drawn once, where its statistics are computed
    (:func:`trustexp.stats.randomisation.redrawn_statistics`, on this machine's
    threads or the active executor's workers), and never the whole matrix.
    """

    def __init__(
        self,
        config: TrialConfig,
        sample: AnalysisSample,
        data: Sequence[_OutcomeData],
        survival: dict[int, _SurvivalDraws],
        draws: AssignmentDraws | None,
    ) -> None:
        from trustexp.executor import active_for
        from trustexp.stats.randomisation import prepare_permutation_test, redrawn_statistics

        self._results: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._survival: dict[int, np.ndarray] = {}
        if draws is None:
            return
        groups: dict[tuple, list[int]] = {}
        for i, d in enumerate(data):
            if d.estimable and i not in survival:
                groups.setdefault(d.model_key(), []).append(i)
        members = list(groups.values())
        models = []
        for group in members:
            first = data[group[0]]
            y = np.column_stack([np.where(first.obs, data[i].y, np.nan) for i in group])
            models.append(prepare_permutation_test(
                y, sample.arm, n_arms=sample.n_arms, covariates=first.cov,
                strata=sample.blocks, clusters=sample.clusters,
                adjustment=config.analysis.adjustment, se_type=sample.se_type,
                observed=first.obs,
            ))  # fmt: skip
        statistics: list[Callable[..., np.ndarray]] = [*models, *survival.values()]
        if not statistics:
            return
        t_all = redrawn_statistics(draws, statistics,
                                   executor=active_for(sample.arm.size * draws.draws))
        for group, model, t_draws in zip(members, models, t_all[: len(models)], strict=True):
            perm = model.result(t_draws)
            for j, i in enumerate(group):
                self._results[i] = (perm.p_value[j], perm.t_draws[:, j, :])
        for i, t_draws in zip(survival, t_all[len(models):], strict=True):
            self._survival[i] = t_draws

    def result(self, i: int) -> tuple[np.ndarray, np.ndarray] | None:
        """``(p_value (k,), t_draws (draws, k))`` of outcome ``i``, or None if not tested."""
        return self._results.get(i)

    def survival(self, i: int) -> np.ndarray | None:
        """The (draws, k) z statistics of the censored duration ``i``, or None."""
        return self._survival.get(i)


@dataclass(frozen=True, eq=False)
class _SurvivalDraws:
    """The RMST z statistics of one censored duration under any block of draws.

    ``t, d`` the observed times and events, ``obs`` which of the analysis's rows they
    are, ``arm`` their arm codes.
    """

    t: np.ndarray
    d: np.ndarray
    obs: np.ndarray
    arm: np.ndarray
    n_arms: int
    tau: int

    @property
    def estimable(self) -> bool:
        """Whether the control arm and some treatment arm are observed."""
        return bool((self.arm == 0).any() and (self.arm > 0).any())

    def __call__(self, assign: np.ndarray, start: int = 0) -> np.ndarray:
        from trustexp.stats.survival import rmst_differences

        de, ds = rmst_differences(self.t, self.d, assign[:, self.obs], self.n_arms, self.tau)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(de / ds)


def _site_fits(
    config: TrialConfig,
    outcomes: pd.DataFrame,
    samples: Sequence[AnalysisSample],
    data: Sequence[Sequence[_OutcomeData]],
) -> dict[tuple[int, int], ITTResult]:
    """The sites' fits of each estimable OLS outcome, by (sample, outcome) index: for each
    outcome, every site in one call (:func:`trustexp.analysis.site_fits.fit_sites`), each
    site's fit that of :func:`_estimate_outcome`'s own call."""
    from trustexp.analysis.site_fits import fit_sites

    sites = [s for s, sample in enumerate(samples) if sample.site != POOLED]
    out: dict[tuple[int, int], ITTResult] = {}
    for i, outcome in enumerate(config.outcomes):
        members = [s for s in sites if data[s][i].estimable]
        if _is_survival(outcome, outcomes) or not members:
            continue
        fits = fit_sites([samples[s] for s in members], [data[s][i] for s in members],
                         adjustment=config.analysis.adjustment, alpha=config.analysis.alpha)
        out.update({(s, i): fit for s, fit in zip(members, fits, strict=True)})
    return out


def _estimate_outcome(
    config: TrialConfig,
    sample: AnalysisSample,
    outcome: Outcome,
    data: _OutcomeData,
    randomisation: tuple[np.ndarray, np.ndarray] | None,
    draws: int,
    fit: ITTResult | None = None,
) -> tuple[list[dict], np.ndarray]:
    """The records of one outcome in one analysis; ``fit`` is its ITT fit when already
    made (the sites', :func:`_site_fits`), else it is made here."""
    from trustexp.stats import estimate_itt

    an = config.analysis
    k = len(sample.arms)
    y, obs, cov, n_arm, n_control = data.y, data.obs, data.cov, data.n_arm, data.n_control
    nan = np.full(k, np.nan)
    est = {"estimate": nan, "std_error": nan, "ci_low": nan, "ci_high": nan, "p_value": nan,
           "df": nan, "statistic": nan}
    se_type: str = sample.se_type
    control_mean = float(np.mean(y[obs & (sample.arm == 0)])) if n_control else np.nan
    p_ri = nan
    reason = ("",) * k
    t_draws = np.full((draws, k), np.nan)
    if data.estimable:
        res = fit if fit is not None else estimate_itt(
            y[obs],
            sample.arm[obs],
            n_arms=sample.n_arms,
            covariates=None if cov is None else cov[obs],
            strata=refactor(None if sample.blocks is None else sample.blocks[obs]),
            clusters=refactor(None if sample.clusters is None else sample.clusters[obs]),
            adjustment=an.adjustment,
            se_type=sample.se_type,
            alpha=an.alpha,
        )
        est = {
            "estimate": res.estimate,
            "std_error": res.std_error,
            "ci_low": res.ci_low,
            "ci_high": res.ci_high,
            "p_value": res.p_value,
            "df": res.df,
            "statistic": res.statistic,
        }
        se_type = res.se_type
        control_mean = float(res.control_mean)
        reason = res.reason
        if randomisation is not None:
            p_ri, t_draws = randomisation
            undefined = np.array([r != "" for r in reason])
            p_ri = np.where(undefined, np.nan, p_ri)
            t_draws = np.where(undefined[None, :], np.nan, t_draws)
    records = []
    for j, arm in enumerate(sample.arms):
        records.append(
            {
                "site": sample.site,
                "outcome": outcome.id,
                "arm": arm.id,
                **{key: float(v[j]) for key, v in est.items()},
                "n": int(obs.sum()),
                "n_arm": int(n_arm[j]),
                "n_control": n_control,
                "control_mean": control_mean,
                "se_type": se_type,
                "p_adjusted": np.nan,
                "adjustment_method": an.multiple_testing,
                "p_value_ri": float(p_ri[j]),
                "family": outcome.family,
                "primary": bool(outcome.primary),
                "outcome_type": outcome.type,
                "outcome_label": outcome.display_label,
                "arm_label": arm.label,
                "not_estimable": data.reason if data.reason or n_arm[j] else
                REASONS["unobserved_arm"],
                "reason": reason[j],
            }
        )
    return records, t_draws


@dataclass(frozen=True)
class _IntervalJob:
    """One randomisation-inference interval: an arm against control for one outcome."""

    y: np.ndarray
    treated: np.ndarray
    strata: np.ndarray | None
    clusters: np.ndarray | None
    covariates: np.ndarray | None
    estimate: float
    std_error: float
    seed: int


@dataclass(frozen=True)
class _IntervalModel:
    """What the intervals of one analysis share: draws, level and model."""

    draws: int
    alpha: float
    adjustment: str
    se_type: str


def _ri_interval(model: _IntervalModel, job: _IntervalJob) -> tuple[float, float]:
    """The ends of one interval (run in this process or by an executor's worker)."""
    from trustexp.stats import draw_assignments
    from trustexp.stats.randomisation import ri_confidence_interval

    assignments = draw_assignments(job.treated, strata=job.strata, clusters=job.clusters,
                                   draws=model.draws, seed=job.seed)
    ci = ri_confidence_interval(
        job.y, job.treated, assignments, estimate=job.estimate, std_error=job.std_error,
        alpha=model.alpha, tol=RI_CI_TOL, covariates=job.covariates, strata=job.strata,
        clusters=job.clusters, adjustment=model.adjustment, se_type=model.se_type,
    )  # fmt: skip
    return ci.ci_low, ci.ci_high


def _ri_intervals(
    config: TrialConfig,
    sample: AnalysisSample,
    data: Sequence[_OutcomeData],
    frame: pd.DataFrame,
    draws: int,
) -> None:
    """Fill ``ri_ci_low, ri_ci_high`` of the primary outcomes (module notes), in place.

    Each interval draws its own assignments and inverts its own tests, so the
    intervals run as independent tasks on the active executor
    (:func:`trustexp.executor.active`), with the same results anywhere.
    """
    from trustexp.analysis.samples import site_seed
    from trustexp.executor import InProcess, active_for
    from trustexp.stats._threads import on_threads

    rows_at: list[int] = []
    jobs: list[_IntervalJob] = []
    for i, outcome in enumerate(config.outcomes):
        d = data[i]
        if not outcome.primary or not d.estimable:
            continue
        for k, arm in enumerate(sample.arms, start=1):
            at = np.flatnonzero((frame["outcome"] == outcome.id) & (frame["arm"] == arm.id))
            rec = frame.iloc[at[0]]
            if rec["reason"] or not np.isfinite(rec["std_error"]):
                continue
            rows = np.flatnonzero(d.obs & ((sample.arm == k) | (sample.arm == 0)))
            treated = (sample.arm[rows] == k).astype(np.int64)
            if treated.min() == treated.max():
                continue
            rows_at.append(int(at[0]))
            jobs.append(_IntervalJob(
                y=d.y[rows], treated=treated,
                strata=refactor(None if sample.blocks is None else sample.blocks[rows]),
                clusters=refactor(None if sample.clusters is None else sample.clusters[rows]),
                covariates=None if d.cov is None else d.cov[rows],
                estimate=float(rec["estimate"]), std_error=float(rec["std_error"]),
                seed=site_seed(sample.seed, f"ri_ci:{outcome.id}:{arm.id}"),
            ))  # fmt: skip
    if not jobs:
        return
    model = _IntervalModel(draws, config.analysis.alpha, config.analysis.adjustment,
                           sample.se_type)
    ex = active_for(sum(j.y.size for j in jobs) * draws)
    if isinstance(ex, InProcess):  # here: the independent intervals on the machine's cores
        ends = on_threads(lambda job: _ri_interval(model, job), jobs)
    else:
        ends = ex.map(_ri_interval, model, jobs)
    low, high = frame.columns.get_loc("ri_ci_low"), frame.columns.get_loc("ri_ci_high")
    for at_row, (lo, hi) in zip(rows_at, ends, strict=True):
        frame.iloc[at_row, low] = lo
        frame.iloc[at_row, high] = hi


def _is_survival(outcome: Outcome, outcomes: pd.DataFrame) -> bool:
    return outcome.type == "duration" and outcome.id + EVENT_SUFFIX in outcomes.columns


def _survival_data(sample: AnalysisSample, outcome: Outcome,
                   outcomes: pd.DataFrame) -> _SurvivalDraws:
    """A censored duration's observed times and events in one analysis."""
    from trustexp.analysis.survival import window_length

    t = outcomes[outcome.id].to_numpy(dtype=float)[sample.rows]
    d = outcomes[outcome.id + EVENT_SUFFIX].to_numpy(dtype=float)[sample.rows]
    obs = np.isfinite(t) & np.isfinite(d)
    return _SurvivalDraws(t[obs].astype(np.int64), d[obs].astype(np.int64), obs,
                          sample.arm[obs], sample.n_arms, window_length(outcome, _Inputs(outcomes)))


def _survival_outcome(
    config: TrialConfig,
    sample: AnalysisSample,
    outcome: Outcome,
    sv: _SurvivalDraws,
    redrawn: np.ndarray | None,
    draws: int,
) -> tuple[list[dict], np.ndarray]:
    """A censored time to exit: the difference in restricted mean time to exit over the window
    (Kaplan-Meier, :mod:`trustexp.analysis.survival`), never OLS on censored times; its
    randomisation test recomputes the same z statistic under each re-drawn assignment
    (``redrawn``, from :class:`_RandomisationTests`)."""
    from scipy import stats

    from trustexp.stats.randomisation import permutation_p_values
    from trustexp.stats.survival import rmst_differences

    k = len(sample.arms)
    tt, dd, tau = sv.t, sv.d, sv.tau
    n_arm = np.array([int((sv.arm == j).sum()) for j in range(1, k + 1)])
    n_control = int((sv.arm == 0).sum())
    nan = np.full(k, np.nan)
    diff, se, control, p_ri = nan, nan, np.nan, nan
    t_draws = np.full((draws, k), np.nan)
    if sv.estimable:
        est, s = rmst_differences(tt, dd, sv.arm[None, :], sample.n_arms, tau)
        diff, se = est[0], s[0]
        ctrl = sv.arm == 0
        control = _area(tt[ctrl], dd[ctrl], tau)
        diff = np.where(n_arm > 0, diff, np.nan)
        if redrawn is not None:
            t_draws = redrawn
            with np.errstate(divide="ignore", invalid="ignore"):
                p_ri = permutation_p_values(diff / se, t_draws)
    z = stats.norm.ppf(1 - config.analysis.alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        zstat = diff / se
    records = []
    for j, arm in enumerate(sample.arms):
        records.append({
            "site": sample.site, "outcome": outcome.id, "arm": arm.id,
            "estimate": float(diff[j]), "std_error": float(se[j]),
            "ci_low": float(diff[j] - z * se[j]), "ci_high": float(diff[j] + z * se[j]),
            "p_value": float(2 * stats.norm.sf(abs(zstat[j]))), "df": np.nan,
            "statistic": float(zstat[j]), "n": int(sv.t.size), "n_arm": int(n_arm[j]),
            "n_control": n_control, "control_mean": control,
            "se_type": "RMST (Greenwood)" if sample.clusters is None
            else "RMST (Greenwood, clusters ignored)",
            "p_adjusted": np.nan, "adjustment_method": config.analysis.multiple_testing,
            "p_value_ri": float(p_ri[j]), "family": outcome.family,
            "primary": bool(outcome.primary), "outcome_type": outcome.type,
            "outcome_label": outcome.display_label, "arm_label": arm.label,
            "not_estimable": "" if n_control and n_arm[j] else REASONS["unobserved_arm"],
            "reason": "",
        })
    return records, t_draws


def _area(t: np.ndarray, d: np.ndarray, tau: int) -> float:
    from trustexp.stats.survival import rmst

    return rmst(t, d, tau)[0] if t.size else float("nan")


class _Inputs:
    """The little of :class:`~trustexp.frames.Inputs` that ``window_length`` reads."""

    def __init__(self, outcomes: pd.DataFrame) -> None:
        self.outcomes = outcomes


def _adjust_families(frame: pd.DataFrame, method: MultipleTesting, t_draws: np.ndarray | None) -> np.ndarray:
    from trustexp.stats import adjust

    p = frame["p_value"].to_numpy(dtype=float)
    t = frame["statistic"].to_numpy(dtype=float)
    out = np.full(len(frame), np.nan)
    families = frame["family"].to_numpy()
    for fam in pd.unique(families):
        idx = np.flatnonzero((families == fam) & np.isfinite(p))
        if idx.size == 0:
            continue
        if method == "romano-wolf":
            # undefined draws stay in: the kernel counts them as -inf (module notes)
            assert t_draws is not None
            out[idx] = adjust(p[idx], method, t_observed=t[idx], t_draws=t_draws[:, idx])
        else:
            out[idx] = adjust(p[idx], method)
    return out


def _typed(effects: pd.DataFrame) -> pd.DataFrame:
    types = {c: "float64" for c in effects.columns}
    types.update({c: "str" for c in ("site", "outcome", "arm", "se_type", "adjustment_method",
                                      "family", "outcome_type", "outcome_label", "arm_label",
                                      "not_estimable", "reason")})
    types.update({"n": "int64", "n_arm": "int64", "n_control": "int64", "primary": "bool"})
    return effects.astype({c: t for c, t in types.items() if c in effects.columns})


# -- the frame ----------------------------------------------------------------

def effects_of(inp: Inputs) -> pd.DataFrame:
    """The effects frame of these inputs, estimated once per evaluation (with its
    permutations); the frames that derive from it (pooling, margins, design) read it here."""
    return groups._memo(inp, "effects", lambda: estimate_effects(
        inp.config, inp.outcomes, inp.samples, permutations=inp.permutations,
        progress=inp.progress))


_build = effects_of


def effect_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """Facts of an effects-shaped frame (``site, outcome, arm, n, n_arm, n_control``).

    An effect describes the analysed persons of its arm and of control (and,
    for a binary outcome, those with and without the event) and reveals their
    sums (the events, or the sum of the outcome); its degrees of freedom reveal
    the model's whole sample ``n``, the sum of every arm's analysed persons.
    """
    ctrl = inp.config.control_arm
    cells, rests, values, keys = [], [], [], set()
    relations: list[Relation] = []
    seen: set[tuple[str, str]] = set()
    for r in groups.rows(frame[["site", "outcome", "arm"]]):
        s, o, a = str(r["site"]), str(r["outcome"]), str(r["arm"])
        n = Fact("n", s, "*", (o,))
        cells.append({"n": n, "n_arm": Fact("analysed", s, a, (o,)),
                      "n_control": Fact("analysed", s, ctrl, (o,))})
        rests.append((*groups.outcome_facts(inp, s, a, o), *groups.outcome_facts(inp, s, ctrl, o)))
        values.append((*groups.outcome_values(inp, s, a, o), *groups.outcome_values(inp, s, ctrl, o)))
        keys |= {(s, a, o), (s, ctrl, o)}
        if (s, o) not in seen:
            seen.add((s, o))
            arms = groups.arms_in(inp, s)
            keys |= {(s, x, o) for x in arms}
            relations.append(Relation(n, tuple(Fact("analysed", s, x, (o,)) for x in arms)))
    return groups.merge_facts(FrameFacts(cells, rests, values, relations=relations),
                              groups.value_facts(inp, keys))


EFFECTS = register(FrameSpec(
    name="effects",
    doc="The intention-to-treat effect of each arm against control, per outcome, pooled and per site.",
    columns=(
        key("site", "'all' for the pooled analysis, else the site"),
        key("outcome", "the outcome's id"),
        key("arm", "the arm's id"),
        statistic("estimate", "the effect, in the outcome's units (binary: a difference in proportions)"),
        statistic("std_error"),
        statistic("ci_low"),
        statistic("ci_high"),
        statistic("p_value"),
        statistic("df", "degrees of freedom of the t distribution"),
        count("n", "persons in the model (outcome observed)"),
        count("n_arm", "analysed persons of the arm"),
        count("n_control", "analysed persons of the control arm"),
        statistic("control_mean", "the control arm's mean in the estimation sample"),
        label("se_type", "the standard errors used (effective, after a declared cluster)"),
        statistic("p_adjusted", "adjusted within the outcome's family"),
        label("adjustment_method"),
        statistic("p_value_ri", "randomisation-inference p-value (with permutations)"),
        label("family"),
        label("primary", dtype="bool"),
        label("outcome_type"),
        label("outcome_label"),
        label("arm_label"),
        statistic("statistic", "the t statistic"),
        label("not_estimable", "why there is no estimate at all (empty: there is one)"),
        label("reason", "why an estimate has no standard error, p-value or interval (a degenerate "
                        "arm), or is kept out of its family's adjustment"),
        statistic("ri_ci_low", "randomisation-inference interval by test inversion (primary outcomes)"),
        statistic("ri_ci_high"),
    ),
    build=_build,
    facts=effect_facts,
    order=0,
    optional=frozenset({"p_value_ri", "ri_ci_low", "ri_ci_high"}),
    implies={"df": "n"},
    weight=100,
    record=(*RECORD_KEYS[:5], "statistic", *RECORD_KEYS[5:], "p_value_ri"),
))
