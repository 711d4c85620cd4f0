"""Builds the Bolt app and everything it needs (engine, sessions, Web API client) from the settings."""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy import Engine

from bot.db import make_engine, make_session_factory, migrate
from bot.settings import Settings
from handlers import register_listeners
from handlers.home.refreshes import HomeRefreshes
from handlers.kit.deps import Deps
from models.briefings.calendar import fetch_feed
from models.briefings.feeds import READER_THREADS, FeedReaders
from models.briefings.web import public_address, public_or_on_premises_address
from models.db.uow import UnitOfWork

#: Listeners' work runs on these threads after the acknowledgement. Few enough that the request
#: threads, which only verify, parse and acknowledge, are not starved of the interpreter under load.
LISTENER_THREADS = 4


class InlineExecutor(Executor):
    """Runs work at once, on the caller's thread: for the console and tests, which read replies right after."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 - handed to the future, as a thread pool would
            future.set_exception(error)
        return future


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """One process's shared pieces: the engine and the dependencies listeners use."""

    engine: Engine
    deps: Deps


def make_runtime(settings: Settings, clock: Callable[[], datetime] = utc_now, run_migrations: bool = True) -> Runtime:
    engine = make_engine(settings.database_url)
    if run_migrations:
        migrate(engine)
    sessions = make_session_factory(engine)
    readers = ThreadPoolExecutor(max_workers=READER_THREADS, thread_name_prefix="calendar")
    feeds = FeedReaders(fetch=calendar_fetch(settings), executor=readers)
    refreshes = HomeRefreshes(network_minutes=settings.network_refresh_minutes)
    deps = Deps(uow=lambda: UnitOfWork(sessions), clock=clock, feeds=feeds, home_refreshes=refreshes)
    return Runtime(engine=engine, deps=deps)


def calendar_fetch(settings: Settings) -> Callable[[str], bytes]:
    """How this process fetches calendar feeds: public addresses, and private ones if the settings allow."""
    allow = public_or_on_premises_address if settings.calendar_allow_private_addresses else public_address
    return functools.partial(fetch_feed, allow=allow)


def make_web_client(settings: Settings, token: str | None) -> WebClient:
    """A Web API client on SLACK_API_BASE_URL that retries rate limits, server and connection errors."""
    return WebClient(
        token=token,
        base_url=settings.slack_api_base_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_app(
    settings: Settings,
    deps: Deps,
    *,
    process_before_response: bool = True,
    request_verification_enabled: bool = True,
    engine: Engine | None = None,
    work_inline: bool = False,
    executor: Executor | None = None,
) -> App:
    """The Bolt app with every listener registered; no global state.

    With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, workspaces install it through OAuth (tokens in the
    database, rotation on); otherwise it serves the one workspace of SLACK_BOT_TOKEN.
    """
    oauth = None
    if settings.oauth_enabled and engine is not None:
        from bot.installations import oauth_settings

        oauth = oauth_settings(settings, engine)
    app = App(
        client=make_web_client(settings, None if oauth else settings.slack_bot_token),
        signing_secret=settings.slack_signing_secret or "",
        token_verification_enabled=False,
        process_before_response=process_before_response,
        request_verification_enabled=request_verification_enabled,
        oauth_settings=oauth,
        listener_executor=executor
        or (
            InlineExecutor()
            if work_inline
            else ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener")
        ),
    )
    if oauth is not None:
        app.enable_token_revocation_listeners()
    register_listeners(app, deps)
    return app
