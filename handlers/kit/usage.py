"""How to use each command: shown by `help`, an empty command, and every error about bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers.kit.blocks import message, section
from handlers.kit.deps import AckFn
from models.core.grammar import LOGCALL_USAGE, is_help

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

USAGE_BY_COMMAND = {"/logcall": LOGCALL_USAGE, "/whoknows": WHOKNOWS_USAGE, "/prep": PREP_USAGE}


def usage_reply(command: str, text: str) -> dict[str, Any] | None:
    """The usage of `command` when its text is empty or asks for help; None when there is work to do."""
    if text and not is_help(text):
        return None
    return message([section(USAGE_BY_COMMAND[command])], fallback=f"How to use {command}")


def ack_with_usage(command: str) -> Callable[[AckFn, dict[str, Any]], None]:
    """A command's quick part: its usage when nothing (or help) was typed, else a plain acknowledgement."""

    def ack_usage(ack: AckFn, body: dict[str, Any]) -> None:
        reply = usage_reply(command, (body.get("text") or "").strip())
        if reply is None:
            ack()
        else:
            ack(**reply)

    return ack_usage
