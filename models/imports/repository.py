"""The imports' reads and writes: the workspace's people to match rows against, then what a file brought, in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import bindparam, select, update

from models.core.names import name_variants
from models.core.values import Channel
from models.db.bulk import LOOKUP_CHUNK, among, chunks, insert_rows, table_of
from models.db.orm import (
    Account,
    Contact,
    Interaction,
    Member,
    NameIndexEntry,
    Tie,
    Workspace,
    contact_tags,
    interaction_contacts,
)
from models.db.repository import WorkspaceRepository, refresh_team_strength
from models.db.uow import UnitOfWork
from models.imports.matching import People
from models.imports.values import IMPORT_SOURCE, REQUEST_KEY_PREFIX, ImportedInteraction, Person
from models.scores.repository import ScoreReads


class ImportRepository(ScoreReads, WorkspaceRepository):
    """Every query of an import, scoped to one workspace; rows are written in bulk (no ORM objects)."""

    @staticmethod
    def slack_team_ids(uow: UnitOfWork) -> list[str]:
        """The Slack team of every workspace in the database, in order: the one read that spans workspaces."""
        return list(uow.session.scalars(select(Workspace.slack_team_id).order_by(Workspace.slack_team_id)))

    # People: what the matcher starts from, and writes -------------------------------------------
    def people(self) -> People:
        """The workspace's accounts and contacts, in two queries, for matching rows to them."""
        account_ids = {
            key: account_id
            for account_id, key in self.session.execute(
                select(Account.id, Account.name_key).where(Account.workspace_id == self.workspace_id)
            )
        }
        query = (
            select(
                Contact.id,
                Contact.name,
                Contact.name_key,
                Account.name_key,
                Contact.email,
                Contact.job_title,
                Contact.phone,
                Contact.profile_url,
            )
            .outerjoin(Account, Account.id == Contact.account_id)
            .where(Contact.workspace_id == self.workspace_id)
            .order_by(Contact.id)
        )
        return People(account_ids, (Person(*row) for row in self.session.execute(query)))

    def insert_accounts(self, names: Mapping[str, str], now: datetime) -> list[int]:
        """Create these accounts (name key → name as written), with their name index; their ids, in order."""
        rows: list[dict[str, Any]] = [
            {"workspace_id": self.workspace_id, "name": " ".join(name.split()), "name_key": key, "created_at": now}
            for key, name in names.items()
        ]
        ids = insert_rows(self.session, Account, rows, want_ids=True)
        self._index_names(zip(ids, names.values(), strict=True), "account")
        return ids

    def insert_contacts(
        self, people: Sequence[Person], account_ids: Mapping[str, int], created_by: int | None, now: datetime
    ) -> list[int]:
        """Create these contacts, with their name index; their ids, in order."""
        rows = [
            {
                "workspace_id": self.workspace_id,
                "name": person.name,
                "name_key": person.name_key,
                "email": person.email,
                "account_id": account_ids[person.account_key] if person.account_key else None,
                "job_title": person.job_title,
                "phone": person.phone,
                "profile_url": person.profile_url,
                "created_by_member_id": created_by,
                "created_at": now,
            }
            for person in people
        ]
        ids = insert_rows(self.session, Contact, rows, want_ids=True)
        self._index_names(zip(ids, (person.name for person in people), strict=True), "contact")
        return ids

    def update_contacts(self, people: Sequence[Person], account_ids: Mapping[str, int]) -> None:
        """Write these known contacts' e-mail, title, phone, profile address and account."""
        table = table_of(Contact)
        statement = (
            update(table)
            .where(table.c.id == bindparam("person_id"))
            .values(
                email=bindparam("new_email"),
                job_title=bindparam("new_title"),
                phone=bindparam("new_phone"),
                profile_url=bindparam("new_url"),
                account_id=bindparam("new_account"),
            )
        )
        values = [
            {
                "person_id": person.id,
                "new_email": person.email,
                "new_title": person.job_title,
                "new_phone": person.phone,
                "new_url": person.profile_url,
                "new_account": account_ids[person.account_key] if person.account_key else None,
            }
            for person in people
        ]
        self.session.execute(statement, values)

    def note_title_source(self, contact_ids: Sequence[int], source: str) -> None:
        """Keep where these contacts' titles came from (this import's kind): a hint, never sign 1."""
        for chunk in chunks(sorted(contact_ids), LOOKUP_CHUNK):
            self.session.execute(
                update(Contact)
                .where(Contact.workspace_id == self.workspace_id, Contact.id.in_(chunk))
                .values(job_title_source=source)
                .execution_options(synchronize_session=False)
            )

    def _index_names(self, named: Iterable[tuple[int, str]], kind: str) -> None:
        """The typo-tolerant name index rows of new contacts or accounts (see WorkspaceRepository.index_name)."""
        column = "contact_id" if kind == "contact" else "account_id"
        other = "account_id" if kind == "contact" else "contact_id"
        rows = [
            {"workspace_id": self.workspace_id, "variant": variant, column: record_id, other: None}
            for record_id, name in named
            for variant in sorted(name_variants(name))
        ]
        insert_rows(self.session, NameIndexEntry, rows)

    def refresh_team_strength(self, contact_ids: Iterable[int]) -> None:
        """Make these contacts' `team_strength` true again after ties were written in bulk."""
        refresh_team_strength(self.session, contact_ids)

    # Reach: the ties and tags of a contacts import ----------------------------------------------
    def member_ties(self, member_id: int) -> dict[int, tuple[int, datetime | None]]:
        """The member's ties: contact id → (tie id, connected on)."""
        query = select(Tie.id, Tie.contact_id, Tie.connected_on).where(
            Tie.workspace_id == self.workspace_id, Tie.member_id == member_id
        )
        return {contact_id: (tie_id, connected_on) for tie_id, contact_id, connected_on in self.session.execute(query)}

    def create_reach_ties(
        self, member_id: int, source: str, connected: Mapping[int, datetime | None], now: datetime
    ) -> None:
        """Ties without interaction from the member to these contacts (contact id → connected on)."""
        rows = [
            _new_tie(self.workspace_id, member_id, contact_id, source, now) | {"connected_on": connected_on}
            for contact_id, connected_on in connected.items()
        ]
        insert_rows(self.session, Tie, rows)

    def date_ties(self, connected: Mapping[int, datetime]) -> None:
        """Set when these ties' connections began (tie id → connected on)."""
        if connected:
            table = table_of(Tie)
            self.session.execute(
                update(table).where(table.c.id == bindparam("tie_id")).values(connected_on=bindparam("since")),
                [{"tie_id": tie_id, "since": since} for tie_id, since in connected.items()],
            )

    def tagged(self, tags: Sequence[str]) -> set[tuple[int, str]]:
        """(contact id, tag) of the workspace's contacts already carrying one of these tags."""
        if not tags:
            return set()
        query = (
            select(contact_tags.c.contact_id, contact_tags.c.tag)
            .join(Contact, Contact.id == contact_tags.c.contact_id)
            .where(Contact.workspace_id == self.workspace_id, contact_tags.c.tag.in_(tags))
        )
        return {(contact_id, tag) for contact_id, tag in self.session.execute(query)}

    def add_tags(self, tags: Sequence[tuple[int, str]]) -> None:
        """Tag contacts: (contact id, tag) pairs none of them carries yet."""
        insert_rows(self.session, contact_tags, [{"contact_id": contact_id, "tag": tag} for contact_id, tag in tags])

    # Past interactions ---------------------------------------------------------------------------
    def members(self) -> list[Member]:
        """The workspace's members, oldest first."""
        query = select(Member).where(Member.workspace_id == self.workspace_id).order_by(Member.id)
        return list(self.session.scalars(query))

    def imported_keys(self, keys: Sequence[str]) -> set[str]:
        """The keys among these that earlier imports recorded (none to look up when nothing was imported yet)."""
        imported_before = self.session.scalar(
            select(Interaction.id)
            .where(
                Interaction.workspace_id == self.workspace_id,
                Interaction.request_key >= REQUEST_KEY_PREFIX,
                Interaction.request_key < REQUEST_KEY_PREFIX[:-1] + chr(ord(REQUEST_KEY_PREFIX[-1]) + 1),
            )
            .limit(1)
        )
        if imported_before is None:
            return set()
        known: set[str] = set()
        for chunk in chunks(keys, LOOKUP_CHUNK):
            known.update(
                self.session.scalars(
                    select(Interaction.request_key).where(
                        Interaction.workspace_id == self.workspace_id,
                        among(self.session, Interaction.request_key, chunk),
                    )
                )
            )
        return known

    def create_missing_ties(self, pairs: set[tuple[int, int]], now: datetime) -> None:
        """Ties for the (member, contact) pairs that have none yet, from imported interactions."""
        members = {member_id for member_id, _ in pairs}
        existing: set[tuple[int, int]] = set()
        for chunk in chunks(sorted(members), LOOKUP_CHUNK):
            existing.update(
                (member_id, contact_id)
                for member_id, contact_id in self.session.execute(
                    select(Tie.member_id, Tie.contact_id).where(
                        Tie.workspace_id == self.workspace_id, Tie.member_id.in_(chunk)
                    )
                )
            )
        rows = [
            _new_tie(self.workspace_id, member_id, contact_id, IMPORT_SOURCE, now)
            for member_id, contact_id in sorted(pairs - existing)
        ]
        insert_rows(self.session, Tie, rows)

    def record_interactions(self, imported: Sequence[ImportedInteraction], now: datetime) -> None:
        """Insert these interactions and their contact rows (the caller hands them over a chunk at a time)."""
        rows = [
            {
                "workspace_id": self.workspace_id,
                "member_id": p.member_id,
                "request_key": p.key,
                "occurred_at": p.occurred_at,
                "time_given": p.time_given,
                "duration_minutes": p.row.duration_minutes,
                "channel": cast(Channel, p.row.channel).value,
                "initiator": p.row.initiator.value if p.row.initiator else None,
                "notes": p.row.notes,
                "source": IMPORT_SOURCE,
                "created_at": now,
            }
            for p in imported
        ]
        ids = insert_rows(self.session, Interaction, rows, want_ids=True)
        links = [{"interaction_id": i, "contact_id": p.person.id} for i, p in zip(ids, imported, strict=True)]
        insert_rows(self.session, interaction_contacts, links)


def _new_tie(workspace_id: int, member_id: int, contact_id: int, source: str, now: datetime) -> dict[str, Any]:
    """A tie's row as an import creates it: no interaction yet, strength 0, not private."""
    return {
        "workspace_id": workspace_id,
        "member_id": member_id,
        "contact_id": contact_id,
        "source": source,
        "strength": 0.0,
        "interaction_count": 0,
        "private": False,
        "created_at": now,
    }
