"""How a process reads calendars: the private-addresses setting, and the scheduled job handing feeds to the readers."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine

from bot.app import Runtime
from bot.jobs import Jobs
from bot.settings import SettingsError, load_settings
from handlers.kit.deps import Deps
from models.briefings.feeds import FeedReaders, set_feed_url
from models.core.values import Actor
from models.db.uow import UnitOfWork
from models.delivery.outbox import Delivery, OutgoingMessage
from tests.slack_driver import Clock


class NoSender:
    """The jobs' Slack sender, for jobs that send nothing."""

    def send(self, message: OutgoingMessage) -> Delivery:
        raise AssertionError("nothing is sent here")

    def find_sent(self, message: OutgoingMessage) -> Delivery | None:
        raise AssertionError("nothing is sent here")


NO_SENDER = NoSender()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, False), ("true", True), ("YES", True), ("1", True), ("false", False), ("No", False), ("0", False)],
)
def test_private_calendar_addresses_are_refused_unless_the_setting_says_otherwise(
    value: str | None, expected: bool
) -> None:
    """CALENDAR_ALLOW_PRIVATE_ADDRESSES is off by default and reads true/false, yes/no, 1/0 in any case."""
    environ = {"CALENDAR_ALLOW_PRIVATE_ADDRESSES": value} if value is not None else {}
    assert load_settings(environ=environ, env_file=None).calendar_allow_private_addresses is expected


@pytest.mark.parametrize("value", ["maybe", "on", "2", "tru"])
def test_a_private_addresses_setting_that_is_not_yes_or_no_is_a_settings_error(value: str) -> None:
    """A typo does not silently leave the setting off (or on): the message names it and what it accepts."""
    with pytest.raises(SettingsError, match="CALENDAR_ALLOW_PRIVATE_ADDRESSES must be true or false"):
        load_settings(environ={"CALENDAR_ALLOW_PRIVATE_ADDRESSES": value}, env_file=None)


def test_the_scheduled_job_hands_every_feed_to_the_readers_and_returns_at_once(
    db: Engine, uow: UnitOfWork, clock: Clock
) -> None:
    """Eight feeds whose servers take a second each: the job returns at once, and every feed is read on the
    readers' threads, four at a time."""
    fetched: list[str] = []
    lock = threading.Lock()

    def slow_fetch(url: str) -> bytes:
        time.sleep(1)
        with lock:
            fetched.append(url)
        return b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"

    for n in range(8):
        set_feed_url(uow, Actor("T0TEAM1", f"U0SELLER{n}"), f"https://calendar{n}.example/basic.ics")
    with ThreadPoolExecutor(max_workers=4) as readers:
        deps = Deps(uow=uow.fresh, clock=clock, feeds=FeedReaders(slow_fetch, executor=readers))
        scheduled = Jobs(Runtime(engine=db, deps=deps), sender=NO_SENDER)
        began = time.monotonic()
        scheduled.sync_calendars()
        assert time.monotonic() - began < 0.5
    assert 2 <= time.monotonic() - began < 3  # two rounds of four
    assert sorted(fetched) == sorted(f"https://calendar{n}.example/basic.ics" for n in range(8))
