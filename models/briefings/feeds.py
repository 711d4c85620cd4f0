"""Calendar feeds into meetings: read each member's feed, keep its meetings with contacts up to date.

Each run reads the next `WINDOW` of a member's calendar (`models.briefings.calendar` does the iCalendar work)
and, for every meeting with people from outside the company: creates it, moves it (a fresh briefing
follows at its new time), or keeps it; a future meeting gone from the feed is cancelled. Attendees
are matched to contacts by e-mail first, then by name; someone unknown becomes a new contact.

Feeds are read by `FeedReaders`, a small pool of threads of their own, never on the threads that
answer people: saving an address answers at once, and its reading is told to the member when it ends.
A feed that cannot be read is reported to its member once per distinct problem (an outbox message),
not on every run, and never stops the other members' feeds. What happened is returned as values
(`Saved`, `SyncResult`, `FeedStatus`): `handlers.briefings.calendar` words them.
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
from enum import StrEnum

from models.briefings.calendar import FeedError, fetch_feed, normalize_feed_url, redact_url
from models.briefings.ical import CalendarEvent, LeftOut, parse_events
from models.briefings.repository import BriefingRepository, BriefingSweepRepository
from models.briefings.service import FEED_ERROR, drop_stale_briefings
from models.core.limits import CONTACT_NAME, EMAIL, MEETING_KEY_LENGTH, MEETING_TITLE_LENGTH
from models.core.names import fold, match_name
from models.core.values import Actor
from models.db.orm import Contact, Meeting, Member
from models.db.uow import UnitOfWork

logger = logging.getLogger(__name__)

#: How far ahead a calendar is read.
WINDOW = timedelta(days=14)
#: Feeds one process reads at once; the others wait their turn (each fetch has its own deadline).
READER_THREADS = 4
#: Column sizes a feed's values are fitted to, the constants the columns are sized from (models/core/limits.py).
_TITLE_LENGTH, _KEY_LENGTH = MEETING_TITLE_LENGTH, MEETING_KEY_LENGTH
_NAME_LENGTH, _EMAIL_LENGTH = min(CONTACT_NAME.limit, CONTACT_NAME.folded_limit or CONTACT_NAME.limit), EMAIL.limit
#: What a member types to stop Rapport reading their calendar (`/prep calendar off`, the Home tab's form).
SWITCH_OFF_WORDS = frozenset({"off", "stop", "remove", "none"})
Fetch = Callable[[str], bytes]


class Problem(StrEnum):
    """Why a reading of a calendar gave no meetings."""

    UNREADABLE = "unreadable"
    """No calendar could be had at its address or from its file: `FeedProblem.detail` says why."""
    REMOVED = "removed"
    """The member removed it before it could be read."""
    FAILED = "failed"
    """Something went wrong on Rapport's side; it is read again at the next reading."""


@dataclass(frozen=True)
class FeedProblem:
    kind: Problem
    detail: str = ""


class Shortened(StrEnum):
    """A value of a calendar longer than Rapport keeps, shortened or left out (the values are kept in outbox rows)."""

    MEETING_TITLE = "meeting title"
    ATTENDEE_ADDRESS = "attendee address"
    ATTENDEE_NAME = "attendee name"
    EVENT_IDENTIFIER = "event identifier"


@dataclass(frozen=True)
class SyncResult:
    """One reading of a feed. `address` is where it is read, as it can be shown (host only; None for a file
    or a feed not found); `left_out` and `shortened` (how many of each) are what the reading had to drop."""

    meetings: int = 0
    created: int = 0
    moved: int = 0
    cancelled: int = 0
    problem: FeedProblem | None = None
    address: str | None = None
    from_file: bool = False
    left_out: tuple[LeftOut, ...] = ()
    shortened: tuple[tuple[Shortened, int], ...] = ()


@dataclass(frozen=True)
class Saved:
    """A calendar kept, to be read (`feed_id`); `address` as it can be shown, None for an uploaded file."""

    feed_id: int
    address: str | None = None


@dataclass(frozen=True)
class NotAnAddress:
    """What the member gave cannot be a calendar address; `problem` says why. Nothing was kept."""

    problem: str


@dataclass(frozen=True)
class FeedStatus:
    """The member's calendar: its address as it can be shown (None: an uploaded file), the problem of its
    last reading, and when it was last read."""

    address: str | None
    last_error: str | None
    last_read_at: datetime | None


def switches_off(text: str) -> bool:
    """Whether the member asks Rapport to stop reading their calendar."""
    return text.strip().lower() in SWITCH_OFF_WORDS


def set_feed_url(uow: UnitOfWork, actor: Actor, url: str) -> Saved | NotAnAddress:
    """Keep the member's calendar address (a secret: never shown whole); reading it is `FeedReaders`' work."""
    try:
        address = normalize_feed_url(url)
    except FeedError as problem:
        return NotAnAddress(problem.message)
    return Saved(_keep_feed(uow, actor, url=address, ics=None), redact_url(address))


def set_feed_file(uow: UnitOfWork, actor: Actor, ics: str) -> Saved:
    """An uploaded .ics file, read once saved and again on each run (it does not change by itself)."""
    return Saved(_keep_feed(uow, actor, url=None, ics=ics))


def _keep_feed(uow: UnitOfWork, actor: Actor, url: str | None, ics: str | None) -> int:
    with uow:
        repo, member = uow.member(actor.team_id, actor.user_id, BriefingRepository)
        feed_id = repo.keep_feed(member, url, ics)
        uow.commit()
    return feed_id


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
            result = SyncResult(problem=FeedProblem(Problem.FAILED))
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
    """Stop reading the member's calendar; the meetings already read stay."""
    with uow:
        repo, member = uow.member(actor.team_id, actor.user_id, BriefingRepository)
        repo.remove_feed(member)
        uow.commit()


def feed_status(uow: UnitOfWork, actor: Actor) -> FeedStatus | None:
    """The member's calendar as it stands; None when they gave none."""
    with uow:
        repo, member = uow.member(actor.team_id, actor.user_id, BriefingRepository)
        feed = repo.calendar_feed(member)
        if feed is None:
            return None
        return FeedStatus(redact_url(feed.url) if feed.url else None, feed.last_error, feed.last_synced_at)


def sync_all_feeds(
    uow: Callable[[], UnitOfWork],
    readers: FeedReaders,
    clock: Callable[[], datetime],
    then: Callable[[SyncResult], None] | None = None,
) -> int:
    """Hand every feed to the readers, each on its own (one slow or failing feed never holds up another);
    how many were handed over."""
    with uow() as reading:
        feed_ids = BriefingSweepRepository.of(reading).feed_ids()
    for feed_id in feed_ids:
        readers.read(uow, feed_id, clock, then=then)
    return len(feed_ids)


def sync_feed(
    uow: UnitOfWork, feed_id: int, now: datetime, fetch: Fetch = fetch_feed, report_problems: bool = True
) -> SyncResult:
    """Read one feed now, on this thread, and bring its meetings up to date (`FeedReaders` calls it)."""
    with uow:
        found = BriefingRepository.of_feed(uow, feed_id)
        if found is None:
            return SyncResult(problem=FeedProblem(Problem.REMOVED))
        repo, feed, member = found
        url, ics_text = feed.url, feed.ics_text
        member_email = (member.email or "").lower()
        domains = frozenset({member_email.split("@", 1)[1]}) if "@" in member_email else frozenset()
        colleagues = repo.member_emails() | {member_email}
    source = SyncResult(address=redact_url(url) if url else None, from_file=not url)
    try:
        data: bytes | str = fetch(url) if url else (ics_text or "")
        reading = parse_events(
            data, now - timedelta(hours=1), now + WINDOW, member_emails=colleagues, colleague_domains=domains
        )
    except FeedError as problem:
        _record_problem(uow, feed_id, problem.message, now, report_problems)
        return replace(source, problem=FeedProblem(Problem.UNREADABLE, problem.message))

    def is_colleague(email: str | None) -> bool:
        return email is not None and (email in colleagues or _in_domains(email, domains))

    shortened: Counter[Shortened] = Counter()
    applied = _apply(uow, feed_id, reading.events, now, is_colleague, shortened)
    result = replace(
        applied,
        address=source.address,
        from_file=source.from_file,
        left_out=reading.left_out,
        shortened=tuple(sorted(shortened.items())),
    )
    if result.left_out or result.shortened:
        _record_notes(uow, feed_id, result, now, report_problems)
    return result


def _record_problem(uow: UnitOfWork, feed_id: int, problem: str, now: datetime, report: bool) -> None:
    with uow:
        found = BriefingRepository.of_feed(uow, feed_id)
        if found is None:
            return
        repo, feed, member = found
        new_problem = feed.last_error != problem or feed.error_reported_at is None
        feed.last_error = problem[:500]
        if report and new_problem:
            key = f"feed:{feed.id}:{hashlib.sha1(problem.encode()).hexdigest()[:12]}"
            where = redact_url(feed.url) if feed.url else None
            repo.outbox.insert_once(member, FEED_ERROR, key, {"problem": problem, "where": where}, now)
            feed.error_reported_at = now
        uow.commit()
    logger.info("calendar feed %s could not be read: %s", feed_id, problem)


def _record_notes(uow: UnitOfWork, feed_id: int, result: SyncResult, now: datetime, report: bool) -> None:
    """Tell the member once about what their calendar had left out or shortened (again only if that changes)."""
    logger.info(
        "calendar feed %s read with %s left out, %s shortened", feed_id, len(result.left_out), len(result.shortened)
    )
    if not report:
        return  # the member who asked for this reading is told by its result
    signature = (
        "|".join(sorted(item.title for item in result.left_out)) + "|" + ",".join(what for what, _ in result.shortened)
    )
    with uow:
        found = BriefingRepository.of_feed(uow, feed_id)
        if found is None:
            return
        repo, feed, member = found
        key = f"feed:{feed.id}:note:{hashlib.sha1(signature.encode()).hexdigest()[:12]}"
        payload = {
            "left_out": [[item.title, item.occurrences] for item in result.left_out],
            "shortened": [[what.value, count] for what, count in result.shortened],
            "where": redact_url(feed.url) if feed.url else None,
        }
        repo.outbox.insert_once(member, FEED_ERROR, key, payload, now)
        uow.commit()


def _in_domains(email: str, domains: frozenset[str]) -> bool:
    domain = email.rsplit("@", 1)[-1]
    return any(domain == d or domain.endswith("." + d) for d in domains)


def _apply(
    uow: UnitOfWork,
    feed_id: int,
    events: list[CalendarEvent],
    now: datetime,
    is_colleague: Callable[[str | None], bool],
    shortened: Counter[Shortened],
) -> SyncResult:
    created = moved = 0
    with uow:
        found = BriefingRepository.of_feed(uow, feed_id)
        assert found is not None
        repo, feed, member = found
        seen: set[str] = set()
        for event in events:
            source_key = _fit_key(f"ical:{feed.id}:{event.key}", shortened)
            title = _fit(event.title, _TITLE_LENGTH, Shortened.MEETING_TITLE, shortened)
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
                    repo.reschedule(meeting, event.starts_at, event.ends_at, now)
                    drop_stale_briefings(repo, meeting)
                meeting.title = title
                meeting.ends_at = event.ends_at
            repo.add_attendees(meeting, _attendees(repo, member, event, is_colleague, shortened))
        cancelled = repo.cancel_gone(feed, now, seen)
        for meeting in cancelled:
            drop_stale_briefings(repo, meeting)
        feed.last_synced_at, feed.last_error, feed.error_reported_at = now, None, None
        uow.commit()
    return SyncResult(meetings=len(events), created=created, moved=moved, cancelled=len(cancelled))


def _attendees(
    repo: BriefingRepository,
    member: Member,
    event: CalendarEvent,
    is_colleague: Callable[[str | None], bool],
    shortened: Counter[Shortened],
) -> list[Contact]:
    """The meeting's contacts: everyone from outside the company (colleagues are not contacts)."""
    contacts = []
    for attendee in event.attendees:
        if is_colleague(attendee.email):
            continue
        email = attendee.email
        if email is not None and len(email) > _EMAIL_LENGTH:
            email = None  # a cut address would be someone else's: left out
            shortened[Shortened.ATTENDEE_ADDRESS] += 1
        name = _fit_name(attendee.name, shortened) if attendee.name else None
        contact = _contact_for(repo, member, email, name, shortened)
        if contact is not None:
            contacts.append(contact)
    return contacts


def _contact_for(
    repo: BriefingRepository, member: Member, email: str | None, name: str | None, shortened: Counter[Shortened]
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


def _fit(text: str, length: int, what: Shortened, shortened: Counter[Shortened]) -> str:
    """`text` cut to its column's `length`, counted in `shortened` when it was."""
    if len(text) <= length:
        return text
    shortened[what] += 1
    return text[: length - 1] + "…"


def _fit_name(name: str, shortened: Counter[Shortened]) -> str:
    """A contact's name that fits its column, and whose folded form (the lookup key, which can be longer:
    "ﬃ" folds to "ffi") fits too."""
    whole = " ".join(name.split())
    fitted = whole[:_NAME_LENGTH]
    while len(fold(fitted)) > _NAME_LENGTH:
        fitted = fitted[: len(fitted) - (len(fold(fitted)) - _NAME_LENGTH)]
    if fitted != whole:
        shortened[Shortened.ATTENDEE_NAME] += 1
    return fitted


def _fit_key(key: str, shortened: Counter[Shortened]) -> str:
    """A meeting's source key that fits its column: a long one keeps its start and a digest of the whole,
    so that it stays the same from one reading to the next and tells two events apart."""
    if len(key) <= _KEY_LENGTH:
        return key
    shortened[Shortened.EVENT_IDENTIFIER] += 1
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: _KEY_LENGTH - len(digest) - 1]}#{digest}"
