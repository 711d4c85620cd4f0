"""A member's own settings: when their digest comes, how often each tag needs a conversation, their briefings' lead."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time

from models.core.errors import RapportError
from models.core.grammar import parse_tags
from models.core.limits import DIGEST_TAGS, TAG
from models.core.nudges import LEAD_MINUTES, Frequency
from models.core.values import Actor
from models.db.orm import Member
from models.db.uow import UnitOfWork
from models.nudges.digests import digest_tags, member_settings
from models.nudges.repository import NudgeRepository

_CADENCE = re.compile(r"^#?(?P<tag>[\w-]+)\s*[=:]\s*(?P<days>\d{1,4})\s*(?:d|days?)?$", re.UNICODE)
MAX_CADENCE_DAYS = 3650
#: What a member is told of a briefing lead out of range.
LEAD_PROBLEM = f"Write a number of minutes between {LEAD_MINUTES.start} and {LEAD_MINUTES.stop - 1}."


@dataclass(frozen=True)
class NudgeSettings:
    frequency: Frequency
    local_time: time
    days: tuple[str, ...]
    time_zone: str
    cadences: dict[str, int] = field(default_factory=dict)
    briefing_lead_minutes: int = 30
    only_tags: tuple[str, ...] = ()


def parse_cadences(text: str) -> dict[str, int]:
    """“client=30, friend=90” → {"client": 30, "friend": 90}; a ValueError says what to fix."""
    cadences: dict[str, int] = {}
    for part in re.split(r"[,;\n]+", text):
        part = part.strip()
        if not part:
            continue
        match = _CADENCE.match(part)
        if match is None:
            raise ValueError(f"“{part}” is not a rule: write tag=days, like client=30.")
        days = int(match["days"])
        if not TAG.fits(match["tag"]):
            raise ValueError(TAG.too_long)
        if not 1 <= days <= MAX_CADENCE_DAYS:
            raise ValueError(f"{days} days for #{match['tag']}: choose between 1 and {MAX_CADENCE_DAYS}.")
        cadences[match["tag"].lower()] = days
    return cadences


def parse_digest_tags(text: str) -> tuple[str, ...]:
    """“#client, prospect” → ("client", "prospect"), as tags are read everywhere (`grammar.parse_tags`);
    a ValueError when a tag, or the list kept together, is too long to keep."""
    try:
        tags = parse_tags(text)
    except RapportError as problem:
        raise ValueError(problem.message) from None
    if not DIGEST_TAGS.fits(",".join(tags)):
        raise ValueError(DIGEST_TAGS.too_long)
    return tags


def parse_lead(text: str) -> int:
    """Minutes before each meeting, as typed (“45”); a ValueError (LEAD_PROBLEM) when it is not a lead allowed."""
    text = text.strip()
    if not (text.isdecimal() and len(text) <= 4) or int(text) not in LEAD_MINUTES:
        raise ValueError(LEAD_PROBLEM)
    return int(text)


def nudge_settings(uow: UnitOfWork, actor: Actor) -> NudgeSettings:
    with uow:
        repo, member = uow.member(actor.team_id, actor.user_id, NudgeRepository)
        settings = _settings(member, repo.cadences(member))
        uow.commit()
        return settings


def save_nudge_settings(
    uow: UnitOfWork,
    actor: Actor,
    frequency: Frequency,
    local_time: time,
    days: tuple[str, ...],
    cadences: dict[str, int],
    briefing_lead_minutes: int | None = None,
    only_tags: tuple[str, ...] | None = None,
) -> NudgeSettings:
    """Keep the member's settings; a RapportError when the briefing lead is out of range."""
    if briefing_lead_minutes is not None and briefing_lead_minutes not in LEAD_MINUTES:
        raise RapportError(LEAD_PROBLEM)
    with uow:
        repo, member = uow.member(actor.team_id, actor.user_id, NudgeRepository)
        member.nudge_frequency = frequency.value
        member.nudge_time = local_time.strftime("%H:%M")
        if days:
            member.nudge_days = ",".join(days)
        if briefing_lead_minutes is not None:
            member.briefing_lead_minutes = briefing_lead_minutes
        if only_tags is not None:
            member.nudge_tags = ",".join(only_tags) or None
        repo.set_cadences(member, cadences)
        settings = _settings(member, dict(cadences))
        uow.commit()
        return settings


def _settings(member: Member, cadences: dict[str, int]) -> NudgeSettings:
    digest = member_settings(member)
    return NudgeSettings(
        frequency=digest.frequency,
        local_time=digest.local_time,
        days=digest.days,
        time_zone=digest.time_zone,
        cadences=cadences,
        briefing_lead_minutes=member.briefing_lead_minutes,
        only_tags=digest_tags(member),
    )
