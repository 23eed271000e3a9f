"""The parts of the plan for subgroups, margins and pooling (contract v1.1).

Read once here from the parsed ``trial.toml`` (:attr:`TrialConfig.raw`), which
``data_schemas/trial.schema.json`` has validated: ``[[subgroups]]``, the
outcome keys ``margin``, ``test`` and ``direction``, and ``[pooling]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from trustexp.config import TrialConfig
from trustexp.errors import ConfigError
from trustexp.stats.meta import MetaMethod, Prediction

__all__ = ["Margin", "Pooling", "Subgroup", "margins", "pooling", "subgroup_codes", "subgroups"]

MarginTest = Literal["equivalence", "non-inferiority"]
Direction = Literal["higher", "lower"]
#: The group of persons whose subgroup variable is missing.
MISSING_GROUP = "missing"


@dataclass(frozen=True, slots=True)
class Subgroup:
    """A pre-declared subgroup: a column cut at numbers, or split by its values.

    ``groups`` are the group names in order: for cuts ``"<50"`` and ``">=50"``,
    for values the values as text.
    """

    id: str
    column: str
    cut: tuple[float, ...] = ()
    values: tuple[str, ...] = ()
    label: str | Mapping[str, str] | None = None
    exploratory: bool = False

    def display_label(self, lang: str = "nl") -> str:
        """The label in a language (the other language, then the id, as fallbacks)."""
        if isinstance(self.label, Mapping):
            return str(self.label.get(lang) or next(iter(self.label.values()), self.id))
        return self.label or self.id


@dataclass(frozen=True, slots=True)
class Margin:
    """The margin of an outcome, its test, and which way is better."""

    outcome: str
    margin: float
    test: MarginTest
    direction: Direction


@dataclass(frozen=True, slots=True)
class Pooling:
    """How per-site (and per-trial) estimates are pooled."""

    method: MetaMethod = "reml"
    knapp_hartung: bool = True
    #: the prediction interval (see :mod:`trustexp.stats.meta`)
    prediction: Prediction = "sj"


def subgroups(config: TrialConfig) -> tuple[Subgroup, ...]:
    """The ``[[subgroups]]`` of the plan, in declaration order."""
    out = []
    for s in config.raw.get("subgroups", ()):
        out.append(Subgroup(
            id=str(s["id"]), column=str(s["column"]),
            cut=tuple(float(c) for c in s.get("cut", ())),
            values=tuple(str(v) for v in s.get("values", ())),
            label=s.get("label"), exploratory=bool(s.get("exploratory", False)),
        ))
    return tuple(out)


def margins(config: TrialConfig) -> dict[str, Margin]:
    """The outcomes with a ``margin``: ``{outcome id: Margin}``."""
    out = {}
    for o in config.raw.get("outcomes", ()):
        if "margin" in o:
            out[str(o["id"])] = Margin(str(o["id"]), float(o["margin"]),
                                       o.get("test", "equivalence"), o.get("direction", "higher"))
    return out


def direction(config: TrialConfig, outcome: str) -> Direction:
    """Which way is better for an outcome (default ``"higher"``)."""
    for o in config.raw.get("outcomes", ()):
        if o.get("id") == outcome:
            return o.get("direction", "higher")
    return "higher"


def pooling(config: TrialConfig | Mapping[str, Any]) -> Pooling:
    """The ``[pooling]`` table (of a trial, or of ``pool.toml``), with its defaults."""
    raw = config.raw if isinstance(config, TrialConfig) else config
    p = raw.get("pooling", {})
    return Pooling(method=p.get("method", "reml"), knapp_hartung=bool(p.get("knapp_hartung", True)),
                   prediction=p.get("prediction", "sj"))


def _number(x: float) -> str:
    return f"{x:g}"


def subgroup_codes(sub: Subgroup, participants: pd.DataFrame) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each participant's group (``MISSING_GROUP`` where the column is missing) and the groups.

    Raises
    ------
    ConfigError
        The column is not in the participants table, or a cut subgroup's column is not numeric.
    """
    if sub.column not in participants.columns:
        raise ConfigError(
            f"trial.toml: subgroup '{sub.id}' names the column '{sub.column}', which the "
            f"participants table does not have (rule: subgroup column)."
        )
    col = participants[sub.column]
    if sub.cut:
        x = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        given = col.notna() & col.astype("string").str.strip().ne("")
        bad = given.fillna(False).to_numpy(dtype=bool) & ~np.isfinite(x)
        if bad.any():
            row = int(np.flatnonzero(bad)[0]) + 1
            raise ConfigError(
                f"participants, row {row}, column '{sub.column}': subgroup '{sub.id}' cuts it at "
                f"numbers, so it must be numeric (rule: subgroup cut)."
            )
        cuts = sorted(sub.cut)
        names = [f"<{_number(cuts[0])}"]
        names += [f"{_number(a)}-{_number(b)}" for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
        names.append(f">={_number(cuts[-1])}")
        idx = np.searchsorted(np.asarray(cuts), x, side="right")
        groups = np.where(np.isfinite(x), np.asarray(names, dtype=object)[np.minimum(idx, len(cuts))],
                          MISSING_GROUP)
        return groups.astype(str), tuple(names)
    text = col.astype("string")
    values = sub.values or tuple(sorted(str(v) for v in text.dropna().unique()))
    # numbers read as floats ("1.0") match a declared "1"
    norm = text.map(lambda v: v[:-2] if isinstance(v, str) and v.endswith(".0") else v, na_action="ignore")
    groups = np.where(norm.isin(values).fillna(False).to_numpy(dtype=bool),
                      norm.fillna(MISSING_GROUP).to_numpy(dtype=object), MISSING_GROUP)
    return groups.astype(str), tuple(values)
