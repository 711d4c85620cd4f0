"""The one tie-scoring engine: one tie or many at once, read or given its history, the same figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from bot.db import make_session_factory
from handlers.logcall.views import tie_report_blocks
from models.admin.service import export_workspace
from models.briefings.service import Briefing, prep
from models.core.scoring import RECENT_INTERACTIONS_FOR_SCORING, TieFigures, TieInputs, assess_tie
from models.core.signs import Appreciation, Friendship, InteractionFact, NetworkOverlap, latest_first, seller_view
from models.core.values import Actor, Channel, ContactRef, Initiator, LogCallCommand
from models.db.orm import Contact, Interaction, Tie
from models.db.uow import UnitOfWork
from models.home.service import home
from models.imports.service import import_file
from models.logcall.service import log_call
from models.network.whoknows import PersonRoutes, who_knows
from models.scores.engine import figures, rescore, rescore_workspace
from models.scores.repository import Pair, ScoreRepository
from tests.conftest import empty_tables

TEAM = "T0SCORES"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Logged:
    """One interaction of the drawn history: who logged it, with whom, who else took part, and how."""

    author: int
    contacts: frozenset[int]
    colleagues: frozenset[int]
    days_ago: int
    channel: Channel
    initiator: Initiator | None
    minutes: int | None
    undone: bool


@dataclass(frozen=True)
class Rating:
    knows_title: bool | None
    knows_role: bool | None
    appreciation: Appreciation | None
    friendship: Friendship | None


@dataclass(frozen=True)
class World:
    """A small workspace: members, contacts at accounts, links, ratings, reach and interactions."""

    members: int
    accounts: tuple[int | None, ...]  # each contact's account
    on_record: tuple[tuple[bool, bool], ...]  # each contact's title and role on record
    links: frozenset[tuple[int, int]]
    ratings: dict[Pair, Rating]
    reach: frozenset[Pair]
    history: tuple[Logged, ...]

    def ties(self) -> set[Pair]:
        pairs = set(self.reach) | set(self.ratings)
        for logged in self.history:
            pairs |= {
                (member, contact) for member in {logged.author, *logged.colleagues} for contact in logged.contacts
            }
        return pairs


@st.composite
def worlds(draw: st.DrawFn) -> World:
    members = draw(st.integers(1, 3))
    contacts = draw(st.integers(1, 7))
    member_ids, contact_ids = st.integers(0, members - 1), st.integers(0, contacts - 1)
    accounts = tuple(draw(st.lists(st.none() | st.integers(0, 1), min_size=contacts, max_size=contacts)))
    on_record = tuple(draw(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=contacts, max_size=contacts)))
    links = draw(st.frozensets(st.tuples(contact_ids, contact_ids).filter(lambda p: p[0] < p[1]), max_size=6))
    rating = st.builds(
        Rating,
        st.none() | st.booleans(),
        st.none() | st.booleans(),
        st.none() | st.sampled_from(list(Appreciation)),
        st.none() | st.sampled_from(list(Friendship)),
    )
    ratings = draw(st.dictionaries(st.tuples(member_ids, contact_ids), rating, max_size=5))
    reach = draw(st.frozensets(st.tuples(member_ids, contact_ids), max_size=6))
    logged = st.builds(
        Logged,
        member_ids,
        st.frozensets(contact_ids, min_size=1, max_size=3),
        st.frozensets(member_ids, max_size=2),
        st.sampled_from([0, 0, 1, 3, 30, 89, 91, 200, 364, 366, 800]),  # equal moments are common
        st.sampled_from(list(Channel)),
        st.none() | st.sampled_from(list(Initiator)),
        st.none() | st.sampled_from([1, 2, 7, 30, 60, 240]),
        st.booleans(),
    )
    history = tuple(draw(st.lists(logged, max_size=14)))  # an author among the colleagues counts once
    return World(members, accounts, on_record, links, ratings, reach, history)


def build(uow: UnitOfWork, world: World) -> tuple[dict[int, int], dict[int, int]]:
    """Write the world into the database; the members' and contacts' database ids by drawn index."""
    with uow:
        repo = uow.workspace(TEAM, ScoreRepository)
        members = {index: repo.get_or_create_member(f"U0M{index}") for index in range(world.members)}
        accounts = {index: repo.get_or_create_account(f"Account {index}") for index in (0, 1)}
        contacts = {}
        for index, (account, (title, role)) in enumerate(zip(world.accounts, world.on_record, strict=True)):
            contact = repo.create_contact(
                f"Person {index}", accounts[account] if account is not None else None, members[0]
            )
            contact.job_title = "CFO" if title else None
            contact.responsibilities = "Buys software" if role else None
            contacts[index] = contact
        for low, high in sorted(world.links):
            repo.link_contacts(contacts[low], contacts[high], "introduced", NOW)
        for member, contact in sorted(world.ties()):
            tie = repo.get_or_create_tie(members[member], contacts[contact])
            rating = world.ratings.get((member, contact))
            if rating is not None:
                tie.knows_job_title, tie.knows_responsibilities = rating.knows_title, rating.knows_role
                tie.appreciation = rating.appreciation.value if rating.appreciation else None
                tie.friendship = rating.friendship.value if rating.friendship else None
        for number, logged in enumerate(world.history):
            interaction = repo.add_interaction(
                Interaction(
                    member_id=members[logged.author].id,
                    request_key=f"test-{number}",
                    occurred_at=NOW - timedelta(days=logged.days_ago),
                    time_given=True,
                    duration_minutes=logged.minutes,
                    channel=logged.channel.value,
                    initiator=logged.initiator.value if logged.initiator else None,
                    notes="",
                    source="command",
                    contacts=[contacts[index] for index in sorted(logged.contacts)],
                    colleagues=[members[index] for index in sorted(logged.colleagues)],
                )
            )
            interaction.undone_at = NOW if logged.undone else None
        uow.commit()
        return {i: m.id for i, m in members.items()}, {i: c.id for i, c in contacts.items()}


def expected(world: World, member: int, contact: int) -> TieFigures:
    """The figures computed straight from the drawn world, through the pure rules alone."""
    rating = world.ratings.get((member, contact), Rating(None, None, None, None))
    view = seller_view(  # a title or role on record is a hint, never the seller's knowing it
        rating.knows_title,
        rating.knows_role,
        rating.appreciation.value if rating.appreciation else None,
        rating.friendship.value if rating.friendship else None,
    )
    facts = [
        InteractionFact(NOW - timedelta(days=h.days_ago), h.channel, h.minutes, h.initiator)
        for h in world.history
        if not h.undone and contact in h.contacts and member in {h.author, *h.colleagues}
    ]
    # The people the contact is known to know: their links; co-workers at their account only through one.
    network = {low if high == contact else high for low, high in world.links if contact in (low, high)}
    mine = {c for m, c in world.ties() if m == member} - {contact}
    overlap = NetworkOverlap(shared=len(network & mine), contact_network_size=len(network))
    recent = tuple(latest_first(facts)[:RECENT_INTERACTIONS_FOR_SCORING])
    return assess_tie(TieInputs(view, recent, len(facts), overlap), NOW)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_one_tie_or_all_at_once_read_or_given_the_figures_are_the_rules_figures(engine: Engine, world: World) -> None:
    """Random histories (several members, colleagues taking part, undone interactions, links, accounts,
    ratings, interactions at the same moment): scoring every tie at once, each tie alone, or with the
    history handed over as an import does, gives exactly the figures the pure rules give for the world
    as drawn; and the rows keep them."""
    empty_tables(engine)
    uow = UnitOfWork(make_session_factory(engine))
    member_ids, contact_ids = build(uow, world)
    by_ids = {(member_ids[m], contact_ids[c]): (m, c) for m, c in world.ties()}
    with uow:
        repo = uow.workspace(TEAM, ScoreRepository)
        all_at_once = figures(repo, list(by_ids), NOW)
        one_by_one = {pair: figures(repo, [pair], NOW)[pair] for pair in by_ids}
        given_history = rescore(repo, list(by_ids), NOW, histories=repo.histories(list(by_ids)))
        uow.commit()
    rules = {pair: expected(world, *drawn) for pair, drawn in by_ids.items()}
    assert all_at_once == rules
    assert one_by_one == rules
    assert given_history == rules
    with uow:
        kept = {
            (tie.member_id, tie.contact_id): (tie.score_total, tie.strength, tie.interaction_count, tie.overlap_share)
            for tie in uow.session.scalars(select(Tie))
        }
        strongest = {contact.id: contact.team_strength for contact in uow.session.scalars(select(Contact))}
    assert kept == {
        pair: (f.score.total, f.strength.value, f.interaction_count, f.overlap_share) for pair, f in rules.items()
    }
    for contact_id, team_strength in strongest.items():
        visible = [f.strength.value for (_, c), f in rules.items() if c == contact_id]
        assert team_strength == (max(visible) if visible else None)


def test_the_nightly_rescoring_brings_every_tie_up_to_date_a_few_contacts_per_transaction(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Strength fades with time alone: half a year after the last meeting, the nightly pass has every tie
    of the workspace (here two contacts per transaction) kept at its faded figure, as of that night."""
    monkeypatch.setattr("models.scores.repository.SCORING_CHUNK", 2)
    world = World(
        members=2,
        accounts=(None, 0, 0, 1, None),
        on_record=((False, False),) * 5,
        links=frozenset(),
        ratings={},
        reach=frozenset(),
        history=tuple(
            Logged(member, frozenset({contact}), frozenset(), 3, Channel.IN_PERSON, Initiator.ME, 60, False)
            for member in (0, 1)
            for contact in range(5)
        ),
    )
    member_ids, contact_ids = build(uow, world)
    with uow:
        pairs = [(member_ids[m], contact_ids[c]) for m, c in world.ties()]
        rescore(uow.workspace(TEAM, ScoreRepository), pairs, NOW)  # as /logcall left them
        uow.commit()
    later = NOW + timedelta(days=180)
    members_read: list[list[int]] = []
    contacts_of = ScoreRepository._contacts_of
    monkeypatch.setattr(
        ScoreRepository, "_contacts_of", lambda repo, ids: members_read.append(list(ids)) or contacts_of(repo, ids)
    )
    assert rescore_workspace(uow, TEAM, later) == 10
    with uow:
        kept = [(tie.computed_at, tie.strength) for tie in uow.session.scalars(select(Tie))]
    assert kept == [(later, pytest.approx(faded(later)))] * 10
    assert faded(later) < faded(NOW) / 2
    assert sorted(m for read in members_read for m in read) == sorted(member_ids.values())  # once for the pass


def faded(now: datetime) -> float:
    """The strength of one hour-long meeting three days before NOW, as of `now`."""
    fact = InteractionFact(NOW - timedelta(days=3), Channel.IN_PERSON, 60, Initiator.ME)
    return assess_tie(
        TieInputs(seller_view(None, None, None, None), (fact,), 1, NetworkOverlap(0, 0)), now
    ).strength.value


LINKEDIN = (
    b"Notes:\n"
    b'"When exporting your connection data, you may notice that some of the email addresses are missing."\n'
    b"\n"
    b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    b"Jane,Doe,https://www.linkedin.com/in/janedoe,,Globex,Head of Procurement,12 Mar 2021\n"
)


def test_after_an_import_tells_a_contacts_title_every_view_shows_the_same_score_and_strength(
    uow: UnitOfWork,
) -> None:
    """A seller met Jane at Globex; then their LinkedIn export says she is Head of Procurement. The Home
    tab, a teammate's `/whoknows`, `/prep` and the export show one score and one strength for the tie;
    the title is not scored (the seller never said they know it) but shown as LinkedIn's hint."""
    seller, teammate = Actor(TEAM, "U0SELLER"), Actor(TEAM, "U0MATE")
    meeting = LogCallCommand(
        contacts=(ContactRef("Jane Doe", "Globex"),),
        channel=Channel.IN_PERSON,
        occurred_at=NOW - timedelta(days=10),
        initiator=Initiator.THEM,
        duration_minutes=45,
    )
    log_call(uow, seller, meeting, "slack-1", NOW - timedelta(days=10))
    later = NOW - timedelta(days=2)
    import_file(uow, TEAM, "linkedin", LINKEDIN, later, member=seller.user_id)

    home_line = next(line for line in home(uow, seller, later).top.lines if line.person.name == "Jane Doe")
    routes = who_knows(uow, teammate, "Jane Doe", later)
    assert isinstance(routes, PersonRoutes)
    hop = routes.routes[0].hops[-1]
    briefing = prep(uow, seller, "Jane Doe", later)
    assert isinstance(briefing, Briefing)
    prepped = briefing.contacts[0].report
    (exported,) = export_workspace(uow, TEAM, later)["ties"]

    assert prepped.score.total == home_line.score == exported["score"]["total"]
    assert not prepped.score.signs[0].known  # LinkedIn's title is a hint, not the seller's knowing it
    assert (prepped.title_on_record, prepped.title_source) == ("Head of Procurement", "linkedin")
    shown = str(tie_report_blocks(prepped, later, ZoneInfo("UTC")))
    assert "LinkedIn says: Head of Procurement. Do you know what they really do?" in shown
    assert round(prepped.strength.value, 4) == round(home_line.strength, 4) == round(hop.strength, 4)
    assert round(prepped.strength.value, 4) == exported["strength"]["value"]


def test_after_calls_with_five_people_at_globex_a_sixth_is_not_a_closed_circle(uow: UnitOfWork) -> None:
    """The issue's case: covering an account is normal B2B work. After a call with each of five people at
    Globex, a sixth Globex contact's network is the people they are known to know (none yet): sign 4 is
    unknown, never -2 "closed circle", even though the seller knows everyone else at the company."""
    seller = Actor(TEAM, "U0SELLER")
    for number, name in enumerate(("Ann", "Bob", "Cy", "Di", "Ed", "Flo")):
        call = LogCallCommand(
            contacts=(ContactRef(f"{name} Globex", "Globex"),),
            channel=Channel.PHONE,
            occurred_at=NOW - timedelta(days=10 + number),
        )
        result = log_call(uow, seller, call, f"globex-{number}", NOW)
    sixth = result.reports[0]  # type: ignore[union-attr]
    assert not sixth.score.signs[3].known
    assert sixth.overlap_share is None


def test_a_contact_met_together_with_people_i_know_shares_a_network_through_those_links(uow: UnitOfWork) -> None:
    """Met together in one logged meeting, Jane and five colleagues know each other (co_attendance links):
    her network is those five, all of whom the seller knows: 100 % overlap, a closed circle (-2)."""
    seller = Actor(TEAM, "U0SELLER")
    meeting = LogCallCommand(
        contacts=tuple(ContactRef(name, "Globex") for name in ("Jane Doe", "Ann", "Bob", "Cy", "Di", "Ed")),
        channel=Channel.IN_PERSON,
        occurred_at=NOW - timedelta(days=3),
    )
    result = log_call(uow, seller, meeting, "globex-meeting", NOW)
    jane = next(report for report in result.reports if report.contact_name == "Jane Doe")  # type: ignore[union-attr]
    assert (jane.score.signs[3].points, jane.overlap_share) == (-2, 1.0)
