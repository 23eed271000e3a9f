"""The units of a design: who is in which site, stratum, cluster and arm.

A :class:`Layout` comes from a participants table (a randomised trial, with or
without outcomes yet) or from the planned sizes of ``[design] n_per_arm``
(before anyone is randomised). Both the formulas and the simulation read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trustexp.analysis.samples import POOLED
from trustexp.config import TrialConfig
from trustexp.errors import ConfigError
from trustexp.planning.settings import DesignSettings

__all__ = ["Cell", "Layout", "layout_from_participants", "layout_from_plan"]


@dataclass(frozen=True)
class Layout:
    """The coded units of a design (N persons).

    Attributes
    ----------
    site : (N,) str
    arm : (N,) int64
        0 the control arm, 1..m the treatment arms of ``arms``.
    arms
        The treatment arm ids, in declaration order.
    strata : (N,) int64 or None
    clusters : (N,) int64 or None
    planned
        Whether the sizes are planned (``n_per_arm``) rather than randomised persons.
    """

    site: np.ndarray
    arm: np.ndarray
    arms: tuple[str, ...]
    strata: np.ndarray | None
    clusters: np.ndarray | None
    planned: bool

    @property
    def sites(self) -> tuple[str, ...]:
        """The analyses: pooled first, then each site when there are several."""
        names = sorted(set(self.site.tolist()))
        return (POOLED, *names) if len(names) > 1 else (POOLED,)

    def mask(self, site: str) -> np.ndarray:
        """The persons of an analysis."""
        return np.ones(self.arm.size, bool) if site == POOLED else self.site == site

    def cell(self, site: str, arm: int) -> Cell:
        """The sizes of one treatment arm against control in one analysis."""
        m = self.mask(site)
        pair = m & ((self.arm == arm) | (self.arm == 0))
        n1, n0 = int((m & (self.arm == arm)).sum()), int((m & (self.arm == 0)).sum())
        if self.clusters is None:
            return Cell(n1, n0, None, None, 0.0)
        _, sizes = np.unique(self.clusters[pair], return_counts=True)
        g1 = np.unique(self.clusters[m & (self.arm == arm)]).size
        g0 = np.unique(self.clusters[m & (self.arm == 0)]).size
        mean = float(sizes.mean()) if sizes.size else float("nan")
        cv = float(sizes.std() / mean) if sizes.size > 1 else 0.0
        return Cell(n1, n0, g1, g0, cv, mean)


@dataclass(frozen=True, slots=True)
class Cell:
    """Sizes of an arm and control: persons, clusters, cluster sizes."""

    n_arm: int
    n_control: int
    g_arm: int | None
    g_control: int | None
    cluster_cv: float
    cluster_mean: float = 1.0


def _codes(values: Sequence[object]) -> np.ndarray:
    _, inv = np.unique(np.asarray([str(v) for v in values]), return_inverse=True)
    return inv.astype(np.int64)


def layout_from_participants(config: TrialConfig, participants: pd.DataFrame) -> Layout:
    """The layout of randomised persons (reference groups left out)."""
    arms = tuple(a.id for a in config.treatment_arms)
    order = {config.control_arm: 0, **{a: i + 1 for i, a in enumerate(arms)}}
    p = participants[participants["arm"].astype(str).isin(order)]
    arm = p["arm"].astype(str).map(order).to_numpy(np.int64)
    strata = None
    cols = [c for c in config.strata if c in p.columns]
    if cols:
        strata = _codes(p[cols].astype(str).agg("\x1f".join, axis=1).tolist())
    clusters = None
    if config.cluster and config.cluster in p.columns:
        clusters = _codes(p[config.cluster].astype(str).tolist())
    return Layout(p["site"].astype(str).to_numpy(), arm, arms, strata, clusters, planned=False)


def layout_from_plan(config: TrialConfig, settings: DesignSettings) -> Layout:
    """The layout of the planned sizes (``[design] n_per_arm``, ``cluster_size``)."""
    arms = tuple(a.id for a in config.treatment_arms)
    sizes = []
    for a in (config.control_arm, *arms):
        n = settings.planned(a)
        if n is None:
            raise ConfigError(
                f"trial.toml [design] n_per_arm gives no size for the arm {a!r}, and the folder "
                "has no participants table: declare n_per_arm = N (or one size per arm)"
            )
        sizes.append(n)
    arm = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    clusters = None
    if settings.cluster_size is not None and settings.cluster_size > 1:
        m = max(1, int(round(settings.cluster_size)))
        within = np.concatenate([np.arange(n) // m for n in sizes]) if sizes else np.array([], int)
        clusters = arm * (arm.size + 1) + within
    site = np.full(arm.size, POOLED, dtype=object)
    return Layout(site, arm, arms, None, clusters, planned=True)
