"""The fakes answer as the real repositories do: the same assertions on each fake and on the repository
it stands in for (SQLite, and PostgreSQL when configured), one scene set in both.

Only what SQL leaves unordered is compared as a set; everything else, order included, must agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from models.core.graph import Brokerage
from models.core.nudges import DigestItem, NudgeKind, NudgeMemory
from models.core.scoring import Initiatives
from models.core.signs import REGULARITY_WINDOW
from models.core.values import Initiator
from models.db.orm import Account, Contact, Member
from models.db.uow import UnitOfWork
from models.home.repository import HomeRepository
from models.network.repository import NetworkRepository
from models.nudges.repository import DigestSweepRepository, NudgeRepository
from tests.fakes import FakeUnitOfWork, SessionRows, World

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["database", "fake"])
def units(request: pytest.FixtureRequest, uow: UnitOfWork) -> UnitOfWork:
    """The real unit of work on each database, then the fake one: every test here runs on both."""
    return uow if request.param == "database" else FakeUnitOfWork()


@contextmanager
def scene(units: UnitOfWork) -> Iterator[World]:
    """A scene set in one committed transaction, wherever `units` keeps its rows."""
    with units:
        rows = units.database if isinstance(units, FakeUnitOfWork) else SessionRows(units.session)
        yield World(rows, NOW)
        units.commit()


@dataclass
class Team:
    """Three sellers of one workspace and the people they know; a second workspace with a Jane of its own."""

    me: Member
    sam: Member
    ann: Member
    acme: Account
    globex: Account
    jane: Contact
    raj: Contact
    li: Contact
    zoe: Contact
    bo: Contact
    olga: Contact


def team(units: UnitOfWork) -> Team:
    with scene(units) as world:
        here, elsewhere = world.workspace("T1"), world.workspace("T2")
        me = world.member(here, "U1", display_name="Me Myself")
        sam = world.member(here, "U2", display_name="Sam Seller")
        ann = world.member(here, "U3", nudge_frequency="off")
        world.member(here, "U4", unreachable_at=NOW - timedelta(days=2), unreachable_reason="cannot_dm_bot")
        acme, globex, initech = (world.account(here, name) for name in ("ACME", "Globex", "Initech"))
        jane = world.contact(here, "Jane Doe", acme, job_title="CFO")
        raj = world.contact(here, "Raj Patel", acme)
        li = world.contact(here, "Li Wei", globex)
        zoe = world.contact(here, "Zoe Solo")
        bo = world.contact(here, "Bo Brown", initech)
        other_me = world.member(elsewhere, "U1")
        olga = world.contact(elsewhere, "Jane Doe", world.account(elsewhere, "ACME"))
        kept = {"initiated_by_me": 3, "initiated_by_them": 1, "initiatives_as_of": world.ago(1)}
        world.tie(me, jane, 0.4, interactions=2, score_total=3, **kept, initiatives_until=NOW + timedelta(days=100))
        world.tie(sam, jane, 0.7, interactions=4, bridge="bridge")
        world.tie(me, raj, 0.3, interactions=0, days_ago=None, private=True)
        world.tie(ann, raj, 0.5, private=True)
        world.tie(me, li, 0.2, cadence_days=45)
        world.tie(me, bo, 0.1)
        world.tie(sam, bo, 0.25)
        world.tie(other_me, olga, 0.9, interactions=6)
        world.link(jane, raj, occurrences=3, days_ago=2)
        world.link(li, zoe, kind="introduction", bridge="local_bridge")
        world.tag(jane, "client", "prospect")
        world.tag(raj, "client")
        world.cadence(me, "client", 30)
        for days_ago in (5, 20):
            world.interaction(me, [li], days_ago, initiator=Initiator.ME, colleagues=[sam])
        world.interaction(me, [li], 400, initiator=Initiator.THEM)
        world.interaction(me, [li], 3, initiator=Initiator.THEM, undone=True)
        world.interaction(sam, [jane], 8, colleagues=[me])
        world.memory(me, jane, NudgeKind.NEGLECTED, times_sent=2, days_ago=3)
        world.meeting(me, [jane, raj], concerned=[jane])
        world.meeting(other_me, [olga], concerned=[olga])
        world.brokerage(me, degree=2, effective_size=1.5, constraint=0.4, bridges=1)
        world.feed(me, url="https://calendar.example/secret.ics")
    return Team(me, sam, ann, acme, globex, jane, raj, li, zoe, bo, olga)


# The workspace's names and neighbourhoods (NetworkRepository; the Home's reads are the same) ----------
def test_names_are_found_exactly_then_by_their_variants_in_the_workspace_only(units: UnitOfWork) -> None:
    """An exact name wins (at a company, or at none, when one is given); a typo finds it by its variants."""
    people = team(units)
    with units.reading() as reading:
        repo = reading.workspace("T1", NetworkRepository)
        assert [(c.id, c.detail) for c in repo.contact_candidates("jane  DOE")] == [(people.jane.id, "ACME")]
        assert sorted(c.id for c in repo.contact_candidates("Jnae Doe")) == [people.jane.id]
        assert repo.contact_candidates("jane doe", account_key="globex") == []
        assert [c.id for c in repo.contact_candidates("Zoe Solo", account_key="globex")] == [people.zoe.id]
        assert [c.name for c in repo.account_candidates("acme")] == ["ACME"]
        assert sorted(c.name for c in repo.account_candidates("Globx")) == ["Globex"]
        assert repo.contact_candidates("Zebedee Quartz") == []
        assert repo.contact(people.olga.id) is None and repo.account(people.acme.id) is not None


def test_the_team_known_at_a_company_leaves_out_others_private_ties(units: UnitOfWork) -> None:
    """At ACME: Jane by her strongest visible tie; Raj only for me, through my own private tie."""
    people = team(units)
    jane, raj = people.jane.id, people.raj.id
    with units.reading() as reading:
        repo, me = reading.member("T1", "U1", NetworkRepository)
        sam = repo.member("U2")
        assert sam is not None
        assert repo.strengths_at_account(people.acme.id, me) == [(jane, 0.7), (raj, 0.3)]
        assert repo.strengths_at_account(people.acme.id, me, limit=1) == [(jane, 0.7)]
        assert repo.strengths_at_account(people.acme.id, sam) == [(jane, 0.7)]
        assert repo.colleagues_at_account_with_ties(people.acme.id, sam, 5) == [jane]
        edges = {(e.member_id, e.contact_id, e.strength, e.bridge) for e in repo.tie_edges_into([jane, raj], me)}
        assert edges == {(me.id, jane, 0.4, None), (sam.id, jane, 0.7, "bridge"), (me.id, raj, 0.3, None)}
        links, known = repo.links_and_strengths([jane, people.li.id], [people.acme.id], me, None)
        assert sorted(links) == [
            (jane, raj, "co_attendance", 3, NOW - timedelta(days=2), None),
            (people.li.id, people.zoe.id, "introduction", 1, NOW - timedelta(days=10), "local_bridge"),
        ]
        assert known == {people.acme.id: [(jane, 0.7), (raj, 0.3)]}
        assert repo.links_and_strengths([], [], me, None) == ([], {})


def test_who_is_who_and_who_met_clients_together(units: UnitOfWork) -> None:
    """Names of members and contacts in one read; live interactions shared with each teammate, both ways."""
    people = team(units)
    with units.reading() as reading:
        repo, me = reading.member("T1", "U1", NetworkRepository)
        names = repo.names_of([me.id, people.sam.id], [people.jane.id, people.zoe.id, people.olga.id])
        assert names == {
            ("member", me.id): ("Me Myself", "U1", None, None),
            ("member", people.sam.id): ("Sam Seller", "U2", None, None),
            ("contact", people.jane.id): ("Jane Doe", None, "ACME", "CFO"),
            ("contact", people.zoe.id): ("Zoe Solo", None, None, None),
        }
        assert repo.interactions_together(me) == {people.sam.id: 3}
        assert repo.names_of([], []) == {}


def test_the_people_at_a_company_and_their_tags(units: UnitOfWork) -> None:
    """By name at a company; tagged with one of some tags; by id, in the workspace only."""
    people = team(units)
    jane, raj, li = people.jane.id, people.raj.id, people.li.id
    with units.reading() as reading:
        repo = reading.workspace("T1", NetworkRepository)
        assert repo.people_at_account(people.acme.id, 10) == [(jane, "Jane Doe", "CFO"), (raj, "Raj Patel", None)]
        assert repo.people_at_account(people.acme.id, 1) == [(jane, "Jane Doe", "CFO")]
        assert repo.contacts_with_tags([jane, raj, li], ["client"]) == {jane, raj}
        assert repo.contacts_with_tags([jane, raj, li], ["friend"]) == repo.contacts_with_tags([jane], []) == set()
        assert sorted(repo.contacts_by_id([jane, li, people.olga.id])) == [jane, li]


# The Home --------------------------------------------------------------------------------------------
def test_the_homes_lists_read_the_same(units: UnitOfWork) -> None:
    """My ties, their tags and networks, accounts to build, people concerned, my position, calendar, cadences."""
    people = team(units)
    with units.reading() as reading:
        repo, me = reading.member("T1", "U1", HomeRepository)
        ties = {(contact.id, tie.strength) for tie, contact in repo.ties_with_contacts(me)}
        assert ties == {(people.jane.id, 0.4), (people.raj.id, 0.3), (people.li.id, 0.2), (people.bo.id, 0.1)}
        assert repo.tags_of_contacts([people.jane.id, people.raj.id, people.li.id]) == {
            people.jane.id: {"client", "prospect"},
            people.raj.id: {"client"},
        }
        sizes = repo.network_sizes([people.jane.id, people.raj.id, people.li.id, people.bo.id])
        assert sizes == {people.jane.id: 1, people.raj.id: 1, people.li.id: 1} and repo.network_sizes([]) == {}
        assert repo.accounts_without_a_tie_of(me, 0.3, 5) == [("Globex", 1, 0.2), ("Initech", 1, 0.25)]
        assert repo.accounts_without_a_tie_of(me, 0.3, 1) == [("Globex", 1, 0.2)]
        assert [contact.id for contact in repo.concerned_contacts(10)] == [people.jane.id]
        assert repo.brokerage(me) == Brokerage(degree=2, effective_size=1.5, constraint=0.4)
        assert repo.brokerage(people.sam) is None
        feed = repo.calendar_feed(me)
        assert feed is not None and feed.url == "https://calendar.example/secret.ics"
        assert repo.calendar_feed(people.sam) is None
        assert repo.cadences(me) == {"client": 30}


# The nudges ------------------------------------------------------------------------------------------
def test_ties_are_read_as_the_rules_read_them_and_stale_balances_are_counted_again(units: UnitOfWork) -> None:
    """Relationships only (not reach); a balance that holds is read as kept, a stale one counted from the
    member's live interactions of the past year; kept, it is read as kept the next time."""
    people = team(units)
    li_counted = Initiatives(2, 0, NOW - timedelta(days=20) + REGULARITY_WINDOW)
    with units:
        repo, me = units.member("T1", "U1", NudgeRepository)
        facts, counted = repo.read_ties(me, NOW)
        by_contact = {fact.contact_id: fact for fact in facts}
        assert sorted(by_contact) == [people.jane.id, people.li.id, people.bo.id]
        jane, li = by_contact[people.jane.id], by_contact[people.li.id]
        assert jane[:7] == (people.jane.id, "Jane Doe", "ACME", 0.4, 3, NOW - timedelta(days=10), 2)
        assert (jane.tags, jane.cadence_days, jane.initiated_by_me, jane.initiated_by_them) == (
            ("client", "prospect"),
            None,
            3,
            1,
        )
        assert (li.company, li.tags, li.cadence_days, li.initiated_by_me, li.initiated_by_them) == (
            "Globex",
            (),
            45,
            2,
            0,
        )
        assert counted[people.li.id] == li_counted
        assert repo.tie_facts(me, NOW, contact_ids=[people.jane.id]) == [jane]
        repo.keep_initiatives(me, counted, NOW)
        units.commit()
    with units:
        repo, me = units.member("T1", "U1", NudgeRepository)
        facts, counted = repo.read_ties(me, NOW + timedelta(minutes=1))
        assert counted == {} and {f.contact_id: f.initiated_by_me for f in facts}[people.li.id] == 2


def test_what_a_member_was_told_and_answered_is_kept(units: UnitOfWork) -> None:
    """Items sent count once more each; a snooze or a mute is kept beside them; cadences are replaced."""
    people = team(units)
    neglected = DigestItem(NudgeKind.NEGLECTED, people.jane.id, "Jane Doe", "ACME", 2.0, "h", "r")
    lunch = DigestItem(NudgeKind.LUNCH, people.li.id, "Li Wei", "Globex", 1.0, "h", "r")
    with units:
        repo, me = units.member("T1", "U1", NudgeRepository)
        assert repo.memories(me) == {
            (people.jane.id, NudgeKind.NEGLECTED): NudgeMemory(
                people.jane.id, NudgeKind.NEGLECTED, 2, NOW - timedelta(days=3)
            )
        }
        repo.remember_sent(me, [neglected, lunch], NOW)
        repo.answer_nudge(me, people.jane.id, NudgeKind.NEGLECTED, snoozed_until=NOW + timedelta(days=14))
        repo.answer_nudge(me, people.li.id, NudgeKind.ONE_SIDED, muted=True)
        repo.set_cadences(me, {"friend": 90})
        units.commit()
    with units.reading() as reading:
        repo, me = reading.member("T1", "U1", NudgeRepository)
        assert repo.memories(me) == {
            (people.jane.id, NudgeKind.NEGLECTED): NudgeMemory(
                people.jane.id, NudgeKind.NEGLECTED, 3, NOW, snoozed_until=NOW + timedelta(days=14)
            ),
            (people.li.id, NudgeKind.LUNCH): NudgeMemory(people.li.id, NudgeKind.LUNCH, 1, NOW),
            (people.li.id, NudgeKind.ONE_SIDED): NudgeMemory(people.li.id, NudgeKind.ONE_SIDED, 0, None, muted=True),
        }
        assert repo.cadences(me) == {"friend": 90}


def test_the_digest_sweep_finds_who_is_due_and_composes_each_period_once(units: UnitOfWork) -> None:
    """Members who want a digest and can be reached, by id, in every workspace; one outbox row per key."""
    people = team(units)
    with units:
        sweep = DigestSweepRepository.of(units)
        everyone = sweep.members_to_consider()
        assert everyone[:2] == [people.me.id, people.sam.id] and len(everyone) == 3  # and T2's member
        assert sweep.members_to_consider("U2") == [people.sam.id]
        found = sweep.member_and_team(people.me.id)
        assert found is not None and (found[0].id, found[1]) == (people.me.id, "T1")
        assert sweep.member_and_team(people.me.id + 1000) is None
        me = sweep.keep_readable(found[0])
        assert sweep.insert_once(me, "digest", "day:2026-11-30", {"items": []}, NOW, empty=True)
        assert not sweep.insert_once(me, "digest", "day:2026-11-30", {"items": []}, NOW)
        assert sweep.exists(me, "digest", "day:2026-11-30") and not sweep.exists(me, "digest", "day:2026-12-01")
        sweep.mark_tips_sent(me, "2026-W49")
        units.commit()
    with units.reading() as reading:
        assert reading.member("T1", "U1")[1].tips_week == "2026-W49"


# The unit of work ------------------------------------------------------------------------------------
def test_nothing_is_kept_without_a_commit_and_a_reading_keeps_at_once(units: UnitOfWork) -> None:
    """A write through a repository and a change to a row are both undone on leaving without commit (or on
    an error); a reading unit of work keeps the member it creates; one cannot be entered twice."""
    people = team(units)
    with units:
        repo, me = units.member("T1", "U1", NudgeRepository)
        repo.answer_nudge(me, people.li.id, NudgeKind.LUNCH, muted=True)
        me.nudge_time = "07:00"

    def commit_then_fail() -> None:
        with units:
            _, me = units.member("T1", "U1", NudgeRepository)
            me.nudge_time = "06:00"
            units.commit()
            me.nudge_time = "05:00"
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        commit_then_fail()
    with units.reading() as reading:
        repo, me = reading.member("T1", "U1", NudgeRepository)
        assert (me.nudge_time, set(repo.memories(me))) == ("06:00", {(people.jane.id, NudgeKind.NEGLECTED)})
        reading.member("T1", "U9")
    with units, pytest.raises(RuntimeError, match="entered twice"), units:
        pass
    with units:
        assert units.workspace("T1").member("U9") is not None
