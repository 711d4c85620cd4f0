"""The team's network as a graph (networkx): introduction routes, bridges and brokerage.

Nodes are members (sellers) and contacts. Edges: a member's tie to a contact (weighted by the tie
strength), two contacts who know each other (met in one logged interaction, introduced, colleagues at
one account), and two members of one team.

Introduction routes (`rank_routes`) are found in the target's neighbourhood only: the few rows the
database returns for one target, never the whole graph. A route has at most three hops (me → target,
me → colleague → target, me → my contact → target, me → colleague → their contact → target) and its
chance of success is the product of the strengths of its links ("the quality of both links").
Routes over reach (a connection never contacted, such as an imported LinkedIn contact) come after
every route over real relationships.

How links that are not ties are valued (estimates, documented so they can be argued with):
- a teammate: `TEAMMATE_BASE` (0.6: asking a colleague is easy, vouching for you less so), rising
  towards `TEAMMATE_MAX` (0.95) with each interaction the two took part in together:
  0.6 + 0.35 × (1 − e^(−n/3));
- two contacts met together: 0.3 + 0.1 per logged meeting, at most 0.8;
- an introduction that happened: 0.6;
- colleagues at one account (they may only know of each other): 0.25.

A contact as an intermediary (me → my contact → target, the contact asked to introduce) is worth
less when the seller's own answers say so (`intermediary_caution`), and the route says why; the
seller's own tie keeps its strength, only the route's chance falls:
- a bad job: "If you think you did a bad job, this is obviously not the right person to use for
  networking" (the seeds' essay, sign 2): the chance is multiplied by `BAD_JOB_INTERMEDIARY` (0.2);
- a very close friend: "loss of face when using that contact for professional purposes" (sign 3):
  multiplied by `CLOSE_FRIEND_INTERMEDIARY` (0.7), so a very close friend never counts more than a
  friend would for intermediary value (the strength's seller view puts a close friend only 0.025 above).

Bridges (`find_bridges`, over the whole graph, on a schedule): a *bridge* is an edge whose removal
disconnects its two ends (networkx's `bridges`); a *local bridge* is an edge whose ends share no
neighbour, so it is the shortest way between two circles (Granovetter: "no strong tie is a bridge").
Account membership is modelled by one hub node per account, not by every pair of colleagues.

Brokerage (`brokerage`, per member, Burt 1992): effective size n − 2t/n (Borgatti's form for
unweighted ties: n alters, t ties among them) and constraint Σ_j (p_ij + Σ_q p_iq p_qj)², where
p_ij is the share of i's tie strength spent on j. Low constraint and a large effective size mean the
member spans otherwise separate circles: a broker whose introductions open new doors.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from operator import itemgetter
from typing import Any, NamedTuple, cast, overload

import networkx as nx

TEAMMATE_BASE = 0.6
TEAMMATE_MAX = 0.95
TEAMMATE_GROWTH = 3.0
CO_ATTENDANCE_BASE = 0.3
CO_ATTENDANCE_STEP = 0.1
CO_ATTENDANCE_MAX = 0.8
INTRODUCTION_STRENGTH = 0.6
COLLEAGUE_STRENGTH = 0.25
#: Ties with no strength yet still count in the structure, with this small weight.
MIN_EDGE_WEIGHT = 0.01

BRIDGE = "bridge"
LOCAL_BRIDGE = "local_bridge"

Node = tuple[str, int]


def member_node(member_id: int) -> Node:
    return ("member", member_id)


def contact_node(contact_id: int) -> Node:
    return ("contact", contact_id)


def account_node(account_id: int) -> Node:
    return ("account", account_id)


def teammate_strength(interactions_together: int) -> float:
    """How well one member can count on another for an introduction."""
    growth = 1.0 - math.exp(-max(interactions_together, 0) / TEAMMATE_GROWTH)
    return TEAMMATE_BASE + (TEAMMATE_MAX - TEAMMATE_BASE) * growth


def link_strength(kind: str, occurrences: int = 1) -> float:
    """How well two contacts know each other, from how we know they are linked."""
    if kind == "co_attendance":
        return min(CO_ATTENDANCE_MAX, CO_ATTENDANCE_BASE + CO_ATTENDANCE_STEP * max(occurrences, 1))
    if kind == "introduction":
        return INTRODUCTION_STRENGTH
    if kind == "colleague":
        return COLLEAGUE_STRENGTH
    raise ValueError(f"unknown kind of link: {kind!r}")


#: A route through a contact the seller did a bad job for keeps this share of its chance.
BAD_JOB_INTERMEDIARY = 0.2
#: A route through a very close friend keeps this share of its chance (nepotism, loss of face).
CLOSE_FRIEND_INTERMEDIARY = 0.7


class IntermediaryCaution(StrEnum):
    """Why a contact is a poor intermediary, from what the seller said of their own tie."""

    BAD_JOB = "bad_job"
    CLOSE_FRIEND = "close_friend"


#: What each caution leaves of a route's chance.
CAUTION_FACTORS: dict[IntermediaryCaution, float] = {
    IntermediaryCaution.BAD_JOB: BAD_JOB_INTERMEDIARY,
    IntermediaryCaution.CLOSE_FRIEND: CLOSE_FRIEND_INTERMEDIARY,
}


def intermediary_caution(appreciation: str | None, friendship: str | None) -> IntermediaryCaution | None:
    """Why a contact with these answers (signs 2 and 3 of the tie) is a poor intermediary, if they are;
    a bad job weighs more than a close friendship."""
    if appreciation == "bad":
        return IntermediaryCaution.BAD_JOB
    if friendship == "close_friend":
        return IntermediaryCaution.CLOSE_FRIEND
    return None


class TieEdge(NamedTuple):
    """A member's tie to a contact, as one hop of a route (a tuple: thousands are read per request);
    `appreciation` and `friendship` are the member's answers for signs 2 and 3."""

    member_id: int
    contact_id: int
    strength: float
    last_interaction_at: datetime | None = None
    bridge: str | None = None
    appreciation: str | None = None
    friendship: str | None = None


class LinkEdge(NamedTuple):
    """Two contacts who know each other."""

    contact_a_id: int
    contact_b_id: int
    kind: str
    strength: float
    last_seen_at: datetime | None = None
    bridge: str | None = None


@dataclass(frozen=True)
class Neighbourhood:
    """What the database knows around one target, as seen by one asking member."""

    asker_id: int
    target_id: int
    ties: tuple[TieEdge, ...]
    links: tuple[LinkEdge, ...]
    teammates: dict[int, float]


@dataclass(frozen=True)
class Hop:
    """One step of a route: to `node`, over a link of `strength`."""

    node: Node
    strength: float
    kind: str
    last_interaction_at: datetime | None = None
    bridge: str | None = None
    #: Set on a tie to a contact asked to introduce, when the seller's answers make them a poor one.
    caution: IntermediaryCaution | None = None


class RouteBase:
    """What any route's hops tell, whatever else they carry (a route here, a route named for display)."""

    hops: Sequence[Hop]

    @property
    def is_direct(self) -> bool:
        return len(self.hops) == 1

    @property
    def is_reach(self) -> bool:
        """A route over a connection nobody ever talked to (an imported contact): shown apart, ranked last."""
        return any(hop.kind == "tie" and hop.last_interaction_at is None for hop in self.hops)


@dataclass(frozen=True)
class Route(RouteBase):
    """A way to reach the target; `chance` estimates that the introduction succeeds."""

    hops: tuple[Hop, ...]
    chance: float

    @property
    def intermediary(self) -> Node | None:
        """Whom to ask: the first person on the route after the asker (None for a direct tie)."""
        return None if self.is_direct else self.hops[0].node


class RankedRoutes(Sequence[Route]):
    """Routes best first; a route becomes a `Route` only when it is read.

    A well-connected target has thousands of routes and a reply shows five, so the ranking works on
    the ties themselves (with the link into the target and the teammate's strength) and the page
    shown is the only part built into objects.
    """

    def __init__(self, target_id: int, ranked: list[tuple[TieEdge, LinkEdge | None, float | None, float]]) -> None:
        self._target = contact_node(target_id)
        self._ranked = ranked

    def __len__(self) -> int:
        return len(self._ranked)

    @overload
    def __getitem__(self, index: int) -> Route: ...

    @overload
    def __getitem__(self, index: slice) -> list[Route]: ...

    def __getitem__(self, index: int | slice) -> Route | list[Route]:
        if isinstance(index, slice):
            return [self._route(*entry) for entry in self._ranked[index]]
        return self._route(*self._ranked[index])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"RankedRoutes({len(self)} routes)"

    def _route(self, tie: TieEdge, via: LinkEdge | None, teammate: float | None, chance: float) -> Route:
        caution = intermediary_caution(tie.appreciation, tie.friendship) if via is not None else None
        hops = [Hop(contact_node(tie.contact_id), tie.strength, "tie", tie.last_interaction_at, tie.bridge, caution)]
        if via is not None:
            hops.append(Hop(self._target, via.strength, via.kind, via.last_seen_at, via.bridge))
        if teammate is not None:
            hops.insert(0, Hop(member_node(tie.member_id), teammate, "teammate"))
        return Route(hops=tuple(hops), chance=chance)


def rank_routes(neighbourhood: Neighbourhood) -> RankedRoutes:
    """Every route of at most three hops from the asker to the target, direct ties first, then best chance.

    The four shapes, each ending with a tie to the target or a tie to someone linked to it:
    me → target; me → my contact → target; me → colleague → target; me → colleague → their contact
    → target. Routes never chain colleague to colleague. Between two contacts linked in several
    ways (met together, introduced), the strongest link counts. Ties are read once: no graph search.
    A contact the seller did a bad job for, or a very close friend, lowers the chance of routes through
    them (`CAUTION_FACTORS`). Order: reach (a tie nobody ever talked over) last, then direct ties, best
    chance, fewest hops,
    and, between equals, my own contacts before colleagues, then by id.
    """
    asker, target = neighbourhood.asker_id, neighbourhood.target_id
    into_target: dict[int, LinkEdge] = {}
    for link in neighbourhood.links:
        if link.contact_b_id == target:
            other = link.contact_a_id
        elif link.contact_a_id == target:
            other = link.contact_b_id
        else:
            continue
        known = into_target.get(other)
        if other != target and (known is None or link.strength > known.strength):
            into_target[other] = link
    teammates = neighbourhood.teammates
    keyed = []
    for tie in neighbourhood.ties:
        via = None
        chance = tie.strength
        if tie.contact_id != target:
            via = into_target.get(tie.contact_id)
            if via is None:
                continue
            caution = intermediary_caution(tie.appreciation, tie.friendship)
            chance *= via.strength * (CAUTION_FACTORS[caution] if caution else 1.0)
        teammate = None if tie.member_id == asker else teammates.get(tie.member_id, TEAMMATE_BASE)
        hops = 1 + (via is not None) + (teammate is not None)
        if teammate is not None:
            chance *= teammate
        key = (
            tie.last_interaction_at is None,
            hops != 1,
            -chance,
            hops,
            teammate is not None,
            tie.member_id if teammate is not None else 0,
            tie.contact_id,
        )
        keyed.append((key, (tie, via, teammate, chance)))
    keyed.sort(key=itemgetter(0))
    return RankedRoutes(target, [entry for _, entry in keyed])


# The whole graph, on a schedule ------------------------------------------------------------------
TEAM_HUB: Node = ("team", 0)


def build_team_graph(
    ties: Iterable[tuple[int, int, float]],
    links: Iterable[tuple[int, int, float]],
    account_of_contact: Iterable[tuple[int, int]],
) -> nx.Graph[Node]:
    """One workspace's graph: member–contact ties, contact–contact links, and two kinds of hub.

    Each account is a hub its contacts hang from, and the team is a hub every member hangs from:
    they stand for "colleagues at one company" and "teammates" without a clique of pairs.
    """
    graph: nx.Graph[Node] = nx.Graph()
    tie_list = list(ties)
    graph.add_weighted_edges_from((member_node(m), contact_node(c), max(s, MIN_EDGE_WEIGHT)) for m, c, s in tie_list)
    graph.add_weighted_edges_from((member_node(m), TEAM_HUB, TEAMMATE_BASE) for m in {m for m, _, _ in tie_list})
    graph.add_weighted_edges_from((contact_node(a), contact_node(b), max(s, MIN_EDGE_WEIGHT)) for a, b, s in links)
    graph.add_weighted_edges_from((contact_node(c), account_node(a), COLLEAGUE_STRENGTH) for c, a in account_of_contact)
    return graph


def _is_hub(node: Node) -> bool:
    return node[0] in {"team", "account"}


def find_bridges(graph: nx.Graph[Node]) -> dict[frozenset[Node], str]:
    """Each tie or link that is a bridge (its removal disconnects) or a local bridge (no shared neighbour).

    Hubs make people neighbours: two members are teammates, two contacts of one account colleagues.
    So a member's tie is a local bridge when no teammate knows that contact and none of the
    contact's connections or colleagues is one of the member's contacts; a contact-to-contact link
    when the two share no one: no member who knows both, no common connection or colleague.
    """
    adjacency = dict(graph.adjacency())  # plain dicts: `in` at C speed, not through networkx views
    flags: dict[frozenset[Node], str] = {}
    for u, v in graph.edges():
        if _is_hub(u) or _is_hub(v):
            continue
        if not _share_a_neighbour(adjacency, u, v):
            flags[frozenset((u, v))] = LOCAL_BRIDGE
    # networkx's stubs type `bridges` as yielding nodes; it yields (u, v) edges.
    for first, second in cast("Iterable[tuple[Node, Node]]", nx.bridges(graph)):
        if not (_is_hub(first) or _is_hub(second)):
            flags[frozenset((first, second))] = BRIDGE
    return flags


def _share_a_neighbour(adjacency: Any, u: Node, v: Node) -> bool:
    """Whether u and v have someone in common, counting teammates and colleagues as neighbours."""
    left, right = adjacency[u], adjacency[v]
    if len(left) > len(right):
        left, right = right, left
    if any(node not in (u, v) and node in right for node in left):
        return True
    for one, other in ((u, v), (v, u)):
        # A member tied to the other end, other than this one, is this member's teammate.
        if one[0] == "member" and any(n[0] == "member" and n != one for n in adjacency[other]):
            return True
        # A colleague of this contact (same account) who is a neighbour of the other end.
        for hub in _hubs(adjacency, one):
            colleagues, others = adjacency[hub], adjacency[other]
            smaller, larger = (colleagues, others) if len(colleagues) <= len(others) else (others, colleagues)
            if any(n[0] == "contact" and n not in (u, v) and n in larger for n in smaller):
                return True
    return False


def _hubs(adjacency: Any, node: Node) -> list[Node]:
    return [n for n in adjacency[node] if n[0] == "account"]


@dataclass(frozen=True)
class Brokerage:
    """A member's position: how many ties, how many non-redundant ones, how constrained."""

    degree: int
    effective_size: float
    constraint: float | None


def brokerage(graph: nx.Graph[Node], nodes: Sequence[Node]) -> dict[Node, Brokerage]:
    """Burt's effective size (Borgatti's unweighted form) and constraint (weighted) for each node.

    Alters are people: the team and account hubs are left out. On a graph without hubs these are
    networkx's `effective_size(G)` and `constraint(G, weight="weight")`, computed from neighbour
    sets in time proportional to the ego network, not its square.
    """
    adjacency = dict(graph.adjacency())
    strength_sum: dict[Node, float] = {}

    def total(node: Node) -> float:
        if node not in strength_sum:
            strength_sum[node] = sum(
                float(data.get("weight", 1.0)) for other, data in adjacency[node].items() if not _is_hub(other)
            )
        return strength_sum[node]

    def share(u: Node, v: Node) -> float:
        weight_sum = total(u)
        return float(adjacency[u][v].get("weight", 1.0)) / weight_sum if weight_sum else 0.0

    results: dict[Node, Brokerage] = {}
    for node in nodes:
        if node not in graph:
            results[node] = Brokerage(degree=0, effective_size=0.0, constraint=None)
            continue
        alters = {alter for alter in adjacency[node] if alter != node and not _is_hub(alter)}
        n = len(alters)
        if n == 0:
            results[node] = Brokerage(degree=0, effective_size=0.0, constraint=None)
            continue
        ties_among_alters = sum(len(alters.intersection(adjacency[alter])) for alter in alters) / 2
        effective = n - 2 * ties_among_alters / n
        constraint = 0.0
        for alter in alters:
            indirect = sum(
                share(node, q) * share(q, alter) for q in alters.intersection(adjacency[alter]) if q != alter
            )
            constraint += (share(node, alter) + indirect) ** 2
        results[node] = Brokerage(degree=n, effective_size=effective, constraint=constraint)
    return results
