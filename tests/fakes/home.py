"""The fake of the App Home's repository (`models.home.repository.HomeRepository`): one member's ties and
what the dashboard lists around them."""

from __future__ import annotations

from collections.abc import Sequence

from models.core.graph import Brokerage
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
)
from tests.fakes.nudges import FakeMemberNudges
from tests.fakes.workspace import FakeWorkspaceRepository


class FakeHomeRepository(FakeWorkspaceRepository, FakeMemberNudges):
    """`HomeRepository` in memory."""

    def ties_with_contacts(self, member: Member) -> list[tuple[Tie, Contact]]:
        contacts = self.contacts_by_id(tie.contact_id for tie in self._ties())
        return [(tie, contacts[tie.contact_id]) for tie in self._ties() if tie.member_id == member.id]

    def tags_of_contacts(self, contact_ids: Sequence[int]) -> dict[int, set[str]]:
        ids = set(contact_ids)
        tagged: dict[int, set[str]] = {}
        for contact_id, tag in self.database.contact_tags:
            if contact_id in ids:
                tagged.setdefault(contact_id, set()).add(tag)
        return tagged

    def network_sizes(self, contact_ids: Sequence[int]) -> dict[int, int]:
        ids = set(contact_ids)
        counts: dict[int, int] = {}
        for link in self._mine(ContactLink):
            for end in (link.contact_a_id, link.contact_b_id):
                if end in ids:
                    counts[end] = counts.get(end, 0) + 1
        return counts

    def accounts_without_a_tie_of(self, member: Member, strength: float, limit: int) -> list[tuple[str, int, float]]:
        """(name, people known, best visible tie) of the member's accounts where no visible tie reaches `strength`."""
        contacts = self.contacts_by_id(tie.contact_id for tie in self._ties())
        visible = [tie for tie in self._ties() if not tie.private or tie.member_id == member.id]
        mine = {contacts[t.contact_id].account_id for t in self._ties() if t.member_id == member.id} - {None}
        found = []
        for account in self._mine(Account):
            if account.id not in mine:
                continue
            ties = [tie for tie in visible if contacts[tie.contact_id].account_id == account.id]
            best = max((tie.strength for tie in ties), default=None)
            if best is not None and best < strength:
                found.append((account.name, len({tie.contact_id for tie in ties}), float(best)))
        return sorted(found, key=lambda line: (line[2], line[0]))[:limit]

    def concerned_contacts(self, limit: int) -> list[Contact]:
        meetings = {meeting.id for meeting in self._mine(Meeting)}
        concerned = {
            attendee.contact_id
            for attendee in self.database.rows(MeetingContact)
            if attendee.meeting_id in meetings and attendee.concerned is True
        }
        return list(self.contacts_by_id(concerned).values())[:limit]

    def brokerage(self, member: Member) -> Brokerage | None:
        found = self.database.get(MemberBrokerage, member.id)
        if found is None or found.workspace_id != self.workspace_id:
            return None
        return Brokerage(degree=found.degree, effective_size=found.effective_size, constraint=found.constraint)

    def calendar_feed(self, member: Member) -> CalendarFeed | None:
        return next((feed for feed in self.database.rows(CalendarFeed) if feed.member_id == member.id), None)
