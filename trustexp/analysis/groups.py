"""The groups of people behind the result frames, as facts for the disclosure gate.

The frames' ``facts`` functions (see :mod:`trustexp.frames`) name the groups
that their numbers describe with the constructors here, so that the same group
is the same :class:`~trustexp.frames.Fact` in every frame (the analysed persons
of an arm for an outcome in ``effects`` are those of ``flow``), and take the
group sizes that no count column shows from :func:`outcome_groups` and
:func:`allocated`, computed once per evaluation from the person-level data.

The kinds of fact:

``allocated``  (site, arm)
    Persons of the arm at the site (randomised, or members of a reference group);
    arm ``"*"``: every randomised person at the site.
``analysed`` / ``missing``  (site, arm, outcome)
    Persons whose outcome is observed / not observed.
``n``  (site, "*", outcome)
    The estimation sample of an outcome's model: every arm's analysed persons.
``events`` / ``nonevents``  (site, arm, outcome)
    Analysed persons with a binary outcome of 1 / 0.
``sum``  (site, arm, outcome)
    The sum of a continuous outcome over the analysed persons (its size is
    theirs); withheld like a small group when dominated.
``pair``  (site, arm, what)
    An arm and the control arm together (a test's sample).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trustexp.analysis.samples import POOLED
from trustexp.frames import Fact, FrameFacts, Inputs, Relation

__all__ = [
    "DOMINANCE",
    "GroupSize",
    "allocated",
    "binary_values",
    "dominated",
    "merge_facts",
    "outcome_facts",
    "outcome_groups",
    "outcome_values",
]

#: The dominance rule for sums of euros: a sum is withheld when its largest
#: contribution exceeds 50% of it, or its two largest exceed 75%.
DOMINANCE = ((1, 0.50), (2, 0.75))


@dataclass(frozen=True, slots=True)
class GroupSize:
    """The analysed persons of one (site, arm, outcome) and what their values reveal."""

    n: int
    events: int | None
    dominated: bool


def dominated(values: np.ndarray) -> bool:
    """Whether one or two persons dominate a sum of non-negative values (:data:`DOMINANCE`)."""
    v = np.sort(np.abs(values[np.isfinite(values)]))[::-1]
    total = float(v.sum())
    if total <= 0:
        return False
    return any(float(v[:k].sum()) > share * total for k, share in DOMINANCE if v.size > 0)


def binary_values(values: np.ndarray) -> bool:
    """Whether every observed value is 0 or 1 (a share of them reveals a count)."""
    v = values[np.isfinite(values)]
    return bool(v.size) and bool(np.isin(v, (0.0, 1.0)).all())


def _memo(inp: Inputs, name: str, compute):
    store = inp.__dict__.setdefault("_groups_memo", {})
    if name not in store:
        store[name] = compute()
    return store[name]


def cell_rows(inp: Inputs) -> dict[tuple[str, str], np.ndarray]:
    """The participants' rows (ascending) of each (site, arm), the pooled analysis included.

    The rows a boolean mask ``(site == s) & (arm == a)`` selects, found in one sort
    instead of one pass over the strings per cell.
    """

    def compute() -> dict[tuple[str, str], np.ndarray]:
        parts = inp.trial.participants
        site_names, site = np.unique(parts["site"].astype("str").to_numpy(), return_inverse=True)
        arm_names, arm = np.unique(parts["arm"].astype("str").to_numpy(), return_inverse=True)
        n_arms = max(1, arm_names.size)
        out: dict[tuple[str, str], np.ndarray] = {}
        for code, rows in _split(arm, n_arms):
            out[(POOLED, str(arm_names[code]))] = rows
        for code, rows in _split(site * n_arms + arm, site_names.size * n_arms):
            out[(str(site_names[code // n_arms]), str(arm_names[code % n_arms]))] = rows
        empty = np.empty(0, dtype=np.int64)
        return {(s, a): out.get((s, a), empty)
                for s in (POOLED, *inp.sites) for a in inp.config.arm_ids}

    return _memo(inp, "cell_rows", compute)


def _split(codes: np.ndarray, n_codes: int) -> list[tuple[int, np.ndarray]]:
    """(code, its rows in ascending order) for every code that occurs."""
    order = np.argsort(codes, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(codes, minlength=n_codes))]
    return [(c, order[bounds[c] : bounds[c + 1]]) for c in range(n_codes)
            if bounds[c + 1] > bounds[c]]


def allocated(inp: Inputs) -> dict[Fact, int]:
    """Persons per (site, arm), reference groups included, and per site over randomised arms."""

    def compute() -> dict[Fact, int]:
        cells = cell_rows(inp)
        randomised = [a.id for a in inp.config.randomised_arms]
        out: dict[Fact, int] = {}
        for s in (POOLED, *inp.sites):
            for a in inp.config.arm_ids:
                out[Fact("allocated", s, a)] = int(cells[(s, a)].size)
            out[Fact("allocated", s, "*")] = sum(int(cells[(s, a)].size) for a in randomised)
        return out

    return _memo(inp, "allocated", compute)


def outcome_groups(inp: Inputs) -> dict[tuple[str, str, str], GroupSize]:
    """Per (site, arm, outcome): analysed persons, events (binary outcomes), dominance (euros)."""

    def compute() -> dict[tuple[str, str, str], GroupSize]:
        from trustexp.measures import is_euro

        out: dict[tuple[str, str, str], GroupSize] = {}
        cells = cell_rows(inp)  # the outcomes have the participants' rows, in their order
        for o in inp.config.outcomes:
            y = inp.outcomes[o.id].to_numpy(dtype=float)
            binary = o.type == "binary" or binary_values(y)
            euro = is_euro(o.type, o.measure)
            for s in (POOLED, *inp.sites):
                for a in inp.config.arm_ids:
                    in_cell = y[cells[(s, a)]]
                    v = in_cell[np.isfinite(in_cell)]
                    out[(s, a, o.id)] = GroupSize(
                        n=int(v.size),
                        events=int(round(float(v.sum()))) if binary else None,
                        dominated=bool(euro and dominated(v)),
                    )
        return out

    return _memo(inp, "outcome_groups", compute)


def outcome_facts(inp: Inputs, site: str, arm: str, outcome: str) -> tuple[Fact, ...]:
    """The groups a statistic of one arm's outcome values describes: the analysed persons,
    and for a binary outcome those with and without the event (their sums: the events)."""
    g = outcome_groups(inp).get((site, arm, outcome))
    base = (Fact("analysed", site, arm, (outcome,)),)
    if g is not None and g.events is not None:
        return (*base, Fact("events", site, arm, (outcome,)), Fact("nonevents", site, arm, (outcome,)))
    return (*base, Fact("sum", site, arm, (outcome,)))


def outcome_values(inp: Inputs, site: str, arm: str, outcome: str) -> tuple[Fact, ...]:
    """The sum that a statistic of one arm's outcome values reveals (events, or the sum)."""
    g = outcome_groups(inp).get((site, arm, outcome))
    if g is not None and g.events is not None:
        return (Fact("events", site, arm, (outcome,)),)
    return (Fact("sum", site, arm, (outcome,)),)


def value_facts(inp: Inputs, keys: Iterable[tuple[str, str, str]]) -> FrameFacts:
    """People, relations and dominance of the value facts of these (site, arm, outcome)."""
    groups = outcome_groups(inp)
    people: dict[Fact, int] = {}
    relations: list[Relation] = []
    dom: set[Fact] = set()
    for key in set(keys):
        g = groups.get(key)
        if g is None:
            continue
        s, a, o = key
        analysed = Fact("analysed", s, a, (o,))
        people[analysed] = g.n
        if g.events is not None:
            ev, ne = Fact("events", s, a, (o,)), Fact("nonevents", s, a, (o,))
            people[ev], people[ne] = g.events, g.n - g.events
            relations.append(Relation(analysed, (ev, ne)))
        else:
            total = Fact("sum", s, a, (o,))
            people[total] = g.n
            if g.dominated:
                dom.add(total)
    return FrameFacts(people=people, relations=relations, dominated=frozenset(dom))


def merge_facts(*parts: FrameFacts) -> FrameFacts:
    """One :class:`FrameFacts` from several (cells and rests concatenated in order)."""
    cells: list = []
    rests: list = []
    values: list = []
    people: dict[Fact, int] = {}
    relations: list[Relation] = []
    dom: set[Fact] = set()
    for p in parts:
        cells.extend(p.cells)
        rests.extend(p.rests)
        values.extend(p.values)
        people.update(p.people)
        relations.extend(p.relations)
        dom |= p.dominated
    return FrameFacts(cells, rests, values, people, relations, frozenset(dom))


def arms_in(inp: Inputs, site: str) -> tuple[str, ...]:
    """The control arm and the treatment arms present in an analysis."""
    for s in inp.samples:
        if s.site == site:
            return (inp.config.control_arm, *[a.id for a in s.arms])
    return (inp.config.control_arm,)


def rows(frame: pd.DataFrame) -> list[dict]:
    """The rows of a frame as dicts (plain Python values)."""
    return frame.to_dict("records")
