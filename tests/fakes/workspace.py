"""The fake of the workspace-scoped repository: members, contacts and the names they go by, and the
reads routes are drawn from (`models.db.repository.WorkspaceRepository`, `models.db.neighbourhoods`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Self

from models.core.graph import TieEdge
from models.core.names import Candidate, fold, name_variants
from models.db.neighbourhoods import LinkRow, NamedNode
from models.db.orm import Account, Contact, ContactLink, Interaction, Member, Tie, Workspace
from models.db.repository import MAX_NAME_CANDIDATES
from tests.fakes.database import FakeDatabase, Row


class FakeWorkspaceRows:
    """One workspace's rows of the fakes' database: every read here is scoped to it."""

    def __init__(self, database: FakeDatabase, workspace: Workspace) -> None:
        self.database = database
        self.workspace = workspace
        self.workspace_id = workspace.id

    def _mine(self, model: type[Row]) -> list[Row]:
        scoped = self.workspace_id
        return [row for row in self.database.rows(model) if getattr(row, "workspace_id") == scoped]  # noqa: B009 - `Base` declares no workspace_id; the models read here all have one

    def _ties(self) -> list[Tie]:
        return self._mine(Tie)


class FakeNeighbourhoodReads(FakeWorkspaceRows):
    """`NeighbourhoodReads` in memory: ties and links around some contacts, the people the team knows at
    a company (the strongest tie that is not private, and the asker's own private ones), who is who."""

    def tie_edges_into(self, contact_ids: Iterable[int], asker: Member) -> list[TieEdge]:
        ids = set(contact_ids)
        return [
            TieEdge(
                tie.member_id,
                tie.contact_id,
                tie.strength,
                tie.last_interaction_at,
                tie.bridge,
                tie.appreciation,
                tie.friendship,
            )
            for tie in self._ties()
            if tie.contact_id in ids and (not tie.private or tie.member_id == asker.id)
        ]

    def links_and_strengths(
        self, contact_ids: Sequence[int], account_ids: Iterable[int], asker: Member | None, limit: int | None
    ) -> tuple[list[LinkRow], dict[int, list[tuple[int, float]]]]:
        ids, accounts = set(contact_ids), sorted(set(account_ids))
        if not ids and not accounts:
            return [], {}
        links: list[LinkRow] = [
            (link.contact_a_id, link.contact_b_id, link.kind, link.occurrences, link.last_seen_at, link.bridge)
            for link in self.database.rows(ContactLink)
            if link.contact_a_id in ids or link.contact_b_id in ids
        ]
        strengths = {account_id: self._known_at(account_id, asker, limit) for account_id in accounts}
        return links, strengths

    def _known_at(self, account_id: int, asker: Member | None, limit: int | None) -> list[tuple[int, float]]:
        assert asker is not None
        at_account = {c.id for c in self.database.rows(Contact) if c.account_id == account_id}
        team: dict[int, float] = {}
        for tie in self.database.rows(Tie):
            if tie.contact_id in at_account and not tie.private:
                team[tie.contact_id] = max(team.get(tie.contact_id, tie.strength), tie.strength)
        best = dict(sorted(team.items(), key=lambda pair: (-pair[1], -pair[0]))[:limit])
        for tie in self.database.rows(Tie):
            if tie.member_id == asker.id and tie.private and tie.contact_id in at_account:
                best[tie.contact_id] = max(best.get(tie.contact_id, -1.0), tie.strength)
        return sorted(best.items(), key=lambda pair: (-pair[1], -pair[0]))[:limit]

    def strengths_at_account(self, account_id: int, asker: Member, limit: int | None = None) -> list[tuple[int, float]]:
        return self.links_and_strengths((), [account_id], asker, limit)[1][account_id]

    def interactions_together(self, member: Member) -> dict[int, int]:
        counts: dict[int, int] = {}
        for interaction in self._mine(Interaction):
            if interaction.undone_at is not None:
                continue
            others = [c.id for c in interaction.colleagues] if interaction.member_id == member.id else []
            if member.id in {c.id for c in interaction.colleagues}:
                others.append(interaction.member_id)
            for other in others:
                counts[other] = counts.get(other, 0) + 1
        return counts

    def names_of(self, member_ids: Iterable[int], contact_ids: Iterable[int]) -> dict[tuple[str, int], NamedNode]:
        members, contacts = set(member_ids), set(contact_ids)
        names: dict[tuple[str, int], NamedNode] = {
            ("member", m.id): (m.display_name, m.slack_user_id, None, None)
            for m in self._mine(Member)
            if m.id in members
        }
        for contact in self._mine(Contact):
            if contact.id in contacts:
                company = contact.account.name if contact.account else None
                names["contact", contact.id] = (contact.name, None, company, contact.job_title)
        return names


class FakeWorkspaceRepository(FakeNeighbourhoodReads):
    """`WorkspaceRepository` in memory, for the methods the faked use cases call."""

    @classmethod
    def for_team(cls, database: FakeDatabase, slack_team_id: str) -> Self:
        """The workspace's repository (the workspace created on first use)."""
        found = next((w for w in database.rows(Workspace) if w.slack_team_id == slack_team_id), None)
        if found is None:
            found = database.add(Workspace(slack_team_id=slack_team_id, name="", created_at=datetime.now(UTC)))
        return cls(database, found)

    @classmethod
    def for_member(cls, database: FakeDatabase, slack_team_id: str, slack_user_id: str) -> tuple[Self, Member]:
        repo = cls.for_team(database, slack_team_id)
        return repo, repo.get_or_create_member(slack_user_id)

    def member(self, slack_user_id: str) -> Member | None:
        return next((m for m in self._mine(Member) if m.slack_user_id == slack_user_id), None)

    def get_or_create_member(self, slack_user_id: str) -> Member:
        found = self.member(slack_user_id)
        if found is None:
            values: dict[str, Any] = {"display_name": "", "time_zone": "UTC", "created_at": datetime.now(UTC)}
            found = self.database.add(Member(workspace_id=self.workspace_id, slack_user_id=slack_user_id, **values))
        return found

    def contact(self, contact_id: int) -> Contact | None:
        found = self.database.get(Contact, contact_id)
        return found if found is not None and found.workspace_id == self.workspace_id else None

    def account(self, account_id: int) -> Account | None:
        found = self.database.get(Account, account_id)
        return found if found is not None and found.workspace_id == self.workspace_id else None

    def contacts_by_id(self, ids: Iterable[int]) -> dict[int, Contact]:
        wanted = set(ids)
        return {contact.id: contact for contact in self._mine(Contact) if contact.id in wanted}

    def contacts_at_account(self, account_id: int, limit: int) -> list[Contact]:
        at_account = [contact for contact in self._mine(Contact) if contact.account_id == account_id]
        return sorted(at_account, key=lambda contact: (contact.name_key, contact.id))[:limit]

    # Names -------------------------------------------------------------------------------------------
    def contact_candidates(self, typed: str, account_key: str | None = None) -> list[Candidate]:
        """The exact name when there is one (at the company, or at none, if a company is given);
        else the contacts sharing the most name variants with the typed name."""
        at = {a.id for a in self._mine(Account) if a.name_key == account_key}

        def at_the_company(contact: Contact) -> bool:
            return account_key is None or contact.account_id is None or contact.account_id in at

        contacts = self._mine(Contact)
        exact = [c for c in contacts if c.name_key == fold(typed) and at_the_company(c)][:MAX_NAME_CANDIDATES]
        found = exact or [c for c in _best_by_variants(contacts, typed, lambda c: c.name) if at_the_company(c)]
        return [
            Candidate(id=c.id, name=c.name, name_key=c.name_key, detail=c.account.name if c.account else "")
            for c in found
        ]

    def account_candidates(self, typed: str) -> list[Candidate]:
        accounts = self._mine(Account)
        found = [a for a in accounts if a.name_key == fold(typed)]
        if not found:
            found = _best_by_variants(accounts, typed, lambda account: account.name)
        return [Candidate(id=a.id, name=a.name, name_key=a.name_key) for a in found]


def _best_by_variants(rows: Sequence[Row], typed: str, name: Any) -> list[Row]:
    """The rows whose names share variants with the typed one, the most shared first (then by id)."""
    variants = name_variants(typed)
    shared = [(len(variants & name_variants(name(row))), row) for row in rows]
    ranked = sorted(((count, row) for count, row in shared if count), key=lambda pair: (-pair[0], pair[1].id))  # type: ignore[attr-defined]
    return [row for _, row in ranked[:MAX_NAME_CANDIDATES]]
