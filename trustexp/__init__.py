"""trustexp: evaluate randomised social-assistance (bijstand) experiments.

The public API, in the order the data flow::

    report = trustexp.validate("my-trial")        # does the folder honour the contract?
    trial = trustexp.load_trial("my-trial")       # validated tables and plan
    ev = trustexp.evaluate("my-trial")            # effects, balance, attrition, inference
    trustexp.report(ev, "rapport.html")           # self-contained HTML report
    trustexp.design("my-trial")                   # what the trial could detect (also before data)
"""

from __future__ import annotations

import importlib
from typing import Any

from trustexp._version import __version__
from trustexp.errors import (
    ConfigError,
    ContractError,
    InputError,
    OptionError,
    TrustexpError,
)

# Public names that live in heavier modules are imported on first use, so that
# ``import trustexp`` and the command line start quickly.
_LAZY = {
    "DesignResult": "trustexp.planning",
    "Evaluation": "trustexp.evaluation",
    "Trial": "trustexp.trial",
    "TrialConfig": "trustexp.config",
    "ValidationReport": "trustexp.validation",
    "design": "trustexp.planning",
    "evaluate": "trustexp.evaluation",
    "load_trial": "trustexp.trial",
    "pseudonymise": "trustexp.pseudonym",
    "report": "trustexp.reporting",
    "simulate": "trustexp.simulation",
    "validate": "trustexp.validation",
}

__all__ = [
    "ConfigError",
    "ContractError",
    "DesignResult",
    "Evaluation",
    "InputError",
    "OptionError",
    "Trial",
    "TrialConfig",
    "TrustexpError",
    "ValidationReport",
    "__version__",
    "design",
    "evaluate",
    "load_trial",
    "pseudonymise",
    "report",
    "simulate",
    "validate",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'trustexp' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
