"""The design and analysis plan of a trial, as declared in ``trial.toml``.

The classes here are immutable records built from an already validated
``trial.toml`` (see :mod:`trustexp.validation` for the checks, which read
``data_schemas/trial.schema.json``). :meth:`TrialConfig.from_dict` fills in the
contract's defaults, so that every later layer reads one complete plan.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args

from trustexp.measures import MEASURES as _MEASURE_SPECS

__all__ = [
    "MEASURES",
    "Analysis",
    "Arm",
    "ArmKind",
    "Outcome",
    "Randomisation",
    "Scale",
    "Takeup",
    "TrialConfig",
]

ArmKind = Literal[
    "control", "exemption", "extra_earnings", "intensive_guidance", "combined", "other", "reference"
]
OutcomeType = Literal["continuous", "binary", "count", "duration"]
OutcomeSource = Literal["participants", "monthly", "survey"]
Adjustment = Literal["additive", "lin"]
SeType = Literal["HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"]
MultipleTesting = Literal["holm", "bh", "romano-wolf", "none"]
Language = Literal["nl", "en"]

ARM_KINDS: tuple[str, ...] = get_args(ArmKind)
TABLES: tuple[str, ...] = ("participants", "monthly", "survey", "takeup")

#: The measures derived from the monthly panel, with their outcome type.
MEASURES: dict[str, OutcomeType] = {
    name: m.type for name, m in _MEASURE_SPECS.items()  # type: ignore[misc]
}

DEFAULT_SEED = 20171001
DEFAULT_MIN_CELL = 10


@dataclass(frozen=True, slots=True)
class Arm:
    """One arm of the trial.

    Attributes
    ----------
    id
        The arm id used in the ``arm`` column of participants.
    label
        The human-readable name shown in reports.
    kind
        One of the contract's arm kinds; ``reference`` arms are not randomised
        and never enter an estimate.
    """

    id: str
    label: str
    kind: ArmKind

    @property
    def randomised(self) -> bool:
        """Whether the arm was part of the randomisation."""
        return self.kind != "reference"


@dataclass(frozen=True, slots=True)
class Scale:
    """A survey scale: the mean of its items after reverse coding."""

    id: str
    items: tuple[str, ...]
    range: tuple[float, float]
    reverse: tuple[str, ...] = ()
    min_items: int | None = None
    label: str | None = None

    @property
    def required_items(self) -> int:
        """How many answered items a score needs (default: half, rounded up)."""
        if self.min_items is not None:
            return self.min_items
        return math.ceil(len(self.items) / 2)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One declared outcome.

    Exactly one of ``column`` (a column of participants or survey), ``measure``
    (a monthly measure) or ``scale`` (a survey scale) defines it.
    """

    id: str
    source: OutcomeSource
    type: OutcomeType
    family: str
    column: str | None = None
    measure: str | None = None
    window_months: int | None = None
    window: tuple[int, int] | None = None
    min_hours: float | None = None
    scale: str | None = None
    wave: int | None = None
    primary: bool = False
    label: str | None = None

    @property
    def display_label(self) -> str:
        """The label to show, falling back on the id."""
        return self.label or self.id


@dataclass(frozen=True, slots=True)
class Takeup:
    """Which take-up column measures receipt of an arm's offer."""

    arm: str
    column: str


@dataclass(frozen=True, slots=True)
class Randomisation:
    """The randomisation design: strata columns and an optional cluster column."""

    strata: tuple[str, ...] = ()
    cluster: str | None = None


@dataclass(frozen=True, slots=True)
class Analysis:
    """The analysis plan, with the contract's defaults filled in."""

    covariates: tuple[str, ...] = ()
    adjustment: Adjustment = "additive"
    standard_errors: SeType = "HC2"
    alpha: float = 0.05
    multiple_testing: MultipleTesting = "holm"
    seed: int = DEFAULT_SEED
    permutations: int = 0
    min_cell: int = DEFAULT_MIN_CELL


@dataclass(frozen=True, slots=True)
class TrialConfig:
    """The whole of ``trial.toml``, complete with defaults.

    Attributes
    ----------
    directory
        The trial folder; relative ``[data]`` paths are resolved against it.
    data
        Table name to file path (absolute), for tables that ``[data]`` points
        elsewhere. Tables not listed are found by base name in ``directory``.
    registry, registered_on, authors
        ``[trial]`` metadata: the trial registry id, the date of registration
        (ISO text) and the authors.
    raw
        The parsed ``trial.toml`` (read-only), for the modules that read a
        section of their own (``[pooling]``, ``[design]``, ``[[subgroups]]``),
        each in one place, after the JSON Schema has checked it.
    """

    name: str
    control_arm: str
    arms: tuple[Arm, ...]
    outcomes: tuple[Outcome, ...]
    language: Language = "nl"
    randomisation: Randomisation = field(default_factory=Randomisation)
    analysis: Analysis = field(default_factory=Analysis)
    scales: tuple[Scale, ...] = ()
    takeup: tuple[Takeup, ...] = ()
    data: Mapping[str, Path] = field(default_factory=dict)
    directory: Path = field(default_factory=Path)
    registry: str | None = None
    registered_on: str | None = None
    authors: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # -- derived views -------------------------------------------------------
    @property
    def arm_ids(self) -> tuple[str, ...]:
        """All declared arm ids, in declaration order."""
        return tuple(a.id for a in self.arms)

    @property
    def randomised_arms(self) -> tuple[Arm, ...]:
        """Arms that took part in the randomisation (control first)."""
        arms = [a for a in self.arms if a.randomised]
        arms.sort(key=lambda a: a.id != self.control_arm)
        return tuple(arms)

    @property
    def treatment_arms(self) -> tuple[Arm, ...]:
        """Randomised arms other than control, in declaration order."""
        return tuple(a for a in self.randomised_arms if a.id != self.control_arm)

    @property
    def reference_arms(self) -> tuple[Arm, ...]:
        """Non-randomised reference groups."""
        return tuple(a for a in self.arms if not a.randomised)

    def arm(self, arm_id: str) -> Arm:
        """Return the arm with this id."""
        for a in self.arms:
            if a.id == arm_id:
                return a
        raise KeyError(arm_id)

    def scale(self, scale_id: str) -> Scale:
        """Return the scale with this id."""
        for s in self.scales:
            if s.id == scale_id:
                return s
        raise KeyError(scale_id)

    @property
    def families(self) -> dict[str, tuple[Outcome, ...]]:
        """Outcomes grouped by family, in declaration order."""
        out: dict[str, list[Outcome]] = {}
        for o in self.outcomes:
            out.setdefault(o.family, []).append(o)
        return {k: tuple(v) for k, v in out.items()}

    @property
    def strata(self) -> tuple[str, ...]:
        """The strata columns of the randomisation."""
        return self.randomisation.strata

    @property
    def cluster(self) -> str | None:
        """The cluster column, if the unit randomised is a group."""
        return self.randomisation.cluster

    # -- construction --------------------------------------------------------
    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], directory: Path | str = ".") -> TrialConfig:
        """Build the plan from a parsed ``trial.toml`` that has passed validation.

        Parameters
        ----------
        raw
            The parsed TOML document.
        directory
            The trial folder.
        """
        directory = Path(directory)
        trial = raw["trial"]
        control = str(trial["control_arm"])
        arms = tuple(_arm(k, v, control) for k, v in raw["arms"].items())

        rnd = raw.get("randomisation", {})
        cluster = rnd.get("cluster")
        randomisation = Randomisation(strata=tuple(rnd.get("strata", ())), cluster=cluster)

        an = dict(raw.get("analysis", {}))
        default_se = "CR2" if cluster else "HC2"
        analysis = Analysis(
            covariates=tuple(an.get("covariates", ())),
            adjustment=an.get("adjustment", "additive"),
            standard_errors=an.get("standard_errors", default_se),
            alpha=float(an.get("alpha", 0.05)),
            multiple_testing=an.get("multiple_testing", "holm"),
            seed=int(an.get("seed", DEFAULT_SEED)),
            permutations=int(an.get("permutations", 0)),
            min_cell=int(an.get("min_cell", DEFAULT_MIN_CELL)),
        )
        scales = tuple(_scale(s) for s in raw.get("scales", ()))
        outcomes = tuple(_outcome(o) for o in raw.get("outcomes", ()))
        takeup = tuple(Takeup(arm=t["arm"], column=t["column"]) for t in raw.get("takeup", ()))
        data = {k: (directory / v).resolve() for k, v in raw.get("data", {}).items()}
        return cls(
            name=str(trial["name"]),
            control_arm=control,
            arms=arms,
            outcomes=outcomes,
            language=trial.get("language", "nl"),
            randomisation=randomisation,
            analysis=analysis,
            scales=scales,
            takeup=takeup,
            data=data,
            directory=directory,
            registry=None if trial.get("registry") is None else str(trial["registry"]),
            registered_on=(None if trial.get("registered_on") is None
                           else str(trial["registered_on"])),
            authors=tuple(str(a) for a in trial.get("authors", ())),
            raw=_frozen(raw),
        )


def _frozen(value: Any) -> Any:
    """A read-only deep copy of a parsed TOML value (tables as mapping proxies, arrays as tuples)."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): _frozen(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def _arm(arm_id: str, value: Any, control: str) -> Arm:
    if isinstance(value, str):
        kind = "control" if arm_id == control else "other"
        return Arm(id=arm_id, label=value, kind=kind)
    kind = value.get("kind") or ("control" if arm_id == control else "other")
    return Arm(id=arm_id, label=str(value.get("label", arm_id)), kind=kind)


def _scale(s: Mapping[str, Any]) -> Scale:
    lo, hi = s["range"]
    return Scale(
        id=s["id"],
        items=tuple(s["items"]),
        range=(float(lo), float(hi)),
        reverse=tuple(s.get("reverse", ())),
        min_items=s.get("min_items"),
        label=s.get("label"),
    )


def _outcome(o: Mapping[str, Any]) -> Outcome:
    if "measure" in o:
        source = o.get("source", "monthly")
        otype = o.get("type", MEASURES.get(o["measure"], "continuous"))
    elif "scale" in o:
        source = o.get("source", "survey")
        otype = o.get("type", "continuous")
    else:
        source = o.get("source", "participants")
        otype = o.get("type", "continuous")
    return Outcome(
        id=o["id"],
        source=source,
        type=otype,
        family=o.get("family", o["id"]),
        column=o.get("column"),
        measure=o.get("measure"),
        window_months=o.get("window_months"),
        window=tuple(int(m) for m in o["window"]) if o.get("window") else None,  # type: ignore[arg-type]
        min_hours=o.get("min_hours"),
        scale=o.get("scale"),
        wave=o.get("wave"),
        primary=bool(o.get("primary", False)),
        label=o.get("label"),
    )
