"""The analysis options that Python and the command line may override, checked in one place.

Each option is a key of ``trial.toml``: ``covariates``, ``adjustment``,
``standard_errors``, ``multiple_testing``, ``alpha``, ``permutations``,
``seed`` and ``min_cell`` of ``[analysis]``, ``cluster`` of ``[randomisation]``,
and ``outcomes``, the ids of the ``[[outcomes]]`` to estimate (a subset, in
declaration order). Two more say where the re-randomisations run, and change
no result: ``workers`` (a local Dask cluster of that many workers) and
``scheduler`` (the address of a running Dask scheduler); see
:mod:`trustexp.executor`. A value is checked against the same JSON Schema
(``data_schemas/trial.schema.json``) that checks the key in ``trial.toml``,
and a column it names against the participants table as the table checks do
(present, numeric for a covariate). A wrong value raises
:class:`~trustexp.errors.OptionError` with a message in the style of
scikit-learn::

    The 'alpha' parameter of evaluate must be a float in (0, 1). Got 1.5 instead.

>>> from trustexp.options import check_options
>>> check_options("evaluate", {"alpha": 0.1})     # doctest: +SKIP
{'alpha': 0.1}
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from jsonschema import Draft202012Validator

from trustexp._message import Message
from trustexp._message import text as _t
from trustexp.errors import OptionError
from trustexp.validation._schema import trial_schema

if TYPE_CHECKING:  # pragma: no cover
    from trustexp.config import TrialConfig

__all__ = ["EXECUTION", "OPTIONS", "apply_options", "check_options", "describe_options",
           "execution_options"]

#: Option name -> (section of trial.toml, key). ``outcomes`` selects [[outcomes]] by id.
OPTIONS: dict[str, tuple[str, str]] = {
    "covariates": ("analysis", "covariates"),
    "adjustment": ("analysis", "adjustment"),
    "standard_errors": ("analysis", "standard_errors"),
    "cluster": ("randomisation", "cluster"),
    "multiple_testing": ("analysis", "multiple_testing"),
    "alpha": ("analysis", "alpha"),
    "outcomes": ("outcomes", "id"),
    "permutations": ("analysis", "permutations"),
    "seed": ("analysis", "seed"),
    "min_cell": ("analysis", "min_cell"),
}

#: Options that say where the work runs (not keys of trial.toml; they change no result).
EXECUTION: dict[str, dict[str, Any]] = {
    "workers": {"type": "integer", "minimum": 1},
    "scheduler": {"type": "string", "pattern": r"^[a-z][a-z0-9+.-]*://\S+$"},
}

_ID_LIST = {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True,
            "minItems": 1}


def _subschema(name: str) -> dict[str, Any]:
    """The JSON Schema of one option: the schema of its key in trial.toml."""
    if name in EXECUTION:
        return EXECUTION[name]
    section, key = OPTIONS[name]
    if name == "outcomes":
        return _ID_LIST
    props = trial_schema()["properties"][section]["properties"]
    return dict(props[key])


def _expected(schema: Mapping[str, Any]) -> Message:
    """The schema of an option in words: 'a float in (0, 1)', 'one of [...]'."""
    if "enum" in schema:
        return _t("options.expected.one_of", values=list(schema["enum"]))
    kind = schema.get("type")
    if kind == "number" or kind == "integer":
        word = _t("options.expected.float") if kind == "number" else _t("options.expected.integer")
        lo, hi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if lo is not None and hi is not None:
            return _t("options.expected.between", word=word, lo=lo, hi=hi)
        if schema.get("minimum") is not None:
            return _t("options.expected.at_least", word=word, minimum=schema["minimum"])
        return word
    if kind == "array":
        return _t("options.expected.column_list")
    if kind == "string" and "pattern" in schema:
        return _t("options.expected.scheduler")
    if kind == "string":
        return _t("options.expected.column")
    return _t("options.expected.valid")  # pragma: no cover - every option's schema is covered above


def _normalised(name: str, value: Any) -> Any:
    """Python values in the JSON shape the schema checks (tuples as lists, numpy scalars)."""
    if isinstance(value, np.generic):
        value = value.item()
    if name in ("covariates", "outcomes"):
        if isinstance(value, str):
            return [value] if name == "outcomes" else value
        if isinstance(value, Sequence | pd.Index | np.ndarray):
            return [v.item() if isinstance(v, np.generic) else v for v in value]
    if name == "alpha" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _joined(*parts: Message | None) -> Message | None:
    """Messages one after the other, separated by a space (None parts left out)."""
    present = [p for p in parts if p is not None]
    if not present:
        return None
    out = present[0]
    for p in present[1:]:
        out = _t("options.joined", first=out, second=p)
    return out


def _fail(func: str, name: str, expected: Message, value: Any,
          note: Message | None = None) -> OptionError:
    message = _t("options.invalid", name=repr(name), func=func, expected=expected, value=repr(value))
    return OptionError(_joined(message, note))


def _did_you_mean(word: Any, choices: Sequence[str]) -> Message | None:
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return _t("options.did_you_mean", choice=repr(close[0])) if close else None


def check_options(
    func: str,
    options: Mapping[str, Any],
    config: TrialConfig | None = None,
    participants: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Check analysis options; return them normalised (None values dropped).

    Parameters
    ----------
    func
        The public function that received them, named in the messages.
    options
        Option name to value; ``None`` means "as declared in trial.toml".
    config
        The trial's plan, to check outcome ids (optional).
    participants
        The participants table, to check the columns named by ``covariates``
        and ``cluster`` (optional).

    Raises
    ------
    OptionError
        An unknown option, or a value that the trial.toml key would not accept.
    """
    out: dict[str, Any] = {}
    known = sorted([*OPTIONS, *EXECUTION])
    for name, raw in options.items():
        if name not in known:
            raise OptionError(_joined(
                _t("options.unknown", func=func, name=repr(name), options=known),
                _did_you_mean(name, known),
            ))
        if raw is None:
            continue
        value = _normalised(name, raw)
        schema = _subschema(name)
        bad_bool = isinstance(value, bool) and schema.get("type") in ("integer", "number")
        if bad_bool or not Draft202012Validator(schema).is_valid(value):
            note = None
            if "enum" in schema:
                note = _did_you_mean(value, [str(v) for v in schema["enum"]])
            raise _fail(func, name, _expected(schema), raw, note)
        out[name] = tuple(value) if isinstance(value, list) else value
    if "workers" in out and "scheduler" in out:
        raise OptionError(_t("options.workers_and_scheduler", func=func,
                             workers=repr(options["workers"]),
                             scheduler=repr(options["scheduler"])))
    _check_against_trial(func, out, config, participants,
                         {k: v for k, v in options.items() if v is not None})
    return out


def _check_against_trial(
    func: str, out: Mapping[str, Any], config: TrialConfig | None,
    participants: pd.DataFrame | None, given: Mapping[str, Any],
) -> None:
    if config is not None and "outcomes" in out:
        ids = [o.id for o in config.outcomes]
        for ident in out["outcomes"]:
            if ident not in ids:
                raise _fail(func, "outcomes", _t("options.expected.outcome_ids", ids=ids),
                            given["outcomes"], _did_you_mean(ident, ids))
    if config is not None:
        se = out.get("standard_errors", config.analysis.standard_errors)
        cluster = out.get("cluster", config.se_cluster)
        if str(se).startswith("CR") and cluster is None:
            raise _fail(func, "standard_errors", _t("options.expected.hc_without_cluster",
                                                    values=["HC0", "HC1", "HC2", "HC3"]),
                        se, _t("options.cr_needs_cluster"))
    if participants is None:
        return
    columns = [str(c) for c in participants.columns]
    named = [("covariates", c) for c in out.get("covariates", ())]
    if "cluster" in out:
        named.append(("cluster", out["cluster"]))
    for name, column in named:
        if column not in columns:
            what = _t("options.expected.numeric_columns") if name == "covariates" else \
                _t("options.expected.participants_column")
            raise _fail(func, name, what, given[name],
                        _joined(_t("options.no_column", column=repr(column)),
                                _did_you_mean(column, columns)))
        if name == "covariates":
            values = participants[column]
            numeric = pd.to_numeric(values, errors="coerce")
            bad = numeric.isna() & values.notna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
                raise _fail(func, name, _t("options.expected.numeric_columns"), given[name],
                            _t("options.not_numeric", column=repr(column), row=row,
                               value=repr(values.iloc[row - 1])))


def execution_options(options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Checked options split in two: (analysis options, execution options)."""
    run = {k: v for k, v in options.items() if k in EXECUTION}
    return {k: v for k, v in options.items() if k not in EXECUTION}, run


def apply_options(config: TrialConfig, options: Mapping[str, Any]) -> TrialConfig:
    """The plan with checked options (from :func:`check_options`) put in place."""
    an = config.analysis
    changes = {k: v for k, v in options.items()
               if k in {f.name for f in dataclasses.fields(an)}}
    new = dataclasses.replace(config, analysis=dataclasses.replace(an, **changes))
    if "cluster" in options:
        rnd = dataclasses.replace(config.randomisation, cluster=options["cluster"])
        new = dataclasses.replace(new, randomisation=rnd)
    if "outcomes" in options:
        keep = set(options["outcomes"])
        new = dataclasses.replace(new, outcomes=tuple(o for o in config.outcomes if o.id in keep))
    return new


def describe_options(config: TrialConfig, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The options an evaluation used, for the provenance and the report.

    Returns
    -------
    dict
        ``covariates, adjustment, standard_errors, cluster, multiple_testing,
        alpha, outcomes, permutations, seed, min_cell`` as used, and
        ``overridden``: the names given in Python or on the command line
        rather than taken from trial.toml (sorted).
    """
    an = config.analysis
    return {
        "covariates": list(an.covariates),
        "adjustment": an.adjustment,
        "standard_errors": an.standard_errors,
        "cluster": config.cluster,
        "multiple_testing": an.multiple_testing,
        "alpha": an.alpha,
        "outcomes": [o.id for o in config.outcomes],
        "permutations": an.permutations,
        "seed": an.seed,
        "min_cell": an.min_cell,
        "overridden": sorted(overrides),
    }
