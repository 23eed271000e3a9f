"""The analysis options of ``trustexp estimate`` and ``trustexp report``.

The values arrive as text and are checked by :mod:`trustexp.options`, the same
checks (and the same messages) as the keyword arguments of
:func:`trustexp.evaluate`. ``--workers`` and ``--scheduler`` (where the
re-randomisations run; :func:`execution_options` adds them to a command) are
checked there too, and are left out of the command line kept in the
provenance, since they change no result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

__all__ = ["analysis_options", "evaluate_kwargs", "execution_options", "option_flags"]

_FLAGS = {
    "covariates": "--covariates",
    "adjustment": "--adjustment",
    "standard_errors": "--standard-errors",
    "cluster": "--cluster",
    "multiple_testing": "--multiple-testing",
    "alpha": "--alpha",
    "outcomes": "--outcomes",
    "seed": "--seed",
}
_RUN_FLAGS = {"workers": "--workers", "scheduler": "--scheduler"}

_HELP = {
    "covariates": "Comma-separated covariates (replaces [analysis] covariates; '' for none).",
    "adjustment": "Covariate adjustment: additive or lin.",
    "standard_errors": "HC0, HC1, HC2, HC3, CR0, CR1 or CR2.",
    "cluster": "Cluster column of participants (replaces [randomisation] cluster).",
    "multiple_testing": "holm, bh, romano-wolf or none.",
    "alpha": "Significance level in (0, 1); a decimal comma is accepted.",
    "outcomes": "Comma-separated ids of the declared outcomes to estimate.",
    "seed": "Seed of the re-randomisations (an integer >= 0).",
}


def analysis_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add the analysis options to a click command (as text, checked later)."""
    for name in reversed(list(_FLAGS)):
        f = click.option(_FLAGS[name], name, default=None, metavar="TEXT",
                         help=_HELP[name])(f)
    return f


_RUN_HELP = {
    "workers": "Run the {work} on a local Dask cluster of N workers "
               "(pip install 'trustexp[dask]'); the results are the same bits.",
    "scheduler": "Run the {work} on the Dask scheduler at this address "
                 "(tcp://host:8786); the results are the same bits.",
}


def execution_options(work: str = "re-randomisations") -> Callable[[Callable[..., Any]],
                                                                   Callable[..., Any]]:
    """Add ``--workers`` and ``--scheduler`` to a click command (as text, checked later).

    ``work`` names what runs on the workers in the help text.
    """

    def add(f: Callable[..., Any]) -> Callable[..., Any]:
        for name in reversed(list(_RUN_FLAGS)):
            f = click.option(_RUN_FLAGS[name], name, default=None,
                             metavar="N" if name == "workers" else "ADDRESS",
                             help=_RUN_HELP[name].format(work=work))(f)
        return f

    return add


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return text


def evaluate_kwargs(values: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of :func:`trustexp.evaluate` from the options' text."""
    out: dict[str, Any] = {}
    for name in [*_FLAGS, *_RUN_FLAGS]:
        text = values.get(name)
        if text is None:
            continue
        if name in ("covariates", "outcomes"):
            out[name] = [t.strip() for t in text.split(",") if t.strip()]
        elif name in ("alpha", "seed", "workers"):
            out[name] = _number(text)
        else:
            out[name] = text
    return out


def option_flags(values: dict[str, Any]) -> dict[str, Any]:
    """Flag to value, for the command line kept in the provenance."""
    return {_FLAGS[k]: values.get(k) for k in _FLAGS}
