"""A message that is shown in the reader's language: a catalogue key and its values.

An error raised deep in trustexp does not know the language of the command
that will show it. It carries a :class:`Message` instead of a text: the key of
a text in a catalogue of ``trustexp/texts/`` (``messages`` unless told) and the
values of its placeholders. ``str(message)`` is the English text (what Python
users and logs see); :meth:`Message.render` gives it in another language. A
value may itself be a :class:`Message` (a phrase such as "the participants
table"), rendered in the same language.

>>> from trustexp._message import text
>>> str(text("readers.empty", file="p.csv", table="participants"))   # doctest: +SKIP
'p.csv is empty (0 bytes): the participants table needs at least a header'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["Message", "localised", "text"]


class Message:
    """One text of a catalogue with the values of its placeholders.

    Parameters
    ----------
    key
        The text's key, e.g. ``"readers.empty"``.
    catalogue
        The catalogue that holds it (default ``"messages"``).
    values
        The placeholders' values; a :class:`Message` is rendered in the same language.
    """

    __slots__ = ("catalogue", "key", "values")

    def __init__(self, key: str, /, catalogue: str = "messages", **values: Any) -> None:
        self.key = key
        self.catalogue = catalogue
        self.values: Mapping[str, Any] = dict(values)

    def render(self, lang: str) -> str:
        """The text in ``lang`` (``"nl"`` or ``"en"``), its placeholders filled in."""
        from trustexp.texts import catalogue

        values = {k: localised(v, lang) if isinstance(v, Message) else v
                  for k, v in self.values.items()}
        return catalogue(self.catalogue, lang).t(self.key, **values)

    def __str__(self) -> str:
        return self.render("en")

    def __repr__(self) -> str:
        return f"Message({self.key!r}, catalogue={self.catalogue!r}, **{dict(self.values)!r})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Message) and (self.key, self.catalogue) == (other.key, other.catalogue)
                and dict(self.values) == dict(other.values))

    def __hash__(self) -> int:
        return hash((self.key, self.catalogue))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.key, self.catalogue, dict(self.values)))


def _rebuild(key: str, catalogue: str, values: dict[str, Any]) -> Message:
    return Message(key, catalogue=catalogue, **values)


def text(key: str, /, **values: Any) -> Message:
    """A :class:`Message` of the ``messages`` catalogue."""
    return Message(key, **values)


def localised(value: object, lang: str) -> str:
    """``value`` as text in ``lang``: a :class:`Message` rendered, an error's message, else ``str``."""
    if isinstance(value, Message):
        return value.render(lang)
    if isinstance(value, BaseException):
        args: tuple[Any, ...] = tuple(value.args)
        if len(args) == 1 and isinstance(args[0], Message):
            return args[0].render(lang)
    return str(value)
