"""The analysis samples of a trial: who enters each analysis, coded for the kernels.

An *analysis* is the pooled analysis (site ``"all"``) or, when the trial has
more than one site, one site's own. Its sample is every randomised participant
of the site(s); reference arms never enter. The codes handed to the kernels:

arm
    0 for the control arm, 1..k for the treatment arms present in the sample,
    in declaration order.
blocks
    The randomisation strata: each combination of the ``[randomisation]
    strata`` columns. In the pooled analysis of a multi-site trial ``site`` is
    always part of the combination (each site randomised separately, so a
    stratum label shared by two sites is two blocks); with no strata declared
    that gives site fixed effects. ``None`` when there is a single block.
clusters
    The clusters of the standard errors: ``[analysis] cluster`` (contract
    v1.1: it may span arms), else the ``[randomisation] cluster``; or
    ``None``. Re-randomisations move whole *randomised* clusters only
    (``design_clusters``): they re-draw what was randomised.
se_type
    The declared ``[analysis] standard_errors``; with a cluster declared, a
    heteroskedasticity-robust choice becomes its cluster-robust counterpart
    (HC0 -> CR0, HC1 -> CR1, HC2 and HC3 -> CR2), because standard errors must
    be clustered at the level of the unit randomised ("CR2 when a cluster is
    declared").
covariates
    The declared ``[analysis] covariates``; a ``categorical`` one enters as
    indicators of its levels but the first (:func:`categorical_indicators`).
    A covariate with missing values is
    imputed with its mean over the analysis sample and joined by an indicator
    of missingness (the missing-indicator method: valid in a randomised trial
    because baseline values are independent of assignment). Columns that are
    constant in an estimation sample are dropped there, so the indicator only
    appears where some value is missing.
seed
    The seed of the analysis's re-randomisations: ``[analysis] seed`` for the
    pooled analysis, and for a site the first 8 bytes (big-endian, top bit
    cleared) of ``sha256(f"{seed}:{site}")``, so each site has its own stream
    and the result does not depend on which other sites exist.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trustexp.config import Arm, TrialConfig
from trustexp.literals import POOLED, SeType

__all__ = [
    "POOLED",
    "AnalysisSample",
    "effective_se_type",
    "analysis_samples",
    "categorical_indicators",
    "category_levels",
    "category_shares",
    "impute_with_indicator",
    "nonconstant",
    "refactor",
    "site_seed",
]



@dataclass(frozen=True)
class AnalysisSample:
    """One analysis (pooled or one site) and its coded sample.

    Attributes
    ----------
    site
        ``"all"`` or the site's name.
    rows
        Positions in the participants table, shape (n,).
    arm
        Arm codes, shape (n,): 0 control, 1..k the arms in ``arms``.
    arms
        The treatment arms present in the sample, in declaration order.
    blocks
        Strata codes, shape (n,), or None.
    clusters
        Codes of the clusters of the standard errors, shape (n,), or None:
        ``[analysis] cluster``, else ``[randomisation] cluster``.
    covariates
        Shape (n, p), imputed, no NaN.
    covariate_names
        Length p.
    seed
        Seed of the analysis's re-randomisations.
    design_clusters
        Codes of the randomised clusters (``[randomisation] cluster``), shape
        (n,), or None: re-randomisations move these whole.
    se_type
        The standard errors used (see :func:`effective_se_type`).
    """

    site: str
    rows: np.ndarray
    arm: np.ndarray
    arms: tuple[Arm, ...]
    blocks: np.ndarray | None
    clusters: np.ndarray | None
    covariates: np.ndarray
    covariate_names: tuple[str, ...]
    seed: int
    se_type: SeType
    design_clusters: np.ndarray | None = None

    @property
    def n_arms(self) -> int:
        """Number of arms in the sample's coding, control included."""
        return len(self.arms) + 1

    @property
    def has_control(self) -> bool:
        """Whether the control arm has anyone in the sample."""
        return bool((self.arm == 0).any())


def effective_se_type(config: TrialConfig) -> SeType:
    """The standard errors used (:attr:`trustexp.config.TrialConfig.se_type`)."""
    return config.se_type


def site_seed(seed: int, site: str) -> int:
    """The re-randomisation seed of one site, derived from the trial's seed."""
    digest = hashlib.sha256(f"{seed}:{site}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def refactor(codes: np.ndarray | None) -> np.ndarray | None:
    """Recode integer codes to 0..g-1 (in order of appearance); None stays None."""
    if codes is None:
        return None
    return pd.factorize(codes)[0].astype(np.int64)


def nonconstant(x: np.ndarray) -> np.ndarray:
    """Boolean mask of the columns of ``x`` (n, p) that are not constant: spread above
    :data:`trustexp.stats.segments.CONSTANT_RTOL` times ``max(1, max |x|)``, the rule by
    which the sites' batched fits leave a covariate out too."""
    from trustexp.stats.segments import CONSTANT_RTOL

    if x.shape[0] == 0:
        return np.zeros(x.shape[1], dtype=bool)
    return np.ptp(x, axis=0) > CONSTANT_RTOL * np.maximum(1.0, np.abs(x).max(axis=0))


def impute_with_indicator(values: np.ndarray, name: str) -> tuple[np.ndarray, list[str]]:
    """Mean-impute one covariate and add its missingness indicator.

    Returns a (n, 2) array (imputed values, indicator) and the two column names
    ``name`` and ``f"{name}__missing"``. Where every value is missing the
    imputed column is zero (and constant, so it is dropped later).
    """
    missing = ~np.isfinite(values)
    fill = float(np.mean(values[~missing])) if (~missing).any() else 0.0
    imputed = np.where(missing, fill, values)
    return np.column_stack([imputed, missing.astype(float)]), [name, f"{name}__missing"]


def category_levels(values: pd.Series) -> list[str]:
    """The levels of a categorical covariate: its distinct non-missing texts, sorted."""
    text = values.astype("string")
    return sorted({str(v) for v in text.dropna().tolist() if str(v).strip()})


def category_shares(values: pd.Series, levels: list[str]) -> np.ndarray:
    """Indicators of each level, shape (n, len(levels)); rows with a missing value are NaN."""
    text = values.astype("string").fillna("").to_numpy(dtype=object)
    missing = np.array([not str(v).strip() for v in text], dtype=bool)
    out = np.column_stack([(text == lv).astype(float) for lv in levels]) if levels else np.empty((len(text), 0))
    out[missing] = np.nan
    return out


def categorical_indicators(values: pd.Series, name: str) -> tuple[np.ndarray, list[str]]:
    """A categorical covariate as indicators: one per level but the first, and one for missing.

    The first level (in sorted order) is the reference. A missing value gets 0
    in every level's indicator and 1 in ``f"{name}__missing"`` (the
    missing-indicator method, as for numeric covariates). Names are
    ``f"{name}[{level}]"``.
    """
    levels = category_levels(values)
    shares = category_shares(values, levels)
    missing = np.isnan(shares[:, 0]) if levels else np.ones(len(values), dtype=bool)
    block = np.nan_to_num(shares[:, 1:], nan=0.0)
    return (
        np.column_stack([block, missing.astype(float)]),
        [f"{name}[{lv}]" for lv in levels[1:]] + [f"{name}__missing"],
    )


def analysis_samples(config: TrialConfig, participants: pd.DataFrame) -> list[AnalysisSample]:
    """The pooled analysis, then each site's (sites in sorted order) when there are several."""
    site = participants["site"].astype("str").to_numpy()
    arm = participants["arm"].astype("str").to_numpy()
    randomised = np.isin(arm, [a.id for a in config.randomised_arms])
    sites = sorted(pd.unique(site[randomised]).tolist())
    multi = len(sites) > 1
    seed = int(config.analysis.seed)
    out = [_sample(config, participants, np.flatnonzero(randomised), POOLED, seed, multi)]
    if multi:
        for s in sites:
            rows = np.flatnonzero(randomised & (site == s))
            out.append(_sample(config, participants, rows, s, site_seed(seed, s), False))
    return out


def _sample(
    config: TrialConfig,
    participants: pd.DataFrame,
    rows: np.ndarray,
    site: str,
    seed: int,
    with_site: bool,
) -> AnalysisSample:
    part = participants.iloc[rows]
    arm_ids = part["arm"].astype("str").to_numpy()
    arms = tuple(a for a in config.treatment_arms if (arm_ids == a.id).any())
    codes = np.zeros(len(rows), dtype=np.int64)
    for k, a in enumerate(arms, start=1):
        codes[arm_ids == a.id] = k

    strata = [c for c in config.strata if c != "site" and c in part.columns]
    if with_site:
        strata = ["site", *strata]
    blocks = _combine(part, strata)
    if blocks is not None and len(np.unique(blocks)) < 2:
        blocks = None
    design_clusters = None
    if config.cluster is not None and config.cluster in part.columns:
        design_clusters = _combine(part, [config.cluster])
    clusters = design_clusters
    if config.analysis.cluster is not None and config.analysis.cluster in part.columns:
        clusters = _combine(part, [config.analysis.cluster])

    cols, names = [], []
    for cov in config.analysis.covariates:
        if cov in config.analysis.categorical:
            block, nm = categorical_indicators(part[cov], cov)
        else:
            values = pd.to_numeric(part[cov], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            block, nm = impute_with_indicator(values, cov)
        cols.append(block)
        names.extend(nm)
    x = np.column_stack(cols) if cols else np.empty((len(rows), 0))
    return AnalysisSample(
        site=site,
        rows=rows,
        arm=codes,
        arms=arms,
        blocks=blocks,
        clusters=clusters,
        covariates=x,
        covariate_names=tuple(names),
        seed=seed,
        design_clusters=design_clusters,
        se_type=effective_se_type(config) if clusters is not None else
        config.analysis.standard_errors,
    )


def _combine(frame: pd.DataFrame, columns: list[str]) -> np.ndarray | None:
    if not columns:
        return None
    keys = frame[columns].astype("str").fillna("")
    return keys.groupby(columns, sort=False).ngroup().to_numpy(dtype=np.int64)
