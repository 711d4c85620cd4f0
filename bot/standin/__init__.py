"""A local stand-in for Slack's Web API over real HTTP, recording every call in a transcript.

No part of the product: `rapport console` and the tests talk to it instead of Slack.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from bot.standin.http import Handler, StandInServer
from bot.standin.methods import WebApiMethods
from bot.standin.transcript import (
    _API_PREFIX,
    _RESPONSE_URL_PREFIX,
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    Answer,
    Call,
    Fault,
    ResponseUrlPost,
    fault_answer,
    matcher,
    required_args_from_openapi,
)

__all__ = ["Call", "ResponseUrlPost", "SlackStandIn", "required_args_from_openapi"]


class SlackStandIn(WebApiMethods):
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
        self._faults: dict[str, Fault] = {}
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
        self._server: StandInServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --

    def start(self) -> Self:
        """Listen on a free local port in a daemon thread; returns itself."""
        if self._server is not None:
            return self
        self._server = StandInServer(("127.0.0.1", 0), Handler, self)
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
        matches = matcher(predicate_or_method)
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
            self._faults[method] = Fault(status, retry_after, error, times)

    # -- answering, on the server's threads --

    def answer_api(self, method: str, args: dict[str, Any], token: str | None) -> Answer:
        with self._changed:
            self._calls.append(Call(method, args, token, time.time()))
            self._changed.notify_all()
            fault = self._faults.get(method)
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._faults[method]
        if fault is not None:
            return fault_answer(fault)
        if not token and not method.startswith("oauth."):
            return Answer(200, {"ok": False, "error": "not_authed"})
        args = {**args, "_token": token} if method in ("auth.test", "users.info") else args
        if "_invalid_json" in args:
            return Answer(200, {"ok": False, "error": "invalid_json"})
        delay = self.delays.get(method)
        if delay:
            time.sleep(delay)
        answer = self._ANSWERS.get(method)
        if answer is None:
            return Answer(200, {"ok": False, "error": "unknown_method"})
        missing = [name for name in self._required_args.get(method, []) if args.get(name) in (None, "")]
        if missing:
            # Slack's own wording for this: "[ERROR] missing required field: channel".
            messages = [f"[ERROR] missing required field: {name}" for name in missing]
            return Answer(
                200,
                {
                    "ok": False,
                    "error": "missing_argument",
                    "arg": missing[0],
                    "response_metadata": {"messages": messages},
                },
            )
        # An answer may carry its own `"ok": False` (users.info for nobody), overriding ours.
        return Answer(200, {"ok": True, **answer(self, args)})

    def record_response_post(self, path: str, body: dict[str, Any]) -> bool:
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
