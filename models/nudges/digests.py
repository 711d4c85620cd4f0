"""Nudge digests: each due member's digest composed once per period into the outbox (models/delivery/outbox.py).

For each member whose digest is due (their own time zone, time and days), the sweep reads their ties
and aggregates their recent interactions in SQL, applies the rules of `models.core.nudges`, and inserts
one outbox row keyed by (member, "digest", period). On PostgreSQL one replica composes at a time (an
advisory lock); the others go on delivering. One member whose digest cannot be composed never stops
the others' (nor the delivery of what is pending).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, Table, and_, bindparam, case, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models.core.errors import NotFound
from models.core.faults import describe_fault
from models.core.nudges import (
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
from models.core.scoring import NO_INITIATIVES, RECENT_INITIATIVES_CONSIDERED, REGULARITY_WINDOW, Initiatives
from models.db.orm import (
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
from models.db.orm import (
    NudgeMemory as NudgeMemoryRow,
)
from models.db.repository import WorkspaceRepository
from models.db.uow import UnitOfWork
from models.delivery import outbox
from models.delivery.outbox import DeliveryReport, Sender

logger = logging.getLogger(__name__)

DIGEST = "digest"
#: Members composed side by side, per database: on PostgreSQL one thread ranks in Python while the
#: server answers the other's reads (a sweep of 1,000 members: 17.7 s with one thread, 14.4 s with
#: two); SQLite does its work inside this process, where two threads only contend (13 s → 19 s).
COMPOSE_THREADS = {"postgresql": 2, "sqlite": 1}
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
    """Compose the digest of every member due at `now` (once per period); a dry run writes nothing.

    A member whose digest fails to compose is left out of this sweep (logged with the error's type)
    and tried again by the next one; the others' digests are composed all the same.
    """
    composed: list[ComposedDigest] = []
    with _compose_lock(uow.fresh()) as allowed:
        if not allowed:
            return composed
        team_ids: dict[int, str] = {}  # workspace → Slack team, read once per sweep
        members = _members_to_consider(uow, only_user)

        def compose(member_id: int) -> ComposedDigest | None:
            try:
                return _compose_member(uow.fresh(), member_id, now, dry_run, team_ids)
            except Exception as error:  # noqa: BLE001 - one member's fault never stops the others' digests
                logger.error("digest of member %s not composed: %s", member_id, describe_fault(error))
                return None

        threads = COMPOSE_THREADS.get(_dialect(uow), 1)
        if len(members) < 2 or threads < 2:
            results = [compose(member_id) for member_id in members]
        else:
            with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="rapport-compose") as pool:
                results = list(pool.map(compose, members))
        composed = [digest for digest in results if digest is not None]
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


def _dialect(uow: UnitOfWork) -> str:
    with uow.fresh() as probe:
        return probe.session.get_bind().dialect.name


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


def _compose_member(
    uow: UnitOfWork, member_id: int, now: datetime, dry_run: bool, team_ids: dict[int, str] | None = None
) -> ComposedDigest | None:
    """Read and rank without a transaction, then write the outbox row and what it implies in a short one.

    Reading outside a transaction lets members be composed side by side (on SQLite, a read
    transaction that later writes would fail when another thread wrote meanwhile); the outbox's
    unique key still makes the write happen once, whoever composed first.
    """
    with uow.reading() as reading:
        session = reading.session
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
        ties, counted = read_ties(session, member, now)
        only = {tag.strip().lower() for tag in (member.nudge_tags or "").split(",") if tag.strip()}
        if only:  # the member asked to hear only about contacts with these tags
            ties = [tie for tie in ties if only.intersection(tie.tags)]
        memories = _memories(session, member)
        cadences = {
            rule.tag: rule.days
            for rule in session.scalars(select(CadenceRule).where(CadenceRule.member_id == member.id))
        }
        items = compose_digest(ties, memories, cadences, settings, now, include_tips=include_tips)
        team_ids = {} if team_ids is None else team_ids
        if member.workspace_id not in team_ids:
            team_ids[member.workspace_id] = (
                session.scalar(select(Workspace.slack_team_id).where(Workspace.id == member.workspace_id)) or ""
            )
        digest = ComposedDigest(
            team_id=team_ids[member.workspace_id],
            slack_user_id=member.slack_user_id,
            period_key=period,
            items=tuple(items),
        )
        session.expunge(member)  # its ids are all the writes below need, and closing would expire them
    if dry_run:
        return digest
    payload = {"items": items_to_data(items), "settings": settings_to_data(settings)}
    with uow:
        session = uow.session
        # The first statement writes: SQLite takes its write lock (waiting its turn) before reading anything.
        if not outbox.insert_once(session, member, DIGEST, period, payload, now, empty=not items):
            return None  # another process composed this period first (leaving the block rolls back)
        if include_tips:
            session.execute(update(Member).where(Member.id == member.id).values(tips_week=week))
        _remember_sent(session, member, items, now)
        keep_initiatives(session, member, counted, now)
        uow.commit()
    return digest


def _local_week(now: datetime, settings: DigestSettings) -> str:
    year, week, _ = now.astimezone(ZoneInfo(settings.time_zone)).isocalendar()
    return f"{year}-W{week:02d}"


def _memories(session: Session, member: Member) -> dict[tuple[int, NudgeKind], NudgeMemory]:
    rows = session.execute(
        select(
            NudgeMemoryRow.contact_id,
            NudgeMemoryRow.kind,
            NudgeMemoryRow.times_sent,
            NudgeMemoryRow.last_sent_at,
            NudgeMemoryRow.muted,
            NudgeMemoryRow.snoozed_until,
        ).where(NudgeMemoryRow.member_id == member.id)
    )
    return {
        (contact_id, NudgeKind(kind)): NudgeMemory(
            contact_id=contact_id,
            kind=NudgeKind(kind),
            times_sent=times_sent,
            last_sent_at=last_sent_at,
            muted=bool(muted),
            snoozed_until=snoozed_until,
        )
        for contact_id, kind, times_sent, last_sent_at, muted, snoozed_until in rows
    }


def _remember_sent(session: Session, member: Member, items: Sequence[DigestItem], now: datetime) -> None:
    """One upsert for all the items: each sent once more, now."""
    if not items:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = cast(Table, NudgeMemoryRow.__table__)
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=["member_id", "contact_id", "kind"],
        set_={"times_sent": table.c.times_sent + 1, "last_sent_at": statement.excluded.last_sent_at},
    )
    rows = [
        {
            "workspace_id": member.workspace_id,
            "member_id": member.id,
            "contact_id": item.contact_id,
            "kind": item.kind.value,
            "times_sent": 1,
            "last_sent_at": now,
            "muted": False,
        }
        for item in items
    ]
    session.execute(statement, rows)


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
    return read_ties(session, member, now, contact_ids)[0]


def read_ties(
    session: Session, member: Member, now: datetime, contact_ids: Sequence[int] | None = None
) -> tuple[list[TieFacts], dict[int, Initiatives]]:
    """`tie_facts`, and the balances (sign 5) it had to compute because the ones kept on the ties did not hold.

    Each tie keeps who started its recent interactions as of its last scoring, true until the
    oldest one counted leaves the year (`scoring.recent_initiatives`); the rest are counted in SQL
    (`initiatives_in_sql`) and handed back so that the caller can keep them.
    """
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
            Tie.initiated_by_me,
            Tie.initiated_by_them,
            _initiatives_hold(now),
        )
        .join(Contact, Contact.id == Tie.contact_id)
        .outerjoin(Account, Account.id == Contact.account_id)
        # A member belongs to one workspace: filtering on it alone lets the planner use (member_id, …).
        .where(Tie.member_id == member.id, Tie.interaction_count > 0)
    )
    tagged = (
        select(contact_tags.c.contact_id, contact_tags.c.tag)
        .join(Tie, Tie.contact_id == contact_tags.c.contact_id)
        .where(Tie.member_id == member.id, Tie.interaction_count > 0)
    )
    if contact_ids is not None:
        query = query.where(Tie.contact_id.in_(list(contact_ids)))
        tagged = tagged.where(Tie.contact_id.in_(list(contact_ids)))
    rows = session.execute(query).all()
    if not rows:
        return [], {}
    tag_lists: dict[int, list[str]] = {}
    for contact_id, tag in session.execute(tagged):
        tag_lists.setdefault(contact_id, []).append(tag)
    tags = {contact_id: tuple(sorted(found)) for contact_id, found in tag_lists.items()}
    stale = [row[0] for row in rows if not row[11]]
    counted = initiatives_in_sql(session, member, now, stale) if stale else {}
    facts = []
    for contact_id, name, company, strength, score, last, count, cadence, overlap, me, them, _ in rows:
        if contact_id in counted:
            me, them = counted[contact_id].by_me, counted[contact_id].by_them
        facts.append(
            TieFacts(
                contact_id,
                name,
                company,
                float(strength or 0.0),
                score,
                last,
                count,
                tags.get(contact_id, ()),
                cadence,
                overlap,
                me,
                them,
            )
        )
    return facts, counted


def _initiatives_hold(now: datetime) -> ColumnElement[bool]:
    """Whether a tie's kept balance is the one at `now`: counted before it, and nothing counted has left the year.

    Decided in SQL: two instants per tie would cost more to read than the answer.
    """
    holds = and_(
        Tie.initiatives_as_of.is_not(None),
        Tie.initiatives_as_of <= now,
        or_(Tie.initiatives_until.is_(None), Tie.initiatives_until >= now),
    )
    return case((holds, True), else_=False)


#: With more ties to count than this, one query over the member's year of interactions beats lists of ids.
COUNT_BY_CONTACT_LIMIT = 200


def initiatives_in_sql(
    session: Session, member: Member, now: datetime, contact_ids: Sequence[int]
) -> dict[int, Initiatives]:
    """Per contact, who started the member's last 10 interactions of the past year (known initiator only).

    One SQL query with a window function: the interactions stay in the database. Every contact
    asked for gets an answer (nothing counted: 0 and 0).
    """
    ranked = (
        select(
            interaction_contacts.c.contact_id.label("contact_id"),
            Interaction.initiator.label("initiator"),
            Interaction.occurred_at.label("occurred_at"),
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
    )
    wanted = list(contact_ids)
    if len(wanted) <= COUNT_BY_CONTACT_LIMIT:
        ranked = ranked.where(interaction_contacts.c.contact_id.in_(wanted))
    window = ranked.subquery()
    counts = (
        select(
            window.c.contact_id,
            func.sum(case((window.c.initiator == "me", 1), else_=0)),
            func.sum(case((window.c.initiator == "them", 1), else_=0)),
            func.min(window.c.occurred_at),
        )
        .where(window.c.position <= RECENT_INITIATIVES_CONSIDERED)
        .group_by(window.c.contact_id)
    )
    found = {
        contact_id: Initiatives(int(me or 0), int(them or 0), _as_utc(oldest) + REGULARITY_WINDOW if oldest else None)
        for contact_id, me, them, oldest in session.execute(counts)
    }
    return {contact_id: found.get(contact_id, NO_INITIATIVES) for contact_id in wanted}


def _as_utc(moment: datetime | str) -> datetime:
    """An aggregate's instant as the database returns it (SQLite: text without a zone; all stored in UTC)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def keep_initiatives(session: Session, member: Member, counted: dict[int, Initiatives], now: datetime) -> None:
    """Keep balances counted in SQL on their ties, so that the next sweep reads them."""
    if not counted:
        return
    ties = cast(Table, Tie.__table__)
    session.execute(
        update(ties)
        .where(ties.c.member_id == bindparam("member"), ties.c.contact_id == bindparam("contact"))
        .values(
            initiated_by_me=bindparam("me"),
            initiated_by_them=bindparam("them"),
            initiatives_as_of=bindparam("as_of"),
            initiatives_until=bindparam("until"),
        ),
        [
            {
                "member": member.id,
                "contact": contact_id,
                "me": i.by_me,
                "them": i.by_them,
                "as_of": now,
                "until": i.until,
            }
            for contact_id, i in counted.items()
        ],
    )


def sweep(
    uow: UnitOfWork,
    sender: Sender,
    now: datetime,
    worker: str,
    only_user: str | None = None,
    composers: Sequence[Callable[[UnitOfWork, datetime, str | None], object]] = (),
) -> SweepReport:
    """One pass: compose what is due (digests, and whatever else `composers` add), deliver what is pending.

    A composer that fails (briefings, say) is logged and skipped for this pass: the digests are still
    composed and everything pending is still delivered.
    """
    composed = compose_due(uow, now, only_user)
    for compose in composers:
        try:
            compose(uow, now, only_user)
        except Exception as error:  # noqa: BLE001 - one failing composer never stops the sweep
            name = getattr(compose, "__name__", "a composer")
            logger.error("%s failed in this sweep: %s", name, describe_fault(error))
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
