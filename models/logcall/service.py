"""The use cases of Rapport, each one transaction: log a call, choose a contact, undo, rate a tie."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import combinations

from models.core.errors import Forbidden, Misread, MisreadCommand, Missing, NotAllowed, NotFound, Usage, found
from models.core.limits import COMPANY_NAME, CONTACT_NAME, JOB_TITLE, MEETING_TITLE_LENGTH, TAG, cut
from models.core.names import Candidate, fold, match_name
from models.core.signs import Appreciation, Friendship
from models.core.values import Actor, Channel, ContactRef, Initiator, LogCallCommand, MemberProfile
from models.db.orm import TITLE_FROM_RATING, Contact, Interaction, Meeting, MeetingContact, Member, PendingLog, Tie
from models.db.uow import UnitOfWork, WriteCollision
from models.logcall.repository import LogcallRepository
from models.scores.engine import TieReport, reports, rescore_contacts

#: A member's Slack profile (name, time zone) is fetched again after this many days.
PROFILE_MAX_AGE_DAYS = 7
NEW_CONTACT = 0
#: How long a meeting scheduled from Slack lasts when no duration is given.
DEFAULT_MEETING_MINUTES = 30


@dataclass(frozen=True)
class RecordedInteraction:
    """What was recorded, read back from the database."""

    id: int
    occurred_at: datetime
    time_given: bool
    channel: Channel
    initiator: Initiator | None
    duration_minutes: int | None
    contact_names: tuple[str, ...]
    colleague_user_ids: tuple[str, ...]
    tags: tuple[str, ...]
    notes: str
    undone: bool


@dataclass(frozen=True)
class Logged:
    """The interaction is recorded (or was already: `duplicate`), with each tie's score after it."""

    interaction: RecordedInteraction
    reports: tuple[TieReport, ...]
    new_contacts: tuple[str, ...] = ()
    duplicate: bool = False


@dataclass(frozen=True)
class Scheduled:
    """The next meeting is recorded: a briefing will come `briefing_lead_minutes` before it."""

    meeting_id: int
    starts_at: datetime
    channel: Channel | None
    contact_names: tuple[str, ...]
    topic: str | None
    briefing_lead_minutes: int
    new_contacts: tuple[str, ...] = ()
    duplicate: bool = False


@dataclass(frozen=True)
class NeedsChoice:
    """Several known contacts could be meant by `typed`: the seller picks one (or a new contact)."""

    pending_id: int
    slot: int
    typed: ContactRef
    options: tuple[Candidate, ...]


@dataclass(frozen=True)
class Undone:
    interaction: RecordedInteraction
    reports: tuple[TieReport, ...]
    already: bool = False


@dataclass(frozen=True)
class TieRating:
    """What the seller tells us about a tie (signs 1 to 3); None leaves a value as it was."""

    knows_job_title: bool | None = None
    knows_responsibilities: bool | None = None
    appreciation: Appreciation | None = None
    friendship: Friendship | None = None
    job_title: str | None = None
    responsibilities: str | None = None
    private: bool | None = None
    #: Days between conversations this relationship needs (0 clears it: back to the default).
    cadence_days: int | None = None


@dataclass(frozen=True)
class RatingForm:
    """The current answers for a tie, to pre-fill the rating modal."""

    contact_id: int
    contact_name: str
    rating: TieRating = field(default_factory=TieRating)
    #: The title on record and its source: a hint beside sign 1's question, never its answer.
    title_on_record: str | None = None
    title_source: str | None = None


# Members ---------------------------------------------------------------------------------------
def cached_profile(uow: UnitOfWork, actor: Actor, now: datetime) -> MemberProfile | None:
    """The member's profile if it was fetched from Slack recently enough, else None."""
    with uow:
        member = uow.workspace(actor.team_id, LogcallRepository).member(actor.user_id)
        if member is None or member.profile_fetched_at is None:
            return None
        if (now - member.profile_fetched_at).days >= PROFILE_MAX_AGE_DAYS:
            return None
        return MemberProfile(display_name=member.display_name, time_zone=member.time_zone)


def remember_profile(uow: UnitOfWork, actor: Actor, profile: MemberProfile, now: datetime) -> None:
    with uow:
        repo = uow.workspace(actor.team_id, LogcallRepository)
        member = repo.get_or_create_member(actor.user_id)
        member.display_name = profile.display_name
        member.time_zone = profile.time_zone
        if profile.email:
            member.email = profile.email.lower()
        member.profile_fetched_at = now
        uow.commit()


# Logging -------------------------------------------------------------------------------------
def log_call(
    uow: UnitOfWork,
    actor: Actor,
    command: LogCallCommand,
    request_key: str,
    now: datetime,
    source: str = "command",
) -> Logged | Scheduled | NeedsChoice:
    """Record one interaction (or, for a date to come, the next meeting), exactly once per `request_key`."""
    return _log_once(uow, actor, command, request_key, now, source, choices={})


def choose_contact(
    uow: UnitOfWork, actor: Actor, pending_id: int, slot: int, contact_id: int, now: datetime
) -> Logged | Scheduled | NeedsChoice:
    """The seller said which contact they meant (`NEW_CONTACT` for someone new); go on logging."""
    with uow:
        repo = uow.workspace(actor.team_id, LogcallRepository)
        pending = repo.pending(pending_id)
        member = repo.member(actor.user_id)
        if pending is None or member is None or pending.member_id != member.id:
            raise NotFound(Missing.CHOICE)
        choices = {int(k): int(v) for k, v in json.loads(pending.choices_json).items()}
        choices[slot] = contact_id
        pending.choices_json = json.dumps(choices)
        command = _command_from_json(pending.command_json)
        request_key, source = pending.request_key, "choice"
        uow.commit()
    return _log_once(uow, actor, command, request_key, now, source, choices)


@dataclass(frozen=True)
class _Attempt:
    """One try at recording a command: who, what, under which request key, and the choices made."""

    actor: Actor
    command: LogCallCommand
    request_key: str
    now: datetime
    source: str
    choices: dict[int, int]


def _log_once(
    uow: UnitOfWork,
    actor: Actor,
    command: LogCallCommand,
    request_key: str,
    now: datetime,
    source: str,
    choices: dict[int, int],
) -> Logged | Scheduled | NeedsChoice:
    attempt = _Attempt(actor, command, request_key, now, source, choices)
    try:
        return _log(uow, attempt)
    except WriteCollision:
        # Another delivery of this request (or the first request of a new workspace or member)
        # was written at the same moment. If it recorded the interaction, say so; else try again.
        with uow:
            repo = uow.workspace(actor.team_id, LogcallRepository)
            existing = repo.interaction_by_request(request_key)
            if existing is not None:
                return _logged(repo, existing, now, duplicate=True)
        return _log(uow, attempt)


def _log(uow: UnitOfWork, attempt: _Attempt) -> Logged | Scheduled | NeedsChoice:
    command, now = attempt.command, attempt.now
    _check_lengths(command)
    if command.scheduled and command.occurred_at <= now:
        raise MisreadCommand(Misread.SCHEDULED_IN_THE_PAST)
    if not command.scheduled and command.occurred_at > now:
        raise MisreadCommand(Misread.LOGGED_IN_THE_FUTURE)
    with uow:
        repo = uow.workspace(attempt.actor.team_id, LogcallRepository)
        repo.serialize_writes()
        member = repo.get_or_create_member(attempt.actor.user_id)
        already = _already_recorded(repo, member, attempt)
        if already is not None:
            return already
        # Resolve every name before writing anything: a question about one name must not leave
        # the others half-created.
        resolved = _resolve_contacts(repo, member, attempt)
        if isinstance(resolved, NeedsChoice):
            uow.commit()
            return resolved
        contacts, new_names = _contacts_for(repo, member, command, resolved)
        if command.scheduled:
            result: Logged | Scheduled = _schedule(repo, member, attempt, contacts, tuple(new_names))
        else:
            result = _record(repo, member, attempt, contacts, tuple(new_names))
        uow.commit()
        return result


def _already_recorded(repo: LogcallRepository, member: Member, attempt: _Attempt) -> Logged | Scheduled | None:
    """What an earlier delivery of this request recorded, if one did."""
    if attempt.command.scheduled:
        meeting = repo.meeting_by_source(member, f"slack:{attempt.request_key}")
        return _scheduled(meeting, member, duplicate=True) if meeting is not None else None
    existing = repo.interaction_by_request(attempt.request_key)
    return _logged(repo, existing, attempt.now, duplicate=True) if existing is not None else None


def _resolve_contacts(repo: LogcallRepository, member: Member, attempt: _Attempt) -> list[int] | NeedsChoice:
    """The contact each typed name means (NEW_CONTACT for someone new), or the first question to ask."""
    resolved: list[int] = []
    for slot, ref in enumerate(attempt.command.contacts):
        chosen_id = attempt.choices.get(slot)
        if chosen_id is None:
            account_key = fold(ref.company) if ref.company else None
            match = match_name(ref.name, repo.contact_candidates(ref.name, account_key))
            if match.options:
                pending = _remember_pending(repo, member, attempt.command, attempt.request_key, attempt.choices)
                return NeedsChoice(pending_id=pending.id, slot=slot, typed=ref, options=match.options)
            chosen_id = match.chosen.id if match.chosen is not None else NEW_CONTACT
        resolved.append(chosen_id)
    return resolved


def _contacts_for(
    repo: LogcallRepository, member: Member, command: LogCallCommand, resolved: list[int]
) -> tuple[list[Contact], list[str]]:
    """The contacts resolved (each once), created where new, with the names of those created."""
    contacts: list[Contact] = []
    new_names: list[str] = []
    for ref, contact_id in zip(command.contacts, resolved, strict=True):
        account = repo.get_or_create_account(ref.company) if ref.company else None
        if contact_id == NEW_CONTACT:
            contact = repo.create_contact(ref.name, account, created_by=member)
            new_names.append(contact.name)
        else:
            contact = found(repo.contact(contact_id), Missing.CONTACT_TO_LOG)
            if account is not None and contact.account_id is None:
                contact.account_id = account.id
        if contact.id not in {c.id for c in contacts}:
            contacts.append(contact)
    return contacts, new_names


def _schedule(
    repo: LogcallRepository, member: Member, attempt: _Attempt, contacts: list[Contact], new_names: tuple[str, ...]
) -> Scheduled:
    """The next meeting with these contacts, for a date to come."""
    command, now = attempt.command, attempt.now
    meeting = repo.add_meeting(
        Meeting(
            member_id=member.id,
            source="slack",
            source_key=f"slack:{attempt.request_key}",
            title=cut("Meeting with " + ", ".join(c.name for c in contacts), MEETING_TITLE_LENGTH),
            starts_at=command.occurred_at,
            ends_at=command.occurred_at + timedelta(minutes=command.duration_minutes or DEFAULT_MEETING_MINUTES),
            channel=command.channel.value,
            topic=command.notes or None,
            created_at=now,
            updated_at=now,
            attendees=[MeetingContact(contact_id=contact.id) for contact in contacts],
        )
    )
    for contact in contacts:
        repo.add_contact_tags(contact, command.tags)
    return _scheduled(meeting, member, duplicate=False, new_contacts=new_names)


def _record(
    repo: LogcallRepository, member: Member, attempt: _Attempt, contacts: list[Contact], new_names: tuple[str, ...]
) -> Logged:
    """The interaction, its tags and the links it shows; then every tie it touched, scored again."""
    command, now = attempt.command, attempt.now
    colleagues = [
        repo.get_or_create_member(user_id) for user_id in command.colleagues if user_id != attempt.actor.user_id
    ]
    interaction = repo.add_interaction(
        Interaction(
            member_id=member.id,
            request_key=attempt.request_key,
            occurred_at=command.occurred_at,
            time_given=command.time_given,
            duration_minutes=command.duration_minutes,
            channel=command.channel.value,
            initiator=command.initiator.value if command.initiator else None,
            notes=command.notes,
            source=attempt.source,
            contacts=contacts,
            colleagues=colleagues,
        )
    )
    repo.tag_interaction(interaction, command.tags)
    for contact in contacts:
        repo.add_contact_tags(contact, command.tags)
    for first, second in combinations(contacts, 2):
        repo.link_contacts(first, second, "co_attendance", command.occurred_at)
    for participant in [member, *colleagues]:
        for contact in contacts:
            repo.get_or_create_tie(participant, contact)
    scored = _score_again(repo, member, colleagues, contacts, now)
    return Logged(interaction=_recorded(repo, interaction), reports=scored, new_contacts=new_names)


def _check_lengths(command: LogCallCommand) -> None:
    """Every name, company and tag fits its column, whichever edge the command came from (else a UsageError).

    The grammar and the forms check as they read; this keeps any other caller (the console, a
    stored choice) from reaching PostgreSQL with what SQLite would have kept.
    """
    for contact in command.contacts:
        CONTACT_NAME.check(contact.name, Usage.LOGCALL)
        if contact.company:
            COMPANY_NAME.check(contact.company, Usage.LOGCALL)
    for tag in command.tags:
        TAG.check(tag, Usage.LOGCALL)


def _scheduled(meeting: Meeting, member: Member, duplicate: bool, new_contacts: tuple[str, ...] = ()) -> Scheduled:
    return Scheduled(
        meeting_id=meeting.id,
        starts_at=meeting.starts_at,
        channel=Channel(meeting.channel) if meeting.channel else None,
        contact_names=tuple(attendee.contact.name for attendee in meeting.attendees),
        topic=meeting.topic,
        briefing_lead_minutes=member.briefing_lead_minutes,
        new_contacts=new_contacts,
        duplicate=duplicate,
    )


def _remember_pending(
    repo: LogcallRepository, member: Member, command: LogCallCommand, request_key: str, choices: dict[int, int]
) -> PendingLog:
    pending = repo.pending_by_request(request_key)
    if pending is None:
        pending = repo.add_pending(
            PendingLog(member_id=member.id, request_key=request_key, command_json=_command_to_json(command))
        )
    pending.choices_json = json.dumps(choices)
    return pending


def undo_interaction(uow: UnitOfWork, actor: Actor, interaction_id: int, now: datetime) -> Undone:
    """Take back a logged interaction; the ties it touched are scored again without it."""
    with uow:
        repo = uow.workspace(actor.team_id, LogcallRepository)
        interaction = found(repo.interaction(interaction_id), Missing.INTERACTION)
        member = repo.member(actor.user_id)
        if member is None or interaction.member_id != member.id:
            raise NotAllowed(Forbidden.UNDO_OTHERS_INTERACTION)
        if interaction.undone_at is not None:
            return Undone(_recorded(repo, interaction), reports=(), already=True)
        interaction.undone_at = now
        contacts = list(interaction.contacts)
        for first, second in combinations(contacts, 2):
            repo.unlink_contacts(first, second, "co_attendance")
        scored = _score_again(repo, member, interaction.colleagues, contacts, now)
        result = Undone(_recorded(repo, interaction), reports=scored)
        uow.commit()
        return result


@dataclass(frozen=True)
class InteractionPeople:
    names: str
    company: str


def interaction_people(uow: UnitOfWork, actor: Actor, interaction_id: int) -> InteractionPeople:
    """Who took part in a logged interaction, to pre-fill the next meeting with them."""
    with uow:
        repo = uow.workspace(actor.team_id, LogcallRepository)
        interaction = found(repo.interaction(interaction_id), Missing.INTERACTION)
        companies = {c.account.name for c in interaction.contacts if c.account}
        return InteractionPeople(
            names=", ".join(c.name for c in interaction.contacts),
            company=companies.pop() if len(companies) == 1 else "",
        )


def contact_tags_of(uow: UnitOfWork, actor: Actor, contact_id: int) -> tuple[str, tuple[str, ...]]:
    """A contact's name and tags."""
    with uow:
        repo = uow.workspace(actor.team_id, LogcallRepository)
        contact = found(repo.contact(contact_id), Missing.CONTACT)
        return contact.name, tuple(repo.contact_tags(contact.id))


def set_contact_tags(uow: UnitOfWork, actor: Actor, contact_id: int, tags: tuple[str, ...]) -> tuple[str, ...]:
    """Replace a contact's tags (#client, #prospect, #friend, any word)."""
    for tag in tags:
        TAG.check(tag, Usage.LOGCALL)
    with uow:
        repo = uow.workspace(actor.team_id, LogcallRepository)
        contact = found(repo.contact(contact_id), Missing.CONTACT)
        repo.replace_contact_tags(contact, tags)
        uow.commit()
        return tags


def set_private(uow: UnitOfWork, actor: Actor, contact_id: int, private: bool) -> None:
    """Hide a tie from colleagues' routes, or show it again."""
    with uow:
        repo = uow.workspace(actor.team_id, LogcallRepository)
        contact = found(repo.contact(contact_id), Missing.CONTACT)
        repo.get_or_create_tie(repo.get_or_create_member(actor.user_id), contact).private = private
        uow.commit()


# Rating ----------------------------------------------------------------------------------------
def rating_form(uow: UnitOfWork, actor: Actor, contact_id: int) -> RatingForm:
    with uow:
        repo = uow.workspace(actor.team_id, LogcallRepository)
        contact = found(repo.contact(contact_id), Missing.CONTACT)
        member = repo.get_or_create_member(actor.user_id)
        tie = repo.tie(member, contact)
        rating = TieRating(
            knows_job_title=tie.knows_job_title if tie else None,
            knows_responsibilities=tie.knows_responsibilities if tie else None,
            appreciation=Appreciation(tie.appreciation) if tie and tie.appreciation else None,
            friendship=Friendship(tie.friendship) if tie and tie.friendship else None,
            private=tie.private if tie else False,
            cadence_days=tie.cadence_days if tie else None,
        )
        return RatingForm(contact.id, contact.name, rating, contact.job_title, contact.job_title_source)


def rate_tie(uow: UnitOfWork, actor: Actor, contact_id: int, rating: TieRating, now: datetime) -> TieReport:
    """Record what the seller says about signs 1-3 of a tie and score it again (and, when the contact's
    title or role changed, the teammates' ties to them)."""
    if rating.job_title is not None:
        JOB_TITLE.check(rating.job_title.strip(), Usage.LOGCALL)
    with uow:
        repo = uow.workspace(actor.team_id, LogcallRepository)
        contact = found(repo.contact(contact_id), Missing.CONTACT)
        member = repo.get_or_create_member(actor.user_id)
        tie = repo.get_or_create_tie(member, contact)
        record = (contact.job_title, contact.responsibilities)
        _apply_rating(tie, contact, rating)
        tie.rated_at = now
        (report,) = reports(repo, member.id, [contact], now)
        if (contact.job_title, contact.responsibilities) != record:
            rescore_contacts(repo, [contact.id], now)
        uow.commit()
        return report


def _apply_rating(tie: Tie, contact: Contact, rating: TieRating) -> None:
    """What the seller said, on the tie and the contact's record; what they left blank stays as it was."""
    if rating.job_title is not None:
        contact.job_title = rating.job_title.strip() or None
        contact.job_title_source = TITLE_FROM_RATING if contact.job_title else None
    if rating.responsibilities is not None:
        contact.responsibilities = rating.responsibilities.strip() or None
    answers = {
        "knows_job_title": rating.knows_job_title,
        "knows_responsibilities": rating.knows_responsibilities,
        "appreciation": rating.appreciation.value if rating.appreciation else None,
        "friendship": rating.friendship.value if rating.friendship else None,
        "private": rating.private,
    }
    for column, answer in answers.items():
        if answer is not None:
            setattr(tie, column, answer)
    if rating.cadence_days is not None:
        tie.cadence_days = rating.cadence_days or None


def tie_report(uow: UnitOfWork, actor: Actor, contact_id: int, now: datetime) -> TieReport:
    with uow:
        repo = uow.workspace(actor.team_id, LogcallRepository)
        contact = found(repo.contact(contact_id), Missing.CONTACT)
        member = repo.get_or_create_member(actor.user_id)
        (report,) = reports(repo, member.id, [contact], now)
        uow.commit()
        return report


# Shared pieces ---------------------------------------------------------------------------------
def _score_again(
    repo: LogcallRepository, author: Member, colleagues: Iterable[Member], contacts: Sequence[Contact], now: datetime
) -> tuple[TieReport, ...]:
    """Every tie an interaction touches scored again (its author's and each colleague's with each of
    its contacts); the author's reports, in the order of `contacts`."""
    scored = tuple(reports(repo, author.id, contacts, now))
    for colleague in colleagues:
        reports(repo, colleague.id, contacts, now)
    return scored


def _recorded(repo: LogcallRepository, interaction: Interaction) -> RecordedInteraction:
    tags = repo.interaction_tags(interaction)
    return RecordedInteraction(
        id=interaction.id,
        occurred_at=interaction.occurred_at,
        time_given=interaction.time_given,
        channel=Channel(interaction.channel),
        initiator=Initiator(interaction.initiator) if interaction.initiator else None,
        duration_minutes=interaction.duration_minutes,
        contact_names=tuple(c.name for c in interaction.contacts),
        colleague_user_ids=tuple(m.slack_user_id for m in interaction.colleagues),
        tags=tuple(tags),
        notes=interaction.notes,
        undone=interaction.undone_at is not None,
    )


def _logged(
    repo: LogcallRepository,
    interaction: Interaction,
    now: datetime,
    duplicate: bool,
    new_contacts: tuple[str, ...] = (),
) -> Logged:
    author = repo.author_of(interaction)
    scored = tuple(reports(repo, author.id, list(interaction.contacts), now))
    return Logged(
        interaction=_recorded(repo, interaction), reports=scored, new_contacts=new_contacts, duplicate=duplicate
    )


def _command_to_json(command: LogCallCommand) -> str:
    return json.dumps(
        {
            "contacts": [[c.name, c.company] for c in command.contacts],
            "channel": command.channel.value,
            "occurred_at": command.occurred_at.isoformat(),
            "time_given": command.time_given,
            "initiator": command.initiator.value if command.initiator else None,
            "duration_minutes": command.duration_minutes,
            "colleagues": list(command.colleagues),
            "tags": list(command.tags),
            "notes": command.notes,
            "scheduled": command.scheduled,
        }
    )


def _command_from_json(text: str) -> LogCallCommand:
    data = json.loads(text)
    return LogCallCommand(
        contacts=tuple(ContactRef(name=name, company=company) for name, company in data["contacts"]),
        channel=Channel(data["channel"]),
        occurred_at=datetime.fromisoformat(data["occurred_at"]),
        time_given=bool(data["time_given"]),
        initiator=Initiator(data["initiator"]) if data["initiator"] else None,
        duration_minutes=data["duration_minutes"],
        colleagues=tuple(data["colleagues"]),
        tags=tuple(data["tags"]),
        notes=data["notes"],
        scheduled=bool(data.get("scheduled", False)),
    )
