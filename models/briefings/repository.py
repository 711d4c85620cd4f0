"""The briefings' reads and writes: meetings and who is concerned, members' calendar feeds, and the sweeps' meetings."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Self

from sqlalchemy import select

from models.db.orm import CalendarFeed, Contact, Meeting, MeetingContact, Member, Workspace
from models.db.uow import UnitOfWork
from models.delivery.repository import OutboxRepository
from models.nudges.repository import NudgeRepository
from models.scores.repository import ScoreReads


class BriefingRepository(ScoreReads, NudgeRepository):
    """One workspace's meetings, the people concerned by them, and its members' calendar feeds (with
    the nudges' reads that a briefing cites)."""

    @classmethod
    def of_feed(cls, uow: UnitOfWork, feed_id: int) -> tuple[Self, CalendarFeed, Member] | None:
        """A calendar feed found by id (a scheduled reading knows no more), its member, and their workspace's repository."""
        row = uow.session.execute(
            select(CalendarFeed, Member, Workspace)
            .join(Member, Member.id == CalendarFeed.member_id)
            .join(Workspace, Workspace.id == Member.workspace_id)
            .where(CalendarFeed.id == feed_id)
        ).first()
        return None if row is None else (cls(uow.session, row[2]), row[0], row[1])

    @property
    def outbox(self) -> OutboxRepository:
        """The outbox, on this repository's transaction."""
        return OutboxRepository(self.session)

    # Who is concerned --------------------------------------------------------------------------
    def concerned_at_account(self, account_id: int, limit: int, besides: int | None = None) -> list[Contact]:
        """Contacts at an account that a meeting's context marks as concerned by its subject (`besides` left out)."""
        query = (
            select(Contact)
            .join(MeetingContact, MeetingContact.contact_id == Contact.id)
            .where(
                Contact.workspace_id == self.workspace_id,
                Contact.account_id == account_id,
                MeetingContact.concerned.is_(True),
            )
        )
        if besides is not None:
            query = query.where(Contact.id != besides)
        return list(self.session.scalars(query.distinct().limit(limit)))

    # Meetings from a calendar ----------------------------------------------------------------------
    def reschedule(self, meeting: Meeting, starts_at: datetime, ends_at: datetime, now: datetime) -> None:
        """The meeting at its new times (and no longer cancelled), written at once."""
        meeting.starts_at, meeting.ends_at, meeting.cancelled_at, meeting.updated_at = starts_at, ends_at, None, now
        self.session.flush()

    def cancel_gone(self, feed: CalendarFeed, now: datetime, seen: Collection[str]) -> list[Meeting]:
        """Cancel the feed's future meetings that its last reading no longer holds; the ones cancelled."""
        gone = list(
            self.session.scalars(
                select(Meeting).where(
                    Meeting.feed_id == feed.id,
                    Meeting.starts_at > now,
                    Meeting.cancelled_at.is_(None),
                    Meeting.source_key.not_in(list(seen) or [""]),
                )
            )
        )
        for meeting in gone:
            meeting.cancelled_at = now
        self.session.flush()
        return gone

    def add_attendees(self, meeting: Meeting, contacts: Iterable[Contact]) -> None:
        """These contacts attend the meeting too (each once)."""
        present = {attendee.contact_id for attendee in meeting.attendees}
        for contact in contacts:
            if contact.id not in present:
                meeting.attendees.append(MeetingContact(contact_id=contact.id))
                present.add(contact.id)
        self.session.flush()

    # Calendar feeds ----------------------------------------------------------------------------------
    def calendar_feed(self, member: Member) -> CalendarFeed | None:
        return self.session.scalar(select(CalendarFeed).where(CalendarFeed.member_id == member.id))

    def keep_feed(self, member: Member, url: str | None, ics: str | None) -> int:
        """The member's feed, now at this address or holding this file, its problems forgotten; its id."""
        feed = self.calendar_feed(member)
        if feed is None:
            feed = CalendarFeed(workspace_id=self.workspace_id, member_id=member.id)
            self.session.add(feed)
        feed.url, feed.ics_text, feed.last_error, feed.error_reported_at = url, ics, None, None
        self.session.flush()
        return feed.id

    def remove_feed(self, member: Member) -> None:
        """The member's feed is gone; the meetings read from it stay, as if typed."""
        feed = self.calendar_feed(member)
        if feed is None:
            return
        for meeting in self.session.scalars(select(Meeting).where(Meeting.feed_id == feed.id)):
            meeting.feed_id = None
        self.session.delete(feed)

    def member_emails(self) -> frozenset[str]:
        """Every address the workspace's members gave, lowercased."""
        emails = self.session.scalars(
            select(Member.email).where(Member.workspace_id == self.workspace_id, Member.email.is_not(None))
        )
        return frozenset(email.lower() for email in emails if email)


class BriefingSweepRepository(OutboxRepository):
    """What the briefing sweeps read, across every workspace on purpose: the meetings about to start or
    just ended, whoever's they are, and the calendar feeds to read; what they compose goes to the outbox
    of each meeting's workspace."""

    def meetings_starting(
        self, after: datetime, until: datetime, only_user: str | None = None, reachable_only: bool = True
    ) -> list[tuple[Meeting, Member, str]]:
        """Meetings not cancelled that start in (after, until], soonest first, with their member and Slack team."""
        starting = (Meeting.starts_at > after, Meeting.starts_at <= until)
        return self._meetings(starting, only_user, reachable_only)

    def meetings_ended(
        self, after: datetime, until: datetime, only_user: str | None = None
    ) -> list[tuple[Meeting, Member, str]]:
        """Meetings not cancelled that ended in (after, until], with their member and Slack team."""
        return self._meetings((Meeting.ends_at > after, Meeting.ends_at <= until), only_user, reachable_only=True)

    def _meetings(
        self, when: tuple[Any, ...], only_user: str | None, reachable_only: bool
    ) -> list[tuple[Meeting, Member, str]]:
        query = (
            select(Meeting, Member, Workspace.slack_team_id)
            .join(Member, Member.id == Meeting.member_id)
            .join(Workspace, Workspace.id == Member.workspace_id)
            .where(Meeting.cancelled_at.is_(None), *when)
            .order_by(Meeting.starts_at)
        )
        if reachable_only:
            query = query.where(Member.unreachable_at.is_(None))
        if only_user:
            query = query.where(Member.slack_user_id == only_user)
        return [(meeting, member, team_id) for meeting, member, team_id in self.session.execute(query)]

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """The block's writes, undone alone if it fails (the transaction goes on)."""
        with self.session.begin_nested():
            yield

    def feed_ids(self) -> list[int]:
        return list(self.session.scalars(select(CalendarFeed.id).order_by(CalendarFeed.id)))
