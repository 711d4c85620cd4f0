"""Calendar feeds in words: what a member is told of a calendar they gave, of its reading, and of its problems."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers.kit.blockkit import truncate
from handlers.kit.blocks import dm, section
from models.briefings.feeds import FeedProblem, FeedStatus, NotAnAddress, Problem, Saved, Shortened, SyncResult
from models.briefings.ical import LeftOut
from models.delivery.outbox import OutgoingMessage

#: Answers to a member who stopped their calendar: from `/prep calendar off`, and from the Home tab's form.
STOPPED_BY_COMMAND = ":calendar: Done: I no longer read your calendar. Meetings already known stay."
STOPPED_BY_FORM = ":calendar: I no longer read your calendar."
#: Events named one by one in a note about what was left out; the others are counted.
NAMED_IN_NOTES = 3
_READING = "I'm reading it now and will tell you by DM what I find."
_PROBLEMS = {
    Problem.REMOVED: "It was removed before it could be read.",
    Problem.FAILED: "Something went wrong on our side while reading it; I'll try again at the next reading.",
}
_SHORTENED = {
    Shortened.MEETING_TITLE: "meeting title",
    Shortened.ATTENDEE_ADDRESS: "attendee address",
    Shortened.ATTENDEE_NAME: "attendee name",
    Shortened.EVENT_IDENTIFIER: "event identifier",
}


def saved_text(saved: Saved | NotAnAddress) -> str:
    """What the member is told at once about a calendar they gave."""
    if isinstance(saved, NotAnAddress):
        return f":warning: {saved.problem}"
    if saved.address is None:
        return f":calendar: Got your file: {_READING}"
    return f":calendar: Saved {saved.address}: {_READING}"


def reading_text(result: SyncResult) -> str:
    """What the member is told once their calendar has been read."""
    if result.problem:
        problem = problem_text(result.problem)
        if result.from_file:
            return f":warning: I couldn't use that file. {problem}"
        return f":warning: I saved {result.address or 'your calendar'} but couldn't use it. {problem}"
    meetings = f"{result.meetings} meeting" + ("s" if result.meetings != 1 else "")
    if result.from_file:
        text = f":calendar: Read your file: {meetings} with contacts in the next two weeks."
    else:
        text = (
            f":calendar: Connected to {result.address or 'your calendar'}: {meetings} with contacts in the next two "
            "weeks. Briefings will come before each one."
        )
    return "\n".join([text, *notes(result.left_out, result.shortened)])


def problem_text(problem: FeedProblem) -> str:
    return _PROBLEMS.get(problem.kind, problem.detail)


def status_text(status: FeedStatus | None) -> str:
    """The member's calendar as it stands (`/prep calendar`, the Home tab's form)."""
    if status is None:
        return (
            ":calendar: No calendar yet. Give me your calendar's secret address: `/prep calendar https://…/basic.ics`."
        )
    where = status.address or "an uploaded file"
    if status.last_error:
        return f":warning: Your calendar ({where}) could not be read last time: {status.last_error}"
    when = f"last read {status.last_read_at:%d %b %H:%M} UTC" if status.last_read_at else "not read yet"
    return f":calendar: Reading your calendar ({where}), {when}."


def notes(left_out: Sequence[LeftOut], shortened: Sequence[tuple[Shortened, int]]) -> list[str]:
    """What a reading had to leave out or shorten: one sentence per kind, naming a few events and counting the rest."""
    capped = [item for item in left_out if item.occurrences is not None]
    unread = [item for item in left_out if item.occurrences is None]
    found = []
    if capped:
        occurrences = sum(item.occurrences or 0 for item in capped)
        found.append(
            f"Some events repeat more often than Rapport reads, so about {occurrences:,} of their occurrences in "
            f"the next two weeks were left out: {_titles(capped)}."
        )
    if unread:
        found.append(
            f"Some events repeat too often, or the calendar holds too many, for Rapport to read them all: "
            f"{_titles(unread)} {'was' if len(unread) == 1 else 'were'} left out."
        )
    if shortened:
        parts = ", ".join(f"{count} {_SHORTENED[what]}" + ("s" if count > 1 else "") for what, count in shortened)
        found.append(f"Some details were longer than Rapport keeps and were shortened or left out: {parts}.")
    return found


def _titles(items: list[LeftOut]) -> str:
    named = ", ".join(f"“{item.title[:80]}”" for item in items[:NAMED_IN_NOTES])
    others = len(items) - NAMED_IN_NOTES
    return named + (f" and {others:,} other event" + ("s" if others > 1 else "") if others > 0 else "")


def feed_error_message(message: OutgoingMessage) -> dict[str, Any]:
    """The DM about a calendar that could not be read, or that was read with something left out."""
    payload = message.payload
    where = str(payload.get("where") or "your uploaded file")
    note = payload.get("note")  # rows composed before the notes were kept as values
    if note is None and ("left_out" in payload or "shortened" in payload):
        left_out = [LeftOut(title=str(title), occurrences=count) for title, count in payload.get("left_out") or []]
        shortened = [(Shortened(what), int(count)) for what, count in payload.get("shortened") or []]
        note = " ".join(notes(left_out, shortened))
    if note:  # read, with something left out or shortened
        text = truncate(f":calendar: About your calendar feed ({where}): {note}", 2900)
        return {"text": "A note about your calendar feed", "blocks": [section(text)]}
    problem = str(payload.get("problem", "it could not be read"))
    text = (
        f":warning: I couldn't read your calendar feed ({where}): {problem}\n"
        "I'll keep trying quietly and tell you again only if something else goes wrong. "
        "To give a new address: `/prep calendar https://…`."
    )
    return dm([section(text)], fallback="Your calendar feed could not be read")
