"""The nudges' reads and writes: members' ties as the rules read them, what they were told, their cadences.

Every query here is about one member, and filters on the member alone: a member belongs to one
workspace, and the planner then uses the (member_id, …) indexes. `NudgeRepository` serves one
workspace; `DigestSweepRepository` serves the digest sweep across every workspace.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from sqlalchemy import ColumnElement, Select, Table, and_, bindparam, case, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models.core.nudges import DigestItem, Frequency, NudgeKind, NudgeMemory, TieFacts
from models.core.scoring import NO_INITIATIVES, Initiatives
from models.core.signs import RECENT_INITIATIVES_CONSIDERED, REGULARITY_WINDOW
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
from models.db.orm import NudgeMemory as NudgeMemoryRow
from models.db.repository import WorkspaceRepository
from models.delivery.repository import OutboxRepository

#: PostgreSQL advisory lock key held while one replica composes digests.
COMPOSE_LOCK_KEY = 0x5241_5050  # "RAPP"
#: With more ties to count than this, one query over the member's year of interactions beats lists of ids.
COUNT_BY_CONTACT_LIMIT = 200


class MemberNudgeReads(Protocol):
    """What the nudge rules read of one member: their ties as the rules see them, what they were told, their cadences."""

    def read_ties(
        self, member: Member, now: datetime, contact_ids: Sequence[int] | None = None
    ) -> tuple[list[TieFacts], dict[int, Initiatives]]: ...

    def tie_facts(self, member: Member, now: datetime, contact_ids: Sequence[int] | None = None) -> list[TieFacts]: ...

    def memories(self, member: Member) -> dict[tuple[int, NudgeKind], NudgeMemory]: ...

    def cadences(self, member: Member) -> dict[str, int]: ...


class DigestSweep(MemberNudgeReads, Protocol):
    """What composing digests asks of its repository (`DigestSweepRepository`): who is due, and the one
    outbox row per period with what it implies (the member's memory of nudges, tips, kept balances)."""

    @property
    def dialect(self) -> str: ...

    def compose_lock(self) -> AbstractContextManager[bool]: ...

    def members_to_consider(self, only_user: str | None = None) -> list[int]: ...

    def member_and_team(self, member_id: int) -> tuple[Member, str] | None: ...

    def keep_readable(self, member: Member) -> Member: ...

    def exists(self, member: Member, kind: str, dedupe_key: str) -> bool: ...

    def insert_once(
        self, member: Member, kind: str, dedupe_key: str, payload: dict[str, Any], now: datetime, empty: bool = False
    ) -> bool: ...

    def mark_tips_sent(self, member: Member, week: str) -> None: ...

    def remember_sent(self, member: Member, items: Sequence[DigestItem], now: datetime) -> None: ...

    def keep_initiatives(self, member: Member, counted: Mapping[int, Initiatives], now: datetime) -> None: ...


class NudgeAnswers(MemberNudgeReads, Protocol):
    """What a member's answers and settings ask of their workspace's repository (`NudgeRepository`)."""

    def contact(self, contact_id: int) -> Contact | None: ...

    def answer_nudge(
        self,
        member: Member,
        contact_id: int,
        kind: NudgeKind,
        *,
        muted: bool | None = None,
        snoozed_until: datetime | None = None,
    ) -> None: ...

    def set_cadences(self, member: Member, cadences: Mapping[str, int]) -> None: ...


class MemberNudges:
    """The queries about one member's nudges, on a session of the class that takes them in."""

    session: Session

    def cadences(self, member: Member) -> dict[str, int]:
        """How often, in days, the member wants to talk to contacts with each tag."""
        rules = self.session.execute(
            select(CadenceRule.tag, CadenceRule.days).where(CadenceRule.member_id == member.id)
        )
        return {tag: days for tag, days in rules}

    def tie_facts(self, member: Member, now: datetime, contact_ids: Sequence[int] | None = None) -> list[TieFacts]:
        """The member's relationships as the rules need them, aggregated in SQL (no interaction rows loaded)."""
        return self.read_ties(member, now, contact_ids)[0]

    def read_ties(
        self, member: Member, now: datetime, contact_ids: Sequence[int] | None = None
    ) -> tuple[list[TieFacts], dict[int, Initiatives]]:
        """`tie_facts`, and the balances (sign 5) it had to count because the ones kept on the ties did not hold.

        Each tie keeps who started its recent interactions as of its last scoring, true until the
        oldest one counted leaves the year (`scoring.recent_initiatives`); the rest are counted in SQL
        (`initiatives_in_sql`) and handed back so that the caller can keep them (`keep_initiatives`).
        """
        query, tagged = _ties_and_tags(member, now, contact_ids)
        rows = self.session.execute(query).all()
        if not rows:
            return [], {}
        tag_lists: dict[int, list[str]] = {}
        for contact_id, tag in self.session.execute(tagged):
            tag_lists.setdefault(contact_id, []).append(tag)
        tags = {contact_id: tuple(sorted(found)) for contact_id, found in tag_lists.items()}
        stale = [row[0] for row in rows if not row[11]]
        counted = self.initiatives_in_sql(member, now, stale) if stale else {}
        facts = []
        for contact_id, name, company, strength, score, last, count, cadence, overlap, me, them, _, known in rows:
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
                    known,
                )
            )
        return facts, counted

    def initiatives_in_sql(self, member: Member, now: datetime, contact_ids: Sequence[int]) -> dict[int, Initiatives]:
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
            contact_id: Initiatives(
                int(me or 0), int(them or 0), _as_utc(oldest) + REGULARITY_WINDOW if oldest else None
            )
            for contact_id, me, them, oldest in self.session.execute(counts)
        }
        return {contact_id: found.get(contact_id, NO_INITIATIVES) for contact_id in wanted}

    def keep_initiatives(self, member: Member, counted: Mapping[int, Initiatives], now: datetime) -> None:
        """Keep balances counted in SQL on their ties, so that the next sweep reads them."""
        if not counted:
            return
        ties = cast(Table, Tie.__table__)
        self.session.execute(
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

    def memories(self, member: Member) -> dict[tuple[int, NudgeKind], NudgeMemory]:
        """What the member was told about each contact, by kind of nudge, and what they answered."""
        rows = self.session.execute(
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

    def remember_sent(self, member: Member, items: Sequence[DigestItem], now: datetime) -> None:
        """One upsert for all the items: each sent once more, now."""
        if not items:
            return
        insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
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
        self.session.execute(statement, rows)

    def mark_tips_sent(self, member: Member, week: str) -> None:
        """The weekly tips went out to the member this (ISO, local) week."""
        self.session.execute(update(Member).where(Member.id == member.id).values(tips_week=week))


class NudgeRepository(WorkspaceRepository, MemberNudges):
    """One workspace's nudges: its members' ties as the rules read them, their answers, their settings."""

    def set_cadences(self, member: Member, cadences: Mapping[str, int]) -> None:
        """The member's cadences by tag, replacing the ones they had."""
        self.session.execute(delete(CadenceRule).where(CadenceRule.member_id == member.id))
        self.session.add_all(
            CadenceRule(workspace_id=self.workspace_id, member_id=member.id, tag=tag, days=days)
            for tag, days in cadences.items()
        )

    def answer_nudge(
        self,
        member: Member,
        contact_id: int,
        kind: NudgeKind,
        *,
        muted: bool | None = None,
        snoozed_until: datetime | None = None,
    ) -> None:
        """Keep what the member answered a nudge about a contact: "Not relevant" (muted) or a snooze."""
        row = self.session.scalar(
            select(NudgeMemoryRow).where(
                NudgeMemoryRow.member_id == member.id,
                NudgeMemoryRow.contact_id == contact_id,
                NudgeMemoryRow.kind == kind.value,
            )
        )
        if row is None:
            row = NudgeMemoryRow(
                workspace_id=self.workspace_id,
                member_id=member.id,
                contact_id=contact_id,
                kind=kind.value,
                times_sent=0,
            )
            self.session.add(row)
        if muted is not None:
            row.muted = muted
        if snoozed_until is not None:
            row.snoozed_until = snoozed_until
        self.session.flush()


class DigestSweepRepository(OutboxRepository, MemberNudges):
    """The digest sweep's reads and writes, across every workspace on purpose: it finds each due member
    by id (whatever their workspace), reads and writes that member's own rows, and composes into the
    outbox of the member's workspace."""

    def members_to_consider(self, only_user: str | None = None) -> list[int]:
        """Members who want a digest and can be reached, by id."""
        query = select(Member.id).where(Member.nudge_frequency != Frequency.OFF.value, Member.unreachable_at.is_(None))
        if only_user:
            query = query.where(Member.slack_user_id == only_user)
        return list(self.session.scalars(query.order_by(Member.id)))

    def member_and_team(self, member_id: int) -> tuple[Member, str] | None:
        """The member and their workspace's Slack team id, in one read."""
        row = self.session.execute(
            select(Member, Workspace.slack_team_id)
            .join(Workspace, Workspace.id == Member.workspace_id)
            .where(Member.id == member_id)
        ).first()
        return None if row is None else (row[0], row[1])

    def keep_readable(self, member: Member) -> Member:
        """The member, still readable once this session ends (its loaded values; nothing more is read)."""
        self.session.expunge(member)
        return member

    @contextmanager
    def compose_lock(self) -> Iterator[bool]:
        """Whether this process may compose: on PostgreSQL one replica at a time (an advisory lock held
        for the block); elsewhere always (the outbox's unique key suffices)."""
        if self.session.bind is None or self.dialect != "postgresql":
            yield True
            return
        got = bool(self.session.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": COMPOSE_LOCK_KEY}).scalar())
        try:
            yield got
        finally:
            if got:
                self.session.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": COMPOSE_LOCK_KEY})


def _ties_and_tags(
    member: Member, now: datetime, contact_ids: Sequence[int] | None
) -> tuple[Select[*tuple[Any, ...]], Select[Any, Any]]:
    """The member's relationships (ties with an interaction), and their contacts' tags: two statements."""
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
            Tie.signs_known,
        )
        .join(Contact, Contact.id == Tie.contact_id)
        .outerjoin(Account, Account.id == Contact.account_id)
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
    return query, tagged


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


def _as_utc(moment: datetime | str) -> datetime:
    """An aggregate's instant as the database returns it (SQLite: text without a zone; all stored in UTC)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
