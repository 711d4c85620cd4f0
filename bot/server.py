"""HTTP mode: Slack's requests on /slack/events, checked at the door (size, signature), served by waitress.

What reaches Bolt has passed three checks, in this order, before anything parses it: the body is
at most MAX_BODY_BYTES (else 413, unread), it carries Slack's signature made with our signing
secret within five minutes (else 401), and it reads as a Slack payload (else 400). Refusals are
logged in one short line per kind, at most every QUIET_LOG_SECONDS. The OAuth install page, open
to anyone, is rate-limited (429 with Retry-After).
"""

from __future__ import annotations

import gc
import io
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest

from bot.signing import is_signed

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
#: The largest request body accepted. Slack's own payloads are a few kilobytes (a view submission
#: carrying a full modal's state stays under about 100 KB); 1 MiB leaves ten times that, and is all
#: an outsider can make the server hold per request before the signature is checked.
MAX_BODY_BYTES = 1024 * 1024
#: Each kind of refused request is logged at most this often; the next line counts those left out.
QUIET_LOG_SECONDS = 10.0
#: Headers Bolt reads to run a lazy listener without its acknowledgement (its serverless mode):
#: never taken from the outside, where they are not covered by the signature.
_BOLT_INTERNAL_HEADER_PREFIX = "HTTP_X_SLACK_BOLT_"

_REFUSALS = {
    "too_large": f"refused a request body over {MAX_BODY_BYTES} bytes (413)",
    "unsigned": "refused a request without a valid Slack signature, or stamped more than five minutes away (401)",
    "malformed": "refused a signed request that is not a Slack payload (400)",
    "bad_length": "refused a request whose Content-Length is not a number (400)",
    "install_rate": "refused an install page request over the rate limit (429)",
}


class QuietLog:
    """One short line per kind of refused request, at most every `interval` seconds, counting the others.

    A flood of bad requests must not become a flood of log lines (nor of tracebacks).
    """

    def __init__(self, interval: float = QUIET_LOG_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._last: dict[str, float] = {}
        self._left_out: dict[str, int] = {}
        self._lock = threading.Lock()

    def refused(self, kind: str) -> None:
        with self._lock:
            now, last = self.clock(), self._last.get(kind)
            if last is not None and now - last < self.interval:
                self._left_out[kind] = self._left_out.get(kind, 0) + 1
                return
            self._last[kind] = now
            left_out = self._left_out.pop(kind, 0)
        more = f" (and {left_out} more like it in the last {now - last:.0f} s)" if left_out and last is not None else ""
        logger.warning("%s%s", _REFUSALS[kind], more)


@dataclass(frozen=True)
class Rate:
    """A token bucket's shape: `burst` requests at once, then `per_second` more each second."""

    burst: int
    per_second: float


#: One browser (client address) may open the install page 10 times at once, then once every 6 s.
INSTALL_RATE_PER_CLIENT = Rate(burst=10, per_second=1 / 6)
#: Everyone together: 60 at once, then one a second. Each visit stores an OAuth state for 10
#: minutes, so at most about 660 states are ever waiting.
INSTALL_RATE_OVERALL = Rate(burst=60, per_second=1.0)


class RateLimiter:
    """Token buckets per client and for everyone; a refused request costs no token of either.

    A client's bucket is created only when the overall bucket has room, so the table of clients
    stays small whatever number of addresses a flood comes from.
    """

    def __init__(
        self,
        per_client: Rate = INSTALL_RATE_PER_CLIENT,
        overall: Rate = INSTALL_RATE_OVERALL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_client, self.overall, self.clock = per_client, overall, clock
        self._everyone = (float(overall.burst), clock())
        self._clients: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """0 if `client` may go ahead now (and it is counted), else the seconds before it may."""
        with self._lock:
            now = self.clock()
            everyone = _level(self._everyone, self.overall, now)
            if everyone < 1:
                return (1 - everyone) / self.overall.per_second
            mine = _level(self._clients.get(client, (float(self.per_client.burst), now)), self.per_client, now)
            if mine < 1:
                return (1 - mine) / self.per_client.per_second
            self._everyone = (everyone - 1, now)
            self._clients[client] = (mine - 1, now)
            if len(self._clients) > 4 * self.overall.burst:  # forget full buckets: the same as none
                for key, bucket in list(self._clients.items()):
                    if _level(bucket, self.per_client, now) >= self.per_client.burst:
                        del self._clients[key]
            return 0.0


def _level(bucket: tuple[float, float], rate: Rate, now: float) -> float:
    tokens, at = bucket
    return min(float(rate.burst), tokens + (now - at) * rate.per_second)


class CheckedRequestHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, except that a signed body that is not a Slack payload answers 400 quietly."""

    def __init__(self, app: App, quiet: QuietLog, path: str = EVENTS_PATH) -> None:
        super().__init__(app, path=path)
        self.quiet = quiet

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        try:
            bolt_request = BoltRequest(
                body=request.get_body(), query=request.query_string, headers=request.get_headers()
            )
        except (ValueError, TypeError, AttributeError, KeyError):  # not UTF-8, not JSON, not an object
            self.quiet.refused("malformed")
            return BoltResponse(status=400, body="Bad Request")
        try:
            return self.app.dispatch(bolt_request)
        except Exception as error:  # noqa: BLE001 - Bolt handles every error but those of its own error path
            # Which only a payload of the wrong shape reaches (an `event` or a `view` that is not an object).
            self.quiet.refused("malformed")
            logger.debug("Bolt could not handle a signed request: %s", type(error).__name__)
            return BoltResponse(status=400, body="Bad Request")


def make_wsgi_app(
    app: App,
    signing_secret: str,
    health: Callable[[], bool] = lambda: True,
    *,
    quiet: QuietLog | None = None,
    install_limiter: RateLimiter | None = None,
) -> Callable[..., Iterable[bytes]]:
    """Slack's endpoint (checked at the door, see the module's docstring) plus a health check."""
    quiet = quiet or QuietLog()
    limiter = install_limiter or RateLimiter()
    slack = CheckedRequestHandler(app, quiet)
    install_path = app.oauth_flow.install_path if app.oauth_flow is not None else None

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH:
            healthy = health()
            status = "200 OK" if healthy else "503 Service Unavailable"
            return _answer(start_response, status, json.dumps({"ok": healthy}), "application/json")
        for name in [key for key in environ if key.startswith(_BOLT_INTERNAL_HEADER_PREFIX)]:
            del environ[name]
        length_text = str(environ.get("CONTENT_LENGTH") or "").strip()
        if length_text and (not length_text.isdecimal() or int(length_text) > MAX_BODY_BYTES):
            quiet.refused("too_large" if length_text.isdecimal() else "bad_length")
            return _answer(start_response, "413 Content Too Large" if length_text.isdecimal() else "400 Bad Request")
        if method == "GET" and path == install_path:
            wait = limiter.wait(str(environ.get("REMOTE_ADDR") or ""))
            if wait > 0:
                quiet.refused("install_rate")
                retry = [("Retry-After", str(max(1, math.ceil(wait))))]
                return _answer(
                    start_response, "429 Too Many Requests", "Too many requests: try again later.", extra=retry
                )
        if method == "POST" and path == EVENTS_PATH:
            stream = environ.get("wsgi.input") or io.BytesIO()
            # With no length given (a chunked body, on a server that passes it on), read one byte past the limit.
            body = stream.read(int(length_text) if length_text else MAX_BODY_BYTES + 1)
            if len(body) > MAX_BODY_BYTES:
                quiet.refused("too_large")
                return _answer(start_response, "413 Content Too Large")
            stamp, signature = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"), environ.get("HTTP_X_SLACK_SIGNATURE")
            if not is_signed(body, stamp, signature, signing_secret):
                quiet.refused("unsigned")
                return _answer(start_response, "401 Unauthorized")
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        else:  # the OAuth pages read their query string only: Bolt would parse a body sent along, unsigned
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(), "0"
        return slack(environ, start_response)

    return wsgi


def _answer(
    start_response: StartResponse,
    status: str,
    text: str | None = None,
    content_type: str = "text/plain; charset=utf-8",
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    body = (text if text is not None else status.split(" ", 1)[1]).encode()
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))), *(extra or [])])
    return [body]


def serve(
    app: App,
    port: int,
    *,
    signing_secret: str,
    host: str = "0.0.0.0",
    threads: int = 16,
    health: Callable[[], bool] = lambda: True,
    **options: Any,
) -> None:
    """Serve until interrupted, with waitress: a production WSGI server (threads, buffering, timeouts)."""
    from waitress import serve as waitress_serve

    # What is loaded at start-up lives as long as the process: keep the collector from rescanning it,
    # and collect less often, so that its pauses do not land on Slack's acknowledgements.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)

    waitress_serve(
        make_wsgi_app(app, signing_secret, health),
        host=host,
        port=port,
        threads=threads,
        ident="rapport",
        # waitress buffers a whole body before the application sees it: it must refuse a larger one
        # itself, as soon as the headers announce it (or a chunked body passes it). It refuses at
        # "length >= limit", hence the one byte more; up to 512 KB stay in memory, the rest in a file.
        max_request_body_size=MAX_BODY_BYTES + 1,
        **options,
    )
