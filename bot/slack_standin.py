"""A local stand-in for Slack's Web API over real HTTP, recording every call in a transcript."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self, cast
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

TEAM_ID = "T0STANDIN"
TEAM_NAME = "Rapport Stand-in"
BOT_USER_ID = "U0BOTUSER"
BOT_ID = "B0BOTUSER"
APP_ID = "A0RAPPORT"
DEFAULT_TZ = "Europe/Paris"

# Arguments that carry JSON; form-encoded and query-string callers send them as strings, JSON
# callers as objects. Decoding them keeps the transcript the same whichever way the client chose.
_JSON_VALUED_ARGS = frozenset({"blocks", "attachments", "view", "metadata"})

_API_PREFIX = "/api/"
_RESPONSE_URL_PREFIX = "/response/"
_FILES_PREFIX = "/files/"


@dataclass(frozen=True)
class Call:
    """One Web API call as it arrived: method, decoded arguments (token removed), token, time."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float


@dataclass(frozen=True)
class ResponseUrlPost:
    """One POST to a `response_url` handed out by `SlackStandIn.response_url`."""

    name: str
    url: str
    body: dict[str, Any]
    at: float


@dataclass
class _Fault:
    status: int
    retry_after: int
    error: str | None
    remaining: int


@dataclass(frozen=True)
class _Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def required_args_from_openapi(spec: Mapping[str, Any]) -> dict[str, list[str]]:
    """From Slack's OpenAPI 2.0 description, each method's required arguments except `token`.

    Only `formData` and `query` parameters count: the token travels in a header.
    """
    required: dict[str, list[str]] = {}
    for path, operations in spec.get("paths", {}).items():
        names: list[str] = []
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if (
                    parameter.get("required") is True
                    and parameter.get("in") in ("formData", "query")
                    and parameter.get("name") != "token"
                    and parameter["name"] not in names
                ):
                    names.append(parameter["name"])
        required[path.lstrip("/")] = names
    return required


class SlackStandIn:
    """Slack's Web API on 127.0.0.1, answering like Slack and recording each call.

    Point slack_sdk at it with `WebClient(token=..., base_url=standin.base_url)`. Every request is
    recorded, including refused and fault-injected ones, because a real client's retries are part
    of what it did.
    """

    def __init__(
        self,
        required_args: Mapping[str, Sequence[str]] | None = None,
        users: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:
        self.team_id = TEAM_ID
        self.bot_user_id = BOT_USER_ID
        self.bot_id = BOT_ID
        self._required_args = {method: list(names) for method, names in (required_args or {}).items()}
        self._users = dict(users or {})
        self._calls: list[Call] = []
        self._response_posts: list[ResponseUrlPost] = []
        self._response_url_names: dict[str, str] = {}
        self._faults: dict[str, _Fault] = {}
        self._home_view_ids: dict[str, str] = {}
        self._dm_channels: dict[str, str] = {}
        #: OAuth codes the stand-in accepts, and which team (and Grid organisation) each bot token belongs to.
        self.oauth_codes: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.token_teams: dict[str, str] = {}
        self.token_enterprises: dict[str, dict[str, str]] = {}
        self._history: dict[str, list[dict[str, Any]]] = {}
        #: Slack errors chat.postMessage answers for these users (e.g. "cannot_dm_bot").
        self.user_errors: dict[str, str] = {}
        #: Seconds to wait before answering a method, to let a test act mid-call.
        self.delays: dict[str, float] = {}
        self._sequence = 0
        self._changed = threading.Condition()
        self._server: _StandInServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --

    def start(self) -> Self:
        """Listen on a free local port in a daemon thread; returns itself."""
        if self._server is not None:
            return self
        self._server = _StandInServer(("127.0.0.1", 0), _Handler, self)
        # A short poll interval so that stop() returns at once rather than after half a second.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="slack-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and release the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT`, the server's address."""
        if self._server is None:
            raise RuntimeError("the Slack stand-in is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        """The Web API root, as slack_sdk's `WebClient(base_url=...)` wants it (trailing slash)."""
        return self.origin + _API_PREFIX

    def response_url(self, name: str = "cmd") -> str:
        """A fresh `response_url` on this server; what is POSTed to it is recorded under `name`."""
        url = f"{self.origin}{_RESPONSE_URL_PREFIX}{name}/{uuid.uuid4().hex}"
        with self._changed:
            self._response_url_names[urlsplit(url).path] = name
        return url

    # -- transcript --

    @property
    def calls(self) -> list[Call]:
        """Every Web API call so far, oldest first (a copy)."""
        with self._changed:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The calls to one method, oldest first."""
        return [call for call in self.calls if call.method == method]

    @property
    def posts_to_response_urls(self) -> list[ResponseUrlPost]:
        """Every POST to a `response_url`, oldest first (a copy)."""
        with self._changed:
            return list(self._response_posts)

    def clear(self) -> None:
        """Forget the transcript and any pending faults."""
        with self._changed:
            self._calls.clear()
            self._response_posts.clear()
            self._faults.clear()

    def wait_for(self, predicate_or_method: str | Callable[[Call], bool], timeout: float = 5.0) -> Call:
        """The first recorded call matching a method name or predicate, waiting up to `timeout`.

        Calls recorded before this one count too: `clear()` first to wait for a new one.
        Raises TimeoutError when none arrives in time.
        """
        matches = _matcher(predicate_or_method)
        with self._changed:
            found = self._changed.wait_for(
                lambda: next((call for call in self._calls if matches(call)), None),
                timeout,
            )
        if found is None:
            raise TimeoutError(f"no call matching {predicate_or_method!r} within {timeout}s")
        return found

    def wait_for_response_post(self, name: str | None = None, timeout: float = 5.0) -> ResponseUrlPost:
        """The first POST to a `response_url` (named `name`, if given), waiting up to `timeout`."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: next(
                    (p for p in self._response_posts if name is None or p.name == name),
                    None,
                ),
                timeout,
            )
        if found is None:
            raise TimeoutError(f"no post to a response_url named {name!r} within {timeout}s")
        return found

    # -- fault injection --

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 1,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls to `method` fail.

        With `error`, they answer HTTP 200 `{"ok": false, "error": error}`, as Slack reports most
        failures. Without it they answer HTTP `status`; a 429 carries `Retry-After: retry_after`
        and Slack's `ratelimited` body.
        """
        with self._changed:
            self._faults[method] = _Fault(status, retry_after, error, times)

    # -- answering, on the server's threads --

    def _answer_api(self, method: str, args: dict[str, Any], token: str | None) -> _Answer:
        with self._changed:
            self._calls.append(Call(method, args, token, time.time()))
            self._changed.notify_all()
            fault = self._faults.get(method)
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._faults[method]
        if fault is not None:
            return _fault_answer(fault)
        if not token and not method.startswith("oauth."):
            return _Answer(200, {"ok": False, "error": "not_authed"})
        args = {**args, "_token": token} if method in ("auth.test", "users.info") else args
        if "_invalid_json" in args:
            return _Answer(200, {"ok": False, "error": "invalid_json"})
        delay = self.delays.get(method)
        if delay:
            time.sleep(delay)
        answer = self._ANSWERS.get(method)
        if answer is None:
            return _Answer(200, {"ok": False, "error": "unknown_method"})
        missing = [name for name in self._required_args.get(method, []) if args.get(name) in (None, "")]
        if missing:
            # Slack's own wording for this: "[ERROR] missing required field: channel".
            messages = [f"[ERROR] missing required field: {name}" for name in missing]
            return _Answer(
                200,
                {
                    "ok": False,
                    "error": "missing_argument",
                    "arg": missing[0],
                    "response_metadata": {"messages": messages},
                },
            )
        # An answer may carry its own `"ok": False` (users.info for nobody), overriding ours.
        return _Answer(200, {"ok": True, **answer(self, args)})

    def _record_response_post(self, path: str, body: dict[str, Any]) -> bool:
        with self._changed:
            name = self._response_url_names.get(path)
            if name is None:
                return False
            self._response_posts.append(ResponseUrlPost(name, self.origin + path, body, time.time()))
            self._changed.notify_all()
            return True

    def _next_ts(self) -> str:
        with self._changed:
            self._sequence += 1
            return f"{int(time.time())}.{self._sequence:06d}"

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        team_id = self.token_teams.get(str(args.get("_token") or ""), self.team_id)
        return {
            "url": "https://rapport-standin.slack.com/",
            "team": TEAM_NAME,
            "user": "rapport",
            "team_id": team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def add_file(self, content: bytes, name: str = "calendar.ics") -> dict[str, Any]:
        """A file as Slack describes it in a form's file input; downloading it needs a bot token."""
        file_id = _new_id("F")
        with self._changed:
            self.files[file_id] = content
        return {"id": file_id, "name": name, "url_private_download": f"{self.origin}{_FILES_PREFIX}{file_id}"}

    def add_oauth_code(
        self,
        code: str,
        team_id: str,
        team_name: str = "Workspace",
        enterprise_id: str | None = None,
        enterprise_name: str = "Organisation",
        organisation_wide: bool = False,
    ) -> str:
        """Make `oauth.v2.access` with this code install the app in that team; returns its bot token.

        With `enterprise_id`, the team is a workspace of that Enterprise Grid organisation; with
        `organisation_wide` too, the app is installed for the whole organisation (no team).
        """
        token = f"xoxb-{team_id.lower()}-{uuid.uuid4().hex[:12]}"
        grant: dict[str, Any] = {"team_id": team_id, "team_name": team_name, "token": token}
        with self._changed:
            if enterprise_id:
                grant |= {"enterprise_id": enterprise_id, "enterprise_name": enterprise_name}
                grant["organisation_wide"] = organisation_wide
                self.token_enterprises[token] = {"id": enterprise_id, "name": enterprise_name}
            self.oauth_codes[code] = grant
            self.token_teams[token] = team_id
        return token

    def _oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        grant = self.oauth_codes.get(str(args.get("code") or ""))
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        enterprise = (
            {"id": grant["enterprise_id"], "name": grant["enterprise_name"]} if "enterprise_id" in grant else None
        )
        organisation_wide = bool(grant.get("organisation_wide"))
        return {
            "app_id": APP_ID,
            "authed_user": {"id": "U0INSTALLER"},
            "scope": "commands,chat:write,users:read",
            "token_type": "bot",
            "access_token": grant["token"],
            "bot_user_id": self.bot_user_id,
            "team": None if organisation_wide else {"id": grant["team_id"], "name": grant["team_name"]},
            "enterprise": enterprise,
            "is_enterprise_install": organisation_wide,
        }

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user") or "")
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        token = str(args.get("_token") or "")
        user = self._user(user_id, self.token_teams.get(token, self.team_id))
        enterprise = self.token_enterprises.get(token)
        if enterprise is not None:  # a member of a Grid organisation (Slack's objs_enterprise_user)
            user["enterprise_user"] = {
                "id": user_id,
                "enterprise_id": enterprise["id"],
                "enterprise_name": enterprise["name"],
                "is_admin": False,
                "is_owner": False,
                "teams": [user["team_id"]],
            }
        return {"user": user}

    def _user(self, user_id: str, team_id: str | None = None) -> dict[str, Any]:
        given = self._users.get(user_id, {})
        tz = str(given.get("tz", DEFAULT_TZ))
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        name = str(given.get("name", user_id.lower()))
        real_name = str(given.get("real_name", f"User {user_id}"))
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name,
            "real_name": real_name,
            "deleted": False,
            "is_bot": False,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            **{key: value for key, value in given.items() if key != "profile"},
        }
        user["profile"] = {
            "display_name": name,
            "real_name": real_name,
            **given.get("profile", {}),
        }
        return user

    def _view(self, args: dict[str, Any], view_id: str) -> dict[str, Any]:
        view = args.get("view")
        view = dict(view) if isinstance(view, Mapping) else {}
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type", "modal"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "clear_on_close": view.get("clear_on_close", False),
            "notify_on_close": view.get("notify_on_close", False),
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "bot_id": self.bot_id,
            **{k: v for k, v in view.items() if k in ("title", "submit", "close")},
        }

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"view": self._view(args, _new_id("V"))}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"view": self._view(args, str(args.get("view_id") or _new_id("V")))}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user_id", ""))
        with self._changed:
            view_id = self._home_view_ids.setdefault(user_id, _new_id("V"))
        return {"view": self._view(args, view_id)}

    def _message(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": APP_ID,
            "team": self.team_id,
            "text": args.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in args:
                message[key] = args[key]
        return message

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        error = self.user_errors.get(channel)
        if error:
            return {"ok": False, "error": error}
        if channel.startswith(("U", "W")):  # a user id: Slack posts in the app's DM with them
            with self._changed:
                channel = self._dm_channels.setdefault(channel, _new_id("D"))
        ts = self._next_ts()
        message = self._message(args, ts)
        with self._changed:
            self._history.setdefault(channel, []).append(message)
        return {"channel": channel, "ts": ts, "message": message}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        oldest = float(args.get("oldest") or 0)
        limit = int(args.get("limit") or 100)
        with self._changed:
            messages = [m for m in self._history.get(channel, []) if float(m["ts"]) > oldest]
        return {"messages": list(reversed(messages))[:limit], "has_more": False}

    def delivered_to(self, user_id: str) -> list[dict[str, Any]]:
        """The messages that reached a user's DM with the app (failed attempts are not there)."""
        with self._changed:
            channel = self._dm_channels.get(user_id)
            return list(self._history.get(channel, [])) if channel else []

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": self._next_ts()}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = str(args.get("ts", ""))
        return {
            "channel": args.get("channel"),
            "ts": ts,
            "text": args.get("text", ""),
            "message": self._message(args, ts),
        }

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        key = str(args.get("users") or args.get("channel") or "")
        with self._changed:
            channel_id = self._dm_channels.setdefault(key, _new_id("D"))
        return {"no_op": False, "already_open": False, "channel": {"id": channel_id}}

    _ANSWERS: ClassVar[Mapping[str, Callable[[SlackStandIn, dict[str, Any]], dict[str, Any]]]] = {
        "auth.test": _auth_test,
        "users.info": _users_info,
        "views.open": _views_open,
        "views.push": _views_open,
        "views.update": _views_update,
        "views.publish": _views_publish,
        "chat.postMessage": _chat_post_message,
        "chat.postEphemeral": _chat_post_ephemeral,
        "chat.update": _chat_update,
        "conversations.open": _conversations_open,
        "conversations.history": _conversations_history,
        "oauth.v2.access": _oauth_v2_access,
    }


def _new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:10].upper()


def _matcher(
    predicate_or_method: str | Callable[[Call], bool],
) -> Callable[[Call], bool]:
    if isinstance(predicate_or_method, str):
        method = predicate_or_method
        return lambda call: call.method == method
    return predicate_or_method


def _fault_answer(fault: _Fault) -> _Answer:
    if fault.error is not None:
        return _Answer(200, {"ok": False, "error": fault.error})
    if fault.status == 429:
        return _Answer(
            429,
            {"ok": False, "error": "ratelimited"},
            {"Retry-After": str(fault.retry_after)},
        )
    return _Answer(fault.status, {"ok": False, "error": "fatal_error"})


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


class _StandInServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        standin: SlackStandIn,
    ) -> None:
        super().__init__(address, handler)
        self.standin = standin


class _Handler(BaseHTTPRequestHandler):
    server_version = "SlackStandIn/1"

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("slack stand-in: " + format, *args)

    def _handle(self) -> None:
        standin = cast(_StandInServer, self.server).standin
        url = urlsplit(self.path)
        body = self._read_body()
        if url.path.startswith(_API_PREFIX):
            method = url.path[len(_API_PREFIX) :]
            args, token = self._api_args(url.query, body)
            self._send_json(standin._answer_api(method, args, token))
        elif url.path.startswith(_RESPONSE_URL_PREFIX) and self.command == "POST":
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                payload = {"raw": body.decode("utf-8", "replace")}
            if standin._record_response_post(url.path, payload):
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

    def _send_json(self, answer: _Answer) -> None:
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
