"""The App Home: a member's dashboard, answering the four questions of relationship intelligence.

1. What do we need to understand about our contacts? Gaps in what is known of the key contacts.
2. What new relationships do we need to build? The member's accounts where nobody knows anyone well.
3. Who can help us build them? The member's bridges, brokerage and strongest intermediaries.
4. Who can help convey the right message to the right person? Routes to people known to be concerned.
Then the relationships themselves: top by score, neglected, one-sided, and reach versus relationships.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from models.briefings.calendar import redact_url
from models.core.graph import BRIDGE, LOCAL_BRIDGE, Brokerage, rank_routes
from models.core.nudges import DigestItem, DigestSettings, TieFacts
from models.core.nudges import neglected as neglected_rule
from models.core.nudges import one_sided as one_sided_rule
from models.core.scoring import MEDIUM_TIE, strength_band
from models.core.values import Actor
from models.db.orm import Contact, Member, Tie
from models.db.uow import UnitOfWork
from models.home.repository import HomeReads, HomeRepository
from models.network.whoknows import Person, RouteView, contact_person, neighbourhood, route_views
from models.nudges.digests import member_settings

PAGE = 5
MAX_PAGE = 40  # never list more than PAGE × MAX_PAGE of anything
#: People known to be concerned whose routes the Home looks for.
MAX_CONCERNED = 10
#: Private ties the settings name.
MAX_PRIVATE_SHOWN = 10


class Gap(StrEnum):
    """Something still to learn about a key contact."""

    JOB_TITLE = "job_title"
    RESPONSIBILITIES = "responsibilities"
    APPRECIATION = "appreciation"
    NETWORK = "network"


@dataclass(frozen=True)
class RelationshipLine:
    """One contact on a list, with the fact that put them on it (none on the list of top relationships)."""

    person: Person
    score: int | None
    strength: float
    band: str
    #: On the gaps list: what is not known of them yet.
    gaps: tuple[Gap, ...] = ()
    #: On the bridges list: `BRIDGE` or `LOCAL_BRIDGE`.
    bridge: str | None = None
    #: On the intermediaries list: how many other contacts they are known to know.
    knows: int = 0
    #: On the neglected and one-sided lists: the nudge that says so.
    nudge: DigestItem | None = None


@dataclass(frozen=True)
class AccountLine:
    """One of the member's companies where nobody on the team knows anyone well yet."""

    name: str
    people_known: int
    best_strength: float


@dataclass(frozen=True)
class Section:
    """A page of one list, and whether there is more."""

    key: str
    lines: tuple[RelationshipLine, ...]
    page: int
    has_more: bool


@dataclass(frozen=True)
class CalendarShown:
    """The member's calendar feed as it can be shown: its address redacted, None for an uploaded file."""

    address: str | None


@dataclass(frozen=True)
class HomeSettings:
    """What the member chose: the digest, stay-in-touch cadences per tag, briefings, calendar, private ties."""

    digest: DigestSettings
    cadences: dict[str, int]
    briefing_lead_minutes: int
    calendar: CalendarShown | None
    private_ties: tuple[Person, ...]


@dataclass(frozen=True)
class Home:
    """The member's dashboard: the four questions' lists, their relationships, and their settings."""

    gaps: Section
    accounts_to_build: tuple[AccountLine, ...]
    bridges: Section
    #: The member's position in the network, once computed (`models.network.structure`).
    brokerage: Brokerage | None
    intermediaries: Section
    messengers: tuple[tuple[Person, RouteView], ...]
    top: Section
    neglected: Section
    one_sided: Section
    reach: int
    relationships: int
    settings: HomeSettings
    tags: tuple[str, ...] = ()
    tag: str | None = None


Pair = tuple[Tie, Contact]


def home(
    uow: UnitOfWork, actor: Actor, now: datetime, pages: dict[str, int] | None = None, tag: str | None = None
) -> Home:
    """The member's dashboard as of `now`; `pages` picks the page of each list (0 = first); `tag` filters."""
    with uow:
        repo, member = uow.member(actor.team_id, actor.user_id, HomeRepository)
        return _dashboard(repo, member, now, pages or {}, tag)


def _dashboard(repo: HomeReads, member: Member, now: datetime, pages: dict[str, int], tag: str | None) -> Home:
    """The member's dashboard, read through the Home's repository."""
    rows = repo.ties_with_contacts(member)
    tagged = repo.tags_of_contacts([contact.id for _, contact in rows])
    if tag:
        rows = [(tie, contact) for tie, contact in rows if tag in tagged.get(contact.id, set())]
    relationships = [(tie, contact) for tie, contact in rows if tie.interaction_count > 0]
    key_contacts = sorted(relationships, key=lambda pair: (-pair[0].strength, pair[1].name_key))
    by_value = sorted(
        relationships, key=lambda pair: (-(pair[0].score_total or 0), -pair[0].strength, pair[1].name_key)
    )
    cadences = repo.cadences(member)
    neglected, one_sided = _nudged(key_contacts, repo.tie_facts(member, now), cadences, now)
    accounts = repo.accounts_without_a_tie_of(member, MEDIUM_TIE, PAGE)
    return Home(
        gaps=_page(
            "gaps", [replace(_line(*pair), gaps=gaps) for pair in key_contacts if (gaps := _gaps(*pair))], pages
        ),
        accounts_to_build=tuple(AccountLine(*account) for account in accounts),
        bridges=_page("bridges", [replace(_line(t, c), bridge=t.bridge) for t, c in _bridges(key_contacts)], pages),
        brokerage=repo.brokerage(member),
        intermediaries=_page("intermediaries", _intermediaries(repo, relationships), pages),
        messengers=_messengers(repo, member),
        top=_page("top", [_line(*pair) for pair in by_value], pages),
        neglected=_page("neglected", neglected, pages),
        one_sided=_page("one_sided", one_sided, pages),
        reach=len(rows) - len(relationships),
        relationships=len(relationships),
        settings=_settings(repo, member, cadences, rows),
        tags=tuple(sorted(set().union(*tagged.values()))),
        tag=tag,
    )


def _line(tie: Tie, contact: Contact) -> RelationshipLine:
    return RelationshipLine(
        contact_person(contact), tie.score_total, tie.strength, strength_band(round(tie.strength, 2))
    )


def _page(key: str, lines: list[RelationshipLine], pages: dict[str, int]) -> Section:
    page = max(0, min(pages.get(key, 0), MAX_PAGE))
    start = page * PAGE
    return Section(key=key, lines=tuple(lines[start : start + PAGE]), page=page, has_more=len(lines) > start + PAGE)


def _gaps(tie: Tie, contact: Contact) -> tuple[Gap, ...]:
    gaps = []
    if not contact.job_title and not tie.knows_job_title:
        gaps.append(Gap.JOB_TITLE)
    if not contact.responsibilities and not tie.knows_responsibilities:
        gaps.append(Gap.RESPONSIBILITIES)
    if tie.appreciation is None or tie.appreciation == "unknown":
        gaps.append(Gap.APPRECIATION)
    if tie.overlap_share is None:
        gaps.append(Gap.NETWORK)
    return tuple(gaps)


def _bridges(key_contacts: list[Pair]) -> list[Pair]:
    return [(tie, contact) for tie, contact in key_contacts if tie.bridge in (BRIDGE, LOCAL_BRIDGE)]


def _intermediaries(repo: HomeReads, relationships: list[Pair]) -> list[RelationshipLine]:
    """Strong enough ties to contacts known to know others, those who can open the most doors first."""
    reach_of = repo.network_sizes([contact.id for _, contact in relationships])
    intermediaries = sorted(
        (pair for pair in relationships if pair[0].strength >= MEDIUM_TIE),
        key=lambda pair: (-pair[0].strength * reach_of.get(pair[1].id, 0), pair[1].name_key),
    )
    return [replace(_line(t, c), knows=reach_of[c.id]) for t, c in intermediaries if reach_of.get(c.id, 0) > 0]


def _nudged(
    key_contacts: list[Pair], facts: Sequence[TieFacts], cadences: dict[str, int], now: datetime
) -> tuple[list[RelationshipLine], list[RelationshipLine]]:
    """The relationships falling off the radar, and the one-sided ones, as the digest's rules find them."""
    by_contact = {fact.contact_id: fact for fact in facts}
    neglected, one_sided = [], []
    for tie, contact in key_contacts:
        fact = by_contact.get(contact.id)
        if fact is None:
            continue
        overdue = neglected_rule(fact, cadences, now)
        if overdue is not None:
            neglected.append(replace(_line(tie, contact), nudge=overdue))
        sided = one_sided_rule(fact, now)
        if sided is not None:
            one_sided.append(replace(_line(tie, contact), nudge=sided))
    return neglected, one_sided


def _settings(repo: HomeReads, member: Member, cadences: dict[str, int], rows: list[Pair]) -> HomeSettings:
    feed = repo.calendar_feed(member)
    private = [contact_person(contact) for tie, contact in rows if tie.private]
    return HomeSettings(
        digest=member_settings(member),
        cadences=cadences,
        briefing_lead_minutes=member.briefing_lead_minutes,
        calendar=None if feed is None else CalendarShown(redact_url(feed.url) if feed.url else None),
        private_ties=tuple(private[:MAX_PRIVATE_SHOWN]),
    )


def _messengers(repo: HomeReads, member: Member) -> tuple[tuple[Person, RouteView], ...]:
    """The best route to each person known (from a meeting) to be concerned, best first."""
    found = []
    for person in repo.concerned_contacts(MAX_CONCERNED):
        routes = rank_routes(neighbourhood(repo, member, person))
        if routes:
            found.append((contact_person(person), route_views(repo, routes[:1])[0]))
    found.sort(key=lambda pair: -pair[1].chance)
    return tuple(found[:PAGE])
