"""``trustexp validate``: check a trial folder against the data contract."""

from __future__ import annotations

from pathlib import Path

import click

from trustexp.cli._terminal import echo
from trustexp.errors import EXIT_CONTRACT, EXIT_OK

__all__ = ["command"]


def validate_command(trial_dir: Path | None, output_format: str, demo: bool, lang: str | None) -> int:
    """Check TRIAL_DIR against the data contract and list every problem.

    Exit codes: 0 the folder follows the contract (warnings allowed), 1 it
    breaks the contract, 2 the check could not run (missing folder, unreadable
    file, trial.toml that is not TOML).
    """
    from trustexp.texts import language
    from trustexp.validation import validate

    report = validate(trial_dir, demo=demo)
    if output_format == "json":  # JSON escapes control characters itself
        click.echo(report.to_json())
    else:
        echo(report.to_text(lang=language(lang, report.language)))
    return EXIT_OK if report.valid else EXIT_CONTRACT


command = click.command("validate")(
    click.argument(
        "trial_dir", required=False, type=click.Path(path_type=Path, file_okay=True, dir_okay=True)
    )(
        click.option(
            "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
            show_default=True, help="Readable text, or the contract's JSON object.",
        )(
            click.option("--demo", is_flag=True, help="Validate the demo trial that ships with trustexp.")(
                click.option(
                    "--lang", type=click.Choice(["nl", "en"]), default=None,
                    help="Language of the text report (default: trial.toml, else the environment).",
                )(validate_command)
            )
        )
    )
)
