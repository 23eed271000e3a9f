"""The minimum detectable effect of every (site, outcome, arm) of a design, by formula."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from trustexp.config import Outcome, TrialConfig
from trustexp.planning.layout import Cell
from trustexp.planning.power import design_effect, family_alpha, mde_from_se, mde_prop, mde_t
from trustexp.planning.settings import DesignSettings

__all__ = ["MDE_METHODS", "Hypothesis", "OutcomeScale", "family_tests", "formula_row",
           "is_binary", "simulated_levels"]

#: How the MDE's test level was found, per multiple-testing method (``mde_method``).
MDE_METHODS = {"holm": "holm-first-step", "bh": "simulated-bh",
               "romano-wolf": "simulated-romano-wolf", "none": "unadjusted"}


def is_binary(outcome: Outcome) -> bool:
    """Whether the outcome is a proportion (its MDE by the proportions formula)."""
    return outcome.type == "binary"


@dataclass(frozen=True, slots=True)
class OutcomeScale:
    """The control arm's level of an outcome: a base rate (binary) or a standard deviation.

    ``source`` says where it comes from: ``"declared"`` ([design]),
    ``"observed"`` (the control arm's data) or ``"standardised"`` (no sd
    declared: the MDE is in standard deviations).
    """

    base_rate: float | None
    sd: float
    source: str


def family_tests(config: TrialConfig, outcome: Outcome, n_treatment_arms: int) -> int:
    """Tests in the outcome's family: its outcomes times the treatment arms."""
    return max(1, len(config.families[outcome.family]) * max(n_treatment_arms, 1))


def formula_row(config: TrialConfig, settings: DesignSettings, outcome: Outcome, cell: Cell,
                scale: OutcomeScale, n_arms: int,
                level: tuple[float, float] | None = None) -> dict[str, float | int | str]:
    """The formula's MDE of one arm against control (the design frame's formula columns).

    Sizes are shrunk by ``attrition``; with clusters the design effect uses
    ``icc`` and the cluster sizes, and the t test has ``clusters - 2`` degrees
    of freedom. The test's level is the family's first (``alpha / tests``)
    unless ``level`` gives another, with the relative Monte Carlo error of the
    MDE (:func:`simulated_levels`, for Benjamini-Hochberg and Romano-Wolf).
    """
    keep = 1.0 - settings.attrition
    n1, n0 = cell.n_arm * keep, cell.n_control * keep
    tests = family_tests(config, outcome, n_arms)
    method = config.analysis.multiple_testing
    alpha = family_alpha(settings.alpha, tests, method)
    rel_mcse = 0.0
    if level is not None and math.isfinite(level[0]):
        alpha, rel_mcse = float(level[0]), float(level[1])
    deff, df = 1.0, n1 + n0 - 2.0
    if cell.g_arm is not None and cell.g_control is not None:
        deff = design_effect(settings.icc, max(1.0, cell.cluster_mean * keep), cell.cluster_cv)
        df = float(cell.g_arm + cell.g_control - 2)
    mde = math.nan
    if n1 >= 1 and n0 >= 1 and df > 0:
        if scale.base_rate is not None:
            if 0 < scale.base_rate < 1:
                mde = mde_prop(scale.base_rate, n1, n0, alpha=alpha, power=settings.power,
                               r2=settings.r2, deff=deff)
        elif scale.sd > 0:
            mde = mde_t(scale.sd, n1, n0, alpha=alpha, power=settings.power, r2=settings.r2,
                        deff=deff, df=df)
    simulated = level is not None and math.isfinite(level[0])
    return {"tests": tests, "alpha": alpha, "power": settings.power, "deff": deff,
            "mde": mde, "scale_source": scale.source,
            "mde_method": MDE_METHODS[method] if simulated or method in ("holm", "none")
            else "bonferroni-bound",
            "mde_mcse": abs(mde) * rel_mcse if simulated else 0.0}


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """One (site, outcome, arm) test of a family, with the persons it compares."""

    site: str
    outcome: str
    arm: str
    n_arm: float
    n_control: float


def simulated_levels(
    config: TrialConfig, settings: DesignSettings, hypotheses: Sequence[Hypothesis],
    correlation: Mapping[str, tuple[Sequence[str], np.ndarray]] | None = None,
) -> dict[tuple[str, str, str], tuple[float, float]]:
    """The test level of each hypothesis's MDE under BH or Romano-Wolf, by simulation.

    :mod:`trustexp.planning.multiplicity` does the work, per (site, family),
    with the family's hypotheses that have persons in both arms, the outcomes'
    correlation of ``correlation[site]`` (outcome ids and their matrix; else
    independent outcomes) and a seed derived from ``[analysis] seed``, the site
    and the family. Returns ``(site, outcome, arm) -> (level, relative Monte
    Carlo error of the MDE)``; empty for Holm and no correction (the formula's
    ``alpha / tests`` is then the level).
    """
    from trustexp.analysis.samples import site_seed
    from trustexp.planning.multiplicity import family_levels, hypothesis_correlation

    method = config.analysis.multiple_testing
    if method not in ("bh", "romano-wolf"):
        return {}
    family_of = {o.id: o.family for o in config.outcomes}
    groups: dict[tuple[str, str], list[Hypothesis]] = {}
    for h in hypotheses:
        if h.outcome in family_of and h.n_arm > 0 and h.n_control > 0:
            groups.setdefault((h.site, family_of[h.outcome]), []).append(h)
    out: dict[tuple[str, str, str], tuple[float, float]] = {}
    for (site, family), members in groups.items():
        ids = list(dict.fromkeys(h.outcome for h in members))
        rho = np.eye(len(ids))
        if correlation is not None and site in correlation:
            known, matrix = correlation[site]
            at = [list(known).index(i) if i in known else -1 for i in ids]
            for a, ia in enumerate(at):
                for b, ib in enumerate(at):
                    if a != b and ia >= 0 and ib >= 0 and np.isfinite(matrix[ia, ib]):
                        rho[a, b] = matrix[ia, ib]
        arms = list(dict.fromkeys(h.arm for h in members))
        corr = hypothesis_correlation(rho, [ids.index(h.outcome) for h in members],
                                      [h.n_arm for h in members], [h.n_control for h in members],
                                      [arms.index(h.arm) for h in members])
        res = family_levels(corr, method=method, alpha=settings.alpha, power=settings.power,
                            seed=site_seed(config.analysis.seed, f"mde:{site}:{family}"))
        for i, h in enumerate(members):
            rel = float(res.noncentrality_mcse[i] / res.noncentrality[i])
            out[(h.site, h.outcome, h.arm)] = (float(res.level[i]), rel)
    return out


def observed_mde(std_error: float, df: float, alpha: float, power: float) -> float:
    """The MDE that the estimate's own standard error implies."""
    return mde_from_se(float(std_error), float(df), alpha=alpha, power=power)


def declared_scale(settings: DesignSettings, outcome: Outcome,
                   observed: Mapping[str, float] | None = None) -> OutcomeScale:
    """The outcome's scale: observed where there are data, else declared, else standardised."""
    if is_binary(outcome):
        p = (observed or {}).get("mean")
        if p is not None and math.isfinite(p):
            return OutcomeScale(float(p), math.sqrt(p * (1 - p)), "observed")
        if outcome.id in settings.base_rate:
            b = settings.base_rate[outcome.id]
            return OutcomeScale(b, math.sqrt(b * (1 - b)), "declared")
        return OutcomeScale(None, math.nan, "missing")
    s = (observed or {}).get("sd")
    if s is not None and math.isfinite(s) and s > 0:
        return OutcomeScale(None, float(s), "observed")
    if outcome.id in settings.sd:
        return OutcomeScale(None, settings.sd[outcome.id], "declared")
    return OutcomeScale(None, 1.0, "standardised")
