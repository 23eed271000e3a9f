"""``trustexp pseudonymise``: replace person ids by keyed pseudonyms in a copy of a trial."""

from __future__ import annotations

from pathlib import Path

import click

from trustexp.errors import EXIT_OK

__all__ = ["command"]


def pseudonymise_command(
    in_dir: Path, out_dir: Path, key_file: Path | None, bsn_columns: str, drop_quasi: bool, lang: str | None
) -> int:
    """Copy IN_DIR to OUT_DIR with every person id replaced by a keyed pseudonym.

    The key (at least 16 bytes) comes from --key-file or the environment variable
    TRUSTEXP_PSEUDONYM_KEY; it is never written to the output. OUT_DIR must not
    exist and not lie inside IN_DIR. Pseudonyms are "p" + 16 hex digits of
    HMAC-SHA256(key, id), ids compared without spaces, invisible characters and
    leading zeros: the same key gives the same pseudonyms in every table and run.
    Other columns holding BSNs stop the run unless --bsn-columns replace or drop;
    formats (CSV, Parquet, SPSS, Stata, Excel) and SPSS labels are kept.

    Exit codes: 0 done, 1 the data must change first (BSN columns, colliding
    ids), 2 could not run (no key, unreadable input, OUT_DIR exists).
    """
    from trustexp.pseudonym import key_from, pseudonymise
    from trustexp.texts import language, trial_language

    chosen = language(lang, trial_language(in_dir))
    result = pseudonymise(
        in_dir, out_dir, key=key_from(key_file), bsn_columns=bsn_columns,  # type: ignore[arg-type]
        drop_quasi_identifiers=drop_quasi,
    )
    click.echo(result.summary(chosen))
    return EXIT_OK


command = click.command("pseudonymise")(
    click.argument("in_dir", type=click.Path(path_type=Path))(
        click.argument("out_dir", type=click.Path(path_type=Path))(
            click.option(
                "--key-file", type=click.Path(path_type=Path), default=None,
                help="File holding the secret key (else TRUSTEXP_PSEUDONYM_KEY).",
            )(
                click.option(
                    "--bsn-columns", type=click.Choice(["stop", "replace", "drop"]), default="stop",
                    show_default=True,
                    help="Other columns holding BSNs: stop and name them, replace them by pseudonyms, or drop them.",
                )(
                    click.option(
                        "--drop-quasi-identifiers", "drop_quasi", is_flag=True,
                        help="Leave out columns such as birth date, postcode, name and address "
                        "(except those trial.toml uses).",
                    )(
                        click.option(
                            "--lang", type=click.Choice(["nl", "en"]), default=None,
                            help="Language of the report (default: trial.toml, else the environment).",
                        )(pseudonymise_command)
                    )
                )
            )
        )
    )
)
