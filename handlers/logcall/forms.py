"""Reading submitted modals into the same frozen commands the one-line grammar produces."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from handlers.kit.forms import FormErrors, State, answer, selected, text_of, ticked
from handlers.kit.wording import error_text
from models.core.dates import NOON, parse_duration
from models.core.errors import UsageError
from models.core.grammar import parse_tags, split_contacts
from models.core.limits import COMPANY_NAME, JOB_TITLE
from models.core.signs import Appreciation, Friendship
from models.core.values import Channel, ContactRef, Initiator, LogCallCommand
from models.logcall.service import TieRating


def _contacts(state: State, errors: dict[str, str]) -> tuple[ContactRef, ...]:
    """Who the form names, at the company its field gives; a problem goes under the field that has it."""
    company = text_of(state, "company")
    if company and not COMPANY_NAME.fits(company):
        errors["company"] = COMPANY_NAME.too_long
        company = ""
    try:
        return split_contacts(text_of(state, "contacts"), company or None)
    except UsageError as error:
        errors["contacts"] = error_text(error)
        return ()


def logcall_command_from_state(state: State, now: datetime, zone: ZoneInfo) -> LogCallCommand:
    """The `/logcall` modal's answers as a command; every problem is reported against its field."""
    errors: dict[str, str] = {}
    contacts = _contacts(state, errors)
    channel_value = selected(state, "channel")
    channel = Channel(channel_value) if channel_value else None
    if channel is None:
        errors["channel"] = "Say how you talked."
    occurred_at, time_given = _moment(state, now, zone, errors)
    initiator_value = selected(state, "initiator")
    duration = _duration(state, errors)
    tags: tuple[str, ...] = ()
    try:
        tags = parse_tags(text_of(state, "tags"))
    except UsageError as error:
        errors["tags"] = error_text(error)
    if errors or channel is None:
        raise FormErrors(errors)
    return LogCallCommand(
        contacts=contacts,
        channel=channel,
        occurred_at=occurred_at,
        time_given=time_given,
        initiator=Initiator(initiator_value) if initiator_value in {"me", "them"} else None,
        duration_minutes=duration,
        colleagues=tuple(answer(state, "colleagues").get("selected_users") or ()),
        tags=tags,
        notes=text_of(state, "notes"),
    )


def _moment(state: State, now: datetime, zone: ZoneInfo, errors: dict[str, str]) -> tuple[datetime, bool]:
    """When it happened, from the date and time pickers, and whether a time of day was given.

    A day with no time is today's current time, or noon on another day (as `/logcall` reads it)."""
    date_text = answer(state, "date").get("selected_date")
    time_text = answer(state, "time").get("selected_time")
    try:
        day = date.fromisoformat(date_text) if date_text else None
        moment = time.fromisoformat(time_text) if time_text else None
    except ValueError:
        errors["date"] = "Pick the day (and time) from the pickers."
        return now, False
    if day is None:
        errors["date"] = "Pick the day it happened."
        return now, False
    today = now.astimezone(zone).date()
    if moment is None:
        moment = now.astimezone(zone).time() if day == today else NOON
    occurred_at = datetime.combine(day, moment, tzinfo=zone)
    if occurred_at > now:
        errors["time" if time_text and day == today else "date"] = "That is in the future: log what already happened."
    return occurred_at, bool(time_text) or day == today


def _duration(state: State, errors: dict[str, str]) -> int | None:
    duration_text = text_of(state, "duration")
    if not duration_text:
        return None
    duration = parse_duration(duration_text)
    if duration is None:
        errors["duration"] = "Write it like “45 min” or “1h30”."
    elif duration > 24 * 60:
        errors["duration"] = "That is longer than a day."
    return duration


def rating_from_state(state: State) -> TieRating:
    """The rating modal's answers; a question left blank keeps whatever was known before.

    Raises FormErrors when the cadence is not a number of days, or the job title is too long.
    """
    errors: dict[str, str] = {}
    cadence_text = text_of(state, "cadence")
    cadence = 0
    if cadence_text:
        # Four ASCII digits at most before int(): no overflow, nor Python's limit on digits, from a crafted form.
        if re.fullmatch(r"[0-9]{1,4}", cadence_text) and 1 <= int(cadence_text) <= 3650:
            cadence = int(cadence_text)
        else:
            errors["cadence"] = "Write a number of days, like 30."
    if not JOB_TITLE.fits(text_of(state, "job_title")):
        errors["job_title"] = JOB_TITLE.too_long
    if errors:
        raise FormErrors(errors)
    appreciation = selected(state, "appreciation")
    friendship = selected(state, "friendship")
    title, role = text_of(state, "job_title"), text_of(state, "responsibilities")
    return TieRating(
        knows_job_title=_knows(selected(state, "knows_title"), title),
        knows_responsibilities=_knows(selected(state, "knows_role"), role),
        appreciation=Appreciation(appreciation) if appreciation else None,
        friendship=Friendship(friendship) if friendship else None,
        job_title=title or None,
        responsibilities=role or None,
        private=bool(ticked(state, "privacy")),
        cadence_days=cadence,
    )


def _knows(answer: str | None, typed: str) -> bool | None:
    """Sign 1's answer: the seller's yes or no; writing the title (or the role) themselves is a yes;
    neither leaves what they said before (None)."""
    if typed:
        return True
    return None if answer is None else answer == "yes"


def schedule_command_from_state(state: State, now: datetime, zone: ZoneInfo) -> LogCallCommand:
    """The next-meeting form's answers as a scheduled command (a moment still to come)."""
    errors: dict[str, str] = {}
    contacts = _contacts(state, errors)
    channel_value = selected(state, "channel")
    channel = Channel(channel_value) if channel_value else Channel.IN_PERSON
    starts_at = now
    try:
        day = date.fromisoformat(answer(state, "date").get("selected_date") or "")
        moment = time.fromisoformat(answer(state, "time").get("selected_time") or "09:00")
        starts_at = datetime.combine(day, moment, tzinfo=zone)
        if starts_at <= now:
            errors["time" if day == now.astimezone(zone).date() else "date"] = (
                "That has already passed: pick a time to come."
            )
    except ValueError:
        errors["date"] = "Pick the day of the meeting."
    if errors:
        raise FormErrors(errors)
    return LogCallCommand(
        contacts=contacts,
        channel=channel,
        occurred_at=starts_at,
        time_given=True,
        notes=text_of(state, "topic"),
        scheduled=True,
    )
