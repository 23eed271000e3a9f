"""``plan.lock``: the analysis plan frozen with a date, and every change since.

The plan is everything in ``trial.toml`` but the ``[trial]`` metadata (name,
language, description, registry, authors: ``control_arm`` belongs to the
plan) and ``[data]`` / ``[columns]`` (where the files are and how they are
named). Its SHA-256 is taken over canonical JSON (keys sorted, dates as ISO
text, no spaces). ``plan.lock`` is JSON: ``locked_on``, ``plan_sha256`` and the
plan itself, so that a later report can list what changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trustexp.errors import InputError

__all__ = ["LOCK_FILE", "Deviation", "Lock", "deviations", "lock_plan", "plan_of", "plan_sha256",
           "read_lock"]

LOCK_FILE = "plan.lock"
#: [trial] keys that are metadata, not plan.
_METADATA = ("name", "language", "description", "registry", "registered_on", "authors")
_NOT_PLAN = ("data", "columns")


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return value


def plan_of(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The analysis plan of a parsed ``trial.toml`` (see the module docstring)."""
    plan = {k: _plain(v) for k, v in raw.items() if k not in _NOT_PLAN}
    trial = {k: v for k, v in dict(plan.get("trial", {})).items() if k not in _METADATA}
    plan["trial"] = trial
    return plan


def _canonical(plan: Mapping[str, Any]) -> bytes:
    return json.dumps(plan, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def plan_sha256(raw: Mapping[str, Any]) -> str:
    """The SHA-256 of the plan's canonical JSON."""
    return hashlib.sha256(_canonical(plan_of(raw))).hexdigest()


@dataclass(frozen=True)
class Lock:
    """A ``plan.lock``: when, which hash, and the plan itself."""

    locked_on: str
    plan_sha256: str
    plan: Mapping[str, Any]

    def to_json(self) -> str:
        """The file's text."""
        from trustexp._version import __version__

        return json.dumps({"locked_on": self.locked_on, "plan_sha256": self.plan_sha256,
                           "trustexp_version": __version__, "plan": self.plan},
                          indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _today() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
    return dt.datetime.now(dt.UTC).date().isoformat()


def lock_plan(raw: Mapping[str, Any], *, on: str | None = None) -> Lock:
    """The lock of a parsed ``trial.toml`` (dated ``on``, default today, UTC or ``SOURCE_DATE_EPOCH``)."""
    if on is not None:
        try:
            dt.date.fromisoformat(on)
        except ValueError:
            raise InputError(f"--date must be YYYY-MM-DD. Got {on!r} instead.") from None
    plan = plan_of(raw)
    return Lock(on or _today(), hashlib.sha256(_canonical(plan)).hexdigest(), plan)


def read_lock(folder: Path) -> Lock | None:
    """The folder's ``plan.lock``, or None when it has none.

    Raises
    ------
    InputError
        The file is there but is not a lock written by ``trustexp lock``.
    """
    path = Path(folder) / LOCK_FILE
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return Lock(str(doc["locked_on"]), str(doc["plan_sha256"]), dict(doc["plan"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path} is not a plan.lock written by trustexp lock ({exc})") from None


@dataclass(frozen=True, slots=True)
class Deviation:
    """One change of the plan since the lock.

    ``kind``: ``outcome_added``, ``outcome_removed``, ``window_changed``,
    ``family_changed``, ``outcome_changed``, ``covariates_changed``,
    ``analysis_changed``, ``randomisation_changed``, ``arms_changed``,
    ``scales_changed``, ``other_changed``. ``item`` is the outcome id or the
    key; ``locked`` and ``current`` the values as text ("" when absent).
    """

    kind: str
    item: str
    locked: str
    current: str


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    return json.dumps(v, sort_keys=True, ensure_ascii=False)


def deviations(lock: Lock, raw: Mapping[str, Any]) -> list[Deviation]:
    """Every change from the locked plan to the plan of ``raw``, in a stable order."""
    old, new = dict(lock.plan), plan_of(raw)
    out: list[Deviation] = []
    o_old = {str(o.get("id")): o for o in old.get("outcomes", []) if isinstance(o, Mapping)}
    o_new = {str(o.get("id")): o for o in new.get("outcomes", []) if isinstance(o, Mapping)}
    for oid in o_new:
        if oid not in o_old:
            out.append(Deviation("outcome_added", oid, "", _text(o_new[oid])))
    for oid in o_old:
        if oid not in o_new:
            out.append(Deviation("outcome_removed", oid, _text(o_old[oid]), ""))
    for oid in o_new:
        if oid not in o_old:
            continue
        a, b = o_old[oid], o_new[oid]
        for k, kind in (("window_months", "window_changed"), ("family", "family_changed")):
            if a.get(k) != b.get(k):
                out.append(Deviation(kind, oid, _text(a.get(k)), _text(b.get(k))))
        rest_a = {k: v for k, v in a.items() if k not in ("window_months", "family")}
        rest_b = {k: v for k, v in b.items() if k not in ("window_months", "family")}
        if rest_a != rest_b:
            keys = sorted(k for k in set(rest_a) | set(rest_b) if rest_a.get(k) != rest_b.get(k))
            for k in keys:
                out.append(Deviation("outcome_changed", f"{oid}.{k}", _text(rest_a.get(k)),
                                     _text(rest_b.get(k))))
    an_old, an_new = dict(old.get("analysis", {})), dict(new.get("analysis", {}))
    if an_old.get("covariates") != an_new.get("covariates"):
        out.append(Deviation("covariates_changed", "analysis.covariates",
                             _text(an_old.get("covariates")), _text(an_new.get("covariates"))))
    for k in sorted((set(an_old) | set(an_new)) - {"covariates"}):
        if an_old.get(k) != an_new.get(k):
            out.append(Deviation("analysis_changed", f"analysis.{k}", _text(an_old.get(k)),
                                 _text(an_new.get(k))))
    sections = {"randomisation": "randomisation_changed", "arms": "arms_changed",
                "scales": "scales_changed", "trial": "other_changed"}
    for sec in sorted((set(old) | set(new)) - {"outcomes", "analysis"}):
        if old.get(sec) != new.get(sec):
            out.append(Deviation(sections.get(sec, "other_changed"), sec, _text(old.get(sec)),
                                 _text(new.get(sec))))
    return out
