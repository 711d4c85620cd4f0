"""The App Home: a member's dashboard, answering the four questions of relationship intelligence.

1. What do we need to understand about our contacts? Gaps in what is known of the key contacts.
2. What new relationships do we need to build? The member's accounts where nobody knows anyone well.
3. Who can help us build them? The member's bridges, brokerage and strongest intermediaries.
4. Who can help convey the right message to the right person? Routes to people known to be concerned.
Then the relationships themselves: top by score, neglected, one-sided, and reach versus relationships.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from models.briefings.calendar import redact_url
from models.core.graph import BRIDGE, LOCAL_BRIDGE, rank_routes
from models.core.nudges import DigestSettings
from models.core.nudges import neglected as neglected_rule
from models.core.nudges import one_sided as one_sided_rule
from models.core.scoring import MEDIUM_TIE, strength_band
from models.core.values import Actor
from models.db.orm import (
    Account,
    CadenceRule,
    CalendarFeed,
    Contact,
    ContactLink,
    Meeting,
    MeetingContact,
    Member,
    MemberBrokerage,
    Tie,
    contact_tags,
)
from models.db.repository import WorkspaceRepository
from models.db.uow import UnitOfWork
from models.network.whoknows import Person, RouteView, contact_person, neighbourhood, route_views
from models.nudges.digests import member_settings, tie_facts

PAGE = 5
MAX_PAGE = 40  # never list more than PAGE × MAX_PAGE of anything


@dataclass(frozen=True)
class RelationshipLine:
    person: Person
    score: int | None
    strength: float
    band: str
    detail: str = ""


@dataclass(frozen=True)
class AccountLine:
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
class Home:
    gaps: Section
    accounts_to_build: tuple[AccountLine, ...]
    bridges: Section
    intermediaries: Section
    messengers: tuple[tuple[Person, RouteView], ...]
    top: Section
    neglected: Section
    one_sided: Section
    reach: int
    relationships: int
    effective_size: float | None
    constraint: float | None
    settings: DigestSettings
    briefing_lead_minutes: int
    calendar: str | None
    private_ties: tuple[Person, ...]
    cadences: dict[str, int]
    tags: tuple[str, ...] = ()
    tag: str | None = None


def home(
    uow: UnitOfWork, actor: Actor, now: datetime, pages: dict[str, int] | None = None, tag: str | None = None
) -> Home:
    """The member's dashboard as of `now`; `pages` picks the page of each list (0 = first); `tag` filters."""
    pages = pages or {}
    with uow:
        repo = WorkspaceRepository.for_team(uow.session, actor.team_id)
        member = repo.get_or_create_member(actor.user_id)
        session = uow.session
        rows: list[tuple[Tie, Contact]] = [
            (tie, contact)
            for tie, contact in session.execute(
                select(Tie, Contact)
                .join(Contact, Contact.id == Tie.contact_id)
                .where(Tie.workspace_id == repo.workspace_id, Tie.member_id == member.id)
            )
        ]
        tagged: dict[int, set[str]] = {}
        for contact_id, contact_tag in session.execute(
            select(contact_tags.c.contact_id, contact_tags.c.tag).where(
                contact_tags.c.contact_id.in_([c.id for _, c in rows])
            )
        ):
            tagged.setdefault(contact_id, set()).add(contact_tag)
        all_tags = tuple(sorted(set().union(*tagged.values()))) if tagged else ()
        if tag:
            rows = [(tie, contact) for tie, contact in rows if tag in tagged.get(contact.id, set())]
        relationships = [(tie, contact) for tie, contact in rows if tie.interaction_count > 0]
        reach = len(rows) - len(relationships)

        def line(tie: Tie, contact: Contact, detail: str = "") -> RelationshipLine:
            return RelationshipLine(
                person=contact_person(contact),
                score=tie.score_total,
                strength=tie.strength,
                band=strength_band(round(tie.strength, 2)),
                detail=detail,
            )

        by_value = sorted(
            relationships, key=lambda pair: (-(pair[0].score_total or 0), -pair[0].strength, pair[1].name_key)
        )
        key_contacts = sorted(relationships, key=lambda pair: (-pair[0].strength, pair[1].name_key))
        gap_lines = [
            line(tie, contact, "; ".join(_gaps(tie, contact))) for tie, contact in key_contacts if _gaps(tie, contact)
        ]
        bridge_lines = [
            line(
                tie,
                contact,
                "the only way into their circle" if tie.bridge == BRIDGE else "links two circles that share no one",
            )
            for tie, contact in key_contacts
            if tie.bridge in (BRIDGE, LOCAL_BRIDGE)
        ]
        reach_of = _network_sizes(repo, [contact.id for _, contact in relationships])
        intermediaries = sorted(
            (pair for pair in relationships if pair[0].strength >= MEDIUM_TIE),
            key=lambda pair: (-pair[0].strength * reach_of.get(pair[1].id, 0), pair[1].name_key),
        )
        intermediary_lines = [
            line(
                tie,
                contact,
                f"knows {reach_of[contact.id]} {'person' if reach_of[contact.id] == 1 else 'people'} we know of",
            )
            for tie, contact in intermediaries
            if reach_of.get(contact.id, 0) > 0
        ]
        facts = {fact.contact_id: fact for fact in tie_facts(session, member, now)}
        cadences = {
            rule.tag: rule.days
            for rule in session.scalars(select(CadenceRule).where(CadenceRule.member_id == member.id))
        }
        neglected_lines, one_sided_lines = [], []
        for tie, contact in key_contacts:
            fact = facts.get(contact.id)
            if fact is None:
                continue
            overdue = neglected_rule(fact, cadences, now)
            if overdue is not None:
                neglected_lines.append(line(tie, contact, overdue.headline))
            sided = one_sided_rule(fact, now)
            if sided is not None:
                one_sided_lines.append(line(tie, contact, sided.headline))

        brokerage = session.get(MemberBrokerage, member.id)
        feed = session.scalar(select(CalendarFeed).where(CalendarFeed.member_id == member.id))
        calendar = None if feed is None else (redact_url(feed.url) if feed.url else "an uploaded file")
        private = [contact_person(contact) for tie, contact in rows if tie.private]
        return Home(
            gaps=_page("gaps", gap_lines, pages),
            accounts_to_build=_accounts_to_build(repo, member.id),
            bridges=_page("bridges", bridge_lines, pages),
            intermediaries=_page("intermediaries", intermediary_lines, pages),
            messengers=_messengers(repo, member),
            top=_page("top", [line(t, c) for t, c in by_value], pages),
            neglected=_page("neglected", neglected_lines, pages),
            one_sided=_page("one_sided", one_sided_lines, pages),
            reach=reach,
            relationships=len(relationships),
            effective_size=brokerage.effective_size if brokerage else None,
            constraint=brokerage.constraint if brokerage else None,
            settings=member_settings(member),
            briefing_lead_minutes=member.briefing_lead_minutes,
            calendar=calendar,
            private_ties=tuple(private[:10]),
            cadences=cadences,
            tags=all_tags,
            tag=tag,
        )


def _page(key: str, lines: list[RelationshipLine], pages: dict[str, int]) -> Section:
    page = max(0, min(pages.get(key, 0), MAX_PAGE))
    start = page * PAGE
    return Section(key=key, lines=tuple(lines[start : start + PAGE]), page=page, has_more=len(lines) > start + PAGE)


def _gaps(tie: Tie, contact: Contact) -> list[str]:
    gaps = []
    if not contact.job_title and not tie.knows_job_title:
        gaps.append("job title")
    if not contact.responsibilities and not tie.knows_responsibilities:
        gaps.append("what they really do")
    if tie.appreciation is None or tie.appreciation == "unknown":
        gaps.append("whether they value your work")
    if tie.overlap_share is None:
        gaps.append("their network")
    return gaps


def _network_sizes(repo: WorkspaceRepository, contact_ids: list[int]) -> dict[int, int]:
    """How many other contacts each of these is known to know (met together or introduced)."""
    if not contact_ids:
        return {}
    counts: dict[int, int] = {}
    for column, other in (
        (ContactLink.contact_a_id, ContactLink.contact_b_id),
        (ContactLink.contact_b_id, ContactLink.contact_a_id),
    ):
        query = (
            select(column, func.count(other))
            .where(ContactLink.workspace_id == repo.workspace_id, column.in_(contact_ids))
            .group_by(column)
        )
        for contact_id, number in repo.session.execute(query):
            counts[contact_id] = counts.get(contact_id, 0) + int(number)
    return counts


def _accounts_to_build(repo: WorkspaceRepository, member_id: int) -> tuple[AccountLine, ...]:
    """The member's accounts where nobody on the team has a tie of medium strength or better."""
    mine = (
        select(Contact.account_id)
        .join(Tie, Tie.contact_id == Contact.id)
        .where(Tie.member_id == member_id, Contact.account_id.is_not(None))
        .distinct()
    )
    query = (
        select(Account.name, func.count(func.distinct(Contact.id)), func.max(Tie.strength))
        .join(Contact, Contact.account_id == Account.id)
        .join(Tie, Tie.contact_id == Contact.id)
        .where(
            Account.workspace_id == repo.workspace_id,
            Account.id.in_(mine),
            Tie.private.is_(False) | (Tie.member_id == member_id),
        )
        .group_by(Account.id, Account.name)
        .having(func.max(Tie.strength) < MEDIUM_TIE)
        .order_by(func.max(Tie.strength), Account.name)
        .limit(PAGE)
    )
    return tuple(
        AccountLine(name=name, people_known=int(known), best_strength=float(best or 0))
        for name, known, best in repo.session.execute(query)
    )


def _messengers(repo: WorkspaceRepository, member: Member) -> tuple[tuple[Person, RouteView], ...]:
    """The best route to each person known (from a meeting) to be concerned, best first."""
    concerned = repo.session.scalars(
        select(Contact)
        .join(MeetingContact, MeetingContact.contact_id == Contact.id)
        .join(Meeting, Meeting.id == MeetingContact.meeting_id)
        .where(Meeting.workspace_id == repo.workspace_id, MeetingContact.concerned.is_(True))
        .distinct()
        .limit(10)
    ).all()
    found = []
    for person in concerned:
        routes = rank_routes(neighbourhood(repo, member, person))
        if routes:
            found.append((contact_person(person), route_views(repo, routes[:1])[0]))
    found.sort(key=lambda pair: -pair[1].chance)
    return tuple(found[:PAGE])
