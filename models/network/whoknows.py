"""Use cases of the team's network: who knows a person or a company, and by which route."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from models.core.errors import Missing, Usage, UsageError, found
from models.core.graph import (
    BRIDGE,
    LOCAL_BRIDGE,
    Hop,
    LinkEdge,
    Neighbourhood,
    Route,
    RouteBase,
    TieEdge,
    link_strength,
    rank_routes,
    teammate_strength,
)
from models.core.names import Candidate, fold, match_name
from models.core.scoring import MEDIUM_TIE, strength_band
from models.core.values import Actor
from models.db.orm import Contact, Member
from models.db.uow import UnitOfWork
from models.network.repository import NetworkRepository, RouteReads, WhoKnowsReads

ROUTES_PER_PAGE = 5
TAG = re.compile(r"(?<![\w&])#([\w-]+)")
#: Contacts at the target's account whose ties may carry a three-hop route (the strongest first).
ACCOUNT_COLLEAGUES_FOR_ROUTES = 50
PEOPLE_PER_COMPANY = 8
TO_BUILD_PER_COMPANY = 8
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class Person:
    """Someone on a route: a member (with their Slack id) or a contact (with their company)."""

    kind: str
    id: int
    name: str
    slack_user_id: str | None = None
    company: str | None = None
    job_title: str | None = None


@dataclass(frozen=True, kw_only=True)
class HopView(Hop):
    """A hop of a route, with who is at its end and the band of its strength."""

    to: Person
    band: str


@dataclass(frozen=True)
class RouteView(RouteBase):
    """A route as a reply shows it: each hop named."""

    hops: tuple[HopView, ...]
    chance: float

    @property
    def intermediary(self) -> Person | None:
        """Whom to ask for the introduction (None for a direct tie)."""
        return None if self.is_direct else self.hops[0].to


@dataclass(frozen=True)
class PersonRoutes:
    """The routes to one person, a page at a time; with none, who the team knows at their company."""

    target: Person
    routes: tuple[RouteView, ...]
    total: int
    offset: int
    known_at_company: tuple[Person, ...] = ()


@dataclass(frozen=True)
class CompanyPerson:
    """Someone at a company the team knows, and the best route to them (None when no route reaches them)."""

    person: Person
    best: RouteView | None


@dataclass(frozen=True)
class CompanyRoutes:
    """Who the team knows at a company (the best known first), and people there to build a relationship with."""

    company: str
    account_id: int
    people: tuple[CompanyPerson, ...]
    to_build: tuple[Person, ...]
    known_count: int
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class TargetOption:
    """One person or company a typed name may mean, as a choice to offer; `detail` is a contact's company."""

    kind: str  # "contact" or "account"
    id: int
    name: str
    detail: str | None = None


@dataclass(frozen=True)
class ChooseTarget:
    """Several people or companies could be the one typed: the asker chooses."""

    query: str
    options: tuple[TargetOption, ...]


@dataclass(frozen=True)
class NobodyKnows:
    """Nobody on the team knows anyone by that name (None: a company chosen that no longer exists);
    the nearest people and companies the team does know."""

    query: str | None
    nearest: tuple[TargetOption, ...] = field(default_factory=tuple)


WhoKnowsResult = PersonRoutes | CompanyRoutes | ChooseTarget | NobodyKnows


def who_knows(uow: UnitOfWork, actor: Actor, query: str, now: datetime) -> WhoKnowsResult:
    """Resolve a typed person or company name and answer with the best routes to it.

    `#tags` in the query (`/whoknows ACME #client`) keep a company's lists to contacts with those tags.
    """
    tags = tuple(dict.fromkeys(tag.lower() for tag in TAG.findall(query)))
    query = " ".join(TAG.sub(" ", query).split())
    if not query:
        raise UsageError("Tell me whom you want to reach: a person or a company.", Usage.WHOKNOWS)
    if len(query) > MAX_QUERY_LENGTH:
        raise UsageError(f"That is a long name: at most {MAX_QUERY_LENGTH} characters.", Usage.WHOKNOWS)
    with uow.reading() as reading:
        repo, member = reading.member(actor.team_id, actor.user_id, NetworkRepository)
        people = repo.contact_candidates(query)
        companies = repo.account_candidates(query)
        person_match = match_name(query, people)
        company_match = match_name(query, companies)
        key = fold(query)
        if company_match.chosen is not None and company_match.chosen.name_key == key and person_match.chosen is None:
            return _company(repo, member, company_match.chosen.id, tags)
        if person_match.chosen is not None and company_match.chosen is None and not company_match.options:
            return _person(repo, member, person_match.chosen.id, offset=0)
        if company_match.chosen is not None and person_match.chosen is None and not person_match.options:
            return _company(repo, member, company_match.chosen.id, tags)
        options = target_options(person_match.chosen, person_match.options, company_match.chosen, company_match.options)
        if len(options) == 1:  # one near name: a lookup can take it (only /logcall must ask before writing)
            only = options[0]
            return (
                _company(repo, member, only.id, tags) if only.kind == "account" else _person(repo, member, only.id, 0)
            )
        if options:
            return ChooseTarget(query=query, options=options)
        return NobodyKnows(query=query, nearest=_nearest(people, companies))


def routes_to_contact(uow: UnitOfWork, actor: Actor, contact_id: int, offset: int = 0) -> PersonRoutes:
    with uow.reading() as reading:
        repo, member = reading.member(actor.team_id, actor.user_id, NetworkRepository)
        return _person(repo, member, contact_id, offset)


def routes_to_account(uow: UnitOfWork, actor: Actor, account_id: int) -> CompanyRoutes:
    with uow.reading() as reading:
        repo, member = reading.member(actor.team_id, actor.user_id, NetworkRepository)
        return _company(repo, member, account_id)


# Reading the neighbourhood -----------------------------------------------------------------------
class Target(Protocol):
    """What a neighbourhood needs of its target: a contact, or a company's person read as columns."""

    @property
    def id(self) -> int: ...

    @property
    def account_id(self) -> int | None: ...


@dataclass(frozen=True)
class _AtAccount:
    id: int
    account_id: int | None


def neighbourhood(repo: RouteReads, asker: Member, target: Target) -> Neighbourhood:
    """The rows around one target that routes can use: a handful of indexed reads, no whole graph."""
    return neighbourhoods(repo, asker, [target])[target.id]


def neighbourhoods(
    repo: RouteReads,
    asker: Member,
    targets: Sequence[Target],
    known_at_account: dict[int, list[tuple[int, float]]] | None = None,
) -> dict[int, Neighbourhood]:
    """The neighbourhoods of several targets (a company's people) with the reads of one.

    Per target: its links, the colleagues at its account that the team knows (the strongest
    `ACCOUNT_COLLEAGUES_FOR_ROUTES`), and every visible tie into the three. Three statements for
    all targets together (links and colleagues; ties; meetings with teammates), so a company view
    costs what one person does. `known_at_account` passes a ranking already read (a company view).
    """
    ids = [target.id for target in targets]
    accounts = {target.account_id for target in targets if target.account_id is not None}
    known = dict(known_at_account or {})
    limit = ACCOUNT_COLLEAGUES_FOR_ROUTES + len(targets)
    raw_links, ranked = repo.links_and_strengths(ids, accounts - set(known), asker, limit)
    known |= ranked
    links_by_target: dict[int, list[LinkEdge]] = {target_id: [] for target_id in ids}
    for a, b, kind, occurrences, last_seen, bridge in raw_links:
        edge = LinkEdge(a, b, kind, link_strength(kind, occurrences), last_seen, bridge)
        for end in {a, b}:
            if end in links_by_target:
                links_by_target[end].append(edge)
    colleague_strength = link_strength("colleague")
    wanted: dict[int, set[int]] = {}
    for target in targets:
        links = links_by_target[target.id]
        linked = {link.contact_a_id if link.contact_b_id == target.id else link.contact_b_id for link in links}
        ranking = known.get(target.account_id, []) if target.account_id is not None else []
        colleagues = [other for other, _ in ranking[:limit] if other != target.id][:ACCOUNT_COLLEAGUES_FOR_ROUTES]
        links += [
            LinkEdge(other, target.id, "colleague", colleague_strength) for other in colleagues if other not in linked
        ]
        wanted[target.id] = {target.id, *linked, *colleagues}
    ties_by_contact: dict[int, list[TieEdge]] = {}
    for tie in repo.tie_edges_into(set().union(*wanted.values()), asker):
        ties_by_contact.setdefault(tie.contact_id, []).append(tie)
    member_ids = {tie.member_id for ties in ties_by_contact.values() for tie in ties}
    together = repo.interactions_together(asker)
    teammates = {member_id: teammate_strength(together.get(member_id, 0)) for member_id in member_ids}
    only_ways_in = {account_id: _only_tie_into(known[account_id], ties_by_contact) for account_id in accounts}
    result = {}
    for target in targets:
        ties = [tie for contact_id in wanted[target.id] for tie in ties_by_contact.get(contact_id, ())]
        only_way_in = only_ways_in.get(target.account_id) if target.account_id is not None else None
        if only_way_in is not None:
            ties = [
                tie._replace(bridge="only_way_in") if tie is only_way_in and not tie.bridge else tie for tie in ties
            ]
        result[target.id] = Neighbourhood(
            asker_id=asker.id,
            target_id=target.id,
            ties=tuple(ties),
            links=tuple(links_by_target[target.id]),
            teammates={tie.member_id: teammates[tie.member_id] for tie in ties},
        )
    return result


def _only_tie_into(ranking: list[tuple[int, float]], ties_by_contact: dict[int, list[TieEdge]]) -> TieEdge | None:
    """The team's one visible tie into an account, if it has only one ("the only way in").

    The ranking lists the account's contacts by their best visible tie: a second one with any
    strength settles it; with one, the ties into that contact (read with the neighbourhood) do.
    """
    strong = [contact_id for contact_id, strength in ranking[:2] if strength > 0]
    if len(strong) != 1:
        return None
    ties = [tie for tie in ties_by_contact.get(strong[0], ()) if tie.strength > 0]
    return ties[0] if len(ties) == 1 else None


def _person(repo: WhoKnowsReads, asker: Member, contact_id: int, offset: int) -> PersonRoutes:
    target = found(repo.contact(contact_id), Missing.CONTACT)
    routes = rank_routes(neighbourhood(repo, asker, target))
    page = routes[offset : offset + ROUTES_PER_PAGE]
    views = route_views(repo, page)
    known_at_company: tuple[Person, ...] = ()
    if not routes and target.account_id is not None:
        colleagues = [c for c in repo.colleagues_at_account_with_ties(target.account_id, asker, 4) if c != target.id]
        known_at_company = tuple(contact_person(c) for c in repo.contacts_by_id(colleagues[:3]).values())
    return PersonRoutes(
        target=contact_person(target),
        routes=views,
        total=len(routes),
        offset=offset,
        known_at_company=known_at_company,
    )


def _company(repo: WhoKnowsReads, asker: Member, account_id: int, tags: tuple[str, ...] = ()) -> CompanyRoutes:
    account = found(repo.account(account_id), Missing.COMPANY)
    people = [
        Person(kind="contact", id=contact_id, name=name, company=account.name, job_title=title)
        for contact_id, name, title in repo.people_at_account(account.id, limit=2000)
    ]
    if tags:
        tagged = repo.contacts_with_tags([p.id for p in people], tags)
        people = [p for p in people if p.id in tagged]
    ranking = repo.strengths_at_account(account.id, asker)
    best_strength = dict(ranking)
    known = sorted((p for p in people if best_strength.get(p.id, 0.0) > 0), key=lambda p: -best_strength[p.id])
    shown = known[:PEOPLE_PER_COMPANY]
    targets = [_AtAccount(p.id, account.id) for p in shown]
    around = neighbourhoods(repo, asker, targets, known_at_account={account.id: ranking})
    best_routes = {p.id: rank_routes(around[p.id])[:1] for p in shown}
    views = iter(route_views(repo, [route for routes in best_routes.values() for route in routes]))
    # Nobody knows them well yet: no tie, or only weak ones (they may still appear above, with a route).
    to_build = [p for p in people if best_strength.get(p.id, 0.0) < MEDIUM_TIE]
    return CompanyRoutes(
        company=account.name,
        account_id=account.id,
        people=tuple(CompanyPerson(person=p, best=next(views) if best_routes[p.id] else None) for p in shown),
        to_build=tuple(to_build[:TO_BUILD_PER_COMPANY]),
        known_count=len(known),
        tags=tags,
    )


def route_views(repo: RouteReads, routes: list[Route]) -> tuple[RouteView, ...]:
    member_ids = {hop.node[1] for route in routes for hop in route.hops if hop.node[0] == "member"}
    contact_ids = {hop.node[1] for route in routes for hop in route.hops if hop.node[0] == "contact"}
    known = repo.names_of(member_ids, contact_ids)
    views = []
    for route in routes:
        hops = []
        for hop in route.hops:
            name, slack_user_id, company, job_title = known[hop.node]
            kind, node_id = hop.node
            person = (
                Person(kind=kind, id=node_id, name=name or slack_user_id or "", slack_user_id=slack_user_id)
                if kind == "member"
                else Person(kind=kind, id=node_id, name=name, company=company, job_title=job_title)
            )
            band = strength_band(round(hop.strength, 2))
            hops.append(
                HopView(
                    hop.node,
                    hop.strength,
                    hop.kind,
                    hop.last_interaction_at,
                    hop.bridge,
                    hop.caution,
                    to=person,
                    band=band,
                )
            )
        views.append(RouteView(hops=tuple(hops), chance=route.chance))
    return tuple(views)


def contact_person(contact: Contact) -> Person:
    return Person(
        kind="contact",
        id=contact.id,
        name=contact.name,
        company=contact.account.name if contact.account else None,
        job_title=contact.job_title,
    )


def target_options(
    person: Candidate | None,
    people: tuple[Candidate, ...],
    company: Candidate | None,
    companies: tuple[Candidate, ...],
) -> tuple[TargetOption, ...]:
    options = [_person_option(c) for c in ((person,) if person else people)]
    options += [TargetOption("account", c.id, c.name) for c in ((company,) if company else companies)]
    return tuple(options[:6])


def _nearest(people: list[Candidate], companies: list[Candidate]) -> tuple[TargetOption, ...]:
    return (*map(_person_option, people[:3]), *(TargetOption("account", c.id, c.name) for c in companies[:2]))


def _person_option(candidate: Candidate) -> TargetOption:
    return TargetOption("contact", candidate.id, candidate.name, candidate.detail or None)


BRIDGE_FLAGS = frozenset({BRIDGE, LOCAL_BRIDGE, "only_way_in"})
