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
from collections.abc import Iterator, Sequence

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


def help_keys(command: click.Command, prefix: str = "") -> Iterator[tuple[str, click.Command, click.Option | None]]:
    """Every help text of ``command`` and its subcommands: (catalogue key, command, option).

    The key of a command's text is ``<path>.help`` (``group.help`` for the group
    itself), of an option ``<path>.option.<name>``, where ``<path>`` is the
    commands' names joined by dots (``group`` for the group's own options). The
    ``--help`` option of every command has the one key ``option.help``
    (option None).
    """
    path = prefix or "group"
    yield f"{path}.help", command, None
    for param in command.params:
        if isinstance(param, click.Option):
            yield f"{path}.option.{param.name}", command, param
    yield "option.help", command, None
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from help_keys(sub, f"{prefix}.{name}" if prefix else name)


def _localise_help(lang: str) -> None:
    """Help texts of the group, the commands and their options from the ``cli`` catalogue."""
    from trustexp.texts import catalogue

    cat = catalogue("cli", lang)
    for key, command, option in help_keys(cli):
        if option is not None:
            option.help = cat.get(key, option.help)
        elif key == "option.help":
            names = cli.context_settings.get("help_option_names", ["--help"])
            helper = command.get_help_option(click.Context(command, help_option_names=names))
            if helper is not None:
                helper.help = cat.get(key, helper.help)
        else:
            command.help = cat.get(key, command.help)


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


def _language(args: Sequence[str], explicit: str | None) -> str:
    """The language of a message: ``--lang``, else ``[trial] language`` of a folder named
    on the command line, else the environment."""
    from trustexp.texts import language, trial_language

    if explicit is None:
        for arg in args:
            if arg.startswith("-") or "\x00" in arg:
                continue
            found = trial_language(arg)
            if found is not None:
                return language(None, found)
    return language(explicit)


def _cli_text(args: Sequence[str], explicit: str | None, key: str, **values: object) -> str:
    """A message of the ``cli`` catalogue, in the language of the command."""
    from trustexp.texts import catalogue

    return catalogue("cli", _language(args, explicit)).t(key, **values)


def _main(args: list[str], explicit: str | None) -> int:
    from trustexp.texts import catalogue, language

    try:
        rc = cli.main(args=args, standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        click.echo(f"trustexp: {_cli_text(args, explicit, 'message.interrupted')}", err=True)
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
        echo(f"trustexp: {exc.localised(_language(args, explicit))}", err=True)
        return exc.exit_code
    except RecursionError:
        echo(f"trustexp: {_cli_text(args, explicit, 'message.nests')}", err=True)
        return EXIT_CANNOT_RUN
    except MemoryError:
        echo(f"trustexp: {_cli_text(args, explicit, 'message.memory')}", err=True)
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        click.echo(f"trustexp: {_cli_text(args, explicit, 'message.interrupted')}", err=True)
        return EXIT_CANNOT_RUN
    except _Terminated:
        click.echo(f"trustexp: {_cli_text(args, explicit, 'message.terminated')}", err=True)
        return EXIT_CANNOT_RUN
    except Exception as exc:  # the last line of defence: never a traceback
        if os.environ.get("TRUSTEXP_DEBUG"):
            traceback.print_exc()
        detail = f"{type(exc).__name__}: {printable(str(exc))}"
        click.echo(f"trustexp: {_cli_text(args, explicit, 'message.internal', detail=detail)}",
                   err=True)
        return EXIT_CANNOT_RUN
    return int(rc or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
