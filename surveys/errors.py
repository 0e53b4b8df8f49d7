"""Domain errors of the administration layer.

Every error's ``str()`` is one line fit for a CLI (``samen`` prints it and exits 2) or a
friendly page. :class:`InputError` carries the individual problems (one per line of an import
file, one per form field) in ``problems``.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AlreadyAnswered",
    "InputError",
    "InvitationUnavailable",
    "NotFound",
    "SamenError",
    "WaveClosed",
]


class SamenError(Exception):
    """Base class: something the user asked for cannot be done; the message says why."""


class NotFound(SamenError):
    """A survey, wave or unit named by the user does not exist."""


class InputError(SamenError):
    """Input (a file, a form) is invalid; ``problems`` lists every problem found.

    ``str(error)`` is the summary line; the CLI prints the problems below it.
    """

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        self.problems: list[str] = list(problems)
        super().__init__(message)


class InvitationUnavailable(SamenError):
    """The invitation is unknown or already used (indistinguishable by design)."""

    def __init__(self, message: str = "this invitation link is unknown or already used") -> None:
        super().__init__(message)


class WaveClosed(SamenError):
    """The survey round (wave) the invitation belongs to is closed, or no round is open."""

    def __init__(self, message: str = "this survey round is closed") -> None:
        super().__init__(message)


class AlreadyAnswered(SamenError):
    """The open link's limit of submissions per browser is reached."""

    def __init__(self, message: str = "you have already answered this survey") -> None:
        super().__init__(message)
