"""Unit tests for reading calendar feeds: real-world .ics files served from a local HTTP server."""

from __future__ import annotations

import importlib.resources
import logging
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from models.briefings import web
from models.briefings.calendar import UNREADABLE_ADDRESS, FeedError, fetch_feed, normalize_feed_url, redact_url
from models.briefings.ical import (
    MAX_OCCURRENCES_PER_CALENDAR,
    MAX_OCCURRENCES_PER_EVENT,
    Attendee,
    CalendarEvent,
    parse_events,
    read_occurrences,
)
from models.briefings.web import IPAddress
from models.core.errors import RapportError

# Calendars exported by Thunderbird, Google Calendar, SabreDAV and others, shipped inside the installed
# parsing libraries; plus one Outlook export written for the meeting rules (the shipped ones have no guests).
RECURRING_ICAL_EVENTS = importlib.resources.files("recurring_ical_events") / "test" / "calendars"
ICALENDAR = importlib.resources.files("icalendar") / "tests" / "calendars"
OUTLOOK = Path(__file__).resolve().parents[1] / "data" / "calendars" / "outlook_week_with_clients.ics"

# Shaped like a Google "secret address in iCal format": everything after the host is a secret.
SECRET = "private-3f9a1c7e5b2d8f6a0c4e"
SECRET_PATH = f"/calendar/ical/sam%40rapport-demo.com/{SECRET}/basic.ics"

SAM = frozenset({"sam@rapport-demo.com"})
COMPANY = frozenset({"rapport-demo.com"})
CHECK_IN_UID = (
    "040000008200E00074C5B7101A82E0080000000010B0C3D8A26EDA01000000000000000010000000F1E0C0A4E0D1B84C9B1F0A2C3D4E5F60"
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def shipped(name: str) -> bytes:
    for folder in (RECURRING_ICAL_EVENTS, ICALENDAR):
        if (folder / name).is_file():
            return (folder / name).read_bytes()
    raise FileNotFoundError(name)


# --- A calendar server on 127.0.0.1 ----------------------------------------------------------------


@dataclass
class Route:
    body: bytes
    status: int = 200
    content_type: str = "text/calendar; charset=utf-8"
    declare_length: bool = True
    delay: float = 0.0
    trickle: bool = False
    trickle_headers: bool = False
    headers: dict[str, str] = field(default_factory=dict)


class _CalendarHandler(BaseHTTPRequestHandler):
    server: _CalendarServer

    def do_GET(self) -> None:
        self.server.requests.append((self.path, self.headers.get("Host", "")))
        route = self.server.routes.get(self.path)
        if route is None:
            route = Route(b"Not Found", status=404, content_type="text/plain")
        time.sleep(route.delay)
        if route.trickle_headers:
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nX-Padding: " + b"x" * 100:
                self.wfile.write(bytes([byte]))  # one byte at a time: each wait is short, the whole is not
                self.wfile.flush()
                time.sleep(0.05)
            return
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if route.declare_length:
            self.send_header("Content-Length", str(len(route.body) * (100 if route.trickle else 1)))
        self.end_headers()
        if route.trickle:
            for _ in range(100):  # one byte at a time, never quite finishing
                self.wfile.write(route.body[:1])
                self.wfile.flush()
                time.sleep(0.05)
            return
        self.wfile.write(route.body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests read the answers, not the server's log."""


class _CalendarServer(ThreadingHTTPServer):
    daemon_threads = True
    routes: dict[str, Route]
    requests: list[tuple[str, str]]

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (the timeout tests) is expected, not an error worth printing."""


class FeedServer:
    def __init__(self, server: _CalendarServer) -> None:
        self._server = server

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(path, Host header) of each request received."""
        return self._server.requests

    def serve(self, body: bytes, path: str = SECRET_PATH, **options: Any) -> str:
        """Serve `body` at `path` (a secret-looking Google path by default) and give its full address."""
        self._server.routes[path] = Route(body, **options)
        return self.base + path

    def redirect(self, path: str, to: str, **options: Any) -> str:
        return self.serve(b"", path=path, status=302, headers={"Location": to}, **options)


@pytest.fixture
def feed_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    """A threaded HTTP server on 127.0.0.1 that serves the calendars each test gives it."""
    for variable in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    server = _CalendarServer(("127.0.0.1", 0), _CalendarHandler)
    server.routes, server.requests = {}, []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield FeedServer(server)
    server.shutdown()
    server.server_close()


def on_this_machine(address: IPAddress) -> bool:
    """The test servers' address: loopback is refused in production and allowed here on purpose, 127.0.0.1 only."""
    return address == IPv4Address("127.0.0.1")


def fetch_here(url: str, **options: Any) -> bytes:
    """`fetch_feed` allowed to reach the test servers on 127.0.0.1 (and nothing else)."""
    return fetch_feed(url, allow=on_this_machine, **options)


def fetch_shipped(feed_server: FeedServer, name: str) -> bytes:
    return fetch_here(feed_server.serve(shipped(name)))


def starts(events: list[CalendarEvent], uid: str | None = None) -> list[datetime]:
    return [event.starts_at for event in events if uid is None or event.uid == uid]


def assert_hides_the_secret(error: FeedError) -> None:
    assert SECRET not in error.message and SECRET not in str(error)
    assert "/calendar/ical" not in error.message
    # Nothing chained either, so a logged traceback cannot show the address.
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


# --- Recurrence, time zones and cancellations in real exports ---------------------------------------


def test_a_weekly_event_with_one_deleted_occurrence_skips_only_that_week(feed_server: FeedServer) -> None:
    """SabreDAV's weekly Monday 00:30 Berlin (8 times, EXDATE on 11 March) lacks only 11 March, even after DST."""
    events = read_occurrences(
        fetch_shipped(feed_server, "each_week_but_one_deleted.ics"), utc(2019, 3, 1), utc(2019, 5, 1)
    ).events
    assert starts(events) == [
        utc(2019, 3, 3, 23, 30),
        utc(2019, 3, 17, 23, 30),
        utc(2019, 3, 24, 23, 30),
        utc(2019, 3, 31, 22, 30),  # 00:30 summer time, one hour earlier in UTC
        utc(2019, 4, 7, 22, 30),
        utc(2019, 4, 14, 22, 30),
        utc(2019, 4, 21, 22, 30),
    ]
    assert {event.title for event in events} == {"test6"}
    assert {event.ends_at - event.starts_at for event in events} == {timedelta(minutes=30)}


def test_a_moved_occurrence_appears_at_its_new_time_and_keeps_its_key(feed_server: FeedServer) -> None:
    """Thunderbird's daily 02:00 Berlin event moved on the 8th to 01:00 and on the 9th to 03:00 keeps the keys of 02:00."""
    uid = "a0c78729-30b1-4ba3-a86e-6aedd995d788"
    events = [
        event
        for event in read_occurrences(
            fetch_shipped(feed_server, "recurring_events_moved.ics"), utc(2019, 3, 1), utc(2019, 3, 15)
        ).events
        if event.uid == uid
    ]
    assert [(event.key, event.starts_at) for event in events] == [
        (f"{uid}|2019-03-07T01:00:00+00:00", utc(2019, 3, 7, 1)),
        (f"{uid}|2019-03-08T01:00:00+00:00", utc(2019, 3, 8, 0)),  # moved an hour earlier
        (f"{uid}|2019-03-09T01:00:00+00:00", utc(2019, 3, 9, 2)),  # moved an hour later
        (f"{uid}|2019-03-10T01:00:00+00:00", utc(2019, 3, 10, 1)),
    ]


def test_an_edited_occurrence_carries_its_own_title_and_location(feed_server: FeedServer) -> None:
    """The edited occurrence of Thunderbird's "test7" series shows its new title and location, the others do not."""
    events = read_occurrences(
        fetch_shipped(feed_server, "recurring_events_moved.ics"), utc(2019, 3, 18), utc(2019, 3, 21)
    ).events
    assert [(event.title, event.location) for event in events] == [
        ("test7", None),
        ("test7 - edited", "location"),
        ("test7", None),
    ]
    assert events[1].key == "5d4c6843-9300-4f91-8d88-6094d4b0b840|2019-03-19T03:00:00+00:00"


def test_a_cancelled_occurrence_is_left_out(feed_server: FeedServer) -> None:
    """Of Thunderbird's three daily 22:00 Berlin evenings, the one marked STATUS:CANCELLED (29 January) is gone."""
    events = read_occurrences(
        fetch_shipped(feed_server, "issue_18_cancel_status.ics"), utc(2020, 1, 1), utc(2020, 3, 1)
    ).events
    assert starts(events) == [utc(2020, 1, 28, 21), utc(2020, 1, 30, 21)]


def test_a_chicago_event_keeps_its_local_time_when_daylight_saving_time_ends(feed_server: FeedServer) -> None:
    """Google's weekly Friday 10:15 in Chicago is 15:15 UTC before 1 November 2020 and 16:15 UTC after."""
    events = read_occurrences(
        fetch_shipped(feed_server, "issue_48_dst.ics"), utc(2020, 10, 28), utc(2020, 11, 8)
    ).events
    assert starts(events, uid="p1lc8@google.com") == [utc(2020, 10, 30, 15, 15), utc(2020, 11, 6, 16, 15)]


def test_a_berlin_event_keeps_its_local_time_when_summer_time_starts(feed_server: FeedServer) -> None:
    """Google's weekly Thursday 08:30–14:30 in Berlin moves an hour earlier in UTC after 31 March; 7 March is excluded."""
    events = read_occurrences(
        fetch_shipped(feed_server, "daylight_saving_time.ics"), utc(2019, 2, 25), utc(2019, 4, 5)
    ).events
    school = [event for event in events if event.uid == "7g6502aejkun96i5fenfu6hvc1@google.com"]
    assert [(event.starts_at, event.ends_at) for event in school] == [
        (utc(2019, 2, 28, 7, 30), utc(2019, 2, 28, 13, 30)),
        (utc(2019, 3, 14, 7, 30), utc(2019, 3, 14, 13, 30)),
        (utc(2019, 3, 21, 7, 30), utc(2019, 3, 21, 13, 30)),
        (utc(2019, 3, 28, 7, 30), utc(2019, 3, 28, 13, 30)),
        (utc(2019, 4, 4, 6, 30), utc(2019, 4, 4, 12, 30)),
    ]
    assert {event.title for event in school} == {"Montessori Schulklasse"}
    assert {event.location for event in school} == {"machBar"}


def test_a_time_zone_defined_in_the_file_under_its_own_name_is_used(feed_server: FeedServer) -> None:
    """An event in a VTIMEZONE named "custom_America/New_York" at 08:00–10:00 in August is 12:00–14:00 UTC."""
    events = read_occurrences(
        fetch_shipped(feed_server, "america_new_york.ics"), utc(2014, 8, 1), utc(2014, 9, 1)
    ).events
    assert [(event.key, event.starts_at, event.ends_at) for event in events] == [
        ("noend123|", utc(2014, 8, 29, 12), utc(2014, 8, 29, 14))
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # Google writes UTC and names the calendar's zone apart: noon to 1 PM in New York.
        ("x_wr_timezone_simple_events_issue_59.ics", [utc(2021, 12, 22, 17), utc(2021, 12, 23, 2)]),
        # Times without a zone in a calendar whose X-WR-TIMEZONE is Brussels: 21:00 there, not 21:00 UTC.
        ("issue_86_x_wr_timezone_without_time_zone_in_dt.ics", [utc(2021, 9, 16, 19)]),
    ],
)
def test_googles_calendar_time_zone_is_honoured(feed_server: FeedServer, name: str, expected: list[datetime]) -> None:
    """X-WR-TIMEZONE, Google's name for the calendar's time zone, decides what its times mean."""
    events = read_occurrences(fetch_shipped(feed_server, name), utc(2021, 9, 1), utc(2022, 1, 1)).events
    assert starts(events) == expected


def test_times_without_any_time_zone_are_read_in_the_given_one() -> None:
    """Without X-WR-TIMEZONE, a floating 21:00 is read in `floating_timezone` (Paris: 19:00 UTC in September)."""
    floating = shipped("issue_86_x_wr_timezone_without_time_zone_in_dt.ics").replace(
        b"X-WR-TIMEZONE:Europe/Brussels\n", b""
    )
    window = (utc(2021, 9, 1), utc(2021, 10, 1))
    assert starts(read_occurrences(floating, *window).events) == [utc(2021, 9, 16, 21)]
    assert starts(read_occurrences(floating, *window, floating_timezone=ZoneInfo("Europe/Paris")).events) == [
        utc(2021, 9, 16, 19)
    ]


def test_all_day_events_are_skipped(feed_server: FeedServer) -> None:
    """SabreDAV's all-day event (DTSTART;VALUE=DATE) on 4 March is not a meeting."""
    assert (
        read_occurrences(fetch_shipped(feed_server, "one_day_event.ics"), utc(2019, 3, 1), utc(2019, 3, 10)).events
        == []
    )


def test_a_calendar_with_a_byte_order_mark_is_read(feed_server: FeedServer) -> None:
    """A file starting with a UTF-8 byte order mark is fetched and read as a calendar (an empty one)."""
    body = fetch_shipped(feed_server, "bom_calendar.ics")
    assert body.startswith(b"\xef\xbb\xbfBEGIN:VCALENDAR")
    assert read_occurrences(body, utc(2019, 1, 1), utc(2020, 1, 1)).events == []


def test_an_unreadable_decoration_line_costs_only_that_line() -> None:
    """Apple's broken X-APPLE-RADIUS line does not hide its event, which still starts at 09:00 UTC."""
    events = read_occurrences(shipped("issue_168_input.ics"), utc(2015, 9, 1), utc(2015, 10, 1)).events
    assert [(event.starts_at, event.ends_at) for event in events] == [(utc(2015, 9, 5, 9), utc(2015, 9, 5, 10))]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("broken_ical.ics", "An Event with too many semicolons"),  # DTSTART;;VALUE=…
        ("bad_rrule_missing_until_event.ics", "UNTIL"),  # RRULE with UNTL= for UNTIL=
        ("small_bad_calendar.ics", "cut short"),  # no END:VCALENDAR
        ("parsing_error.ics", "cannot be read"),  # an empty EXDATE
    ],
)
def test_a_broken_calendar_is_a_feed_error(feed_server: FeedServer, name: str, words: str) -> None:
    """A calendar whose timing cannot be read raises FeedError naming what is wrong."""
    body = fetch_shipped(feed_server, name)
    with pytest.raises(FeedError) as caught:
        read_occurrences(body, utc(2000, 1, 1), utc(2030, 1, 1))
    assert words in caught.value.message
    assert isinstance(caught.value, RapportError)


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"<!DOCTYPE html><html><body>Sign in</body></html>",
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Buyer\r\nEND:VCARD\r\n",
        b"\x00\x01\x02garbage",
    ],
)
def test_something_that_is_not_icalendar_is_a_feed_error(text: bytes) -> None:
    """Text that does not start with BEGIN:VCALENDAR is refused with a message that says so."""
    with pytest.raises(FeedError, match="not an iCalendar file"):
        parse_events(text, utc(2024, 1, 1), utc(2025, 1, 1))


def test_the_window_must_be_aware() -> None:
    """A naive window is a programming error, not a feed error."""
    with pytest.raises(ValueError, match="aware"):
        read_occurrences(OUTLOOK.read_bytes(), datetime(2024, 3, 1), utc(2024, 4, 1))


# --- Meetings with outsiders, from an Outlook export ---------------------------------------------------


MARCH_AND_APRIL_2024 = (utc(2024, 3, 1), utc(2024, 5, 1))


def outlook_meetings(
    feed_server: FeedServer, window: tuple[datetime, datetime] = MARCH_AND_APRIL_2024
) -> list[CalendarEvent]:
    """Sam's meetings with outsiders in the Outlook export, fetched from the local server."""
    body = fetch_here(feed_server.serve(OUTLOOK.read_bytes()))
    return parse_events(body, *window, member_emails=SAM, colleague_domains=COMPANY).events


def test_only_meetings_with_someone_outside_the_company_are_kept(feed_server: FeedServer) -> None:
    """Of Sam's Outlook month, the client check-ins (one excluded, one moved) and the Initech demo remain."""
    assert [(event.title, event.starts_at) for event in outlook_meetings(feed_server)] == [
        ("Globex pilot check-in", utc(2024, 3, 5, 9)),
        ("Initech demo", utc(2024, 3, 7, 15)),
        ("Globex pilot check-in", utc(2024, 3, 12, 9)),
        ("Globex pilot check-in", utc(2024, 3, 27, 14)),  # 26 March moved to Wednesday 15:00 Berlin
        ("Globex pilot check-in", utc(2024, 4, 2, 8)),  # 10:00 Berlin summer time
        ("Globex pilot check-in", utc(2024, 4, 9, 8)),
    ]


@pytest.mark.parametrize(
    ("title", "in_the_calendar"),
    [
        ("Sales team stand-up", True),  # colleagues only, one on a subdomain (eu.rapport-demo.com)
        ("Focus time", True),  # nobody invited
        ("Canceled: Initech intro", False),  # STATUS:CANCELLED
        ("Globex procurement review", False),  # Sam declined (PARTSTAT=DECLINED)
        ("Globex offsite", False),  # all day
    ],
)
def test_meetings_without_an_outsider_are_skipped(feed_server: FeedServer, title: str, in_the_calendar: bool) -> None:
    """Colleague-only and nobody-else events are occurrences but not meetings; cancelled, declined and all-day ones are neither."""
    body = fetch_here(feed_server.serve(OUTLOOK.read_bytes()))
    occurrences = read_occurrences(body, *MARCH_AND_APRIL_2024, member_emails=SAM).events
    assert (title in {event.title for event in occurrences}) is in_the_calendar
    assert title not in {event.title for event in parse_events(body, *MARCH_AND_APRIL_2024, SAM, COMPANY).events}


def test_attendees_are_everyone_but_the_member_with_lowercased_addresses(feed_server: FeedServer) -> None:
    """The organizer comes first, "MAILTO:" and case are dropped, Exchange's "invalid:nomail" leaves only a name."""
    demo = next(event for event in outlook_meetings(feed_server) if event.title == "Initech demo")
    assert demo.attendees == (
        Attendee(email="bob@initech.example", name="Bob Initech"),
        Attendee(email=None, name="Carol Initech"),
        Attendee(email="dan.initech@initech.example", name="Dan Initech"),
    )
    assert demo.location == "Initech HQ, Rosenthaler Str. 40, Berlin"
    assert demo.description == "Product demo for the Initech buying committee."
    assert demo.ends_at == utc(2024, 3, 7, 16)


def test_rooms_are_not_attendees_but_colleagues_are(feed_server: FeedServer) -> None:
    """The booked room (CUTYPE=RESOURCE) is left out; the colleague stays, for the caller to tell apart."""
    check_in = outlook_meetings(feed_server)[0]
    assert check_in.attendees == (
        Attendee(email="ada@globex.example", name="Ada Buyer"),
        Attendee(email="lee@rapport-demo.com", name="Lee Colleague"),
    )


def test_the_outlook_weekly_meeting_keeps_its_keys_through_the_exception_and_the_move(feed_server: FeedServer) -> None:
    """Keys are the original starts in UTC: 19 March (EXDATE) has none, 26 March keeps its own though moved to the 27th."""
    keys = [event.key for event in outlook_meetings(feed_server) if event.uid == CHECK_IN_UID]
    assert keys == [
        f"{CHECK_IN_UID}|2024-03-05T09:00:00+00:00",
        f"{CHECK_IN_UID}|2024-03-12T09:00:00+00:00",
        f"{CHECK_IN_UID}|2024-03-26T09:00:00+00:00",
        f"{CHECK_IN_UID}|2024-04-02T08:00:00+00:00",
        f"{CHECK_IN_UID}|2024-04-09T08:00:00+00:00",
    ]


def test_only_occurrences_overlapping_the_window_are_returned(feed_server: FeedServer) -> None:
    """A meeting still running at the window's start is in; one starting at the window's end is out."""
    events = outlook_meetings(feed_server, window=(utc(2024, 3, 5, 9, 15), utc(2024, 3, 12, 9)))
    assert [(event.title, event.starts_at) for event in events] == [
        ("Globex pilot check-in", utc(2024, 3, 5, 9)),
        ("Initech demo", utc(2024, 3, 7, 15)),
    ]


def test_google_group_calendars_invited_to_events_are_not_people(feed_server: FeedServer) -> None:
    """Google's export lists its group calendar (…@group.calendar.google.com) as an attendee: no meeting comes of it."""
    body = fetch_shipped(feed_server, "daylight_saving_time.ics")
    assert read_occurrences(body, utc(2019, 2, 25), utc(2019, 4, 5)).events != []
    assert parse_events(body, utc(2019, 2, 25), utc(2019, 4, 5)).events == []


# --- Calendars that would take forever to read ---------------------------------------------------------

WINDOW = (utc(2024, 3, 4, 7), utc(2024, 3, 18, 7))


def calendar(*events: str) -> str:
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + "".join(events) + "END:VCALENDAR\r\n"


def event(uid: str, title: str, start: str, end: str, rule: str | None = None) -> str:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTART:{start}",
        f"DTEND:{end}",
        *([f"RRULE:{rule}"] if rule else []),
        f"SUMMARY:{title}",
        "ATTENDEE;CN=Ada Buyer:mailto:ada@globex.example",
        "END:VEVENT",
    ]
    return "\r\n".join(lines) + "\r\n"


REAL_MEETING = event("real", "Globex pilot review", "20240306T100000Z", "20240306T110000Z")


def bomb(rule: str, since: str = "20240304T080000Z") -> str:
    """The issue's 213-byte kind of file: one event repeating as often as a rule allows, beside a real meeting."""
    return calendar(event("spam", "Spam", since, since[:-3] + "30Z", rule), REAL_MEETING)


def test_an_event_repeating_every_minute_is_read_up_to_its_cap_and_the_rest_is_counted() -> None:
    """20,000 occurrences in two weeks: the first 200 are read, about 19,900 are reported left out, and the
    real meeting beside it is read as usual."""
    reading = read_occurrences(bomb("FREQ=MINUTELY"), *WINDOW)
    spam = [e for e in reading.events if e.uid == "spam"]
    assert len(spam) == MAX_OCCURRENCES_PER_EVENT == 200
    assert spam[0].starts_at == utc(2024, 3, 4, 8) and spam[-1].starts_at == utc(2024, 3, 4, 11, 19)
    assert [(item.title, 19_500 < (item.occurrences or 0) < 20_500) for item in reading.left_out] == [("Spam", True)]
    assert "Globex pilot review" in {e.title for e in reading.events}


@pytest.mark.parametrize(
    ("rule", "since"),
    [
        ("FREQ=SECONDLY", "20240304T080000Z"),  # 1.2 million occurrences in the window
        ("FREQ=MINUTELY", "20240304T080000Z"),
        ("FREQ=SECONDLY", "20200101T000000Z"),  # 130 million worked out before the window
        ("FREQ=MINUTELY", "20200101T000000Z"),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "20240304T080000Z"),  # never matches: dateutil loops to 9999
        ("FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=31", "20240304T080000Z"),
        ("FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE=0,10,20,30,40,50", "20240304T080000Z"),
        ("FREQ=DAILY", "18000101T080000Z"),  # 82,000 days of history
    ],
)
def test_a_hostile_repetition_is_read_in_under_a_second_of_cpu(rule: str, since: str) -> None:
    """Whatever the rule, reading the calendar stays under a second of CPU and 200 occurrences of the event,
    the event is reported as left out, and the real meeting is still read."""
    began = time.process_time()
    reading = read_occurrences(bomb(rule, since), *WINDOW)
    assert time.process_time() - began < 1.0
    assert sum(1 for e in reading.events if e.uid == "spam") <= MAX_OCCURRENCES_PER_EVENT
    assert [item.title for item in reading.left_out] == ["Spam"]
    assert "Globex pilot review" in {e.title for e in reading.events}


def test_a_calendar_of_hostile_repetitions_costs_about_a_second_however_many_it_holds() -> None:
    """Twenty events that never match: once two have been cut short, the rest are left out unread."""
    never = [
        event(f"never{n}", f"Never {n}", "20240304T080000Z", "20240304T080030Z", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")
        for n in range(20)
    ]
    began = time.process_time()
    reading = read_occurrences(calendar(REAL_MEETING, *never), *WINDOW)
    assert time.process_time() - began < 1.5
    assert [item.title for item in reading.left_out] == [f"Never {n}" for n in range(20)]
    assert [e.title for e in reading.events] == ["Globex pilot review"]


def test_a_calendar_reads_at_most_a_thousand_occurrences_in_all() -> None:
    """Six events each repeating every minute: five give their 200, the sixth is not read at all, and both
    kinds of leaving out are reported."""
    spam = [event(f"spam{n}", f"Spam {n}", "20240304T080000Z", "20240304T080030Z", "FREQ=MINUTELY") for n in range(6)]
    reading = read_occurrences(calendar(*spam), *WINDOW)
    assert len(reading.events) == MAX_OCCURRENCES_PER_CALENDAR == 1000
    assert [(item.title, item.occurrences is None) for item in reading.left_out] == [
        *((f"Spam {n}", False) for n in range(5)),
        ("Spam 5", True),
    ]


@pytest.mark.parametrize("since", ["19900101T100000Z", "20100104T100000Z"])
def test_a_long_running_meeting_is_read_whole(since: str) -> None:
    """A daily meeting kept since 1990, or a weekly one since 2010, costs little and is read entirely."""
    rule = "FREQ=DAILY" if since.startswith("1990") else "FREQ=WEEKLY;BYDAY=MO,TH"
    reading = read_occurrences(calendar(event("old", "Old habit", since, since[:-5] + "1000Z", rule)), *WINDOW)
    assert reading.left_out == ()
    assert len(reading.events) == (14 if since.startswith("1990") else 4)


# --- Fetching ----------------------------------------------------------------------------------------


def test_a_feed_is_fetched_as_served(feed_server: FeedServer) -> None:
    """A calendar answered with 200 and text/calendar comes back byte for byte, CRLF and folded lines included."""
    body = OUTLOOK.read_bytes()
    assert fetch_here(feed_server.serve(body)) == body
    assert b"\r\n " in body  # Outlook folds long lines


def test_a_calendar_served_with_a_generic_content_type_is_accepted(feed_server: FeedServer) -> None:
    """Servers of uploaded files often say application/octet-stream: the body starting BEGIN:VCALENDAR is enough."""
    url = feed_server.serve(shipped("one_event.ics"), content_type="application/octet-stream")
    assert fetch_here(url).startswith(b"BEGIN:VCALENDAR")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def chain(feed_server: FeedServer, hops: int, **options: Any) -> str:
    """A calendar reached through `hops` redirects (each hop answering with `options`, a delay for instance)."""
    target = feed_server.serve(shipped("one_event.ics"), path="/hop0/basic.ics")
    for hop in range(1, hops + 1):
        target = feed_server.redirect(f"/hop{hop}/basic.ics", to=target, **options)
    return target


FAILURES: dict[str, Callable[[FeedServer], str]] = {
    "404": lambda server: server.base + SECRET_PATH + "?token=" + SECRET,
    "503": lambda server: server.serve(b"try later", status=503, content_type="text/plain"),
    "a web page": lambda server: server.serve(b"<!DOCTYPE html><html>Sign in</html>", content_type="text/html"),
    "not a calendar": lambda server: server.serve(b"BEGIN:VCARD\r\nEND:VCARD\r\n", content_type="text/plain"),
    "a refused connection": lambda server: f"http://127.0.0.1:{closed_port()}{SECRET_PATH}",
    "a redirect to a file": lambda server: server.redirect(SECRET_PATH, to="file:///etc/passwd"),
    "a redirect nowhere": lambda server: server.serve(b"", status=302),
    "six redirects": lambda server: chain(server, 6),
    "too large": lambda server: server.serve(shipped("daylight_saving_time.ics")),
    "too large, undeclared": lambda server: server.serve(shipped("daylight_saving_time.ics"), declare_length=False),
    "too slow": lambda server: server.serve(shipped("one_event.ics"), delay=3),
    "loopback": lambda server: f"http://[::1]:{server.port}{SECRET_PATH}",
    "no such host": lambda server: f"http://calendar.invalid{SECRET_PATH}",
}


@pytest.mark.parametrize("failure", FAILURES)
def test_every_failure_to_get_a_calendar_reads_the_same_neutral_sentence(
    feed_server: FeedServer, failure: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Refused, missing, broken, slow, too large or not a calendar: the member reads one sentence, so that the
    answers cannot map what the app's network reaches; the log says what happened, with the host only."""
    url = FAILURES[failure](feed_server)
    caplog.set_level(logging.INFO, logger="models.briefings.calendar")
    with pytest.raises(FeedError) as caught:
        fetch_here(url, seconds=0.5, max_bytes=10_000, resolve=lambda host, port: [])
    assert caught.value.message == UNREADABLE_ADDRESS
    assert_hides_the_secret(caught.value)
    assert "not read" in caplog.text and SECRET not in caplog.text and "/calendar/ical" not in caplog.text


def test_a_redirect_to_the_web_is_followed(feed_server: FeedServer) -> None:
    """A calendar that moved (302 to another path on the web, five times at most) is read where it went."""
    assert fetch_here(chain(feed_server, 5)) == shipped("one_event.ics")


@pytest.mark.parametrize(
    ("route", "seconds"),
    [
        ({"delay": 3}, 0.3),  # a server that says nothing
        ({"trickle_headers": True}, 0.5),  # its headers one byte every 50 ms
        ({"trickle": True}, 0.5),  # its body one byte every 50 ms
    ],
    ids=["silent", "trickling headers", "trickling body"],
)
def test_one_deadline_covers_the_whole_fetch(feed_server: FeedServer, route: dict[str, Any], seconds: float) -> None:
    """Whatever the server does with its time, the fetch is given up on at its deadline."""
    url = feed_server.serve(shipped("one_event.ics"), **route)
    began = time.monotonic()
    with pytest.raises(FeedError, match="couldn't read a calendar"):
        fetch_here(url, seconds=seconds)
    assert seconds <= time.monotonic() - began < seconds + 0.5


def test_a_chain_of_slow_redirects_is_cut_at_the_deadline(feed_server: FeedServer) -> None:
    """Five redirects of 0.3 s each, every one within any per-request timeout, add up to more than 0.5 s: cut."""
    url = chain(feed_server, 5, delay=0.3)
    began = time.monotonic()
    with pytest.raises(FeedError):
        fetch_here(url, seconds=0.5)
    assert time.monotonic() - began < 1.0
    assert len(feed_server.requests) == 2  # the third hop was never asked


# --- Which addresses a feed may lead to ---------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "[::1]",
        "0x7f000001",
        "2130706433",
        "127.1",
        "0177.0.0.1",
        "0.0.0.0",
        "[::]",
        "[::ffff:127.0.0.1]",
        "[::127.0.0.1]",
        "[2002:7f00:1::]",
        "[64:ff9b::7f00:1]",
    ],
)
def test_the_apps_own_machine_is_never_fetched_however_it_is_written(feed_server: FeedServer, host: str) -> None:
    """Loopback in every spelling (named, hexadecimal, decimal, short, octal, IPv6, IPv4 inside IPv6) is refused
    before any connection: the calendar server on this machine receives nothing."""
    with pytest.raises(FeedError, match="couldn't read a calendar"):
        fetch_feed(f"http://{host}:{feed_server.port}{SECRET_PATH}")
    assert feed_server.requests == []


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",
        "[fd00:ec2::254]",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "[fd12:3456::1]",
        "100.100.100.200",
    ],
)
def test_private_and_metadata_addresses_are_refused_without_a_connection(address: str) -> None:
    """Cloud metadata services and private networks are refused at once (no connection, so no wait)."""
    began = time.monotonic()
    with pytest.raises(FeedError, match="couldn't read a calendar"):
        fetch_feed(f"http://{address}/latest/meta-data/")
    assert time.monotonic() - began < 0.5


def test_a_redirect_into_a_private_address_is_refused(feed_server: FeedServer) -> None:
    """A public calendar that redirects to the metadata service, to another loopback address or to IPv6 loopback
    leads nowhere: each hop is vetted like the first address."""
    allow = lambda address: on_this_machine(address) or web.public_address(address)  # noqa: E731
    second = _CalendarServer(("127.0.0.2", 0), _CalendarHandler)
    second.routes, second.requests = {"/x.ics": Route(shipped("one_event.ics"))}, []
    threading.Thread(target=second.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        for target in (
            f"http://127.0.0.2:{second.server_address[1]}/x.ics",
            "http://169.254.169.254/latest/meta-data/",
            f"http://[::1]:{feed_server.port}/x.ics",
        ):
            with pytest.raises(FeedError, match="couldn't read a calendar"):
                fetch_feed(feed_server.redirect("/moved.ics", to=target), allow=allow)
        assert second.requests == []
    finally:
        second.shutdown()
        second.server_close()


def test_the_connection_goes_to_the_address_that_was_checked(feed_server: FeedServer) -> None:
    """The host is looked up once: a second answer (DNS rebinding to another address) is never asked for,
    and the request still names the host, as a server behind a shared address needs."""
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    lookups: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        return next(answers)

    feed_server.serve(shipped("one_event.ics"))
    url = f"http://calendar.test:{feed_server.port}{SECRET_PATH}"
    assert fetch_here(url, resolve=resolve) == shipped("one_event.ics")
    assert lookups == ["calendar.test"]
    assert feed_server.requests == [(SECRET_PATH, f"calendar.test:{feed_server.port}")]


def test_a_host_with_one_refused_address_among_others_is_refused(feed_server: FeedServer) -> None:
    """If any address a host resolves to is refused, none is tried."""
    url = f"http://calendar.test:{feed_server.port}{SECRET_PATH}"
    with pytest.raises(FeedError):
        fetch_here(url, resolve=lambda host, port: ["127.0.0.1", "10.0.0.1"])
    assert feed_server.requests == []


def test_a_stalled_lookup_is_cut_at_the_deadline() -> None:
    """A resolver that never answers holds the fetch no longer than its deadline."""

    def stalled(host: str, port: int) -> list[str]:
        time.sleep(5)
        return []

    began = time.monotonic()
    with pytest.raises(FeedError):
        fetch_feed("http://calendar.test/basic.ics", seconds=0.3, resolve=stalled)
    assert time.monotonic() - began < 1.0


@pytest.fixture
def tls_feed_server(
    feed_server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[FeedServer, list[str]]:
    """The feed server over TLS with a certificate for calendar.test from a test authority this process trusts;
    the list collects the names clients asked for (SNI)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=tmp_path, check=True, capture_output=True)

    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=Test CA")
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=calendar.test")
    (tmp_path / "san.ext").write_text("subjectAltName=DNS:calendar.test\n")
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "1", "-extfile", "san.ext",
    )  # fmt: skip
    names: list[str] = []
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    server_side.sni_callback = lambda sock, name, context: names.append(name or "")
    server = feed_server._server
    server.socket = server_side.wrap_socket(server.socket, server_side=True)
    client_side = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
    monkeypatch.setattr(web, "_tls_context", lambda: client_side)
    return feed_server, names


def test_https_goes_to_the_checked_address_but_checks_the_certificate_of_the_host_name(
    tls_feed_server: tuple[FeedServer, list[str]],
) -> None:
    """Over TLS the connection still goes to the address looked up once, while the server is asked for
    calendar.test (SNI) and must prove it is calendar.test: a certificate for another name is refused."""
    server, names = tls_feed_server
    server.serve(shipped("one_event.ics"))
    here = lambda host, port: ["127.0.0.1"]  # noqa: E731
    assert fetch_here(f"https://calendar.test:{server.port}{SECRET_PATH}", resolve=here) == shipped("one_event.ics")
    assert names == ["calendar.test"] and server.requests == [(SECRET_PATH, f"calendar.test:{server.port}")]
    with pytest.raises(FeedError):
        fetch_here(f"https://other.test:{server.port}{SECRET_PATH}", resolve=here)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "url",
    [f"file:///home/sam/{SECRET}.ics", f"ftp://files.example.com/{SECRET}.ics", f"{SECRET}.ics", "https:///nohost"],
)
def test_only_web_addresses_are_fetched(url: str) -> None:
    """Anything but an http(s) or webcal address with a host is refused before any connection."""
    with pytest.raises(FeedError) as caught:
        fetch_feed(url)
    assert_hides_the_secret(caught.value)


def test_webcal_addresses_are_read_over_https() -> None:
    """webcal://, as Apple and Outlook hand out, is the same address over https://."""
    assert normalize_feed_url(" webcal://p52-caldav.icloud.com/published/2/abc ") == (
        "https://p52-caldav.icloud.com/published/2/abc"
    )
    assert normalize_feed_url("HTTPS://calendar.google.com/x.ics") == "HTTPS://calendar.google.com/x.ics"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"https://calendar.google.com{SECRET_PATH}", "https://calendar.google.com/…"),
        (f"webcal://p52-caldav.icloud.com/published/2/{SECRET}", "webcal://p52-caldav.icloud.com/…"),
        (
            f"https://sam:{SECRET}@outlook.office365.com/owa/calendar/{SECRET}/calendar.ics",
            "https://outlook.office365.com/…",
        ),
        (f"https://cal.example.com/feed?key={SECRET}", "https://cal.example.com/…"),
        (f"{SECRET}", "(a calendar address)"),
        ("http://[::1", "(a calendar address)"),
    ],
)
def test_a_feed_address_is_shown_with_its_host_only(url: str, shown: str) -> None:
    """The secret part of an address (path, query, user and password) is never shown, not even to its member."""
    assert redact_url(url) == shown
