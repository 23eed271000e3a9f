"""``trustexp pseudonymise``: replace person ids by keyed pseudonyms in a copy of a trial."""

from __future__ import annotations

from pathlib import Path

import click

from trustexp.errors import EXIT_OK

__all__ = ["command"]


def pseudonymise_command(in_dir: Path, out_dir: Path, key_file: Path | None) -> int:
    """Copy IN_DIR to OUT_DIR with every person_id replaced by a keyed pseudonym.

    The key (at least 16 bytes) comes from --key-file or the environment variable
    TRUSTEXP_PSEUDONYM_KEY; it is never written to the output. OUT_DIR must not
    exist. Pseudonyms are "p" + 16 hex digits of HMAC-SHA256(key, person_id): the
    same key gives the same pseudonyms in every table and every run.

    Exit codes: 0 done, 2 could not run (no key, unreadable input, OUT_DIR exists).
    """
    from trustexp.pseudonym import key_from, pseudonymise

    result = pseudonymise(in_dir, out_dir, key=key_from(key_file))
    click.echo(result.summary())
    return EXIT_OK


command = click.command("pseudonymise")(
    click.argument("in_dir", type=click.Path(path_type=Path))(
        click.argument("out_dir", type=click.Path(path_type=Path))(
            click.option(
                "--key-file", type=click.Path(path_type=Path), default=None,
                help="File holding the secret key (else TRUSTEXP_PSEUDONYM_KEY).",
            )(pseudonymise_command)
        )
    )
)
