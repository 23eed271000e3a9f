"""``pool.toml``: how trials are pooled, and which outcomes are the same.

```toml
[pooling]
method = "reml"            # or "dl", "pm"
knapp_hartung = true       # with the ad hoc correction
prediction = "sj"          # or "hts", "metafor" (see trustexp.stats.meta)
min_cell = 10              # smallest group shown (default: the largest of the trials')
alpha = 0.05
language = "nl"

[[outcomes]]               # outcomes whose ids differ between the trials
id = "exit_to_work"
label = { nl = "Uitstroom naar werk", en = "Exit to work" }
trials = { tilburg = "exit_work_24m", utrecht = "uitstroom_24" }   # trial key = folder name
```

Without ``[[outcomes]]`` entries, outcomes are matched by ``id``, then monthly
outcomes by measure and window (``exit_to_work`` over months 1..24 is the same
outcome in every trial).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from trustexp.errors import ConfigError, InputError
from trustexp.stats.meta import METHODS, PREDICTIONS, MetaMethod, Prediction

__all__ = ["PoolPlan", "read_plan"]


@dataclass(frozen=True)
class PoolPlan:
    """The parsed ``pool.toml`` (every field has a default)."""

    method: MetaMethod = "reml"
    knapp_hartung: bool = True
    prediction: Prediction = "sj"
    min_cell: int | None = None
    alpha: float = 0.05
    language: str = "nl"
    outcomes: tuple[Mapping[str, Any], ...] = ()
    source: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


def _fail(path: str, key: str, rule: str, got: Any) -> ConfigError:
    return ConfigError(f"{path}: the key '{key}' {rule}. Got {got!r} instead.")


def read_plan(path: str | Path | None) -> PoolPlan:
    """Read and check ``pool.toml`` (None: the defaults).

    Raises
    ------
    InputError
        The file is missing or is not valid TOML (exit code 2).
    ConfigError
        A key has a wrong value (its message names the key).
    """
    if path is None:
        return PoolPlan()
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"the pooling plan {p} does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"the pooling plan {p} could not be read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{p} is not valid TOML: {exc}") from exc
    name = p.name
    unknown = set(raw) - {"pooling", "outcomes"}
    if unknown:
        raise ConfigError(f"{name}: unknown table(s) {sorted(unknown)}; expected [pooling] and [[outcomes]].")
    pool = raw.get("pooling", {})
    if not isinstance(pool, Mapping):
        raise _fail(name, "pooling", "must be a table", pool)
    extra = set(pool) - {"method", "knapp_hartung", "prediction", "min_cell", "alpha", "language"}
    if extra:
        raise ConfigError(f"{name}: unknown key(s) {sorted(extra)} in [pooling].")
    method = pool.get("method", "reml")
    if method not in METHODS:
        raise _fail(name, "pooling.method", f"must be one of {list(METHODS)}", method)
    kh = pool.get("knapp_hartung", True)
    if not isinstance(kh, bool):
        raise _fail(name, "pooling.knapp_hartung", "must be true or false", kh)
    pi = pool.get("prediction", "sj")
    if pi not in PREDICTIONS:
        raise _fail(name, "pooling.prediction", f"must be one of {list(PREDICTIONS)}", pi)
    mc = pool.get("min_cell")
    if mc is not None and (not isinstance(mc, int) or isinstance(mc, bool) or mc < 0):
        raise _fail(name, "pooling.min_cell", "must be an integer >= 0", mc)
    alpha = pool.get("alpha", 0.05)
    if not isinstance(alpha, int | float) or isinstance(alpha, bool) or not 0 < alpha < 1:
        raise _fail(name, "pooling.alpha", "must be a number in (0, 1)", alpha)
    lang = pool.get("language", "nl")
    if lang not in ("nl", "en"):
        raise _fail(name, "pooling.language", "must be 'nl' or 'en'", lang)
    outs = raw.get("outcomes", [])
    if not isinstance(outs, list):
        raise _fail(name, "outcomes", "must be an array of tables ([[outcomes]])", outs)
    for i, o in enumerate(outs, start=1):
        if not isinstance(o, Mapping) or not isinstance(o.get("id"), str):
            raise _fail(name, f"outcomes[{i}].id", "must be a string", o.get("id") if isinstance(o, Mapping) else o)
        trials = o.get("trials")
        if not isinstance(trials, Mapping) or len(trials) < 2 or not all(isinstance(v, str) for v in trials.values()):
            raise _fail(name, f"outcomes[{i}].trials", "must map two or more trial keys to outcome ids", trials)
    return PoolPlan(method=cast(MetaMethod, method), knapp_hartung=kh, prediction=cast(Prediction, pi), min_cell=mc, alpha=float(alpha), language=lang,
                    outcomes=tuple(outs), source=str(p), raw=raw)
