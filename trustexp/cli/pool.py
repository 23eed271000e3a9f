"""``trustexp pool DIR1 DIR2 ... -o FILE``: pool several trials (two-stage and one-stage)."""

from __future__ import annotations

from pathlib import Path

import click

from trustexp._atomic import write_atomic
from trustexp._message import text as _t
from trustexp.errors import EXIT_OK, OptionError

__all__ = ["command"]


@click.command("pool")
@click.argument("trial_dirs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The HTML report (written atomically).")
@click.option("--plan", "plan", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="pool.toml: method, margins of matching, outcomes with different names "
                   "(default: ./pool.toml when it exists).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the pooled results as JSON to this file.")
@click.option("--lang", type=click.Choice(["nl", "en"]), default=None,
              help="Report language (default: [pooling] language of pool.toml, nl).")
@click.option("--min-cell", type=click.IntRange(min=0), default=None,
              help="Smallest group shown (default: the largest min_cell of the trials).")
@click.option("--demo", is_flag=True, help="Add the embedded demo trial to the trials pooled.")
def command(trial_dirs: tuple[Path, ...], output: Path, plan: Path | None, json_out: Path | None,
            lang: str | None, min_cell: int | None, demo: bool) -> int:
    """Pool the trials in TRIAL_DIRS: arms matched by kind, outcomes by id, or by
    measure and window, or by pool.toml; random effects over the trials'
    estimates and one regression over their persons. Exit codes: 0 success,
    1 the data of a trial break the contract, 2 the command could not run.
    """
    from trustexp.pool import pool_trials
    from trustexp.pool._report import render_pool

    if plan is None and Path("pool.toml").is_file():
        plan = Path("pool.toml")
    if len(trial_dirs) + int(demo) < 2:
        raise OptionError(_t("cli.pool_two"))
    outputs = [output] + ([json_out] if json_out is not None else [])
    if json_out is not None and json_out.resolve() == output.resolve():
        raise OptionError(_t("cli.pool_same_output"))
    for d in trial_dirs:
        for o in outputs:
            if o.resolve().is_relative_to(d.resolve()):
                raise OptionError(_t("cli.pool_inside", path=o, folder=d))
    result = pool_trials(list(trial_dirs), plan=plan, demo=demo, min_cell=min_cell)
    html = render_pool(result, lang=lang)
    text = result.to_json() if json_out is not None else None
    write_atomic(output, html, private=True)
    if json_out is not None and text is not None:
        write_atomic(json_out, text, private=True)
    return EXIT_OK
