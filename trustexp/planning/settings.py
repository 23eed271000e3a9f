"""The ``[design]`` section of ``trial.toml``, read in one place.

``data_schemas/trial.schema.json`` checks its values (a wrong value is a
validation problem naming the key); here they get their defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from trustexp.config import TrialConfig

__all__ = ["DesignSettings", "design_settings"]


@dataclass(frozen=True)
class DesignSettings:
    """What ``[design]`` declares, with defaults.

    Attributes
    ----------
    power, alpha
        Target power and test level (``alpha`` defaults to ``[analysis] alpha``).
    icc
        Intra-cluster correlation of the outcomes (used with clusters).
    r2
        Share of outcome variance explained by the covariates.
    attrition
        Share of persons expected without an outcome (missing completely at random).
    n_per_arm
        Planned persons per arm (before there are data): one number, or per arm.
    cluster_size, cluster_cv
        Planned mean cluster size and coefficient of variation of the sizes.
    base_rate, sd
        Control-arm base rate (binary outcomes) and standard deviation (others).
    effects
        Effects to simulate per outcome (default: each outcome's MDE).
    simulations
        Simulated trials (``trustexp design``; 0: formulas only).
    """

    power: float = 0.8
    alpha: float = 0.05
    icc: float = 0.0
    r2: float = 0.0
    attrition: float = 0.0
    n_per_arm: int | Mapping[str, int] | None = None
    cluster_size: float | None = None
    cluster_cv: float = 0.0
    base_rate: Mapping[str, float] = field(default_factory=dict)
    sd: Mapping[str, float] = field(default_factory=dict)
    effects: Mapping[str, float] = field(default_factory=dict)
    simulations: int = 200

    def planned(self, arm: str) -> int | None:
        """The planned size of an arm, or None."""
        if self.n_per_arm is None:
            return None
        if isinstance(self.n_per_arm, Mapping):
            v = self.n_per_arm.get(arm)
            return None if v is None else int(v)
        return int(self.n_per_arm)


def _mapping(value: Any) -> Mapping[str, float]:
    return MappingProxyType({str(k): float(v) for k, v in dict(value or {}).items()})


def design_settings(config: TrialConfig) -> DesignSettings:
    """The trial's ``[design]``, defaults filled in (alpha from ``[analysis]``)."""
    raw = dict(config.raw.get("design", {}) or {})
    n = raw.get("n_per_arm")
    if isinstance(n, Mapping):
        n = MappingProxyType({str(k): int(v) for k, v in n.items()})
    elif n is not None:
        n = int(n)
    return DesignSettings(
        power=float(raw.get("power", 0.8)),
        alpha=float(raw.get("alpha", config.analysis.alpha)),
        icc=float(raw.get("icc", 0.0)),
        r2=float(raw.get("r2", 0.0)),
        attrition=float(raw.get("attrition", 0.0)),
        n_per_arm=n,
        cluster_size=None if raw.get("cluster_size") is None else float(raw["cluster_size"]),
        cluster_cv=float(raw.get("cluster_cv", 0.0)),
        base_rate=_mapping(raw.get("base_rate")),
        sd=_mapping(raw.get("sd")),
        effects=_mapping(raw.get("effects")),
        simulations=int(raw.get("simulations", 200)),
    )
