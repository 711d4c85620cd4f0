"""Slow calendar feeds against `rapport run --http`: Slack's requests are answered as if they were not there.

The feeds are served from this machine's address in a private network (the setting
CALENDAR_ALLOW_PRIVATE_ADDRESSES lets the app reach it, as it would an on-premises calendar server);
a machine with no such address skips these tests.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import calendar_fetch
from bot.db import make_engine
from bot.settings import load_settings
from bot.slack_standin import SlackStandIn
from models.calendar import FeedError
from models.orm import Interaction
from models.web import public_address, public_or_on_premises_address
from tests.integration.test_http_server import Server, free_port, post
from tests.slack_driver import BOT_TOKEN, SIGNING_SECRET, payload_body, sign, slash_body

#: How long the slow calendar server sleeps before it answers each request.
SLOW_SECONDS = 2.0


def on_premises_address() -> str | None:
    """An address of this machine in a private network's range, where an on-premises calendar server would be."""
    for family, probe in ((socket.AF_INET, "10.255.255.254"), (socket.AF_INET6, "fd00::1")):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.connect((probe, 9))  # sends nothing: asks the routing table which address would be used
                address = str(sock.getsockname()[0])
        except OSError:
            continue
        if public_or_on_premises_address(ip_address(address)) and not public_address(ip_address(address)):
            return address
    return None


class SlowCalendar:
    """A calendar server on the machine's private address that sleeps before answering any path."""

    def __init__(self, address: str, delay: float) -> None:
        starts = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y%m%dT100000Z")
        body = (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:demo\r\n"
            f"DTSTART:{starts}\r\nDTEND:{starts[:-5]}1000Z\r\nSUMMARY:Globex demo\r\n"
            "ATTENDEE;CN=Ada Buyer:mailto:ada@globex.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        ).encode()
        self.requests = 0

        class Handler(BaseHTTPRequestHandler):
            def do_GET(handler) -> None:
                self.requests += 1
                time.sleep(delay)
                handler.send_response(200)
                handler.send_header("Content-Type", "text/calendar")
                handler.send_header("Content-Length", str(len(body)))
                handler.end_headers()
                handler.wfile.write(body)

            def log_message(handler, *args: object) -> None:
                return

        class Server(ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in address else socket.AF_INET
            daemon_threads = True

        self.server = Server((address, 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        host = f"[{address}]" if ":" in address else address
        self.origin = f"http://{host}:{self.server.server_address[1]}"

    def url(self, secret: str) -> str:
        return f"{self.origin}/calendar/{secret}/basic.ics"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slow_calendar() -> Iterator[SlowCalendar]:
    address = on_premises_address()
    if address is None:
        pytest.skip("this machine has no address in a private network's range to serve a calendar from")
    calendar = SlowCalendar(address, SLOW_SECONDS)
    yield calendar
    calendar.close()


def test_a_calendar_on_a_private_network_is_read_only_when_the_setting_allows_it(slow_calendar: SlowCalendar) -> None:
    """The on-premises calendar server is refused by default and read with CALENDAR_ALLOW_PRIVATE_ADDRESSES."""
    refusing = calendar_fetch(load_settings(environ={}, env_file=None))
    with pytest.raises(FeedError):
        refusing(slow_calendar.url("s3cret"))
    assert slow_calendar.requests == 0
    allowing = calendar_fetch(load_settings(environ={"CALENDAR_ALLOW_PRIVATE_ADDRESSES": "true"}, env_file=None))
    assert allowing(slow_calendar.url("s3cret")).startswith(b"BEGIN:VCALENDAR")


@pytest.fixture
def server(tmp_path: Path, standin: SlackStandIn) -> Iterator[Server]:
    """`rapport run --http`, allowed to read calendars on private networks."""
    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'rapport.db'}"
    env = {
        **{key: value for key, value in os.environ.items() if key != "SLACK_APP_TOKEN"},
        "PORT": str(port),
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_BASE_URL": standin.base_url,
        "CALENDAR_ALLOW_PRIVATE_ADDRESSES": "yes",
    }
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--http"], env=env, cwd=tmp_path, stdout=sink, stderr=sink
        )
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() - started > 30:
                raise AssertionError("the server did not start:\n" + log.read_text()) from None
            time.sleep(0.1)
    yield Server(url=url, database_url=database_url, process=process, log=log)
    process.terminate()
    process.wait(timeout=30)


def calendar_form(standin: SlackStandIn, user: str, url: str) -> str:
    """A Home-tab calendar form submitted with an address, as Slack posts it."""
    return payload_body(
        {
            "type": "view_submission",
            "team": {"id": "T0TEAM1"},
            "user": {"id": user, "team_id": "T0TEAM1"},
            "api_app_id": "A0RAPPORT",
            "trigger_id": f"{user}.trigger",
            "view": {
                "id": f"V{user}",
                "type": "modal",
                "callback_id": "calendar_feed_modal",
                "state": {"values": {"url": {"url": {"type": "plain_text_input", "value": url}}}},
            },
        }
    )


def healthz(server: Server) -> float:
    began = time.monotonic()
    with urllib.request.urlopen(server.url + "/healthz", timeout=10) as response:
        assert response.status == 200
    return time.monotonic() - began


@pytest.mark.slow
def test_slow_calendar_feeds_delay_no_acknowledgement_no_other_workspace_and_no_health_check(
    server: Server, standin: SlackStandIn, slow_calendar: SlowCalendar
) -> None:
    """Sixteen Home-tab calendar forms and four `/prep calendar` from one workspace, every feed answering after
    2 s, the Web API rate-limiting the first replies: every acknowledgement, every `/healthz` and another
    workspace's `/logcall` replies stay prompt, and each member is told by DM what their calendar holds."""
    standin.fail_next("chat.postMessage", status=429, retry_after=5)
    standin.fail_next("views.publish", status=429, retry_after=5)
    members = [f"U0CAL{n:02d}" for n in range(20)]
    acks = []
    for n, member in enumerate(members):
        url = slow_calendar.url(f"secret{n}")
        if n < 16:
            body = calendar_form(standin, member, url)
        else:
            body = slash_body(standin, f"calendar {url}", user=member, command="/prep")
        status, seconds = post(server, body, sign(body))
        assert status == 200
        acks.append(seconds)
    checks = [healthz(server)]
    sent: dict[str, float] = {}
    for n in range(5):  # another workspace logs calls meanwhile, five a second
        name = ("Ada Alpha", "Bea Bravo", "Cy Charlie", "Di Delta", "Ed Echo")[n]
        body = slash_body(standin, f"{name} (ACME) phone yesterday", user="U0OTHER", team="T0TEAM2")
        sent[name] = time.monotonic()
        status, seconds = post(server, body, sign(body))
        assert status == 200
        acks.append(seconds)
        checks.append(healthz(server))
        time.sleep(0.2)
    deadline = time.monotonic() + 10
    while len([p for p in standin.posts_to_response_urls if "Phone call with" in str(p.body)]) < 5:
        assert time.monotonic() < deadline, "the other workspace's replies did not come"
        time.sleep(0.05)
    replied = {
        name: post_.at - (time.time() - time.monotonic()) - began
        for post_ in standin.posts_to_response_urls
        for name, began in sent.items()
        if "Phone call with" in str(post_.body) and f"{name}*" in str(post_.body)
    }
    assert max(acks) < 1.0, acks
    assert max(checks) < 1.0, checks
    assert len(replied) == 5 and max(replied.values()) < 3.0, replied
    # The readers go on in the background: 20 feeds, four at a time, two seconds each.
    deadline = time.monotonic() + 60
    while not all(any("Connected to" in str(call.args) for call in _dms(standin, member)) for member in members):
        assert time.monotonic() < deadline, "not every member was told what their calendar holds"
        time.sleep(0.2)
    engine = make_engine(server.database_url)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Interaction)) == 5
    assert all("secret" not in str(call.args) for call in standin.calls_to("chat.postMessage"))


def _dms(standin: SlackStandIn, member: str) -> list:  # type: ignore[type-arg]
    return [call for call in standin.calls_to("chat.postMessage") if call.args.get("channel") == member]
