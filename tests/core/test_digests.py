"""Which nudges a member's digest carries, when it is due, and what their answers change, on the fakes.

The rules themselves are in tests/core/test_nudges.py; here the use cases that apply them to what a
member's repository holds (`compose_due`, `snooze`, `mute`, the settings). Delivery, concurrency and
the SQL that counts balances are tested on the databases (tests/slack/test_digests.py, tests/db/).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

import pytest

from handlers.nudges.wording import reason
from models.core.errors import NotFound, RapportError
from models.core.nudges import Frequency, NudgeKind
from models.core.values import Actor, Initiator
from models.db.orm import Contact, Member, Outbox, Tie, Workspace
from models.db.orm import NudgeMemory as NudgeMemoryRow
from models.nudges.digests import ComposedDigest, compose_due, mute, snooze
from models.nudges.settings import nudge_settings, save_nudge_settings
from tests.fakes import FakeDatabase, FakeUnitOfWork, World

TEAM = "T0TEAM1"
#: Monday 30 November 2026: 08:00 UTC is 09:00 in Paris, 17:00 UTC is 09:00 in Los Angeles.
MONDAY = datetime(2026, 11, 30, tzinfo=UTC)
PARIS_NINE = MONDAY.replace(hour=8)


@dataclass
class Sellers:
    """A workspace whose sellers each have a relationship to nudge about, and the unit of work to compose in."""

    world: World
    workspace: Workspace
    database: FakeDatabase
    uow: FakeUnitOfWork

    def seller(self, user_id: str, zone: str = "Europe/Paris", overdue_days: int = 45, **fields: object) -> Member:
        """A seller in `zone` with one client overdue (every 30 days, last talked to `overdue_days` ago)."""
        member = self.world.member(self.workspace, user_id, time_zone=zone, **fields)
        self.client(member, f"Client of {user_id}", days_ago=overdue_days, cadence_days=30)
        return member

    def client(self, member: Member, name: str, strength: float = 0.5, days_ago: float = 45, **tie: object) -> Contact:
        contact = self.world.contact(self.workspace, name)
        self.world.tie(member, contact, strength, days_ago=days_ago, **tie)
        return contact

    def compose(self, at: datetime, dry_run: bool = False, only_user: str | None = None) -> list[ComposedDigest]:
        return compose_due(self.uow, at, only_user, dry_run)

    def kinds(self, at: datetime, user_id: str = "U0SELLER1") -> list[str]:
        """The kinds of the items a dry run at `at` finds for the member."""
        (digest,) = self.compose(at, dry_run=True, only_user=user_id)
        return [item.kind.value for item in digest.items]


@pytest.fixture
def sellers(fake_db: FakeDatabase, fake_uow: FakeUnitOfWork) -> Sellers:
    world = World(fake_db, MONDAY)
    return Sellers(world, world.workspace(TEAM), fake_db, fake_uow)


def users(digests: list[ComposedDigest]) -> list[str]:
    return [digest.slack_user_id for digest in digests]


# When, and for whom ----------------------------------------------------------------------------------
def test_each_member_is_due_at_their_own_nine_oclock_once_per_period(sellers: Sellers) -> None:
    """Paris at 08:00 UTC, Los Angeles at 17:00 UTC; earlier nothing; a second sweep composes nothing more."""
    sellers.seller("U0PARIS")
    sellers.seller("U0LA", "America/Los_Angeles")
    assert sellers.compose(PARIS_NINE - timedelta(minutes=1)) == []
    assert users(sellers.compose(PARIS_NINE)) == ["U0PARIS"]
    assert sellers.compose(MONDAY.replace(hour=16, minute=59)) == []
    assert users(sellers.compose(MONDAY.replace(hour=17))) == ["U0LA"]
    assert sellers.compose(MONDAY.replace(hour=18)) == []
    assert len(sellers.database.rows(Outbox)) == 2


def test_daylight_saving_keeps_the_digest_at_local_nine(sellers: Sellers) -> None:
    """In Los Angeles, 09:00 is 17:00 UTC in winter and 16:00 UTC in summer (after 8 March 2026)."""
    summer = datetime(2026, 3, 9, tzinfo=UTC)  # a Monday, after the spring change
    member = sellers.world.member(sellers.workspace, "U0LA", time_zone="America/Los_Angeles")
    sellers.world.tie(member, sellers.world.contact(sellers.workspace, "Jane Doe"), 0.5, cadence_days=30)
    sellers.database.rows(Tie)[0].last_interaction_at = summer - timedelta(days=45)
    assert sellers.compose(summer.replace(hour=15, minute=59), dry_run=True) == []
    assert users(sellers.compose(summer.replace(hour=16), dry_run=True)) == ["U0LA"]


def test_members_who_turned_it_off_or_cannot_be_reached_get_none(sellers: Sellers) -> None:
    """Digests off, or the app blocked: not composed; `only_user` composes one member alone."""
    sellers.seller("U0OFF", nudge_frequency=Frequency.OFF.value)
    sellers.seller("U0GONE", unreachable_at=MONDAY, unreachable_reason="cannot_dm_bot")
    sellers.seller("U0ONE")
    sellers.seller("U0TWO")
    assert users(sellers.compose(PARIS_NINE, dry_run=True)) == ["U0ONE", "U0TWO"]
    assert users(sellers.compose(PARIS_NINE, only_user="U0TWO")) == ["U0TWO"]


def test_a_dry_run_shows_the_items_and_writes_nothing(sellers: Sellers) -> None:
    """`--dry-run` composes the digest for printing; no outbox row, nothing remembered: the real sweep still sends it."""
    sellers.seller("U0PARIS")
    (composed,) = sellers.compose(PARIS_NINE, dry_run=True)
    assert [item.kind for item in composed.items] == [NudgeKind.NEGLECTED]
    assert sellers.database.rows(Outbox) == [] and sellers.database.rows(NudgeMemoryRow) == []
    assert users(sellers.compose(PARIS_NINE)) == ["U0PARIS"]


def test_a_member_with_nothing_to_say_gets_an_empty_row_and_no_second_try(sellers: Sellers) -> None:
    """Nothing overdue: the period is kept as composed, empty (nothing to send), and not composed again."""
    sellers.seller("U0CALM", overdue_days=3)
    (composed,) = sellers.compose(PARIS_NINE)
    assert composed.items == ()
    assert [row.status for row in sellers.database.rows(Outbox)] == ["empty"]
    assert sellers.compose(PARIS_NINE + timedelta(hours=1)) == []


def test_a_member_whose_digest_cannot_be_composed_never_stops_the_others(sellers: Sellers) -> None:
    """One member's unreadable data (a nudge kind this version does not know) costs only their digest,
    which the next sweep tries again."""
    odd = sellers.seller("U0ODD")
    sellers.seller("U0FINE")
    sellers.world.memory(odd, sellers.database.rows(Contact)[0], "retired")
    assert users(sellers.compose(PARIS_NINE)) == ["U0FINE"]
    sellers.database.delete(sellers.database.rows(NudgeMemoryRow)[0])
    assert users(sellers.compose(PARIS_NINE + timedelta(minutes=1))) == ["U0ODD"]


# What the digest carries -----------------------------------------------------------------------------
def test_the_digest_carries_the_members_own_cadences_and_who_started_their_relationships(sellers: Sellers) -> None:
    """#client every 15 days (the member's rule) makes Jane overdue; Raj, whom I called the last 5 times,
    is one-sided (counted from my interactions, as no balance was kept); the more valuable comes first."""
    me = sellers.world.member(sellers.workspace, "U0SELLER1", time_zone="Europe/Paris")
    jane = sellers.client(me, "Jane Doe", 0.6, days_ago=20)
    sellers.world.tag(jane, "client")
    sellers.world.cadence(me, "client", 15)
    raj = sellers.client(me, "Raj Patel", 0.3, days_ago=2)
    for days_ago in range(2, 7):
        sellers.world.interaction(me, [raj], days_ago, initiator=Initiator.ME)
    (digest,) = sellers.compose(PARIS_NINE, dry_run=True)
    assert [(item.contact_name, item.kind) for item in digest.items] == [
        ("Raj Patel", NudgeKind.ONE_SIDED),
        ("Jane Doe", NudgeKind.NEGLECTED),
    ]
    assert reason(digest.items[1]) == "you usually need to every 15 days (#client)"


def test_a_digest_only_about_tagged_contacts_leaves_the_others_out(sellers: Sellers) -> None:
    """With “only about #client”, an overdue contact without the tag is not in the digest; one with it is."""
    me = sellers.seller("U0SELLER1", nudge_tags="client")
    assert sellers.kinds(PARIS_NINE) == []
    sellers.world.tag(sellers.client(me, "Cleo Client", days_ago=60, cadence_days=30), "client")
    (digest,) = sellers.compose(PARIS_NINE, dry_run=True)
    assert [item.contact_name for item in digest.items] == ["Cleo Client"]
    me.nudge_tags = None
    assert len(sellers.kinds(PARIS_NINE)) == 2


def test_the_weekly_tips_come_with_the_first_digest_of_each_week(sellers: Sellers) -> None:
    """A high scorer is offered lunch on Monday's digest, not again on Tuesday's, and again next Monday."""
    me = sellers.world.member(sellers.workspace, "U0SELLER1", time_zone="Europe/Paris")
    sellers.client(me, "Jane Doe", 0.7, days_ago=3, score_total=8)
    assert [item.kind for item in sellers.compose(PARIS_NINE)[0].items] == [NudgeKind.LUNCH]
    assert sellers.compose(PARIS_NINE + timedelta(days=1))[0].items == ()
    assert me.tips_week == "2026-W49"
    assert [item.kind for item in sellers.compose(PARIS_NINE + timedelta(days=7))[0].items] == [NudgeKind.LUNCH]


def test_a_nudge_sent_and_ignored_waits_three_days_before_coming_back(sellers: Sellers) -> None:
    """Monday's digest names Jane; Tuesday's and Wednesday's leave her out; Thursday's names her again."""
    sellers.seller("U0SELLER1")
    assert sellers.kinds(PARIS_NINE) == ["neglected"]
    sellers.compose(PARIS_NINE)
    assert sellers.kinds(PARIS_NINE + timedelta(days=1)) == sellers.kinds(PARIS_NINE + timedelta(days=2)) == []
    assert sellers.kinds(PARIS_NINE + timedelta(days=3)) == ["neglected"]


# The member's answers --------------------------------------------------------------------------------
def test_a_snoozed_nudge_stays_out_for_two_weeks_and_one_found_not_relevant_never_comes_back(sellers: Sellers) -> None:
    """Snooze: held back for two weeks from now, back once they are over; Not relevant: never that kind again."""
    sellers.seller("U0SELLER1")
    jane = sellers.database.rows(Contact)[0]
    actor = Actor(TEAM, "U0SELLER1")
    assert snooze(sellers.uow, actor, jane.id, NudgeKind.NEGLECTED, PARIS_NINE) == PARIS_NINE + timedelta(days=14)
    assert sellers.kinds(PARIS_NINE + timedelta(days=11)) == []  # the Friday before
    assert sellers.kinds(PARIS_NINE + timedelta(days=14, hours=1)) == ["neglected"]
    mute(sellers.uow, actor, jane.id, NudgeKind.NEGLECTED)
    assert sellers.kinds(PARIS_NINE + timedelta(days=60)) == []
    sellers.world.tie(sellers.database.rows(Member)[0], sellers.world.contact(sellers.workspace, "Raj Patel"), 0.5)
    assert sellers.kinds(PARIS_NINE + timedelta(days=60)) == ["neglected"]  # another contact still comes through


def test_answering_about_a_contact_that_no_longer_exists_is_not_found(sellers: Sellers) -> None:
    """A stale button (the contact deleted, or another workspace's): "no longer exists", and nothing kept."""
    sellers.seller("U0SELLER1")
    elsewhere = sellers.world.contact(sellers.world.workspace("T0OTHER"), "Olga Only")
    for contact_id in (elsewhere.id, elsewhere.id + 1000):
        with pytest.raises(NotFound):
            mute(sellers.uow, Actor(TEAM, "U0SELLER1"), contact_id, NudgeKind.NEGLECTED)
    assert sellers.database.rows(NudgeMemoryRow) == []


def test_settings_are_kept_and_read_back_as_saved(sellers: Sellers) -> None:
    """Weekly at 08:00 on Tuesdays, client=15, briefings 45 minutes before, only #client: read back the same;
    saving cadences replaces the ones the member had."""
    actor = Actor(TEAM, "U0SELLER1")
    sellers.seller("U0SELLER1")
    save_nudge_settings(sellers.uow, actor, Frequency.DAILY, clock_time(9), ("mon",), {"friend": 90})
    saved = save_nudge_settings(
        sellers.uow, actor, Frequency.WEEKLY, clock_time(8), ("tue",), {"client": 15}, 45, ("client",)
    )
    assert nudge_settings(sellers.uow, actor) == saved
    assert (saved.frequency, saved.local_time, saved.days, saved.time_zone) == (
        Frequency.WEEKLY,
        clock_time(8),
        ("tue",),
        "Europe/Paris",
    )
    assert (saved.cadences, saved.briefing_lead_minutes, saved.only_tags) == ({"client": 15}, 45, ("client",))


def test_a_briefing_lead_out_of_range_is_refused_by_the_use_case_itself(sellers: Sellers) -> None:
    """Whatever calls it (the form checks first), saving a lead of 2 minutes is refused and nothing is kept."""
    member = sellers.seller("U0SELLER1")
    with pytest.raises(RapportError, match=r"between 5 and 1440"):
        save_nudge_settings(sellers.uow, Actor(TEAM, "U0SELLER1"), Frequency.WEEKLY, clock_time(8), ("tue",), {}, 2)
    assert (member.nudge_frequency, member.briefing_lead_minutes) == ("daily", 30)
