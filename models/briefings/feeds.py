"""Calendar feeds into meetings: read each member's feed, keep its meetings with contacts up to date.

Each run reads the next `WINDOW` of a member's calendar (`models.briefings.calendar` does the iCalendar work)
and, for every meeting with people from outside the company: creates it, moves it (a fresh briefing
follows at its new time), or keeps it; a future meeting gone from the feed is cancelled. Attendees
are matched to contacts by e-mail first, then by name; someone unknown becomes a new contact.

Feeds are read by `FeedReaders`, a small pool of threads of their own, never on the threads that
answer people: saving an address answers at once, and its reading is told to the member when it ends.
A feed that cannot be read is reported to its member once per distinct problem (an outbox message),
not on every run, and never stops the other members' feeds.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select

from models.briefings.calendar import (
    CalendarEvent,
    FeedError,
    LeftOut,
    fetch_feed,
    normalize_feed_url,
    parse_events,
    redact_url,
)
from models.briefings.service import FEED_ERROR, drop_stale_briefings
from models.core.limits import CONTACT_NAME, EMAIL, MEETING_KEY_LENGTH, MEETING_TITLE_LENGTH
from models.core.names import fold, match_name
from models.core.values import Actor
from models.db.orm import CalendarFeed, Contact, Meeting, MeetingContact, Member, Workspace
from models.db.repository import WorkspaceRepository
from models.db.uow import UnitOfWork
from models.delivery import outbox

logger = logging.getLogger(__name__)

#: How far ahead a calendar is read.
WINDOW = timedelta(days=14)
#: Feeds one process reads at once; the others wait their turn (each fetch has its own deadline).
READER_THREADS = 4
#: Column sizes a feed's values are fitted to, the constants the columns are sized from (models/core/limits.py).
_TITLE_LENGTH, _KEY_LENGTH = MEETING_TITLE_LENGTH, MEETING_KEY_LENGTH
_NAME_LENGTH, _EMAIL_LENGTH = min(CONTACT_NAME.limit, CONTACT_NAME.folded_limit or CONTACT_NAME.limit), EMAIL.limit
#: Events named one by one in a note about what was left out; the others are counted.
_NAMED_IN_NOTES = 3
_READING = "I'm reading it now and will tell you by DM what I find."
_SOMETHING_WENT_WRONG = "Something went wrong on our side while reading it; I'll try again at the next reading."
Fetch = Callable[[str], bytes]


@dataclass(frozen=True)
class SyncResult:
    """One reading of a feed. `where` shows its address (host only) or says it is a file; `notes` tell the
    member what was left out or shortened."""

    meetings: int = 0
    created: int = 0
    moved: int = 0
    cancelled: int = 0
    problem: str | None = None
    where: str = "your calendar"
    from_file: bool = False
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Saved:
    """What the member is told at once about a calendar they gave; `feed_id` is the feed to read (None: nothing kept)."""

    message: str
    feed_id: int | None = None


def set_feed_url(uow: UnitOfWork, actor: Actor, url: str) -> Saved:
    """Keep the member's calendar address (a secret: never shown whole); reading it is `FeedReaders`' work."""
    try:
        address = normalize_feed_url(url)
    except FeedError as problem:
        return Saved(f":warning: {problem.message}")
    feed_id = _keep_feed(uow, actor, url=address, ics=None)
    return Saved(f":calendar: Saved {redact_url(address)}: {_READING}", feed_id)


def set_feed_file(uow: UnitOfWork, actor: Actor, ics: str) -> Saved:
    """An uploaded .ics file, read once saved and again on each run (it does not change by itself)."""
    feed_id = _keep_feed(uow, actor, url=None, ics=ics)
    return Saved(f":calendar: Got your file: {_READING}", feed_id)


def _keep_feed(uow: UnitOfWork, actor: Actor, url: str | None, ics: str | None) -> int:
    with uow:
        repo = WorkspaceRepository.for_team(uow.session, actor.team_id)
        member = repo.get_or_create_member(actor.user_id)
        feed = uow.session.scalar(select(CalendarFeed).where(CalendarFeed.member_id == member.id))
        if feed is None:
            feed = CalendarFeed(workspace_id=member.workspace_id, member_id=member.id)
            uow.session.add(feed)
        feed.url, feed.ics_text, feed.last_error, feed.error_reported_at = url, ics, None, None
        uow.session.flush()
        feed_id = feed.id
        uow.commit()
    return feed_id


def describe(result: SyncResult) -> str:
    """What the member is told once their calendar has been read."""
    if result.problem:
        if result.from_file:
            return f":warning: I couldn't use that file. {result.problem}"
        return f":warning: I saved {result.where} but couldn't use it. {result.problem}"
    meetings = f"{result.meetings} meeting" + ("s" if result.meetings != 1 else "")
    if result.from_file:
        text = f":calendar: Read your file: {meetings} with contacts in the next two weeks."
    else:
        text = (
            f":calendar: Connected to {result.where}: {meetings} with contacts in the next two weeks. "
            "Briefings will come before each one."
        )
    return "\n".join([text, *result.notes])


class FeedReaders:
    """Reads calendar feeds away from the threads that answer people: a bounded pool, one read of a feed at a time.

    A feed asked for while it waits its turn is read once; asked for while it is being read, it is read
    once more afterwards (its address may have changed meanwhile), however many times it was asked for.
    The member asking is told (`then`) of the last reading only. With no executor, a read runs at once
    on the caller's thread (the console and tests).
    """

    def __init__(self, fetch: Fetch = fetch_feed, executor: Executor | None = None) -> None:
        self.fetch = fetch
        self._executor = executor
        self._lock = threading.Lock()
        self._turns: dict[int, _Turn] = {}

    def read(
        self,
        uow: Callable[[], UnitOfWork],
        feed_id: int,
        clock: Callable[[], datetime],
        *,
        report_problems: bool = True,
        then: Callable[[SyncResult], None] | None = None,
    ) -> None:
        """Read the feed soon; `then` gets the result on the reading thread. Problems go to the outbox only
        when `report_problems` (the scheduled readings), since a member who asked is told by `then`."""
        request = _Request(uow, clock, report_problems, then)
        with self._lock:
            turn = self._turns.get(feed_id)
            if turn is None:
                self._turns[feed_id] = _Turn(request)
            elif not turn.started:
                turn.request = turn.request.joined_by(request)
                return
            else:
                turn.again = request if turn.again is None else turn.again.joined_by(request)
                return
        self._start(feed_id)

    def _start(self, feed_id: int) -> None:
        if self._executor is None:
            self._run(feed_id)
            return
        try:
            self._executor.submit(self._run, feed_id)
        except RuntimeError:  # the pool was shut down: the process is stopping
            with self._lock:
                self._turns.pop(feed_id, None)
            logger.info("calendar feed %s not read: the calendar readers have stopped", feed_id)

    def _run(self, feed_id: int) -> None:
        with self._lock:
            turn = self._turns[feed_id]
            turn.started, request = True, turn.request
        try:
            result = sync_feed(request.uow(), feed_id, request.clock(), self.fetch, request.report_problems)
        except Exception:  # one feed's failure is logged and told, never the pool's
            logger.exception("calendar feed %s failed unexpectedly", feed_id)
            result = SyncResult(problem=_SOMETHING_WENT_WRONG)
        with self._lock:
            again = turn.again
            if again is None:
                del self._turns[feed_id]
            else:
                turn.request, turn.again, turn.started = again, None, False
        superseded = again is not None and again.then is not None
        if request.then is not None and not superseded:
            try:
                request.then(result)
            except Exception as error:  # noqa: BLE001 - telling the member is best effort, the reading stands
                logger.warning("could not tell the result of calendar feed %s: %s", feed_id, type(error).__name__)
        if again is not None:
            self._start(feed_id)


@dataclass(frozen=True)
class _Request:
    uow: Callable[[], UnitOfWork]
    clock: Callable[[], datetime]
    report_problems: bool
    then: Callable[[SyncResult], None] | None

    def joined_by(self, later: _Request) -> _Request:
        """One reading for both: the later asker is told, and problems go to the outbox only if both wanted it."""
        return replace(
            later, report_problems=self.report_problems and later.report_problems, then=later.then or self.then
        )


@dataclass
class _Turn:
    request: _Request
    started: bool = False
    again: _Request | None = None


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


def sync_all_feeds(
    uow: Callable[[], UnitOfWork],
    readers: FeedReaders,
    clock: Callable[[], datetime],
    then: Callable[[SyncResult], None] | None = None,
) -> int:
    """Hand every feed to the readers, each on its own (one slow or failing feed never holds up another);
    how many were handed over."""
    with uow() as reading:
        feed_ids = list(reading.session.scalars(select(CalendarFeed.id).order_by(CalendarFeed.id)))
    for feed_id in feed_ids:
        readers.read(uow, feed_id, clock, then=then)
    return len(feed_ids)


def sync_feed(
    uow: UnitOfWork, feed_id: int, now: datetime, fetch: Fetch = fetch_feed, report_problems: bool = True
) -> SyncResult:
    """Read one feed now, on this thread, and bring its meetings up to date (`FeedReaders` calls it)."""
    with uow:
        feed = uow.session.get(CalendarFeed, feed_id)
        if feed is None:
            return SyncResult(problem="It was removed before it could be read.")
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
    source = SyncResult(where=redact_url(url) if url else "your uploaded file", from_file=not url)
    try:
        data: bytes | str = fetch(url) if url else (ics_text or "")
        reading = parse_events(
            data,
            now - timedelta(hours=1),
            now + WINDOW,
            member_emails=teammates | {member_email},
            colleague_domains=domains,
        )
    except FeedError as problem:
        _record_problem(uow, feed_id, problem.message, now, report_problems)
        return replace(source, problem=problem.message)
    colleagues = teammates | {member_email}

    def is_colleague(email: str | None) -> bool:
        return email is not None and (email in colleagues or _in_domains(email, domains))

    shortened: Counter[str] = Counter()
    applied = _apply(uow, feed_id, reading.events, now, is_colleague, shortened)
    notes = _left_out_notes(reading.left_out) + _shortened_notes(shortened)
    if notes:
        signature = "|".join(sorted(item.title for item in reading.left_out)) + "|" + ",".join(sorted(shortened))
        _record_notes(uow, feed_id, notes, signature, now, report_problems)
    return replace(applied, where=source.where, from_file=source.from_file, notes=tuple(notes))


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


def _record_notes(uow: UnitOfWork, feed_id: int, notes: list[str], signature: str, now: datetime, report: bool) -> None:
    """Tell the member once about what their calendar had left out or shortened (again only if that changes)."""
    logger.info("calendar feed %s read with %s note(s)", feed_id, len(notes))
    if not report:
        return  # the member who asked for this reading is told by its result
    with uow:
        feed = uow.session.get(CalendarFeed, feed_id)
        member = uow.session.get(Member, feed.member_id) if feed else None
        if feed is None or member is None:
            return
        key = f"feed:{feed.id}:note:{hashlib.sha1(signature.encode()).hexdigest()[:12]}"
        where = redact_url(feed.url) if feed.url else "your uploaded file"
        outbox.insert_once(uow.session, member, FEED_ERROR, key, {"note": " ".join(notes), "where": where}, now)
        uow.commit()


def _left_out_notes(left_out: tuple[LeftOut, ...]) -> list[str]:
    """One sentence per kind of leaving out, naming a few events and counting the rest."""
    capped = [item for item in left_out if item.occurrences is not None]
    unread = [item for item in left_out if item.occurrences is None]
    notes = []
    if capped:
        occurrences = sum(item.occurrences or 0 for item in capped)
        notes.append(
            f"Some events repeat more often than Rapport reads, so about {occurrences:,} of their occurrences in "
            f"the next two weeks were left out: {_titles(capped)}."
        )
    if unread:
        notes.append(
            f"Some events repeat too often, or the calendar holds too many, for Rapport to read them all: "
            f"{_titles(unread)} {'was' if len(unread) == 1 else 'were'} left out."
        )
    return notes


def _titles(items: list[LeftOut]) -> str:
    named = ", ".join(f"“{item.title[:80]}”" for item in items[:_NAMED_IN_NOTES])
    others = len(items) - _NAMED_IN_NOTES
    return named + (f" and {others:,} other event" + ("s" if others > 1 else "") if others > 0 else "")


def _shortened_notes(shortened: Counter[str]) -> list[str]:
    if not shortened:
        return []
    parts = ", ".join(f"{count} {what}" + ("s" if count > 1 else "") for what, count in sorted(shortened.items()))
    return [f"Some details were longer than Rapport keeps and were shortened or left out: {parts}."]


def _in_domains(email: str, domains: frozenset[str]) -> bool:
    domain = email.rsplit("@", 1)[-1]
    return any(domain == d or domain.endswith("." + d) for d in domains)


def _apply(
    uow: UnitOfWork,
    feed_id: int,
    events: list[CalendarEvent],
    now: datetime,
    is_colleague: Callable[[str | None], bool],
    shortened: Counter[str],
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
            source_key = _fit_key(f"ical:{feed.id}:{event.key}", shortened)
            title = _fit(event.title, _TITLE_LENGTH, "meeting title", shortened)
            seen.add(source_key)
            meeting = repo.meeting_by_source(member, source_key)
            if meeting is None:
                meeting = repo.add_meeting(
                    Meeting(
                        member_id=member.id,
                        source="calendar",
                        source_key=source_key,
                        feed_id=feed.id,
                        title=title,
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
                meeting.title = title
                meeting.ends_at = event.ends_at
            _attach_attendees(repo, member, meeting, event, is_colleague, shortened)
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
    shortened: Counter[str],
) -> None:
    """The meeting's contacts: everyone from outside the company (colleagues are not contacts)."""
    present = {attendee.contact_id for attendee in meeting.attendees}
    for attendee in event.attendees:
        if is_colleague(attendee.email):
            continue
        email = attendee.email
        if email is not None and len(email) > _EMAIL_LENGTH:
            email = None  # a cut address would be someone else's: left out
            shortened["attendee address"] += 1
        name = _fit_name(attendee.name, shortened) if attendee.name else None
        contact = _contact_for(repo, member, email, name, shortened)
        if contact is not None and contact.id not in present:
            meeting.attendees.append(MeetingContact(contact_id=contact.id))
            present.add(contact.id)
    repo.session.flush()


def _contact_for(
    repo: WorkspaceRepository, member: Member, email: str | None, name: str | None, shortened: Counter[str]
) -> Contact | None:
    """E-mail first, then a name that matches one contact; else a new contact."""
    if email:
        found = repo.contact_by_email(email)
        if found is not None:
            return found
    display = (name or "").strip() or (
        _fit_name(email.split("@", 1)[0].replace(".", " ").title(), shortened) if email else ""
    )
    if not display:
        return None
    match = match_name(display, repo.contact_candidates(display))
    if match.chosen is not None:
        contact = repo.contact(match.chosen.id)
        if contact is not None and email and not contact.email:
            contact.email = email
        return contact
    return repo.create_contact(display, None, created_by=member, email=email)


def _fit(text: str, length: int, what: str, shortened: Counter[str]) -> str:
    """`text` cut to its column's `length`, counted in `shortened` when it was."""
    if len(text) <= length:
        return text
    shortened[what] += 1
    return text[: length - 1] + "…"


def _fit_name(name: str, shortened: Counter[str]) -> str:
    """A contact's name that fits its column, and whose folded form (the lookup key, which can be longer:
    "ﬃ" folds to "ffi") fits too."""
    whole = " ".join(name.split())
    fitted = whole[:_NAME_LENGTH]
    while len(fold(fitted)) > _NAME_LENGTH:
        fitted = fitted[: len(fitted) - (len(fold(fitted)) - _NAME_LENGTH)]
    if fitted != whole:
        shortened["attendee name"] += 1
    return fitted


def _fit_key(key: str, shortened: Counter[str]) -> str:
    """A meeting's source key that fits its column: a long one keeps its start and a digest of the whole,
    so that it stays the same from one reading to the next and tells two events apart."""
    if len(key) <= _KEY_LENGTH:
        return key
    shortened["event identifier"] += 1
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: _KEY_LENGTH - len(digest) - 1]}#{digest}"
