"""Nudge digests: each due member's digest composed once per period into the outbox (models/delivery/outbox.py).

For each member whose digest is due (their own time zone, time and days), the sweep reads their ties
and aggregates their recent interactions in SQL, applies the rules of `models.core.nudges`, and inserts
one outbox row keyed by (member, "digest", period). On PostgreSQL one replica composes at a time (an
advisory lock); the others go on delivering. One member whose digest cannot be composed never stops
the others' (nor the delivery of what is pending).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.core.errors import Missing, NotFound
from models.core.faults import describe_fault
from models.core.nudges import (
    SNOOZE,
    CadenceSource,
    DigestItem,
    DigestSettings,
    Frequency,
    NudgeKind,
    Overdue,
    compose_digest,
    due_period,
)
from models.core.values import Actor
from models.core.weekdays import parse_days
from models.db.orm import Member
from models.db.uow import UnitOfWork
from models.delivery import outbox
from models.delivery.outbox import DeliveryReport, Sender
from models.nudges.repository import DigestSweep, DigestSweepRepository, NudgeRepository

logger = logging.getLogger(__name__)

DIGEST = "digest"
#: Members composed side by side, per database: on PostgreSQL one thread ranks in Python while the
#: server answers the other's reads; SQLite does its work inside this process, where two threads
#: only contend (`python -m bench.nudges` measures both).
COMPOSE_THREADS = {"postgresql": 2, "sqlite": 1}


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
    with uow.fresh() as holding:
        sweeping: DigestSweep = DigestSweepRepository.of(holding)
        with sweeping.compose_lock() as allowed:
            if not allowed:
                return []
            return _compose_all(uow, now, only_user, dry_run, COMPOSE_THREADS.get(sweeping.dialect, 1))


def _compose_all(
    uow: UnitOfWork, now: datetime, only_user: str | None, dry_run: bool, threads: int
) -> list[ComposedDigest]:
    """Every member's digest that is due, `threads` members at a time."""
    with uow:
        members = DigestSweepRepository.of(uow).members_to_consider(only_user)

    def compose(member_id: int) -> ComposedDigest | None:
        try:
            return _compose_member(uow.fresh(), member_id, now, dry_run)
        except Exception as error:  # noqa: BLE001 - one member's fault never stops the others' digests
            logger.error("digest of member %s not composed: %s", member_id, describe_fault(error))
            return None

    if len(members) < 2 or threads < 2:
        results = [compose(member_id) for member_id in members]
    else:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="rapport-compose") as pool:
            results = list(pool.map(compose, members))
    return [digest for digest in results if digest is not None]


def member_settings(member: Member) -> DigestSettings:
    try:
        ZoneInfo(member.time_zone)
        zone = member.time_zone
    except (ZoneInfoNotFoundError, ValueError):
        zone = "UTC"
    try:
        local_time = time.fromisoformat(member.nudge_time)
    except ValueError:
        local_time = DigestSettings().local_time
    try:
        days = parse_days(member.nudge_days)
    except ValueError:
        days = DigestSettings().days
    return DigestSettings(time_zone=zone, frequency=Frequency(member.nudge_frequency), local_time=local_time, days=days)


def digest_tags(member: Member) -> tuple[str, ...]:
    """The tags the member's digest is kept to (none: it is about every contact)."""
    return tuple(tag.strip().lower() for tag in (member.nudge_tags or "").split(",") if tag.strip())


def _compose_member(uow: UnitOfWork, member_id: int, now: datetime, dry_run: bool) -> ComposedDigest | None:
    """Read and rank without a transaction, then write the outbox row and what it implies in a short one.

    Reading outside a transaction lets members be composed side by side (on SQLite, a read
    transaction that later writes would fail when another thread wrote meanwhile); the outbox's
    unique key still makes the write happen once, whoever composed first.
    """
    with uow.reading() as reading:
        repo: DigestSweep = DigestSweepRepository.of(reading)
        found = repo.member_and_team(member_id)
        if found is None:
            return None
        member, team_id = found
        settings = member_settings(member)
        period = due_period(settings, now)
        if period is None:
            return None
        if not dry_run and repo.exists(member, DIGEST, period):
            return None
        week = _local_week(now, settings)
        include_tips = member.tips_week != week
        ties, counted = repo.read_ties(member, now)
        only = set(digest_tags(member))
        if only:  # the member asked to hear only about contacts with these tags
            ties = [tie for tie in ties if only.intersection(tie.tags)]
        items = compose_digest(ties, repo.memories(member), repo.cadences(member), settings, now, include_tips)
        digest = ComposedDigest(
            team_id=team_id, slack_user_id=member.slack_user_id, period_key=period, items=tuple(items)
        )
        member = repo.keep_readable(member)  # its ids are all the writes below need
    if dry_run:
        return digest
    payload = {"items": items_to_data(items), "settings": settings_to_data(settings)}
    with uow:
        repo = DigestSweepRepository.of(uow)
        # The first statement writes: SQLite takes its write lock (waiting its turn) before reading anything.
        if not repo.insert_once(member, DIGEST, period, payload, now, empty=not items):
            return None  # another process composed this period first (leaving the block rolls back)
        if include_tips:
            repo.mark_tips_sent(member, week)
        repo.remember_sent(member, items, now)
        repo.keep_initiatives(member, counted, now)
        uow.commit()
    return digest


def _local_week(now: datetime, settings: DigestSettings) -> str:
    year, week, _ = now.astimezone(ZoneInfo(settings.time_zone)).isocalendar()
    return f"{year}-W{week:02d}"


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


# Snooze, "Not relevant" ----------------------------------------------------------------------------
def snooze(uow: UnitOfWork, actor: Actor, contact_id: int, kind: NudgeKind, now: datetime) -> datetime:
    """Hold this kind of nudge about the contact back for `SNOOZE`; until when."""
    until = now + SNOOZE
    _answer(uow, actor, contact_id, kind, snoozed_until=until)
    return until


def mute(uow: UnitOfWork, actor: Actor, contact_id: int, kind: NudgeKind) -> None:
    """Never again this kind of nudge about the contact (the member found it "Not relevant")."""
    _answer(uow, actor, contact_id, kind, muted=True)


def _answer(
    uow: UnitOfWork,
    actor: Actor,
    contact_id: int,
    kind: NudgeKind,
    *,
    muted: bool | None = None,
    snoozed_until: datetime | None = None,
) -> None:
    with uow:
        repo, member = uow.member(actor.team_id, actor.user_id, NudgeRepository)
        if repo.contact(contact_id) is None:
            raise NotFound(Missing.CONTACT)
        repo.answer_nudge(member, contact_id, kind, muted=muted, snoozed_until=snoozed_until)
        uow.commit()


# The digest as stored in the outbox ----------------------------------------------------------------
#: What items composed before their words moved to the handlers carried (outbox rows still pending
#: then keep them, and are shown with them: `handlers.nudges`).
WORDED_KEYS = ("headline", "reason")


def items_to_data(items: Sequence[DigestItem]) -> list[dict[str, Any]]:
    def encode(item: DigestItem) -> dict[str, Any]:
        data = asdict(item)
        data["kind"] = item.kind.value
        data["suggested_day"] = item.suggested_day.isoformat() if item.suggested_day else None
        if item.overdue is not None:
            data["overdue"]["source"] = item.overdue.source.value
        return data

    return [encode(item) for item in items]


def items_from_data(data: Sequence[dict[str, Any]]) -> list[DigestItem]:
    """The items of a stored digest (the words of an older row left out: see WORDED_KEYS)."""
    items = []
    for entry in data:
        values = {key: value for key, value in entry.items() if key not in WORDED_KEYS}
        values["kind"] = NudgeKind(values["kind"])
        values["suggested_day"] = date.fromisoformat(values["suggested_day"]) if values.get("suggested_day") else None
        if values.get("overdue"):
            overdue = values["overdue"]
            values["overdue"] = Overdue(**{**overdue, "source": CadenceSource(overdue["source"])})
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
