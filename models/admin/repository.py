"""The admins' queries: one workspace's whole data for the export, and the few reads and writes that name workspaces.

`AdminRepository` is scoped to one workspace, like every capability's repository. `WorkspaceDirectory`
holds the admin's cross-workspace statements, on purpose and no more of them: which workspaces the
database holds, a workspace's Enterprise Grid organisation, and deleting a workspace whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Row, Select, delete, select, text, tuple_

from models.db.bulk import LOOKUP_CHUNK, among
from models.db.orm import (
    Account,
    Contact,
    Interaction,
    Member,
    Tie,
    Workspace,
    contact_tags,
    interaction_colleagues,
    interaction_contacts,
    interaction_tags,
)
from models.db.uow import UnitOfWork
from models.scores.repository import ScoreRepository


class InteractionPage(NamedTuple):
    """A page of interactions and, by interaction id, what belongs to them (absent: none)."""

    rows: Sequence[Row[Any]]
    contact_ids: dict[int, list[int]]
    colleague_ids: dict[int, list[int]]
    tags: dict[int, list[str]]


class AdminRepository(ScoreRepository):
    """Everything of one workspace, as its admins export it, each kind of row in a stable order and,
    but for the members, a page at a time (the export scores each page of ties through the engine,
    whose reads this repository has)."""

    #: Rows per page of an export's read (one statement each; the engine scores a page of ties at once).
    page_size = LOOKUP_CHUNK

    def all_members(self) -> list[Member]:
        """The workspace's members, by id."""
        return list(
            self.session.scalars(select(Member).where(Member.workspace_id == self.workspace_id).order_by(Member.id))
        )

    def account_pages(self) -> Iterator[Sequence[Row[Any]]]:
        """The workspace's companies (`id`, `name`), by id, a page at a time."""
        return self._pages(select(Account.id, Account.name).where(Account.workspace_id == self.workspace_id))

    def contact_pages(self) -> Iterator[tuple[Sequence[Row[Any]], dict[int, list[str]]]]:
        """The workspace's contacts by id, a page at a time, each page with its contacts' tags (sorted)."""
        columns = (Contact.id, Contact.name, Contact.email, Contact.account_id, Contact.job_title)
        query = select(*columns, Contact.responsibilities).where(Contact.workspace_id == self.workspace_id)
        for page in self._pages(query):
            ids = [row.id for row in page]
            yield page, self._grouped(contact_tags.c.contact_id, contact_tags.c.tag, ids)

    def interaction_pages(self) -> Iterator[InteractionPage]:
        """The workspace's interactions (undone ones included) by id, a page at a time, with their
        contacts (by id), the colleagues who took part (by member id) and their tags (by name)."""
        columns = (Interaction.id, Interaction.member_id, Interaction.occurred_at, Interaction.duration_minutes)
        query = select(
            *columns, Interaction.channel, Interaction.initiator, Interaction.notes, Interaction.undone_at
        ).where(Interaction.workspace_id == self.workspace_id)
        for page in self._pages(query):
            ids = [row.id for row in page]
            yield InteractionPage(
                page,
                self._grouped(interaction_contacts.c.interaction_id, interaction_contacts.c.contact_id, ids),
                self._grouped(interaction_colleagues.c.interaction_id, interaction_colleagues.c.member_id, ids),
                self._grouped(interaction_tags.c.interaction_id, interaction_tags.c.tag, ids),
            )

    def tie_pages(self, size: int) -> Iterator[Sequence[Row[Any]]]:
        """The workspace's ties (reach and private ones included: `member_id`, `contact_id`,
        `connected_on`, `source`, `private`), by member then contact, `size` at a time (at most `page_size`)."""
        columns = (Tie.member_id, Tie.contact_id, Tie.connected_on, Tie.source, Tie.private)
        query = select(*columns).where(Tie.workspace_id == self.workspace_id)
        return self._pages(query, keys=2, size=min(size, self.page_size))

    def _pages(
        self, query: Select[*tuple[Any, ...]], keys: int = 1, size: int | None = None
    ) -> Iterator[Sequence[Row[Any]]]:
        """The rows of `query` ordered by its first `keys` columns (unique together), `size` (or `page_size`) at a time:
        each page is one statement starting after the last row of the one before (memory stays that of
        a page, and within one transaction the pages read one snapshot)."""
        ordering = list(query.selected_columns)[:keys]
        after: tuple[Any, ...] | None = None
        while True:
            page_query = query.order_by(*ordering).limit(size or self.page_size)
            if after is not None:
                page_query = page_query.where(
                    tuple_(*ordering) > tuple_(*after) if keys > 1 else ordering[0] > after[0]
                )
            page = self.session.execute(page_query).all()
            if not page:
                return
            yield page
            after = tuple(page[-1][:keys])

    def _grouped(self, key: ColumnElement[int], value: ColumnElement[Any], ids: Sequence[int]) -> dict[int, list[Any]]:
        """The values of an association table for these ids, by id, each list in order."""
        grouped: dict[int, list[Any]] = {}
        rows = self.session.execute(select(key, value).where(among(self.session, key, ids)).order_by(key, value))
        for row_id, found in rows:
            grouped.setdefault(row_id, []).append(found)
        return grouped

    def record_installation(self, enterprise_id: str | None, name: str) -> None:
        """Keep the workspace's Enterprise Grid organisation, and its name when it had none."""
        self.workspace.enterprise_id = enterprise_id
        if name and not self.workspace.name:
            self.workspace.name = name


class WorkspaceDirectory:
    """The admin's cross-workspace statements, named by Slack team id: the only ones of the admin's
    use cases that may see more than one workspace (each reads or removes one workspace's own row)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session

    def team_ids(self, only: Sequence[str] | None = None) -> list[str]:
        """The Slack team ids of the database's workspaces (or those of `only` it holds), in order."""
        query = select(Workspace.slack_team_id).order_by(Workspace.slack_team_id)
        if only:
            query = query.where(Workspace.slack_team_id.in_(list(only)))
        return list(self.session.scalars(query))

    def read_one_snapshot(self) -> None:
        """Make every later read of this transaction see the database as it was at its first one, and
        write nothing: REPEATABLE READ on PostgreSQL (asked before any statement), an explicit BEGIN on
        SQLite (whose driver otherwise runs each SELECT on its own). Call it first in a unit of work."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        else:
            self.session.execute(text("BEGIN"))

    def holds(self, team_id: str) -> bool:
        """Whether the database holds this workspace (asking never creates it)."""
        return self._workspace_id(team_id) is not None

    def enterprise_of(self, team_id: str) -> str | None:
        """The Enterprise Grid organisation the workspace was installed from, if known."""
        return self.session.scalar(select(Workspace.enterprise_id).where(Workspace.slack_team_id == team_id))

    def delete(self, team_id: str) -> bool:
        """Delete the workspace's row (the database cascades to all its data); False when there is none."""
        workspace_id = self._workspace_id(team_id)
        if workspace_id is None:
            return False
        self.session.execute(delete(Workspace).where(Workspace.id == workspace_id))
        return True

    def _workspace_id(self, team_id: str) -> int | None:
        return self.session.scalar(select(Workspace.id).where(Workspace.slack_team_id == team_id))
