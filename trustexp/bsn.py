"""The Dutch citizen service number (BSN) and its 11-test.

A BSN has nine digits ``d1 .. d9`` with
``9*d1 + 8*d2 + 7*d3 + 6*d4 + 5*d5 + 4*d6 + 3*d7 + 2*d8 - d9`` divisible by 11.
trustexp refuses person ids that look like one: the data must be pseudonymised
first (``trustexp pseudonymise``).

A person id that was stored as a *number* (SPSS, Stata, Excel or a numeric
Parquet column) loses a BSN's leading zero, so for numeric columns an eight-digit
value whose zero-padded form passes the test is refused too. Text columns keep
leading zeros, so there only nine-digit values are tested: eight-digit text ids
are accepted, as the contract promises.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bsn_mask", "is_bsn"]

_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1], dtype=np.int64)


def is_bsn(value: str) -> bool:
    """Return whether ``value`` is nine digits that pass the 11-test.

    Parameters
    ----------
    value
        The text to test; surrounding whitespace is ignored.
    """
    return bool(bsn_mask(np.array([value], dtype=object))[0])


def bsn_mask(values: np.ndarray, *, numeric: bool = False) -> np.ndarray:
    """Vectorised 11-test over an array of text values.

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
        Boolean mask, True where the value would be a valid BSN.
    """
    text = np.char.strip(np.asarray(values).astype("U16"))
    if numeric:
        eight = np.char.str_len(text) == 8
        text = np.where(eight, np.char.add("0", text), text)
    out = np.zeros(len(text), dtype=bool)
    candidate = (np.char.str_len(text) == 9) & np.char.isdigit(text)
    if not candidate.any():
        return out
    digits = (
        np.frombuffer(text[candidate].astype("S9").tobytes(), dtype=np.uint8).reshape(-1, 9)
        - ord("0")
    ).astype(np.int64)
    out[candidate] = (digits @ _WEIGHTS) % 11 == 0
    return out
