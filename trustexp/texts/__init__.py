"""Text catalogues of the command line, one data file per language.

``trustexp/texts/<name>.<lang>.toml`` holds the texts of one catalogue as flat
dotted keys (``rule.bsn.hint = "..."``; nested TOML tables are flattened to
the same keys). :func:`catalogue` reads one, read-only; a key it lacks raises
:class:`MissingText`, naming the key and the catalogue.

:func:`language` decides the language of a command's messages: ``--lang``,
else ``[trial] language`` of ``trial.toml``, else the environment
(``TRUSTEXP_LANG``, then ``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else English.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from trustexp.errors import OptionError, TrustexpError

__all__ = ["LANGUAGES", "Catalogue", "MissingText", "catalogue", "language", "trial_language"]

Lang = Literal["nl", "en"]
LANGUAGES: tuple[str, ...] = ("nl", "en")
_HERE = Path(__file__).resolve().parent


class MissingText(TrustexpError, KeyError):
    """A catalogue has no text for a key."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "missing text"


class Catalogue(Mapping[str, str]):
    """The texts of one catalogue in one language (read-only).

    ``cat.t(key, **values)`` formats a text with ``str.format``.
    """

    __slots__ = ("_texts", "lang", "name")

    def __init__(self, name: str, lang: str, texts: Mapping[str, str]) -> None:
        self.name = name
        self.lang = lang
        self._texts = MappingProxyType(dict(texts))

    def __getitem__(self, key: str) -> str:
        try:
            return self._texts[key]
        except KeyError:
            raise MissingText(
                f"the text catalogue '{self.name}' ({self.lang}) has no key {key!r}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def t(self, key: str, /, **values: Any) -> str:
        """The text of ``key``, formatted with ``values``."""
        text = self[key]
        return text.format(**values) if values else text


def _flatten(node: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in node.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = str(v)
    return out


@cache
def catalogue(name: str, lang: str) -> Catalogue:
    """The catalogue ``name`` in ``lang``, from ``trustexp/texts/<name>.<lang>.toml``.

    Parameters
    ----------
    name
        The catalogue, e.g. ``"validate"``.
    lang
        ``"nl"`` or ``"en"``.

    Raises
    ------
    OptionError
        ``lang`` is not a supported language or there is no such catalogue.
    """
    if lang not in LANGUAGES:
        raise OptionError(
            f"The 'lang' parameter of catalogue must be one of {', '.join(LANGUAGES)}. Got {lang!r} instead."
        )
    path = _HERE / f"{name}.{lang}.toml"
    if not path.is_file():
        raise OptionError(f"There is no text catalogue {name!r} (no {path.name} in {_HERE}).")
    with path.open("rb") as fh:
        return Catalogue(name, lang, _flatten(tomllib.load(fh)))


def _from_environment() -> str | None:
    for var in ("TRUSTEXP_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "").strip().lower()
        if value:
            code = value[:2]
            return code if code in LANGUAGES else None
    return None


def language(explicit: str | None = None, trial_language: str | None = None) -> Lang:
    """The language of a command's messages.

    Parameters
    ----------
    explicit
        ``--lang`` of the command, if given.
    trial_language
        ``[trial] language`` of the trial's ``trial.toml``, if known.
    """
    for candidate in (explicit, trial_language, _from_environment()):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    return "en"


def trial_language(folder: str | Path) -> str | None:
    """``[trial] language`` of ``folder/trial.toml``, if it can be read (else None).

    Never raises: a missing, unreadable or invalid file gives None (the command
    that reads it reports the problem itself). At most 1 MiB is read.
    """
    try:
        path = Path(folder) / "trial.toml"
        if not path.is_file():
            return None
        with path.open("rb") as fh:
            data = fh.read(1 << 20)
        doc = tomllib.loads(data.decode("utf-8-sig"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None
    trial = doc.get("trial")
    value = trial.get("language") if isinstance(trial, dict) else None
    return value if value in LANGUAGES else None
