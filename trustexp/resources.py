"""Locate the files that ship with trustexp: schemas, report templates, the demo trial.

In an installed wheel they live in ``trustexp/_resources/``; in a source checkout
(editable install) they are the top-level folders ``data_schemas/`` and
``report_templates/`` of the repository.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["demo_dir", "schema_dir", "template_dir"]

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / "_resources" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(  # pragma: no cover - a broken installation
        f"trustexp cannot find its '{name}' folder; reinstall trustexp"
    )


@cache
def schema_dir() -> Path:
    """Return the folder of the contract's schema files (``data_schemas/``)."""
    return _find("data_schemas")


@cache
def template_dir() -> Path:
    """Return the folder of the report templates (``report_templates/``)."""
    return _find("report_templates")


def demo_dir() -> Path:
    """Return the folder of the embedded demo trial (``trustexp/demo/``)."""
    return _PACKAGE / "demo"
