"""Draw a whole simulated trial and write it as a trial folder."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from trustexp._atomic import atomic_dir, check_new_dir
from trustexp._message import text as _t
from trustexp.errors import InputError, OptionError
from trustexp.simulation._panel import draw_monthly
from trustexp.simulation._people import People, as_dates, draw_people
from trustexp.simulation._scenario import (
    ARM_LABELS,
    DEMO_SEED,
    DEMO_SITES,
    Scenario,
)
from trustexp.simulation._survey import draw_survey
from trustexp.simulation._toml import trial_toml

__all__ = ["FILES", "SimulatedTrial", "simulate", "write_trial"]

TABLES = ("monthly", "survey", "takeup")
#: The files of a simulated trial folder, in the formats they are written in.
FILES = ("trial.toml", "participants.csv", "monthly.parquet", "survey.csv", "takeup.csv")
DEMO_NAME = "Vertrouwen in de bijstand (gesimuleerde demo)"


@dataclass(frozen=True)
class SimulatedTrial:
    """A simulated trial: the tables as data frames, the plan, and the planted truth.

    Attributes
    ----------
    trial_toml
        The text of ``trial.toml``.
    participants, monthly, survey, takeup
        The tables as written (``monthly``, ``survey`` and ``takeup`` are None
        when left out through ``tables``).
    effects
        The planted intention-to-treat effects: one row per (arm, quantity)
        with columns ``arm``, ``quantity``, ``effect`` and ``scale``.
    seed
        The seed the trial was drawn from.
    path
        The folder the trial was written to, or None.
    """

    trial_toml: str
    participants: pd.DataFrame
    monthly: pd.DataFrame | None
    survey: pd.DataFrame | None
    takeup: pd.DataFrame | None
    effects: pd.DataFrame
    seed: int
    path: Path | None = None

    def __repr__(self) -> str:
        parts = [f"seed={self.seed}", f"participants={len(self.participants)} rows"]
        for name in ("monthly", "survey", "takeup"):
            frame = getattr(self, name)
            parts.append(f"{name}={'None' if frame is None else f'{len(frame)} rows'}")
        parts.append(f"path={self.path}")
        return f"SimulatedTrial({', '.join(parts)})"

    def write(self, out_dir: str | Path) -> Path:
        """Write the trial into a new (or empty) folder; see :func:`write_trial`."""
        return write_trial(self, out_dir)


def _effect_arrays(people: People, sc: Scenario) -> dict[str, np.ndarray]:
    """Each person's planted effects; intensive guidance works through take-up."""
    names = ("part_time", "exit_to_work", "wellbeing", "self_reliance", "response")
    out = {k: np.zeros(people.n) for k in names}
    for arm in ARM_LABELS:
        mask = people.arm == arm
        if not mask.any():
            continue
        eff = sc.effect(arm)
        scale = people.received[mask] / sc.takeup_rate if arm == "intensive_guidance" else 1.0
        for k in names:
            if k == "response":
                out[k][mask] = getattr(eff, k)  # answering does not depend on take-up
            else:
                out[k][mask] = getattr(eff, k) * scale
    return out


def _planted(arms: Sequence[str], sc: Scenario) -> pd.DataFrame:
    rows = []
    for arm in arms:
        if arm == "control":
            continue
        eff = sc.effect(arm)
        rows += [
            (arm, "part_time_work", eff.part_time, "probability"),
            (arm, "exit_to_work", eff.exit_to_work, "probability"),
            (arm, "wellbeing_latent_t1", eff.wellbeing / 2, "latent SD"),
            (arm, "wellbeing_latent_t2", eff.wellbeing, "latent SD"),
            (arm, "self_reliance_latent_t1", eff.self_reliance / 2, "latent SD"),
            (arm, "self_reliance_latent_t2", eff.self_reliance, "latent SD"),
            (arm, "response", eff.response, "probability"),
        ]
    return pd.DataFrame(rows, columns=["arm", "quantity", "effect", "scale"])


def _check(
    seed: int,
    sites: Mapping[str, int],
    arms: Sequence[str],
    reference: Mapping[str, int],
    tables: Collection[str],
    sc: Scenario,
) -> None:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise OptionError(
            f"The 'seed' parameter of simulate must be an integer >= 0. Got {seed!r} instead."
        )
    if not sites:
        raise OptionError("The 'sites' parameter of simulate must name at least one site.")
    for site, n in sites.items():
        if not isinstance(site, str) or not site.strip():
            raise OptionError(f"Site names must be non-empty text. Got {site!r} instead.")
        if not isinstance(n, (int, np.integer)) or n < len(arms):
            raise OptionError(
                f"Each site needs at least one person per arm ({len(arms)}). "
                f"Got {n!r} for site {site!r} instead."
            )
    unknown = [a for a in arms if a not in ARM_LABELS]
    if unknown or "control" not in arms or len(set(arms)) != len(arms):
        raise OptionError(
            "The 'arms' parameter of simulate must list distinct arms among "
            f"{', '.join(ARM_LABELS)}, including 'control'. Got {tuple(arms)!r} instead."
        )
    for site, r in reference.items():
        if site not in sites or not isinstance(r, (int, np.integer)) or r < 0:
            raise OptionError(
                f"The 'reference' parameter of simulate is invalid for site {site!r}: {r!r}."
            )
    bad = [t for t in tables if t not in TABLES]
    if bad or not ({"monthly", "survey"} & set(tables)):
        raise OptionError(
            "The 'tables' parameter of simulate must list tables among "
            f"{', '.join(TABLES)}, including monthly or survey. Got {tuple(tables)!r} instead."
        )
    if not 0 < sc.takeup_rate <= 1:
        raise OptionError(
            f"Scenario.takeup_rate must be in (0, 1]. Got {sc.takeup_rate!r} instead."
        )
    if sc.follow_up < 2 or sc.months_before < 0:
        raise OptionError("Scenario.follow_up must be >= 2 and months_before >= 0.")


def simulate(
    out_dir: str | Path | None = None,
    *,
    seed: int = DEMO_SEED,
    sites: Mapping[str, int] | None = None,
    arms: Sequence[str] = tuple(ARM_LABELS),
    reference: int | Mapping[str, int] = 60,
    tables: Collection[str] = TABLES,
    name: str | None = None,
    scenario: Scenario | None = None,
) -> SimulatedTrial:
    """Simulate a multi-site trust experiment; see :mod:`trustexp.simulation`.

    Parameters
    ----------
    out_dir
        Folder to write the trial into. It must not exist or be empty; the
        files are written into a temporary folder next to it and renamed into
        place. None: only return the tables.
    seed
        Every random draw starts from ``numpy.random.PCG64(seed)``; the same
        seed gives the same files byte for byte.
    sites
        Randomised participants per site (default: Tilburg 800, Wageningen
        410, Groningen 890).
    arms
        The randomised arms, among ``control``, ``exemption``,
        ``extra_earnings``, ``intensive_guidance``; ``control`` is required.
    reference
        Size of the non-randomised reference group per site (an int for every
        site, or a mapping site -> size); 0 for none.
    tables
        Optional tables to include, among ``monthly``, ``survey`` and
        ``takeup`` (at least one of monthly and survey).
    name
        The trial's name in ``trial.toml``.
    scenario
        Behavioural parameters and planted effects (default :class:`Scenario`).

    Returns
    -------
    SimulatedTrial
        The tables, ``trial.toml`` text and planted effects; ``path`` is the
        folder written, if any.
    """
    sc = scenario if scenario is not None else Scenario()
    sites = dict(DEMO_SITES if sites is None else sites)
    arms = tuple(arms)
    if isinstance(reference, bool):
        raise OptionError(
            f"The 'reference' parameter of simulate must be a size or a mapping. Got {reference!r}."
        )
    if isinstance(reference, (int, np.integer)):
        ref = {s: int(reference) for s in sites}
    else:
        ref = dict(reference)
    tables = (
        tuple(t for t in TABLES if t in set(tables)) if not isinstance(tables, str) else (tables,)
    )
    _check(seed, sites, arms, ref, tables, sc)

    streams = np.random.SeedSequence(int(seed)).spawn(3)
    rng_people, rng_monthly, rng_survey = (np.random.Generator(np.random.PCG64(s)) for s in streams)
    people = draw_people(rng_people, sites, arms, ref, sc)
    effects = _effect_arrays(people, sc)
    monthly = draw_monthly(rng_monthly, people, effects, sc) if "monthly" in tables else None
    survey = draw_survey(rng_survey, people, effects, sc) if "survey" in tables else None
    takeup = None
    if "takeup" in tables and "intensive_guidance" in arms:
        mask = people.randomised
        takeup = pd.DataFrame(
            {
                "person_id": people.person_id[mask].astype(str),
                "received": people.received[mask].astype(np.int64),
                "dose": people.dose[mask].astype(np.int64),
            }
        )
    participants = pd.DataFrame(
        {
            "person_id": people.person_id.astype(str),
            "site": people.site.astype(str),
            "stratum": people.stratum.astype(str),
            "arm": people.arm.astype(str),
            "randomised_on": [d.isoformat() for d in as_dates(people.randomised_on)],
            "age": people.age.astype(np.int64),
            "woman": people.woman.astype(np.int64),
            "months_on_benefit_before": people.months_on_benefit_before.astype(np.int64),
            "education": people.education.astype(np.int64),
            "migration_background": people.migration_background.astype(np.int64),
        }
    )
    if name is None:
        name = DEMO_NAME if sites == dict(DEMO_SITES) else "Gesimuleerd experiment"
    text = trial_toml(
        name=name, arms=arms, reference=any(r > 0 for r in ref.values()), tables=tables, sc=sc
    )
    trial = SimulatedTrial(
        trial_toml=text,
        participants=participants,
        monthly=monthly,
        survey=survey,
        takeup=takeup,
        effects=_planted(arms, sc),
        seed=int(seed),
    )
    if out_dir is not None:
        path = write_trial(trial, out_dir)
        trial = replace(trial, path=path)
    return trial


def write_files(trial: SimulatedTrial, folder: Path) -> list[Path]:
    """Write the trial's files into an existing folder, replacing files of the same name."""
    written = []
    toml_path = folder / "trial.toml"
    toml_path.write_bytes(trial.trial_toml.encode("utf-8"))
    written.append(toml_path)
    for name, frame in (
        ("participants.csv", trial.participants),
        ("survey.csv", trial.survey),
        ("takeup.csv", trial.takeup),
    ):
        if frame is not None:
            path = folder / name
            frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
            written.append(path)
    if trial.monthly is not None:
        path = folder / "monthly.parquet"
        table = pa.Table.from_pandas(trial.monthly, preserve_index=False)
        pq.write_table(table, path, compression="zstd")
        written.append(path)
    return written


def write_trial(trial: SimulatedTrial, out_dir: str | Path) -> Path:
    """Write a simulated trial into ``out_dir`` atomically.

    The folder must not exist, or be empty; its parents are created. Files are
    written into a temporary folder beside it, which is then renamed.

    Raises
    ------
    InputError
        When ``out_dir`` exists and is not an empty folder (exit code 2).
    """
    out = check_new_dir(
        out_dir,
        not_folder=_t("write.simulate_not_folder", path=out_dir),
        not_empty=_t("write.simulate_not_empty", path=out_dir),
    )
    try:
        with atomic_dir(out, parents=True) as tmp:
            write_files(trial, tmp)
    except InputError:
        raise  # the folder could not be created; the message says so
    except OSError as exc:
        raise InputError(f"cannot write the trial into {out}: {exc.strerror or exc}") from exc
    return out
