"""The outbox's reads and writes, across every workspace: rows composed once, claimed by one process, delivered once."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any, Self

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models.db.orm import Member, Outbox, Workspace
from models.db.uow import UnitOfWork

#: What becomes of a row: the values of `outbox.status` (see `models.db.orm.Outbox`).
PENDING, SENDING, SENT, EMPTY, SKIPPED, DROPPED = "pending", "sending", "sent", "empty", "skipped", "dropped"
#: Columns of reasons are this long (`unreachable_reason`, `last_error`).
_REASON_LENGTH, _ERROR_LENGTH = 64, 255


class OutboxRepository:
    """The outbox of every workspace at once: delivery takes whatever row is due, whoever it is for.

    It works across workspaces on purpose (one sweep delivers for all of them); composing writes one
    member's row, keyed by that member's own workspace. Sweeps that compose build on it.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    @classmethod
    def of(cls, uow: UnitOfWork) -> Self:
        """The repository on this unit of work's transaction (entered)."""
        return uow.across_workspaces(cls)

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    # Composing -----------------------------------------------------------------------------------
    def insert_once(
        self,
        member: Member,
        kind: str,
        dedupe_key: str,
        payload: dict[str, Any],
        now: datetime,
        empty: bool = False,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> bool:
        """Insert the row unless one with this key exists; True when this call inserted it."""
        values = {
            "workspace_id": member.workspace_id,
            "member_id": member.id,
            "kind": kind,
            "dedupe_key": dedupe_key,
            "status": EMPTY if empty else PENDING,
            "payload_json": json.dumps(payload),
            "not_before": not_before,
            "not_after": not_after,
            "attempts": 0,
            "created_at": now,
        }
        insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        statement = (
            insert(Outbox)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["workspace_id", "member_id", "kind", "dedupe_key"])
            .returning(Outbox.id)
        )
        return self.session.execute(statement).scalar() is not None

    def exists(self, member: Member, kind: str, dedupe_key: str) -> bool:
        found = self.session.scalar(
            select(Outbox.id).where(
                Outbox.workspace_id == member.workspace_id,
                Outbox.member_id == member.id,
                Outbox.kind == kind,
                Outbox.dedupe_key == dedupe_key,
            )
        )
        return found is not None

    def drop_pending(self, member_id: int, kinds: Collection[str], key_prefix: str, keep_key: str, reason: str) -> None:
        """Drop the member's pending rows of these kinds whose key starts with `key_prefix`, but `keep_key`'s."""
        self.session.execute(
            update(Outbox)
            .where(
                Outbox.member_id == member_id,
                Outbox.kind.in_(list(kinds)),
                Outbox.status == PENDING,
                Outbox.dedupe_key.like(f"{key_prefix}%"),
                Outbox.dedupe_key != keep_key,
            )
            .values(status=DROPPED, last_error=reason)
        )

    # Delivering ----------------------------------------------------------------------------------
    def drop_late(self, now: datetime, reason: str) -> int:
        """Pending rows whose `not_after` has passed are dropped; how many."""
        dropped = self.session.execute(
            update(Outbox)
            .where(Outbox.status == PENDING, Outbox.not_after.is_not(None), Outbox.not_after <= now)
            .values(status=DROPPED, last_error=reason)
        )
        return int(dropped.rowcount or 0)  # type: ignore[attr-defined]

    def claim(
        self,
        now: datetime,
        worker: str,
        stale_before: datetime,
        max_attempts: int,
        batch: int,
        only_user: str | None = None,
        attempted: Collection[int] = (),
    ) -> list[tuple[int, bool]]:
        """Mark up to `batch` due rows "sending" for `worker`: (row, whether it was a stale claim taken over).

        Due: pending, tried fewer than `max_attempts` times, past `not_before` and before `not_after`; or
        claimed before `stale_before` by a process that never finished. A conditional UPDATE per row
        (and SKIP LOCKED on PostgreSQL): no two processes ever hold one row.
        """
        claimable = _claimable(now, stale_before, max_attempts)
        query = select(Outbox.id, Outbox.status).where(claimable).order_by(Outbox.id).limit(batch)
        if only_user:
            query = query.join(Member, Member.id == Outbox.member_id).where(Member.slack_user_id == only_user)
        if attempted:
            query = query.where(Outbox.id.not_in(list(attempted)))
        if self.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=Outbox)
        claimed: list[tuple[int, bool]] = []
        for outbox_id, status in self.session.execute(query).all():
            taken = self.session.execute(
                update(Outbox)
                .where(Outbox.id == outbox_id, Outbox.status == status, claimable)
                .values(status=SENDING, claimed_by=worker, claimed_at=now)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append((outbox_id, status == SENDING))
        return claimed

    def addressed(self, outbox_id: int) -> tuple[Outbox, Member, str] | None:
        """The row, its member and their workspace's Slack team id."""
        row = self.session.get(Outbox, outbox_id)
        member = self.session.get(Member, row.member_id) if row else None
        if row is None or member is None:
            return None
        team_id = self.session.scalar(select(Workspace.slack_team_id).where(Workspace.id == member.workspace_id))
        return row, member, team_id or ""

    def mark_sent(self, outbox_id: int, worker: str, member_id: int, channel_id: str, ts: str, now: datetime) -> None:
        """Sent by `worker`; the member's DM channel is kept for the next search."""
        self.session.execute(
            update(Outbox)
            .where(Outbox.id == outbox_id, Outbox.claimed_by == worker)
            .values(status=SENT, sent_at=now, channel_id=channel_id, message_ts=ts, last_error=None)
        )
        self.session.execute(update(Member).where(Member.id == member_id).values(dm_channel_id=channel_id))

    def mark_unreachable(self, outbox_id: int, worker: str, member_id: int, reason: str, now: datetime) -> None:
        """The member cannot be reached: skipped, and the member marked so that sweeps leave them out."""
        self.session.execute(
            update(Member)
            .where(Member.id == member_id)
            .values(unreachable_reason=reason[:_REASON_LENGTH], unreachable_at=now)
        )
        self.session.execute(
            update(Outbox).where(*_held(outbox_id, worker)).values(status=SKIPPED, last_error=reason[:_ERROR_LENGTH])
        )

    def release(self, outbox_id: int, worker: str, reason: str) -> None:
        """Back to pending with one more attempt counted, and why it failed."""
        self.session.execute(
            update(Outbox)
            .where(*_held(outbox_id, worker))
            .values(status=PENDING, attempts=Outbox.attempts + 1, last_error=reason[:_ERROR_LENGTH], claimed_by=None)
        )


def _claimable(now: datetime, stale_before: datetime, max_attempts: int) -> ColumnElement[bool]:
    due = or_(Outbox.not_before.is_(None), Outbox.not_before <= now)
    in_time = or_(Outbox.not_after.is_(None), Outbox.not_after > now)
    return or_(
        and_(Outbox.status == PENDING, Outbox.attempts < max_attempts, due, in_time),
        and_(Outbox.status == SENDING, Outbox.claimed_at < stale_before),
    )


def _held(outbox_id: int, worker: str) -> tuple[ColumnElement[bool], ...]:
    """The row, as long as `worker` still holds it."""
    return Outbox.id == outbox_id, Outbox.claimed_by == worker
