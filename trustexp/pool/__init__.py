"""Pooling across trials: ``trustexp pool DIR1 DIR2 ... -o FILE``.

>>> result = pool_trials(["tilburg/", "utrecht/"], plan="pool.toml")   # doctest: +SKIP
>>> result.released().frame("pooled")                                    # doctest: +SKIP

Each trial is evaluated as ``trustexp.evaluate`` does (its own plan, model and
standard errors); arms are matched by kind and outcomes by id, by measure and
window, or by ``pool.toml`` (:mod:`trustexp.pool._match`); every matched
(outcome, arm kind) is pooled in two stages (random effects over the trials'
estimates) and in one stage (one regression with trial x stratum fixed
effects) (:mod:`trustexp.pool._estimate`). Every output is made from the
records of the disclosure gate, which sees each trial's groups of people and
their sums.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from trustexp._version import __version__
from trustexp.disclosure import DEFAULT_MIN_CELL, Released, release_frames
from trustexp.errors import OptionError
from trustexp.frames import FrameFacts, FrameSpec
from trustexp.pool._estimate import (
    ONE_STAGE,
    POOL_TRIALS,
    POOLED_TRIALS,
    TrialInput,
    one_stage,
    pool_facts,
    two_stage,
)
from trustexp.pool._match import Left, OutcomeMatch, match_arms, match_outcomes, trial_keys
from trustexp.pool._plan import PoolPlan, read_plan

__all__ = ["PoolPlan", "PoolResult", "pool_trials", "read_plan"]

SPECS: tuple[FrameSpec, ...] = (POOL_TRIALS, POOLED_TRIALS, ONE_STAGE)


@dataclass(frozen=True, eq=False)
class PoolResult:
    """The pooling of several trials: matches, frames, and the gate's records.

    Attributes
    ----------
    trials
        The trials, in the order given (key = folder name).
    plan
        The pooling plan.
    outcomes, arms
        The matched outcomes, and ``{kind: {trial: arm id}}``.
    left_out
        What was not pooled, and why.
    frames
        ``pool_trials``, ``pooled`` (two-stage) and ``one_stage``.
    """

    trials: tuple[TrialInput, ...]
    plan: PoolPlan
    outcomes: tuple[OutcomeMatch, ...]
    arms: Mapping[str, Mapping[str, str]]
    left_out: tuple[Left, ...]
    frames: Mapping[str, pd.DataFrame]
    min_cell: int = DEFAULT_MIN_CELL
    _cache: dict[int, Released] = field(default_factory=dict, repr=False)

    def released(self, *, min_cell: int | None = None) -> Released:
        """The frames after the disclosure gate (see :mod:`trustexp.disclosure`)."""
        m = self.min_cell if min_cell is None else int(min_cell)
        if m not in self._cache:
            self._cache[m] = release_pool(self, m)
        return self._cache[m]

    def to_dict(self, *, min_cell: int | None = None) -> dict[str, Any]:
        """The results object: the trials, what was matched and left out, and the gate's records."""
        rel = self.released(min_cell=min_cell)
        out: dict[str, Any] = {
            "trustexp_version": __version__,
            "trials": [{"trial": t.key, "name": t.ev.config.name, "data_sha256": t.ev.data_sha256}
                       for t in self.trials],
            "method": self.plan.method,
            "knapp_hartung": self.plan.knapp_hartung,
            "prediction": self.plan.prediction,
            "min_cell": rel.min_cell,
            "matched_outcomes": [{"outcome": m.key, "how": m.how, "trials": dict(m.ids)} for m in self.outcomes],
            "matched_arms": [{"arm": k, "trials": dict(v)} for k, v in self.arms.items()],
            "left_out": [{"what": x.what, "trial": x.trial, "item": x.item, "reason": x.reason.split(".", 1)[1]}
                         for x in self.left_out],
        }
        for spec in SPECS:
            out[spec.name] = rel.json_records(spec.name, spec)
        return out

    def to_json(self, *, min_cell: int | None = None) -> str:
        """:meth:`to_dict` as JSON text (UTF-8, sorted as declared, one trailing newline)."""
        return json.dumps(self.to_dict(min_cell=min_cell), ensure_ascii=False, indent=2) + "\n"


def release_pool(result: PoolResult, min_cell: int) -> Released:
    """Pass the pool frames through the disclosure gate (primary, dominance, secondary)."""
    def facts(spec: FrameSpec, frame: pd.DataFrame) -> FrameFacts:
        return pool_facts(frame, result.trials, result.outcomes, result.arms, per_trial=spec is POOL_TRIALS)

    return release_frames([(spec, result.frames[spec.name]) for spec in SPECS], facts, min_cell)


def pool_trials(dirs: Sequence[str | Path], *, plan: str | Path | PoolPlan | None = None,
                demo: bool = False, min_cell: int | None = None) -> PoolResult:
    """Evaluate the trials in ``dirs`` (and the embedded demo with ``demo``) and pool them.

    Raises
    ------
    OptionError
        Fewer than two trials.
    """
    from trustexp.evaluation import evaluate

    p = plan if isinstance(plan, PoolPlan) else read_plan(plan)
    evs = []
    names = []
    if demo:
        evs.append(evaluate(demo=True, permutations=0))
        names.append("demo")
    for d in dirs:
        evs.append(evaluate(d, permutations=0))
        names.append(Path(d).resolve().name)
    if len(evs) < 2:
        raise OptionError(f"The pool command needs two or more trials. Got {len(evs)} instead.")
    trials = tuple(TrialInput(k, ev) for k, ev in zip(trial_keys(names), evs, strict=True))
    configs = {t.key: t.ev.config for t in trials}
    arms, left_arms = match_arms(configs)
    outcomes, left_out = match_outcomes(configs, p)
    per_trial, pooled = two_stage(trials, outcomes, arms, method=p.method, knapp_hartung=p.knapp_hartung,
                                  alpha=p.alpha, prediction=p.prediction)
    one = one_stage(trials, outcomes, arms, alpha=p.alpha)
    m = min_cell if min_cell is not None else (
        p.min_cell if p.min_cell is not None else max(t.ev.config.analysis.min_cell for t in trials))
    return PoolResult(trials, p, tuple(outcomes), arms, tuple(left_arms + left_out),
                      {"pool_trials": per_trial, "pooled": pooled, "one_stage": one}, min_cell=m)
