"""A member's own settings: when their digest comes, and how often each tag needs a conversation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time

from sqlalchemy import delete, select

from models.core.limits import DIGEST_TAGS, TAG
from models.core.nudges import Frequency
from models.core.values import Actor
from models.db.orm import CadenceRule
from models.db.repository import WorkspaceRepository
from models.db.uow import UnitOfWork
from models.nudges.digests import member_settings

_CADENCE = re.compile(r"^#?(?P<tag>[\w-]+)\s*[=:]\s*(?P<days>\d{1,4})\s*(?:d|days?)?$", re.UNICODE)
MAX_CADENCE_DAYS = 3650


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


def nudge_settings(uow: UnitOfWork, actor: Actor) -> NudgeSettings:
    with uow:
        repo = WorkspaceRepository.for_team(uow.session, actor.team_id)
        member = repo.get_or_create_member(actor.user_id)
        settings = member_settings(member)
        rules = uow.session.scalars(select(CadenceRule).where(CadenceRule.member_id == member.id))
        uow.commit()
        return NudgeSettings(
            frequency=settings.frequency,
            local_time=settings.local_time,
            days=settings.days,
            time_zone=settings.time_zone,
            cadences={rule.tag: rule.days for rule in rules},
            briefing_lead_minutes=member.briefing_lead_minutes,
            only_tags=_tags(member.nudge_tags),
        )


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
    with uow:
        repo = WorkspaceRepository.for_team(uow.session, actor.team_id)
        member = repo.get_or_create_member(actor.user_id)
        member.nudge_frequency = frequency.value
        member.nudge_time = local_time.strftime("%H:%M")
        if days:
            member.nudge_days = ",".join(days)
        if briefing_lead_minutes is not None:
            member.briefing_lead_minutes = briefing_lead_minutes
        if only_tags is not None:
            member.nudge_tags = ",".join(only_tags) or None
        uow.session.execute(delete(CadenceRule).where(CadenceRule.member_id == member.id))
        uow.session.add_all(
            CadenceRule(workspace_id=member.workspace_id, member_id=member.id, tag=tag, days=number)
            for tag, number in cadences.items()
        )
        settings = member_settings(member)
        uow.commit()
        return NudgeSettings(
            frequency=settings.frequency,
            local_time=settings.local_time,
            days=settings.days,
            time_zone=settings.time_zone,
            cadences=dict(cadences),
            briefing_lead_minutes=member.briefing_lead_minutes,
            only_tags=_tags(member.nudge_tags),
        )


def _tags(text: str | None) -> tuple[str, ...]:
    return tuple(tag for tag in (text or "").split(",") if tag)


def parse_tag_list(text: str) -> tuple[str, ...]:
    """“#client, prospect” → ("client", "prospect"); a ValueError when a tag or the list is too long to keep."""
    tags = tuple(
        dict.fromkeys(t.strip().lstrip("#").lower() for t in re.split(r"[,\s]+", text) if t.strip().lstrip("#"))
    )
    if not all(TAG.fits(tag) for tag in tags):
        raise ValueError(TAG.too_long)
    if not DIGEST_TAGS.fits(",".join(tags)):
        raise ValueError(DIGEST_TAGS.too_long)
    return tags
