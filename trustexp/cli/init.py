"""``trustexp init``: draft a commented trial.toml from an export folder."""

from __future__ import annotations

from pathlib import Path

import click

from trustexp.errors import EXIT_OK, InputError

__all__ = ["command"]


def init_command(export_dir: Path, lang: str | None, output: Path | None) -> int:
    """Draft a commented trial.toml for EXPORT_DIR from the export as it is.

    Tables are found by their names (participants/deelnemers, monthly/maanden,
    survey/enquete, takeup), columns mapped in [columns.<table>], arms taken from
    the values and value labels of the arm column, covariates, candidate scales,
    strata and clusters proposed. Nothing is overwritten. The draft is then
    validated against the export, and what is left to fill in is listed.

    Exit codes: 0 drafted, 2 could not run (no folder, unreadable file, the
    trial.toml exists).
    """
    from trustexp._atomic import write_atomic
    from trustexp.draft import draft
    from trustexp.texts import catalogue, language

    lang = language(lang)
    cat = catalogue("init", lang)
    target = output or Path(export_dir) / "trial.toml"
    if target.exists():
        raise InputError(cat.t("exists", path=target))
    result = draft(export_dir, lang=lang)
    write_atomic(target, result.text.encode("utf-8"))
    click.echo(cat.t("written", path=target))
    if target.parent.resolve() == Path(export_dir).resolve() and target.name == "trial.toml":
        from trustexp.validation import validate

        report = validate(export_dir)
        if report.valid:
            click.echo(cat["validates"])
        else:
            click.echo(cat.t("problems", count=len(report.errors), folder=export_dir))
    if result.todo:
        click.echo(cat["left"])
        for item in result.todo:
            click.echo(f"  - {item}")
    return EXIT_OK


command = click.command("init")(
    click.argument("export_dir", type=click.Path(path_type=Path))(
        click.option(
            "--lang", type=click.Choice(["nl", "en"]), default=None,
            help="Language of the comments and messages (default: the environment, else English).",
        )(
            click.option(
                "--output", "-o", type=click.Path(path_type=Path), default=None,
                help="Write the draft here instead of EXPORT_DIR/trial.toml (never overwritten).",
            )(init_command)
        )
    )
)
