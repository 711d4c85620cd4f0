"""The stand-in's HTTP server: the Web API under /api/, response URLs, and file downloads."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, cast
from urllib.parse import parse_qs, urlsplit

from bot.standin.transcript import _API_PREFIX, _FILES_PREFIX, _JSON_VALUED_ARGS, _RESPONSE_URL_PREFIX, Answer

logger = logging.getLogger(__name__)


class Answering(Protocol):
    """What the server asks of the stand-in behind it."""

    files: dict[str, bytes]

    def answer_api(self, method: str, args: dict[str, Any], token: str | None) -> Answer: ...

    def record_response_post(self, path: str, body: dict[str, Any]) -> bool: ...


def _decode_args(pairs: Iterator[tuple[str, Any]]) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for key, value in pairs:
        if key in _JSON_VALUED_ARGS and isinstance(value, str):
            # Left as sent when it is not JSON: Slack would refuse it, and the test can see why.
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        args[key] = value
    return args


def _form_pairs(encoded: str) -> Iterator[tuple[str, str]]:
    for key, values in parse_qs(encoded, keep_blank_values=True).items():
        yield key, values[-1]


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        standin: Answering,
    ) -> None:
        super().__init__(address, handler)
        self.standin = standin


class Handler(BaseHTTPRequestHandler):
    server_version = "SlackStandIn/1"

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("slack stand-in: " + format, *args)

    def _handle(self) -> None:
        standin = cast(StandInServer, self.server).standin
        url = urlsplit(self.path)
        body = self._read_body()
        if url.path.startswith(_API_PREFIX):
            method = url.path[len(_API_PREFIX) :]
            args, token = self._api_args(url.query, body)
            self._send_json(standin.answer_api(method, args, token))
        elif url.path.startswith(_RESPONSE_URL_PREFIX) and self.command == "POST":
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                payload = {"raw": body.decode("utf-8", "replace")}
            if standin.record_response_post(url.path, payload):
                self._send(200, b"ok", "text/plain")
            else:
                self._send(404, b"no_such_response_url", "text/plain")
        elif url.path.startswith(_FILES_PREFIX) and self.command == "GET":
            content = standin.files.get(url.path[len(_FILES_PREFIX) :])
            authorised = (self.headers.get("Authorization") or "").startswith("Bearer xox")
            if content is None or not authorised:
                self._send(404 if content is None else 403, b"not_found", "text/plain")
            else:
                self._send(200, content, "application/octet-stream")
        else:
            self._send(404, b"not_found", "text/plain")

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _api_args(self, query: str, body: bytes) -> tuple[dict[str, Any], str | None]:
        pairs: list[tuple[str, Any]] = list(_form_pairs(query))
        content_type = self.headers.get("Content-Type", "")
        if body and content_type.startswith("application/json"):
            try:
                decoded = json.loads(body)
            except ValueError:
                decoded = {"_invalid_json": body.decode("utf-8", "replace")}
            if isinstance(decoded, dict):
                pairs.extend(decoded.items())
        elif body:
            pairs.extend(_form_pairs(body.decode("utf-8")))
        args = _decode_args(iter(pairs))
        token = args.pop("token", None)
        authorization = self.headers.get("Authorization", "")
        if authorization.startswith("Bearer "):
            token = authorization[len("Bearer ") :].strip()
        return args, (str(token) if token else None)

    def _send_json(self, answer: Answer) -> None:
        self._send(
            answer.status,
            json.dumps(answer.body).encode(),
            "application/json",
            answer.headers,
        )

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
