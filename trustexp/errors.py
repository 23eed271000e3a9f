"""The exceptions of trustexp.

Every error that trustexp raises on purpose derives from :class:`TrustexpError`.
Each class carries the exit code that the command line reports for it, as
documented in the contract: 0 success, 1 the data break the contract, 2 the
command could not run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from trustexp.validation import ValidationReport

__all__ = [
    "ConfigError",
    "ContractError",
    "InputError",
    "OptionError",
    "TrustexpError",
]

EXIT_OK = 0
EXIT_CONTRACT = 1
EXIT_CANNOT_RUN = 2


class TrustexpError(Exception):
    """Base class of all errors raised by trustexp.

    The message is a text, or a :class:`~trustexp._message.Message` (a key of a
    text catalogue and its values): ``str(error)`` is then the English text and
    :meth:`localised` the text in another language.
    """

    exit_code: int = EXIT_CANNOT_RUN

    def __str__(self) -> str:
        from trustexp._message import Message

        if len(self.args) == 1 and isinstance(self.args[0], Message):
            return str(self.args[0])
        return super().__str__()

    def localised(self, lang: str) -> str:
        """The message in ``lang`` (``"nl"`` or ``"en"``)."""
        from trustexp._message import localised

        return localised(self, lang) if len(self.args) == 1 else str(self)


class InputError(TrustexpError, OSError):
    """A file is missing, unreadable, empty, binary garbage or wrongly encoded."""

    exit_code = EXIT_CANNOT_RUN


class OptionError(TrustexpError, ValueError):
    """An option has a value outside its allowed set.

    The message names the parameter, the valid values and the value received.
    """

    exit_code = EXIT_CANNOT_RUN


class ConfigError(TrustexpError, ValueError):
    """``trial.toml`` cannot be parsed at all (for example a TOML syntax error)."""

    exit_code = EXIT_CANNOT_RUN


class ContractError(TrustexpError, ValueError):
    """The trial data break the contract.

    Parameters
    ----------
    report
        The full validation report, with every problem found.
    """

    exit_code = EXIT_CONTRACT

    def __init__(self, report: ValidationReport, message: str | None = None) -> None:
        self.report = report
        n = len(report.errors)
        super().__init__(
            message or f"the trial data break the contract: {n} error{'s' if n != 1 else ''}"
        )

    def __reduce__(self) -> tuple[Any, ...]:  # pragma: no cover - pickling support
        return (type(self), (self.report, str(self)))
