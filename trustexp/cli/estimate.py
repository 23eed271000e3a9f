"""``trustexp estimate``: the effects of a trial as JSON, CSV or a text table."""

from __future__ import annotations

from pathlib import Path

import click

from trustexp._atomic import write_atomic
from trustexp.cli._options import analysis_options, evaluate_kwargs, option_flags
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
        raise OptionError("give either TRIAL_DIR or --demo, not both")
    if not demo and trial_dir is None:
        raise OptionError("give a TRIAL_DIR (or --demo for the embedded demo trial)")
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
        inputs = {Path(p).resolve() for p in (ev.trial.files or {}).values()}
        if output.resolve() in inputs:
            raise OptionError(f"--output {output} is one of the trial's input files")
    if fmt == "json":
        text = ev.to_json(min_cell=min_cell)
    elif fmt == "csv":
        text = ev.to_csv(min_cell=min_cell)
    else:
        text = ev.summary(min_cell=min_cell)
    if output is not None:
        write_atomic(output, text, private=True)
    else:
        click.echo(text, nl=False)
    return EXIT_OK
