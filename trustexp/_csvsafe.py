"""CSV text that no reader splits wrongly and no spreadsheet runs as a formula.

Every CSV file trustexp writes goes through :func:`csv_text`:

* a field is quoted (``"..."``, inner quotes doubled) whenever it holds a
  quote, the separator, a carriage return or a line feed, so that every reader
  (Python's ``csv``, pandas, Excel, LibreOffice) sees the same rows;
* a text field that a spreadsheet would take for a formula gets a leading
  apostrophe (:func:`neutralise`): one that starts with ``=``, ``+``, ``-``,
  ``@`` (or their full-width forms) after any leading whitespace or control
  characters, or that starts with a tab or carriage return.

Numbers are written as numbers (never neutralised): ``-0.5`` stays ``-0.5``.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["csv_field", "csv_text", "neutralise"]

_FORMULA = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
_QUOTE_WHEN = frozenset('"\r\n')


def _ignorable(ch: str) -> bool:
    """Whether a spreadsheet may skip ``ch`` before reading a formula."""
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def neutralise(value: Any) -> Any:
    """Return text that a spreadsheet shows as text; anything else unchanged.

    A string gets a leading apostrophe when its first character that is not
    whitespace or a control character is one of ``= + - @`` (or a full-width
    form), or when it starts with a tab or a carriage return.

    Examples
    --------
    >>> neutralise("=1+1"), neutralise(" \\r=1+1"), neutralise("Tilburg"), neutralise(-1.5)
    ("'=1+1", "' \\r=1+1", 'Tilburg', -1.5)
    """
    if not isinstance(value, str) or not value:
        return value
    if value[0] in "\t\r":
        return "'" + value
    for ch in value:
        if _ignorable(ch):
            continue
        return "'" + value if ch in _FORMULA else value
    return value


def _number_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return None


def csv_field(value: Any, *, delimiter: str = ",") -> str:
    """One field as CSV text: None (and NaN) empty, numbers as numbers, text neutralised and quoted.

    Parameters
    ----------
    value
        ``None``, a bool, int, float or any other value (written as its text).
    delimiter
        The separator of the file; a field containing it is quoted.
    """
    if value is None:
        return ""
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        try:
            value = value.item()
        except (TypeError, ValueError):
            pass
    number = _number_text(value)
    if number is not None:
        return number
    text = neutralise(str(value))
    if delimiter in text or any(ch in _QUOTE_WHEN for ch in text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_text(
    rows: Iterable[Sequence[Any]], *, delimiter: str = ",", lineterminator: str = "\n"
) -> str:
    """The CSV text of ``rows`` (the header is just the first row).

    Parameters
    ----------
    rows
        Each row a sequence of values for :func:`csv_field`.
    delimiter
        ``","`` (default) or ``";"``.
    lineterminator
        Written after every row.
    """
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise ValueError(
            f"The 'delimiter' parameter of csv_text must be one character other than a quote, "
            f"CR or LF. Got {delimiter!r} instead."
        )
    out = []
    for row in rows:
        line = delimiter.join(csv_field(v, delimiter=delimiter) for v in row)
        # a row of one empty field must not read back as a blank line (no row)
        out.append((line or '""') + lineterminator)
    return "".join(out)
