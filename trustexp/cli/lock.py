"""``trustexp lock``: freeze the analysis plan in ``plan.lock``."""

from __future__ import annotations

from pathlib import Path

import click

from trustexp._atomic import write_atomic
from trustexp._message import text as _t
from trustexp.errors import EXIT_OK, OptionError

__all__ = ["command"]


@click.command("lock")
@click.argument("trial_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--date", "on", default=None, metavar="YYYY-MM-DD",
              help="The lock's date (default: today, UTC, or SOURCE_DATE_EPOCH).")
@click.option("--force", is_flag=True, help="Replace an existing plan.lock.")
def command(trial_dir: Path, on: str | None, force: bool) -> int:
    """Write TRIAL_DIR/plan.lock: the date and the SHA-256 of the analysis plan.

    The plan is everything in trial.toml but the [trial] metadata and
    [data]/[columns]; reports of a locked trial list every change since.
    Exit codes: 0 success, 1 trial.toml breaks the contract, 2 the command
    could not run (also: a plan.lock exists and --force is not given).
    """
    from trustexp.errors import ContractError
    from trustexp.planning.lock import LOCK_FILE, lock_plan
    from trustexp.validation._config import check_config, read_toml
    from trustexp.validation._report import ValidationReport
    from trustexp.validation._run import trial_folder

    folder = trial_folder(trial_dir, demo=False)
    toml = folder / "trial.toml"
    raw = read_toml(toml)
    errors = tuple(p for p in check_config(raw)[0] if p.severity == "error")
    if errors:
        raise ContractError(ValidationReport(errors=errors, files={"trial.toml": toml}))
    target = folder / LOCK_FILE
    if target.exists() and not force:
        raise OptionError(_t("cli.locked_once", path=target))
    lock = lock_plan(raw, on=on)
    write_atomic(target, lock.to_json())
    click.echo(f"locked the plan of {toml} on {lock.locked_on}: SHA-256 {lock.plan_sha256}")
    return EXIT_OK
