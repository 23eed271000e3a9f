"""Synthetic stratified multi-arm trial shared by the benchmark scripts.

The trial mimics a pooled Dutch social-assistance trust experiment: a control
arm and three treatment arms randomised with fixed arm counts inside each
stratum (municipality x benefit-duration block), two baseline covariates and a
mix of continuous and binary outcomes with small effects and heteroskedastic
noise. Everything is deterministic given the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["SyntheticTrial", "make_trial"]


@dataclass(frozen=True, slots=True)
class SyntheticTrial:
    """Arrays of one synthetic trial.

    Attributes
    ----------
    y : numpy.ndarray
        Outcomes, shape (n, k), float64, no missing values.
    outcome_names : tuple of str
        Length k.
    binary : tuple of bool
        Length k; True where the outcome is 0/1.
    arm : numpy.ndarray
        Arm codes, shape (n,), int64; 0 is the control arm.
    strata : numpy.ndarray
        Stratum codes, shape (n,), int64, 0..n_strata-1.
    covariates : numpy.ndarray
        Baseline covariates, shape (n, p), float64.
    covariate_names : tuple of str
        Length p.
    n_arms : int
        Number of arms including control.
    """

    y: np.ndarray
    outcome_names: tuple[str, ...]
    binary: tuple[bool, ...]
    arm: np.ndarray
    strata: np.ndarray
    covariates: np.ndarray
    covariate_names: tuple[str, ...]
    n_arms: int

    @property
    def n(self) -> int:
        """Number of participants."""
        return int(self.y.shape[0])

    def frame(self) -> pd.DataFrame:
        """Return the trial as one data frame (one row per participant).

        Columns: ``stratum``, ``arm``, one 0/1 column ``d1``.. per treatment arm,
        the covariates, and the outcomes.
        """
        data = {"stratum": self.strata, "arm": self.arm}
        for k in range(1, self.n_arms):
            data[f"d{k}"] = (self.arm == k).astype(np.float64)
        for j, name in enumerate(self.covariate_names):
            data[name] = self.covariates[:, j]
        for j, name in enumerate(self.outcome_names):
            data[name] = self.y[:, j]
        return pd.DataFrame(data)


def _randomise(strata: np.ndarray, n_arms: int, rng: np.random.Generator) -> np.ndarray:
    """Complete randomisation within strata with (near-)equal arm counts."""
    arm = np.empty(strata.shape[0], dtype=np.int64)
    for s in np.unique(strata):
        rows = np.flatnonzero(strata == s)
        codes = np.arange(rows.size) % n_arms
        arm[rows] = rng.permutation(codes)
    return arm


def make_trial(
    n: int = 10_000,
    *,
    n_arms: int = 4,
    n_strata: int = 20,
    n_continuous: int = 6,
    n_binary: int = 4,
    seed: int = 20171001,
) -> SyntheticTrial:
    """Simulate one stratified multi-arm trial.

    Parameters
    ----------
    n
        Participants.
    n_arms
        Arms including control (code 0).
    n_strata
        Randomisation strata, of unequal sizes.
    n_continuous, n_binary
        Numbers of continuous and binary outcomes.
    seed
        Seed of the generator.

    Returns
    -------
    SyntheticTrial
    """
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.full(n_strata, 8.0))
    strata = np.sort(rng.choice(n_strata, size=n, p=weights))
    strata = np.unique(strata, return_inverse=True)[1].astype(np.int64)
    arm = _randomise(strata, n_arms, rng)

    age = rng.normal(0.0, 1.0, n)
    months_on_benefit = rng.gamma(2.0, 18.0, n)
    covariates = np.column_stack([age, months_on_benefit])
    z = (months_on_benefit - months_on_benefit.mean()) / months_on_benefit.std()

    stratum_effect = rng.normal(0.0, 0.3, n_strata)[strata]
    columns, names, binary = [], [], []
    for j in range(n_continuous):
        tau = np.concatenate([[0.0], rng.normal(0.0, 0.05, n_arms - 1)])
        scale = np.exp(0.3 * age + 0.2 * (arm > 0))  # heteroskedastic, differs by arm
        y = stratum_effect + 0.4 * age - 0.3 * z + tau[arm] + scale * rng.standard_normal(n)
        if j == 0:  # earnings-like: skewed, many zeros
            y = np.maximum(0.0, 150.0 * (y + 0.5)) ** 1.2
        columns.append(y)
        names.append(f"cont{j + 1}")
        binary.append(False)
    for j in range(n_binary):
        tau = np.concatenate([[0.0], rng.normal(0.0, 0.1, n_arms - 1)])
        latent = stratum_effect - 0.5 * z + 0.2 * age + tau[arm] + rng.logistic(0.0, 1.0, n)
        columns.append((latent > 0.8 + 0.4 * j).astype(np.float64))
        names.append(f"bin{j + 1}")
        binary.append(True)

    return SyntheticTrial(
        y=np.column_stack(columns),
        outcome_names=tuple(names),
        binary=tuple(binary),
        arm=arm,
        strata=strata,
        covariates=covariates,
        covariate_names=("age", "months_on_benefit"),
        n_arms=n_arms,
    )
