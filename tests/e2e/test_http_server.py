"""`rapport run --http` as deployed: a real server process, signed requests over HTTP, the stand-in."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bench.common import start_http_server, stop_http_server
from bot.db import make_engine
from bot.standin import SlackStandIn
from handlers.logcall import views
from handlers.nudges.listeners import SETTINGS_MODAL_ID
from models.db.orm import Contact, Interaction, Meeting, Member, Tie
from tests.form_answers import answers, checkboxes, datepicker, radio_buttons, static_select, timepicker
from tests.slack_driver import BOT_TOKEN, SIGNING_SECRET, flatten, interaction, payload_body, sign, slash_body

pytestmark = pytest.mark.slow


@dataclass
class Server:
    url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path


@pytest.fixture
def server(tmp_path: Path, standin: SlackStandIn) -> Iterator[Server]:
    """`rapport run --http` as the benchmarks start it, on a SQLite file of its own, logging at DEBUG."""
    database_url = f"sqlite:///{tmp_path / 'rapport.db'}"
    settings = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_BASE_URL": standin.base_url,
        "LOG_LEVEL": "DEBUG",
    }
    process, url = start_http_server(settings, tmp_path)
    yield Server(url=url, database_url=database_url, process=process, log=tmp_path / "server.log")
    stop_http_server(process)


def post(server: Server, body: str, headers: dict[str, str]) -> tuple[int, float]:
    request = urllib.request.Request(server.url + "/slack/events", data=body.encode(), headers=headers, method="POST")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, time.monotonic() - started
    except TimeoutError:  # no answer within 10 s: Slack would have shown the person an error long before
        return 0, time.monotonic() - started


def interactions(server: Server) -> int:
    engine = make_engine(server.database_url)
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Interaction)) or 0


def test_a_signed_logcall_is_answered_within_three_seconds_and_recorded_once(
    server: Server, standin: SlackStandIn
) -> None:
    """Over real HTTP: 200 well within Slack's 3 s, the reply arrives on response_url, a retry adds nothing."""
    body = slash_body(
        standin, "Jane Doe (ACME) phone yesterday they called: budget moves to Q3 #prospect", trigger_id="42.42"
    )
    status, seconds = post(server, body, sign(body))
    assert status == 200 and seconds < 3
    reply = standin.wait_for_response_post("command", timeout=10)
    assert "Phone call with Jane Doe" in str(reply.body)

    retry_headers = {**sign(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    status, _ = post(server, body, retry_headers)
    assert status == 200
    deadline = time.monotonic() + 10
    while len(standin.posts_to_response_urls) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "Already recorded" in str(standin.posts_to_response_urls[-1].body)
    assert interactions(server) == 1


def test_a_forged_signature_or_a_stale_timestamp_is_refused_with_401(server: Server, standin: SlackStandIn) -> None:
    """Requests not signed with our secret, or older than five minutes, are refused and record nothing: a
    genuine request sent after them is answered, and its call is the only one recorded."""
    body = slash_body(standin, "Jane Doe phone yesterday")
    assert post(server, body, sign(body, secret="not-the-secret"))[0] == 401
    assert post(server, body, sign(body, timestamp=int(time.time()) - 10 * 60))[0] == 401
    genuine = slash_body(standin, "Raj Patel phone yesterday")
    assert post(server, genuine, sign(genuine))[0] == 200
    assert "Raj Patel" in str(standin.wait_for_response_post("command", timeout=10).body)
    assert interactions(server) == 1


def test_the_server_logs_never_show_a_secret(server: Server, standin: SlackStandIn) -> None:
    """Even at DEBUG level, neither the bot token nor the signing secret appears in the logs."""
    body = slash_body(standin, "Jane Doe phone yesterday")
    post(server, body, sign(body))
    standin.wait_for_response_post("command", timeout=10)
    server.process.terminate()
    server.process.wait(timeout=10)
    log = server.log.read_text()
    assert "Rapport listening" in log
    assert BOT_TOKEN not in log and SIGNING_SECRET not in log


# At the door: size, signature, shape -------------------------------------------------------------
MEGABYTE = 1024 * 1024


def peak_resident_bytes(process: subprocess.Popen[bytes]) -> int:
    """The most memory the server has held so far (VmHWM, the peak of VmRSS), in bytes."""
    status = Path(f"/proc/{process.pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) * 1024


def post_huge(server: Server, size: int, chunked: bool) -> int:
    """POST `size` unsigned bytes as an attacker would, streaming; the status the server answers with."""
    host, port = server.url.removeprefix("http://").split(":")
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = f"POST /slack/events HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n{framing}\r\n\r\n"
    piece = b"a" * MEGABYTE
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(head.encode())

        def send_body() -> None:
            try:
                for _ in range(size // MEGABYTE):
                    connection.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                if chunked:
                    connection.sendall(b"0\r\n\r\n")
            except OSError:
                pass  # the server stopped listening to the body: what we want

        sender = threading.Thread(target=send_body)
        sender.start()
        answer = connection.recv(4096)
        with contextlib.suppress(OSError):  # already closed by the server
            connection.shutdown(socket.SHUT_RDWR)
        sender.join(timeout=30)
    return int(answer.split()[1])


def log_lines(server: Server, containing: str) -> list[str]:
    return [line for line in server.log.read_text().splitlines() if containing in line]


def wait_for_log_lines(server: Server, containing: str, timeout: float = 10.0) -> list[str]:
    """The server's log lines with this text, once there is one (the log is written as the server goes)."""
    deadline = time.monotonic() + timeout
    while not (found := log_lines(server, containing)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return found


def test_a_100_mb_body_is_refused_with_413_before_the_server_holds_it(server: Server) -> None:
    """With or without a length, 100 MB unsigned: 413, and the server's peak memory grows by less than 50 MB."""
    before = peak_resident_bytes(server.process)
    assert post_huge(server, 100 * MEGABYTE, chunked=False) == 413
    assert post_huge(server, 100 * MEGABYTE, chunked=True) == 413
    assert peak_resident_bytes(server.process) - before < 50 * MEGABYTE
    with urllib.request.urlopen(server.url + "/healthz", timeout=5) as response:
        assert response.status == 200  # and it is still serving


def test_unsigned_garbage_is_refused_with_401_in_one_quiet_log_line(server: Server) -> None:
    """Twenty unsigned `payload=xyz`: each 401, no traceback, one short log line (the rest counted later)."""
    statuses = {
        post(server, "payload=xyz", {"Content-Type": "application/x-www-form-urlencoded"})[0] for _ in range(20)
    }
    assert statuses == {401}
    assert len(wait_for_log_lines(server, "without a valid Slack signature")) == 1
    assert "Traceback" not in server.log.read_text()


def test_signed_garbage_is_refused_with_400_in_one_quiet_log_line(server: Server) -> None:
    """A correctly signed body that is no Slack payload (bad JSON, a list, an event that is a number): 400, quietly."""
    bodies = ["payload=xyz", "payload=%5B1%5D", '{"type": "event_callback", "event": 5}'] * 3
    assert [post(server, body, sign(body))[0] for body in bodies] == [400] * len(bodies)
    assert len(wait_for_log_lines(server, "not a Slack payload")) == 1
    assert "Traceback" not in server.log.read_text()
    assert interactions(server) == 0


# Acknowledgements whatever the Web API does -------------------------------------------------------
def submission(standin: SlackStandIn, callback_id: str, values: dict, metadata: dict, user: str = "U0SELLER1") -> str:  # type: ignore[type-arg]
    view = {
        "id": f"V{uuid.uuid4().hex[:10].upper()}",
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(metadata),
        "state": {"values": values},
    }
    return payload_body(interaction("view_submission", "T0TEAM1", user, "1.trigger", view=view))


def test_every_form_is_acknowledged_at_once_while_slack_rate_limits_the_work(
    server: Server, standin: SlackStandIn
) -> None:
    """users.info, views.publish and chat.postMessage answer 429 (Retry-After 5): each form still answers in
    well under 3 s, and its work completes afterwards, once."""
    warm_up = slash_body(standin, "Jane Doe (ACME) phone yesterday")
    assert post(server, warm_up, sign(warm_up))[0] == 200
    standin.wait_for_response_post("command", timeout=10)
    engine = make_engine(server.database_url)
    with engine.connect() as connection:
        contact_id = connection.scalar(select(Contact.id).where(Contact.name == "Jane Doe"))
    for method in ("users.info", "views.publish", "chat.postMessage"):
        standin.fail_next(method, status=429, retry_after=5)
    paris = ZoneInfo("Europe/Paris")
    today = datetime.now(paris).date()
    logged = answers(
        contacts="Raj Patel",
        company="Initech",
        channel=static_select("phone"),
        date=datepicker((today - timedelta(days=1)).isoformat()),
    )
    newcomer_form = submission(standin, views.LOGCALL_MODAL_ID, logged, {"tz": "Europe/Paris"}, user="U0NEWCOMER")
    forms = [
        newcomer_form,
        newcomer_form,  # submitted twice: recorded once
        submission(
            standin,
            views.SCHEDULE_MODAL_ID,
            logged | answers(date=datepicker((today + timedelta(days=2)).isoformat())),
            {"tz": "Europe/Paris"},
        ),
        submission(
            standin,
            views.RATE_MODAL_ID,
            answers(appreciation=radio_buttons("good")),
            {"contact_id": contact_id},
        ),
        submission(
            standin,
            views.TAGS_MODAL_ID,
            answers(tags="client"),
            {"contact_id": contact_id},
        ),
        submission(
            standin,
            SETTINGS_MODAL_ID,
            answers(frequency=radio_buttons("weekly"), time=timepicker("08:00"), days=checkboxes("tue")),
            {},
        ),
    ]
    acknowledged = [post(server, body, sign(body)) for body in forms]
    assert max(seconds for _, seconds in acknowledged) < 1.5 and {status for status, _ in acknowledged} == {200}, (
        acknowledged
    )

    # The work follows, each piece once Slack lets it through: replies by DM, the records.
    expected = {
        "U0NEWCOMER": ["with Raj Patel"],
        "U0SELLER1": ["Raj Patel", "rating is saved", "Tags saved", "Saved: your relationship digest"],
    }

    def delivered_texts(user: str) -> str:
        return "\n".join(flatten(message) + message.get("text", "") for message in standin.delivered_to(user))

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(
        all(text in delivered_texts(user) for text in texts) for user, texts in expected.items()
    ):
        time.sleep(0.1)
    for user, texts in expected.items():
        assert all(text in delivered_texts(user) for text in texts), (user, delivered_texts(user))
    assert interactions(server) == 2  # the warm-up and the newcomer's, once
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Meeting)) == 1
        assert connection.scalar(select(Tie.appreciation).where(Tie.contact_id == contact_id)) == "good"
        assert connection.scalar(select(Member.nudge_frequency).where(Member.slack_user_id == "U0SELLER1")) == "weekly"
    assert len(standin.calls_to("views.publish")) >= 2  # the Home tab too, after its 429
