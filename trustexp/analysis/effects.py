"""Intention-to-treat effects for every outcome, arm and analysis, with inference.

For each analysis (pooled, then each site; see :mod:`trustexp.analysis.samples`) and
each declared outcome: ordinary least squares of the outcome on the arm
indicators with strata fixed effects and the declared covariates, by
:func:`trustexp.stats.estimate_itt`, over the persons whose outcome is
observed. A survey outcome at a wave after baseline also adjusts for its
baseline score (missing baselines: mean-imputed plus an indicator, as for
covariates). Arms with nobody in an analysis's sample get no row there.

Covariates constant in the estimation sample are left out. With Lin
adjustment, so is a covariate constant within one arm (of two or more
persons) of the estimation sample: its interaction with that arm is not
identified (the arm's mean at the sample's covariate means would rest on an
extrapolation the data cannot support), and which column a rank-deficient
fit drops would decide the estimate. A typical case is a missingness
indicator of a covariate that is observed for everyone in the control arm.

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

Multiple testing
    Within each family, over its (outcome, arm) pairs, separately for each
    analysis (:func:`trustexp.stats.adjust`). Romano-Wolf uses the joint
    permutation distribution of the family's t statistics from the shared
    draws; when it is asked for without permutations, :data:`RW_DRAWS` draws
    are made for it (and ``p_value_ri`` is still not reported). Pairs whose
    p-value is NaN are left out of the adjustment and get a NaN adjusted
    p-value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trustexp.analysis import groups
from trustexp.analysis.samples import AnalysisSample, impute_with_indicator, nonconstant, refactor
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
from trustexp.outcomes import BASELINE_SUFFIX

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
EXTRA_COLUMNS = ["family", "primary", "outcome_type", "outcome_label", "arm_label", "statistic"]
EFFECT_COLUMNS = [*RECORD_KEYS, "p_value_ri", *EXTRA_COLUMNS]

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
    from trustexp.stats import draw_assignments

    method = config.analysis.multiple_testing
    draws = permutations if permutations > 0 else (RW_DRAWS if method == "romano-wolf" else 0)
    total = len(samples) * len(config.outcomes)
    done = 0
    frames = []
    for sample in samples:
        assignments = None
        if draws and sample.has_control and sample.arms:
            assignments = draw_assignments(
                sample.arm,
                strata=sample.blocks,
                clusters=sample.clusters,
                draws=draws,
                seed=sample.seed,
            )
        data = [_outcome_data(config, outcomes, sample, o) for o in config.outcomes]
        tests = _RandomisationTests(config, sample, data, assignments)
        records: list[dict] = []
        t_draws: list[np.ndarray] = []
        for i, outcome in enumerate(config.outcomes):
            recs, td = _estimate_outcome(config, sample, outcome, data[i], tests.result(i), draws)
            records.extend(recs)
            t_draws.append(td)
            done += 1
            if progress is not None:
                progress(f"{sample.site}: {outcome.id}", done, total)
        frame = pd.DataFrame(records, columns=EFFECT_COLUMNS)
        if not frame.empty:
            joint = np.column_stack(t_draws) if draws else None
            frame["p_adjusted"] = _adjust_families(frame, method, joint)
        frames.append(frame)
    effects = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    effects = effects.reindex(columns=EFFECT_COLUMNS)
    if permutations <= 0:
        effects = effects.drop(columns="p_value_ri")
    return _typed(effects)


@dataclass(frozen=True, slots=True)
class _OutcomeData:
    """One outcome's estimation sample and covariates in one analysis.

    ``y`` (n,) over the analysis sample, ``obs`` (n,) its observed rows,
    ``cov`` (n, p) the covariates kept in its model (None if none), ``n_arm``
    (k,) and ``n_control`` the observed persons per arm.
    """

    y: np.ndarray
    obs: np.ndarray
    cov: np.ndarray | None
    n_arm: np.ndarray
    n_control: int

    @property
    def estimable(self) -> bool:
        """Whether the control arm and some treatment arm are observed."""
        return bool(self.n_control and self.n_arm.sum())

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
    keep = nonconstant(x[obs])
    if config.analysis.adjustment == "lin":
        for j in range(k + 1):
            rows = obs & (sample.arm == j)
            if rows.sum() >= 2:
                keep &= nonconstant(x[rows])
    x = x[:, keep]
    n_arm = np.array([int((obs & (sample.arm == j)).sum()) for j in range(1, k + 1)])
    n_control = int((obs & (sample.arm == 0)).sum())
    return _OutcomeData(y, obs, x if x.shape[1] else None, n_arm, n_control)


class _RandomisationTests:
    """The randomisation tests of one analysis's outcomes, run on first demand.

    Estimable outcomes with the same observed rows and the same covariates
    share one model up to the outcome, so they are tested together in one
    call of :func:`trustexp.stats.permutation_test` (with ``y`` as columns),
    which gives each the same statistics as a call of its own.
    """

    def __init__(
        self,
        config: TrialConfig,
        sample: AnalysisSample,
        data: Sequence[_OutcomeData],
        assignments: np.ndarray | None,
    ) -> None:
        self._config = config
        self._sample = sample
        self._data = data
        self._assignments = assignments
        self._results: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._group: dict[int, list[int]] = {}
        if assignments is None:
            return
        groups: dict[tuple, list[int]] = {}
        for i, d in enumerate(data):
            if d.estimable:
                groups.setdefault(d.model_key(), []).append(i)
        for members in groups.values():
            for i in members:
                self._group[i] = members

    def result(self, i: int) -> tuple[np.ndarray, np.ndarray] | None:
        """``(p_value (k,), t_draws (draws, k))`` of outcome ``i``, or None if not tested."""
        if i not in self._group:
            return None
        if i not in self._results:
            self._run(self._group[i])
        return self._results[i]

    def _run(self, members: list[int]) -> None:
        from trustexp.stats import permutation_test

        assert self._assignments is not None
        sample = self._sample
        first = self._data[members[0]]
        y = np.column_stack([np.where(first.obs, self._data[i].y, np.nan) for i in members])
        perm = permutation_test(
            y,
            sample.arm,
            self._assignments,
            n_arms=sample.n_arms,
            covariates=first.cov,
            strata=sample.blocks,
            clusters=sample.clusters,
            adjustment=self._config.analysis.adjustment,
            se_type=sample.se_type,
            observed=first.obs,
        )
        for j, i in enumerate(members):
            self._results[i] = (perm.p_value[j], perm.t_draws[:, j, :])


def _estimate_outcome(
    config: TrialConfig,
    sample: AnalysisSample,
    outcome: Outcome,
    data: _OutcomeData,
    randomisation: tuple[np.ndarray, np.ndarray] | None,
    draws: int,
) -> tuple[list[dict], np.ndarray]:
    from trustexp.stats import estimate_itt

    an = config.analysis
    k = len(sample.arms)
    y, obs, cov, n_arm, n_control = data.y, data.obs, data.cov, data.n_arm, data.n_control
    nan = np.full(k, np.nan)
    est = {"estimate": nan, "std_error": nan, "ci_low": nan, "ci_high": nan, "p_value": nan,
           "df": nan, "statistic": nan}
    se_type = sample.se_type
    control_mean = float(np.mean(y[obs & (sample.arm == 0)])) if n_control else np.nan
    p_ri = nan
    t_draws = np.full((draws, k), np.nan)
    if data.estimable:
        res = estimate_itt(
            y[obs],
            sample.arm[obs],
            n_arms=sample.n_arms,
            covariates=None if cov is None else cov[obs],
            strata=refactor(None if sample.blocks is None else sample.blocks[obs]),
            clusters=refactor(None if sample.clusters is None else sample.clusters[obs]),
            adjustment=an.adjustment,
            se_type=se_type,
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
        if randomisation is not None:
            p_ri, t_draws = randomisation
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
            }
        )
    return records, t_draws


def _adjust_families(frame: pd.DataFrame, method: str, t_draws: np.ndarray | None) -> np.ndarray:
    from trustexp.stats import adjust

    p = frame["p_value"].to_numpy(dtype=float)
    t = frame["statistic"].to_numpy(dtype=float)
    out = np.full(len(frame), np.nan)
    families = frame["family"].to_numpy()
    for fam in pd.unique(families):
        idx = np.flatnonzero((families == fam) & np.isfinite(p))
        if method == "romano-wolf":
            assert t_draws is not None
            idx = idx[np.isfinite(t_draws[:, idx]).all(axis=0)]
        if idx.size == 0:
            continue
        if method == "romano-wolf":
            out[idx] = adjust(p[idx], method, t_observed=t[idx], t_draws=t_draws[:, idx])
        else:
            out[idx] = adjust(p[idx], method)
    return out


def _typed(effects: pd.DataFrame) -> pd.DataFrame:
    types = {c: "float64" for c in effects.columns}
    types.update({c: "str" for c in ("site", "outcome", "arm", "se_type", "adjustment_method",
                                      "family", "outcome_type", "outcome_label", "arm_label")})
    types.update({"n": "int64", "n_arm": "int64", "n_control": "int64", "primary": "bool"})
    return effects.astype({c: t for c, t in types.items() if c in effects.columns})


# -- the frame ----------------------------------------------------------------

def _build(inp: Inputs) -> pd.DataFrame:
    """The effects frame, estimated once per evaluation (the ``design`` frame reads it too)."""
    return groups._memo(inp, "effects", lambda: estimate_effects(
        inp.config, inp.outcomes, inp.samples, permutations=inp.permutations,
        progress=inp.progress))


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
    ),
    build=_build,
    facts=effect_facts,
    order=0,
    optional=frozenset({"p_value_ri"}),
    implies={"df": "n"},
    weight=100,
    record=(*RECORD_KEYS[:5], "statistic", *RECORD_KEYS[5:], "p_value_ri"),
))
