"""Nudge digests: each due member's digest composed once per period into the outbox (models/outbox.py).

For each member whose digest is due (their own time zone, time and days), the sweep reads their ties
and aggregates their recent interactions in SQL, applies the rules of `models.nudges`, and inserts
one outbox row keyed by (member, "digest", period). On PostgreSQL one replica composes at a time (an
advisory lock); the others go on delivering.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import case, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models import outbox
from models.errors import NotFound
from models.nudges import (
    DigestItem,
    DigestSettings,
    Frequency,
    NudgeKind,
    NudgeMemory,
    TieFacts,
    compose_digest,
    due_period,
    parse_days,
)
from models.orm import (
    Account,
    CadenceRule,
    Contact,
    Interaction,
    Member,
    Tie,
    Workspace,
    contact_tags,
    interaction_contacts,
)
from models.orm import (
    NudgeMemory as NudgeMemoryRow,
)
from models.outbox import DeliveryReport, Sender
from models.repository import WorkspaceRepository
from models.scoring import RECENT_INITIATIVES_CONSIDERED, REGULARITY_WINDOW
from models.uow import UnitOfWork

logger = logging.getLogger(__name__)

DIGEST = "digest"
#: PostgreSQL advisory lock key held while one replica composes digests.
COMPOSE_LOCK_KEY = 0x5241_5050  # "RAPP"


@dataclass(frozen=True)
class ComposedDigest:
    """One member's digest for one period, as composed (printed by a dry run)."""

    team_id: str
    slack_user_id: str
    period_key: str
    items: tuple[DigestItem, ...]


@dataclass
class SweepReport(DeliveryReport):
    composed: list[ComposedDigest] = field(default_factory=list)


# Composing ---------------------------------------------------------------------------------------
def compose_due(
    uow: UnitOfWork, now: datetime, only_user: str | None = None, dry_run: bool = False
) -> list[ComposedDigest]:
    """Compose the digest of every member due at `now` (once per period); a dry run writes nothing."""
    composed: list[ComposedDigest] = []
    with _compose_lock(uow.fresh()) as allowed:
        if not allowed:
            return composed
        for member_id in _members_to_consider(uow, only_user):
            digest = _compose_member(uow, member_id, now, dry_run)
            if digest is not None:
                composed.append(digest)
    return composed


@contextmanager
def _compose_lock(uow: UnitOfWork) -> Iterator[bool]:
    """On PostgreSQL, one replica composes at a time; elsewhere the outbox's unique key suffices."""
    with uow:
        session = uow.session
        if session.bind is None or session.get_bind().dialect.name != "postgresql":
            yield True
            return
        got = bool(session.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": COMPOSE_LOCK_KEY}).scalar())
        try:
            yield got
        finally:
            if got:
                session.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": COMPOSE_LOCK_KEY})
                session.commit()


def _members_to_consider(uow: UnitOfWork, only_user: str | None) -> list[int]:
    with uow:
        query = select(Member.id).where(Member.nudge_frequency != Frequency.OFF.value, Member.unreachable_at.is_(None))
        if only_user:
            query = query.where(Member.slack_user_id == only_user)
        return list(uow.session.scalars(query.order_by(Member.id)))


def member_settings(member: Member) -> DigestSettings:
    try:
        ZoneInfo(member.time_zone)
        zone = member.time_zone
    except (ZoneInfoNotFoundError, ValueError):
        zone = "UTC"
    try:
        local_time = time.fromisoformat(member.nudge_time)
    except ValueError:
        local_time = time(9, 0)
    try:
        days = parse_days(member.nudge_days)
    except ValueError:
        days = DigestSettings().days
    return DigestSettings(time_zone=zone, frequency=Frequency(member.nudge_frequency), local_time=local_time, days=days)


def _compose_member(uow: UnitOfWork, member_id: int, now: datetime, dry_run: bool) -> ComposedDigest | None:
    with uow:
        session = uow.session
        member = session.get(Member, member_id)
        if member is None:
            return None
        settings = member_settings(member)
        period = due_period(settings, now)
        if period is None:
            return None
        if not dry_run and outbox.exists(session, member, DIGEST, period):
            return None
        week = _local_week(now, settings)
        include_tips = member.tips_week != week
        ties = tie_facts(session, member, now)
        only = {tag.strip().lower() for tag in (member.nudge_tags or "").split(",") if tag.strip()}
        if only:  # the member asked to hear only about contacts with these tags
            ties = [tie for tie in ties if only.intersection(tie.tags)]
        memories = _memories(session, member)
        cadences = {
            rule.tag: rule.days
            for rule in session.scalars(select(CadenceRule).where(CadenceRule.member_id == member.id))
        }
        items = compose_digest(ties, memories, cadences, settings, now, include_tips=include_tips)
        team_id = session.scalar(select(Workspace.slack_team_id).where(Workspace.id == member.workspace_id)) or ""
        digest = ComposedDigest(
            team_id=team_id, slack_user_id=member.slack_user_id, period_key=period, items=tuple(items)
        )
        if dry_run:
            return digest
        payload = {"items": items_to_data(items), "settings": settings_to_data(settings)}
        if not outbox.insert_once(session, member, DIGEST, period, payload, now, empty=not items):
            session.rollback()
            return None  # another process composed this period first
        if include_tips:
            member.tips_week = week
        _remember_sent(session, member, items, now)
        uow.commit()
        return digest


def _local_week(now: datetime, settings: DigestSettings) -> str:
    year, week, _ = now.astimezone(ZoneInfo(settings.time_zone)).isocalendar()
    return f"{year}-W{week:02d}"


def _memories(session: Session, member: Member) -> dict[tuple[int, NudgeKind], NudgeMemory]:
    rows = session.scalars(select(NudgeMemoryRow).where(NudgeMemoryRow.member_id == member.id))
    return {
        (row.contact_id, NudgeKind(row.kind)): NudgeMemory(
            contact_id=row.contact_id,
            kind=NudgeKind(row.kind),
            times_sent=row.times_sent,
            last_sent_at=row.last_sent_at,
            muted=row.muted,
            snoozed_until=row.snoozed_until,
        )
        for row in rows
    }


def _remember_sent(session: Session, member: Member, items: Sequence[DigestItem], now: datetime) -> None:
    """One upsert per item: sent once more, now."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for item in items:
        statement = insert(NudgeMemoryRow).values(
            workspace_id=member.workspace_id,
            member_id=member.id,
            contact_id=item.contact_id,
            kind=item.kind.value,
            times_sent=1,
            last_sent_at=now,
            muted=False,
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["member_id", "contact_id", "kind"],
                set_={"times_sent": NudgeMemoryRow.times_sent + 1, "last_sent_at": now},
            )
        )


def _memory_row(session: Session, member: Member, contact_id: int, kind: NudgeKind) -> NudgeMemoryRow:
    row = session.scalar(
        select(NudgeMemoryRow).where(
            NudgeMemoryRow.member_id == member.id,
            NudgeMemoryRow.contact_id == contact_id,
            NudgeMemoryRow.kind == kind.value,
        )
    )
    if row is None:
        row = NudgeMemoryRow(
            workspace_id=member.workspace_id, member_id=member.id, contact_id=contact_id, kind=kind.value, times_sent=0
        )
        session.add(row)
        session.flush()
    return row


def tie_facts(
    session: Session, member: Member, now: datetime, contact_ids: Sequence[int] | None = None
) -> list[TieFacts]:
    """The member's relationships as the rules need them, aggregated in SQL (no interaction rows loaded)."""
    query = (
        select(
            Tie.contact_id,
            Contact.name,
            Account.name,
            Tie.strength,
            Tie.score_total,
            Tie.last_interaction_at,
            Tie.interaction_count,
            Tie.cadence_days,
            Tie.overlap_share,
        )
        .join(Contact, Contact.id == Tie.contact_id)
        .outerjoin(Account, Account.id == Contact.account_id)
        # A member belongs to one workspace: filtering on it alone lets the planner use (member_id, …).
        .where(Tie.member_id == member.id, Tie.interaction_count > 0)
    )
    if contact_ids is not None:
        query = query.where(Tie.contact_id.in_(list(contact_ids)))
    rows = session.execute(query).all()
    if not rows:
        return []
    tags: dict[int, list[str]] = {}
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for contact_id, tag in session.execute(
            select(contact_tags.c.contact_id, contact_tags.c.tag).where(contact_tags.c.contact_id.in_(chunk))
        ):
            tags.setdefault(contact_id, []).append(tag)
    initiatives = recent_initiatives(session, member, now)
    return [
        TieFacts(
            contact_id=contact_id,
            contact_name=name,
            company=company,
            strength=float(strength or 0.0),
            score_total=score,
            last_interaction_at=last,
            interaction_count=count,
            tags=tuple(sorted(tags.get(contact_id, ()))),
            cadence_days=cadence,
            overlap_share=overlap,
            initiated_by_me=initiatives.get(contact_id, (0, 0))[0],
            initiated_by_them=initiatives.get(contact_id, (0, 0))[1],
        )
        for contact_id, name, company, strength, score, last, count, cadence, overlap in rows
    ]


def recent_initiatives(session: Session, member: Member, now: datetime) -> dict[int, tuple[int, int]]:
    """Per contact, who started the member's last 10 interactions of the past year (known initiator only).

    One SQL query with a window function: the interactions stay in the database.
    """
    ranked = (
        select(
            interaction_contacts.c.contact_id.label("contact_id"),
            Interaction.initiator.label("initiator"),
            func.row_number()
            .over(partition_by=interaction_contacts.c.contact_id, order_by=Interaction.occurred_at.desc())
            .label("position"),
        )
        .join(interaction_contacts, interaction_contacts.c.interaction_id == Interaction.id)
        .where(
            Interaction.member_id == member.id,
            Interaction.undone_at.is_(None),
            Interaction.initiator.is_not(None),
            Interaction.occurred_at >= now - REGULARITY_WINDOW,
            Interaction.occurred_at <= now,
        )
        .subquery()
    )
    counts = (
        select(
            ranked.c.contact_id,
            func.sum(case((ranked.c.initiator == "me", 1), else_=0)),
            func.sum(case((ranked.c.initiator == "them", 1), else_=0)),
        )
        .where(ranked.c.position <= RECENT_INITIATIVES_CONSIDERED)
        .group_by(ranked.c.contact_id)
    )
    return {contact_id: (int(me or 0), int(them or 0)) for contact_id, me, them in session.execute(counts)}


def sweep(
    uow: UnitOfWork,
    sender: Sender,
    now: datetime,
    worker: str,
    only_user: str | None = None,
    composers: Sequence[Callable[[UnitOfWork, datetime, str | None], object]] = (),
) -> SweepReport:
    """One pass: compose what is due (digests, and whatever else `composers` add), deliver what is pending."""
    composed = compose_due(uow, now, only_user)
    for compose in composers:
        compose(uow, now, only_user)
    delivered = outbox.deliver_pending(uow, sender, now, worker, only_user)
    return SweepReport(**vars(delivered), composed=composed)


# Snooze, mute, settings --------------------------------------------------------------------------
def snooze(
    uow: UnitOfWork, team_id: str, slack_user_id: str, contact_id: int, kind: NudgeKind, until: datetime
) -> None:
    _update_memory(uow, team_id, slack_user_id, contact_id, kind, lambda row: setattr(row, "snoozed_until", until))


def mute(uow: UnitOfWork, team_id: str, slack_user_id: str, contact_id: int, kind: NudgeKind) -> None:
    _update_memory(uow, team_id, slack_user_id, contact_id, kind, lambda row: setattr(row, "muted", True))


def _update_memory(
    uow: UnitOfWork,
    team_id: str,
    slack_user_id: str,
    contact_id: int,
    kind: NudgeKind,
    change: Callable[[NudgeMemoryRow], None],
) -> None:
    with uow:
        repo = WorkspaceRepository.for_team(uow.session, team_id)
        member = repo.get_or_create_member(slack_user_id)
        if repo.contact(contact_id) is None:
            raise NotFound("That contact no longer exists.")
        change(_memory_row(uow.session, member, contact_id, kind))
        uow.commit()


# The digest as stored in the outbox ----------------------------------------------------------------
def items_to_data(items: Sequence[DigestItem]) -> list[dict[str, Any]]:
    def encode(item: DigestItem) -> dict[str, Any]:
        data = asdict(item)
        data["kind"] = item.kind.value
        data["suggested_day"] = item.suggested_day.isoformat() if item.suggested_day else None
        return data

    return [encode(item) for item in items]


def items_from_data(data: Sequence[dict[str, Any]]) -> list[DigestItem]:
    items = []
    for entry in data:
        values = dict(entry)
        values["kind"] = NudgeKind(values["kind"])
        values["suggested_day"] = date.fromisoformat(values["suggested_day"]) if values.get("suggested_day") else None
        items.append(DigestItem(**values))
    return items


def settings_to_data(settings: DigestSettings) -> dict[str, Any]:
    return {
        "time_zone": settings.time_zone,
        "frequency": settings.frequency.value,
        "local_time": settings.local_time.strftime("%H:%M"),
        "days": list(settings.days),
    }


def settings_from_data(data: dict[str, Any]) -> DigestSettings:
    return DigestSettings(
        time_zone=data["time_zone"],
        frequency=Frequency(data["frequency"]),
        local_time=time.fromisoformat(data["local_time"]),
        days=tuple(data["days"]),
    )
