"""Pre-meeting briefings: who they are, the relationship, the account, and two objectives.

A briefing is built for one contact (with the meeting's context when there is one) from what the
database knows, and answers: what is still unknown about them, how good the relationship is, whom
else the team knows at their company, and what to aim for (`models.core.objectives`). The same builder
serves the DM sent before a meeting and `/prep` on demand.

Composing for the outbox: a meeting's briefing row is inserted once its member's lead time has come
(default 30 minutes before), keyed by the meeting and its start, with `not_after` = the start: a
briefing late because the bot was down still goes out if the meeting has not started, and is dropped
once it has; a meeting moved in the calendar gets a fresh row at its new time. A follow-up ("how did
it go?") is composed once the meeting has ended.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from models.briefings.repository import BriefingRepository, BriefingSweepRepository
from models.core.errors import Missing, NotFound, Usage, UsageError, found
from models.core.faults import describe_fault
from models.core.graph import rank_routes
from models.core.limits import CAMPAIGN
from models.core.names import fold, match_name
from models.core.nudges import LEAD_MINUTES, DigestItem
from models.core.nudges import neglected as neglected_rule
from models.core.nudges import one_sided as one_sided_rule
from models.core.objectives import BetterContact, ConversationPlan, DecisionRole, MeetingContext, plan_conversation
from models.core.scoring import strength_band
from models.core.values import Actor, Channel, Initiator
from models.db.orm import Contact, Meeting, MeetingContact, Member
from models.db.uow import UnitOfWork
from models.network.whoknows import (
    ChooseTarget,
    NobodyKnows,
    Person,
    RouteView,
    TargetOption,
    contact_person,
    neighbourhood,
    route_views,
    target_options,
)
from models.nudges.digests import member_settings
from models.scores.engine import TieReport, reports

logger = logging.getLogger(__name__)

BRIEFING, FOLLOW_UP, FEED_ERROR = "briefing", "follow_up", "feed_error"
#: Briefings are composed at most this long before a meeting (members choose their lead time up to it).
MAX_LEAD = timedelta(minutes=LEAD_MINUTES[-1])
#: A follow-up is useful for this long after the meeting ends.
FOLLOW_UP_WINDOW = timedelta(days=1)
MAX_CONTACTS_PER_BRIEFING = 3
TEAM_AT_ACCOUNT = 5


@dataclass(frozen=True)
class PastInteraction:
    occurred_at: datetime
    channel: Channel
    initiator: Initiator | None
    notes: str | None  # only the member's own notes


@dataclass(frozen=True)
class TeamTie:
    person: Person
    strength: float
    band: str


@dataclass(frozen=True)
class MeetingInfo:
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    topic: str | None
    trigger_event: str | None
    campaign: str | None


@dataclass(frozen=True)
class ContactBriefing:
    person: Person
    responsibilities: str | None
    report: TieReport
    recent: tuple[PastInteraction, ...]
    #: What the digest would say of this relationship: neglected, then one-sided (none when neither).
    nudges: tuple[DigestItem, ...]
    team_at_account: tuple[TeamTie, ...]
    route_to_concerned: tuple[Person, RouteView] | None
    plan: ConversationPlan


@dataclass(frozen=True)
class Briefing:
    meeting: MeetingInfo | None
    contacts: tuple[ContactBriefing, ...]
    others: tuple[str, ...] = ()  # attendees beyond the ones briefed in full


# Building ------------------------------------------------------------------------------------------
def briefing_for_meeting(uow: UnitOfWork, team_id: str, slack_user_id: str, meeting_id: int, now: datetime) -> Briefing:
    with uow:
        repo, member = uow.member(team_id, slack_user_id, BriefingRepository)
        meeting = _own_meeting(repo, member, meeting_id)
        attendees = list(meeting.attendees)
        briefed = [
            _contact_briefing(repo, member, a.contact, meeting, a, now) for a in attendees[:MAX_CONTACTS_PER_BRIEFING]
        ]
        return Briefing(
            meeting=_meeting_info(meeting),
            contacts=tuple(briefed),
            others=tuple(a.contact.name for a in attendees[MAX_CONTACTS_PER_BRIEFING:]),
        )


def prep(uow: UnitOfWork, actor: Actor, query: str, now: datetime) -> Briefing | ChooseTarget | NobodyKnows:
    """`/prep <contact or company>`: the briefing for a person (their next meeting's context if any)."""
    query = " ".join(query.split())
    if not query:
        raise UsageError("Whom are you about to meet? Give a name or a company.", Usage.PREP)
    with uow:
        repo, member = uow.member(actor.team_id, actor.user_id, BriefingRepository)
        people = repo.contact_candidates(query)
        companies = repo.account_candidates(query)
        person_match, company_match = match_name(query, people), match_name(query, companies)
        contact: Contact | None = None
        if person_match.chosen is not None and (
            company_match.chosen is None or company_match.chosen.name_key != fold(query)
        ):
            contact = repo.contact(person_match.chosen.id)
        elif company_match.chosen is not None and not person_match.options:
            contact = _focus_at_account(repo, member, company_match.chosen.id)
            if contact is None:
                chosen = company_match.chosen
                return NobodyKnows(query=query, nearest=(TargetOption("account", chosen.id, chosen.name),))
        else:
            options = target_options(
                person_match.chosen, person_match.options, company_match.chosen, company_match.options
            )
            if len(options) == 1:  # one near name: take it
                only = options[0]
                contact = _focus_at_account(repo, member, only.id) if only.kind == "account" else repo.contact(only.id)
                if contact is not None:
                    return _briefing_for_contact(repo, member, contact, now)
            if options:
                return ChooseTarget(query=query, options=options)
            return NobodyKnows(query=query, nearest=tuple(TargetOption("contact", c.id, c.name) for c in people[:3]))
        assert contact is not None
        return _briefing_for_contact(repo, member, contact, now)


def prep_contact(uow: UnitOfWork, actor: Actor, contact_id: int, now: datetime) -> Briefing:
    with uow:
        repo, member = uow.member(actor.team_id, actor.user_id, BriefingRepository)
        contact = found(repo.contact(contact_id), Missing.CONTACT)
        return _briefing_for_contact(repo, member, contact, now)


def prep_account(uow: UnitOfWork, actor: Actor, account_id: int, now: datetime) -> Briefing | NobodyKnows:
    with uow:
        repo, member = uow.member(actor.team_id, actor.user_id, BriefingRepository)
        account = repo.account(account_id)
        contact = _focus_at_account(repo, member, account_id)
        if contact is None:
            return NobodyKnows(query=account.name if account else None)
        return _briefing_for_contact(repo, member, contact, now)


def _focus_at_account(repo: BriefingRepository, member: Member, account_id: int) -> Contact | None:
    """At a company: the person concerned if one is known, else the one the team knows best."""
    concerned = repo.concerned_at_account(account_id, limit=1)
    if concerned:
        return concerned[0]
    # The person the member's team knows best there (one index read), else the first by name.
    known = [contact_id for contact_id, strength in repo.strengths_at_account(account_id, member, 1) if strength > 0]
    if known:
        return repo.contact(known[0])
    first = repo.contacts_at_account(account_id, limit=1)
    return first[0] if first else None


def _briefing_for_contact(repo: BriefingRepository, member: Member, contact: Contact, now: datetime) -> Briefing:
    meeting = repo.next_meeting_with(member, contact, now)
    attendee = None
    if meeting is not None:
        attendee = next((a for a in meeting.attendees if a.contact_id == contact.id), None)
    briefed = _contact_briefing(repo, member, contact, meeting, attendee, now)
    return Briefing(meeting=_meeting_info(meeting) if meeting else None, contacts=(briefed,))


def _meeting_info(meeting: Meeting) -> MeetingInfo:
    return MeetingInfo(
        id=meeting.id,
        title=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        topic=meeting.topic,
        trigger_event=meeting.trigger_event,
        campaign=meeting.campaign,
    )


def _contact_briefing(
    repo: BriefingRepository,
    member: Member,
    contact: Contact,
    meeting: Meeting | None,
    attendee: MeetingContact | None,
    now: datetime,
) -> ContactBriefing:
    (report,) = reports(repo, member.id, [contact], now)
    recent = [
        PastInteraction(
            occurred_at=interaction.occurred_at,
            channel=Channel(interaction.channel),
            initiator=Initiator(interaction.initiator) if interaction.initiator else None,
            notes=interaction.notes if interaction.member_id == member.id and interaction.notes else None,
        )
        for interaction in repo.recent_interactions(member, contact, limit=3)
    ]
    nudges, is_neglected, side = _nudges_about(repo, member, contact, now)
    team = _team_at_account(repo, member, contact)
    route = _route_to_concerned(repo, member, contact)
    better = None
    if route is not None:
        target, best = route
        via = None if best.is_direct else best.hops[0].to.name
        better = BetterContact(name=target.name, concerned=True, route_chance=min(max(best.chance, 0.0), 1.0), via=via)
    plan = plan_conversation(
        MeetingContext(
            person_name=contact.name,
            company=contact.account.name if contact.account else None,
            job_title=contact.job_title,
            responsibilities=contact.responsibilities,
            concerned=attendee.concerned if attendee else None,
            decision_role=DecisionRole(attendee.decision_role) if attendee and attendee.decision_role else None,
            trigger_event=meeting.trigger_event if meeting else None,
            topic=meeting.topic if meeting else None,
            campaign=meeting.campaign if meeting else None,
            interaction_count=report.interaction_count,
            strength=min(max(report.strength.value, 0.0), 1.0),
            score_total=report.score.total,
            neglected=is_neglected,
            one_sided=side,
            better_contact=better,
        )
    )
    return ContactBriefing(
        person=contact_person(contact),
        responsibilities=contact.responsibilities,
        report=report,
        recent=tuple(recent),
        nudges=tuple(nudges),
        team_at_account=team,
        route_to_concerned=route,
        plan=plan,
    )


def _nudges_about(
    repo: BriefingRepository, member: Member, contact: Contact, now: datetime
) -> tuple[list[DigestItem], bool, str | None]:
    """What the digest would say of this relationship (neglected, one-sided), whether it is neglected,
    and who started nearly all of it ("them", "me", or None when it is balanced)."""
    facts = repo.tie_facts(member, now, contact_ids=[contact.id])
    nudges: list[DigestItem] = []
    is_neglected, side = False, None
    if facts:
        neglected_item = neglected_rule(facts[0], repo.cadences(member), now)
        sided = one_sided_rule(facts[0], now)
        if neglected_item is not None:
            is_neglected = True
            nudges.append(neglected_item)
        if sided is not None:
            side = "them" if facts[0].initiated_by_them > facts[0].initiated_by_me else "me"
            nudges.append(sided)
    return nudges, is_neglected, side


def _team_at_account(repo: BriefingRepository, member: Member, contact: Contact) -> tuple[TeamTie, ...]:
    if contact.account_id is None:
        return ()
    ranking = repo.strengths_at_account(contact.account_id, member, TEAM_AT_ACCOUNT + 1)
    best = [(other, strength) for other, strength in ranking if other != contact.id and strength > 0][:TEAM_AT_ACCOUNT]
    people = repo.contacts_by_id(other for other, _ in best)
    return tuple(
        TeamTie(person=contact_person(people[other]), strength=strength, band=strength_band(round(strength, 2)))
        for other, strength in best
    )


def _route_to_concerned(repo: BriefingRepository, member: Member, contact: Contact) -> tuple[Person, RouteView] | None:
    """The best route to someone at the same company known (from a meeting) to be concerned."""
    if contact.account_id is None:
        return None
    concerned = repo.concerned_at_account(contact.account_id, limit=5, besides=contact.id)
    best: tuple[Person, RouteView] | None = None
    for other in concerned:
        routes = rank_routes(neighbourhood(repo, member, other))
        if not routes:
            continue
        view = route_views(repo, routes[:1])[0]
        if best is None or view.chance > best[1].chance:
            best = (contact_person(other), view)
    return best


# Meeting context -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AttendeeContext:
    contact_id: int
    name: str
    concerned: bool | None
    decision_role: DecisionRole | None


@dataclass(frozen=True)
class MeetingContextForm:
    """What the context form shows of a meeting: what is known of it, and each attendee's part."""

    meeting: MeetingInfo
    attendees: tuple[AttendeeContext, ...]


def meeting_context(uow: UnitOfWork, actor: Actor, meeting_id: int) -> MeetingContextForm:
    with uow:
        repo, member = uow.member(actor.team_id, actor.user_id, BriefingRepository)
        meeting = _own_meeting(repo, member, meeting_id)
        return MeetingContextForm(
            meeting=_meeting_info(meeting),
            attendees=tuple(
                AttendeeContext(
                    contact_id=a.contact_id,
                    name=a.contact.name,
                    concerned=a.concerned,
                    decision_role=DecisionRole(a.decision_role) if a.decision_role else None,
                )
                for a in meeting.attendees
            ),
        )


def save_meeting_context(
    uow: UnitOfWork,
    actor: Actor,
    meeting_id: int,
    trigger_event: str | None,
    topic: str | None,
    campaign: str | None,
    attendees: Sequence[tuple[int, bool | None, DecisionRole | None]],
    now: datetime,
) -> MeetingContextForm:
    """What the seller knows of the moment and the subject, and of each attendee's part in it."""
    with uow:
        repo, member = uow.member(actor.team_id, actor.user_id, BriefingRepository)
        meeting = _own_meeting(repo, member, meeting_id)
        meeting.trigger_event = (trigger_event or "").strip() or None
        meeting.topic = (topic or "").strip() or None
        meeting.campaign = CAMPAIGN.check((campaign or "").strip(), Usage.PREP) or None
        meeting.updated_at = now
        by_contact = {a.contact_id: a for a in meeting.attendees}
        for contact_id, concerned, role in attendees:
            attendee = by_contact.get(contact_id)
            if attendee is not None:
                attendee.concerned = concerned
                attendee.decision_role = role.value if role else None
        uow.commit()
    return meeting_context(uow, actor, meeting_id)


def _own_meeting(repo: BriefingRepository, member: Member, meeting_id: int) -> Meeting:
    meeting = repo.meeting(meeting_id)
    if meeting is None or meeting.member_id != member.id:
        raise NotFound(Missing.MEETING)
    return meeting


# Composing for the outbox -----------------------------------------------------------------------------
def meeting_key(meeting: Meeting) -> str:
    """A meeting at a given start: a moved meeting gets a new key, hence a fresh briefing."""
    return f"{meeting.id}@{meeting.starts_at.isoformat()}"


def compose_briefings(uow: UnitOfWork, now: datetime, only_user: str | None = None) -> int:
    """Insert the briefing of every meeting whose member's lead time has come (once per meeting and start)."""

    def compose(outbox: BriefingSweepRepository, meeting: Meeting, member: Member) -> bool:
        if meeting.starts_at - timedelta(minutes=member.briefing_lead_minutes) > now:
            return False
        payload = {"meeting_id": meeting.id}
        return outbox.insert_once(member, BRIEFING, meeting_key(meeting), payload, now, not_after=meeting.starts_at)

    return _compose_each(uow, BRIEFING, lambda sweep: sweep.meetings_starting(now, now + MAX_LEAD, only_user), compose)


def compose_follow_ups(uow: UnitOfWork, now: datetime, only_user: str | None = None) -> int:
    """After a meeting ends, one short DM asking how it went (with a pre-filled /logcall)."""

    def compose(outbox: BriefingSweepRepository, meeting: Meeting, member: Member) -> bool:
        starts_at = meeting.starts_at.astimezone(ZoneInfo(member_settings(member).time_zone))
        payload = {
            "meeting_id": meeting.id,
            "title": meeting.title,
            "contacts": [a.contact.name for a in meeting.attendees],
            "company": next((a.contact.account.name for a in meeting.attendees if a.contact.account), ""),
            "channel": meeting.channel or "",
            "date": starts_at.date().isoformat(),
            "time": starts_at.strftime("%H:%M"),
        }
        not_after = meeting.ends_at + FOLLOW_UP_WINDOW
        return outbox.insert_once(member, FOLLOW_UP, meeting_key(meeting), payload, now, not_after=not_after)

    return _compose_each(
        uow, FOLLOW_UP, lambda sweep: sweep.meetings_ended(now - FOLLOW_UP_WINDOW, now, only_user), compose
    )


def _compose_each(
    uow: UnitOfWork,
    kind: str,
    meetings: Callable[[BriefingSweepRepository], list[tuple[Meeting, Member, str]]],
    compose: Callable[[BriefingSweepRepository, Meeting, Member], bool],
) -> int:
    """Compose for each meeting in a savepoint of its own: one that fails (a member's unreadable time
    zone, a refused row) is rolled back and logged by id, and never stops the others. How many were composed."""
    composed = 0
    with uow:
        sweep = BriefingSweepRepository.of(uow)
        for meeting, member, _ in meetings(sweep):
            try:
                with sweep.savepoint():
                    composed += compose(sweep, meeting, member)
            except Exception as error:  # noqa: BLE001 - one meeting's fault stays with that meeting
                logger.error("%s of meeting %s not composed: %s", kind, meeting.id, describe_fault(error))
        uow.commit()
    return composed


def drop_stale_briefings(repo: BriefingRepository, meeting: Meeting) -> None:
    """A moved or cancelled meeting: its pending briefings and follow-ups for another start are dropped."""
    keep = meeting_key(meeting) if meeting.cancelled_at is None else ""
    repo.outbox.drop_pending(
        meeting.member_id, (BRIEFING, FOLLOW_UP), f"{meeting.id}@", keep, "the meeting moved or was cancelled"
    )


@dataclass(frozen=True)
class DueBriefing:
    """A briefing that is due, summarised for `rapport briefings --dry-run`."""

    slack_user_id: str
    title: str
    starts_at: datetime
    lead_minutes: int
    #: Each contact briefed in full, by name, with the plan for the conversation.
    plans: tuple[tuple[str, ConversationPlan], ...]


def due_briefings(uow: UnitOfWork, now: datetime, only_user: str | None = None) -> list[DueBriefing]:
    """The briefings a pass at `now` would send (their lead time has come, the meeting has not started)."""
    with uow:
        rows = [
            (meeting.id, member.slack_user_id, member.briefing_lead_minutes, meeting.starts_at, team_id)
            for meeting, member, team_id in BriefingSweepRepository.of(uow).meetings_starting(
                now, now + MAX_LEAD, only_user, reachable_only=False
            )
        ]
    due = []
    for meeting_id, user_id, lead, starts_at, team_id in rows:
        if starts_at - timedelta(minutes=lead) > now:
            continue
        briefing = briefing_for_meeting(uow, team_id, user_id, meeting_id, now)
        plans = tuple((entry.person.name, entry.plan) for entry in briefing.contacts)
        title = briefing.meeting.title if briefing.meeting else ""
        due.append(DueBriefing(slack_user_id=user_id, title=title, starts_at=starts_at, lead_minutes=lead, plans=plans))
    return due
