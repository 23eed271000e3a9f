"""The parameters of a simulated trust experiment, with the demo's defaults.

Every number here is documented in :mod:`trustexp.simulation` and in
``trustexp/demo/README.md``; keep the three in step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "ARM_LABELS",
    "DEFAULT_EFFECTS",
    "DEMO_SEED",
    "DEMO_SITES",
    "ArmEffect",
    "Scenario",
    "SiteProfile",
]

#: The seed of the shipped demo trial (``trustexp/demo/``).
DEMO_SEED = 20170399

#: Randomised participants per site in the demo, after the Tilburg, Wageningen
#: and Groningen trials.
DEMO_SITES: Mapping[str, int] = {"Tilburg": 800, "Wageningen": 410, "Groningen": 890}

#: The arms a simulation can have, with their Dutch labels (the arm id is also its kind).
ARM_LABELS: Mapping[str, str] = {
    "control": "Controlegroep",
    "exemption": "Ontheffing arbeidsverplichtingen",
    "extra_earnings": "Extra vrijlating bijverdiensten",
    "intensive_guidance": "Intensieve begeleiding",
}

REFERENCE_ARM = "reference"
REFERENCE_LABEL = "Niet-deelnemers (afgezien van deelname)"


@dataclass(frozen=True, slots=True)
class ArmEffect:
    """The planted intention-to-treat effects of one arm against control.

    Attributes
    ----------
    part_time
        Change in the probability of part-time work while on benefit (a month
        with ``on_benefit`` = 1, ``employed`` = 1 and ``hours`` >= ``min_hours``)
        in follow-up months 1..``follow_up``; 0.05 is 5 percentage points.
    exit_to_work
        Change in the probability of a full exit to work (off benefit and
        employed) in months 1..``follow_up``.
    wellbeing
        Shift of the latent wellbeing trait at the last survey wave, in units
        of its standard deviation (about 1); half of it at the middle wave.
    self_reliance
        The same for the latent self-reliance trait.
    response
        Change in the probability of answering each follow-up survey wave
        (a positive value: less attrition than in control).
    """

    part_time: float = 0.0
    exit_to_work: float = 0.0
    wellbeing: float = 0.0
    self_reliance: float = 0.0
    response: float = 0.0


#: The demo's planted effects, of the size the trials reported.
DEFAULT_EFFECTS: Mapping[str, ArmEffect] = {
    "control": ArmEffect(),
    "exemption": ArmEffect(wellbeing=0.10, response=0.04),
    "extra_earnings": ArmEffect(part_time=0.05, wellbeing=0.05, response=0.04),
    "intensive_guidance": ArmEffect(
        part_time=0.05, exit_to_work=0.02, wellbeing=0.10, self_reliance=0.10, response=0.04
    ),
}


@dataclass(frozen=True, slots=True)
class SiteProfile:
    """What differs between sites.

    Attributes
    ----------
    start
        First possible randomisation date; dates are spread uniformly over
        ``Scenario.intake_days`` days from here.
    migration_share
        Share of participants with a migration background.
    """

    start: dt.date
    migration_share: float = 0.30


#: Site profiles of the demo; a site not listed gets ``Scenario.default_start``
#: plus one month per earlier site, and a migration share of 0.30.
DEMO_PROFILES: Mapping[str, SiteProfile] = {
    "Tilburg": SiteProfile(dt.date(2017, 10, 2), 0.40),
    "Wageningen": SiteProfile(dt.date(2017, 11, 1), 0.25),
    "Groningen": SiteProfile(dt.date(2018, 1, 8), 0.30),
}


@dataclass(frozen=True, slots=True)
class Scenario:
    """Every behavioural parameter of the simulation (see the module docstring)."""

    effects: Mapping[str, ArmEffect] = field(default_factory=lambda: dict(DEFAULT_EFFECTS))
    profiles: Mapping[str, SiteProfile] = field(default_factory=lambda: dict(DEMO_PROFILES))
    default_start: dt.date = dt.date(2017, 10, 2)
    intake_days: int = 182
    months_before: int = 6
    follow_up: int = 24
    # participants
    age_mean: float = 42.0
    age_sd: float = 10.5
    age_range: tuple[int, int] = (27, 64)
    woman_share: float = 0.55
    benefit_months_median: float = 30.0
    benefit_months_sigma: float = 0.9
    education_shares: tuple[float, float, float] = (0.45, 0.40, 0.15)
    age_cut: int = 40
    duration_cut: int = 24
    reference_shift: float = -0.35
    # monthly panel
    part_time_base: float = 0.22
    exit_base: float = 0.13
    other_exit: float = 0.05
    return_rate: float = 0.25
    spell_mean: float = 8.0
    small_job_share: float = 0.12
    min_hours: int = 52
    short_panel_share: float = 0.015
    after_trial: int = 12
    moved_share: float = 0.06
    # take-up of intensive guidance
    takeup_rate: float = 0.80
    dose_mean: float = 10.0
    # survey
    baseline_response: float = 0.97
    response_control: tuple[float, float] = (0.72, 0.60)
    response_reference: tuple[float, float, float] = (0.90, 0.62, 0.52)
    item_missing: float = 0.03

    def profile(self, site: str, index: int) -> SiteProfile:
        """Return the profile of a site (``index``: its position among the sites)."""
        if site in self.profiles:
            return self.profiles[site]
        start = _add_months(self.default_start, index)
        return SiteProfile(start=start)

    def effect(self, arm: str) -> ArmEffect:
        """Return the planted effects of an arm (none for arms not listed)."""
        return self.effects.get(arm, ArmEffect())


def _add_months(day: dt.date, months: int) -> dt.date:
    k = day.year * 12 + day.month - 1 + months
    return dt.date(k // 12, k % 12 + 1, min(day.day, 28))
