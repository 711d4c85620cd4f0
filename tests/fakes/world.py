"""Setting a test's scene: workspaces, members, contacts and ties with the very figures the test names.

The same scene is written to the fakes' database (`FakeDatabase`) or, for the contract tests that hold
the fakes to the real repositories, to a real one through a session (`SessionRows`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from models.core.names import fold
from models.core.nudges import NudgeKind
from models.core.values import Channel, Initiator
from models.db.orm import (
    Account,
    Base,
    CadenceRule,
    CalendarFeed,
    Contact,
    ContactLink,
    Interaction,
    Meeting,
    MeetingContact,
    Member,
    MemberBrokerage,
    NudgeMemory,
    Tie,
    Workspace,
    contact_tags,
)
from models.db.repository import WorkspaceRepository

Row = TypeVar("Row", bound=Base)


class Rows(Protocol):
    """Where a scene is written: the fakes' database, or a real one."""

    def add(self, row: Row) -> Row: ...

    def tag(self, contact: Contact, tag: str) -> None: ...

    def index_name(
        self, workspace: Workspace, name: str, *, contact_id: int | None = None, account_id: int | None = None
    ) -> None: ...


class SessionRows:
    """A scene written to a real database, through the session of a unit of work the test then commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: Row) -> Row:
        self.session.add(row)
        self.session.flush()
        return row

    def tag(self, contact: Contact, tag: str) -> None:
        self.session.execute(contact_tags.insert().values(contact_id=contact.id, tag=tag))

    def index_name(
        self, workspace: Workspace, name: str, *, contact_id: int | None = None, account_id: int | None = None
    ) -> None:
        WorkspaceRepository(self.session, workspace).index_name(name, contact_id=contact_id, account_id=account_id)


class World:
    """Builds a scene row by row; times are given in days before `now`."""

    def __init__(self, rows: Rows, now: datetime) -> None:
        self.rows = rows
        self.now = now
        self._request_keys = itertools.count(1)

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def workspace(self, team_id: str = "T1") -> Workspace:
        return self.rows.add(Workspace(slack_team_id=team_id, name="", created_at=self.now))

    def member(self, workspace: Workspace, user_id: str, **fields: Any) -> Member:
        """A member of the workspace; `fields` are the columns to set (`time_zone`, `display_name`…)."""
        return self.rows.add(Member(workspace_id=workspace.id, slack_user_id=user_id, **fields))

    def account(self, workspace: Workspace, name: str) -> Account:
        account = self.rows.add(Account(workspace_id=workspace.id, name=name, name_key=fold(name)))
        self.rows.index_name(workspace, name, account_id=account.id)
        return account

    def contact(self, workspace: Workspace, name: str, account: Account | None = None, **fields: Any) -> Contact:
        """A contact, at `account` if given; `fields` are the columns to set (`job_title`…)."""
        contact = Contact(
            workspace_id=workspace.id, name=name, name_key=fold(name), account_id=account.id if account else None
        )
        for key, value in fields.items():
            setattr(contact, key, value)
        contact.account = account
        self.rows.add(contact)
        self.rows.index_name(workspace, name, contact_id=contact.id)
        return contact

    def tie(
        self,
        member: Member,
        contact: Contact,
        strength: float = 0.5,
        *,
        interactions: int = 1,
        days_ago: float | None = 10,
        **fields: Any,
    ) -> Tie:
        """The member's tie with the contact, with the figures kept on it: its strength, how many
        interactions, the last one `days_ago` days ago; `fields` are the other columns to set."""
        values: dict[str, Any] = {
            "workspace_id": member.workspace_id,
            "member_id": member.id,
            "contact_id": contact.id,
            "strength": strength,
            "interaction_count": interactions,
            "last_interaction_at": None if days_ago is None else self.ago(days_ago),
        }
        return self.rows.add(Tie(**{**values, **fields}))

    def link(
        self,
        first: Contact,
        second: Contact,
        kind: str = "co_attendance",
        occurrences: int = 1,
        days_ago: float = 10,
        bridge: str | None = None,
    ) -> ContactLink:
        """Two contacts known to know each other (stored once, the lower id first)."""
        low, high = sorted((first, second), key=lambda contact: contact.id)
        link = ContactLink(
            workspace_id=first.workspace_id,
            contact_a_id=low.id,
            contact_b_id=high.id,
            kind=kind,
            occurrences=occurrences,
            last_seen_at=self.ago(days_ago),
            bridge=bridge,
        )
        return self.rows.add(link)

    def tag(self, contact: Contact, *tags: str) -> None:
        for tag in tags:
            self.rows.tag(contact, tag)

    def cadence(self, member: Member, tag: str, days: int) -> CadenceRule:
        return self.rows.add(CadenceRule(workspace_id=member.workspace_id, member_id=member.id, tag=tag, days=days))

    def interaction(
        self,
        member: Member,
        contacts: Sequence[Contact],
        days_ago: float,
        channel: Channel = Channel.PHONE,
        initiator: Initiator | None = None,
        colleagues: Sequence[Member] = (),
        undone: bool = False,
    ) -> Interaction:
        """An interaction the member logged with these contacts (and colleagues who took part)."""
        interaction = Interaction(
            workspace_id=member.workspace_id,
            member_id=member.id,
            request_key=f"scene-{next(self._request_keys)}",
            occurred_at=self.ago(days_ago),
            channel=channel.value,
            initiator=initiator.value if initiator else None,
            undone_at=self.now if undone else None,
        )
        interaction.contacts = list(contacts)
        interaction.colleagues = list(colleagues)
        return self.rows.add(interaction)

    def memory(
        self,
        member: Member,
        contact: Contact,
        kind: NudgeKind | str,
        times_sent: int = 1,
        days_ago: float | None = 1,
        muted: bool = False,
        snoozed_until: datetime | None = None,
    ) -> NudgeMemory:
        """What the member was told about the contact (the last time `days_ago` days ago) and answered."""
        row = NudgeMemory(
            workspace_id=member.workspace_id,
            member_id=member.id,
            contact_id=contact.id,
            kind=kind.value if isinstance(kind, NudgeKind) else kind,
            times_sent=times_sent,
            last_sent_at=None if days_ago is None else self.ago(days_ago),
            muted=muted,
            snoozed_until=snoozed_until,
        )
        return self.rows.add(row)

    def meeting(
        self,
        member: Member,
        attendees: Sequence[Contact],
        starts_in: timedelta = timedelta(days=1),
        concerned: Sequence[Contact] = (),
        **fields: Any,
    ) -> Meeting:
        """A meeting of the member with these contacts; those in `concerned` are known to be concerned."""
        starts_at = self.now + starts_in
        meeting = Meeting(
            workspace_id=member.workspace_id,
            member_id=member.id,
            source="command",
            source_key=f"scene-{next(self._request_keys)}",
            title=fields.pop("title", "Meeting"),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            **fields,
        )
        self.rows.add(meeting)
        for contact in attendees:
            attendee = MeetingContact(
                meeting_id=meeting.id, contact_id=contact.id, concerned=True if contact in concerned else None
            )
            attendee.meeting, attendee.contact = meeting, contact
            self.rows.add(attendee)
        return meeting

    def brokerage(
        self, member: Member, degree: int, effective_size: float, constraint: float | None, bridges: int = 0
    ) -> MemberBrokerage:
        """The member's position in the network, as the scheduled job stores it."""
        position = MemberBrokerage(
            member_id=member.id,
            workspace_id=member.workspace_id,
            degree=degree,
            effective_size=effective_size,
            constraint=constraint,
            bridges=bridges,
            computed_at=self.now,
        )
        return self.rows.add(position)

    def feed(self, member: Member, url: str | None = None, ics_text: str | None = None) -> CalendarFeed:
        return self.rows.add(
            CalendarFeed(workspace_id=member.workspace_id, member_id=member.id, url=url, ics_text=ics_text)
        )
