"""Slow calendar feeds against `rapport run --http`: Slack's requests are answered as if they were not there.

The feeds are served from this machine's address in a private network (the setting
CALENDAR_ALLOW_PRIVATE_ADDRESSES lets the app reach it, as it would an on-premises calendar server);
a machine with no such address skips these tests.
"""

from __future__ import annotations

import socket
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address

import pytest
from sqlalchemy import func, select

from bot.app import calendar_fetch
from bot.db import make_engine
from bot.settings import load_settings
from bot.standin import SlackStandIn
from models.briefings.calendar import FeedError
from models.briefings.web import public_address, public_or_on_premises_address
from models.db.orm import Interaction
from tests.e2e import test_http_server
from tests.e2e.test_http_server import Server, post
from tests.form_answers import answers
from tests.slack.test_calendar_feeds import FileServer, calendar, event
from tests.slack_driver import interaction, payload_body, sign, slash_body

#: How long the slow calendar server sleeps before it answers each request.
SLOW_SECONDS = 2.0
#: `rapport run --http` as deployed, with this module's environment (see `private_networks_allowed`).
server = test_http_server.server


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


@pytest.fixture
def slow_calendar() -> Iterator[FileServer]:
    """A calendar server on the machine's private address that sleeps before answering any path."""
    address = on_premises_address()
    if address is None:
        pytest.skip("this machine has no address in a private network's range to serve a calendar from")
    starts = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y%m%dT100000Z")
    body = calendar(event("demo", "Globex demo", starts)).encode()
    calendar_server = FileServer(
        {"*": (200, {"Content-Type": "text/calendar"}, body)}, address=address, delay=SLOW_SECONDS
    )
    yield calendar_server
    calendar_server.close()


def secret_url(calendar_server: FileServer, secret: str) -> str:
    return f"{calendar_server.origin}/calendar/{secret}/basic.ics"


def test_a_calendar_on_a_private_network_is_read_only_when_the_setting_allows_it(slow_calendar: FileServer) -> None:
    """The on-premises calendar server is refused by default and read with CALENDAR_ALLOW_PRIVATE_ADDRESSES."""
    refusing = calendar_fetch(load_settings(environ={}, env_file=None))
    with pytest.raises(FeedError):
        refusing(secret_url(slow_calendar, "s3cret"))
    assert slow_calendar.seen == []
    allowing = calendar_fetch(load_settings(environ={"CALENDAR_ALLOW_PRIVATE_ADDRESSES": "true"}, env_file=None))
    assert allowing(secret_url(slow_calendar, "s3cret")).startswith(b"BEGIN:VCALENDAR")


@pytest.fixture(autouse=True)
def private_networks_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """`rapport run --http` (the `server` fixture passes the environment on) may read calendars on private networks."""
    monkeypatch.setenv("CALENDAR_ALLOW_PRIVATE_ADDRESSES", "yes")


def calendar_form(standin: SlackStandIn, user: str, url: str) -> str:
    """A Home-tab calendar form submitted with an address, as Slack posts it."""
    view = {
        "id": f"V{user}",
        "type": "modal",
        "callback_id": "calendar_feed_modal",
        "state": {"values": answers(url=url)},
    }
    return payload_body(interaction("view_submission", "T0TEAM1", user, f"{user}.trigger", view=view))


def healthz(server: Server) -> float:
    began = time.monotonic()
    with urllib.request.urlopen(server.url + "/healthz", timeout=10) as response:
        assert response.status == 200
    return time.monotonic() - began


@pytest.mark.slow
def test_slow_calendar_feeds_delay_no_acknowledgement_no_other_workspace_and_no_health_check(
    server: Server, standin: SlackStandIn, slow_calendar: FileServer
) -> None:
    """Sixteen Home-tab calendar forms and four `/prep calendar` from one workspace, every feed answering after
    2 s, the Web API rate-limiting the first replies: every acknowledgement, every `/healthz` and another
    workspace's `/logcall` replies stay prompt, and each member is told by DM what their calendar holds."""
    standin.fail_next("chat.postMessage", status=429, retry_after=5)
    standin.fail_next("views.publish", status=429, retry_after=5)
    members = [f"U0CAL{n:02d}" for n in range(20)]
    acks = []
    for n, member in enumerate(members):
        url = secret_url(slow_calendar, f"secret{n}")
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
