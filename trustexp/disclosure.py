"""The disclosure gate: the one way from an evaluation to any output.

Every output of trustexp (the HTML and Word report, the results JSON, the CSV
of ``estimate``, the exports, the figures and the text summary) is made from
the :class:`Released` records that :func:`release` returns, never from the
evaluation's frames themselves. The gate reads from the frame registry
(:mod:`trustexp.frames`) which groups of people every count and statistic
describes, and withholds by four rules:

Primary suppression
    A group of 1 to ``min_cell - 1`` people is *small*. A count of a small group
    is withheld, and so is every statistic that rests on one: an effect, a mean,
    a test, a bound, a date, a share of a binary outcome or covariate whose events
    or non-events are small, degrees of freedom that would reveal a withheld
    count. Zero is released: it describes nobody.
Dominance
    A sum of euros (and every mean or effect that rests on it) is withheld when
    its largest contribution exceeds 50% of it or its two largest exceed 75%
    (:data:`trustexp.analysis.groups.DOMINANCE`).
Secondary suppression
    The frames declare the linear relations between groups: a total is the sum
    of its parts (randomised = analysed + missing; the pooled analysis = the sum
    of the sites; a model's sample = the sum of its arms; responded + not
    responded). Nothing withheld may be recovered from what is released, by
    subtraction or by solving these relations together: while some relation
    would give a small group's size (one unknown part, or unknown parts that add
    up to a small group), the released group of that relation with the least
    use elsewhere is withheld too, and the gate then checks with linear algebra
    that no small group is determined by all the relations at once.
No extremes
    No minimum or maximum of a person-level variable is part of any frame.

A value withheld by the first rule shows as ``"<10"`` (for ``min_cell = 10``)
in tables, one withheld by the others as ``"x"``; in the JSON it is ``null``
and its record lists it in ``"suppressed"``. ``min_cell = 0`` turns the gate
off (and the report says so on its first page).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from trustexp.errors import OptionError
from trustexp.frames import Fact, FrameFacts, FrameSpec, Inputs, Relation, frame_specs
from trustexp.literals import POOLED
from trustexp.stats._threads import blas_limited, on_threads

if TYPE_CHECKING:  # pragma: no cover
    from trustexp.evaluation import Evaluation

__all__ = [
    "DEFAULT_MIN_CELL",
    "Released",
    "Rule",
    "Withheld",
    "check_min_cell",
    "release",
    "release_frames",
]

DEFAULT_MIN_CELL = 10

#: Why a value was withheld: ``small`` (primary), ``dominance``, ``secondary``
#: (it would reveal a withheld value), ``group`` (a statistic of a withheld group).
Rule = Literal["small", "dominance", "secondary", "group"]

#: Fields written as integers in the JSON when their value is whole.
_WHOLE = frozenset({"df", "df1", "df2"})

#: Largest number of unknown groups for the exact check by linear algebra.
_EXACT_LIMIT = 4000


@dataclass(frozen=True, slots=True)
class Withheld:
    """A withheld value in a released record: falsy, and shown by its mark."""

    rule: Rule
    min_cell: int

    @property
    def mark(self) -> str:
        """``"<10"`` for a small count, ``"x"`` for a value withheld by another rule."""
        return f"<{self.min_cell}" if self.rule == "small" else "x"

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return self.mark


def check_min_cell(value: Any, *, where: str = "release") -> int:
    """Return ``value`` as a valid ``min_cell`` (a whole number >= 0), or raise ``OptionError``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or int(value) < 0:
        raise OptionError(f"The 'min_cell' parameter of {where} must be a whole number >= 0. "
                          f"Got {value!r} instead.")
    return int(value)


@dataclass(frozen=True)
class Released:
    """What may leave trustexp: every frame's records after the gate, and the log.

    Attributes
    ----------
    min_cell
        The smallest group shown (0: the gate was off).
    records
        Frame name to its records (dicts, in the frame's column order, plus
        ``"suppressed"``: the withheld fields and their rule). A withheld
        value is a :class:`Withheld` (falsy, shows as its mark).
    log
        One row per withheld value: ``frame, row, column, rule, key``.
    notes
        Anything the gate could not check (none in the usual case).
    """

    min_cell: int
    records: Mapping[str, tuple[Mapping[str, Any], ...]]
    log: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    def frame(self, name: str) -> list[dict[str, Any]]:
        """The released records of one frame (copies; empty when the frame is absent)."""
        return [dict(r) for r in self.records.get(name, ())]

    def json_records(self, name: str, spec: FrameSpec | None = None) -> list[dict[str, Any]]:
        """Records for the results JSON: a withheld value is ``None``.

        Keys in the order of ``spec`` (default: the registry's frame of that
        name), then ``"suppressed"``: the names of the withheld fields.
        """
        spec = spec if spec is not None else frame_specs().get(name)
        out = []
        for r in self.records.get(name, ()):
            keys = [k for k in (spec.record_names if spec else r) if k in r and k != "suppressed"]
            rec = {k: _json_value(r[k]) for k in keys}
            for k in _WHOLE & rec.keys():  # degrees of freedom that are whole are integers
                v = rec[k]
                if isinstance(v, float) and v.is_integer():
                    rec[k] = int(v)
            rec["suppressed"] = sorted(r.get("suppressed", {}))
            out.append(rec)
        return out


def _json_value(v: Any) -> Any:
    if isinstance(v, Withheld):
        return None
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        x = float(v)
        return None if not math.isfinite(x) else float(f"{x:.12g}")
    return v


# ---------------------------------------------------------------------------
# The gate
# ---------------------------------------------------------------------------


@dataclass
class _Row:
    """One frame row as the gate sees it."""

    frame: str
    index: int
    weight: int
    cells: Mapping[str, Fact]
    rests: tuple[Fact, ...]
    values: tuple[Fact, ...]
    released: bool = True


@dataclass
class _Ledger:
    """Every fact, who publishes it, and the relations between facts."""

    people: dict[Fact, int] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    dominated: set[Fact] = field(default_factory=set)
    rows: list[_Row] = field(default_factory=list)
    counted: dict[Fact, int] = field(default_factory=lambda: defaultdict(int))
    valued: dict[Fact, list[_Row]] = field(default_factory=lambda: defaultdict(list))

    def add(self, name: str, spec: FrameSpec, facts: FrameFacts,
            frame: pd.DataFrame | None = None) -> list[_Row]:
        self.people.update({f: int(n) for f, n in facts.people.items()})
        if frame is not None:  # a count column's value is the size of the group it counts
            for col in {c for cells in facts.cells for c in cells}:
                if col not in frame.columns:
                    continue
                values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
                for cells, v in zip(facts.cells, values, strict=False):
                    f = cells.get(col)
                    if f is not None and np.isfinite(v):
                        self.people.setdefault(f, int(round(v)))
        self.relations.extend(facts.relations)
        self.dominated |= set(facts.dominated)
        out = []
        n = max(len(facts.cells), len(facts.rests), len(facts.values))
        for i in range(n):
            row = _Row(name, i, spec.weight,
                       facts.cells[i] if i < len(facts.cells) else {},
                       tuple(facts.rests[i]) if i < len(facts.rests) else (),
                       tuple(facts.values[i]) if i < len(facts.values) else ())
            for f in row.cells.values():
                self.counted[f] += 1
            for f in row.values:
                self.valued[f].append(row)
            out.append(row)
        self.rows.extend(out)
        return out


def _site_relations(ledger: _Ledger, sites: Sequence[str]) -> list[Relation]:
    """The pooled analysis is the sum of the sites, for every fact known at every site."""
    if len(sites) < 2:
        return []
    known = set(ledger.people) | set(ledger.counted) | set(ledger.valued)
    out = []
    for f in known:
        if f.site != POOLED:
            continue
        parts = tuple(Fact(f.kind, s, f.arm, f.detail) for s in sites)
        if all(p in known for p in parts):
            out.append(Relation(f, parts))
    return out


def _fact_order(f: Fact) -> tuple[str, str, str, tuple[Any, ...]]:
    """The order of :class:`~trustexp.frames.Fact` (its fields in turn), as one sort key."""
    return (f.kind, f.site, f.arm, f.detail)


def _find(parent: dict[int, int], x: int) -> int:
    """The root of ``x`` in the union-find forest ``parent`` (halving the path)."""
    while parent.setdefault(x, x) != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def _union(parent: dict[int, int], members: Sequence[int]) -> None:
    """Join ``members`` into one tree of ``parent``."""
    for j in members[1:]:
        parent[_find(parent, j)] = _find(parent, members[0])


@dataclass(frozen=True)
class _Block:
    """One connected block of relations over unknown facts, for the exact joint check."""

    members: list[list[int]]  # each relation's facts, its total first
    cols: list[int]  # the unknown facts, in order
    aims: list[int]  # the targets among them

    def determined(self) -> list[int]:
        """The aims that the relations pin down: ``e_j`` in the row space of the relations
        restricted to the unknowns, that is ``a' x = e_j`` solvable exactly."""
        cols = np.asarray(self.cols, dtype=np.int64)
        lengths = np.fromiter((len(m) for m in self.members), dtype=np.int64,
                              count=len(self.members))
        facts = np.fromiter((j for m in self.members for j in m), dtype=np.int64,
                            count=int(lengths.sum()))
        row = np.repeat(np.arange(len(self.members)), lengths)
        first = np.zeros(facts.size, dtype=bool)
        first[np.r_[0, np.cumsum(lengths)[:-1]]] = True
        col = np.searchsorted(cols, facts)
        inside = (col < cols.size) & (cols[np.minimum(col, cols.size - 1)] == facts)
        a = np.zeros((len(self.members), cols.size))
        np.add.at(a, (row[inside], col[inside]), np.where(first[inside], 1.0, -1.0))
        e = np.zeros((cols.size, len(self.aims)))
        e[np.searchsorted(cols, self.aims), np.arange(len(self.aims))] = 1.0
        x, *_ = np.linalg.lstsq(a.T, e, rcond=None)
        resid = np.abs(a.T @ x - e).max(axis=0)
        return [j for t, j in enumerate(self.aims) if resid[t] < 1e-8]


class _Gate:
    """Primary, dominance and secondary suppression over the facts of every frame.

    Facts are numbered once; a relation is the list of its members' numbers
    (the total first). Each round works out, by single subtractions repeated
    until nothing new follows, everything that the released numbers give; every
    small group found that way is protected by withholding the cheapest
    released number it was worked out from, and the round is repeated. When
    no subtraction reveals anything, the relations are solved together
    (linear algebra, per connected group of unknowns) for what they determine.
    """

    def __init__(self, ledger: _Ledger, min_cell: int) -> None:
        self.ledger = ledger
        self.m = min_cell
        self.rule: dict[Fact, Rule] = {
            f: "small" for f, n in ledger.people.items() if 0 < n < min_cell}
        for f in ledger.dominated:
            self.rule.setdefault(f, "dominance")
        self.hidden_counts: set[Fact] = set(self.rule)
        for row in ledger.rows:
            if any(f in self.rule for f in (*row.rests, *row.values)):
                row.released = False
        facts = sorted({f for rel in ledger.relations for f in (rel.total, *rel.parts)}
                       | set(ledger.counted) | set(ledger.valued), key=_fact_order)
        self.facts = facts
        self.id = {f: i for i, f in enumerate(facts)}
        # Relations in one order whatever order the frames declared them in (the
        # frames' facts come partly from sets, whose order changes with the hash
        # seed): which number is withheld first must not depend on it.
        self.members = [list(m) for m in sorted(
            {(self.id[rel.total], *sorted(self.id[p] for p in rel.parts))
             for rel in ledger.relations})]
        self.by_fact: list[list[int]] = [[] for _ in facts]
        for i, mem in enumerate(self.members):
            for j in mem:
                self.by_fact[j].append(i)
        self.sensitive = np.zeros(len(facts), dtype=bool)
        self.people = np.full(len(facts), -1, dtype=np.int64)
        for f, j in self.id.items():
            self.sensitive[j] = f in self.rule
            n = ledger.people.get(f)
            if n is not None:
                self.people[j] = n
        self.accepted = np.zeros(len(facts), dtype=bool)
        self.note: list[str] = []
        # the same facts as index arrays, for the rounds' vectorised bookkeeping
        self._counted = np.zeros(len(facts), dtype=bool)
        self._counted[[self.id[f] for f in ledger.counted]] = True
        self._hidden = np.zeros(len(facts), dtype=bool)
        self._hidden[[self.id[f] for f in self.hidden_counts if f in self.id]] = True
        row_at: dict[int, int] = {}
        self._rows: list[_Row] = []
        pairs: list[tuple[int, int]] = []
        for f, frows in ledger.valued.items():
            for r in frows:
                if id(r) not in row_at:
                    row_at[id(r)] = len(self._rows)
                    self._rows.append(r)
                pairs.append((row_at[id(r)], self.id[f]))
        pair_arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        self._valued_row, self._valued_fact = pair_arr[:, 0], pair_arr[:, 1]
        lengths = np.array([len(m) for m in self.members], dtype=np.int64)
        self._flat = np.array([j for m in self.members for j in m], dtype=np.int64)
        self._rel_of = np.repeat(np.arange(len(self.members), dtype=np.int64), lengths)
        self._total = np.array([m[0] for m in self.members], dtype=np.int64)

    # -- what is published ------------------------------------------------------
    def published(self) -> np.ndarray:
        """The facts that the released numbers show: a count not withheld, or a fact with
        a released row of values."""
        pub = self._counted & ~self._hidden
        released = np.fromiter((r.released for r in self._rows), dtype=bool,
                               count=len(self._rows))
        pub[self._valued_fact[released[self._valued_row]]] = True
        return pub

    def known(self, f: Fact) -> bool:
        return f not in self.hidden_counts

    def cost(self, j: int) -> tuple[int, Fact]:
        f = self.facts[j]
        counts = self.ledger.counted.get(f, 0) if f not in self.hidden_counts else 0
        stats = sum(r.weight for r in self.ledger.valued.get(f, ()) if r.released)
        return (counts + 10 * stats, f)

    def withhold(self, j: int) -> None:
        f = self.facts[j]
        self.hidden_counts.add(f)
        self._hidden[j] = True
        for r in self.ledger.valued.get(f, ()):
            r.released = False
        self.rule.setdefault(f, "secondary")

    # -- what can be worked out --------------------------------------------------
    def _peel(self, pub: np.ndarray) -> tuple[np.ndarray, dict[int, int], list[tuple[int, int]]]:
        """Everything single subtractions give; the relations that reveal a small group."""
        known = pub.copy()
        via: dict[int, int] = {}
        counts = np.bincount(self._rel_of, weights=~known[self._flat],
                             minlength=len(self.members)).astype(np.int64)
        unknown = counts.tolist()
        queue = np.flatnonzero(counts == 1).tolist()
        found: list[tuple[int, int]] = []
        flagged: set[int] = set()
        while queue:
            i = queue.pop()
            if unknown[i] != 1:
                continue
            j = next(g for g in self.members[i] if not known[g])
            if self.sensitive[j] and not self.accepted[j]:
                if j not in flagged:
                    flagged.add(j)
                    found.append((i, j))
                continue
            known[j] = True
            via[j] = i
            for k in self.by_fact[j]:
                unknown[k] -= 1
                if unknown[k] == 1:
                    queue.append(k)
        if not found:
            # unknown parts of a known total that add up to a small group (a relation
            # with its total known has only parts unknown)
            left = np.array(unknown, dtype=np.int64).reshape(-1)
            candidates: list[int] = (np.flatnonzero(known[self._total] & (left >= 2)).tolist()
                                     if left.size else [])
            for i in candidates:
                mem = self.members[i]
                hidden = [j for j in mem[1:] if not known[j]]
                if len(hidden) < 2 or not any(self.sensitive[j] and not self.accepted[j]
                                              for j in hidden):
                    continue
                sizes = self.people[hidden]
                if (sizes >= 0).all() and 0 < int(sizes.sum()) < self.m:
                    found.append((i, next(j for j in hidden if self.sensitive[j])))
        return known, via, found

    def _solve(self, known: np.ndarray, pub: np.ndarray) -> list[tuple[list[int], int]]:
        """Small groups that the relations determine together (linear algebra)."""
        rels = [i for i, mem in enumerate(self.members) if any(not known[j] for j in mem)]
        rel_set = set(rels)
        # connected groups of unknown facts, joined by relations
        parent: dict[int, int] = {}
        for i in rels:
            _union(parent, [j for j in self.members[i] if not known[j]])
        groups_: dict[int, list[int]] = defaultdict(list)
        for j in list(parent):
            groups_[_find(parent, j)].append(j)
        work: list[tuple[list[int], list[int], list[_Block]]] = []
        for comp in groups_.values():
            targets = [j for j in comp if self.sensitive[j] and not self.accepted[j]]
            if not targets:
                continue
            crel = sorted({i for j in comp for i in self.by_fact[j] if i in rel_set})
            work.append((targets, crel, self._blocks(comp, targets, crel)))
        # the blocks' exact checks are independent dense solves: on the machine's cores
        solved = iter(on_threads(_Block.determined, [b for _, _, bl in work for b in bl]))
        found: list[tuple[list[int], int]] = []
        for targets, crel, blocks in work:
            determined = {j for _ in blocks for j in next(solved)}
            # released numbers of the relations that pin a target down
            released = sorted({g for i in crel for g in self.members[i] if pub[g]})
            found.extend((released, j) for j in targets if j in determined)
        return found

    def _blocks(self, comp: list[int], targets: list[int], crel: list[int]) -> list[_Block]:
        """The blocks of relations whose exact checks decide which targets ``crel`` pin down.

        ``e_j`` is determined exactly when it lies in the row space of the
        relations restricted to the unknowns ``comp``. A relation holding an
        unknown that is no target and occurs in no other relation can never
        help (its coefficient would have to be zero), so such relations are
        dropped first, repeatedly; what is left is split into connected blocks,
        each checked by least squares (:class:`_Block`). Dropping is exact, so
        the answer is that of one solve over the whole component, at a fraction
        of the cost.
        """
        unknown = set(comp)
        target_set = set(targets)
        rows = {i: [j for j in self.members[i] if j in unknown] for i in crel}
        uses: dict[int, set[int]] = defaultdict(set)
        for i, hid in rows.items():
            for j in hid:
                uses[j].add(i)
        queue = [j for j, r in uses.items() if len(r) == 1 and j not in target_set]
        while queue:
            j = queue.pop()
            if len(uses[j]) != 1:
                continue
            (i,) = uses[j]
            for k in rows.pop(i):
                uses[k].discard(i)
                if len(uses[k]) == 1 and k not in target_set:
                    queue.append(k)
        parent: dict[int, int] = {}
        for hid in rows.values():
            _union(parent, hid)
        blocks: dict[int, list[int]] = defaultdict(list)
        for i, hid in rows.items():
            blocks[_find(parent, hid[0])].append(i)
        out: list[_Block] = []
        for block in blocks.values():
            cols = sorted({j for i in block for j in rows[i]})
            aims = [j for j in cols if j in target_set]
            if not aims:
                continue
            if len(cols) > _EXACT_LIMIT:
                self.note.append(f"joint check skipped for {len(cols)} unknown groups")
                continue
            out.append(_Block([self.members[i] for i in block], cols, aims))
        return out

    def _sources(self, i: int, pub: np.ndarray, via: Mapping[int, int]) -> list[int]:
        """The published facts from which relation ``i`` was worked out (nearest first)."""
        seen = {i}
        level = [i]
        while level:
            found = [j for k in level for j in self.members[k] if pub[j]]
            if found:
                return found
            nxt = []
            for k in level:
                for j in self.members[k]:
                    v = via.get(j)
                    if v is not None and v not in seen:
                        seen.add(v)
                        nxt.append(v)
            level = nxt
        return []

    def run(self) -> None:
        while True:
            pub = self.published()
            known, via, peeled = self._peel(pub)
            found = [(self._sources(i, pub, via), j) for i, j in peeled]
            if not found:
                found = self._solve(known, pub)
                if not found:
                    return
            chosen: set[int] = set()
            for candidates, j in found:
                if not candidates:
                    self.note.append(f"could not protect {self.facts[j]}")
                    self.accepted[j] = True
                elif not chosen.intersection(candidates):
                    chosen.add(min(candidates, key=self.cost))
            for j in chosen:
                self.withhold(j)


@blas_limited
def release(evaluation: Evaluation, min_cell: int | None = None) -> Released:
    """Pass every frame of an evaluation through the disclosure gate.

    Parameters
    ----------
    evaluation
        The result of :func:`trustexp.evaluate`.
    min_cell
        The smallest group shown; default ``[analysis] min_cell`` (10); 0
        releases everything.

    Returns
    -------
    Released
        The records every output is made from, and the log of what was withheld.
    """
    m = check_min_cell(evaluation.config.analysis.min_cell if min_cell is None else min_cell)
    inputs: Inputs = evaluation._inputs
    specs = frame_specs()
    frames = [(specs[name], evaluation._frames[name]) for name in specs if name in evaluation._frames]
    return release_frames(frames, lambda spec, frame: spec.facts(frame, inputs), m, sites=inputs.sites)


def release_frames(
    frames: Sequence[tuple[FrameSpec, pd.DataFrame]],
    facts: Callable[[FrameSpec, pd.DataFrame], FrameFacts],
    min_cell: int,
    *,
    sites: Sequence[str] = (),
) -> Released:
    """Pass any frames through the disclosure gate, with the facts they declare.

    The one gate for frames that are not an evaluation's (the frames of
    ``trustexp pool``, say): all four rules of this module apply to the frames
    together, as :func:`release` applies them to an evaluation's.

    Parameters
    ----------
    frames
        Each frame with its :class:`~trustexp.frames.FrameSpec` (whose roles
        say which columns are counts and statistics, and whose name is the
        frame's name in :attr:`Released.records`). Names must be unique.
    facts
        ``facts(spec, frame)``: the groups of people the frame's rows count
        and rest on, and the relations between them (see
        :class:`~trustexp.frames.FrameFacts`); called once per frame, and only
        when ``min_cell > 0``. A count column's value is also taken as the size
        of the group it counts where the facts do not give that size.
    min_cell
        The smallest group shown (a whole number >= 0; 0 releases everything).
    sites
        The sites whose facts add up to the ``POOLED`` site's, for the
        relation "the pooled analysis is the sum of the sites" (none by default).

    Returns
    -------
    Released
        The records, and the log of what was withheld.

    Raises
    ------
    OptionError
        ``min_cell`` is not a whole number >= 0, or two frames share a name.
    """
    m = check_min_cell(min_cell, where="release_frames")
    names = [spec.name for spec, _ in frames]
    if len(set(names)) != len(names):
        raise OptionError(f"The 'frames' parameter of release_frames must name each frame once. "
                          f"Got {names!r} instead.")
    ledger = _Ledger()
    rows: dict[str, list[_Row]] = {}
    if m > 0:
        for spec, frame in frames:
            rows[spec.name] = ledger.add(spec.name, spec, facts(spec, frame), frame)
        ledger.relations.extend(_site_relations(ledger, sites))
    gate = _Gate(ledger, m)
    if m > 0:
        gate.run()
    records: dict[str, tuple[Mapping[str, Any], ...]] = {}
    log = []
    for spec, frame in frames:
        recs = _released(spec, frame, rows.get(spec.name, []), gate)
        for i, r in enumerate(recs):
            for col, rule in r["suppressed"].items():
                log.append({"frame": spec.name, "row": i, "column": col, "rule": rule,
                            "key": _row_key(spec, r)})
        records[spec.name] = tuple(MappingProxyType(r) for r in recs)
    log_frame = pd.DataFrame(log, columns=["frame", "row", "column", "rule", "key"])
    return Released(m, MappingProxyType(records), log_frame, tuple(gate.note))


def _row_key(spec: FrameSpec, rec: Mapping[str, Any]) -> str:
    keys = spec.of_role("key")
    return ", ".join(f"{k}={rec[k]}" for k in keys if k in rec)


def _released(spec: FrameSpec, frame: pd.DataFrame, rows: Sequence[_Row],
              gate: _Gate) -> list[dict[str, Any]]:
    m = gate.m
    stats = [c for c in spec.of_role("statistic") if c in frame.columns]
    counts = [c for c in spec.of_role("count") if c in frame.columns]
    out = []
    for i, r in enumerate(frame.to_dict("records")):
        rec: dict[str, Any] = {k: _plain(v) for k, v in r.items()}
        withheld: dict[str, Rule] = {}
        if m > 0:
            row = rows[i] if i < len(rows) else None
            cells = row.cells if row is not None else {}
            for col in counts:
                f = cells.get(col)
                value = rec[col]
                if f is not None and f in gate.hidden_counts:
                    withheld[col] = gate.rule.get(f, "secondary")
                elif isinstance(value, int | float) and 0 < value < m:
                    withheld[col] = "small"  # never a small count, declared or not
            if row is not None and not row.released:
                small = any(gate.rule.get(f) == "small" for f in (*row.rests, *row.values))
                dom = any(gate.rule.get(f) == "dominance" for f in (*row.rests, *row.values))
                rule: Rule = "small" if small else ("dominance" if dom else "secondary")
                for col in stats:
                    if rec[col] is not None:
                        withheld[col] = rule
            for stat, cnt in spec.implies.items():
                if cnt in withheld and stat in rec and rec[stat] is not None:
                    withheld.setdefault(stat, "secondary")
        for col, why in withheld.items():
            rec[col] = Withheld(why, m)
        rec["suppressed"] = dict(sorted(withheld.items()))
        out.append(rec)
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NA or v is pd.NaT:
        return None
    return v
