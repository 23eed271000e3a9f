"""Text for a terminal: user strings never carry control sequences to it.

A site name, label or file name may hold an escape sequence (``ESC [ 31 m``,
an OSC title change, a cursor move) or other control characters; printed raw
they recolour, rewrite or hide what the terminal shows. :func:`printable`
removes whole escape sequences and shows every other control character
(C0, DEL, C1, and the bidirectional overrides that reorder text) as a visible
escape such as ``\\x07``; line feeds and tabs stay.
"""

from __future__ import annotations

import re

import click

__all__ = ["echo", "printable"]

# CSI (ESC [ ... final), OSC/DCS/PM/APC/SOS (ESC ] ... BEL or ST), other ESC x, and their C1 forms.
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Return ``text`` without escape sequences and with control characters made visible.

    Examples
    --------
    >>> printable("Til\\x1b[31mburg\\x07")
    'Tilburg\\\\x07'
    """
    # undecodable bytes of a file name (lone surrogates) as escapes, not an encoding error
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    text = _SEQUENCE.sub("", text)
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """:func:`click.echo` of :func:`printable` ``text``."""
    click.echo(printable(text), err=err, nl=nl)
