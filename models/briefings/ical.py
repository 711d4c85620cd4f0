"""Reading iCalendar text into meetings with outsiders: occurrences worked out within a CPU allowance.

Pure text in, values out: fetching a member's calendar is `models.briefings.calendar`'s work.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from types import FrameType
from typing import Any

import icalendar
import recurring_ical_events  # type: ignore[import-untyped]  # ships no py.typed marker
from icalendar.cal.component import Component

from models.briefings.calendar import CALENDAR_START, FeedError

#: Occurrences of one event read in a window: a meeting several times a day, every day for two weeks, fits.
MAX_OCCURRENCES_PER_EVENT = 200
#: Occurrences of a whole calendar read in a window: about 70 a day over two weeks, five times a busy diary.
MAX_OCCURRENCES_PER_CALENDAR = 1000
#: CPU time one event's repetitions may take to work out (a weekly meeting since 2010 takes milliseconds,
#: a daily one since 1970 a fifth of a second).
EVENT_SECONDS = 0.4
#: CPU time all of a calendar's repetitions may take to work out (hundreds of long-running weekly
#: meetings take about two seconds).
CALENDAR_SECONDS = 5.0
#: CPU time a calendar may lose on events too costly to read; past it the calendar is hostile, and its
#: events not yet read are left out, so that a calendar of such events costs about a second.
WASTED_SECONDS = 0.6
#: The first slice of time a repeating event is worked out for; slices grow while they find little.
_FIRST_SLICE = timedelta(minutes=5)
_TIMING_PROPERTIES = frozenset({"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "STATUS"})
_TIME_ZONE_PARTS = frozenset({"VTIMEZONE", "STANDARD", "DAYLIGHT"})
# Rooms and equipment are invited like people but are never someone to meet.
_NOT_PEOPLE = frozenset({"RESOURCE", "ROOM"})
# Google invites calendars by address (a team's group calendar, a room's resource calendar): not people.
_CALENDAR_ADDRESS_SUFFIX = "calendar.google.com"


@dataclass(frozen=True)
class Attendee:
    """Someone at a meeting, as the calendar names them: an address, a display name, or both."""

    email: str | None
    name: str | None


@dataclass(frozen=True)
class CalendarEvent:
    """One occurrence of a calendar event, in UTC.

    `key` is `uid|original start in UTC` for an occurrence of a repeating event, and stays the same when
    that occurrence is moved; a one-off event's key is `uid|`, so a rescheduled one-off meeting keeps it too.
    """

    key: str
    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    attendees: tuple[Attendee, ...]
    location: str | None
    description: str | None


@dataclass(frozen=True)
class LeftOut:
    """An event whose occurrences in the window were not all read, because reading a calendar is bounded.

    `occurrences` is about how many were left out, or None when that cannot be told cheaply (an event
    that repeats too often to work out, or one not reached once the calendar's allowance ran out).
    """

    title: str
    occurrences: int | None


@dataclass(frozen=True)
class Reading:
    """What was read of a calendar in a window: its meetings, and what was left out to keep reading it cheap."""

    events: list[CalendarEvent]
    left_out: tuple[LeftOut, ...] = ()


def parse_events(
    ics: bytes | str,
    window_start: datetime,
    window_end: datetime,
    member_emails: frozenset[str] = frozenset(),
    colleague_domains: frozenset[str] = frozenset(),
    *,
    floating_timezone: tzinfo = UTC,
) -> Reading:
    """The member's meetings with someone outside the company that overlap [window_start, window_end).

    `member_emails` are the member's own addresses (any teammate's address given here is treated the
    same way: left out of the attendees). Skipped on top of what `read_occurrences` skips: events with no
    one but the member ("busy" blocks, focus time) and events whose other attendees all have an address
    in `colleague_domains` (or a subdomain of one). Raises FeedError if the calendar cannot be read.
    """
    domains = frozenset(domain.lower().lstrip("@") for domain in colleague_domains)
    reading = read_occurrences(ics, window_start, window_end, member_emails, floating_timezone=floating_timezone)
    meetings = [
        event for event in reading.events if any(not _is_colleague(attendee, domains) for attendee in event.attendees)
    ]
    return Reading(events=meetings, left_out=reading.left_out)


def read_occurrences(
    ics: bytes | str,
    window_start: datetime,
    window_end: datetime,
    member_emails: frozenset[str] = frozenset(),
    *,
    floating_timezone: tzinfo = UTC,
) -> Reading:
    """Every timed occurrence overlapping [window_start, window_end), sorted by start, whoever attends.

    Repeating events are expanded (RRULE, RDATE, EXDATE, moved occurrences); Google's X-WR-TIMEZONE and
    every VTIMEZONE/TZID are honoured. Skipped: cancelled events and occurrences, all-day events, and
    meetings the member declined. Times with no time zone at all ("floating") are read in
    `floating_timezone`. Raises FeedError if the text is not iCalendar or is broken.

    Reading is bounded whatever the calendar holds: at most MAX_OCCURRENCES_PER_EVENT occurrences of an
    event and MAX_OCCURRENCES_PER_CALENDAR in all, worked out in at most EVENT_SECONDS of CPU per event,
    CALENDAR_SECONDS in all and WASTED_SECONDS on events cut short; what is beyond is left out and
    listed in `left_out`.
    """
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("The window must be given in aware datetimes.")
    own_addresses = frozenset(address.strip().lower() for address in member_emails)
    calendars = _read_calendars(ics)
    allowance = _Allowance()
    found: dict[str, CalendarEvent] = {}
    for calendar in calendars:
        repeating_uids = {
            str(component.get("UID", ""))
            for component in calendar.walk("VEVENT")
            if any(name in component for name in ("RRULE", "RDATE", "RECURRENCE-ID"))
        }
        for occurrence in _occurrences(calendar, window_start, window_end, allowance, floating_timezone):
            event = _to_event(occurrence, own_addresses, repeating_uids, floating_timezone)
            if event is not None and event.starts_at < window_end and _ends_after(event, window_start):
                found.setdefault(event.key, event)
    events = sorted(found.values(), key=lambda event: (event.starts_at, event.key))
    return Reading(events=events, left_out=tuple(allowance.left_out))


def _read_calendars(ics: bytes | str) -> list[icalendar.Calendar]:
    text = ics if isinstance(ics, str) else _decode(ics)
    text = text.removeprefix("\ufeff").lstrip()
    if not text[: len(CALENDAR_START)].upper().startswith(CALENDAR_START):
        raise FeedError("That is not an iCalendar file (it does not start with BEGIN:VCALENDAR).")
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    # A third-party parser fed untrusted text: whatever it raises means the file is broken.
    except Exception as error:  # noqa: BLE001
        raise FeedError(f"That iCalendar file is broken and cannot be read ({_first_line(error)}).") from None
    if not calendars:
        raise FeedError("That iCalendar file is incomplete (it never reaches END:VCALENDAR): was it cut short?")
    for calendar in calendars:
        for component in calendar.walk():
            _check_timing_is_readable(component)
        # An event with no start cannot be placed in time (RFC 5545 allows it in some exchanges): leave it out.
        calendar.subcomponents = [
            component for component in calendar.subcomponents if component.name != "VEVENT" or "DTSTART" in component
        ]
    return calendars


def _check_timing_is_readable(component: Component) -> None:
    """FeedError if a line the parser gave up on decides when something happens.

    Other unreadable lines (an Apple X-APPLE-… extension split in the wrong place, a malformed SUMMARY)
    cost only that line: the event is still a meeting at a known time.
    """
    for property_name, problem in component.errors:
        if (
            component.name in _TIME_ZONE_PARTS
            or property_name in _TIMING_PROPERTIES
            # A line too broken to be named; if the start is missing afterwards, it was the start.
            or (property_name is None and component.name == "VEVENT" and "DTSTART" not in component)
        ):
            raise FeedError(
                f"That iCalendar file has {_describe(component)} that cannot be read ({_first_line(problem)})."
            )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # iCalendar is UTF-8, but older Outlook versions export in the Windows code page.
        return data.decode("cp1252", errors="replace")


def _occurrences(
    calendar: icalendar.Calendar,
    window_start: datetime,
    window_end: datetime,
    allowance: _Allowance,
    floating_timezone: tzinfo,
) -> list[Component]:
    """The calendar's occurrences in the window, event by event, each within the allowance's bounds."""
    titles = {str(c.get("UID", "")): _text(c, "SUMMARY") or "(no title)" for c in calendar.walk("VEVENT")}
    sliced = {str(c.get("UID", "")) for c in calendar.walk("VEVENT") if "RRULE" in c or "RDATE" in c}
    repeating = {str(c.get("UID", "")) for c in calendar.walk("VEVENT") if "RECURRENCE-ID" in c} | sliced
    # Most of a long-kept calendar is its past: events that do not repeat and lie far from the window are
    # dropped before anything is worked out (the margin covers any time zone a floating time is read in).
    margin = timedelta(days=1)
    calendar.subcomponents = [
        component
        for component in calendar.subcomponents
        if component.name != "VEVENT"
        or str(component.get("UID", "")) in repeating
        or _may_overlap(component, window_start - margin, window_end + margin)
    ]
    components: list[Component] = []
    try:
        # x_wr_timezone's conversion happens inside `of`.
        for series in recurring_ical_events.of(calendar).series:
            title = titles.get(str(series.uid), "(no title)")
            limit = min(MAX_OCCURRENCES_PER_EVENT, allowance.occurrences)
            if limit <= 0 or allowance.seconds <= 0 or allowance.wasted >= WASTED_SECONDS:
                allowance.leave_out(title, None)
                continue
            taken: list[Any] = []
            try:
                with allowance.spending(EVENT_SECONDS):
                    for occurrence in _earliest_first(
                        series, window_start, window_end, series.uid in sliced, floating_timezone
                    ):
                        if len(taken) == limit:
                            allowance.leave_out(title, _rest(taken, window_end, floating_timezone))
                            break
                        taken.append(occurrence)
                    components += [occurrence.as_component(False) for occurrence in taken]
            except _TooCostly:
                allowance.leave_out(title, None)
            allowance.occurrences -= len(taken)
    # A third-party parser fed untrusted text: whatever it raises means the file is broken.
    except Exception as error:  # noqa: BLE001
        raise FeedError(f"That iCalendar file is broken and cannot be read ({_first_line(error)}).") from None
    return components


def _may_overlap(component: Component, window_start: datetime, window_end: datetime) -> bool:
    """Whether an event that does not repeat may overlap the window, its times read as UTC when floating."""
    first = _moment(_value(component, "DTSTART"), UTC)
    if first is None:
        return True  # left for the expansion to judge, and to refuse if it is broken
    duration = _value(component, "DURATION")
    last = _moment(_value(component, "DTEND"), UTC) or (first + duration if isinstance(duration, timedelta) else first)
    return first <= window_end and last >= window_start


def _earliest_first(
    series: Any, window_start: datetime, window_end: datetime, sliced: bool, floating_timezone: tzinfo
) -> Iterator[Any]:
    """A series' occurrences overlapping the window, earliest first, worked out one slice of time at a time.

    dateutil works out every repetition up to the end of the span it is asked about: asked for two
    weeks of a FREQ=SECONDLY event it would build 1.2 million before the first could be used. A
    repeating event is asked about five minutes from its first start in the window, then about slices
    32 times longer while they find few; an event that does not repeat is asked about the whole window.
    """
    seen: set[Any] = set()

    def new(span_start: datetime, span_end: datetime) -> list[Any]:
        found = sorted(series.between(span_start, span_end))
        fresh = [occurrence for occurrence in found if occurrence.id not in seen]
        seen.update(occurrence.id for occurrence in fresh)
        return fresh

    start, length = window_start, window_end - window_start
    first = _first_start(series, floating_timezone)
    if sliced:
        length = _FIRST_SLICE
        if window_start < first < window_end:
            yield from new(window_start, first)  # only moved occurrences can come before the rule's start
            start = first
    while start < window_end:
        end = min(start + length, window_end)
        found = new(start, end)
        yield from found
        if len(found) < MAX_OCCURRENCES_PER_EVENT // 32:
            length *= 32
        start = end


def _first_start(series: Any, floating_timezone: tzinfo) -> datetime:
    """The earliest start written in the series (its rule's start, or a moved occurrence's), in UTC."""
    moments = [_moment(adapter.start, floating_timezone) for adapter in series.components]
    return min((moment for moment in moments if moment is not None), default=datetime.min.replace(tzinfo=UTC))


def _moment(value: object, floating_timezone: tzinfo) -> datetime | None:
    """A DTSTART-like value in UTC (a date at its midnight, a floating time in `floating_timezone`), or None."""
    if not isinstance(value, date):
        return None
    moment = value if isinstance(value, datetime) else datetime.combine(value, datetime.min.time())
    try:
        return _in_utc(moment, floating_timezone)
    except (OverflowError, ValueError):
        return None


def _rest(taken: list[Any], window_end: datetime, floating_timezone: tzinfo) -> int:
    """About how many occurrences follow the ones taken (the earliest), at the pace they came."""
    first, last = taken[0].start, taken[-1].start
    if not isinstance(first, datetime) or not isinstance(last, datetime):
        return 1
    first_utc, last_utc = _in_utc(first, floating_timezone), _in_utc(last, floating_timezone)
    pace = (len(taken) - 1) / max((last_utc - first_utc).total_seconds(), 1.0)
    return max(round(pace * (window_end - last_utc).total_seconds()), 1)


class _TooCostly(BaseException):
    """Working an event's repetitions out took longer than its share of the calendar's allowance.

    A BaseException, like KeyboardInterrupt, so that no `except Exception` inside the libraries swallows it.
    """


@dataclass
class _Allowance:
    """What reading one calendar may still take: occurrences, and CPU time to work repetitions out.

    CPU time is checked by a profile hook, because no count can stop dateutil: on a rule that never
    matches ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30") it loops up to the year 9999 without yielding (3.5 s),
    and it works a rule out from its first occurrence however long ago that was. The time is this
    thread's own, so other threads' work is not charged to the calendar.
    """

    occurrences: int = MAX_OCCURRENCES_PER_CALENDAR
    seconds: float = CALENDAR_SECONDS
    wasted: float = 0.0
    left_out: list[LeftOut] = field(default_factory=list)

    def leave_out(self, title: str, occurrences: int | None) -> None:
        self.left_out.append(LeftOut(title=title, occurrences=occurrences))

    @contextmanager
    def spending(self, at_most: float) -> Iterator[None]:
        """Run the block on at most `at_most` seconds of CPU (and no more than what is left); _TooCostly past it,
        and the time it took counts as wasted."""
        began = time.thread_time()
        deadline = began + min(at_most, self.seconds)
        previous = sys.getprofile()
        calls, finished = 0, False

        def check(frame: FrameType, event: str, arg: object) -> None:
            nonlocal calls
            calls += 1
            if calls % 256 == 0 and not finished and time.thread_time() > deadline:
                raise _TooCostly

        sys.setprofile(check)
        try:
            yield
        except _TooCostly:
            finished = True
            self.wasted += time.thread_time() - began
            raise
        finally:
            finished = True
            sys.setprofile(previous)
            self.seconds -= time.thread_time() - began


def _to_event(
    occurrence: Component, own_addresses: frozenset[str], repeating_uids: set[str], floating_timezone: tzinfo
) -> CalendarEvent | None:
    if str(occurrence.get("STATUS", "")).upper() == "CANCELLED":
        return None
    start = _value(occurrence, "DTSTART")
    if not isinstance(start, datetime):
        return None  # an all-day event: a day off or an offsite, not a meeting
    end = _value(occurrence, "DTEND")
    if not isinstance(end, datetime):
        duration = _value(occurrence, "DURATION")
        end = start + duration if duration is not None else start
    people = list(_people(occurrence))
    if any(email in own_addresses and declined for email, _, declined in people):
        return None
    starts_at = _in_utc(start, floating_timezone)
    uid = str(occurrence.get("UID", "")).strip() or _stand_in_uid(occurrence, starts_at)
    return CalendarEvent(
        key=f"{uid}|{_original_start(occurrence, floating_timezone) if uid in repeating_uids else ''}",
        uid=uid,
        title=_text(occurrence, "SUMMARY") or "(no title)",
        starts_at=starts_at,
        ends_at=max(_in_utc(end, floating_timezone), starts_at),
        attendees=_attendees(people, own_addresses),
        location=_text(occurrence, "LOCATION"),
        description=_text(occurrence, "DESCRIPTION"),
    )


def _stand_in_uid(occurrence: Component, starts_at: datetime) -> str:
    """A UID for an event written without one, stable from run to run while it is not edited."""
    seed = f"{_text(occurrence, 'SUMMARY')}|{starts_at.isoformat()}"
    return f"no-uid-{hashlib.sha256(seed.encode()).hexdigest()[:20]}"


def _people(occurrence: Component) -> Iterator[tuple[str | None, str | None, bool]]:
    """(email, name, declined) for the organizer then each attendee, leaving out rooms and calendars."""
    for property_name in ("ORGANIZER", "ATTENDEE"):
        values = occurrence.get(property_name)
        for value in values if isinstance(values, list) else [values] if values is not None else []:
            params = getattr(value, "params", {})
            if str(params.get("CUTYPE", "")).upper() in _NOT_PEOPLE:
                continue
            email = _email(str(value))
            if email is not None and email.endswith(_CALENDAR_ADDRESS_SUFFIX):
                continue
            name = str(params.get("CN", "")).strip().strip('"').strip() or None
            declined = property_name == "ATTENDEE" and str(params.get("PARTSTAT", "")).upper() == "DECLINED"
            if email is not None or name is not None:
                yield email, name, declined


def _attendees(
    people: Iterable[tuple[str | None, str | None, bool]], own_addresses: frozenset[str]
) -> tuple[Attendee, ...]:
    """Everyone but the member, once each (Google lists the organizer among the attendees too)."""
    by_key: dict[str, Attendee] = {}
    for email, name, _ in people:
        if email is not None and email in own_addresses:
            continue
        key = email or f"name:{name}"
        known = by_key.get(key)
        if known is None or (known.name is None and name is not None):
            by_key[key] = Attendee(email=email, name=name)
    return tuple(by_key.values())


def _is_colleague(attendee: Attendee, colleague_domains: frozenset[str]) -> bool:
    if attendee.email is None:
        return False  # someone named without an address: Rapport cannot tell, so they count as an outsider
    domain = attendee.email.rpartition("@")[2]
    return any(domain == known or domain.endswith(f".{known}") for known in colleague_domains)


def _email(calendar_address: str) -> str | None:
    """The lowercased address in "mailto:Ada@Globex.example", or None (Exchange writes "invalid:nomail")."""
    address = calendar_address.strip()
    if address[:7].lower() == "mailto:":
        address = address[7:].strip()
    return address.lower() if "@" in address and ":" not in address else None


def _original_start(occurrence: Component, floating_timezone: tzinfo) -> str:
    original = _value(occurrence, "RECURRENCE-ID") or _value(occurrence, "DTSTART")
    if isinstance(original, datetime):
        return _in_utc(original, floating_timezone).isoformat()
    return original.isoformat() if isinstance(original, date) else ""


def _ends_after(event: CalendarEvent, moment: datetime) -> bool:
    # A zero-length event (a reminder-like meeting) at the window's start still lies inside the window.
    return event.ends_at > moment or event.starts_at >= moment


def _in_utc(moment: datetime, floating_timezone: tzinfo) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=floating_timezone)
    return moment.astimezone(UTC)


def _value(component: Component, name: str) -> Any:
    """The Python value of a date, time or duration property (icalendar wraps it in `.dt`), or None."""
    prop = component.get(name)
    if isinstance(prop, list):
        prop = prop[0] if prop else None
    return getattr(prop, "dt", None)


def _text(component: Component, name: str) -> str | None:
    value = component.get(name)
    text = str(value).strip() if value is not None else ""
    return text or None


def _describe(component: Component) -> str:
    summary = _text(component, "SUMMARY")
    kind = "an event" if component.name == "VEVENT" else f"a {component.name or 'component'}"
    return f"{kind} (“{summary}”)" if summary else kind


def _first_line(problem: object) -> str:
    """A parser's own explanation, when it gives one (`ValueError`s); a programming error says nothing useful."""
    if isinstance(problem, str | ValueError):
        lines = str(problem).strip().splitlines()
        if lines:
            return lines[0][:200]
    return "the parser stopped"
