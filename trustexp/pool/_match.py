"""Which arms and outcomes of several trials are the same.

Arms are matched by ``kind`` (``exemption``, ``extra_earnings``, ...): a kind
is pooled when at least two trials have exactly one randomised arm of it.
Outcomes are matched, in this order, by the ``[[outcomes]]`` of ``pool.toml``,
by ``id``, and (monthly outcomes) by measure, window and ``min_hours``; an
outcome is pooled when at least two trials have it with the same type.
Everything that is not pooled is listed with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from trustexp.config import Outcome, TrialConfig
from trustexp.pool._plan import PoolPlan

__all__ = ["Left", "OutcomeMatch", "match_arms", "match_outcomes"]


@dataclass(frozen=True, slots=True)
class OutcomeMatch:
    """One pooled outcome: its key, label, how it was matched, and its id in each trial."""

    key: str
    label: str | Mapping[str, str]
    how: str
    ids: Mapping[str, str]
    type: str
    measure: str | None


@dataclass(frozen=True, slots=True)
class Left:
    """Something left out of the pooling, and why (a key of the report's texts)."""

    what: str
    trial: str
    item: str
    reason: str


def match_arms(configs: Mapping[str, TrialConfig]) -> tuple[dict[str, dict[str, str]], list[Left]]:
    """``{kind: {trial: arm id}}`` for the kinds of two or more trials, and what is left out."""
    by_kind: dict[str, dict[str, list[str]]] = {}
    for key, cfg in configs.items():
        for arm in cfg.treatment_arms:
            by_kind.setdefault(arm.kind, {}).setdefault(key, []).append(arm.id)
    out: dict[str, dict[str, str]] = {}
    left: list[Left] = []
    for kind, trials in by_kind.items():
        single = {t: ids[0] for t, ids in trials.items() if len(ids) == 1}
        for t, ids in trials.items():
            if len(ids) > 1:
                left += [Left("arm", t, a, "pool.left_arm_ambiguous") for a in ids]
        if len(single) >= 2:
            out[kind] = single
        else:
            left += [Left("arm", t, a, "pool.left_arm_alone") for t, a in single.items()]
    return out, left


def _signature(o: Outcome) -> tuple | None:
    if o.source != "monthly" or o.measure is None:
        return None
    return (o.measure, o.window_months, o.min_hours)


def match_outcomes(configs: Mapping[str, TrialConfig], plan: PoolPlan) -> tuple[list[OutcomeMatch], list[Left]]:
    """The pooled outcomes (plan first, then by id, then by measure and window) and what is left out."""
    used: dict[str, set[str]] = {k: set() for k in configs}
    outcomes = {k: {o.id: o for o in cfg.outcomes} for k, cfg in configs.items()}
    matches: list[OutcomeMatch] = []
    left: list[Left] = []

    def add(key: str, label, how: str, ids: Mapping[str, str]) -> None:
        types = {outcomes[t][i].type for t, i in ids.items()}
        if len(types) > 1:
            left.extend(Left("outcome", t, i, "pool.left_outcome_types") for t, i in ids.items())
            for t, i in ids.items():
                used[t].add(i)
            return
        first = outcomes[next(iter(ids))][next(iter(ids.values()))]
        matches.append(OutcomeMatch(key, label or first.display_label, how, dict(ids), first.type, first.measure))
        for t, i in ids.items():
            used[t].add(i)

    for entry in plan.outcomes:
        ids = {}
        for t, oid in entry["trials"].items():
            if t not in configs:
                left.append(Left("outcome", str(t), str(oid), "pool.left_unknown_trial"))
            elif oid not in outcomes[t]:
                left.append(Left("outcome", str(t), str(oid), "pool.left_unknown_outcome"))
            else:
                ids[str(t)] = str(oid)
        if len(ids) >= 2:
            add(str(entry["id"]), entry.get("label"), "plan", ids)
    keys = list(configs)
    for t in keys:
        for oid in outcomes[t]:
            if oid in used[t]:
                continue
            ids = {u: oid for u in keys if oid in outcomes[u] and oid not in used[u]}
            if len(ids) >= 2:
                add(oid, None, "id", ids)
    for t in keys:
        for oid, o in outcomes[t].items():
            sig = _signature(o)
            if oid in used[t] or sig is None:
                continue
            ids = {}
            for u in keys:
                cand = [x for x, p in outcomes[u].items() if x not in used[u] and _signature(p) == sig]
                if len(cand) == 1:
                    ids[u] = cand[0]
            if len(ids) >= 2:
                add(oid, None, "measure", ids)
    for t in keys:
        for oid in outcomes[t]:
            if oid not in used[t]:
                left.append(Left("outcome", t, oid, "pool.left_outcome_alone"))
    return matches, left


def trial_keys(names: Sequence[str]) -> list[str]:
    """Unique keys from folder names (a repeated name gets ``-2``, ``-3``, ...)."""
    out: list[str] = []
    for n in names:
        k, i = n, 2
        while k in out:
            k, i = f"{n}-{i}", i + 1
        out.append(k)
    return out
