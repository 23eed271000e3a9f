"""The ``trustexp`` command line: a thin layer over the Python API.

Every command returns its exit code: 0 success, 1 the data break the contract,
2 the command could not run. Errors end in a message on standard error, never a
traceback (set ``TRUSTEXP_DEBUG=1`` to see one).
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Sequence

import click

from trustexp._version import __version__
from trustexp.errors import EXIT_CANNOT_RUN, ContractError, TrustexpError

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trustexp")
def cli() -> None:
    """Evaluate randomised social-assistance (bijstand) experiments.

    Exit codes: 0 success, 1 the data break the contract, 2 the command could
    not run (usage, unreadable or missing files).
    """


def _register() -> None:
    from trustexp.cli import estimate, pseudonymise, report, simulate, validate

    for module in (validate, estimate, report, simulate, pseudonymise):
        cli.add_command(module.command)
    cli.add_command(importlib.import_module("trustexp.cli.design").command)
    cli.add_command(importlib.import_module("trustexp.cli.randomise").command)
    cli.add_command(importlib.import_module("trustexp.cli.lock").command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    _register()
    try:
        rc = cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("trustexp: interrupted", err=True)
        return EXIT_CANNOT_RUN
    except click.ClickException as exc:
        exc.show()
        return EXIT_CANNOT_RUN
    except ContractError as exc:
        click.echo(exc.report.to_text(), err=True)
        click.echo(f"trustexp: {exc}", err=True)
        return exc.exit_code
    except TrustexpError as exc:
        click.echo(f"trustexp: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("trustexp: interrupted", err=True)
        return EXIT_CANNOT_RUN
    except Exception as exc:  # the last line of defence: never a traceback
        if os.environ.get("TRUSTEXP_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"trustexp: internal error ({type(exc).__name__}: {exc}). "
            "Please report it; set TRUSTEXP_DEBUG=1 to see the details.",
            err=True,
        )
        return EXIT_CANNOT_RUN
    return int(rc or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
