"""Reading members' calendar feeds: fetching an iCalendar address and turning it into meetings with outsiders."""

from __future__ import annotations

import hashlib
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from http import HTTPStatus
from http.client import HTTPException, HTTPResponse
from typing import Any
from urllib.parse import urlsplit

import icalendar
import recurring_ical_events  # type: ignore[import-untyped]  # ships no py.typed marker
import x_wr_timezone  # type: ignore[import-untyped]  # ships no py.typed marker
from icalendar.cal.component import Component

from models.errors import RapportError

_CALENDAR_START = "BEGIN:VCALENDAR"
_CHUNK = 64 * 1024
_TIMING_PROPERTIES = frozenset({"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "STATUS"})
_TIME_ZONE_PARTS = frozenset({"VTIMEZONE", "STANDARD", "DAYLIGHT"})
# Rooms and equipment are invited like people but are never someone to meet.
_NOT_PEOPLE = frozenset({"RESOURCE", "ROOM"})
# Google invites calendars by address (a team's group calendar, a room's resource calendar): not people.
_CALENDAR_ADDRESS_SUFFIX = "calendar.google.com"


class FeedError(RapportError):
    """A calendar feed could not be read; `message` is for its member and shows at most the address's host."""


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


# --- Parsing ---------------------------------------------------------------------------------------


def parse_events(
    ics: bytes | str,
    window_start: datetime,
    window_end: datetime,
    member_emails: frozenset[str] = frozenset(),
    colleague_domains: frozenset[str] = frozenset(),
    *,
    floating_timezone: tzinfo = UTC,
) -> list[CalendarEvent]:
    """The member's meetings with someone outside the company that overlap [window_start, window_end).

    `member_emails` are the member's own addresses (any teammate's address given here is treated the
    same way: left out of the attendees). Skipped on top of what `read_occurrences` skips: events with no
    one but the member ("busy" blocks, focus time) and events whose other attendees all have an address
    in `colleague_domains` (or a subdomain of one). Raises FeedError if the calendar cannot be read.
    """
    domains = frozenset(domain.lower().lstrip("@") for domain in colleague_domains)
    return [
        event
        for event in read_occurrences(ics, window_start, window_end, member_emails, floating_timezone=floating_timezone)
        if any(not _is_colleague(attendee, domains) for attendee in event.attendees)
    ]


def read_occurrences(
    ics: bytes | str,
    window_start: datetime,
    window_end: datetime,
    member_emails: frozenset[str] = frozenset(),
    *,
    floating_timezone: tzinfo = UTC,
) -> list[CalendarEvent]:
    """Every timed occurrence overlapping [window_start, window_end), sorted by start, whoever attends.

    Repeating events are expanded (RRULE, RDATE, EXDATE, moved occurrences); Google's X-WR-TIMEZONE and
    every VTIMEZONE/TZID are honoured. Skipped: cancelled events and occurrences, all-day events, and
    meetings the member declined. Times with no time zone at all ("floating") are read in
    `floating_timezone`. Raises FeedError if the text is not iCalendar or is broken.
    """
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("The window must be given in aware datetimes.")
    own_addresses = frozenset(address.strip().lower() for address in member_emails)
    calendars = _read_calendars(ics)
    found: dict[str, CalendarEvent] = {}
    for calendar in calendars:
        repeating_uids = {
            str(component.get("UID", ""))
            for component in calendar.walk("VEVENT")
            if any(name in component for name in ("RRULE", "RDATE", "RECURRENCE-ID"))
        }
        for occurrence in _occurrences(calendar, window_start, window_end):
            event = _to_event(occurrence, own_addresses, repeating_uids, floating_timezone)
            if event is not None and event.starts_at < window_end and _ends_after(event, window_start):
                found.setdefault(event.key, event)
    return sorted(found.values(), key=lambda event: (event.starts_at, event.key))


def _read_calendars(ics: bytes | str) -> list[icalendar.Calendar]:
    text = ics if isinstance(ics, str) else _decode(ics)
    text = text.removeprefix("\ufeff").lstrip()
    if not text[: len(_CALENDAR_START)].upper().startswith(_CALENDAR_START):
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


def _occurrences(calendar: icalendar.Calendar, window_start: datetime, window_end: datetime) -> list[Component]:
    try:
        standard = x_wr_timezone.to_standard(calendar)
        occurrences: list[Component] = recurring_ical_events.of(standard).between(window_start, window_end)
    # A third-party parser fed untrusted text: whatever it raises means the file is broken.
    except Exception as error:  # noqa: BLE001
        raise FeedError(f"That iCalendar file is broken and cannot be read ({_first_line(error)}).") from None
    return occurrences


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


# --- Fetching --------------------------------------------------------------------------------------


def normalize_feed_url(url: str) -> str:
    """The address to fetch: http(s) as given, webcal:// read as https://; FeedError if it cannot be one."""
    address = url.strip()
    try:
        parts = urlsplit(address)
        host = parts.hostname
    except ValueError:
        raise FeedError("That is not a calendar address: it should start with https:// or webcal://.") from None
    scheme = parts.scheme.lower()
    if scheme in {"webcal", "webcals"}:
        address = "https" + address[len(parts.scheme) :]
    elif scheme not in {"http", "https"}:
        raise FeedError("That is not a calendar address: it should start with https:// or webcal://.")
    if not host:
        raise FeedError("That calendar address has no host name.")
    return address


def redact_url(url: str) -> str:
    """The address as it can be shown, even to its member: scheme and host only ("https://calendar.google.com/…")."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        host = None
    if not host or not parts.scheme:
        return "(a calendar address)"
    return f"{parts.scheme.lower()}://{host}/…"


def fetch_feed(url: str, timeout: float = 15, max_bytes: int = 5_000_000) -> bytes:
    """The body of the calendar at `url`, or FeedError with a message that names only the host.

    `timeout` bounds the whole download, not only each wait on the network, so a server that trickles
    bytes cannot hold a scheduled job.
    """
    address = normalize_feed_url(url)
    host = urlsplit(address).hostname or ""
    request = urllib.request.Request(
        address, headers={"User-Agent": "Rapport calendar reader", "Accept": "text/calendar, */*;q=0.5"}
    )
    opener = urllib.request.build_opener(_WebOnlyRedirects)
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            body = _read_body(response, host, max_bytes, deadline, timeout)
            content_type = response.headers.get_content_type()
    except urllib.error.HTTPError as error:
        error.close()
        if 300 <= error.code < 400:  # urllib follows redirects itself: one left over is a loop or a forbidden scheme
            raise FeedError(_redirect_refused(host)) from None
        raise FeedError(f"The calendar address on {host} answered {_status(error.code)}.") from None
    except urllib.error.URLError as error:
        raise FeedError(_connection_problem(error.reason, host, timeout)) from None
    except (TimeoutError, HTTPException, OSError) as error:
        raise FeedError(_connection_problem(error, host, timeout)) from None
    if content_type != "text/calendar" and not _looks_like_icalendar(body):
        if content_type == "text/html":
            raise FeedError(
                f"The calendar address on {host} answered with a web page, not a calendar: is it the secret iCal address?"
            )
        raise FeedError(f"The calendar address on {host} answered with something that is not a calendar.")
    return body


def _looks_like_icalendar(body: bytes) -> bool:
    opening = body[:100].removeprefix("\ufeff".encode()).lstrip()
    return opening[: len(_CALENDAR_START)].upper() == _CALENDAR_START.encode()


def _read_body(response: HTTPResponse, host: str, max_bytes: int, deadline: float, timeout: float) -> bytes:
    if response.status != HTTPStatus.OK:
        raise FeedError(f"The calendar address on {host} answered {_status(response.status)}.")
    too_large = f"The calendar on {host} is larger than {_size(max_bytes)}, more than Rapport reads."
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FeedError(too_large)
    chunks: list[bytes] = []
    received = 0
    # read1 returns what has arrived instead of waiting for a full chunk, so the deadline is checked as bytes trickle in.
    while chunk := response.read1(_CHUNK):
        received += len(chunk)
        if received > max_bytes:
            raise FeedError(too_large)
        if time.monotonic() > deadline:
            raise FeedError(f"The calendar address on {host} did not finish answering within {timeout:g} seconds.")
        chunks.append(chunk)
    return b"".join(chunks)


class _WebOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http(s) only, never to ftp:// or another scheme urllib would accept."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urlsplit(newurl).scheme.lower() not in {"http", "https"}:
            raise FeedError(_redirect_refused(urlsplit(req.full_url).hostname or ""))
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _redirect_refused(host: str) -> str:
    return f"The calendar address on {host} redirects somewhere Rapport does not follow."


def _connection_problem(reason: object, host: str, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"The calendar address on {host} did not answer within {timeout:g} seconds."
    if isinstance(reason, socket.gaierror):
        return f"Rapport could not find {host}: is the calendar address right?"
    if isinstance(reason, ConnectionRefusedError):
        return f"{host} refused the connection to the calendar address."
    if isinstance(reason, ssl.SSLError):
        return f"Rapport could not make a secure connection to {host}."
    return f"The connection to {host} failed while reading the calendar."


def _status(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP status {code}"


def _size(count: int) -> str:
    return f"{count / 1_000_000:g} MB" if count >= 1_000_000 else f"{count:,} bytes"
