"""Fixed text of the report in Dutch and English, and locale-aware number formatting.

Every sentence, heading and label that the report shows comes from one of the
two catalogues ``trustexp/texts/report.nl.toml`` and ``report.en.toml`` (data
files, read through :func:`trustexp.texts.catalogue`); user strings (trial
name, arm and outcome labels, site names) come from ``trial.toml`` and the
data. Both catalogues have the same keys (a test checks this), a missing key is
an error naming it, and placeholders are filled with :meth:`str.format`. A
folder given with ``--template-dir`` may hold ``texts/report.<lang>.toml``
whose keys replace the packaged texts (:meth:`Locale.with_texts`).
"""

from __future__ import annotations

import math
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from trustexp._message import text as _t
from trustexp.errors import InputError, OptionError
from trustexp.literals import LANGUAGES
from trustexp.texts import Catalogue, catalogue

__all__ = ["CATALOGUES", "LANGUAGES", "Locale", "check_language"]


#: The minus sign used in displayed numbers (U+2212, not a hyphen).
MINUS = "\u2212"
#: What a missing or suppressed estimate shows.
DASH = "\u2014"

#: The report's catalogues, one data file per language (``trustexp/texts/report.<lang>.toml``),
#: read-only.
CATALOGUES: Mapping[str, Catalogue] = MappingProxyType(
    {lang: catalogue("report", lang) for lang in LANGUAGES})

_MONTHS = {
    "nl": (
        "januari", "februari", "maart", "april", "mei", "juni",
        "juli", "augustus", "september", "oktober", "november", "december",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip


def check_language(lang: str) -> str:
    """Return ``lang`` if it is a supported report language, else raise.

    Raises
    ------
    OptionError
        When ``lang`` is not one of :data:`LANGUAGES`.
    """
    if lang not in LANGUAGES:
        raise OptionError(_t("options.invalid", name="'lang'", func="report",
                             expected=_t("options.expected.one_of", values=", ".join(LANGUAGES)),
                             value=repr(lang)))
    return lang


def placeholders(text: str) -> set[str]:
    """Return the names of the ``{placeholders}`` in a catalogue string."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _is_missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True, slots=True)
class Locale:
    """The report language: fixed text and number formatting.

    Parameters
    ----------
    lang
        ``"nl"`` (decimal comma, point grouping: 1.234,5) or ``"en"`` (1,234.5).
    """

    lang: str
    overrides: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        check_language(self.lang)

    # -- text ----------------------------------------------------------------
    def t(self, key: str, /, **values: Any) -> str:
        """Return the catalogue string ``key``, with ``values`` filled in.

        Raises
        ------
        trustexp.texts.MissingText
            The catalogue has no such key (the message names it).
        """
        text = self.overrides.get(key) or CATALOGUES[self.lang][key]
        return text.format(**values) if values else text

    def with_texts(self, folder: str | Path | None) -> Locale:
        """This locale with the texts of ``folder/texts/report.<lang>.toml`` replacing the packaged ones.

        Only known keys may be replaced, with the same placeholders; the file is
        data (TOML), never code.

        Raises
        ------
        InputError
            The file cannot be read, is not TOML, or names an unknown key or
            other placeholders.
        """
        if folder is None:
            return self
        path = Path(folder) / "texts" / f"report.{self.lang}.toml"
        if not path.is_file():
            return self
        from trustexp.readers import read_bounded

        try:
            raw = tomllib.loads(read_bounded(path, _t("readers.what.texts_file"), 1 << 20).decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(_t("report.texts_not_toml", path=path, detail=exc)) from None
        base = CATALOGUES[self.lang]
        texts: dict[str, str] = {}
        for key, value in raw.items():
            if key not in base:
                raise InputError(_t("report.texts_unknown", path=path, key=repr(key)))
            if not isinstance(value, str):
                raise InputError(_t("report.texts_not_string", path=path, key=repr(key)))
            if placeholders(value) != placeholders(base[key]):
                raise InputError(_t("report.texts_placeholders", path=path, key=repr(key),
                                    expected=sorted(placeholders(base[key])),
                                    got=sorted(placeholders(value))))
            texts[key] = value
        return Locale(self.lang, MappingProxyType(texts))

    # -- numbers -------------------------------------------------------------
    def _swap(self, text: str) -> str:
        if self.lang == "nl":
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text

    def number(self, x: Any, digits: int = 1, *, sign: bool = False) -> str:
        """Format a number with ``digits`` decimals, grouping and a true minus sign.

        Parameters
        ----------
        x
            The number; ``None`` or NaN give a dash.
        digits
            Decimals to show.
        sign
            Show ``+`` before positive numbers (used for effects).
        """
        if _is_missing(x):
            return DASH
        value = float(x)
        if math.isinf(value):
            return ("" if value > 0 else MINUS) + "\u221e"
        text = f"{abs(value):,.{digits}f}"
        negative = value < 0 and float(text.replace(",", "")) != 0
        text = self._swap(text)
        if negative:
            return MINUS + text
        if sign and float(text.replace(".", "").replace(",", "")) != 0:
            return "+" + text
        return text

    def integer(self, n: Any) -> str:
        """Format a whole number with grouping (1.234 or 1,234)."""
        if _is_missing(n):
            return DASH
        return self.number(round(float(n)), 0)

    def percent(self, share: Any, digits: int = 1) -> str:
        """Format a share (0.123) as a percentage ("12,3%")."""
        if _is_missing(share):
            return DASH
        return self.number(100 * float(share), digits) + "%"

    def p_value(self, p: Any) -> str:
        """Format a p-value: three decimals, or "< 0,001" below that."""
        if _is_missing(p):
            return DASH
        if float(p) < 0.001:
            return "< " + self.number(0.001, 3)
        return self.number(p, 3)

    def p_stated(self, p: Any) -> str:
        """A p-value in a sentence: "p = 0,012", or "p < 0,001" (never "p = < 0,001")."""
        text = self.p_value(p)
        return "p " + text if text.startswith("<") else "p = " + text

    def level(self, alpha: float) -> str:
        """The confidence level for ``alpha`` as text ("95%")."""
        conf = 100 * (1 - alpha)
        digits = 0 if abs(conf - round(conf)) < 1e-9 else 1
        return self.number(conf, digits) + "%"

    def date(self, value: Any) -> str:
        """Format a date in words: "1 oktober 2017" / "1 October 2017"."""
        if _is_missing(value) or value is None:
            return DASH
        return f"{value.day} {_MONTHS[self.lang][value.month - 1]} {value.year}"

    def month(self, year: int, month: int) -> str:
        """Format a calendar month in words: "oktober 2017" / "October 2017"."""
        return f"{_MONTHS[self.lang][month - 1]} {year}"

    def timestamp(self, epoch: int) -> str:
        """Format a Unix time (``SOURCE_DATE_EPOCH``) as a UTC date."""
        return self.date(datetime.fromtimestamp(int(epoch), tz=UTC))

    def join(self, items: list[str]) -> str:
        """Join items as "a, b en c" / "a, b and c"."""
        items = [i for i in items if i]
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + f" {self.t('doc.and')} " + items[-1]
