"""Fixtures for end-to-end tests: the real app driven over signed requests against the Slack stand-in."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from bot.app import build_app
from bot.db import make_session_factory
from bot.settings import load_settings
from bot.slack_standin import SlackStandIn
from handlers.home.listeners import forget_refreshes
from handlers.kit.deps import Deps
from models.briefings.calendar import fetch_feed
from models.briefings.feeds import FeedReaders, Fetch
from models.db.uow import UnitOfWork
from tests.slack_driver import BOT_TOKEN, SIGNING_SECRET, Clock, SlackDriver, live_markup_in, violations_in


@pytest.fixture
def fetch_local() -> Fetch:
    """Fetches calendar feeds from the tests' servers on this machine's loopback (refused in production)."""
    return functools.partial(fetch_feed, allow=lambda address: address.is_loopback)


@pytest.fixture
def slack(db: Engine, standin: SlackStandIn, clock: Clock, fetch_local: Fetch) -> Iterator[SlackDriver]:
    """The real app (listeners finish before dispatch returns) against the Slack stand-in."""
    settings = load_settings(
        environ={
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_BASE_URL": standin.base_url,
        },
        env_file=None,
    )
    forget_refreshes()  # each test starts as a fresh process would
    sessions = make_session_factory(db)
    deps = Deps(uow=lambda: UnitOfWork(sessions), clock=clock, feeds=FeedReaders(fetch_local))
    app = build_app(settings, deps, work_inline=True)
    driver = SlackDriver(app, standin)
    yield driver
    assert violations_in(standin) == [], "a payload broke Slack's Block Kit limits"
    assert live_markup_in(standin) == [], "text from people reached Slack as live markup"
