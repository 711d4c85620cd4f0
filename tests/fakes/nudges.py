"""The fakes of the nudges' repositories (`models.nudges.repository`): a member's ties as the rules read
them, what they were told and answered, their cadences; and the digest sweep's outbox rows."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from models.core.nudges import DigestItem, Frequency, NudgeKind, NudgeMemory, TieFacts
from models.core.scoring import NO_INITIATIVES, Initiatives
from models.core.signs import RECENT_INITIATIVES_CONSIDERED, REGULARITY_WINDOW
from models.db.orm import CadenceRule, Contact, Interaction, Member, Outbox, Tie, Workspace
from models.db.orm import NudgeMemory as NudgeMemoryRow
from models.delivery.repository import EMPTY, PENDING
from tests.fakes.database import FakeDatabase
from tests.fakes.workspace import FakeWorkspaceRepository


class FakeMemberNudges:
    """`MemberNudges` in memory: the queries about one member's nudges."""

    database: FakeDatabase

    def cadences(self, member: Member) -> dict[str, int]:
        return {rule.tag: rule.days for rule in self.database.rows(CadenceRule) if rule.member_id == member.id}

    def tie_facts(self, member: Member, now: datetime, contact_ids: Sequence[int] | None = None) -> list[TieFacts]:
        return self.read_ties(member, now, contact_ids)[0]

    def read_ties(
        self, member: Member, now: datetime, contact_ids: Sequence[int] | None = None
    ) -> tuple[list[TieFacts], dict[int, Initiatives]]:
        """The member's relationships (ties with an interaction); balances that no longer hold, counted again."""
        wanted = None if contact_ids is None else set(contact_ids)
        ties = [
            tie
            for tie in self.database.rows(Tie)
            if tie.member_id == member.id and tie.interaction_count > 0 and (wanted is None or tie.contact_id in wanted)
        ]
        stale = [tie.contact_id for tie in ties if not _initiatives_hold(tie, now)]
        counted = self.initiatives_in_sql(member, now, stale) if stale else {}
        facts = []
        for tie in ties:
            contact = self.database.get(Contact, tie.contact_id)
            assert contact is not None
            initiatives = counted.get(tie.contact_id)
            me, them = (
                (initiatives.by_me, initiatives.by_them)
                if initiatives
                else (tie.initiated_by_me, tie.initiated_by_them)
            )
            tags = tuple(sorted(tag for contact_id, tag in self.database.contact_tags if contact_id == contact.id))
            facts.append(
                TieFacts(
                    contact.id,
                    contact.name,
                    contact.account.name if contact.account else None,
                    float(tie.strength or 0.0),
                    tie.score_total,
                    tie.last_interaction_at,
                    tie.interaction_count,
                    tags,
                    tie.cadence_days,
                    tie.overlap_share,
                    me,
                    them,
                    tie.signs_known,
                )
            )
        return facts, counted

    def initiatives_in_sql(self, member: Member, now: datetime, contact_ids: Sequence[int]) -> dict[int, Initiatives]:
        """Per contact, who started the member's last 10 interactions of the past year (known initiator only)."""
        found = {}
        for contact_id in contact_ids:
            started = sorted(
                (
                    (interaction.occurred_at, interaction.initiator)
                    for interaction in self.database.rows(Interaction)
                    if interaction.member_id == member.id
                    and interaction.undone_at is None
                    and interaction.initiator is not None
                    and now - REGULARITY_WINDOW <= interaction.occurred_at <= now
                    and contact_id in {contact.id for contact in interaction.contacts}
                ),
                reverse=True,
            )[:RECENT_INITIATIVES_CONSIDERED]
            if not started:
                found[contact_id] = NO_INITIATIVES
                continue
            by_me = sum(1 for _, initiator in started if initiator == "me")
            by_them = sum(1 for _, initiator in started if initiator == "them")
            found[contact_id] = Initiatives(by_me, by_them, started[-1][0] + REGULARITY_WINDOW)
        return found

    def keep_initiatives(self, member: Member, counted: Mapping[int, Initiatives], now: datetime) -> None:
        for tie in self.database.rows(Tie):
            if tie.member_id == member.id and tie.contact_id in counted:
                kept = counted[tie.contact_id]
                tie.initiated_by_me, tie.initiated_by_them = kept.by_me, kept.by_them
                tie.initiatives_as_of, tie.initiatives_until = now, kept.until

    def memories(self, member: Member) -> dict[tuple[int, NudgeKind], NudgeMemory]:
        return {
            (row.contact_id, NudgeKind(row.kind)): NudgeMemory(
                contact_id=row.contact_id,
                kind=NudgeKind(row.kind),
                times_sent=row.times_sent,
                last_sent_at=row.last_sent_at,
                muted=bool(row.muted),
                snoozed_until=row.snoozed_until,
            )
            for row in self._memory_rows(member)
        }

    def remember_sent(self, member: Member, items: Sequence[DigestItem], now: datetime) -> None:
        """Each item sent once more, now."""
        for item in items:
            row = self._memory_row(member, item.contact_id, item.kind)
            if row is None:
                values = {"workspace_id": member.workspace_id, "member_id": member.id, "muted": False}
                row = NudgeMemoryRow(contact_id=item.contact_id, kind=item.kind.value, times_sent=0, **values)
                self.database.add(row)
            row.times_sent += 1
            row.last_sent_at = now

    def mark_tips_sent(self, member: Member, week: str) -> None:
        row = self.database.get(Member, member.id)
        assert row is not None
        row.tips_week = week

    def _memory_rows(self, member: Member) -> list[NudgeMemoryRow]:
        return [row for row in self.database.rows(NudgeMemoryRow) if row.member_id == member.id]

    def _memory_row(self, member: Member, contact_id: int, kind: NudgeKind) -> NudgeMemoryRow | None:
        rows = self._memory_rows(member)
        return next((row for row in rows if row.contact_id == contact_id and row.kind == kind.value), None)


def _initiatives_hold(tie: Tie, now: datetime) -> bool:
    """Whether the balance kept on a tie is the one at `now`: counted before it, nothing counted yet out of the year."""
    as_of, until = tie.initiatives_as_of, tie.initiatives_until
    return as_of is not None and as_of <= now and (until is None or until >= now)


class FakeNudgeRepository(FakeWorkspaceRepository, FakeMemberNudges):
    """`NudgeRepository` in memory: a member's answers to nudges and their cadences."""

    def set_cadences(self, member: Member, cadences: Mapping[str, int]) -> None:
        for rule in self.database.rows(CadenceRule):
            if rule.member_id == member.id:
                self.database.delete(rule)
        for tag, days in cadences.items():
            self.database.add(CadenceRule(workspace_id=self.workspace_id, member_id=member.id, tag=tag, days=days))

    def answer_nudge(
        self,
        member: Member,
        contact_id: int,
        kind: NudgeKind,
        *,
        muted: bool | None = None,
        snoozed_until: datetime | None = None,
    ) -> None:
        row = self._memory_row(member, contact_id, kind)
        if row is None:
            values = {"workspace_id": self.workspace_id, "member_id": member.id, "times_sent": 0}
            row = self.database.add(NudgeMemoryRow(contact_id=contact_id, kind=kind.value, **values))
        if muted is not None:
            row.muted = muted
        if snoozed_until is not None:
            row.snoozed_until = snoozed_until


class FakeDigestSweep(FakeMemberNudges):
    """`DigestSweepRepository` in memory: who is due, across every workspace, and the digests' outbox rows."""

    #: No database server: one member composed at a time (`digests.COMPOSE_THREADS`).
    dialect = "fake"

    def __init__(self, database: FakeDatabase) -> None:
        self.database = database

    @contextmanager
    def compose_lock(self) -> Iterator[bool]:
        """One process: it may always compose (the outbox's unique key suffices)."""
        yield True

    def members_to_consider(self, only_user: str | None = None) -> list[int]:
        return [
            member.id
            for member in self.database.rows(Member)
            if member.nudge_frequency != Frequency.OFF.value
            and member.unreachable_at is None
            and (not only_user or member.slack_user_id == only_user)
        ]

    def member_and_team(self, member_id: int) -> tuple[Member, str] | None:
        member = self.database.get(Member, member_id)
        workspace = self.database.get(Workspace, member.workspace_id) if member else None
        return None if member is None or workspace is None else (member, workspace.slack_team_id)

    def keep_readable(self, member: Member) -> Member:
        return member

    def exists(self, member: Member, kind: str, dedupe_key: str) -> bool:
        return any(
            (row.workspace_id, row.member_id, row.kind, row.dedupe_key)
            == (member.workspace_id, member.id, kind, dedupe_key)
            for row in self.database.rows(Outbox)
        )

    def insert_once(
        self, member: Member, kind: str, dedupe_key: str, payload: dict[str, Any], now: datetime, empty: bool = False
    ) -> bool:
        """The digest's row for its period, unless there is one; True when this call inserted it."""
        if self.exists(member, kind, dedupe_key):
            return False
        row = Outbox(
            workspace_id=member.workspace_id,
            member_id=member.id,
            kind=kind,
            dedupe_key=dedupe_key,
            status=EMPTY if empty else PENDING,
            payload_json=json.dumps(payload),
            attempts=0,
            created_at=now,
        )
        self.database.add(row)
        return True
