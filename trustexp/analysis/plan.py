"""The frames ``registration`` and ``deviations``: the plan as registered and locked.

``registration`` has one row: the registry id and date and the authors of
``[trial]``, the date and hash of ``plan.lock`` (empty when the plan is not
locked) and the hash of the plan now. ``deviations`` lists every change of the
plan since the lock (:func:`trustexp.planning.lock.deviations`); the report
marks the effects of outcomes that were added or changed as not pre-specified.
Neither frame says anything about people: their facts are empty.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trustexp.frames import FrameFacts, FrameSpec, Inputs, key, label, register, typed_frame
from trustexp.planning.lock import deviations, plan_sha256, read_lock

__all__ = ["DEVIATIONS", "REGISTRATION", "not_prespecified"]

#: Deviations that make an outcome's effects not pre-specified.
NOT_PRESPECIFIED = ("outcome_added", "window_changed", "family_changed", "outcome_changed")


def _folder(inp: Inputs) -> Path | None:
    path = (inp.trial.files or {}).get("trial.toml")
    return None if path is None else Path(path).parent


def _no_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    return FrameFacts()


def _build_registration(inp: Inputs) -> pd.DataFrame:
    cfg = inp.config
    folder = _folder(inp)
    lock = read_lock(folder) if folder is not None else None
    now = plan_sha256(cfg.raw)
    row = {
        "registry": cfg.registry or "", "registered_on": cfg.registered_on or "",
        "authors": "; ".join(cfg.authors),
        "locked_on": lock.locked_on if lock else "", "lock_sha256": lock.plan_sha256 if lock else "",
        "plan_sha256": now, "locked": lock is not None,
        "changed": bool(lock is not None and lock.plan_sha256 != now),
    }
    return typed_frame(REGISTRATION, [row])


def _build_deviations(inp: Inputs) -> pd.DataFrame:
    folder = _folder(inp)
    lock = read_lock(folder) if folder is not None else None
    rows = [] if lock is None else [
        {"kind": d.kind, "item": d.item, "locked": d.locked, "current": d.current}
        for d in deviations(lock, inp.config.raw)
    ]
    return typed_frame(DEVIATIONS, rows)


def not_prespecified(records: list[dict]) -> set[str]:
    """Outcome ids whose effects were not pre-specified, from ``deviations`` records."""
    out = set()
    for r in records:
        if r.get("kind") in NOT_PRESPECIFIED:
            out.add(str(r.get("item", "")).split(".", 1)[0])
    return out


REGISTRATION = register(FrameSpec(
    "registration", "The trial's registration and the lock of its analysis plan (one row).",
    (label("registry"), label("registered_on"), label("authors"), label("locked_on"),
     label("lock_sha256"), label("plan_sha256"), label("locked", dtype="bool"),
     label("changed", dtype="bool")),
    _build_registration, _no_facts, order=3))

DEVIATIONS = register(FrameSpec(
    "deviations", "Every change of the analysis plan since plan.lock.",
    (key("kind", "outcome_added, outcome_removed, window_changed, ..."), label("item"),
     label("locked", "the locked value"), label("current", "the value now")),
    _build_deviations, _no_facts, order=4))
