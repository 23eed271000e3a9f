"""The frame registry: every result frame of an evaluation, declared once.

A *frame* is one tidy table of results (``effects``, ``balance``, ``flow``,
...). Each is declared once, in the module that builds it, by
:func:`register`:

>>> register(FrameSpec(                                     # doctest: +SKIP
...     name="flow",
...     doc="Randomised, analysed and missing per outcome and arm.",
...     columns=(key("site"), key("arm"), key("outcome"),
...              count("n_randomised"), count("n_analysed"), count("n_missing")),
...     build=build_flow,
...     facts=flow_facts,
... ))

From the declarations come :class:`~trustexp.evaluation.Evaluation`'s
accessors, the results JSON and CSV, the exports and the report's tables, and
the disclosure gate (:mod:`trustexp.disclosure`) reads from them which columns
count people and which groups of people every statistic describes. Adding a
frame therefore touches its module (builder, declaration), its report section
and its texts, nothing else.

Facts
    The gate reasons about *facts*: a group of people (``kind``, ``site``,
    ``arm`` and a ``detail`` such as the outcome) whose size, or whose sum of a
    person-level value, a released number would reveal. A frame's ``facts``
    function says, for every row, which fact each count column publishes
    (:attr:`FrameFacts.cells`) and which facts the row's statistics rest on
    (:attr:`FrameFacts.rests`); it also gives the sizes of facts that no count
    column shows (events of a binary outcome, sums of euros) and the linear
    relations between facts (a total is the sum of its parts), from which a
    withheld number could be recovered by subtraction.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from trustexp.analysis.samples import AnalysisSample
    from trustexp.config import TrialConfig
    from trustexp.trial import Trial

__all__ = [
    "Column",
    "ColumnRole",
    "Fact",
    "FrameFacts",
    "FrameSpec",
    "Inputs",
    "Relation",
    "count",
    "frame_specs",
    "infer_columns",
    "key",
    "label",
    "register",
    "statistic",
    "typed_frame",
]

#: What a column holds. ``key`` columns identify a row (site, outcome, arm, ...);
#: ``count`` columns count people; ``statistic`` columns are computed from the
#: people of the row's groups (estimates, means, tests, dates); ``label`` and
#: ``meta`` columns describe the row (labels, method names, flags).
ColumnRole = Literal["key", "count", "statistic", "label", "meta"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a frame.

    Attributes
    ----------
    name
        The column's name (also the key of the results JSON).
    dtype
        Its pandas dtype: ``"str"``, ``"float64"``, ``"int64"`` or ``"bool"``.
    role
        See :data:`ColumnRole`.
    doc
        One line for the documentation.
    """

    name: str
    dtype: str
    role: ColumnRole
    doc: str = ""


def key(name: str, doc: str = "", dtype: str = "str") -> Column:
    """A column that identifies the row."""
    return Column(name, dtype, "key", doc)


def count(name: str, doc: str = "") -> Column:
    """A count of people."""
    return Column(name, "int64", "count", doc)


def statistic(name: str, doc: str = "", dtype: str = "float64") -> Column:
    """A number computed from the row's groups of people."""
    return Column(name, dtype, "statistic", doc)


def label(name: str, doc: str = "", dtype: str = "str") -> Column:
    """A description of the row (a label, a method, a flag): never about people."""
    return Column(name, dtype, "meta" if dtype != "str" else "label", doc)


@dataclass(frozen=True, slots=True, order=True)
class Fact:
    """A group of people, or a sum of a person-level value over them.

    ``kind`` names what the group is (``"randomised"``, ``"analysed"``,
    ``"events"``, ``"sum"`` ...), ``site`` is ``"all"`` for the pooled
    analysis, ``arm`` the arm id (``"*"`` for every arm together), and
    ``detail`` what else defines it (an outcome id, a wave, a month).
    """

    kind: str
    site: str
    arm: str
    detail: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Relation:
    """``total`` is the sum of ``parts``: counts of people, or sums over them."""

    total: Fact
    parts: tuple[Fact, ...]


@dataclass(frozen=True)
class FrameFacts:
    """What one frame's rows reveal about groups of people.

    Attributes
    ----------
    cells
        Per row, the fact that each count column publishes (``{column: fact}``).
    rests
        Per row, the groups that its statistics describe: the statistics are
        withheld when one of them is small or dominated.
    values
        Per row, the sums over groups that its statistics reveal (the events
        of a binary outcome, the sum of a continuous one), which relations can
        combine (a pooled sum is the sum of the sites'): the statistics are
        withheld when one of them must be.
    people
        The number of people behind facts that no count column shows (the
        events of a binary outcome, the people behind a sum).
    relations
        Linear relations between facts (totals and their parts).
    dominated
        Sums that one or two people dominate (withheld as if they were small).
    """

    cells: Sequence[Mapping[str, Fact]] = ()
    rests: Sequence[Sequence[Fact]] = ()
    values: Sequence[Sequence[Fact]] = ()
    people: Mapping[Fact, int] = field(default_factory=dict)
    relations: Sequence[Relation] = ()
    dominated: frozenset[Fact] = frozenset()


@dataclass(frozen=True, eq=False)
class Inputs:
    """Everything a frame's builder may read: the plan, the tables, the samples.

    Attributes
    ----------
    config
        The trial's plan.
    trial
        The loaded trial (its tables are read-only).
    outcomes
        The person-level outcomes (:func:`trustexp.outcomes.derive_outcomes`).
    samples
        The analysis samples, pooled first (:func:`trustexp.analysis.samples.analysis_samples`).
    permutations
        Re-randomisations asked for (0: none).
    progress
        Called as ``progress(step, done, total)`` by long builders.
    """

    config: TrialConfig
    trial: Trial
    outcomes: pd.DataFrame
    samples: Sequence[AnalysisSample]
    permutations: int = 0
    progress: Callable[[str, int, int], None] | None = None

    @cached_property
    def responded(self) -> dict[int, np.ndarray]:
        """For each survey wave, whether each participant responded (see ``checks.responded``)."""
        from trustexp.analysis.checks import responded

        return responded(self.config, self.trial.participants, self.trial.survey)

    @cached_property
    def sites(self) -> tuple[str, ...]:
        """The sites with an analysis of their own (none when there is one site)."""
        from trustexp.analysis.samples import POOLED

        return tuple(s.site for s in self.samples if s.site != POOLED)


Builder = Callable[[Inputs], pd.DataFrame]
FactsOf = Callable[[pd.DataFrame, Inputs], FrameFacts]


@dataclass(frozen=True, slots=True)
class FrameSpec:
    """The declaration of one result frame.

    Attributes
    ----------
    name
        The frame's name: the :class:`~trustexp.evaluation.Evaluation`
        accessor and the key of the results JSON.
    doc
        One line: what a row is.
    columns
        The columns, in order. Columns whose dtype is float may hold NaN.
    build
        ``build(inputs) -> DataFrame`` with exactly these columns.
    facts
        ``facts(frame, inputs) -> FrameFacts`` for the disclosure gate.
    order
        Position among the frames (the JSON and the exports follow it).
    optional
        Column names that may be absent (``p_value_ri`` without permutations).
    public
        Whether the frame goes into the results JSON and the exports.
    record
        The columns of its JSON and CSV records, in order (default: every column).
    implies
        Statistic columns that reveal a count column (``{"df": "n"}``: degrees
        of freedom reveal the sample size): withheld with it.
    weight
        How much the frame's statistics matter: where the gate must withhold
        one of several values, it withholds those of the lighter frames first.
    """

    name: str
    doc: str
    columns: tuple[Column, ...]
    build: Builder
    facts: FactsOf
    order: int = 100
    optional: frozenset[str] = frozenset()
    public: bool = True
    record: tuple[str, ...] | None = None
    implies: Mapping[str, str] = field(default_factory=dict)
    weight: int = 1

    @property
    def record_names(self) -> tuple[str, ...]:
        """The columns of a JSON record, in order."""
        return self.record if self.record is not None else self.names

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(c.name for c in self.columns)

    def role(self, column: str) -> ColumnRole | None:
        """The role of a column, or None when the frame has no such column."""
        for c in self.columns:
            if c.name == column:
                return c.role
        return None

    def of_role(self, *roles: ColumnRole) -> tuple[str, ...]:
        """The names of the columns with one of these roles."""
        return tuple(c.name for c in self.columns if c.role in roles)


_REGISTRY: dict[str, FrameSpec] = {}
_LOADED = False

#: The packages whose modules declare frames; every module in them is imported once.
_PACKAGES = ("trustexp.analysis",)


def register(spec: FrameSpec) -> FrameSpec:
    """Add a frame to the registry (at import of the module that builds it).

    Raises
    ------
    ValueError
        A frame of that name is registered already, or its columns repeat a name.
    """
    if spec.name in _REGISTRY and _REGISTRY[spec.name] is not spec:
        raise ValueError(f"a frame named {spec.name!r} is registered already")
    if len(set(spec.names)) != len(spec.names):
        raise ValueError(f"the frame {spec.name!r} repeats a column name")
    _REGISTRY[spec.name] = spec
    return spec


def frame_specs() -> Mapping[str, FrameSpec]:
    """Every registered frame, in their declared order (read-only)."""
    global _LOADED
    if not _LOADED:
        for package in _PACKAGES:
            pkg = importlib.import_module(package)
            for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
                importlib.import_module(f"{package}.{info.name}")
        _LOADED = True
    ordered = sorted(_REGISTRY.values(), key=lambda s: (s.order, s.name))
    return MappingProxyType({s.name: s for s in ordered})


def typed_frame(spec: FrameSpec, rows: Iterable[Mapping[str, Any]] | pd.DataFrame,
                *, drop: Iterable[str] = ()) -> pd.DataFrame:
    """A frame with exactly ``spec``'s columns (less ``drop``) and their dtypes.

    ``rows`` is a list of dicts or a frame; missing columns raise a
    ``KeyError`` naming them (a builder bug), surplus ones are dropped.
    """
    drop = set(drop)
    names = [c.name for c in spec.columns if c.name not in drop]
    if isinstance(rows, pd.DataFrame):
        frame = rows
        missing = [n for n in names if n not in frame.columns]
        if missing:
            raise KeyError(f"the frame {spec.name!r} lacks the columns {missing}")
        frame = frame[names]
    else:
        frame = pd.DataFrame(list(rows), columns=names)
    types = {c.name: c.dtype for c in spec.columns if c.name in names}
    return frame.astype(types).reset_index(drop=True)


#: Column names that identify a row wherever they appear.
KEY_NAMES = frozenset({"site", "outcome", "arm", "covariate", "wave", "month", "scale", "level",
                       "subgroup", "group", "table", "column", "rule", "kind", "term"})
#: Column names that count people wherever they appear.
COUNT_NAMES = frozenset({"n", "n_arm", "n_control", "n_randomised", "n_analysed", "n_missing",
                         "n_missing_arm", "n_missing_control",
                         "n_responded", "n_at_risk", "n_events"})


def infer_columns(names: Sequence[str], types: Mapping[str, str] | None = None) -> tuple[Column, ...]:
    """Columns from names and dtypes, their roles from the names' usual meaning.

    Names in :data:`KEY_NAMES` are keys, names in :data:`COUNT_NAMES` counts;
    other text and boolean columns are labels, everything else a statistic.
    """
    types = dict(types or {})
    out = []
    for name in names:
        dtype = types.get(name, "float64")
        if name in COUNT_NAMES:
            out.append(Column(name, "int64", "count"))
        elif name in KEY_NAMES:
            out.append(Column(name, dtype if name in types else "str", "key"))
        elif dtype in ("str", "bool"):
            out.append(Column(name, dtype, "label" if dtype == "str" else "meta"))
        else:
            out.append(Column(name, dtype, "statistic"))
    return tuple(out)
