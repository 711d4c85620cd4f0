"""Calendar feeds into meetings: read each member's feed, keep its meetings with contacts up to date.

Each run reads the next `WINDOW` of a member's calendar (`models.calendar` does the iCalendar work)
and, for every meeting with people from outside the company: creates it, moves it (a fresh briefing
follows at its new time), or keeps it; a future meeting gone from the feed is cancelled. Attendees
are matched to contacts by e-mail first, then by name; someone unknown becomes a new contact.

A feed that cannot be read is reported to its member once per distinct problem (an outbox message),
not on every run, and never stops the other members' feeds.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from models import outbox
from models.briefings import FEED_ERROR, drop_stale_briefings
from models.calendar import CalendarEvent, FeedError, fetch_feed, normalize_feed_url, parse_events, redact_url
from models.matching import match_name
from models.orm import CalendarFeed, Contact, Meeting, MeetingContact, Member, Workspace
from models.repository import WorkspaceRepository
from models.services import Actor
from models.uow import UnitOfWork

logger = logging.getLogger(__name__)

#: How far ahead a calendar is read.
WINDOW = timedelta(days=14)
Fetch = Callable[[str], bytes]


@dataclass(frozen=True)
class SyncResult:
    meetings: int = 0
    created: int = 0
    moved: int = 0
    cancelled: int = 0
    problem: str | None = None


def set_feed_url(uow: UnitOfWork, actor: Actor, url: str, now: datetime, fetch: Fetch = fetch_feed) -> str:
    """Keep the member's calendar address (a secret: never shown whole) and read it once right away."""
    try:
        address = normalize_feed_url(url)
    except FeedError as problem:
        return f":warning: {problem.message}"
    with uow:
        repo = WorkspaceRepository.for_team(uow.session, actor.team_id)
        member = repo.get_or_create_member(actor.user_id)
        feed = uow.session.scalar(select(CalendarFeed).where(CalendarFeed.member_id == member.id))
        if feed is None:
            feed = CalendarFeed(workspace_id=member.workspace_id, member_id=member.id)
            uow.session.add(feed)
        feed.url, feed.ics_text, feed.last_error, feed.error_reported_at = address, None, None, None
        uow.session.flush()
        feed_id = feed.id
        uow.commit()
    result = sync_feed(uow, feed_id, now, fetch, report_problems=False)
    if result.problem:
        return f":warning: I saved {redact_url(address)} but couldn't read it: {result.problem}"
    return (
        f":calendar: Connected to {redact_url(address)}: {result.meetings} meeting"
        + ("s" if result.meetings != 1 else "")
        + " with contacts in the next two weeks. Briefings will come before each one."
    )


def set_feed_file(uow: UnitOfWork, actor: Actor, ics: str, now: datetime) -> str:
    """An uploaded .ics file, read now and again on each run (it does not change by itself)."""
    with uow:
        repo = WorkspaceRepository.for_team(uow.session, actor.team_id)
        member = repo.get_or_create_member(actor.user_id)
        feed = uow.session.scalar(select(CalendarFeed).where(CalendarFeed.member_id == member.id))
        if feed is None:
            feed = CalendarFeed(workspace_id=member.workspace_id, member_id=member.id)
            uow.session.add(feed)
        feed.url, feed.ics_text, feed.last_error, feed.error_reported_at = None, ics, None, None
        uow.session.flush()
        feed_id = feed.id
        uow.commit()
    result = sync_feed(uow, feed_id, now, report_problems=False)
    if result.problem:
        return f":warning: I couldn't read that file: {result.problem}"
    return (
        f":calendar: Read your file: {result.meetings} meeting"
        + ("s" if result.meetings != 1 else "")
        + " with contacts in the next two weeks."
    )


def remove_feed(uow: UnitOfWork, actor: Actor) -> None:
    with uow:
        repo = WorkspaceRepository.for_team(uow.session, actor.team_id)
        member = repo.get_or_create_member(actor.user_id)
        feed = uow.session.scalar(select(CalendarFeed).where(CalendarFeed.member_id == member.id))
        if feed is not None:
            for meeting in uow.session.scalars(select(Meeting).where(Meeting.feed_id == feed.id)):
                meeting.feed_id = None
            uow.session.delete(feed)
        uow.commit()


def feed_status(uow: UnitOfWork, actor: Actor) -> str:
    with uow:
        repo = WorkspaceRepository.for_team(uow.session, actor.team_id)
        member = repo.get_or_create_member(actor.user_id)
        feed = uow.session.scalar(select(CalendarFeed).where(CalendarFeed.member_id == member.id))
        if feed is None:
            return ":calendar: No calendar yet. Give me your calendar's secret address: `/prep calendar https://…/basic.ics`."
        where = redact_url(feed.url) if feed.url else "an uploaded file"
        if feed.last_error:
            return f":warning: Your calendar ({where}) could not be read last time: {feed.last_error}"
        when = f"last read {feed.last_synced_at:%d %b %H:%M} UTC" if feed.last_synced_at else "not read yet"
        return f":calendar: Reading your calendar ({where}), {when}."


def sync_all_feeds(uow: UnitOfWork, now: datetime, fetch: Fetch = fetch_feed) -> list[SyncResult]:
    """Read every feed; a feed that fails is recorded and reported, and the others go on."""
    with uow:
        feed_ids = list(uow.session.scalars(select(CalendarFeed.id).order_by(CalendarFeed.id)))
    results = []
    for feed_id in feed_ids:
        try:
            results.append(sync_feed(uow, feed_id, now, fetch))
        except Exception:
            logger.exception("calendar feed %s failed unexpectedly", feed_id)
            results.append(SyncResult(problem="unexpected error"))
    return results


def sync_feed(
    uow: UnitOfWork, feed_id: int, now: datetime, fetch: Fetch = fetch_feed, report_problems: bool = True
) -> SyncResult:
    with uow:
        feed = uow.session.get(CalendarFeed, feed_id)
        if feed is None:
            return SyncResult(problem="no such feed")
        member = uow.session.get(Member, feed.member_id)
        assert member is not None
        url, ics_text = feed.url, feed.ics_text
        member_email = (member.email or "").lower()
        domains = frozenset({member_email.split("@", 1)[1]}) if "@" in member_email else frozenset()
        teammates = frozenset(
            email.lower()
            for email in uow.session.scalars(
                select(Member.email).where(Member.workspace_id == member.workspace_id, Member.email.is_not(None))
            )
            if email
        )
    try:
        data: bytes | str = fetch(url) if url else (ics_text or "")
        events = parse_events(
            data,
            now - timedelta(hours=1),
            now + WINDOW,
            member_emails=teammates | {member_email},
            colleague_domains=domains,
        )
    except FeedError as problem:
        _record_problem(uow, feed_id, problem.message, now, report_problems)
        return SyncResult(problem=problem.message)
    colleagues = teammates | {member_email}

    def is_colleague(email: str | None) -> bool:
        return email is not None and (email in colleagues or _in_domains(email, domains))

    return _apply(uow, feed_id, events, now, is_colleague)


def _record_problem(uow: UnitOfWork, feed_id: int, problem: str, now: datetime, report: bool) -> None:
    with uow:
        feed = uow.session.get(CalendarFeed, feed_id)
        member = uow.session.get(Member, feed.member_id) if feed else None
        if feed is None or member is None:
            return
        new_problem = feed.last_error != problem or feed.error_reported_at is None
        feed.last_error = problem[:500]
        if report and new_problem:
            key = f"feed:{feed.id}:{hashlib.sha1(problem.encode()).hexdigest()[:12]}"
            where = redact_url(feed.url) if feed.url else "your uploaded file"
            outbox.insert_once(uow.session, member, FEED_ERROR, key, {"problem": problem, "where": where}, now)
            feed.error_reported_at = now
        uow.commit()
    logger.info("calendar feed %s could not be read: %s", feed_id, problem)


def _in_domains(email: str, domains: frozenset[str]) -> bool:
    domain = email.rsplit("@", 1)[-1]
    return any(domain == d or domain.endswith("." + d) for d in domains)


def _apply(
    uow: UnitOfWork,
    feed_id: int,
    events: list[CalendarEvent],
    now: datetime,
    is_colleague: Callable[[str | None], bool],
) -> SyncResult:
    created = moved = cancelled = 0
    with uow:
        session = uow.session
        feed = session.get(CalendarFeed, feed_id)
        assert feed is not None
        member = session.get(Member, feed.member_id)
        assert member is not None
        workspace = session.get(Workspace, member.workspace_id)
        assert workspace is not None
        repo = WorkspaceRepository(session, workspace)
        seen: set[str] = set()
        for event in events:
            source_key = f"ical:{feed.id}:{event.key}"
            seen.add(source_key)
            meeting = repo.meeting_by_source(member, source_key)
            if meeting is None:
                meeting = repo.add_meeting(
                    Meeting(
                        member_id=member.id,
                        source="calendar",
                        source_key=source_key,
                        feed_id=feed.id,
                        title=event.title[:500],
                        starts_at=event.starts_at,
                        ends_at=event.ends_at,
                        topic=None,
                        created_at=now,
                        updated_at=now,
                    )
                )
                created += 1
            else:
                if meeting.starts_at != event.starts_at or meeting.cancelled_at is not None:
                    moved += 1 if meeting.starts_at != event.starts_at else 0
                    meeting.starts_at, meeting.ends_at, meeting.cancelled_at = event.starts_at, event.ends_at, None
                    meeting.updated_at = now
                    session.flush()
                    drop_stale_briefings(session, meeting)
                meeting.title = event.title[:500]
                meeting.ends_at = event.ends_at
            _attach_attendees(repo, member, meeting, event, is_colleague)
        for meeting in session.scalars(
            select(Meeting).where(
                Meeting.feed_id == feed.id,
                Meeting.starts_at > now,
                Meeting.cancelled_at.is_(None),
                Meeting.source_key.not_in(seen or {""}),
            )
        ):
            meeting.cancelled_at = now
            cancelled += 1
            session.flush()
            drop_stale_briefings(session, meeting)
        feed.last_synced_at, feed.last_error, feed.error_reported_at = now, None, None
        uow.commit()
    return SyncResult(meetings=len(events), created=created, moved=moved, cancelled=cancelled)


def _attach_attendees(
    repo: WorkspaceRepository,
    member: Member,
    meeting: Meeting,
    event: CalendarEvent,
    is_colleague: Callable[[str | None], bool],
) -> None:
    """The meeting's contacts: everyone from outside the company (colleagues are not contacts)."""
    present = {attendee.contact_id for attendee in meeting.attendees}
    for attendee in event.attendees:
        if is_colleague(attendee.email):
            continue
        contact = _contact_for(repo, member, attendee.email, attendee.name)
        if contact is not None and contact.id not in present:
            meeting.attendees.append(MeetingContact(contact_id=contact.id))
            present.add(contact.id)
    repo.session.flush()


def _contact_for(repo: WorkspaceRepository, member: Member, email: str | None, name: str | None) -> Contact | None:
    """E-mail first, then a name that matches one contact; else a new contact."""
    if email:
        found = repo.contact_by_email(email)
        if found is not None:
            return found
    display = (name or "").strip() or (email.split("@", 1)[0].replace(".", " ").title() if email else "")
    if not display:
        return None
    match = match_name(display, repo.contact_candidates(display))
    if match.chosen is not None:
        contact = repo.contact(match.chosen.id)
        if contact is not None and email and not contact.email:
            contact.email = email
        return contact
    return repo.create_contact(display, None, created_by=member, email=email)
