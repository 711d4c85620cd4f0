"""At the HTTP door: signatures on raw bytes, rate limits, quiet refusals, and the WSGI checks themselves."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult

from bot.server import MAX_BODY_BYTES, QuietLog, Rate, RateLimiter, make_wsgi_app
from bot.signing import is_signed, signature_headers

SECRET = "door-test-secret-0123456789"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class EndlessBody(io.RawIOBase):
    """A request body that never ends (a chunked stream passed on without a length); counts what is read."""

    def __init__(self) -> None:
        self.read_so_far = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            raise AssertionError("the whole body was asked for")
        self.read_so_far += size
        return b"a" * size


def call(
    wsgi: Callable[..., Iterable[bytes]],
    body: bytes | io.RawIOBase,
    headers: dict[str, str] | None = None,
    length: int | None = None,
) -> tuple[str, bytes]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "wsgi.input": body if isinstance(body, io.RawIOBase) else io.BytesIO(body),
    }
    if isinstance(body, bytes) or length is not None:
        environ["CONTENT_LENGTH"] = str(len(body) if isinstance(body, bytes) else length)
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    answered: list[str] = []
    output = b"".join(wsgi(environ, lambda status, _headers: answered.append(status)))
    return answered[0], output


@pytest.fixture
def wsgi() -> Callable[..., Iterable[bytes]]:
    app = App(signing_secret=SECRET, token="xoxb-unused", token_verification_enabled=False)
    return make_wsgi_app(app, SECRET)


def test_a_signature_is_checked_on_the_raw_bytes_within_five_minutes() -> None:
    """Slack's own signature holds; another secret, another body, a stale or odd timestamp do not."""
    body = "command=%2Flogcall&text=hello"
    headers = signature_headers(body, SECRET, timestamp=1_000_000)
    stamp, signature = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    assert is_signed(body.encode(), stamp, signature, SECRET, now=1_000_000 + 299)
    assert not is_signed(body.encode(), stamp, signature, SECRET, now=1_000_000 + 301)
    assert not is_signed(body.encode() + b"x", stamp, signature, SECRET, now=1_000_000)
    assert not is_signed(body.encode(), stamp, signature, "another-secret", now=1_000_000)
    assert not is_signed(body.encode(), "1e6", signature, SECRET, now=1_000_000)
    assert not is_signed(body.encode(), stamp, "v0=é", SECRET, now=1_000_000)
    assert not is_signed(b"\xff\xfe", stamp, None, SECRET, now=1_000_000)


def test_a_body_without_a_length_is_read_only_up_to_the_limit(wsgi: Callable[..., Iterable[bytes]]) -> None:
    """A body that does not say its length is cut off one byte past MAX_BODY_BYTES, and refused with 413."""
    endless = EndlessBody()
    status, _ = call(wsgi, endless)
    assert status.startswith("413") and endless.read_so_far == MAX_BODY_BYTES + 1


def test_a_body_announced_too_long_is_refused_unread(wsgi: Callable[..., Iterable[bytes]]) -> None:
    """A Content-Length over the limit answers 413 without a byte being read; one at the limit is read."""
    endless = EndlessBody()
    assert call(wsgi, endless, length=MAX_BODY_BYTES + 1)[0].startswith("413") and endless.read_so_far == 0
    assert call(wsgi, endless, length=MAX_BODY_BYTES)[0].startswith("401")  # read, then found unsigned


def test_a_signed_body_that_is_not_utf8_answers_400(wsgi: Callable[..., Iterable[bytes]]) -> None:
    """Signed, but not text: refused as malformed, never a 500."""
    body = b"payload=\xff\xfe"
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    status, _ = call(wsgi, body, {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"})
    assert status.startswith("400")


def test_refusals_are_logged_once_per_interval_with_a_count_of_the_others(caplog: pytest.LogCaptureFixture) -> None:
    """A flood of one kind of bad request writes one line per ten seconds; the next line says how many were left out."""
    clock = FakeClock()
    quiet = QuietLog(interval=10, clock=clock)
    with caplog.at_level(logging.WARNING, logger="bot.server"):
        for _ in range(50):
            quiet.refused("unsigned")
            clock.now += 0.1
        quiet.refused("too_large")
        clock.now += 10
        quiet.refused("unsigned")
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 3
    assert "signature" in lines[0] and "413" in lines[1]
    assert "and 49 more like it in the last 15 s" in lines[2]


def test_a_client_gets_its_burst_then_waits_and_everyone_shares_a_ceiling() -> None:
    """Per client: a burst, then a steady pace; all clients together never pass the overall rate."""
    clock = FakeClock()
    limiter = RateLimiter(per_client=Rate(burst=3, per_second=0.5), overall=Rate(burst=5, per_second=1), clock=clock)
    assert [limiter.wait("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.wait("a") == pytest.approx(2.0)  # one token every two seconds
    assert [limiter.wait("b") for _ in range(2)] == [0, 0]
    assert limiter.wait("c") == pytest.approx(1.0)  # the overall bucket is empty
    clock.now += 2
    assert limiter.wait("a") == 0


def test_the_limiter_forgets_clients_whose_buckets_have_refilled() -> None:
    """Addresses seen once do not pile up: a refilled bucket is dropped when the table grows."""
    clock = FakeClock()
    limiter = RateLimiter(per_client=Rate(burst=2, per_second=1), overall=Rate(burst=10, per_second=100), clock=clock)
    for number in range(1000):
        assert limiter.wait(f"2001:db8::{number}") == 0
        clock.now += 0.1
    assert len(limiter._clients) <= 4 * 10 + 1


def test_bolts_internal_headers_from_outside_are_ignored() -> None:
    """`X-Slack-Bolt-Lazy-Only` (not covered by the signature) cannot make Bolt skip a listener's acknowledgement."""
    app = App(
        signing_secret=SECRET,
        authorize=lambda **_: AuthorizeResult(enterprise_id=None, team_id="T1", bot_token="xoxb-1", bot_user_id="U0B"),
    )
    ran_lazily: list[str] = []

    def later() -> None:
        ran_lazily.append("later")

    app.command("/door")(ack=lambda ack: ack("acknowledged"), lazy=[later])
    wsgi = make_wsgi_app(app, SECRET)
    body = "command=%2Fdoor&team_id=T1&user_id=U1&text="
    headers = {
        **signature_headers(body, SECRET),
        "X-Slack-Bolt-Lazy-Only": "true",
        "X-Slack-Bolt-Lazy-Function-Name": "later",
    }
    status, answer = call(wsgi, body.encode(), headers)
    assert status.startswith("200") and b"acknowledged" in answer


def test_nothing_but_a_signed_events_post_has_its_body_read(wsgi: Callable[..., Iterable[bytes]]) -> None:
    """A body sent to any other page (the OAuth pages parse what they are given) is replaced by an empty one."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/slack/install",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_LENGTH": "9",
        "wsgi.input": io.BytesIO(b'{"a": 1}x'),
    }
    status: list[str] = []
    b"".join(wsgi(environ, lambda answer, _headers: status.append(answer)))
    assert status == ["404 Not Found"]  # no OAuth in this app: Bolt's answer, after seeing no body
    assert environ["wsgi.input"].read() == b"" and environ["CONTENT_LENGTH"] == "0"
