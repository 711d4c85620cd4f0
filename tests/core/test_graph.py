"""The network as a graph, pure: introduction routes, link values, bridges and brokerage (no database)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

import networkx as nx
import pytest

from models.core.graph import (
    BRIDGE,
    LOCAL_BRIDGE,
    TEAM_HUB,
    IntermediaryCaution,
    LinkEdge,
    Neighbourhood,
    Node,
    Route,
    TieEdge,
    account_node,
    brokerage,
    build_team_graph,
    contact_node,
    find_bridges,
    link_strength,
    member_node,
    rank_routes,
    teammate_strength,
)
from models.core.scoring import tie_strength
from models.core.signs import Appreciation, Friendship, InteractionFact, SellerView
from models.core.values import Channel, Initiator

ME = 1
TARGET = 100


def around_target(
    ties: Sequence[TieEdge], links: Sequence[LinkEdge] = (), teammates: dict[int, float] | None = None
) -> Neighbourhood:
    return Neighbourhood(asker_id=ME, target_id=TARGET, ties=tuple(ties), links=tuple(links), teammates=teammates or {})


def path(route: Route) -> list[Node]:
    return [hop.node for hop in route.hops]


# Routes ------------------------------------------------------------------------------------------
def test_the_route_through_stronger_links_wins_even_with_more_hops() -> None:
    """Colleague (0.9) → their contact (0.8) → target (0.8) = 0.576 beats colleague (0.6) → target (0.3) = 0.18."""
    routes = rank_routes(
        around_target(
            ties=[
                TieEdge(member_id=2, contact_id=50, strength=0.8),
                TieEdge(member_id=3, contact_id=TARGET, strength=0.3),
            ],
            links=[LinkEdge(contact_a_id=50, contact_b_id=TARGET, kind="co_attendance", strength=0.8)],
            teammates={2: 0.9, 3: 0.6},
        )
    )
    assert [path(r) for r in routes] == [
        [member_node(2), contact_node(50), contact_node(TARGET)],
        [member_node(3), contact_node(TARGET)],
    ]
    assert [r.chance for r in routes] == pytest.approx([0.576, 0.18])
    assert routes[0].intermediary == member_node(2) and [h.kind for h in routes[0].hops] == [
        "teammate",
        "tie",
        "co_attendance",
    ]


def _met_monthly(view: SellerView) -> float:
    """The strength of a tie met for an hour every month of the past half-year, both reaching out."""
    now = datetime(2026, 11, 22, tzinfo=UTC)
    facts = [
        InteractionFact(
            datetime(2026, month, 10, tzinfo=UTC), Channel.IN_PERSON, 60, (Initiator.ME, Initiator.THEM)[i % 2]
        )
        for i, month in enumerate(range(5, 11))
    ]
    return tie_strength(view, facts, now).value


def test_a_contact_i_did_a_bad_job_for_is_a_poor_intermediary_and_the_route_says_why() -> None:
    """The issue's case: "If you think you did a bad job, this is obviously not the right person to use for
    networking". Met as often as Raj, Jane (bad job) keeps her own strength on the hop, but her route's
    chance falls far below Raj's (a fifth, not the ~0.1 of strength a bad job costs), and says why."""
    bad_job, unrated = _met_monthly(SellerView(appreciation=Appreciation.BAD)), _met_monthly(SellerView())
    routes = rank_routes(
        around_target(
            ties=[
                TieEdge(ME, 40, bad_job, datetime(2026, 10, 10, tzinfo=UTC), None, "bad", None),
                TieEdge(ME, 41, unrated, datetime(2026, 10, 10, tzinfo=UTC)),
            ],
            links=[LinkEdge(40, TARGET, "introduction", 0.6), LinkEdge(41, TARGET, "introduction", 0.6)],
        )
    )
    assert [route.intermediary for route in routes] == [contact_node(41), contact_node(40)]
    assert routes[1].chance <= routes[0].chance / 4
    assert routes[1].hops[0].caution is IntermediaryCaution.BAD_JOB and routes[1].hops[0].strength == bad_job
    assert routes[0].hops[0].caution is None


def test_a_very_close_friend_never_counts_more_than_a_friend_as_an_intermediary() -> None:
    """Sign 3's "loss of face when using that contact for professional purposes": met as often, a very
    close friend's tie may be a little stronger than a friend's, yet the route through the friend comes first."""
    close, friend = (_met_monthly(SellerView(friendship=f)) for f in (Friendship.CLOSE_FRIEND, Friendship.FRIEND))
    routes = rank_routes(
        around_target(
            ties=[
                TieEdge(ME, 40, close, datetime(2026, 10, 10, tzinfo=UTC), None, None, "close_friend"),
                TieEdge(ME, 41, friend, datetime(2026, 10, 10, tzinfo=UTC), None, None, "friend"),
            ],
            links=[LinkEdge(40, TARGET, "introduction", 0.6), LinkEdge(41, TARGET, "introduction", 0.6)],
        )
    )
    assert [route.intermediary for route in routes] == [contact_node(41), contact_node(40)]
    assert routes[1].hops[0].caution is IntermediaryCaution.CLOSE_FRIEND


def test_my_own_tie_to_a_contact_i_did_a_bad_job_for_is_not_hidden_nor_lowered() -> None:
    """Reaching the contact themselves is no introduction: the direct tie keeps its chance, with no caution."""
    routes = rank_routes(around_target(ties=[TieEdge(ME, TARGET, 0.5, datetime(2026, 10, 1, tzinfo=UTC), None, "bad")]))
    assert routes[0].is_direct and routes[0].chance == 0.5 and routes[0].hops[0].caution is None


def test_a_direct_tie_always_comes_first_even_when_weaker() -> None:
    """My own weak tie (0.1) is listed before a colleague's excellent one (0.95 × 0.9)."""
    routes = rank_routes(
        around_target(
            ties=[TieEdge(ME, TARGET, 0.1), TieEdge(2, TARGET, 0.9)],
            teammates={2: 0.95},
        )
    )
    assert routes[0].is_direct and routes[0].intermediary is None
    assert routes[0].chance == pytest.approx(0.1)
    assert routes[1].chance == pytest.approx(0.855) and routes[1].chance > routes[0].chance


def test_the_chance_of_a_route_is_the_product_of_its_hop_strengths() -> None:
    """Every route's chance is the product of the strengths of its links ("the quality of both links")."""
    routes = rank_routes(
        around_target(
            ties=[
                TieEdge(ME, 40, 0.7),
                TieEdge(2, TARGET, 0.5),
                TieEdge(2, 41, 0.65),
                TieEdge(3, 40, 0.45),
            ],
            links=[
                LinkEdge(40, TARGET, "introduction", 0.6),
                LinkEdge(TARGET, 41, "colleague", 0.25),
            ],
            teammates={2: 0.7, 3: 0.6},
        )
    )
    chances = {tuple(path(r)): r.chance for r in routes}
    assert chances == pytest.approx(
        {
            (contact_node(40), contact_node(TARGET)): 0.7 * 0.6,
            (member_node(2), contact_node(TARGET)): 0.7 * 0.5,
            (member_node(2), contact_node(41), contact_node(TARGET)): 0.7 * 0.65 * 0.25,
            (member_node(3), contact_node(40), contact_node(TARGET)): 0.6 * 0.45 * 0.6,
        }
    )
    assert all(r.chance == pytest.approx(math.prod(h.strength for h in r.hops)) for r in routes)
    assert [r.chance for r in routes] == sorted((r.chance for r in routes), reverse=True)


def test_a_colleague_without_a_known_teammate_strength_counts_as_the_base() -> None:
    """A teammate whose strength was not given is valued at 0.6: asking a colleague is easy, vouching less so."""
    (route,) = rank_routes(around_target(ties=[TieEdge(2, TARGET, 0.5)]))
    assert route.hops[0].strength == pytest.approx(0.6) and route.chance == pytest.approx(0.3)


def test_only_the_first_hop_can_be_a_teammate() -> None:
    """Routes never chain colleague to colleague: every member on a route is the first person asked."""
    routes = rank_routes(
        around_target(
            ties=[TieEdge(2, 50, 0.9), TieEdge(3, 50, 0.9), TieEdge(3, TARGET, 0.2), TieEdge(ME, 50, 0.4)],
            links=[LinkEdge(50, TARGET, "co_attendance", 0.5)],
            teammates={2: 0.9, 3: 0.9},
        )
    )
    assert routes, "the neighbourhood has routes"
    for route in routes:
        assert all(hop.node[0] == "contact" for hop in route.hops[1:]), path(route)
        assert all(hop.kind != "teammate" for hop in route.hops[1:]), path(route)


def test_a_route_has_at_most_three_hops() -> None:
    """A chain colleague → contact → contact → target (four hops) is not offered; shorter ways are."""
    routes = rank_routes(
        around_target(
            ties=[TieEdge(2, 60, 0.9), TieEdge(ME, 61, 0.5)],
            links=[LinkEdge(60, 61, "co_attendance", 0.8), LinkEdge(61, TARGET, "co_attendance", 0.8)],
            teammates={2: 0.9},
        )
    )
    assert [path(r) for r in routes] == [[contact_node(61), contact_node(TARGET)]]
    assert all(len(r.hops) <= 3 for r in routes)


def test_nobody_near_the_target_gives_no_route() -> None:
    """With no tie into the neighbourhood there is nothing to rank."""
    assert rank_routes(around_target(ties=[], links=[LinkEdge(50, TARGET, "introduction", 0.6)])) == []


# How links that are not ties are valued ----------------------------------------------------------
def test_a_teammate_starts_at_0_6_and_rises_towards_0_95_with_meetings_together() -> None:
    """0.6 + 0.35 × (1 − e^(−n/3)): 0.6 for strangers, about 0.82 after three meetings together, never 0.95."""
    assert teammate_strength(0) == pytest.approx(0.6)
    assert teammate_strength(-2) == pytest.approx(0.6)
    assert teammate_strength(3) == pytest.approx(0.6 + 0.35 * (1 - math.exp(-1)))
    values = [teammate_strength(n) for n in range(30)]
    assert values == sorted(values) and len(set(values)) == 30
    assert 0.94 < teammate_strength(30) < 0.95


def test_contacts_met_together_are_linked_at_0_3_plus_0_1_a_meeting_up_to_0_8() -> None:
    """One meeting together gives 0.4, two 0.5, five or more 0.8; zero occurrences still count as one."""
    assert [link_strength("co_attendance", n) for n in (1, 2, 4, 5, 12)] == pytest.approx([0.4, 0.5, 0.7, 0.8, 0.8])
    assert link_strength("co_attendance", 0) == pytest.approx(0.4)
    assert link_strength("co_attendance") == pytest.approx(0.4)


def test_an_introduction_is_worth_0_6_and_colleagues_0_25_however_often() -> None:
    """An introduction that happened counts 0.6; colleagues at one account, who may only know of each other, 0.25."""
    assert link_strength("introduction") == link_strength("introduction", 7) == pytest.approx(0.6)
    assert link_strength("colleague") == link_strength("colleague", 7) == pytest.approx(0.25)


def test_an_unknown_kind_of_link_is_refused() -> None:
    """A kind of link the graph has no value for is an error, not a silent zero."""
    with pytest.raises(ValueError, match="unknown kind of link"):
        link_strength("friend_of_a_friend")


# Bridges -----------------------------------------------------------------------------------------
def two_accounts() -> nx.Graph[Node]:
    """Members 1 and 2 both know Ann (10) at account 1; member 1 alone knows Zoe (20) at account 2.

    Zoe met her colleague Yan (21) with no one from the team.
    """
    return build_team_graph(
        ties=[(1, 10, 0.8), (2, 10, 0.5), (2, 12, 0.4), (1, 20, 0.2)],
        links=[(20, 21, 0.4), (10, 12, 0.5)],
        account_of_contact=[(10, 1), (12, 1), (20, 2), (21, 2)],
    )


def test_the_only_tie_into_another_cluster_is_a_bridge() -> None:
    """Member 1's weak tie to Zoe is the team's only way into her company: it is flagged a bridge."""
    flags = find_bridges(two_accounts())
    assert flags[frozenset((member_node(1), contact_node(20)))] == BRIDGE


def test_a_tie_to_a_contact_a_teammate_also_knows_is_not_a_bridge() -> None:
    """Members 1 and 2 both know Ann: neither tie is a bridge nor a local bridge."""
    flags = find_bridges(two_accounts())
    assert frozenset((member_node(1), contact_node(10))) not in flags
    assert frozenset((member_node(2), contact_node(10))) not in flags


def test_colleagues_at_one_account_who_met_are_not_a_bridge() -> None:
    """Zoe and Yan work at one company, so their link shares a neighbour (the company) and is not flagged."""
    assert frozenset((contact_node(20), contact_node(21))) not in find_bridges(two_accounts())


def test_a_link_between_two_contacts_who_share_no_one_is_a_local_bridge() -> None:
    """A ring member → A → B → C → member: the link B–C is not a bridge, but B and C share no one."""
    graph = build_team_graph(
        ties=[(1, 30, 0.5), (1, 33, 0.5)],
        links=[(30, 31, 0.4), (31, 32, 0.4), (32, 33, 0.4)],
        account_of_contact=[],
    )
    flags = find_bridges(graph)
    assert flags[frozenset((contact_node(31), contact_node(32)))] == LOCAL_BRIDGE
    assert BRIDGE not in flags.values()


def test_a_link_to_a_contact_i_also_know_is_not_a_local_bridge() -> None:
    """A member who knows both ends of a link is a common neighbour: the link is not flagged."""
    graph = build_team_graph(
        ties=[(1, 30, 0.5), (1, 31, 0.5), (2, 31, 0.5), (2, 32, 0.5)],
        links=[(30, 31, 0.4), (31, 32, 0.4)],
        account_of_contact=[],
    )
    assert find_bridges(graph) == {}


def test_hub_edges_are_never_flagged() -> None:
    """The edges to an account or to the team stand for "colleagues" and "teammates", not relationships."""
    graph = build_team_graph(
        ties=[(1, 10, 0.8), (2, 40, 0.5)],
        links=[],
        account_of_contact=[(10, 1), (40, 4), (41, 5)],
    )
    assert TEAM_HUB in graph and account_node(5) in graph
    flags = find_bridges(graph)
    assert flags, "the two ties are bridges"
    assert all(node[0] in {"member", "contact"} for edge in flags for node in edge)


def test_a_tie_to_the_colleague_of_a_contact_i_know_is_not_a_local_bridge() -> None:
    """I know Ann and Bob at one company: my tie to Bob is not "the only link between two circles"."""
    graph = build_team_graph(
        ties=[(1, 10, 0.8), (1, 11, 0.3)],
        links=[],
        account_of_contact=[(10, 1), (11, 1)],
    )
    assert frozenset((member_node(1), contact_node(11))) not in find_bridges(graph)


def test_a_link_to_someone_who_met_my_colleague_is_not_a_local_bridge() -> None:
    """Ann met Raj, and Raj met Ann's colleague Bob: Ann and Raj share Bob, so their link is not a local bridge."""
    graph = build_team_graph(
        ties=[(1, 10, 0.8), (2, 12, 0.8)],
        links=[(10, 12, 0.4), (11, 12, 0.4)],
        account_of_contact=[(10, 1), (11, 1)],
    )
    assert frozenset((contact_node(10), contact_node(12))) not in find_bridges(graph)


# Brokerage ---------------------------------------------------------------------------------------
BROKER = member_node(1)
A1, A2, A3 = contact_node(11), contact_node(12), contact_node(13)
B1, B2, B3 = contact_node(21), contact_node(22), contact_node(23)


def two_cliques() -> nx.Graph[Node]:
    """Two closed circles {A1, A2, A3} and {B1, B2, B3}, and a member who knows people in both."""
    graph: nx.Graph[Node] = nx.Graph()
    graph.add_weighted_edges_from(
        [
            (A1, A2, 0.5),
            (A1, A3, 0.4),
            (A2, A3, 0.8),
            (B1, B2, 0.3),
            (B1, B3, 0.6),
            (B2, B3, 0.7),
            (BROKER, A1, 0.9),
            (BROKER, A2, 0.2),
            (BROKER, B1, 0.6),
            (member_node(2), A3, 0.4),
        ]
    )
    return graph


def test_brokerage_equals_networkx_effective_size_and_constraint() -> None:
    """On a graph without hubs: Borgatti's effective size and Burt's weighted constraint, as networkx computes them."""
    graph = two_cliques()
    nodes = [BROKER, A1, A3, B3, member_node(2)]
    positions = brokerage(graph, nodes)
    effective = nx.effective_size(graph)
    constraint = nx.constraint(graph, weight="weight")
    for node in nodes:
        assert positions[node].degree == graph.degree(node)
        assert positions[node].effective_size == pytest.approx(effective[node]), node
        assert positions[node].constraint == pytest.approx(constraint[node]), node


def test_a_broker_between_two_circles_is_less_constrained_than_a_member_of_a_closed_one() -> None:
    """The member spanning both circles has the larger effective size and the lower constraint."""
    positions = brokerage(two_cliques(), [BROKER, B3])
    assert positions[BROKER].effective_size > positions[B3].effective_size
    broker_constraint, closed_constraint = positions[BROKER].constraint, positions[B3].constraint
    assert broker_constraint is not None and closed_constraint is not None
    assert broker_constraint < closed_constraint


def test_someone_with_no_ties_has_degree_0_and_no_constraint() -> None:
    """An isolated member, or one not in the graph at all, has no position to measure: constraint is None."""
    graph = two_cliques()
    graph.add_node(member_node(9))
    positions = brokerage(graph, [member_node(9), member_node(99)])
    for node in (member_node(9), member_node(99)):
        assert (positions[node].degree, positions[node].effective_size, positions[node].constraint) == (0, 0.0, None)


def test_hubs_are_not_counted_as_alters() -> None:
    """Adding the team and account hubs changes nobody's brokerage: they are not people."""
    plain = two_cliques()
    with_hubs = two_cliques()
    with_hubs.add_weighted_edges_from(
        [
            (BROKER, TEAM_HUB, 0.6),
            (member_node(2), TEAM_HUB, 0.6),
            (A1, account_node(1), 0.25),
            (A2, account_node(1), 0.25),
            (B1, account_node(2), 0.25),
        ]
    )
    nodes = [BROKER, A1, B1, member_node(2)]
    expected, measured = brokerage(plain, nodes), brokerage(with_hubs, nodes)
    for node in nodes:
        assert measured[node].degree == expected[node].degree, node
        assert measured[node].effective_size == pytest.approx(expected[node].effective_size), node
        assert measured[node].constraint == pytest.approx(expected[node].constraint), node
    only_hubs: nx.Graph[Node] = nx.Graph()
    only_hubs.add_weighted_edges_from([(BROKER, TEAM_HUB, 0.6), (BROKER, account_node(1), 0.25)])
    assert brokerage(only_hubs, [BROKER])[BROKER].constraint is None


def test_a_route_through_reach_comes_after_every_route_through_relationships() -> None:
    """My imported connection to the target (never contacted) is listed after a colleague's real relationship."""
    talked = datetime(2026, 11, 1, tzinfo=UTC)
    routes = rank_routes(
        around_target(
            ties=[TieEdge(ME, TARGET, 0.3), TieEdge(2, TARGET, 0.5, last_interaction_at=talked)],
            teammates={2: 0.6},
        )
    )
    assert [r.is_reach for r in routes] == [False, True]
    assert routes[0].intermediary == member_node(2) and routes[1].is_direct
