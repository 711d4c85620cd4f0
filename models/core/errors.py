"""Domain errors: problems a user can fix, each with a friendly message."""

from __future__ import annotations


class RapportError(Exception):
    """A problem the person can fix; `message` is written for them, never a stack trace."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(RapportError):
    """The command's text could not be understood; the reply shows the right usage of `command`."""

    def __init__(self, message: str, command: str = "/logcall") -> None:
        super().__init__(message)
        self.command = command


class NotFound(RapportError):
    """Something the person referred to does not exist (any more) in their workspace."""


class NotAllowed(RapportError):
    """The person may not do this (for instance undo someone else's interaction)."""
