"""What a person reads for a domain error that carries a value: one table per kind, in today's words.

The domain says what went wrong (`models.core.errors`); these tables say it to the person. An error
that still carries a sentence of its own is shown as it is.
"""

from __future__ import annotations

from models.core.errors import (
    Forbidden,
    Misread,
    MisreadCommand,
    Missing,
    NotAllowed,
    NotFound,
    RapportError,
)
from models.core.grammar import CHANNEL_CHOICES

#: The example of `/logcall` most explanations end with.
LOGCALL_EXAMPLE = "`/logcall Jane Doe (ACME) phone yesterday`"

#: What no longer exists.
MISSING: dict[Missing, str] = {
    Missing.CONTACT: "That contact no longer exists.",
    Missing.COLLEAGUE: "That colleague is no longer in this workspace.",
    Missing.COMPANY: "That company no longer exists.",
    Missing.INTRODUCTION_REQUEST: "That request no longer exists.",
    Missing.MEETING: "That meeting no longer exists.",
    Missing.INTERACTION: "That interaction no longer exists.",
    Missing.CHOICE: "That choice has expired. Please run /logcall again.",
    Missing.CONTACT_TO_LOG: "That contact no longer exists. Please run /logcall again.",
}

#: What the person may not do.
FORBIDDEN: dict[Forbidden, str] = {
    Forbidden.ANSWER_OTHERS_REQUEST: "Only the person asked can answer this request.",
    Forbidden.UNDO_OTHERS_INTERACTION: "Only the person who logged an interaction can undo it.",
}

#: How `/logcall` text could not be read; `{…}` are the error's facts (`Misread` names them).
MISREAD: dict[Misread, str] = {
    Misread.NOTHING_TYPED: f"Tell me who you talked to, how and when, e.g. {LOGCALL_EXAMPLE}.",
    Misread.TOO_LONG: (
        "That is {length:,} characters; /logcall takes up to {limit:,}. "
        "For long notes, type `/logcall` alone to open the form."
    ),
    Misread.COMPANIES_MIXED: (
        "Give each contact their own company in brackets: `/logcall Jane Doe (Globex), Raj Patel (Initech) phone`."
    ),
    Misread.NO_COMPANY_AFTER_AT: "Which company? Write it after “at”: `/logcall Jane Doe at ACME phone`.",
    Misread.NO_CONTACT: f"Who did you talk to? Start with the contact's name, e.g. {LOGCALL_EXAMPLE}.",
    Misread.MENTION_FIRST: (
        "Start with the contact you talked to; @mentions are for colleagues "
        "who took part, e.g. `/logcall Jane Doe phone with @Sam`."
    ),
    Misread.KEYWORD_FIRST: (
        "I read “{word}” as a keyword, so I found no contact: start with who you talked to, "
        f'e.g. {LOGCALL_EXAMPLE}. If a name looks like a keyword, quote it: `/logcall "Will Call" phone`.'
    ),
    Misread.COMPANY_OUT_OF_PLACE: f"Put the company right after the name, e.g. {LOGCALL_EXAMPLE}.",
    Misread.NO_CHANNEL: f"How did you talk? Add a channel: {CHANNEL_CHOICES}, e.g. {LOGCALL_EXAMPLE}.",
    Misread.IN_THE_FUTURE: (
        "“{phrase}” ({shown}) is in the future: /logcall records what already happened. "
        "To schedule your next meeting, write when it is, like “next tue 3pm” or “tomorrow 10am”."
    ),
    Misread.LOGGED_IN_THE_FUTURE: "That date is in the future: /logcall records what already happened.",
    Misread.SCHEDULED_IN_THE_PAST: "That time has already passed: give a time still to come, like “next tue 3pm”.",
}


def error_text(error: RapportError) -> str:
    """What the person reads for this error: its value in words, or the sentence it carries."""
    if isinstance(error, MisreadCommand):
        return MISREAD[error.misread].format(**error.facts)
    if isinstance(error, NotFound):
        return MISSING[error.missing]
    if isinstance(error, NotAllowed):
        return FORBIDDEN[error.forbidden]
    return error.message
