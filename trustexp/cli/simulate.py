"""``trustexp simulate OUT_DIR [--seed N]``: write a simulated trust experiment."""

from __future__ import annotations

from pathlib import Path

import click

from trustexp.errors import EXIT_OK

__all__ = ["command"]


@click.command(name="simulate")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    help="Seed of every random draw (default: the seed of the shipped demo trial).",
)
def command(out_dir: Path, seed: int | None) -> int:
    """Write a simulated multi-site trust experiment into the new folder OUT_DIR.

    Three sites in the style of Tilburg, Wageningen and Groningen, four arms
    and a reference group, with a monthly panel, three survey waves and
    take-up of intensive guidance. The monthly panel runs from 6 months before
    randomisation to 12 months after the 24-month trial, like register data:
    after the trial people keep their benefit and job state but part-time
    spells (and the extra earnings disregard) end, and 6% of people leave the
    municipality at some month, after which they have no rows (their time to
    exit is censored there). The same seed gives identical files. OUT_DIR
    must not exist or be empty (exit code 2 otherwise).
    """
    from trustexp.simulation import DEMO_SEED, simulate

    trial = simulate(out_dir, seed=DEMO_SEED if seed is None else seed)
    n = len(trial.participants)
    click.echo(f"Wrote a simulated trial of {n} people to {trial.path} (seed {trial.seed}).")
    return EXIT_OK
