"""The Dutch citizen service number (BSN) and its 11-test, in every form it is written.

A BSN has nine digits ``d1 .. d9`` with
``9*d1 + 8*d2 + 7*d3 + 6*d4 + 5*d5 + 4*d6 + 3*d7 + 2*d8 - d9`` divisible by 11.
trustexp refuses data that hold them (contract v1.1, "BSNs anywhere"): no
column of any table may hold a value that is a BSN written

- as nine digits, or with dots, dashes or spaces in the usual groupings
  (``1234.56.782``, ``123-45-6782``, ``123 456 782``);
- as a number (``123456782.0``), or with the leading zero dropped: a numeric
  value of eight digits is tested zero-padded (also when written as text with
  ``.0``, which is how a number stored as text looks);
- with other Unicode digits (full-width ``１２３…``, Arabic-Indic, ...) or with
  invisible characters (zero-width spaces, byte-order marks) inside.

Eight-digit *text* without a decimal part is not padded one value at a time:
text keeps leading zeros, and random eight-digit ids pass the padded test one
time in eleven. The validator judges such values over their column instead
(:func:`trustexp.validation._mapping.bsn_columns`): a text column whose
eight-digit values mostly pass the padded test is a BSN column that a
spreadsheet stored as numbers.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

__all__ = ["bsn_mask", "is_bsn", "normalise_digits"]

_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1], dtype=np.int64)
_FORMS = re.compile(
    r"(?P<plain>\d{9})"
    r"|(?P<a>\d{4})(?P<s1>[.\- ])(?P<b>\d{2})(?P=s1)(?P<c>\d{3})"
    r"|(?P<d>\d{3})(?P<s2>[.\- ])(?P<e>\d{2})(?P=s2)(?P<f>\d{4})"
    r"|(?P<g>\d{3})(?P<s3>[.\- ])(?P<h>\d{3})(?P=s3)(?P<i>\d{3})"
    r"|(?P<num>\d{8,9})[.,]0*",
    re.ASCII,
)


def normalise_digits(text: str) -> str:
    """``text`` with every Unicode digit as an ASCII digit and invisible characters removed.

    NFKC folds compatibility forms (full-width digits, no-break spaces); the
    remaining decimal digits of any script become ``0``-``9``; format
    characters (category ``Cf``: zero-width spaces, byte-order marks, ...)
    are dropped; surrounding whitespace is trimmed.
    """
    text = unicodedata.normalize("NFKC", text)
    out = []
    for ch in text:
        if "0" <= ch <= "9":
            out.append(ch)
            continue
        cat = unicodedata.category(ch)
        if cat == "Nd":
            out.append(str(unicodedata.digit(ch)))
        elif cat != "Cf":
            out.append(ch)
    return "".join(out).strip()


def _passes(digits: str) -> bool:
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        return False
    return sum(int(d) * w for d, w in zip(digits, _WEIGHTS.tolist(), strict=True)) % 11 == 0


def _one(value: object, numeric: bool) -> bool:
    if not isinstance(value, str):
        return False
    text = value.strip()
    if not text:
        return False
    if not text.isascii():
        text = normalise_digits(text)
    elif not text[-1].isdigit() and text[-1] not in ".,":
        return False
    m = _FORMS.fullmatch(text)
    if m is None:
        if numeric and len(text) == 8 and text.isdigit():
            return _passes("0" + text)
        return False
    if m.group("plain"):
        return _passes(m.group("plain"))
    if m.group("num"):
        return _passes(m.group("num").rjust(9, "0"))
    digits = re.sub(r"\D", "", m.group(0))
    return _passes(digits)


def is_bsn(value: str) -> bool:
    """Return whether ``value`` is a BSN in one of the forms it is written (see the module).

    Parameters
    ----------
    value
        The text to test; surrounding whitespace is ignored.
    """
    return bool(bsn_mask(np.array([value], dtype=object))[0])


def bsn_mask(values: np.ndarray, *, numeric: bool = False) -> np.ndarray:
    """The BSN test over an array of text values.

    Parameters
    ----------
    values
        1-d array of text (``None`` and other objects count as not a BSN).
    numeric
        Whether the values were numbers (leading zeros lost): eight-digit values
        are then zero-padded before the test.

    Returns
    -------
    numpy.ndarray
        Boolean mask, True where the value is a BSN.
    """
    arr = np.asarray(values, dtype=object).ravel()
    return np.fromiter((_one(v, numeric) for v in arr), dtype=bool, count=len(arr))
