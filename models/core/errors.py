"""Domain errors: problems a user can fix, each saying what went wrong as a value the handlers put into words.

A `UsageError` names which usage the reply shows (`Usage`); a `NotFound` what no longer exists
(`Missing`; `found()` raises it for a lookup that found nothing), a `NotAllowed` what the person
may not do (`Forbidden`); a `Misread` how the `/logcall` text could not be read when the
explanation shows the command itself. The sentences live in `handlers/kit/wording.py`, the usages
in `handlers/kit/usage.py`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

Found = TypeVar("Found")


class Usage(StrEnum):
    """Which usage a reply about bad input shows: one per command (or tool) people type."""

    LOGCALL = "logcall"
    WHOKNOWS = "whoknows"
    PREP = "prep"
    IMPORT = "import"
    """The import tools (the command line, an upload in the Home tab): they show no usage text."""


class Missing(StrEnum):
    """Something the person referred to that does not exist (any more) in their workspace."""

    CONTACT = "contact"
    COLLEAGUE = "colleague"
    COMPANY = "company"
    INTRODUCTION_REQUEST = "introduction_request"
    MEETING = "meeting"
    INTERACTION = "interaction"
    CHOICE = "choice"
    """A `/logcall` waiting for the seller to say which contact they meant, no longer kept."""
    CONTACT_TO_LOG = "contact_to_log"
    """The contact a `/logcall` was about to be recorded with (chosen earlier), since removed."""


class Forbidden(StrEnum):
    """Something the person may not do."""

    ANSWER_OTHERS_REQUEST = "answer_others_request"
    """Answer an introduction request that was sent to someone else."""
    UNDO_OTHERS_INTERACTION = "undo_others_interaction"
    """Take back an interaction someone else logged."""


class Misread(StrEnum):
    """How `/logcall` text could not be read, when telling it takes an example of the command.

    The facts each one carries (`MisreadCommand.facts`) are named beside it.
    """

    NOTHING_TYPED = "nothing_typed"
    TOO_LONG = "too_long"
    """`length`: how many characters were typed; `limit`: how many are read."""
    COMPANIES_MIXED = "companies_mixed"
    """A company in brackets and a shared one after `@`/`at` together."""
    NO_COMPANY_AFTER_AT = "no_company_after_at"
    NO_CONTACT = "no_contact"
    MENTION_FIRST = "mention_first"
    """The text starts with a colleague's @mention, not the contact."""
    KEYWORD_FIRST = "keyword_first"
    """`word`: the first word, read as a keyword, so no contact was found."""
    COMPANY_OUT_OF_PLACE = "company_out_of_place"
    NO_CHANNEL = "no_channel"
    IN_THE_FUTURE = "in_the_future"
    """`phrase`: the date as typed; `shown`: the moment it was read as."""
    LOGGED_IN_THE_FUTURE = "logged_in_the_future"
    """A past interaction whose moment (from a form or a stored choice) is still to come."""
    SCHEDULED_IN_THE_PAST = "scheduled_in_the_past"
    """A next meeting whose moment has already passed."""


class RapportError(Exception):
    """A problem the person can fix; `message` is written for them, never a stack trace.

    Errors that carry a value (`NotFound`, `NotAllowed`, `MisreadCommand`) have a `message` for logs and
    tracebacks only: what a person reads is worded by the handlers.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(RapportError):
    """The command's text could not be understood; the reply shows `usage`."""

    def __init__(self, message: str, usage: Usage) -> None:
        super().__init__(message)
        self.usage = usage


class MisreadCommand(UsageError):
    """`/logcall` text that could not be read, told with an example of the command (`misread`, its `facts`)."""

    def __init__(self, misread: Misread, **facts: str | int) -> None:
        super().__init__(f"the logcall text could not be read: {misread.value}", Usage.LOGCALL)
        self.misread = misread
        self.facts = facts


class NotFound(RapportError):
    """Something the person referred to does not exist (any more) in their workspace: `missing` says what."""

    def __init__(self, missing: Missing) -> None:
        super().__init__(f"no such {missing.value}")
        self.missing = missing


def found(thing: Found | None, missing: Missing) -> Found:
    """`thing` as a lookup returned it, or NotFound(`missing`) when the lookup found nothing."""
    if thing is None:
        raise NotFound(missing)
    return thing


class NotAllowed(RapportError):
    """The person may not do this (for instance undo someone else's interaction): `forbidden` says what."""

    def __init__(self, forbidden: Forbidden) -> None:
        super().__init__(f"not allowed: {forbidden.value}")
        self.forbidden = forbidden
