"""The ``trustexp`` command line: a thin layer over the Python API.

Every command returns its exit code: 0 success, 1 the data break the contract,
2 the command could not run. Errors end in a message on standard error, never a
traceback (set ``TRUSTEXP_DEBUG=1`` to see one).
"""

from __future__ import annotations

import importlib
import io
import os
import sys
import traceback
import warnings
from collections.abc import Sequence

import click

from trustexp._version import __version__
from trustexp.cli._terminal import echo, printable
from trustexp.errors import EXIT_CANNOT_RUN, ContractError, TrustexpError

__all__ = ["cli", "main"]


class _Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwind (removing temporaries) and exit."""


def _on_signal(signum: int, frame: object) -> None:
    raise _Terminated(signum)


def _catch_signals() -> dict[int, object]:
    """Turn SIGTERM and SIGHUP into an exception; return the handlers they had."""
    import signal
    import threading

    previous: dict[int, object] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, _on_signal)
    return previous


def _restore_signals(previous: dict[int, object]) -> None:
    import signal

    for number, handler in previous.items():
        signal.signal(number, handler)  # type: ignore[arg-type]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trustexp")
def cli() -> None:
    """Evaluate randomised social-assistance (bijstand) experiments.

    Exit codes: 0 success, 1 the data break the contract, 2 the command could
    not run (usage, unreadable or missing files).
    """


def _register() -> None:
    from trustexp.cli import estimate, init, pool, pseudonymise, report, simulate, validate

    for module in (init, validate, estimate, report, simulate, pseudonymise, pool):
        cli.add_command(module.command)
    cli.add_command(importlib.import_module("trustexp.cli.design").command)
    cli.add_command(importlib.import_module("trustexp.cli.randomise").command)
    cli.add_command(importlib.import_module("trustexp.cli.lock").command)


def _argv_language(argv: Sequence[str]) -> str | None:
    """The value of ``--lang`` on the command line, if any."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def _localise_help(lang: str) -> None:
    """Help texts of the group, the commands and their options from the ``cli`` catalogue."""
    from trustexp.texts import catalogue

    cat = catalogue("cli", lang)
    cli.help = cat["group.help"]
    for name, cmd in cli.commands.items():
        cmd.help = cat.get(f"{name}.help", cmd.help)
        for param in cmd.params:
            if isinstance(param, click.Option):
                param.help = cat.get(f"{name}.option.{param.name}", param.help)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code.

    Help texts and messages are in the language of ``--lang``, else of the
    environment (``TRUSTEXP_LANG``, ``LANG``, ...), else English; a report of
    the data's problems also follows ``[trial] language``. SIGTERM and SIGHUP
    end the command like an error (exit code 2), after its temporary files are
    removed.
    """
    from trustexp.texts import language

    _register()
    args = list(argv) if argv is not None else sys.argv[1:]
    explicit = _argv_language(args)
    explicit = explicit if explicit in ("nl", "en") else None
    _localise_help(language(explicit))
    previous = _catch_signals()
    try:
        with warnings.catch_warnings():
            if not os.environ.get("TRUSTEXP_DEBUG"):
                # Numerical and font warnings (an overflow in a mean of extreme values,
                # a glyph a font lacks) are about results the output already marks.
                warnings.simplefilter("ignore", RuntimeWarning)
                warnings.simplefilter("ignore", UserWarning)
            return _main(args, explicit)
    finally:
        _restore_signals(previous)


def _main(args: list[str], explicit: str | None) -> int:
    from trustexp.texts import catalogue, language

    try:
        rc = cli.main(args=args, standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("trustexp: interrupted", err=True)
        return EXIT_CANNOT_RUN
    except click.ClickException as exc:
        shown = io.StringIO()
        exc.show(file=shown)
        echo(shown.getvalue(), err=True, nl=False)
        return EXIT_CANNOT_RUN
    except ContractError as exc:
        lang = language(explicit, exc.report.language)
        echo(exc.report.to_text(lang=lang), err=True)
        count = len(exc.report.errors)
        echo(f"trustexp: {catalogue('cli', lang).t('message.contract', count=count)}", err=True)
        return exc.exit_code
    except TrustexpError as exc:
        echo(f"trustexp: {exc}", err=True)
        return exc.exit_code
    except RecursionError:
        echo("trustexp: the input nests too deeply to be processed", err=True)
        return EXIT_CANNOT_RUN
    except MemoryError:
        echo("trustexp: not enough memory for this input", err=True)
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        click.echo("trustexp: interrupted", err=True)
        return EXIT_CANNOT_RUN
    except _Terminated:
        click.echo("trustexp: terminated; nothing was written", err=True)
        return EXIT_CANNOT_RUN
    except Exception as exc:  # the last line of defence: never a traceback
        if os.environ.get("TRUSTEXP_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"trustexp: internal error ({type(exc).__name__}: {printable(str(exc))}). "
            "Please report it; set TRUSTEXP_DEBUG=1 to see the details.",
            err=True,
        )
        return EXIT_CANNOT_RUN
    return int(rc or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
