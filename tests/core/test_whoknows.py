"""How `/whoknows` resolves a name and ranks the routes it is given, on the fakes (no database).

The ties carry the figures a test names; how logging scores them, and the SQL that reads them, are
tested on the databases (tests/db/test_whoknows.py, tests/db/test_fakes_contract.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.network.views import option_label, route_caution, route_text
from models.core.errors import Usage, UsageError
from models.core.graph import link_strength, teammate_strength
from models.core.values import Actor
from models.db.orm import Contact, Member, Workspace
from models.network.whoknows import (
    ChooseTarget,
    CompanyRoutes,
    NobodyKnows,
    PersonRoutes,
    RouteView,
    routes_to_contact,
    who_knows,
)
from tests.fakes import FakeDatabase, FakeUnitOfWork, World

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
ME = Actor(team_id="T1", user_id="U1")
COLLEAGUE = Actor(team_id="T1", user_id="U2")
OTHER = Actor(team_id="T1", user_id="U3")


@dataclass
class Team:
    """Three sellers of one workspace, the scene's builder, and the unit of work to ask in."""

    world: World
    workspace: Workspace
    me: Member
    sam: Member
    other: Member
    uow: FakeUnitOfWork

    def ask(self, query: str, actor: Actor = ME) -> object:
        return who_knows(self.uow, actor, query, NOW)


@pytest.fixture
def team(fake_db: FakeDatabase, fake_uow: FakeUnitOfWork) -> Team:
    world = World(fake_db, NOW)
    workspace = world.workspace("T1")
    me, sam, other = (world.member(workspace, user) for user in ("U1", "U2", "U3"))
    return Team(world, workspace, me, sam, other, fake_uow)


def person_routes(result: object) -> PersonRoutes:
    assert isinstance(result, PersonRoutes), result
    return result


def names(route: RouteView) -> list[str]:
    return [hop.to.slack_user_id or hop.to.name for hop in route.hops]


# Finding the target ------------------------------------------------------------------------------
def test_my_own_tie_is_a_direct_route_first_with_its_strength_and_last_interaction(team: Team) -> None:
    """The seller who knows Jane gets her, at her company, with their own tie as route one."""
    w = team.world
    jane = w.contact(team.workspace, "Jane Doe", w.account(team.workspace, "ACME"))
    w.tie(team.me, jane, 0.45, days_ago=1)
    w.tie(team.sam, jane, 0.9)
    found = person_routes(team.ask("Jane Doe"))
    assert (found.target.id, found.target.name, found.target.company) == (jane.id, "Jane Doe", "ACME")
    first = found.routes[0]
    assert first.is_direct and first.intermediary is None and names(first) == ["Jane Doe"]
    assert first.hops[0].kind == "tie" and first.hops[0].last_interaction_at == NOW - timedelta(days=1)
    assert first.chance == pytest.approx(0.45)


def test_a_colleagues_tie_gives_a_route_through_that_colleague(team: Team) -> None:
    """Only a colleague knows Jane: the route is me → colleague → Jane, and the colleague is whom to ask."""
    jane = team.world.contact(team.workspace, "Jane Doe")
    team.world.tie(team.sam, jane, 0.8)
    found = person_routes(team.ask("Jane Doe"))
    (route,) = found.routes
    assert names(route) == ["U2", "Jane Doe"] and found.total == 1
    assert route.intermediary is not None and route.intermediary.slack_user_id == "U2"
    assert [hop.kind for hop in route.hops] == ["teammate", "tie"]
    assert route.hops[1].band == "strong"
    assert route.chance == pytest.approx(teammate_strength(0) * 0.8)


def test_a_colleague_i_often_meet_clients_with_is_a_stronger_intermediary(team: Team) -> None:
    """Three meetings together (an undone one not counted) raise the teammate link from 0.6 to 0.6 + 0.35 × (1 − e^−1)."""
    w = team.world
    jane, raj = w.contact(team.workspace, "Jane Doe"), w.contact(team.workspace, "Raj Patel")
    w.tie(team.sam, jane, 0.5)
    for days_ago in (1, 2, 3):
        w.interaction(team.me, [raj], days_ago, colleagues=[team.sam])
    w.interaction(team.sam, [raj], 4, colleagues=[team.me], undone=True)
    (route,) = person_routes(team.ask("Jane Doe")).routes
    assert route.hops[0].strength == pytest.approx(teammate_strength(3)) and route.hops[0].strength > 0.8


def test_two_people_with_one_name_make_the_seller_choose(team: Team) -> None:
    """Two Jane Does at different companies: the answer asks which one, naming each company."""
    w, here = team.world, team.workspace
    acme_jane = w.contact(here, "Jane Doe", w.account(here, "ACME"))
    globex_jane = w.contact(here, "Jane Doe", w.account(here, "Globex"))
    answer = team.ask("jane doe")
    assert isinstance(answer, ChooseTarget)
    assert {(o.kind, o.id, option_label(o)) for o in answer.options} == {
        ("contact", acme_jane.id, "Jane Doe · ACME"),
        ("contact", globex_jane.id, "Jane Doe · Globex"),
    }


def test_an_unknown_name_says_nobody_knows_them_and_suggests_near_names(team: Team) -> None:
    """“Jane Smith” is unknown, but Jane Doe resembles her; “Zebedee Quartz” resembles no one."""
    w = team.world
    w.tie(team.me, w.contact(team.workspace, "Jane Doe", w.account(team.workspace, "ACME")), 0.3)
    answer = team.ask("Jane Smith")
    assert isinstance(answer, NobodyKnows) and answer.query == "Jane Smith"
    assert [option_label(option) for option in answer.nearest] == ["Jane Doe · ACME"]
    assert team.ask("Zebedee  Quartz") == NobodyKnows(query="Zebedee Quartz", nearest=())


@pytest.mark.parametrize("typed", ["", "   ", "x" * 201, "#client"])
def test_an_empty_or_overlong_query_shows_the_usage(team: Team, typed: str) -> None:
    """/whoknows with nothing (a tag alone is nothing), or a paragraph, answers how to use it, for /whoknows."""
    with pytest.raises(UsageError) as error:
        team.ask(typed)
    assert error.value.usage is Usage.WHOKNOWS


# A company -----------------------------------------------------------------------------------------
def test_a_company_lists_the_people_we_know_and_those_to_build(team: Team) -> None:
    """“ACME”: my friend Jane first, direct; Raj (a colleague's thin tie) best via Jane; Raj is to build."""
    w, here = team.world, team.workspace
    acme = w.account(here, "ACME")
    jane, raj = w.contact(here, "Jane Doe", acme), w.contact(here, "Raj Patel", acme)
    w.tie(team.me, jane, 0.8)
    w.tie(team.sam, raj, 0.1)
    w.tie(team.other, w.contact(here, "Zed Other", w.account(here, "Globex")), 0.5)
    answer = team.ask("acme")
    assert isinstance(answer, CompanyRoutes)
    assert (answer.company, answer.known_count) == ("ACME", 2)
    assert [p.person.id for p in answer.people] == [jane.id, raj.id]
    jane_best, raj_best = (p.best for p in answer.people)
    assert jane_best is not None and jane_best.is_direct
    assert raj_best is not None and names(raj_best) == ["Jane Doe", "Raj Patel"]
    assert [hop.kind for hop in raj_best.hops] == ["tie", "colleague"]
    assert [p.id for p in answer.to_build] == [raj.id]


def test_a_tag_keeps_a_companys_lists_to_the_contacts_that_carry_it(team: Team) -> None:
    """`/whoknows ACME #client`: only ACME's contacts tagged #client, known or to build."""
    w, here = team.world, team.workspace
    acme = w.account(here, "ACME")
    jane, raj, li = (w.contact(here, name, acme) for name in ("Jane Doe", "Raj Patel", "Li Wei"))
    w.tie(team.me, jane, 0.8)
    w.tie(team.me, raj, 0.7)
    w.tag(jane, "client")
    w.tag(li, "client")
    answer = team.ask("ACME #Client")
    assert isinstance(answer, CompanyRoutes) and answer.tags == ("client",)
    assert [p.person.id for p in answer.people] == [jane.id] and [p.id for p in answer.to_build] == [li.id]


# Ranking -------------------------------------------------------------------------------------------
def test_the_route_through_the_stronger_pair_of_links_wins_even_with_more_hops(team: Team) -> None:
    """Colleague → their friend Xavier → Tara beats a teammate's two-hop route over a thin tie."""
    w, here = team.world, team.workspace
    xavier, tara = w.contact(here, "Xavier Link", w.account(here, "Near Co")), w.contact(here, "Tara Target")
    w.tie(team.sam, xavier, 0.8)
    w.tie(team.other, xavier, 0.2)
    w.tie(team.other, tara, 0.15)
    w.link(xavier, tara, "co_attendance", occurrences=5)
    found = person_routes(team.ask("Tara Target"))
    best, *others = found.routes
    assert names(best) == ["U2", "Xavier Link", "Tara Target"]
    assert [hop.kind for hop in best.hops] == ["teammate", "tie", "co_attendance"]
    assert best.chance == pytest.approx(teammate_strength(0) * 0.8 * link_strength("co_attendance", 5))
    shorter = next(route for route in others if names(route) == ["U3", "Tara Target"])
    assert shorter.chance == pytest.approx(teammate_strength(0) * 0.15)
    assert best.chance > shorter.chance
    assert [r.chance for r in found.routes] == sorted((r.chance for r in found.routes), reverse=True)


def test_more_than_five_routes_come_a_page_at_a_time_best_first(team: Team) -> None:
    """Seven colleagues know Jane: the five strongest first, the other two from offset 5, the total unchanged."""
    w = team.world
    jane = w.contact(team.workspace, "Jane Doe")
    colleagues = [w.member(team.workspace, f"U{n}") for n in range(4, 11)]
    for rank, colleague in enumerate(colleagues):
        w.tie(colleague, jane, 0.7 - rank * 0.1)
    first = person_routes(team.ask("Jane Doe"))
    rest = routes_to_contact(team.uow, ME, jane.id, offset=5)
    assert (first.total, len(first.routes), first.offset) == (7, 5, 0)
    assert (rest.total, len(rest.routes), rest.offset) == (7, 2, 5)
    asked = [route.hops[0].to.slack_user_id for route in first.routes + rest.routes]
    assert asked == [colleague.slack_user_id for colleague in colleagues]
    assert routes_to_contact(team.uow, ME, jane.id, offset=10).routes == ()


# Privacy -------------------------------------------------------------------------------------------
def test_a_private_tie_of_a_colleague_is_left_out_but_its_owner_still_sees_it(team: Team) -> None:
    """My colleague marked their tie with Jane private: I get no route and no company listing; they see theirs."""
    w = team.world
    jane = w.contact(team.workspace, "Jane Doe", w.account(team.workspace, "ACME"))
    w.tie(team.sam, jane, 0.6, private=True)
    mine = person_routes(team.ask("Jane Doe"))
    assert (mine.routes, mine.total, mine.known_at_company) == ((), 0, ())
    company = team.ask("ACME")
    assert isinstance(company, CompanyRoutes) and (company.people, company.known_count) == ((), 0)
    theirs = person_routes(team.ask("Jane Doe", COLLEAGUE))
    assert theirs.total == 1 and theirs.routes[0].is_direct and theirs.target.id == jane.id


def test_my_own_private_tie_still_counts_in_my_company_view_and_only_mine(team: Team) -> None:
    """I marked my tie with Jane private: ACME still lists Jane for me, with my own route; not for my colleague."""
    w = team.world
    jane = w.contact(team.workspace, "Jane Doe", w.account(team.workspace, "ACME"))
    tie = w.tie(team.me, jane, 0.6, private=True)
    mine = team.ask("ACME")
    assert isinstance(mine, CompanyRoutes) and mine.known_count == 1
    (person,) = mine.people
    assert person.person.id == jane.id and person.best is not None and person.best.is_direct
    theirs = team.ask("ACME", COLLEAGUE)
    assert isinstance(theirs, CompanyRoutes) and (theirs.people, theirs.known_count) == ((), 0)
    tie.private = False
    theirs = team.ask("ACME", COLLEAGUE)
    assert isinstance(theirs, CompanyRoutes) and theirs.known_count == 1


# The only way in -------------------------------------------------------------------------------------
def small_network(team: Team) -> tuple[Contact, Contact]:
    """I and my colleague both know Ann at ACME; only my colleague knows Zoe, at Lonely Ltd."""
    w, here = team.world, team.workspace
    ann = w.contact(here, "Ann Shared", w.account(here, "ACME"))
    zoe = w.contact(here, "Zoe Solo", w.account(here, "Lonely Ltd"))
    w.tie(team.me, ann, 0.3)
    w.tie(team.sam, ann, 0.3)
    w.tie(team.sam, zoe, 0.4)
    return ann, zoe


def test_the_teams_only_tie_into_a_company_is_marked_before_any_refresh(team: Team) -> None:
    """Zoe's company is reached by one tie alone: that hop says "only way in"; Ann's company, by two, says nothing."""
    small_network(team)
    (route,) = person_routes(team.ask("Zoe Solo")).routes
    assert route.hops[1].bridge == "only_way_in" and route.hops[0].bridge is None
    for route in person_routes(team.ask("Ann Shared")).routes:
        assert all(hop.bridge is None for hop in route.hops)


def test_a_colleague_at_the_target_company_carries_a_route_and_its_only_way_in(team: Team) -> None:
    """Nobody may see a tie to Bob, but my colleague knows his colleague Zoe: me → colleague → Zoe → Bob (0.25)."""
    _, zoe = small_network(team)
    bob = team.world.contact(team.workspace, "Bob Unknown", zoe.account)
    team.world.tie(team.other, bob, 0.5, private=True)
    (route,) = person_routes(team.ask("Bob Unknown")).routes
    assert names(route) == ["U2", "Zoe Solo", "Bob Unknown"]
    assert [hop.kind for hop in route.hops] == ["teammate", "tie", "colleague"]
    assert route.hops[1].bridge == "only_way_in"
    assert route.chance == pytest.approx(teammate_strength(0) * 0.4 * link_strength("colleague"))


def test_a_route_through_a_contact_i_did_a_bad_job_for_falls_and_says_why(team: Team) -> None:
    """The issue's case: Jane (strength 0.6, but I did a bad job for her) met the target with Raj (0.5);
    the route through Raj comes first, Jane's route says why it fell, and my tie to Jane keeps its 0.6."""
    w = team.world
    target, jane, raj = (w.contact(team.workspace, name) for name in ("Tara Stone", "Jane Doe", "Raj Patel"))
    w.tie(team.me, jane, 0.6, appreciation="bad")
    w.tie(team.me, raj, 0.5)
    w.link(jane, target)
    w.link(raj, target)
    found = person_routes(team.ask("Tara Stone"))
    assert [names(route) for route in found.routes] == [["Raj Patel", "Tara Stone"], ["Jane Doe", "Tara Stone"]]
    text = str(route_text(found.routes[1], 2, NOW, ZoneInfo("UTC")))
    assert "Jane Doe* (strong 0.60" in text and "rated “a bad job”: a poor intermediary" in text
    assert route_caution(found.routes[1]) == "rated “a bad job”: a poor intermediary"  # the Home's
    assert route_caution(found.routes[0]) == ""
