"""How to use each command: shown by `help`, an empty command, and every error about bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers.kit.blocks import message, section
from handlers.kit.deps import AckFn
from models.core.errors import Usage

LOGCALL_USAGE = """\
*Log a conversation:* `/logcall <who> <channel> [when] [duration] [me|them] [with @colleague] [#tag] [: notes]`
• `/logcall Jane Doe (ACME) phone yesterday they called: budget moves to Q3 #prospect`
• `/logcall Jane Doe, Raj Patel @ ACME lunch last tue 12:30 with @Sam: intro to their CFO`
• `/logcall "Will Call" at Globex zoom 2026-11-20 14:00 45 min I called`
• `/logcall Li Wei (Initech) email 3 days ago me #client`
*Channels:* in person, video (zoom, teams, skype…), phone, email, chat, social. *When:* today, \
yesterday 3pm, 3 days ago, last tue, Nov 20. Put a name in quotes if it looks like a keyword. \
Type `/logcall` alone to open a form.
*The score rests on:* 1. whether you know their title and role (you say; an imported title is a hint) · \
2. whether they like your work · 3. a friend (a very close one risks nepotism) · 4. the people they are \
known to know that you know too · 5. regular meetings or calls (e-mails are not seeing someone) and \
balance (`me`/`them` say who reached out). *Rate this relationship* answers 1 to 3."""

WHOKNOWS_USAGE = (
    "*Find a warm introduction:* `/whoknows <person or company>`\n"
    "• `/whoknows Jane Doe`: the best routes to Jane, ranked by the chance the introduction works\n"
    "• `/whoknows ACME`: whom the team knows at ACME, and whom nobody knows well yet\n"
    "Small typos are fine. Routes show each hop's strength; only names, bands and dates, never notes."
)

PREP_USAGE = (
    "*Prepare a meeting:* `/prep <person or company>`\n"
    "• `/prep Jane Doe`: who she is, your relationship, her company, and a primary and a secondary objective\n"
    "• `/prep ACME`: the same for the person at ACME most concerned (or the one you know best)\n"
    "• `/prep calendar https://…/basic.ics`: your calendar's secret address, so briefings come before each meeting\n"
    "• `/prep calendar upload`: upload an .ics file instead · `/prep calendar`: how your feed is doing · "
    "`/prep calendar off`: stop reading it"
)

#: The usage text of each command; the import tools have none (their errors say what to change).
USAGES: dict[Usage, str] = {Usage.LOGCALL: LOGCALL_USAGE, Usage.WHOKNOWS: WHOKNOWS_USAGE, Usage.PREP: PREP_USAGE}
#: The slash command people type for each usage that has one.
COMMANDS: dict[Usage, str] = {Usage.LOGCALL: "/logcall", Usage.WHOKNOWS: "/whoknows", Usage.PREP: "/prep"}
#: What a person types after a command to ask how to use it.
HELP_WORDS = frozenset({"help", "?", "-h", "--help", "usage"})


def is_help(text: str) -> bool:
    """Whether the person asked for help (`/logcall help`) rather than for some work."""
    return text.strip().lower() in HELP_WORDS


def usage_message(usage: Usage) -> dict[str, Any]:
    """The usage of a command, as a message of its own."""
    return message([section(USAGES[usage])], fallback=f"How to use {COMMANDS[usage]}")


def usage_reply(usage: Usage, text: str) -> dict[str, Any] | None:
    """The usage of a command when its text is empty or asks for help; None when there is work to do."""
    if text and not is_help(text):
        return None
    return usage_message(usage)


def ack_with_usage(usage: Usage) -> Callable[[AckFn, dict[str, Any]], None]:
    """A command's quick part: its usage when nothing (or help) was typed, else a plain acknowledgement."""

    def ack_usage(ack: AckFn, body: dict[str, Any]) -> None:
        reply = usage_reply(usage, (body.get("text") or "").strip())
        if reply is None:
            ack()
        else:
            ack(**reply)

    return ack_usage
