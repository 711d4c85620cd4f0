"""Asking for an introduction: a personal request drafted from what is known, and its outcome."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from models.core.errors import Forbidden, Missing, NotAllowed, NotFound, Usage, UsageError, found
from models.core.values import Actor
from models.db.orm import Introduction
from models.db.uow import UnitOfWork
from models.network.repository import NetworkRepository

#: The parts of a draft the asker must make personal before it can be sent.
PLACEHOLDER = re.compile(r"\[[^\]]+\]")
MAX_MESSAGE_LENGTH = 2500
ACCEPTED, DECLINED, PENDING = "accepted", "declined", "pending"


@dataclass(frozen=True)
class IntroductionDraft:
    """What a request starts from: whom to ask, about whom, and what is known to write it personally."""

    target_id: int
    target_name: str
    target_job_title: str | None
    target_company: str | None
    intermediary_member_id: int | None
    intermediary_contact_id: int | None
    intermediary_name: str
    intermediary_slack_user_id: str | None
    #: The teammate asked has talked with the target (the request can say why it goes through them).
    intermediary_knows_target: bool
    asker_name: str


@dataclass(frozen=True)
class IntroductionRequest:
    """A recorded request; `to_slack_user_id` is set when it goes to a teammate by DM."""

    id: int
    asker_slack_user_id: str
    target_name: str
    #: None when the contact asked no longer exists.
    intermediary_name: str | None
    to_slack_user_id: str | None
    message: str
    status: str
    duplicate: bool = False


def check_message(message: str) -> str:
    """The request as it will be sent, or a UsageError saying what to change."""
    message = message.strip()
    if not message:
        raise UsageError("Write a few words: a request for an introduction is always personal.", Usage.WHOKNOWS)
    if PLACEHOLDER.search(message):
        raise UsageError("Make it personal: replace the [bracketed] parts with your own words.", Usage.WHOKNOWS)
    if len(message) > MAX_MESSAGE_LENGTH:
        raise UsageError(f"Keep it under {MAX_MESSAGE_LENGTH:,} characters.", Usage.WHOKNOWS)
    return message


def prepare_introduction(
    uow: UnitOfWork, actor: Actor, target_id: int, via_member_id: int | None, via_contact_id: int | None
) -> IntroductionDraft:
    with uow:
        repo, asker = uow.member(actor.team_id, actor.user_id, NetworkRepository)
        target = found(repo.contact(target_id), Missing.CONTACT)
        if via_member_id is not None:
            intermediary = found(repo.members_by_id([via_member_id]).get(via_member_id), Missing.COLLEAGUE)
            tie = repo.tie(intermediary, target)
            name = intermediary.display_name or intermediary.slack_user_id
            slack_id: str | None = intermediary.slack_user_id
        else:
            via = found(repo.contact(via_contact_id or 0), Missing.CONTACT)
            tie, name, slack_id = None, via.name, None
        return IntroductionDraft(
            target_id=target.id,
            target_name=target.name,
            target_job_title=target.job_title,
            target_company=target.account.name if target.account else None,
            intermediary_member_id=via_member_id,
            intermediary_contact_id=via_contact_id if via_member_id is None else None,
            intermediary_name=name,
            intermediary_slack_user_id=slack_id,
            intermediary_knows_target=tie is not None and tie.interaction_count > 0,
            asker_name=asker.display_name,
        )


def request_introduction(
    uow: UnitOfWork,
    actor: Actor,
    target_id: int,
    via_member_id: int | None,
    via_contact_id: int | None,
    message: str,
    request_key: str,
    now: datetime,
) -> IntroductionRequest:
    """Record the request once per `request_key`; a teammate will get it by DM, a contact by the asker."""
    message = check_message(message)
    with uow:
        repo, asker = uow.member(actor.team_id, actor.user_id, NetworkRepository)
        existing = repo.introduction_by_request(request_key)
        if existing is not None:
            return _request_view(repo, existing, duplicate=True)
        if via_member_id == asker.id:
            raise UsageError("You can't ask yourself for an introduction.", Usage.WHOKNOWS)
        if repo.contact(target_id) is None:
            raise NotFound(Missing.CONTACT)
        if via_member_id is not None:
            if via_member_id not in repo.members_by_id([via_member_id]):
                raise NotFound(Missing.COLLEAGUE)
        elif via_contact_id is None or repo.contact(via_contact_id) is None:
            raise NotFound(Missing.CONTACT)
        introduction = Introduction(
            request_key=request_key,
            asker_member_id=asker.id,
            intermediary_member_id=via_member_id,
            intermediary_contact_id=None if via_member_id is not None else via_contact_id,
            target_contact_id=target_id,
            message=message,
            status=PENDING,
            created_at=now,
        )
        result = _request_view(repo, repo.add_introduction(introduction))
        uow.commit()
        return result


def decide_introduction(
    uow: UnitOfWork, actor: Actor, introduction_id: int, accepted: bool, now: datetime
) -> IntroductionRequest:
    """The intermediary (a teammate) or, for a contact, the asker records the outcome, once.

    An introduction that happened gives the asker a tie with the target (a relationship to build)
    and, when a contact introduced them, links that contact and the target.
    """
    with uow:
        repo, member = uow.member(actor.team_id, actor.user_id, NetworkRepository)
        introduction = found(repo.introduction(introduction_id), Missing.INTRODUCTION_REQUEST)
        decider = introduction.intermediary_member_id or introduction.asker_member_id
        if member.id != decider:
            raise NotAllowed(Forbidden.ANSWER_OTHERS_REQUEST)
        if introduction.status != PENDING:
            return _request_view(repo, introduction, duplicate=True)
        introduction.status = ACCEPTED if accepted else DECLINED
        introduction.decided_at = now
        if accepted:
            asker = repo.members_by_id([introduction.asker_member_id]).get(introduction.asker_member_id)
            target = repo.contact(introduction.target_contact_id)
            if asker is not None and target is not None:
                repo.get_or_create_tie(asker, target)
                via = repo.contact(introduction.intermediary_contact_id or 0)
                if via is not None and via.id != target.id:
                    repo.link_contacts(via, target, "introduction", now)
        result = _request_view(repo, introduction)
        uow.commit()
        return result


def _request_view(repo: NetworkRepository, introduction: Introduction, duplicate: bool = False) -> IntroductionRequest:
    members = repo.members_by_id(
        [introduction.asker_member_id]
        + ([introduction.intermediary_member_id] if introduction.intermediary_member_id else [])
    )
    contacts = repo.contacts_by_id(
        [introduction.target_contact_id]
        + ([introduction.intermediary_contact_id] if introduction.intermediary_contact_id else [])
    )
    asker = members[introduction.asker_member_id]
    target = contacts[introduction.target_contact_id]
    name: str | None
    if introduction.intermediary_member_id is not None:
        intermediary = members[introduction.intermediary_member_id]
        name, to_user = intermediary.display_name or intermediary.slack_user_id, intermediary.slack_user_id
    else:
        via = contacts.get(introduction.intermediary_contact_id or 0)
        name, to_user = (via.name if via else None), None
    return IntroductionRequest(
        id=introduction.id,
        asker_slack_user_id=asker.slack_user_id,
        target_name=target.name,
        intermediary_name=name,
        to_slack_user_id=to_user,
        message=introduction.message,
        status=introduction.status,
        duplicate=duplicate,
    )
