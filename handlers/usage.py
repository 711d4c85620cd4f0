"""How to use each command: shown by `help`, an empty command, and every error about bad input."""

from __future__ import annotations

from models.grammar import LOGCALL_USAGE

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
