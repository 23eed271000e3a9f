"""Load the contract's schema files from ``data_schemas/``.

The tables are described by Frictionless Table Schemas (``<table>.schema.json``)
and ``trial.toml`` by a JSON Schema (``trial.schema.json``). trustexp's own
extensions are keys that start with ``trustexp:``:

``trustexp:contract``
    The contract version the file describes.
``trustexp:required`` (table)
    Whether the table must be present.
``trustexp:optional`` (field)
    The column may be absent (when present, its constraints hold).
``trustexp:formats`` (date field)
    The accepted ``strftime`` patterns (``%Y``, ``%m``, ``%d`` only).
``trustexp:rules`` (field)
    Rules Table Schema cannot say, dispatched on by name: ``bsn-refused``,
    ``not-future``, ``declared-arm``, ``baseline-before-randomisation``,
    ``scale-range``.
``trustexp:declaredFields`` (table)
    Columns that ``trial.toml`` declares (covariates, outcome columns, scale
    items), with the type and rules each must have.
``trustexp:anyOfFields`` (table)
    At least one of these columns must be present.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from trustexp.resources import schema_dir

__all__ = ["CONTRACT_VERSION", "FieldSpec", "TableSpec", "table_spec", "trial_schema"]

CONTRACT_VERSION = "1.1"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One column of a table schema."""

    name: str
    type: str
    required: bool = False
    unique: bool = False
    optional_column: bool = False
    enum: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    formats: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> FieldSpec:
        """Build from one entry of a Table Schema's ``fields``."""
        c = raw.get("constraints", {})
        enum = c.get("enum")
        return cls(
            name=raw["name"],
            type=raw.get("type", "string"),
            required=bool(c.get("required", False)),
            unique=bool(c.get("unique", False)),
            optional_column=bool(raw.get("trustexp:optional", False)),
            enum=tuple(enum) if enum is not None else None,
            minimum=c.get("minimum"),
            maximum=c.get("maximum"),
            pattern=c.get("pattern"),
            formats=tuple(raw.get("trustexp:formats", ("%Y-%m-%d",))),
            rules=tuple(raw.get("trustexp:rules", ())),
        )


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """Columns of this table that must exist in another table's columns."""

    fields: tuple[str, ...]
    resource: str
    reference: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One table of the contract, as its schema file declares it."""

    name: str
    required: bool
    fields: tuple[FieldSpec, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]
    missing_values: tuple[str, ...]
    declared: Mapping[str, Mapping[str, Any]]
    any_of: tuple[str, ...]
    path: Path

    def field(self, name: str) -> FieldSpec | None:
        """The field with this name, if the schema lists it."""
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def declared_field(self, name: str, kind: str) -> FieldSpec:
        """A field for a column that ``trial.toml`` declares (e.g. a covariate)."""
        raw = {"name": name, **self.declared[kind]}
        return FieldSpec.from_json(raw)


def _load(path: Path) -> dict[str, Any]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    version = raw.get("trustexp:contract")
    if version != CONTRACT_VERSION:  # pragma: no cover - a broken installation
        raise RuntimeError(f"{path} describes contract version {version}, not {CONTRACT_VERSION}")
    return raw


@cache
def table_spec(name: str) -> TableSpec:
    """Load ``data_schemas/<name>.schema.json``."""
    path = schema_dir() / f"{name}.schema.json"
    raw = _load(path)
    fks = tuple(
        ForeignKey(
            fields=tuple(fk["fields"]),
            resource=fk["reference"]["resource"],
            reference=tuple(fk["reference"]["fields"]),
        )
        for fk in raw.get("foreignKeys", ())
    )
    pk = raw.get("primaryKey", ())
    return TableSpec(
        name=raw["name"],
        required=bool(raw.get("trustexp:required", False)),
        fields=tuple(FieldSpec.from_json(f) for f in raw["fields"]),
        primary_key=(pk,) if isinstance(pk, str) else tuple(pk),
        foreign_keys=fks,
        missing_values=tuple(raw.get("missingValues", [""])),
        declared=MappingProxyType({k: MappingProxyType(dict(v)) for k, v in
                                   raw.get("trustexp:declaredFields", {}).items()}),
        any_of=tuple(raw.get("trustexp:anyOfFields", ())),
        path=path,
    )


@cache
def _trial_schema() -> str:
    return json.dumps(_load(schema_dir() / "trial.schema.json"))


def trial_schema() -> dict[str, Any]:
    """``data_schemas/trial.schema.json`` (JSON Schema, draft 2020-12): a fresh copy each call,
    so that no caller can change the schema for the rest of the process."""
    return json.loads(_trial_schema())
