"""Participants: baseline covariates, strata, randomisation and take-up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from trustexp.simulation._scenario import REFERENCE_ARM, Scenario

__all__ = ["People", "draw_people", "site_prefixes"]


@dataclass(frozen=True, slots=True)
class People:
    """Everyone in the simulated trial, one entry per person (arrays of length n).

    ``z`` is the latent employability that drives work, survey response and
    the survey scales; ``received`` is 1 for those who took up intensive
    guidance. Both stay inside the simulation except through take-up.
    """

    person_id: np.ndarray  # str
    site: np.ndarray  # str
    stratum: np.ndarray  # str
    arm: np.ndarray  # str
    randomised_on: np.ndarray  # datetime64[D]
    age: np.ndarray  # int
    woman: np.ndarray  # int 0/1
    months_on_benefit_before: np.ndarray  # int
    education: np.ndarray  # int 1..3
    migration_background: np.ndarray  # int 0/1
    z: np.ndarray  # float
    received: np.ndarray  # int 0/1
    dose: np.ndarray  # int

    @property
    def n(self) -> int:
        """Number of people."""
        return len(self.person_id)

    @property
    def randomised(self) -> np.ndarray:
        """Boolean mask of people who were randomised (not the reference group)."""
        return self.arm != REFERENCE_ARM


def site_prefixes(sites: Sequence[str]) -> dict[str, str]:
    """Give each site a short, unique, upper-case letter prefix for person ids."""
    prefixes: dict[str, str] = {}
    for site in sites:
        letters = "".join(c for c in site.upper() if "A" <= c <= "Z") or "S"
        k = 1
        while letters[:k] in prefixes.values() and k < len(letters):
            k += 1
        prefix = letters[:k]
        i = 2
        while prefix in prefixes.values():
            prefix = f"{letters[:k]}{chr(ord('A') + i)}"
            i += 1
        prefixes[site] = prefix
    return prefixes


def _strata(age: np.ndarray, months: np.ndarray, sc: Scenario) -> np.ndarray:
    age_part = np.where(age < sc.age_cut, f"onder{sc.age_cut}", f"{sc.age_cut}plus")
    dur_part = np.where(months < sc.duration_cut, "kort", "lang")
    return np.char.add(np.char.add(age_part.astype(str), "_"), dur_part.astype(str))


def _randomise(rng: np.random.Generator, stratum: np.ndarray, arms: Sequence[str]) -> np.ndarray:
    """Complete randomisation within strata: fixed arm counts that differ by at most one."""
    k = len(arms)
    out = np.empty(len(stratum), dtype=object)
    for s in sorted(set(stratum.tolist())):
        idx = np.flatnonzero(stratum == s)
        n = len(idx)
        counts = np.full(k, n // k)
        counts[rng.choice(k, size=n % k, replace=False)] += 1
        labels = np.repeat(np.arange(k), counts)
        out[idx] = np.asarray(arms, dtype=object)[rng.permutation(labels)]
    return out


def draw_people(
    rng: np.random.Generator,
    sites: Mapping[str, int],
    arms: Sequence[str],
    reference: Mapping[str, int],
    sc: Scenario,
) -> People:
    """Draw the participants of every site, randomise them and record take-up."""
    prefixes = site_prefixes(list(sites))
    parts: list[dict[str, np.ndarray]] = []
    for index, (site, n) in enumerate(sites.items()):
        r = reference.get(site, 0)
        m = n + r
        ref = np.arange(m) >= n
        profile = sc.profile(site, index)

        lo, hi = sc.age_range
        age = np.clip(np.rint(rng.normal(sc.age_mean + 3.0 * ref, sc.age_sd)), lo, hi).astype(int)
        woman = (rng.random(m) < sc.woman_share).astype(int)
        log_median = np.log(sc.benefit_months_median) + 0.45 * ref
        months = np.exp(rng.normal(log_median, sc.benefit_months_sigma))
        months = np.clip(np.rint(months), 1, 360).astype(int)
        shares = np.asarray(sc.education_shares, dtype=float)
        u = rng.random(m)
        edu_ref = np.where(ref, 0.08, 0.0)  # the reference group has less education
        education = 1 + (u > shares[0] + edu_ref) + (u > shares[0] + shares[1] + edu_ref / 2)
        migration = (rng.random(m) < profile.migration_share).astype(int)
        day = rng.integers(0, sc.intake_days, size=m)
        dates = np.datetime64(profile.start, "D") + day.astype("timedelta64[D]")

        z = (
            -0.035 * (age - sc.age_mean)
            + 0.35 * (education - 2)
            - 0.25 * np.log(months / sc.benefit_months_median)
            - 0.15 * migration
            + rng.normal(0.0, 0.8, size=m)
            + sc.reference_shift * ref
        )
        stratum = _strata(age, months, sc)
        arm = np.full(m, REFERENCE_ARM, dtype=object)
        arm[:n] = _randomise(rng, stratum[:n], arms)

        # ids in order of intake date, so that an id tells nothing about the arm
        order = np.lexsort((rng.random(m), dates))
        width = max(4, len(str(m)))
        ids = np.empty(m, dtype=object)
        ids[order] = [f"{prefixes[site]}{i + 1:0{width}d}" for i in range(m)]

        parts.append(
            {
                "person_id": ids,
                "site": np.full(m, site, dtype=object),
                "stratum": stratum.astype(object),
                "arm": arm,
                "randomised_on": dates,
                "age": age,
                "woman": woman,
                "months_on_benefit_before": months,
                "education": education.astype(int),
                "migration_background": migration,
                "z": z,
            }
        )
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.argsort(cols["person_id"].astype(str), kind="stable")
    cols = {k: v[order] for k, v in cols.items()}

    received, dose = _takeup(rng, cols["arm"], sc)
    return People(**cols, received=received, dose=dose)


def _takeup(
    rng: np.random.Generator, arm: np.ndarray, sc: Scenario
) -> tuple[np.ndarray, np.ndarray]:
    """Take-up of intensive guidance: received with probability ``takeup_rate``; dose in meetings."""
    n = len(arm)
    offered = arm == "intensive_guidance"
    received = (offered & (rng.random(n) < sc.takeup_rate)).astype(int)
    rate = rng.gamma(3.0, (sc.dose_mean - 1.0) / 3.0, size=n)
    dose = np.where(received == 1, 1 + rng.poisson(rate), 0).astype(int)
    return received, dose


def as_dates(values: np.ndarray) -> list[dt.date]:
    """Convert ``datetime64[D]`` values to :class:`datetime.date`."""
    return values.astype("datetime64[D]").astype(object).tolist()
