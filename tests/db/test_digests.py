"""Digests on a real database (SQLite, and PostgreSQL when configured): the balances counted in SQL and
kept on the ties, members composed side by side each once, and the composer's lock apart from the
workspaces' write locks.

Which nudges a digest carries and when it is due: tests/core/test_digests.py (on the fakes); delivery
through Slack, retries and processes racing: tests/slack/test_digests.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select, text, update

from models.core.values import Actor, Channel, ContactRef, Initiator, LogCallCommand
from models.db.orm import Member, Outbox, Tie
from models.db.uow import UnitOfWork
from models.logcall.service import log_call
from models.nudges.digests import compose_due
from models.nudges.repository import DigestSweepRepository

TEAM = "T0TEAM1"
#: Monday 30 November 2026: 03:30 UTC is 09:00 in Kolkata, 17:00 UTC is 09:00 in Los Angeles.
MONDAY = datetime(2026, 11, 30, tzinfo=UTC)


CLIENTS = ["Jane Doe", "Raj Patel", "Li Wei", "Amara Okafor", "Sven Larsen", "Mei Tanaka", "Diego Ruiz", "Nadia Haddad"]
CLIENTS += [
    "Tom Becker",
    "Priya Nair",
    "Olga Petrova",
    "Kofi Mensah",
    "Ines Duarte",
    "Yusuf Demir",
    "Hana Kim",
    "Omar Farouk",
]


def client_of(user_id: str) -> str:
    """A distinct, realistic contact name per seller (similar names would make log_call ask which one)."""
    return CLIENTS[sum(map(ord, user_id)) % len(CLIENTS)]


def seller(uow: UnitOfWork, user_id: str, zone: str, overdue_days: int = 45, team: str = TEAM) -> None:
    """A seller in `zone` with one relationship overdue (cadence 30 days, last talk `overdue_days` ago)."""
    command = LogCallCommand(
        contacts=(ContactRef(f"{client_of(user_id)} {user_id[-4:]}", f"Account {user_id}"),),
        channel=Channel.PHONE,
        occurred_at=MONDAY - timedelta(days=overdue_days),
        initiator=Initiator.ME,
    )
    log_call(uow, Actor(team, user_id), command, f"seed-{user_id}", MONDAY - timedelta(days=overdue_days))
    with uow:
        uow.session.execute(
            update(Member).where(Member.slack_user_id == user_id).values(time_zone=zone, profile_fetched_at=MONDAY)
        )
        member_id = uow.session.scalar(select(Member.id).where(Member.slack_user_id == user_id))
        uow.session.execute(update(Tie).where(Tie.member_id == member_id).values(cadence_days=30))
        uow.commit()


def test_the_sweep_reads_the_balance_kept_on_the_tie_and_recounts_it_once_it_no_longer_holds(uow: UnitOfWork) -> None:
    """Five calls I started make Raj one-sided; once the oldest leaves the year the sweep recounts and keeps it."""
    first = MONDAY - timedelta(days=330)
    for day in range(5):
        command = LogCallCommand(
            contacts=(ContactRef("Raj Patel", "Initech"),),
            channel=Channel.PHONE,
            occurred_at=first + timedelta(days=day * 7),
            initiator=Initiator.ME,
        )
        log_call(uow, Actor(TEAM, "U0KEPT"), command, f"kept-{day}", first + timedelta(days=day * 7))
    with uow:
        tie = uow.session.scalars(select(Tie)).one()
        kept = (tie.initiated_by_me, tie.initiated_by_them, tie.initiatives_as_of, tie.initiatives_until)
    assert kept == (5, 0, first + timedelta(days=28), first + timedelta(days=365))

    def sweep_and_read(at: datetime) -> tuple[int, int, datetime | None, datetime | None, int, int]:
        compose_due(uow, at.replace(hour=9), only_user="U0KEPT")
        with uow:
            tie = uow.session.scalars(select(Tie)).one()
            member = uow.session.get(Member, tie.member_id)
            assert member is not None
            (facts,) = DigestSweepRepository.of(uow).tie_facts(member, at.replace(hour=9))
            kept = (tie.initiated_by_me, tie.initiated_by_them, tie.initiatives_as_of, tie.initiatives_until)
            return (*kept, facts.initiated_by_me, facts.initiated_by_them)

    # It holds on Monday: the sweep reads it as it is (one-sided: five of five) and keeps it unchanged.
    assert sweep_and_read(MONDAY) == (*kept, 5, 0)
    # 45 days later the first two calls are over a year old: recounted (three, too few to judge) and kept.
    later = MONDAY + timedelta(days=45)
    assert sweep_and_read(later) == (3, 0, later.replace(hour=9), first + timedelta(days=14 + 365), 3, 0)


def test_members_due_together_each_get_their_own_digest_once(uow: UnitOfWork, db: Engine) -> None:
    """Eight sellers due at once (composed side by side on PostgreSQL): each digest is about that seller's client."""
    users = [f"U0TOGETHER{n}" for n in range(8)]
    for user in users:
        seller(uow, user, "Europe/Paris")
    composed = compose_due(uow, MONDAY.replace(hour=9))
    assert sorted(d.slack_user_id for d in composed) == sorted(users)
    for digest in composed:
        (item,) = digest.items
        assert item.contact_name == f"{client_of(digest.slack_user_id)} {digest.slack_user_id[-4:]}"
    assert compose_due(uow, MONDAY.replace(hour=10)) == []  # once per period
    with db.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Outbox)) == len(users)


def test_a_workspace_writing_never_holds_off_the_digest_composer_or_a_migration_whatever_its_id(
    uow: UnitOfWork, db: Engine
) -> None:
    """Workspaces' write locks and the one-off locks live in different key spaces (workspace 80 used to
    share its key with the composer's, which then skipped composing while it wrote)."""
    if db.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite serialises writers by itself")
    from bot.db import MIGRATION_LOCK_KEY
    from models.db.orm import Workspace
    from models.db.repository import WorkspaceRepository
    from models.nudges.repository import COMPOSE_LOCK_KEY

    with uow:
        for workspace_id in (80, COMPOSE_LOCK_KEY % 2**16, 1):
            uow.session.add(Workspace(id=workspace_id, slack_team_id=f"T{workspace_id}", name=""))
        uow.commit()
    for workspace_id in (80, COMPOSE_LOCK_KEY % 2**16, 1):
        with uow:
            workspace = uow.session.get(Workspace, workspace_id)
            assert workspace is not None
            WorkspaceRepository(uow.session, workspace).serialize_writes()
            with db.connect() as other:
                for key in (COMPOSE_LOCK_KEY, MIGRATION_LOCK_KEY):
                    assert other.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}) is True
                    other.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
