"""/whoknows on a real database: what logging writes is what routes read, the typo-tolerant name index,
the team strength kept on contacts, workspaces kept apart, the stored bridges, and introductions.

How routes are ranked and names resolved from the rows given is tested on the fakes (tests/core/test_whoknows.py).
"""

from __future__ import annotations

import gc
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from bot.db import make_session_factory
from handlers.network.views import option_label
from models.core.errors import NotAllowed, NotFound, UsageError
from models.core.signs import Appreciation, Friendship
from models.core.values import Actor, Channel, ContactRef, LogCallCommand
from models.db.orm import Contact, ContactLink, Introduction, MemberBrokerage, Tie, Workspace
from models.db.uow import UnitOfWork
from models.logcall.service import Logged, TieRating, log_call, rate_tie, set_private
from models.network.introductions import decide_introduction, prepare_introduction, request_introduction
from models.network.structure import refresh_structure
from models.network.whoknows import (
    CompanyRoutes,
    NobodyKnows,
    PersonRoutes,
    RouteView,
    routes_to_contact,
    who_knows,
)

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
ME = Actor(team_id="T1", user_id="U1")
COLLEAGUE = Actor(team_id="T1", user_id="U2")
OTHER = Actor(team_id="T1", user_id="U3")
REQUEST_KEYS = itertools.count()
PERSONAL = "Hi Sam,\n\nCould you introduce me to Jane Doe? We cut a bank's close from ten days to three.\n\nThanks!"


def meet(
    uow: UnitOfWork,
    actor: Actor,
    *names: str,
    company: str | None = None,
    channel: Channel = Channel.IN_PERSON,
    times: int = 1,
    colleagues: tuple[str, ...] = (),
) -> list[int]:
    """Log `times` interactions of `actor` with these people (all at `company`); their contact ids."""
    result: Logged | None = None
    for day in range(times):
        command = LogCallCommand(
            contacts=tuple(ContactRef(name, company) for name in names),
            channel=channel,
            occurred_at=NOW - timedelta(days=day + 1),
            colleagues=colleagues,
        )
        outcome = log_call(uow, actor, command, f"key-{next(REQUEST_KEYS)}", NOW)
        assert isinstance(outcome, Logged), outcome
        result = outcome
    assert result is not None
    return [report.contact_id for report in result.reports]


def befriend(uow: UnitOfWork, actor: Actor, name: str, company: str | None = None) -> int:
    """A strong tie: meetings in person on ten days, a known role, a job well done and a friendship."""
    (contact_id,) = meet(uow, actor, name, company=company, times=10)
    rating = TieRating(
        knows_job_title=True,
        knows_responsibilities=True,
        appreciation=Appreciation.GOOD,
        friendship=Friendship.FRIEND,
    )
    assert rate_tie(uow, actor, contact_id, rating, NOW).band == "strong"
    return contact_id


def tie_strength_of(uow: UnitOfWork, actor: Actor, contact_id: int) -> float:
    with uow:
        repo = uow.workspace(actor.team_id)
        member = repo.member(actor.user_id)
        contact = repo.contact(contact_id)
        assert member is not None and contact is not None
        tie = repo.tie(member, contact)
        assert tie is not None
        return tie.strength


def member_id(uow: UnitOfWork, actor: Actor) -> int:
    with uow:
        member = uow.workspace(actor.team_id).member(actor.user_id)
        assert member is not None
        return member.id


def person_routes(result: object) -> PersonRoutes:
    assert isinstance(result, PersonRoutes), result
    return result


def names(route: RouteView) -> list[str]:
    return [hop.to.slack_user_id or hop.to.name for hop in route.hops]


# What logging writes, routes read; names through the index ------------------------------------------
def test_a_member_who_met_jane_sees_a_direct_route_first(uow: UnitOfWork) -> None:
    """The seller who logged a call with Jane gets her, at her company, with their own tie as route one:
    the strength and the date `/logcall` kept on the tie."""
    (jane,) = meet(uow, ME, "Jane Doe", company="ACME")
    found = person_routes(who_knows(uow, ME, "Jane Doe", NOW))
    assert (found.target.id, found.target.name, found.target.company) == (jane, "Jane Doe", "ACME")
    first = found.routes[0]
    assert first.is_direct and first.intermediary is None and names(first) == ["Jane Doe"]
    assert first.hops[0].kind == "tie" and first.hops[0].last_interaction_at == NOW - timedelta(days=1)
    assert first.chance == pytest.approx(tie_strength_of(uow, ME, jane))


@pytest.mark.parametrize("typed", ["Jnae Doe", "jane doe", "JANE  DOE", "Jané Doe", "  jane DOË "])
def test_a_typo_case_or_accents_still_find_jane(uow: UnitOfWork, typed: str) -> None:
    """A swapped letter, another case, extra spaces or stray accents still reach Jane Doe."""
    (jane,) = meet(uow, ME, "Jane Doe", company="ACME")
    assert person_routes(who_knows(uow, ME, typed, NOW)).target.id == jane


def test_a_typo_in_a_longer_company_name_still_finds_it(uow: UnitOfWork) -> None:
    """“Intiech” is one swap away from Initech: the company's people are listed."""
    (peter,) = meet(uow, ME, "Peter Gibbons", company="Initech")
    answer = who_knows(uow, ME, "Intiech", NOW)
    assert isinstance(answer, CompanyRoutes)
    assert answer.company == "Initech" and [p.person.id for p in answer.people] == [peter]


def test_a_typo_in_a_four_letter_company_is_suggested_not_guessed(uow: UnitOfWork) -> None:
    """“ACEM” is too short to correct with confidence: nobody is found, and ACME is suggested."""
    meet(uow, ME, "Jane Doe", company="ACME")
    answer = who_knows(uow, ME, "ACEM", NOW)
    assert isinstance(answer, NobodyKnows) and answer.query == "ACEM"
    assert [option_label(option) for option in answer.nearest] == ["ACME (company)"]


# Privacy and workspaces: what the database keeps, and never crosses -----------------------------
def test_the_team_strength_of_a_contact_follows_every_change_of_its_ties(uow: UnitOfWork) -> None:
    """The strongest visible tie kept on the contact: new ties, rescoring, privacy, whichever path wrote them."""

    def team_strength() -> float | None:
        with uow:
            return uow.session.scalar(select(Contact.team_strength).where(Contact.id == jane))

    (jane,) = meet(uow, ME, "Jane Doe", company="ACME", channel=Channel.EMAIL)
    assert team_strength() == pytest.approx(tie_strength_of(uow, ME, jane)) and team_strength() > 0
    befriend(uow, COLLEAGUE, "Jane Doe", company="ACME")
    assert team_strength() == pytest.approx(tie_strength_of(uow, COLLEAGUE, jane))
    set_private(uow, COLLEAGUE, jane, True)
    assert team_strength() == pytest.approx(tie_strength_of(uow, ME, jane))
    with uow:  # a write straight through the ORM is followed too
        for tie in uow.session.scalars(select(Tie).where(Tie.contact_id == jane)):
            tie.private = True
        uow.commit()
    assert team_strength() is None


def test_every_session_factory_keeps_the_team_strength_up_to_date(db: Engine) -> None:
    """However many factories a process makes and drops, each one's sessions follow tie changes."""
    for _ in range(40):
        factory = make_session_factory(db)
        gc.collect()  # a dropped factory's session class is collected: a new one may take its address
        with factory() as session:
            assert len(session.dispatch.after_flush) == 1


def test_ties_of_another_workspace_never_appear(uow: UnitOfWork) -> None:
    """Another workspace with the same user ids and a close friend named Jane Doe adds nothing to my routes."""
    (jane,) = meet(uow, COLLEAGUE, "Jane Doe", company="ACME", channel=Channel.EMAIL)
    elsewhere_me, elsewhere_colleague = Actor("T2", "U1"), Actor("T2", "U2")
    (their_jane,) = meet(uow, elsewhere_colleague, "Jane Doe", company="ACME", times=4)
    befriend(uow, elsewhere_me, "Jane Doe", company="ACME")
    befriend(uow, elsewhere_me, "Olga Only", company="Elsewhere Inc")
    found = person_routes(who_knows(uow, ME, "Jane Doe", NOW))
    assert found.target.id == jane != their_jane and found.total == 1
    (route,) = found.routes
    assert names(route) == ["U2", "Jane Doe"] and route.hops[0].to.id == member_id(uow, COLLEAGUE)
    assert route.hops[1].strength == pytest.approx(tie_strength_of(uow, COLLEAGUE, jane))
    assert who_knows(uow, ME, "Olga Only", NOW) == NobodyKnows(query="Olga Only", nearest=())
    with pytest.raises(NotFound):
        routes_to_contact(uow, ME, their_jane)


# Bridges, stored by the scheduled structure job --------------------------------------------------
def workspace_id(uow: UnitOfWork, team_id: str = "T1") -> int:
    with uow:
        found = uow.session.scalar(select(Workspace.id).where(Workspace.slack_team_id == team_id))
        assert found is not None
        return found


def small_network(uow: UnitOfWork) -> tuple[int, int]:
    """I and my colleague both know Ann at ACME; only my colleague knows Zoe, at Lonely Ltd."""
    (ann,) = meet(uow, ME, "Ann Shared", company="ACME")
    meet(uow, COLLEAGUE, "Ann Shared", company="ACME")
    (zoe,) = meet(uow, COLLEAGUE, "Zoe Solo", company="Lonely Ltd", channel=Channel.PHONE)
    return ann, zoe


def test_refresh_structure_flags_the_only_tie_into_a_cluster_and_measures_brokerage(uow: UnitOfWork) -> None:
    """The job stores "bridge" on the colleague's tie to Zoe, none on the ties to Ann, and one position per member."""
    ann, zoe = small_network(uow)
    report = refresh_structure(uow, workspace_id(uow), NOW)
    # Two members, the team hub, Ann, Zoe and their two companies; three ties, two to the team, two to companies.
    assert (report.nodes, report.edges, report.bridges, report.local_bridges) == (7, 7, 1, 0)
    me, colleague = member_id(uow, ME), member_id(uow, COLLEAGUE)
    with uow:
        flags = {(t.member_id, t.contact_id): t.bridge for t in uow.session.scalars(select(Tie))}
        positions: dict[int, tuple[object, ...]] = {
            p.member_id: (p.degree, p.effective_size, p.constraint, p.bridges, p.computed_at)
            for p in uow.session.scalars(select(MemberBrokerage))
        }
    assert flags == {(me, ann): None, (colleague, ann): None, (colleague, zoe): "bridge"}
    # I have one alter, so all my constraint is on Ann; my colleague has two unconnected ones, one across a
    # bridge, and is constrained by the share of tie strength spent on each (Burt): p² + (1 − p)².
    to_ann, to_zoe = tie_strength_of(uow, COLLEAGUE, ann), tie_strength_of(uow, COLLEAGUE, zoe)
    share = to_ann / (to_ann + to_zoe)
    assert positions == {
        me: (1, 1.0, pytest.approx(1.0), 0, NOW),
        colleague: (2, 2.0, pytest.approx(share**2 + (1 - share) ** 2), 1, NOW),
    }

    (route,) = person_routes(who_knows(uow, ME, "Zoe Solo", NOW)).routes
    assert names(route) == ["U2", "Zoe Solo"] and route.hops[1].bridge == "bridge"


def test_a_bridge_flag_goes_once_a_second_tie_reaches_the_cluster(uow: UnitOfWork) -> None:
    """After I meet Zoe too and the job runs again, my colleague's tie to her is no longer a bridge."""
    _, zoe = small_network(uow)
    refresh_structure(uow, workspace_id(uow), NOW)
    meet(uow, ME, "Zoe Solo", company="Lonely Ltd")
    report = refresh_structure(uow, workspace_id(uow), NOW)
    assert report.bridges == 0
    with uow:
        assert uow.session.scalars(select(Tie.bridge).where(Tie.contact_id == zoe)).all() == [None, None]
        assert uow.session.scalar(select(func.count()).select_from(MemberBrokerage)) == 2


def test_a_private_tie_changes_no_bridge_that_teammates_see(uow: UnitOfWork) -> None:
    """I know Zoe too, privately: my colleague's tie to her stays the only way in, as everyone else sees it."""
    _, zoe = small_network(uow)
    meet(uow, ME, "Zoe Solo", company="Lonely Ltd")
    set_private(uow, ME, zoe, private=True)
    report = refresh_structure(uow, workspace_id(uow), NOW)
    assert report.bridges == 1
    with uow:
        flags = {t.member_id: t.bridge for t in uow.session.scalars(select(Tie).where(Tie.contact_id == zoe))}
        bridges = {p.member_id: p.bridges for p in uow.session.scalars(select(MemberBrokerage))}
    assert flags == {member_id(uow, COLLEAGUE): "bridge", member_id(uow, ME): None}
    assert bridges == {member_id(uow, ME): 0, member_id(uow, COLLEAGUE): 1}
    (route,) = person_routes(who_knows(uow, OTHER, "Zoe Solo", NOW)).routes
    assert names(route) == ["U2", "Zoe Solo"] and route.hops[1].bridge == "bridge"


# Introductions -----------------------------------------------------------------------------------
def jane_known_by_colleague(uow: UnitOfWork) -> tuple[int, int]:
    jane = befriend(uow, COLLEAGUE, "Jane Doe", company="ACME")
    with uow:
        repo = uow.workspace(COLLEAGUE.team_id)
        colleague = repo.member(COLLEAGUE.user_id)
        contact = repo.contact(jane)
        assert colleague is not None and contact is not None
        colleague.display_name = "Sam Seller"
        contact.job_title = "CFO"
        uow.commit()
        return jane, colleague.id


def test_a_draft_knows_the_target_their_role_and_company_and_that_the_colleague_knows_them(uow: UnitOfWork) -> None:
    """The request to a colleague starts from Jane, her role and company, the colleague's name, and their tie
    (how a request is worded from it: `tests/core/test_network_views.py`)."""
    jane, colleague = jane_known_by_colleague(uow)
    draft = prepare_introduction(uow, ME, jane, via_member_id=colleague, via_contact_id=None)
    assert (draft.target_name, draft.target_job_title, draft.target_company) == ("Jane Doe", "CFO", "ACME")
    assert (draft.intermediary_name, draft.intermediary_slack_user_id) == ("Sam Seller", "U2")
    assert draft.intermediary_knows_target and draft.intermediary_member_id == colleague


@pytest.mark.parametrize("message", ["", "   \n ", "Hi, I'd like to talk to them about [why you want to meet them]."])
def test_a_request_with_brackets_left_or_no_words_is_refused(uow: UnitOfWork, message: str) -> None:
    """A generic or empty request is refused with a friendly reply, and nothing is recorded."""
    jane, colleague = jane_known_by_colleague(uow)
    with pytest.raises(UsageError):
        request_introduction(uow, ME, jane, colleague, None, message, "req-1", NOW)
    with uow:
        assert uow.session.scalar(select(func.count()).select_from(Introduction)) == 0


def test_a_request_through_a_colleague_is_recorded_once_per_request_key(uow: UnitOfWork) -> None:
    """The same submission delivered twice records one request, to be sent to the colleague by DM."""
    jane, colleague = jane_known_by_colleague(uow)
    first = request_introduction(uow, ME, jane, colleague, None, PERSONAL, "req-1", NOW)
    again = request_introduction(uow, ME, jane, colleague, None, PERSONAL, "req-1", NOW)
    assert (first.status, first.to_slack_user_id, first.target_name, first.duplicate) == (
        "pending",
        "U2",
        "Jane Doe",
        False,
    )
    assert again.duplicate and again.id == first.id and first.message == PERSONAL
    with uow:
        assert uow.session.scalar(select(func.count()).select_from(Introduction)) == 1


def test_i_cannot_ask_myself_for_an_introduction(uow: UnitOfWork) -> None:
    """Choosing myself as the intermediary is refused."""
    jane, _ = jane_known_by_colleague(uow)
    meet(uow, ME, "Raj Patel")
    me = member_id(uow, ME)
    with pytest.raises(UsageError):
        request_introduction(uow, ME, jane, me, None, PERSONAL, "req-1", NOW)


def test_only_the_colleague_asked_can_answer(uow: UnitOfWork) -> None:
    """The asker or a third seller pressing Accept is told no; the request stays pending."""
    jane, colleague = jane_known_by_colleague(uow)
    request = request_introduction(uow, ME, jane, colleague, None, PERSONAL, "req-1", NOW)
    for someone in (ME, OTHER):
        with pytest.raises(NotAllowed):
            decide_introduction(uow, someone, request.id, True, NOW)
    with uow:
        assert uow.session.scalars(select(Introduction.status)).one() == "pending"


def test_an_accepted_introduction_gives_me_a_direct_route_and_is_decided_once(uow: UnitOfWork) -> None:
    """After the colleague accepts, I am connected to Jane (reach until we talk); a second answer changes nothing."""
    jane, colleague = jane_known_by_colleague(uow)
    request = request_introduction(uow, ME, jane, colleague, None, PERSONAL, "req-1", NOW)
    decided = decide_introduction(uow, COLLEAGUE, request.id, True, NOW)
    assert (decided.status, decided.duplicate) == ("accepted", False)
    routes = person_routes(who_knows(uow, ME, "Jane Doe", NOW)).routes
    direct = [route for route in routes if route.is_direct]
    assert len(direct) == 1 and names(direct[0]) == ["Jane Doe"] and direct[0].is_reach
    assert routes[-1] == direct[0]  # reach comes after the colleague's real relationship
    again = decide_introduction(uow, COLLEAGUE, request.id, False, NOW)
    assert (again.status, again.duplicate) == ("accepted", True)
    with uow:
        assert uow.session.scalar(select(func.count()).select_from(Tie).where(Tie.contact_id == jane)) == 2


def test_a_declined_introduction_gives_no_tie(uow: UnitOfWork) -> None:
    """When the colleague declines, I still reach Jane only through them."""
    jane, colleague = jane_known_by_colleague(uow)
    request = request_introduction(uow, ME, jane, colleague, None, PERSONAL, "req-1", NOW)
    assert decide_introduction(uow, COLLEAGUE, request.id, False, NOW).status == "declined"
    (route,) = person_routes(who_knows(uow, ME, "Jane Doe", NOW)).routes
    assert names(route) == ["U2", "Jane Doe"]


def test_through_my_own_contact_i_record_the_outcome_and_they_become_linked(uow: UnitOfWork) -> None:
    """My friend Xavier introduced me to Tara: I record it, and an "introduction" link joins Xavier and Tara."""
    xavier = befriend(uow, ME, "Xavier Link", company="Near Co")
    (tara,) = meet(uow, OTHER, "Tara Target", company="Far Co", channel=Channel.EMAIL)
    draft = prepare_introduction(uow, ME, tara, via_member_id=None, via_contact_id=xavier)
    assert (draft.intermediary_name, draft.intermediary_slack_user_id) == ("Xavier Link", None)
    assert (draft.target_name, draft.intermediary_contact_id, draft.intermediary_knows_target) == (
        "Tara Target",
        xavier,
        False,
    )
    request = request_introduction(uow, ME, tara, None, xavier, "Xavier, could you introduce me to Tara?", "r1", NOW)
    assert (request.to_slack_user_id, request.intermediary_name) == (None, "Xavier Link")
    with pytest.raises(NotAllowed):
        decide_introduction(uow, OTHER, request.id, True, NOW)
    assert decide_introduction(uow, ME, request.id, True, NOW).status == "accepted"
    with uow:
        link = uow.session.scalars(select(ContactLink)).one()
        assert (link.contact_a_id, link.contact_b_id, link.kind) == (
            min(xavier, tara),
            max(xavier, tara),
            "introduction",
        )
    # A colleague who knows Xavier now sees a route to Tara through him, valued as an introduction.
    meet(uow, COLLEAGUE, "Xavier Link", company="Near Co")
    routes = person_routes(who_knows(uow, COLLEAGUE, "Tara Target", NOW)).routes
    through_xavier = next(r for r in routes if names(r) == ["Xavier Link", "Tara Target"])
    assert through_xavier.hops[1].kind == "introduction" and through_xavier.hops[1].strength == pytest.approx(0.6)


def test_a_draft_about_a_contact_of_another_workspace_is_not_found(uow: UnitOfWork) -> None:
    """A stale or forged target id from another workspace is answered "no longer exists"."""
    _, colleague = jane_known_by_colleague(uow)
    (their_contact,) = meet(uow, Actor("T2", "U1"), "Olga Only", company="Elsewhere Inc")
    with pytest.raises(NotFound):
        prepare_introduction(uow, ME, their_contact, via_member_id=colleague, via_contact_id=None)


@pytest.mark.parametrize("whose", ["another workspace's", "a deleted"])
def test_a_request_about_a_contact_not_in_my_workspace_is_not_found(uow: UnitOfWork, whose: str) -> None:
    """A request for another workspace's contact, or a deleted one, is answered "no longer exists", never a crash."""
    _, colleague = jane_known_by_colleague(uow)
    (their_contact,) = meet(uow, Actor("T2", "U1"), "Olga Only", company="Elsewhere Inc")
    target = their_contact if whose == "another workspace's" else their_contact + 1000
    with pytest.raises(NotFound):
        request_introduction(uow, ME, target, colleague, None, PERSONAL, "req-1", NOW)
