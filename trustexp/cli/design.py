"""``trustexp design``: what a trial could detect, before or after the data."""

from __future__ import annotations

from pathlib import Path

import click

from trustexp._atomic import write_atomic
from trustexp._message import text as _t
from trustexp.cli._options import evaluate_kwargs, execution_options
from trustexp.errors import EXIT_OK, OptionError

__all__ = ["command"]


@click.command("design")
@click.argument("trial_dir", required=False, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (atomically) instead of standard output.")
@click.option("--html", "html", type=click.Path(dir_okay=False, path_type=Path),
              help="Also render the table as a self-contained HTML page.")
@click.option("--simulations", type=click.IntRange(min=0), default=None,
              help="Simulated trials (default: [design] simulations, 200; 0: formulas only).")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Seed of the simulation (default: [analysis] seed).")
@click.option("--effect", "effects", multiple=True, metavar="OUTCOME=VALUE",
              help="The effect to simulate for an outcome (default: its MDE). Repeatable.")
@click.option("--lang", type=click.Choice(["nl", "en"]), default=None,
              help="Language of the HTML page (default: trial.toml).")
@click.option("--demo", is_flag=True, help="Use the embedded demo trial.")
@execution_options("simulated trials")
def command(trial_dir: Path | None, fmt: str, output: Path | None, html: Path | None,
            simulations: int | None, seed: int | None, effects: tuple[str, ...],
            lang: str | None, demo: bool, workers: str | None, scheduler: str | None) -> int:
    """The minimum detectable effect of every outcome and arm, and simulated power.

    TRIAL_DIR may hold only trial.toml (with [design] n_per_arm), trial.toml
    and a participants table (no outcomes yet), or a whole trial. Exit codes:
    0 success, 1 the data break the contract, 2 the command could not run.
    """
    from trustexp.planning import design
    from trustexp.planning._html import design_html

    if demo and trial_dir is not None:
        raise OptionError(_t("cli.demo_and_folder"))
    if not demo and trial_dir is None:
        raise OptionError(_t("cli.no_folder"))
    wanted: dict[str, float] = {}
    for item in effects:
        name, sep, value = item.partition("=")
        try:
            wanted[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise OptionError(_t("cli.effect_form", value=repr(item)))
    run = evaluate_kwargs({"workers": workers, "scheduler": scheduler})
    result = design(trial_dir, demo=demo, simulations=simulations, seed=seed, effects=wanted,
                    **run)
    text = result.to_json() if fmt == "json" else result.summary()
    if html is not None:
        write_atomic(html, design_html(result, lang=lang or result.config.language))
    if output is not None:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)
    return EXIT_OK
