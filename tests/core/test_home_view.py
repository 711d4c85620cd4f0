"""How the App Home words what `models.home` returns, and how often it is refreshed (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import make_runtime
from bot.settings import load_settings
from handlers.home.refreshes import HomeRefreshes
from handlers.home.views import home_view
from models.core.graph import BRIDGE, LOCAL_BRIDGE, Brokerage
from models.core.nudges import DigestSettings, TieFacts, neglected
from models.core.values import Actor
from models.home.service import CalendarShown, Gap, Home, HomeSettings, RelationshipLine, Section
from models.network.whoknows import Person
from tests.slack_driver import flatten

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
JANE = Person(kind="contact", id=1, name="Jane Doe", company="ACME")
RAJ = Person(kind="contact", id=2, name="Raj Patel")


def section(key: str, *lines: RelationshipLine) -> Section:
    return Section(key=key, lines=lines, page=0, has_more=False)


def line(person: Person = JANE, **why: object) -> RelationshipLine:
    return replace(RelationshipLine(person, score=3, strength=0.52, band="medium"), **why)


def a_home(**parts: object) -> Home:
    """An empty dashboard, but for `parts`."""
    empty = Home(
        gaps=section("gaps"),
        accounts_to_build=(),
        bridges=section("bridges"),
        brokerage=None,
        intermediaries=section("intermediaries"),
        messengers=(),
        top=section("top"),
        neglected=section("neglected"),
        one_sided=section("one_sided"),
        reach=0,
        relationships=0,
        settings=HomeSettings(
            digest=DigestSettings(), cadences={}, briefing_lead_minutes=30, calendar=None, private_ties=()
        ),
    )
    return replace(empty, **parts)


@pytest.mark.parametrize(
    ("minutes", "told"),
    [
        (60, "recomputed every hour"),
        (15, "recomputed every 15 minutes"),
        (1, "recomputed every minute"),
        (120, "recomputed every 2 hours"),
        (90, "recomputed every 90 minutes"),
        (1440, "recomputed every day"),
        (None, "recomputed on a schedule"),
    ],
)
def test_with_no_bridge_yet_the_home_tells_how_often_the_network_is_recomputed(minutes: int | None, told: str) -> None:
    """The empty bridges list says the interval NETWORK_REFRESH_MINUTES sets (or no number when unknown)."""
    assert f"No bridge yet (the network is {told})." in flatten(home_view(a_home(), minutes))


def test_each_list_says_why_a_contact_is_on_it() -> None:
    """Gaps, bridges, intermediaries and nudges are worded from the facts the use case returns."""
    overdue = neglected(TieFacts(1, "Jane Doe", "ACME", 0.52, 3, datetime(2025, 1, 1, tzinfo=UTC), 4), {}, NOW)
    assert overdue is not None
    view = home_view(
        a_home(
            gaps=section("gaps", line(gaps=(Gap.JOB_TITLE, Gap.RESPONSIBILITIES, Gap.APPRECIATION, Gap.NETWORK))),
            bridges=section("bridges", line(bridge=BRIDGE), line(RAJ, bridge=LOCAL_BRIDGE)),
            brokerage=Brokerage(degree=4, effective_size=3.25, constraint=None),
            intermediaries=section("intermediaries", line(knows=1), line(RAJ, knows=3)),
            neglected=section("neglected", line(nudge=overdue)),
            top=section("top", line()),
        )
    )
    text = flatten(view)
    assert "job title; what they really do; whether they value your work; their network" in text
    assert "*Jane Doe* (ACME) · score +3 · medium 0.52\n   the only way into their circle" in text
    assert "*Raj Patel* · score +3 · medium 0.52\n   links two circles that share no one" in text
    assert "Your brokerage: effective size 3.2, constraint n/a (lower: more open doors)" in text
    assert "knows 1 person we know of" in text and "knows 3 people we know of" in text
    assert "You haven't talked to Jane Doe (ACME) for 690 days" in text
    top = next(block for block in view["blocks"] if "Your top relationships" in flatten(block))
    assert flatten(top).endswith("· score +3 · medium 0.52")


@pytest.mark.parametrize(
    ("calendar", "shown"),
    [
        (None, "Calendar: none yet"),
        (CalendarShown(address=None), "Calendar: an uploaded file"),
        (CalendarShown(address="https://calendar.example.com/…"), "Calendar: https://calendar.example.com/…"),
    ],
)
def test_the_settings_show_the_calendar_feed_without_its_secret(calendar: CalendarShown | None, shown: str) -> None:
    """No feed, an uploaded file, or an address (redacted by the use case) read as such."""
    home = a_home()
    settings = replace(home.settings, calendar=calendar)
    assert shown in flatten(home_view(replace(home, settings=settings)))


def test_a_member_s_home_tab_is_refreshed_at_most_once_a_minute() -> None:
    """After one refresh the same member waits a minute; another member does not, nor a new app's record."""
    moment = [100.0]
    refreshes = HomeRefreshes(clock=lambda: moment[0])
    me, colleague = Actor("T1", "U1"), Actor("T1", "U2")
    assert refreshes.due(me) and not refreshes.due(me) and refreshes.due(colleague)
    moment[0] += 59.9
    assert not refreshes.due(me)
    assert HomeRefreshes(clock=lambda: moment[0]).due(me)
    moment[0] += 0.1
    assert refreshes.due(me) and not refreshes.due(me)


def test_the_app_tells_the_home_the_interval_of_its_settings(tmp_path: Path) -> None:
    """`make_runtime` hands the Home NETWORK_REFRESH_MINUTES, so what it says is what the scheduler does."""
    settings = load_settings(
        environ={"DATABASE_URL": f"sqlite:///{tmp_path}/rapport.db", "NETWORK_REFRESH_MINUTES": "15"}, env_file=None
    )
    runtime = make_runtime(settings, run_migrations=False)
    try:
        assert runtime.deps.home_refreshes.network_minutes == 15
    finally:
        runtime.engine.dispose()
