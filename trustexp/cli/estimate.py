"""``trustexp estimate``: the effects of a trial as JSON, CSV or a text table."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from trustexp._atomic import check_output, write_atomic
from trustexp._message import text as _t
from trustexp.cli._options import (
    analysis_options,
    evaluate_kwargs,
    execution_options,
    option_flags,
)
from trustexp.cli._terminal import printable
from trustexp.errors import EXIT_OK, OptionError

__all__ = ["command"]


@click.command("estimate")
@click.argument("trial_dir", required=False, type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv", "text"]), default="json",
    show_default=True, help="Output format.",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (atomically) instead of standard output.",
)
@click.option(
    "--permutations", type=click.IntRange(min=0), default=None,
    help="Re-randomisations for p_value_ri (default: [analysis] permutations).",
)
@click.option("--min-cell", type=click.IntRange(min=0), default=None,
              help="Smallest group shown (default: [analysis] min_cell, 10; 0: none withheld).")
@click.option("--demo", is_flag=True, help="Estimate the embedded demo trial.")
@analysis_options
@execution_options()
def command(
    trial_dir: Path | None, fmt: str, output: Path | None, permutations: int | None,
    min_cell: int | None, demo: bool, **options: str | None,
) -> int:
    """Estimate every effect of the trial in TRIAL_DIR.

    One record per site, outcome and arm, with the fields of the trial data
    contract. Exit codes: 0 success, 1 the data break the contract (the
    validation report is printed), 2 the command could not run.
    """
    from trustexp.evaluation import evaluate

    if demo and trial_dir is not None:
        raise OptionError(_t("cli.demo_and_folder"))
    if not demo and trial_dir is None:
        raise OptionError(_t("cli.no_folder"))
    if output is not None and trial_dir is not None:
        check_output(output, what="--output", folder=trial_dir)
    args = ["trustexp", "estimate"]
    args += ["--demo"] if demo else [str(trial_dir)]
    args += ["--format", fmt]
    if permutations is not None:
        args += ["--permutations", str(permutations)]
    if min_cell is not None:
        args += ["--min-cell", str(min_cell)]
    for flag, value in option_flags(options).items():
        if value is not None:
            args += [flag, str(value)]
    ev = evaluate(trial_dir, demo=demo, permutations=permutations, command=" ".join(args),
                  **evaluate_kwargs(options))
    if output is not None:
        files = ev.trial.files or {}
        check_output(output, what="--output", inputs=files.values(),
                     folder=Path(files["trial.toml"]).parent if "trial.toml" in files else None)
    if fmt == "json":
        text = ev.to_json(min_cell=min_cell)
    elif fmt == "csv":
        text = ev.to_csv(min_cell=min_cell)
    else:
        text = printable(ev.summary(min_cell=min_cell))
    if output is not None:
        write_atomic(output, text, private=True)
    else:
        # JSON escapes control characters itself; CSV is data, cleaned only for a terminal
        if fmt == "csv" and sys.stdout.isatty():
            text = printable(text)
        click.echo(text, nl=False, color=fmt == "csv" or None)  # never strip bytes of data
    return EXIT_OK
