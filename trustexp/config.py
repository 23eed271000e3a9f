"""The design and analysis plan of a trial, as declared in ``trial.toml``: the one parser.

Every reader of ``trial.toml`` goes through :meth:`TrialConfig.from_dict`: the
analysis reads the complete plan it returns, and the validator
(:mod:`trustexp.validation`) derives the plan of its table checks from the same
parse (``lenient=True``, on the document with the parts that failed the JSON
Schema pruned away).

One place per key: each top-level table of ``trial.toml`` has one function
here (``_trial``, ``_arms``, ``_randomisation``, ``_analysis``, ``_outcome``,
``_scale``, ``_takeup``, ``_columns``, ``_families``, ``_labels``), registered
in :data:`_SECTIONS`. A new key is read in its section's function and declared
in ``data_schemas/trial.schema.json``; nothing else parses the file.

Labels (of arms, outcomes, scales, families and covariates) may be a string or
a table ``{ nl = "...", en = "..." }`` (contract v1.1); :class:`Label` keeps
both and :meth:`Label.text` picks one language, falling back on the other.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from trustexp.literals import (
    ARM_KINDS,
    LANGUAGES,
    TABLES,
    Adjustment,
    ArmKind,
    Language,
    MultipleTesting,
    OutcomeSource,
    OutcomeType,
    SeType,
)
from trustexp.measures import MEASURES as _MEASURE_SPECS

__all__ = [
    "ARM_KINDS",
    "LANGUAGES",
    "TABLES",
    "MEASURES",
    "Analysis",
    "Arm",
    "ArmKind",
    "Label",
    "Outcome",
    "Randomisation",
    "Scale",
    "Takeup",
    "TrialConfig",
]

#: The measures derived from the monthly panel, with their outcome type.
MEASURES: dict[str, OutcomeType] = {
    name: m.type for name, m in _MEASURE_SPECS.items()  # type: ignore[misc]
}

#: The cluster-robust counterpart of each standard-error type.
_CLUSTERED: dict[str, SeType] = {"HC0": "CR0", "HC1": "CR1", "HC2": "CR2", "HC3": "CR2"}

DEFAULT_SEED = 20171001
DEFAULT_MIN_CELL = 10


@dataclass(frozen=True, slots=True)
class Label:
    """A label in one or two languages.

    Attributes
    ----------
    texts
        ``(language, text)`` pairs; a plain string label is stored under the
        language ``"*"`` (valid in every language).
    """

    texts: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, value: Any) -> Label | None:
        """A label from ``trial.toml``: a string or ``{nl = ..., en = ...}``; None if neither."""
        if isinstance(value, str):
            return cls((("*", value),))
        if isinstance(value, Mapping):
            pairs = tuple((str(k), v) for k, v in value.items() if k in LANGUAGES and isinstance(v, str))
            return cls(pairs) if pairs else None
        return None

    def text(self, lang: str) -> str | None:
        """The label in ``lang``; else the other language's; None if empty."""
        texts = dict(self.texts)
        for key in (lang, "*", *LANGUAGES):
            if key in texts:
                return texts[key]
        return None

    def __bool__(self) -> bool:
        return bool(self.texts)


def _label_in(labels: Label, lang: str, label: str | None, ident: str) -> str:
    """A label in ``lang``: its own text there, else the label in the trial's language, else the other one."""
    own = dict(labels.texts).get(lang)
    return own or label or labels.text(lang) or ident


@dataclass(frozen=True, slots=True)
class Arm:
    """One arm of the trial.

    Attributes
    ----------
    id
        The arm id used in the ``arm`` column of participants.
    label
        The human-readable name shown in reports (in the trial's language).
    kind
        One of the contract's arm kinds; ``reference`` arms are not randomised
        and never enter an estimate.
    code
        The value the export uses for this arm (``code = 2``), as text; or None.
    labels
        The label in both languages where declared.
    """

    id: str
    label: str
    kind: ArmKind
    code: str | None = None
    labels: Label = field(default_factory=Label)

    @property
    def randomised(self) -> bool:
        """Whether the arm was part of the randomisation."""
        return self.kind != "reference"

    def label_in(self, lang: str) -> str:
        """The label in ``lang`` (falling back on the other language, then the id)."""
        return _label_in(self.labels, lang, self.label, self.id)


@dataclass(frozen=True, slots=True)
class Scale:
    """A survey scale: the mean of its items after reverse coding."""

    id: str
    items: tuple[str, ...]
    range: tuple[float, float]
    reverse: tuple[str, ...] = ()
    min_items: int | None = None
    label: str | None = None
    labels: Label = field(default_factory=Label)

    @property
    def required_items(self) -> int:
        """How many answered items a score needs (default: half, rounded up)."""
        if self.min_items is not None:
            return self.min_items
        return math.ceil(len(self.items) / 2)

    def label_in(self, lang: str) -> str:
        """The label in ``lang`` (falling back on the other language, then the id)."""
        return _label_in(self.labels, lang, self.label, self.id)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One declared outcome.

    Exactly one of ``column`` (a column of participants or survey), ``measure``
    (a monthly measure) or ``scale`` (a survey scale) defines it. ``window`` is
    the follow-up months ``(A, B)`` of a monthly measure: ``window = [A, B]``
    or ``window_months = W`` (which means ``(1, W)``).
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
    labels: Label = field(default_factory=Label)

    @property
    def display_label(self) -> str:
        """The label to show, falling back on the id."""
        return self.label or self.id

    def label_in(self, lang: str) -> str:
        """The label in ``lang`` (falling back on the other language, then the id)."""
        return _label_in(self.labels, lang, self.label, self.id)


@dataclass(frozen=True, slots=True)
class Takeup:
    """Which take-up column measures receipt of an arm's offer."""

    arm: str
    column: str


@dataclass(frozen=True, slots=True)
class Randomisation:
    """The randomisation design: strata columns, an optional cluster column, the allocation."""

    strata: tuple[str, ...] = ()
    cluster: str | None = None
    allocation: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Analysis:
    """The analysis plan, with the contract's defaults filled in.

    ``cluster`` clusters the standard errors only (contract v1.1); it need not
    be the unit randomised. ``categorical`` covariates enter as indicators.
    """

    covariates: tuple[str, ...] = ()
    adjustment: Adjustment = "additive"
    standard_errors: SeType = "HC2"
    alpha: float = 0.05
    multiple_testing: MultipleTesting = "holm"
    seed: int = DEFAULT_SEED
    permutations: int = 0
    min_cell: int = DEFAULT_MIN_CELL
    cluster: str | None = None
    categorical: tuple[str, ...] = ()


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
    sources
        The ``[data]`` paths as written (relative to the folder).
    columns
        ``[columns.<table>]``: table to (contract name to the export's column).
    families
        ``[families]``: family id to its label.
    labels
        ``[labels]``: column (covariate) to its label.
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
    sources: Mapping[str, str] = field(default_factory=dict)
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    families_labels: Mapping[str, Label] = field(default_factory=dict)
    labels: Mapping[str, Label] = field(default_factory=dict)
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

    def family_label(self, family: str, lang: str | None = None) -> str:
        """The label of a family in ``lang`` (default: the trial's), else its id."""
        label = self.families_labels.get(family)
        return (label.text(lang or self.language) if label else None) or family

    def column_label(self, column: str, lang: str | None = None) -> str:
        """The ``[labels]`` label of a column (a covariate) in ``lang``, else its name."""
        label = self.labels.get(column)
        return (label.text(lang or self.language) if label else None) or column

    @property
    def strata(self) -> tuple[str, ...]:
        """The strata columns of the randomisation."""
        return self.randomisation.strata

    @property
    def cluster(self) -> str | None:
        """The cluster column of the unit randomised (``[randomisation] cluster``), if any."""
        return self.randomisation.cluster

    @property
    def se_type(self) -> SeType:
        """The standard errors used: ``[analysis] standard_errors`` (the declared ones) made
        cluster-robust when standard errors are clustered (HC0 -> CR0, HC1 -> CR1, HC2 and
        HC3 -> CR2)."""
        declared = self.analysis.standard_errors
        if self.se_cluster is not None:
            return _CLUSTERED.get(declared, declared)
        return declared

    @property
    def se_cluster(self) -> str | None:
        """The column the standard errors are clustered by: ``[analysis] cluster``, else the randomised cluster."""
        return self.analysis.cluster or self.randomisation.cluster

    # -- construction --------------------------------------------------------
    @classmethod
    def from_dict(
        cls, raw: Mapping[str, Any], directory: Path | str = ".", *, lenient: bool = False
    ) -> TrialConfig:
        """Build the plan from a parsed ``trial.toml``.

        Parameters
        ----------
        raw
            The parsed TOML document (validated, or with its failing parts
            pruned when ``lenient``).
        directory
            The trial folder.
        lenient
            Read as much as is there: missing or mistyped parts get their
            defaults (empty name, no arms, ...) instead of raising. The
            validator reads its plan this way.

        Raises
        ------
        KeyError, TypeError, ValueError
            Without ``lenient``, when a required part is missing or mistyped
            (the document did not pass validation).
        """
        directory = Path(directory)
        doc = raw if isinstance(raw, Mapping) else {}
        if not lenient:
            _strict_requirements(doc)
        parts: dict[str, Any] = {"directory": directory}
        for key, read in _SECTIONS.items():
            parts.update(read(_section(doc, key), doc, directory))
        parts["raw"] = _frozen(doc)
        return cls(**parts)


def _frozen(value: Any) -> Any:
    """A read-only deep copy of a parsed TOML value (tables as mapping proxies, arrays as tuples)."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): _frozen(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


# -- one function per top-level table -------------------------------------------
def _section(doc: Mapping[str, Any], key: str) -> Any:
    return doc.get(key)


def _strict_requirements(doc: Mapping[str, Any]) -> None:
    trial = doc["trial"]
    str(trial["name"])
    str(trial["control_arm"])
    doc["arms"].items()


def _table(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [x for x in value if isinstance(x, Mapping)] if isinstance(value, list) else []


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(x for x in value if isinstance(x, str)) if isinstance(value, list) else ()


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _trial(section: Any, doc: Mapping[str, Any], directory: Path) -> dict[str, Any]:
    t = _table(section)
    lang = t.get("language")
    authors = t.get("authors")
    return {
        "name": str(t.get("name", "")),
        "control_arm": str(t.get("control_arm", "")),
        "language": lang if lang in LANGUAGES else "nl",
        "registry": None if t.get("registry") is None else str(t["registry"]),
        "registered_on": None if t.get("registered_on") is None else str(t["registered_on"]),
        "authors": tuple(str(a) for a in authors) if isinstance(authors, list) else (),
    }


def _arms(section: Any, doc: Mapping[str, Any], directory: Path) -> dict[str, Any]:
    control = str(_table(doc.get("trial")).get("control_arm", ""))
    lang = _trial(doc.get("trial"), doc, directory)["language"]
    arms = []
    for arm_id, value in _table(section).items():
        default: ArmKind = "control" if arm_id == control else "other"
        if isinstance(value, str):
            label = Label.parse(value) or Label()
            arms.append(Arm(id=str(arm_id), label=value, kind=default, labels=label))
        elif isinstance(value, Mapping):
            label = Label.parse(value.get("label")) or Label()
            declared = value.get("kind")
            kind: ArmKind = declared if declared in ARM_KINDS else default
            code = value.get("code")
            code_text = None if code is None or isinstance(code, bool) else _code_text(code)
            arms.append(
                Arm(id=str(arm_id), label=label.text(lang) or str(arm_id), kind=kind,
                    code=code_text, labels=label)
            )
    return {"arms": tuple(arms)}


def _code_text(code: Any) -> str:
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


def _randomisation(section: Any, doc: Mapping[str, Any], directory: Path) -> dict[str, Any]:
    r = _table(section)
    allocation = {
        str(k): float(v)
        for k, v in _table(r.get("allocation")).items()
        if isinstance(v, int | float) and not isinstance(v, bool) and v > 0
    }
    return {
        "randomisation": Randomisation(
            strata=_strings(r.get("strata")), cluster=_opt_str(r.get("cluster")), allocation=allocation
        )
    }


def _analysis(section: Any, doc: Mapping[str, Any], directory: Path) -> dict[str, Any]:
    an = _table(section)
    clustered = _opt_str(_table(doc.get("randomisation")).get("cluster")) or _opt_str(an.get("cluster"))

    def number(key: str, default: Any, kind: Callable[[Any], Any]) -> Any:
        v = an.get(key, default)
        return kind(v) if isinstance(v, int | float) and not isinstance(v, bool) else default

    return {
        "analysis": Analysis(
            covariates=_strings(an.get("covariates")),
            adjustment=an.get("adjustment", "additive"),
            standard_errors=an.get("standard_errors", "CR2" if clustered else "HC2"),
            alpha=number("alpha", 0.05, float),
            multiple_testing=an.get("multiple_testing", "holm"),
            seed=number("seed", DEFAULT_SEED, int),
            permutations=number("permutations", 0, int),
            min_cell=number("min_cell", DEFAULT_MIN_CELL, int),
            cluster=_opt_str(an.get("cluster")),
            categorical=_strings(an.get("categorical")),
        )
    }


def _scales(section: Any, doc: Mapping[str, Any], directory: Path) -> dict[str, Any]:
    out = []
    for s in _items(section):
        rng = s.get("range")
        if not (isinstance(s.get("id"), str) and isinstance(rng, list) and len(rng) == 2):
            continue
        if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in rng):
            continue
        label = Label.parse(s.get("label")) or Label()
        lang = _trial(doc.get("trial"), doc, directory)["language"]
        min_items = s.get("min_items")
        out.append(
            Scale(
                id=s["id"],
                items=_strings(s.get("items")),
                range=(float(rng[0]), float(rng[1])),
                reverse=_strings(s.get("reverse")),
                min_items=min_items if isinstance(min_items, int) and not isinstance(min_items, bool) else None,
                label=label.text(lang),
                labels=label,
            )
        )
    return {"scales": tuple(out)}


def _outcomes(section: Any, doc: Mapping[str, Any], directory: Path) -> dict[str, Any]:
    lang = _trial(doc.get("trial"), doc, directory)["language"]
    return {"outcomes": tuple(_outcome(o, lang) for o in _items(section))}


def _outcome(o: Mapping[str, Any], lang: str) -> Outcome:
    if "measure" in o:
        source = o.get("source", "monthly")
        otype = o.get("type", MEASURES.get(str(o["measure"]), "continuous"))
    elif "scale" in o:
        source = o.get("source", "survey")
        otype = o.get("type", "continuous")
    else:
        source = o.get("source", "participants")
        otype = o.get("type", "continuous")
    ident = str(o.get("id", "?"))
    w = o.get("window_months")
    w = w if isinstance(w, int) and not isinstance(w, bool) else None
    win = o.get("window")
    window: tuple[int, int] | None = None
    if isinstance(win, list) and len(win) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in win):
        window = (int(win[0]), int(win[1]))
    elif w is not None:
        window = (1, w)
    label = Label.parse(o.get("label")) or Label()
    wave = o.get("wave")
    return Outcome(
        id=ident,
        source=source,
        type=otype,
        family=str(o.get("family", ident)),
        column=_opt_str(o.get("column")),
        measure=_opt_str(o.get("measure")),
        window_months=w if w is not None else (window[1] if window and window[0] == 1 else None),
        min_hours=o.get("min_hours") if isinstance(o.get("min_hours"), int | float) else None,
        scale=_opt_str(o.get("scale")),
        wave=wave if isinstance(wave, int) and not isinstance(wave, bool) else None,
        primary=bool(o.get("primary", False)),
        label=label.text(lang),
        window=window,
        labels=label,
    )


def _takeup(section: Any, doc: Mapping[str, Any], directory: Path) -> dict[str, Any]:
    return {
        "takeup": tuple(
            Takeup(arm=t["arm"], column=t["column"])
            for t in _items(section)
            if isinstance(t.get("arm"), str) and isinstance(t.get("column"), str)
        )
    }


def _data(section: Any, doc: Mapping[str, Any], directory: Path) -> dict[str, Any]:
    sources = {str(k): v for k, v in _table(section).items() if isinstance(v, str)}
    return {
        "sources": MappingProxyType(sources),
        "data": {k: _resolved(directory / v) for k, v in sources.items()},
    }


def _resolved(path: Path) -> Path:
    """The absolute path; as given when it cannot be resolved (a NUL byte, a loop): the
    reader then refuses it with a message."""
    try:
        return path.resolve()
    except (ValueError, OSError, RuntimeError):
        return path


def _columns(section: Any, doc: Mapping[str, Any], directory: Path) -> dict[str, Any]:
    out = {}
    for table, mapping in _table(section).items():
        if isinstance(mapping, Mapping):
            out[str(table)] = MappingProxyType(
                {str(k): v for k, v in mapping.items() if isinstance(v, str) and v}
            )
    return {"columns": MappingProxyType(out)}


def _families(section: Any, doc: Mapping[str, Any], directory: Path) -> dict[str, Any]:
    out = {}
    for fam, spec in _table(section).items():
        label = Label.parse(_table(spec).get("label"))
        if label:
            out[str(fam)] = label
    return {"families_labels": MappingProxyType(out)}


def _labels(section: Any, doc: Mapping[str, Any], directory: Path) -> dict[str, Any]:
    out = {}
    for column, value in _table(section).items():
        label = Label.parse(value)
        if label:
            out[str(column)] = label
    return {"labels": MappingProxyType(out)}


#: The reader of each top-level table of ``trial.toml``: one place per key.
_SECTIONS: dict[str, Callable[[Any, Mapping[str, Any], Path], dict[str, Any]]] = {
    "trial": _trial,
    "arms": _arms,
    "randomisation": _randomisation,
    "analysis": _analysis,
    "outcomes": _outcomes,
    "scales": _scales,
    "takeup": _takeup,
    "data": _data,
    "columns": _columns,
    "families": _families,
    "labels": _labels,
}
