"""Check ``trial.toml`` against ``data_schemas/trial.schema.json``.

The JSON Schema says the keys, types, option sets and conditional requirements;
this module turns its failures into readable problems (with a "did you mean"
for unknown keys and option values), implements the schema's
``trustexp:memberOf`` keyword (a value must name a declared arm or scale), and
adds the few cross-references a schema cannot say (unique ids, a scale's
reverse items among its items).

A broken file is still used as far as it goes: the failing parts are pruned and
the rest (:class:`Plan`) drives the checks of the tables.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import ValidationError

from trustexp._message import text as _t
from trustexp.config import TrialConfig
from trustexp.errors import ConfigError, InputError
from trustexp.measures import required_columns
from trustexp.validation._report import Problem
from trustexp.validation._schema import trial_schema

__all__ = ["MAX_TOML_BYTES", "MAX_TOML_DEPTH", "Plan", "check_config", "plan_from_config",
           "read_toml"]

TABLE = "trial.toml"
#: The largest ``trial.toml`` read, in bytes.
MAX_TOML_BYTES = 1 << 20
#: The deepest nesting of tables and arrays in ``trial.toml``.
MAX_TOML_DEPTH = 16

_TOML_TYPES = {
    "object": "a table",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
}


def read_toml(path: Path) -> dict[str, Any]:
    """Parse ``trial.toml``.

    Raises
    ------
    InputError
        The file is missing, not a regular file (a FIFO, device or folder),
        larger than :data:`MAX_TOML_BYTES`, or cannot be read.
    ConfigError
        The file is not valid TOML (the message has the line and column), or
        nests tables and arrays deeper than :data:`MAX_TOML_DEPTH`.
    """
    from trustexp.readers import read_bounded

    if not (path.exists() or path.is_symlink()):
        raise InputError(_t("config.no_trial_toml", folder=path.parent))
    data = read_bounded(path, "trial.toml", MAX_TOML_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(_t("config.not_utf8", file=path.name, byte=exc.start + 1)) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_t("config.not_toml", file=path.name, detail=exc)) from None
    except RecursionError:
        doc = None
    if doc is None or _depth(doc) > MAX_TOML_DEPTH:
        raise ConfigError(_t("config.too_deep", file=path.name, depth=MAX_TOML_DEPTH))
    return doc


def _depth(value: Any) -> int:
    """The nesting depth of tables and arrays, counted without recursion."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level + 1)
        if deepest > MAX_TOML_DEPTH:
            return deepest
        stack.extend((c, level + 1) for c in children)
    return deepest


@dataclass(frozen=True)
class Plan:
    """What the table checks need from ``trial.toml``, read leniently.

    Parts of a broken ``trial.toml`` that fail the schema are left out;
    ``arms`` is None when the arms cannot be known (the arm check is skipped).
    """

    arms: tuple[str, ...] | None = None
    randomised_arms: tuple[str, ...] | None = None
    control: str | None = None
    strata: tuple[str, ...] = ()
    cluster: str | None = None
    covariates: tuple[str, ...] = ()
    participant_outcomes: tuple[tuple[str, str], ...] = ()  # (outcome id, column)
    survey_outcomes: tuple[tuple[str, str], ...] = ()
    scales: tuple[tuple[str, tuple[str, ...], int, int], ...] = ()  # id, items, lo, hi
    takeup_columns: tuple[str, ...] = ()
    windows: tuple[tuple[str, int], ...] = ()  # (outcome id, window months)
    monthly_columns: tuple[tuple[str, str], ...] = ()  # (outcome id, optional column it needs)
    needs: tuple[tuple[str, str], ...] = ()  # (table, outcome id) for outcomes on a table
    allocation: Mapping[str, float] = field(default_factory=dict)
    data: Mapping[str, str] = field(default_factory=dict)
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # [columns.<table>]
    categorical: tuple[str, ...] = ()
    analysis_cluster: str | None = None
    arm_codes: Mapping[str, str] = field(default_factory=dict)  # export code -> arm id
    arm_names: Mapping[str, str] = field(default_factory=dict)  # casefolded id or label -> arm id
    language: str = "nl"
    config: TrialConfig | None = None  # the parse the plan is a view of


def check_config(
    raw: Mapping[str, Any], directory: Path | str = "."
) -> tuple[list[Problem], dict[str, Any], Plan]:
    """Validate a parsed ``trial.toml``.

    Parameters
    ----------
    raw
        The parsed document.
    directory
        The trial folder (``[data]`` paths of the plan's config are resolved against it).

    Returns
    -------
    problems
        Every problem found, each with ``table="trial.toml"``.
    pruned
        The document without its failing parts.
    plan
        What the table checks need.
    """
    schema = trial_schema()
    validator = _validator_class(raw)(schema)
    errors = sorted(validator.iter_errors(raw), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    problems: list[Problem] = []
    removals: set[tuple[Any, ...]] = set()
    for err in errors:
        problems.extend(_problems(err, raw, schema))
        removals.update(_removals(err, raw))
    pruned = _prune(raw, (), removals)
    problems.extend(_cross_checks(pruned))
    return problems, pruned, _plan(pruned, directory)


# -- the schema's custom keyword -----------------------------------------------
def _validator_class(root: Any) -> type:
    """A draft 2020-12 validator that knows ``trustexp:memberOf`` for this document."""

    def member_of(validator: Any, target: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
        if not isinstance(instance, str):
            return
        allowed = _members(root, target)
        if allowed is not None and instance not in allowed:
            yield ValidationError(f"{instance!r} is not among {target}", validator_value=target)

    return jsonschema.validators.extend(
        jsonschema.Draft202012Validator, {"trustexp:memberOf": member_of}
    )


def _members(root: Any, target: str) -> list[str] | None:
    if not isinstance(root, Mapping):
        return None
    parts = [p for p in target.split("/") if p]
    node: Any = root.get(parts[0])
    if len(parts) == 1:
        return [str(k) for k in node] if isinstance(node, Mapping) else None
    if not isinstance(node, list):
        return [] if node is None else None
    key = parts[-1]
    return [str(x[key]) for x in node if isinstance(x, Mapping) and isinstance(x.get(key), str)]


# -- messages -----------------------------------------------------------------
def _where(path: tuple[Any, ...], raw: Any) -> str:
    """A readable location: ``[analysis] adjustment``, ``[[outcomes]] 2 ('x') window_months``."""
    if not path:
        return "trial.toml"
    head, rest = path[0], path[1:]
    if head in ("outcomes", "scales", "takeup") and rest and isinstance(rest[0], int):
        item = _get(raw, path[:2])
        ident = item.get("id") if isinstance(item, Mapping) else None
        label = f"[[{head}]] number {rest[0] + 1}" + (f" ('{ident}')" if isinstance(ident, str) else "")
        tail = ".".join(map(str, rest[1:]))
        return f"{label} {tail}".strip()
    tail = ".".join(map(str, rest))
    return f"[{head}] {tail}".strip()


def _dotted(path: tuple[Any, ...]) -> str | None:
    if not path:
        return None
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _get(raw: Any, path: tuple[Any, ...]) -> Any:
    node = raw
    for p in path:
        try:
            node = node[p]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return str(value)


def _type_of(value: Any) -> str:
    for name, test in (
        ("boolean", lambda v: isinstance(v, bool)),
        ("integer", lambda v: isinstance(v, int)),
        ("number", lambda v: isinstance(v, float)),
        ("string", lambda v: isinstance(v, str)),
        ("array", lambda v: isinstance(v, list)),
        ("object", lambda v: isinstance(v, Mapping)),
    ):
        if test(value):
            return _TOML_TYPES[name]
    return type(value).__name__


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _problem(path: tuple[Any, ...], value: Any, rule: str, message: str) -> Problem:
    shown = None if value is None or isinstance(value, Mapping | list) else _scalar(value)
    return Problem(TABLE, None, _dotted(path), shown, rule, message)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _custom_message(err: ValidationError, raw: Any) -> str | None:
    messages = err.schema.get("trustexp:messages", {}) if isinstance(err.schema, Mapping) else {}
    template = messages.get(err.validator)
    if template is None:
        return None
    obj = _get(raw, tuple(err.absolute_path))
    values: dict[str, Any] = {}
    if isinstance(obj, Mapping):
        values.update({k: v for k, v in obj.items() if isinstance(v, str | int | float)})
    if isinstance(raw, Mapping):  # keys of the top-level tables, where the object lacks them
        for body in raw.values():
            if isinstance(body, Mapping):
                for k, v in body.items():
                    if isinstance(v, str | int | float):
                        values.setdefault(k, v)
    try:
        return template.format_map(_Default(values))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


class _Default(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def _problems(err: ValidationError, raw: Any, schema: Mapping[str, Any]) -> list[Problem]:
    path = tuple(err.absolute_path)
    value = err.instance
    where = _where(path, raw)
    custom = _custom_message(err, raw)
    v = err.validator
    if v == "additionalProperties" and isinstance(value, Mapping):
        allowed = sorted(err.schema.get("properties", {}))
        out = []
        for key in sorted(set(value) - set(allowed)):
            section = "the top level" if not path else where
            valid = ", ".join(allowed)
            msg = f"unknown key {key!r} in {section}{_suggest(key, allowed)} (valid keys: {valid})"
            if not path:
                msg = f"unknown table [{key}]{_suggest(key, allowed)} (valid tables: {valid})"
            out.append(_problem((*path, key), None, "unknown-key", msg))
        return out
    if v == "required":
        missing = [k for k in err.validator_value if not (isinstance(value, Mapping) and k in value)]
        out = []
        for key in missing:
            if custom:
                msg = custom
            elif not path:
                msg = f"trial.toml has no [{key}] table; it is required"
            else:
                msg = f"{where} is missing {key!r}, which is required"
            out.append(_problem((*path, key), None, "required", msg))
        return out
    if v == "enum":
        options = [str(o) for o in err.validator_value]
        if custom:
            msg = custom
        else:
            hint = _suggest(value, options) if isinstance(value, str) else ""
            msg = f"{where} must be one of {', '.join(repr(o) for o in options)}; got {_show(value)}{hint}"
        return [_problem(path, value, "enum", msg)]
    if v == "const":
        msg = custom or f"{where} must be {_show(err.validator_value)}; got {_show(value)}"
        return [_problem(path, value, "enum", msg)]
    if v == "type":
        expected = err.validator_value
        names = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_TOML_TYPES.get(n, n) for n in names)
        msg = custom or f"{where} must be {wanted}; got {_type_of(value)} ({_show(value)})"
        return [_problem(path, value, "type", msg)]
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        op = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[v]
        msg = custom or f"{where} must be {op} {err.validator_value}; got {_show(value)}"
        return [_problem(path, value, "range", msg)]
    if v == "trustexp:memberOf":
        target = err.validator_value
        choices = _members(raw, target) or []
        kind = {"/arms": "arm", "/scales/*/id": "scale"}.get(target, target)
        listed = ", ".join(repr(c) for c in choices) or "none"
        msg = (
            f"{where} names the {kind} {value!r}, which trial.toml does not declare "
            f"(declared: {listed}){_suggest(str(value), choices)}"
        )
        rule = "unknown-arm" if kind == "arm" else "unknown-scale"
        return [_problem(path, value, rule, msg)]
    if v == "anyOf" and all(isinstance(sub, Mapping) and set(sub) == {"required"} for sub in err.validator_value):
        keys = [k for sub in err.validator_value for k in sub["required"]]
        listed = " or ".join(repr(k) for k in keys)
        msg = custom or f"{where} needs {listed}"
        return [_problem((*path, keys[0]), None, "required", msg)]
    if v == "oneOf":
        msg = custom or f"{where} ({_show(value)}) matches none of the accepted forms"
        return [_problem(path, value if not isinstance(value, Mapping) else None, "form", msg)]
    if v in ("minItems", "maxItems", "minProperties", "uniqueItems", "minLength", "pattern"):
        detail = {
            "minItems": f"needs at least {err.validator_value} entr{'y' if err.validator_value == 1 else 'ies'}",
            "maxItems": f"takes at most {err.validator_value} entries",
            "minProperties": f"needs at least {err.validator_value} entries",
            "uniqueItems": "lists a value twice",
            "minLength": "must not be empty",
            "pattern": (
                "must be an id of letters, digits, _ . - only (no '..', no line break)"
                if "A-Za-z0-9_.-" in str(err.validator_value)
                else f"must match the pattern {err.validator_value}"
            ),
        }[v]
        if v == "pattern" and not path:
            where = "a key"
        msg = custom or f"{where} {detail}; got {_show(value)}"
        return [_problem(path, value, v, msg)]
    return [_problem(path, value, v, custom or f"{where}: {err.message}")]


def _removals(err: ValidationError, raw: Any) -> set[tuple[Any, ...]]:
    path = tuple(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, Mapping):
        allowed = set(err.schema.get("properties", {}))
        return {(*path, k) for k in err.instance if k not in allowed}
    return {path} if path else set()


def _prune(node: Any, path: tuple[Any, ...], removals: set[tuple[Any, ...]]) -> Any:
    if isinstance(node, Mapping):
        return {k: _prune(v, (*path, k), removals) for k, v in node.items() if (*path, k) not in removals}
    if isinstance(node, list):
        return [_prune(v, (*path, i), removals) for i, v in enumerate(node) if (*path, i) not in removals]
    return node


# -- what a schema cannot say ------------------------------------------------------
def _cross_checks(doc: Mapping[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    for section in ("outcomes", "scales"):
        seen: dict[str, int] = {}
        for i, item in enumerate(_list(doc, section)):
            ident = item.get("id")
            if not isinstance(ident, str):
                continue
            if ident in seen:
                out.append(
                    _problem(
                        (section, i, "id"),
                        ident,
                        "unique",
                        f"[[{section}]] number {i + 1} repeats the id {ident!r} of number {seen[ident] + 1}; ids must be unique",
                    )
                )
            else:
                seen[ident] = i
    for i, o in enumerate(_list(doc, "outcomes")):
        win = o.get("window")
        if isinstance(win, list) and len(win) == 2 and all(isinstance(m, int) for m in win):
            if win[0] > win[1]:
                out.append(_problem(("outcomes", i, "window"), None, "window",
                                    f"outcome '{o.get('id', '?')}' has window = [{win[0]}, "
                                    f"{win[1]}]: the first month must not come after the last"))
            if "window_months" in o:
                out.append(_problem(("outcomes", i, "window"), None, "window",
                                    f"outcome '{o.get('id', '?')}' sets both 'window' and "
                                    "'window_months'; give one of them"))
    for i, scale in enumerate(_list(doc, "scales")):
        where = _where(("scales", i), doc)
        items = [x for x in scale.get("items", []) if isinstance(x, str)]
        for item in scale.get("reverse", []):
            if item not in items:
                out.append(
                    _problem(
                        ("scales", i, "reverse"),
                        item,
                        "unknown-item",
                        f"{where} reverse-codes {item!r}, which is not one of its items ({', '.join(items)}){_suggest(item, items)}",
                    )
                )
        rng = scale.get("range")
        if isinstance(rng, list) and len(rng) == 2 and all(isinstance(x, int) for x in rng) and rng[0] >= rng[1]:
            out.append(
                _problem(("scales", i, "range"), None, "range", f"{where} range must be [low, high] with low < high; got {rng}")
            )
        need = scale.get("min_items")
        if isinstance(need, int) and items and need > len(items):
            out.append(
                _problem(
                    ("scales", i, "min_items"),
                    need,
                    "range",
                    f"{where} min_items is {need}, but the scale has only {len(items)} items",
                )
            )
    arms = doc.get("arms")
    control = _get(doc, ("trial", "control_arm"))
    if isinstance(arms, Mapping) and isinstance(control, str) and control in arms:
        spec = arms[control]
        if isinstance(spec, Mapping) and spec.get("kind") not in (None, "control"):
            out.append(
                _problem(
                    ("arms", control, "kind"),
                    spec.get("kind"),
                    "control-kind",
                    f"[arms] {control} is the control arm (control_arm), so its kind must be 'control'; got {spec.get('kind')!r}",
                )
            )
        kinds = {k: (v.get("kind") if isinstance(v, Mapping) else None) for k, v in arms.items()}
        if not [k for k, kind in kinds.items() if k != control and kind != "reference"]:
            out.append(
                _problem(("arms",), None, "no-treatment", "[arms] declares no randomised arm besides the control arm")
            )
    return out


def _list(doc: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = doc.get(key)
    if not isinstance(value, list):
        return []
    return [x for x in value if isinstance(x, Mapping)]


def _plan(doc: Mapping[str, Any], directory: Path | str = ".") -> Plan:
    """The table checks' plan, from the one parse of ``trial.toml`` (:mod:`trustexp.config`)."""
    config = TrialConfig.from_dict(doc, directory, lenient=True)
    return plan_from_config(config, arms_known=bool(_list_or_map(doc.get("arms"))))


def _list_or_map(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value)


def plan_from_config(config: TrialConfig, *, arms_known: bool = True) -> Plan:
    """What the table checks need, as a view of a parsed :class:`~trustexp.config.TrialConfig`.

    Parameters
    ----------
    arms_known
        False when ``[arms]`` could not be read (the arm check is then skipped).
    """
    part_out, survey_out, windows, needs, monthly_cols = [], [], [], [], []
    for o in config.outcomes:
        if o.measure is not None:
            needs.append(("monthly", o.id))
            if o.window is not None:
                windows.append((o.id, int(o.window[1])))
            for col in required_columns(o.measure, o.min_hours):
                monthly_cols.append((o.id, col))
        elif o.scale is not None:
            needs.append(("survey", o.id))
        elif o.column is not None:
            if o.source == "survey":
                needs.append(("survey", o.id))
                survey_out.append((o.id, o.column))
            else:
                part_out.append((o.id, o.column))
    arms = tuple(a.id for a in config.arms) if arms_known and config.arms else None
    randomised = tuple(a.id for a in config.arms if a.randomised) if arms is not None else None
    codes: dict[str, str] = {}
    for a in config.arms:
        if a.code is not None:
            codes[a.code] = a.id
    names: dict[str, str] = {}
    for a in config.arms:
        for text in {a.id, a.label, *(t for _, t in a.labels.texts)}:
            names.setdefault(text.strip().casefold(), a.id)
    return Plan(
        arms=arms,
        randomised_arms=randomised,
        control=config.control_arm or None,
        strata=config.strata,
        cluster=config.cluster,
        covariates=config.analysis.covariates,
        participant_outcomes=tuple(part_out),
        survey_outcomes=tuple(survey_out),
        scales=tuple((s.id, s.items, int(s.range[0]), int(s.range[1])) for s in config.scales),
        takeup_columns=tuple(t.column for t in config.takeup),
        windows=tuple(windows),
        monthly_columns=tuple(monthly_cols),
        needs=tuple(needs),
        allocation=dict(config.randomisation.allocation),
        data=dict(config.sources),
        columns={k: dict(v) for k, v in config.columns.items()},
        categorical=config.analysis.categorical,
        analysis_cluster=config.analysis.cluster,
        arm_codes=codes,
        arm_names=names,
        language=config.language,
        config=config,
    )
