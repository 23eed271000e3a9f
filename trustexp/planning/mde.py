"""The minimum detectable effect of every (site, outcome, arm) of a design, by formula."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from trustexp.config import Outcome, TrialConfig
from trustexp.planning.layout import Cell
from trustexp.planning.power import design_effect, family_alpha, mde_from_se, mde_prop, mde_t
from trustexp.planning.settings import DesignSettings

__all__ = ["OutcomeScale", "family_tests", "formula_row", "is_binary"]


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
                scale: OutcomeScale, n_arms: int) -> dict[str, float | int | str]:
    """The formula's MDE of one arm against control (the design frame's formula columns).

    Sizes are shrunk by ``attrition``; with clusters the design effect uses
    ``icc`` and the cluster sizes, and the t test has ``clusters - 2`` degrees
    of freedom.
    """
    keep = 1.0 - settings.attrition
    n1, n0 = cell.n_arm * keep, cell.n_control * keep
    tests = family_tests(config, outcome, n_arms)
    alpha = family_alpha(settings.alpha, tests, config.analysis.multiple_testing)
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
    return {"tests": tests, "alpha": alpha, "power": settings.power, "deff": deff,
            "mde": mde, "scale_source": scale.source}


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
