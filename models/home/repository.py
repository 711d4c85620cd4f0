"""The App Home's queries: one member's ties and what the dashboard shows around them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import func, select

from models.core.graph import Brokerage
from models.core.nudges import TieFacts
from models.db.orm import (
    Account,
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
from models.network.repository import RouteReads
from models.nudges.repository import MemberNudges


class HomeReads(RouteReads, Protocol):
    """What the Home tab asks of its repository (`HomeRepository`): the member's ties and what the
    dashboard shows around them, and the neighbourhoods its routes are drawn from."""

    def ties_with_contacts(self, member: Member) -> list[tuple[Tie, Contact]]: ...

    def tags_of_contacts(self, contact_ids: Sequence[int]) -> dict[int, set[str]]: ...

    def tie_facts(self, member: Member, now: datetime, contact_ids: Sequence[int] | None = None) -> list[TieFacts]: ...

    def cadences(self, member: Member) -> dict[str, int]: ...

    def network_sizes(self, contact_ids: Sequence[int]) -> dict[int, int]: ...

    def accounts_without_a_tie_of(
        self, member: Member, strength: float, limit: int
    ) -> list[tuple[str, int, float]]: ...

    def concerned_contacts(self, limit: int) -> list[Contact]: ...

    def brokerage(self, member: Member) -> Brokerage | None: ...

    def calendar_feed(self, member: Member) -> CalendarFeed | None: ...


class HomeRepository(WorkspaceRepository, MemberNudges):
    """What one member's Home tab reads, in one workspace (with the nudges' reads of the member's ties
    and cadences, as the digest reads them)."""

    def ties_with_contacts(self, member: Member) -> list[tuple[Tie, Contact]]:
        """Every tie of the member (relationships and reach), with its contact."""
        query = (
            select(Tie, Contact)
            .join(Contact, Contact.id == Tie.contact_id)
            .where(Tie.workspace_id == self.workspace_id, Tie.member_id == member.id)
        )
        return [(tie, contact) for tie, contact in self.session.execute(query)]

    def tags_of_contacts(self, contact_ids: Sequence[int]) -> dict[int, set[str]]:
        """The tags of each of these contacts that has any."""
        tagged: dict[int, set[str]] = {}
        query = select(contact_tags.c.contact_id, contact_tags.c.tag).where(
            contact_tags.c.contact_id.in_(list(contact_ids))
        )
        for contact_id, tag in self.session.execute(query):
            tagged.setdefault(contact_id, set()).add(tag)
        return tagged

    def network_sizes(self, contact_ids: Sequence[int]) -> dict[int, int]:
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
                .where(ContactLink.workspace_id == self.workspace_id, column.in_(list(contact_ids)))
                .group_by(column)
            )
            for contact_id, number in self.session.execute(query):
                counts[contact_id] = counts.get(contact_id, 0) + int(number)
        return counts

    def accounts_without_a_tie_of(self, member: Member, strength: float, limit: int) -> list[tuple[str, int, float]]:
        """(name, people known, best visible tie) of the member's accounts where nobody on the team has a
        tie of `strength` or better, the weakest first."""
        mine = (
            select(Contact.account_id)
            .join(Tie, Tie.contact_id == Contact.id)
            .where(Tie.member_id == member.id, Contact.account_id.is_not(None))
            .distinct()
        )
        query = (
            select(Account.name, func.count(func.distinct(Contact.id)), func.max(Tie.strength))
            .join(Contact, Contact.account_id == Account.id)
            .join(Tie, Tie.contact_id == Contact.id)
            .where(
                Account.workspace_id == self.workspace_id,
                Account.id.in_(mine),
                Tie.private.is_(False) | (Tie.member_id == member.id),
            )
            .group_by(Account.id, Account.name)
            .having(func.max(Tie.strength) < strength)
            .order_by(func.max(Tie.strength), Account.name)
            .limit(limit)
        )
        return [(name, int(known), float(best or 0)) for name, known, best in self.session.execute(query)]

    def concerned_contacts(self, limit: int) -> list[Contact]:
        """Contacts known, from a meeting's context, to be concerned by what the team brings."""
        query = (
            select(Contact)
            .join(MeetingContact, MeetingContact.contact_id == Contact.id)
            .join(Meeting, Meeting.id == MeetingContact.meeting_id)
            .where(Meeting.workspace_id == self.workspace_id, MeetingContact.concerned.is_(True))
            .distinct()
            .limit(limit)
        )
        return list(self.session.scalars(query).all())

    def brokerage(self, member: Member) -> Brokerage | None:
        """The member's position in the network as last computed (None before the first computation)."""
        found = self.session.get(MemberBrokerage, member.id)
        if found is None or found.workspace_id != self.workspace_id:
            return None
        return Brokerage(degree=found.degree, effective_size=found.effective_size, constraint=found.constraint)

    def calendar_feed(self, member: Member) -> CalendarFeed | None:
        return self.session.scalar(select(CalendarFeed).where(CalendarFeed.member_id == member.id))
