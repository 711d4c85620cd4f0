"""Reading submitted modals into the same frozen commands the one-line grammar produces."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from handlers.kit.wording import error_text
from models.core.dates import parse_duration
from models.core.errors import UsageError
from models.core.grammar import parse_tags, split_contacts
from models.core.limits import COMPANY_NAME, JOB_TITLE
from models.core.scoring import Appreciation, Friendship
from models.core.values import Channel, ContactRef, Initiator, LogCallCommand
from models.logcall.service import TieRating

State = dict[str, dict[str, dict[str, Any]]]


class FormErrors(Exception):
    """Field-by-field problems, shown by Slack under each field of the modal."""

    def __init__(self, by_block: dict[str, str]) -> None:
        super().__init__("; ".join(f"{block}: {text}" for block, text in by_block.items()))
        self.by_block = by_block


def _value(state: State, block_id: str) -> dict[str, Any]:
    block = state.get(block_id) or {}
    return block.get(block_id) or next(iter(block.values()), {})


def _text(state: State, block_id: str) -> str:
    return (_value(state, block_id).get("value") or "").strip()


def _selected(state: State, block_id: str) -> str | None:
    option = _value(state, block_id).get("selected_option")
    return option.get("value") if option else None


def _contacts(state: State, errors: dict[str, str]) -> tuple[ContactRef, ...]:
    """Who the form names, at the company its field gives; a problem goes under the field that has it."""
    company = _text(state, "company")
    if company and not COMPANY_NAME.fits(company):
        errors["company"] = COMPANY_NAME.too_long
        company = ""
    try:
        return split_contacts(_text(state, "contacts"), company or None)
    except UsageError as error:
        errors["contacts"] = error_text(error)
        return ()


def logcall_command_from_state(state: State, now: datetime, zone: ZoneInfo) -> LogCallCommand:
    """The `/logcall` modal's answers as a command; every problem is reported against its field."""
    errors: dict[str, str] = {}
    contacts = _contacts(state, errors)

    channel_value = _selected(state, "channel")
    channel = Channel(channel_value) if channel_value else None
    if channel is None:
        errors["channel"] = "Say how you talked."

    occurred_at = now
    time_given = False
    date_text = _value(state, "date").get("selected_date")
    time_text = _value(state, "time").get("selected_time")
    try:
        day = date.fromisoformat(date_text) if date_text else None
        moment = time.fromisoformat(time_text) if time_text else None
    except ValueError:
        day, moment = None, None
        errors["date"] = "Pick the day (and time) from the pickers."
    if day is not None:
        today = now.astimezone(zone).date()
        time_given = moment is not None or day == today
        if moment is None:
            moment = now.astimezone(zone).time() if day == today else time(12, 0)
        occurred_at = datetime.combine(day, moment, tzinfo=zone)
        if occurred_at > now:
            future_field = "time" if time_text and day == today else "date"
            errors[future_field] = "That is in the future: log what already happened."
    elif "date" not in errors:
        errors["date"] = "Pick the day it happened."

    initiator_value = _selected(state, "initiator")
    initiator = Initiator(initiator_value) if initiator_value in {"me", "them"} else None

    duration = None
    duration_text = _text(state, "duration")
    if duration_text:
        duration = parse_duration(duration_text)
        if duration is None:
            errors["duration"] = "Write it like “45 min” or “1h30”."
        elif duration > 24 * 60:
            errors["duration"] = "That is longer than a day."

    colleagues = tuple(_value(state, "colleagues").get("selected_users") or ())
    tags: tuple[str, ...] = ()
    try:
        tags = parse_tags(_text(state, "tags"))
    except UsageError as error:
        errors["tags"] = error_text(error)
    notes = _text(state, "notes")
    if errors or channel is None:
        raise FormErrors(errors)
    return LogCallCommand(
        contacts=contacts,
        channel=channel,
        occurred_at=occurred_at,
        time_given=time_given,
        initiator=initiator,
        duration_minutes=duration,
        colleagues=colleagues,
        tags=tags,
        notes=notes,
    )


def rating_from_state(state: State) -> TieRating:
    """The rating modal's answers; a question left blank keeps whatever was known before.

    Raises FormErrors when the cadence is not a number of days, or the job title is too long.
    """
    errors: dict[str, str] = {}
    cadence_text = _text(state, "cadence")
    cadence = 0
    if cadence_text:
        # Four ASCII digits at most before int(): no overflow, nor Python's limit on digits, from a crafted form.
        if re.fullmatch(r"[0-9]{1,4}", cadence_text) and 1 <= int(cadence_text) <= 3650:
            cadence = int(cadence_text)
        else:
            errors["cadence"] = "Write a number of days, like 30."
    if not JOB_TITLE.fits(_text(state, "job_title")):
        errors["job_title"] = JOB_TITLE.too_long
    if errors:
        raise FormErrors(errors)
    knowledge = {option["value"] for option in _value(state, "knowledge").get("selected_options") or ()}
    appreciation = _selected(state, "appreciation")
    friendship = _selected(state, "friendship")
    return TieRating(
        knows_job_title="title" in knowledge or bool(_text(state, "job_title")),
        knows_responsibilities="role" in knowledge or bool(_text(state, "responsibilities")),
        appreciation=Appreciation(appreciation) if appreciation else None,
        friendship=Friendship(friendship) if friendship else None,
        job_title=_text(state, "job_title"),
        responsibilities=_text(state, "responsibilities"),
        private=bool(_value(state, "privacy").get("selected_options")),
        cadence_days=cadence,
    )


def schedule_command_from_state(state: State, now: datetime, zone: ZoneInfo) -> LogCallCommand:
    """The next-meeting form's answers as a scheduled command (a moment still to come)."""
    errors: dict[str, str] = {}
    contacts = _contacts(state, errors)
    channel_value = _selected(state, "channel")
    channel = Channel(channel_value) if channel_value else Channel.IN_PERSON
    starts_at = now
    try:
        day = date.fromisoformat(_value(state, "date").get("selected_date") or "")
        moment = time.fromisoformat(_value(state, "time").get("selected_time") or "09:00")
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
        notes=_text(state, "topic"),
        scheduled=True,
    )


def plain_text(state: State, block_id: str) -> str:
    """What was typed in a text field of a submitted form ("" when left empty)."""
    return _text(state, block_id)
