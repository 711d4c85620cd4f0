"""The outbox: every message to a member (digest, briefing, follow-up) is composed once, delivered once.

Composing inserts one row per (workspace, member, kind, dedupe key) under a unique constraint, so a
second sweep, a restart or another replica inserts nothing.

Delivering: a process claims a due row with a conditional UPDATE (with SKIP LOCKED on PostgreSQL),
so no two processes ever hold one row; it marks it "sending" and commits, then sends. A row left
"sending" by a process that died is reclaimed after `LEASE`; before sending it again the sender looks
in the member's DM for a message carrying this row's id, so a message that reached Slack just before
a crash is not sent twice. Rate limits and server errors are retried by the sender; what still fails
stays pending for the next sweep. A member who left or blocked the app is marked unreachable and
skipped; the sweep goes on. A row whose `not_after` has passed (a briefing for a meeting that has
started) is dropped instead of sent late.

One failing delivery never stops the others: whatever a row's delivery raises (a workspace whose
token cannot be rotated, a renderer's bug), that row alone is released to pending with its attempt
counted and the kind of error kept, and the sweep goes on with the next row.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from models.core.faults import describe_fault
from models.db.uow import UnitOfWork
from models.delivery.repository import OutboxRepository

logger = logging.getLogger(__name__)

#: A row claimed this long ago by a process that never finished is claimed again.
LEASE = timedelta(minutes=10)
#: Rows a process claims at a time.
CLAIM_BATCH = 50
#: Deliveries that failed this many times in a row are left for a person to look at.
MAX_ATTEMPTS = 20
#: Why a row was dropped unsent, kept on it.
TOO_LATE = "too late: its moment had passed"


@dataclass(frozen=True)
class Delivery:
    channel_id: str
    ts: str


class DeliveryFailed(Exception):
    """Slack refused the message; `permanent` when the member cannot be reached at all."""

    def __init__(self, reason: str, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class OutgoingMessage:
    """What the sender needs: to whom, which row, and the payload composed for its kind."""

    outbox_id: int
    kind: str
    team_id: str
    slack_user_id: str
    channel_id: str | None
    payload: dict[str, Any]


class Sender(Protocol):
    """The edge that talks to Slack (handlers provide it); the domain knows only this."""

    def send(self, message: OutgoingMessage) -> Delivery: ...

    def find_sent(self, message: OutgoingMessage) -> Delivery | None: ...


@dataclass
class DeliveryReport:
    sent: int = 0
    recovered: int = 0
    failed: int = 0
    skipped: int = 0
    dropped: int = 0
    unreachable: list[str] = field(default_factory=list)


def deliver_pending(
    uow: UnitOfWork, sender: Sender, now: datetime, worker: str, only_user: str | None = None
) -> DeliveryReport:
    """Deliver every due row; each is held by one process only, and tried once per sweep.

    One failing delivery never stops the others (see `_deliver_one`).
    """
    report = DeliveryReport()
    with uow:
        report.dropped = OutboxRepository.of(uow).drop_late(now, TOO_LATE)
        uow.commit()
    attempted: set[int] = set()
    while True:
        with uow:
            claimed = OutboxRepository.of(uow).claim(
                now, worker, now - LEASE, MAX_ATTEMPTS, CLAIM_BATCH, only_user, attempted
            )
            uow.commit()
        if not claimed:
            return report
        for outbox_id, was_stale in claimed:
            attempted.add(outbox_id)
            _deliver_one(uow, sender, outbox_id, was_stale, now, worker, report)


def _deliver_one(
    uow: UnitOfWork,
    sender: Sender,
    outbox_id: int,
    was_stale: bool,
    now: datetime,
    worker: str,
    report: DeliveryReport,
) -> None:
    """Send one claimed row; whatever goes wrong stays with this row, and the sweep goes on.

    Slack's refusals (`DeliveryFailed`) are recorded as such. Anything else raised before Slack took
    the message (the workspace's client cannot be had, a renderer fails, a payload cannot be read)
    counts as one failed attempt: the row goes back to pending with the error's type, to be tried by
    a later sweep until MAX_ATTEMPTS. Once Slack has taken the message, a failure to record it leaves
    the row "sending": after the lease, the member's DM is searched before anything is sent again.
    """
    member_id, slack_user_id = 0, ""
    try:
        with uow:
            addressed = OutboxRepository.of(uow).addressed(outbox_id)
            if addressed is None:
                return
            row, member, team_id = addressed
            member_id, slack_user_id = member.id, member.slack_user_id
            message = OutgoingMessage(
                outbox_id=row.id,
                kind=row.kind,
                team_id=team_id,
                slack_user_id=member.slack_user_id,
                channel_id=member.dm_channel_id,
                payload=json.loads(row.payload_json or "{}"),
            )
        delivery: Delivery | None = None
        if was_stale:
            delivery = sender.find_sent(message)
            if delivery is not None:
                report.recovered += 1
        if delivery is None:
            delivery = sender.send(message)
    except DeliveryFailed as failure:
        _record_failure(uow, outbox_id, member_id, worker, failure, now, report, slack_user_id)
        return
    except Exception as error:  # noqa: BLE001 - one faulty delivery never stops the others
        fault = DeliveryFailed(type(error).__name__, permanent=False)
        _record_failure(uow, outbox_id, member_id, worker, fault, now, report, slack_user_id, describe_fault(error))
        return
    try:
        with uow:
            OutboxRepository.of(uow).mark_sent(outbox_id, worker, member_id, delivery.channel_id, delivery.ts, now)
            uow.commit()
    except Exception as error:  # noqa: BLE001 - sent: the lease and the DM search keep it from going twice
        logger.error("outbox %s sent but not recorded (%s): left to the lease", outbox_id, describe_fault(error))
    report.sent += 1


def _record_failure(
    uow: UnitOfWork,
    outbox_id: int,
    member_id: int,
    worker: str,
    failure: DeliveryFailed,
    now: datetime,
    report: DeliveryReport,
    slack_user_id: str,
    fault: str | None = None,
) -> None:
    """Release the row: skipped when the member cannot be reached, else pending with one more attempt."""
    with uow:
        outbox = OutboxRepository.of(uow)
        if failure.permanent:
            outbox.mark_unreachable(outbox_id, worker, member_id, failure.reason, now)
            report.skipped += 1
            report.unreachable.append(slack_user_id)
        else:
            outbox.release(outbox_id, worker, failure.reason)
            report.failed += 1
        uow.commit()
    logger.warning("outbox %s not delivered: %s", outbox_id, fault or failure.reason)
