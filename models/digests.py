"""Nudge digests: composed once per member and period into an outbox, then delivered exactly once.

Composing: for each member whose digest is due (their own time zone, time and days), the sweep reads
their ties and aggregates their recent interactions in SQL, applies the rules of `models.nudges`,
and inserts one outbox row keyed by (workspace, member, period); the unique key makes a second
sweep, a restart or another replica insert nothing. On PostgreSQL one replica composes at a time
(an advisory lock); the others go on delivering.

Delivering: a process claims a pending row (a conditional UPDATE, with SKIP LOCKED on PostgreSQL, so
no two processes ever hold one row), marks it "sending" and commits, then sends. A row left
"sending" by a process that died is reclaimed after `LEASE`; before sending it again the sender looks
in the member's DM for a message carrying this row's id, so a digest that reached Slack just before
the crash is not sent twice. Rate limits and server errors are retried by the sender; what still
fails stays pending for the next sweep. A member who left or blocked the app is marked unreachable
and skipped; the sweep goes on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, case, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

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
    DigestOutbox,
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
from models.repository import WorkspaceRepository
from models.scoring import RECENT_INITIATIVES_CONSIDERED, REGULARITY_WINDOW
from models.uow import UnitOfWork

logger = logging.getLogger(__name__)

#: A row claimed this long ago by a process that never finished is claimed again.
LEASE = timedelta(minutes=10)
#: Rows a process claims at a time.
CLAIM_BATCH = 50
#: Deliveries that failed this many times in a row are left for a person to look at.
MAX_ATTEMPTS = 20
PENDING, SENDING, SENT, EMPTY, SKIPPED = "pending", "sending", "sent", "empty", "skipped"
#: PostgreSQL advisory lock key held while one replica composes digests.
COMPOSE_LOCK_KEY = 0x5241_5050  # "RAPP"


@dataclass(frozen=True)
class Delivery:
    channel_id: str
    ts: str


class DeliveryFailed(Exception):
    """Slack refused the digest; `permanent` when the member cannot be reached at all."""

    def __init__(self, reason: str, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class DigestSender(Protocol):
    """The edge that talks to Slack (handlers provide it); the domain knows only this."""

    def send(self, digest: OutgoingDigest) -> Delivery: ...

    def find_sent(self, digest: OutgoingDigest) -> Delivery | None: ...


@dataclass(frozen=True)
class OutgoingDigest:
    outbox_id: int
    team_id: str
    slack_user_id: str
    channel_id: str | None
    period_key: str
    items: tuple[DigestItem, ...]
    settings: DigestSettings


@dataclass(frozen=True)
class ComposedDigest:
    """One member's digest for one period, as composed (printed by a dry run)."""

    team_id: str
    slack_user_id: str
    period_key: str
    items: tuple[DigestItem, ...]


@dataclass
class SweepReport:
    composed: list[ComposedDigest] = field(default_factory=list)
    sent: int = 0
    recovered: int = 0
    failed: int = 0
    skipped: int = 0
    unreachable: list[str] = field(default_factory=list)


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
        if not dry_run and _outbox_row(session, member, period) is not None:
            return None
        week = _local_week(now, settings)
        include_tips = member.tips_week != week
        ties = tie_facts(session, member, now)
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
        if not _insert_outbox(session, member, period, items, now):
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


def _outbox_row(session: Session, member: Member, period: str) -> DigestOutbox | None:
    return session.scalar(
        select(DigestOutbox).where(
            DigestOutbox.workspace_id == member.workspace_id,
            DigestOutbox.member_id == member.id,
            DigestOutbox.period_key == period,
        )
    )


def _insert_outbox(session: Session, member: Member, period: str, items: Sequence[DigestItem], now: datetime) -> bool:
    """Insert the period's row unless one exists; True when this call inserted it."""
    values = {
        "workspace_id": member.workspace_id,
        "member_id": member.id,
        "period_key": period,
        "status": PENDING if items else EMPTY,
        "items_json": items_to_json(items),
        "attempts": 0,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(DigestOutbox)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["workspace_id", "member_id", "period_key"])
        .returning(DigestOutbox.id)
    )
    return session.execute(statement).scalar() is not None


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
    for item in items:
        row = _memory_row(session, member, item.contact_id, item.kind)
        row.times_sent += 1
        row.last_sent_at = now


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


def tie_facts(session: Session, member: Member, now: datetime) -> list[TieFacts]:
    """The member's relationships as the rules need them, aggregated in SQL (no interaction rows loaded)."""
    rows = session.execute(
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
        .where(Tie.member_id == member.id, Tie.workspace_id == member.workspace_id, Tie.interaction_count > 0)
    ).all()
    if not rows:
        return []
    tags: dict[int, list[str]] = {}
    tag_rows = session.execute(
        select(contact_tags.c.contact_id, contact_tags.c.tag)
        .join(Tie, and_(Tie.contact_id == contact_tags.c.contact_id, Tie.member_id == member.id))
        .where(Tie.interaction_count > 0)
    )
    for contact_id, tag in tag_rows:
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


# Delivering --------------------------------------------------------------------------------------
def deliver_pending(
    uow: UnitOfWork, sender: DigestSender, now: datetime, worker: str, only_user: str | None = None
) -> SweepReport:
    """Deliver every claimable digest; each row is held by one process only."""
    report = SweepReport()
    attempted: set[int] = set()  # a row that failed waits for the next sweep, not the next loop
    while True:
        claimed = _claim(uow, now, worker, only_user, attempted)
        if not claimed:
            return report
        for outbox_id, was_stale in claimed:
            attempted.add(outbox_id)
            _deliver_one(uow, sender, outbox_id, was_stale, now, worker, report)


def _claim(
    uow: UnitOfWork, now: datetime, worker: str, only_user: str | None, attempted: set[int]
) -> list[tuple[int, bool]]:
    with uow:
        session = uow.session
        claimable = or_(
            and_(DigestOutbox.status == PENDING, DigestOutbox.attempts < MAX_ATTEMPTS),
            and_(DigestOutbox.status == SENDING, DigestOutbox.claimed_at < now - LEASE),
        )
        query = (
            select(DigestOutbox.id, DigestOutbox.status).where(claimable).order_by(DigestOutbox.id).limit(CLAIM_BATCH)
        )
        if only_user:
            query = query.join(Member, Member.id == DigestOutbox.member_id).where(Member.slack_user_id == only_user)
        if attempted:
            query = query.where(DigestOutbox.id.not_in(attempted))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=DigestOutbox)
        candidates = session.execute(query).all()
        claimed: list[tuple[int, bool]] = []
        for outbox_id, status in candidates:
            taken = session.execute(
                update(DigestOutbox)
                .where(DigestOutbox.id == outbox_id, DigestOutbox.status == status, claimable)
                .values(status=SENDING, claimed_by=worker, claimed_at=now)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append((outbox_id, status == SENDING))
        uow.commit()
        return claimed


def _deliver_one(
    uow: UnitOfWork,
    sender: DigestSender,
    outbox_id: int,
    was_stale: bool,
    now: datetime,
    worker: str,
    report: SweepReport,
) -> None:
    with uow:
        session = uow.session
        row = session.get(DigestOutbox, outbox_id)
        member = session.get(Member, row.member_id) if row else None
        if row is None or member is None:
            return
        team_id = session.scalar(select(Workspace.slack_team_id).where(Workspace.id == member.workspace_id)) or ""
        digest = OutgoingDigest(
            outbox_id=row.id,
            team_id=team_id,
            slack_user_id=member.slack_user_id,
            channel_id=member.dm_channel_id,
            period_key=row.period_key,
            items=tuple(items_from_json(row.items_json)),
            settings=member_settings(member),
        )
        member_id = member.id
    delivery: Delivery | None = None
    try:
        if was_stale:
            delivery = sender.find_sent(digest)
            if delivery is not None:
                report.recovered += 1
        if delivery is None:
            delivery = sender.send(digest)
    except DeliveryFailed as failure:
        _record_failure(uow, outbox_id, member_id, worker, failure, now, report, digest.slack_user_id)
        return
    with uow:
        session = uow.session
        session.execute(
            update(DigestOutbox)
            .where(DigestOutbox.id == outbox_id, DigestOutbox.claimed_by == worker)
            .values(status=SENT, sent_at=now, channel_id=delivery.channel_id, message_ts=delivery.ts, last_error=None)
        )
        session.execute(update(Member).where(Member.id == member_id).values(dm_channel_id=delivery.channel_id))
        uow.commit()
    report.sent += 1


def _record_failure(
    uow: UnitOfWork,
    outbox_id: int,
    member_id: int,
    worker: str,
    failure: DeliveryFailed,
    now: datetime,
    report: SweepReport,
    slack_user_id: str,
) -> None:
    with uow:
        session = uow.session
        if failure.permanent:
            session.execute(
                update(Member)
                .where(Member.id == member_id)
                .values(unreachable_reason=failure.reason[:64], unreachable_at=now)
            )
            session.execute(
                update(DigestOutbox)
                .where(DigestOutbox.id == outbox_id, DigestOutbox.claimed_by == worker)
                .values(status=SKIPPED, last_error=failure.reason[:255])
            )
            report.skipped += 1
            report.unreachable.append(slack_user_id)
        else:
            session.execute(
                update(DigestOutbox)
                .where(DigestOutbox.id == outbox_id, DigestOutbox.claimed_by == worker)
                .values(
                    status=PENDING, attempts=DigestOutbox.attempts + 1, last_error=failure.reason[:255], claimed_by=None
                )
            )
            report.failed += 1
        uow.commit()
    logger.warning("digest %s not delivered: %s", outbox_id, failure.reason)


def sweep(
    uow: UnitOfWork,
    sender: DigestSender,
    now: datetime,
    worker: str,
    only_user: str | None = None,
) -> SweepReport:
    """One pass: compose what is due, then deliver everything pending (the scheduled job and the CLI)."""
    composed = compose_due(uow, now, only_user)
    report = deliver_pending(uow, sender, now, worker, only_user)
    report.composed = composed
    return report


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


# Items as stored in the outbox --------------------------------------------------------------------
def items_to_json(items: Sequence[DigestItem]) -> str:
    def encode(item: DigestItem) -> dict[str, object]:
        data = asdict(item)
        data["kind"] = item.kind.value
        data["suggested_day"] = item.suggested_day.isoformat() if item.suggested_day else None
        return data

    return json.dumps([encode(item) for item in items])


def items_from_json(text_value: str) -> list[DigestItem]:
    items = []
    for data in json.loads(text_value or "[]"):
        data["kind"] = NudgeKind(data["kind"])
        data["suggested_day"] = date.fromisoformat(data["suggested_day"]) if data.get("suggested_day") else None
        items.append(DigestItem(**data))
    return items
