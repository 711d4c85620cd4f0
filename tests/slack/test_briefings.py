"""Meetings and briefings end to end: calendars served over HTTP, briefings once at the right moment."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, func, select, text, update

from bot.standin import SlackStandIn
from handlers.delivery.sender import SlackSender, slack_sender
from handlers.kit.deps import Deps
from models.briefings.feeds import FeedReaders, Fetch, SyncResult, sync_all_feeds, sync_feed
from models.briefings.service import compose_briefings, compose_follow_ups
from models.db.orm import CalendarFeed, Contact, Meeting, Member, Outbox
from models.db.uow import UnitOfWork
from models.delivery.outbox import deliver_pending
from models.delivery.repository import OutboxRepository
from tests.form_answers import answers, file_input, radio_buttons, static_select
from tests.slack_driver import BOT_TOKEN, Clock, SlackDriver, button, flatten

CALENDARS = Path(__file__).resolve().parents[1] / "data" / "calendars"
OUTLOOK = (CALENDARS / "outlook_week_with_clients.ics").read_text()
MONDAY_2024 = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)


class CalendarServer:
    """A local HTTP server handing out calendar files, as Google or Outlook publish them."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[int, str]] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = outer.files.get(self.path, (404, "not found"))
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def calendars() -> Iterator[CalendarServer]:
    server = CalendarServer()
    yield server
    server.close()


def seller_with_feed(uow: UnitOfWork, user_id: str, email: str, url: str) -> int:
    with uow:
        from models.db.repository import WorkspaceRepository

        repo = WorkspaceRepository.for_team(uow.session, "T0TEAM1")
        member = repo.get_or_create_member(user_id)
        member.email, member.time_zone = email, "Europe/Berlin"
        member.profile_fetched_at = datetime.now(UTC)
        feed = CalendarFeed(workspace_id=member.workspace_id, member_id=member.id, url=url)
        uow.session.add(feed)
        uow.session.flush()
        feed_id = feed.id
        uow.commit()
    return feed_id


def meetings(db: Engine) -> list[tuple[str, datetime, datetime | None]]:
    with db.connect() as connection:
        rows = connection.execute(
            select(Meeting.title, Meeting.starts_at, Meeting.cancelled_at).order_by(Meeting.starts_at)
        ).all()
    return [
        (title, starts.replace(tzinfo=UTC) if starts.tzinfo is None else starts, cancelled)
        for title, starts, cancelled in rows
    ]


def test_a_calendar_feed_becomes_meetings_with_contacts_and_skips_the_rest(
    uow: UnitOfWork, db: Engine, calendars: CalendarServer, fetch_local: Fetch
) -> None:
    """Recurring meetings (with an exception), time zones, attendees matched or created; colleagues-only,
    cancelled, declined, all-day and focus-time events skipped."""
    calendars.files["/secret/basic.ics"] = (200, OUTLOOK)
    feed = seller_with_feed(uow, "U0SAM", "sam@rapport-demo.com", calendars.url("/secret/basic.ics"))
    result = sync_feed(uow, feed, MONDAY_2024, fetch_local)
    assert result.problem is None and result.created == 3
    assert [(title, starts.isoformat()) for title, starts, _ in meetings(db)] == [
        ("Globex pilot check-in", "2024-03-05T09:00:00+00:00"),
        ("Initech demo", "2024-03-07T15:00:00+00:00"),
        ("Globex pilot check-in", "2024-03-12T09:00:00+00:00"),
    ]
    with db.connect() as connection:
        names = set(connection.scalars(select(Contact.name)))
        ada = connection.scalar(select(Contact.email).where(Contact.name == "Ada Buyer"))
    assert {"Ada Buyer", "Bob Initech", "Carol Initech", "Dan Initech"} <= names and "Lee Colleague" not in names
    assert ada == "ada@globex.example"
    assert sync_feed(uow, feed, MONDAY_2024, fetch_local).created == 0  # read again: nothing new


def test_a_moved_meeting_is_moved_and_a_removed_one_cancelled(
    uow: UnitOfWork, db: Engine, calendars: CalendarServer, fetch_local: Fetch
) -> None:
    """The Initech demo moved by an hour keeps its row at the new time; deleted, it is cancelled."""
    calendars.files["/c.ics"] = (200, OUTLOOK)
    feed = seller_with_feed(uow, "U0SAM", "sam@rapport-demo.com", calendars.url("/c.ics"))
    sync_feed(uow, feed, MONDAY_2024, fetch_local)
    calendars.files["/c.ics"] = (
        200,
        OUTLOOK.replace(
            'DTSTART;TZID="W. Europe Standard Time":20240307T160000',
            'DTSTART;TZID="W. Europe Standard Time":20240307T170000',
        ).replace(
            'DTEND;TZID="W. Europe Standard Time":20240307T170000',
            'DTEND;TZID="W. Europe Standard Time":20240307T180000',
        ),
    )
    moved = sync_feed(uow, feed, MONDAY_2024, fetch_local)
    assert moved.moved == 1
    assert ("Initech demo", datetime(2024, 3, 7, 16, 0, tzinfo=UTC), None) in meetings(db)

    without_demo = (
        OUTLOOK.split("SUMMARY;LANGUAGE=en-us:Initech demo")[0].rsplit("BEGIN:VEVENT", 1)[0]
        + OUTLOOK.split("SUMMARY;LANGUAGE=en-us:Initech demo")[1].split("END:VEVENT", 1)[1]
    )
    calendars.files["/c.ics"] = (200, without_demo)
    assert sync_feed(uow, feed, MONDAY_2024, fetch_local).cancelled == 1
    assert [cancelled is not None for title, _, cancelled in meetings(db) if title == "Initech demo"] == [True]


def test_an_unreachable_feed_is_reported_once_and_does_not_stop_the_others(
    uow: UnitOfWork, db: Engine, calendars: CalendarServer, fetch_local: Fetch
) -> None:
    """A 404 feed: its member gets one message (not one per run); the next member's feed is still read."""
    calendars.files["/good.ics"] = (200, OUTLOOK)
    seller_with_feed(uow, "U0BROKEN", "kim@rapport-demo.com", calendars.url("/gone.ics"))
    seller_with_feed(uow, "U0SAM", "sam@rapport-demo.com", calendars.url("/good.ics"))
    readers = FeedReaders(fetch_local)
    first: list[SyncResult] = []
    second: list[SyncResult] = []
    sync_all_feeds(uow.fresh, readers, lambda: MONDAY_2024, then=first.append)
    sync_all_feeds(uow.fresh, readers, lambda: MONDAY_2024 + timedelta(minutes=15), then=second.append)
    assert [r.problem is None for r in first] == [False, True] and [r.problem is None for r in second] == [False, True]
    with db.connect() as connection:
        reports = connection.execute(select(Outbox.payload_json).where(Outbox.kind == "feed_error")).all()
    assert len(reports) == 1
    assert "couldn't read a calendar" in reports[0][0] and "/gone.ics" not in reports[0][0]  # no secret path


# Briefings through Slack -------------------------------------------------------------------------------
def sender(standin: SlackStandIn, uow: UnitOfWork, clock: Clock) -> SlackSender:
    return slack_sender(WebClient(token=BOT_TOKEN, base_url=standin.base_url), Deps(uow=uow.fresh, clock=clock))


def briefings_to(standin: SlackStandIn, user: str) -> list[dict]:  # type: ignore[type-arg]
    return [
        m
        for m in standin.delivered_to(user)
        if ((m.get("metadata") or {}).get("event_payload") or {}).get("kind") == "briefing"
    ]


def schedule(slack: SlackDriver, text: str = "Jane Doe (ACME) video next tue 3pm: Q3 budget #prospect") -> int:
    reply = slack.command(text)
    assert "Next meeting" in reply.text, reply.text
    return int(button(reply.last, "Set the context")["value"])


def pass_at(uow: UnitOfWork, standin: SlackStandIn, clock: Clock, moment: datetime) -> None:
    clock.now = moment
    compose_briefings(uow, moment)
    compose_follow_ups(uow, moment)
    deliver_pending(uow, sender(standin, uow, clock), moment, "w1")


def test_scheduling_from_logcall_replies_with_the_meeting_and_its_briefing_time(slack: SlackDriver, db: Engine) -> None:
    """`/logcall … next tue 3pm` records a meeting (not an interaction) in the member's zone, once."""
    slack.command("Jane Doe (ACME) phone yesterday them")
    reply = slack.command("Jane Doe video next tue 3pm: Q3 budget", trigger_id="77.1")
    assert "Next meeting: *Jane Doe*, Tue 24 Nov 15:00 (video call)" in reply.text
    assert "briefing comes 30 min before" in reply.text
    slack.command("Jane Doe video next tue 3pm: Q3 budget", trigger_id="77.1")
    with db.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Meeting)) == 1


def test_the_briefing_goes_out_once_thirty_minutes_before(
    slack: SlackDriver, uow: UnitOfWork, standin: SlackStandIn, clock: Clock
) -> None:
    """Nothing at T-31 min; at T-30 one briefing with both objectives; later passes send nothing more."""
    schedule(slack)
    start = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 15:00 in Paris
    pass_at(uow, standin, clock, start - timedelta(minutes=31))
    assert briefings_to(standin, "U0SELLER1") == []
    pass_at(uow, standin, clock, start - timedelta(minutes=30))
    pass_at(uow, standin, clock, start - timedelta(minutes=20))
    sent = briefings_to(standin, "U0SELLER1")
    assert len(sent) == 1
    text = flatten(sent[0])
    assert "Your meeting is coming up" in text and "Primary" in text and "Secondary" in text
    assert "Switch when" in text and "Why they would help" in text and "Find out in this meeting" in text


def test_a_briefing_late_because_the_bot_was_down_goes_out_before_the_start_and_is_dropped_after(
    slack: SlackDriver, uow: UnitOfWork, standin: SlackStandIn, clock: Clock, db: Engine
) -> None:
    """Composed at T-30 but delivered only at T+1: dropped; a meeting found at T-5: still sent."""
    meeting = schedule(slack)
    start = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    clock.now = start - timedelta(minutes=30)
    compose_briefings(uow, clock.now)
    pass_at(uow, standin, clock, start + timedelta(minutes=1))
    assert briefings_to(standin, "U0SELLER1") == []
    with db.connect() as connection:
        assert connection.scalar(select(Outbox.status).where(Outbox.kind == "briefing")) == "dropped"
        connection.execute(
            update(Meeting)
            .where(Meeting.id == meeting)
            .values(starts_at=start + timedelta(hours=1), ends_at=start + timedelta(hours=2))
        )
        connection.commit()
    pass_at(uow, standin, clock, start + timedelta(minutes=55))  # bot back 5 minutes before the moved meeting
    assert len(briefings_to(standin, "U0SELLER1")) == 1  # the moved meeting gets a fresh briefing


def test_the_meeting_context_turns_the_objective_to_advancing_the_campaign(slack: SlackDriver, db: Engine) -> None:
    """A known CFO, concerned, who decides, and a trigger event: the primary objective becomes advancing the campaign."""
    slack.command("Jane Doe (ACME) phone yesterday them")
    with db.connect() as connection:
        connection.execute(update(Contact).values(job_title="CFO"))
        connection.commit()
    meeting = schedule(slack)
    before = slack.command("Jane Doe", command="/prep")
    assert "Primary*: Gather relationship intelligence" in before.text
    slack.press({"action_id": "meeting_context", "value": str(meeting)})
    form = slack.opened_view()
    contact_block = next(b["block_id"] for b in form["blocks"] if b.get("block_id", "").startswith("concerned_"))
    contact_id = contact_block.split("_")[1]
    values = {
        **answers(trigger_event="New CFO froze Q3 budgets", topic="Q3 budget"),
        f"concerned_{contact_id}": {"concerned": radio_buttons("yes")},
        f"role_{contact_id}": {"role": static_select("decides")},
    }
    saved = slack.submit(form, values)
    assert "Saved" in saved.text and "Trigger event:* New CFO froze Q3 budgets" in saved.text
    after = slack.command("jane doe", command="/prep")
    assert "Primary*: Advance the campaign" in after.text


def test_a_campaign_name_too_long_to_keep_is_refused_under_its_field(slack: SlackDriver, db: Engine) -> None:
    """The campaign is kept in 255 characters: a longer one is refused under the field, nothing is saved."""
    meeting = schedule(slack)
    slack.press({"action_id": "meeting_context", "value": str(meeting)})
    form = slack.opened_view()
    campaign = next(b for b in form["blocks"] if b.get("block_id") == "campaign")
    assert campaign["element"]["max_length"] == 255
    values = answers(topic="Pricing", campaign="ACME renewal " * 30)
    refused = slack.submit(form, values)
    assert json.loads(refused.ack.body)["errors"] == {"campaign": "A campaign name goes up to 255 characters."}
    with db.connect() as connection:
        assert connection.scalar(select(Meeting.topic)) == "Q3 budget"


def test_after_the_meeting_a_follow_up_offers_to_log_it(
    slack: SlackDriver, uow: UnitOfWork, standin: SlackStandIn, clock: Clock
) -> None:
    """Once the meeting has ended, one DM asks how it went; Log it opens /logcall filled in."""
    schedule(slack)
    end = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
    pass_at(uow, standin, clock, end + timedelta(minutes=2))
    pass_at(uow, standin, clock, end + timedelta(minutes=10))
    follow_ups = [m for m in standin.delivered_to("U0SELLER1") if "How did it go" in flatten(m)]
    assert len(follow_ups) == 1
    slack.press(button(follow_ups[0], "Log it"))
    form = slack.opened_view()
    assert next(b for b in form["blocks"] if b["block_id"] == "contacts")["element"]["initial_value"] == "Jane Doe"
    assert next(b for b in form["blocks"] if b["block_id"] == "time")["element"]["initial_time"] == "15:00"


def test_prep_asks_which_one_when_two_match_and_says_when_nobody_is_known(slack: SlackDriver) -> None:
    """/prep shares /whoknows' matching: two Jane Does → buttons; an unknown name → how to start."""
    slack.command("Jane Doe (ACME) phone yesterday")
    slack.command("Jane Doe (Globex) phone yesterday")
    choose = slack.command("jane doe", command="/prep")
    assert "Which one?" in choose.text
    picked = slack.press(button(choose.last, "Jane Doe · Globex"))
    assert "Jane Doe*, Globex" in picked.text
    assert "Nobody on the team knows" in slack.command("Zebulon Q", command="/prep").text


def test_prep_calendar_saves_the_feed_tells_what_it_found_by_dm_and_never_echoes_its_secret(
    slack: SlackDriver, standin: SlackStandIn, calendars: CalendarServer, db: Engine
) -> None:
    """`/prep calendar <secret address>` answers at once with the host only; the reading's result comes by DM."""
    calendars.files["/private-abc123/basic.ics"] = (200, OUTLOOK)
    reply = slack.command(f"calendar {calendars.url('/private-abc123/basic.ics')}", command="/prep")
    assert "Saved http://127.0.0.1/…: I'm reading it now" in reply.text and "abc123" not in reply.text
    told = flatten(standin.calls_to("chat.postMessage")[-1].args)
    assert "Connected to http://127.0.0.1/…" in told and "abc123" not in told
    status = slack.command("calendar", command="/prep")
    assert "Reading your calendar" in status.text and "abc123" not in status.text
    with db.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(CalendarFeed)) == 1
    assert "no longer read" in slack.command("calendar off", command="/prep").text


def test_an_uploaded_ics_file_becomes_the_calendar(slack: SlackDriver, standin: SlackStandIn, db: Engine) -> None:
    """`/prep calendar upload` opens a form with a file input; the uploaded file is downloaded with the bot token and read."""
    slack.command("calendar upload", command="/prep")
    form = slack.opened_view()
    assert any(b.get("element", {}).get("type") == "file_input" for b in form["blocks"])
    upload = standin.add_file(OUTLOOK.encode(), "outlook.ics")
    slack.submit(form, answers(file=file_input(upload)))
    told = flatten(standin.calls_to("chat.postMessage")[-1].args)
    assert "Read your file" in told
    with db.connect() as connection:
        assert connection.scalar(select(CalendarFeed.ics_text)).startswith("BEGIN:VCALENDAR")


def test_a_meeting_whose_follow_up_cannot_be_composed_never_stops_the_others(
    slack: SlackDriver, uow: UnitOfWork, db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault while composing one member's follow-up (here its outbox row is refused) is rolled back and
    logged; the other member's follow-up is composed in the same pass, and the next pass retries it."""
    schedule(slack)
    slack.command("Li Wei (Globex) video next tue 3pm", user="U0SELLER2")
    insert_once = OutboxRepository.insert_once

    def refuse_for_seller_one(outbox: OutboxRepository, member: Member, *args: Any, **kwargs: Any) -> bool:
        if member.slack_user_id == "U0SELLER1":
            outbox.session.execute(text("SELECT no_such_column FROM meetings"))  # a real database error
        return insert_once(outbox, member, *args, **kwargs)

    monkeypatch.setattr(OutboxRepository, "insert_once", refuse_for_seller_one)
    end = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
    assert compose_follow_ups(uow, end + timedelta(minutes=2)) == 1
    monkeypatch.setattr(OutboxRepository, "insert_once", insert_once)
    assert compose_follow_ups(uow, end + timedelta(minutes=3)) == 1
    with db.connect() as connection:
        rows = connection.execute(
            select(Member.slack_user_id).join(Outbox, Member.id == Outbox.member_id).order_by(Outbox.id)
        ).all()
    assert [row[0] for row in rows] == ["U0SELLER2", "U0SELLER1"]
