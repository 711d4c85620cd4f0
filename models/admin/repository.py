"""The admins' queries: one workspace's whole data for the export, and the few reads and writes that name workspaces.

`AdminRepository` is scoped to one workspace, like every capability's repository. `WorkspaceDirectory`
holds the admin's cross-workspace statements, on purpose and no more of them: which workspaces the
database holds, a workspace's Enterprise Grid organisation, and deleting a workspace whole.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, select

from models.db.orm import Account, Contact, Interaction, Member, Tie, Workspace, contact_tags, interaction_tags
from models.db.uow import UnitOfWork
from models.scores.repository import ScoreRepository


class AdminRepository(ScoreRepository):
    """Everything of one workspace, as its admins export it, each kind of row in a stable order (the
    export scores each tie through the engine, whose reads this repository has)."""

    def all_members(self) -> list[Member]:
        """The workspace's members, by id."""
        return list(
            self.session.scalars(select(Member).where(Member.workspace_id == self.workspace_id).order_by(Member.id))
        )

    def all_accounts(self) -> list[Account]:
        """The workspace's companies, by id."""
        return list(
            self.session.scalars(select(Account).where(Account.workspace_id == self.workspace_id).order_by(Account.id))
        )

    def all_contacts(self) -> list[Contact]:
        """The workspace's contacts, by id."""
        return list(
            self.session.scalars(select(Contact).where(Contact.workspace_id == self.workspace_id).order_by(Contact.id))
        )

    def all_contact_tags(self) -> dict[int, list[str]]:
        """The tags of each tagged contact of the workspace, sorted."""
        return self._tags(Contact, contact_tags.c.contact_id, contact_tags.c.tag)

    def all_interactions(self) -> list[Interaction]:
        """The workspace's interactions (undone ones included), by id."""
        query = select(Interaction).where(Interaction.workspace_id == self.workspace_id).order_by(Interaction.id)
        return list(self.session.scalars(query))

    def all_interaction_tags(self) -> dict[int, list[str]]:
        """The tags of each tagged interaction of the workspace, sorted."""
        return self._tags(Interaction, interaction_tags.c.interaction_id, interaction_tags.c.tag)

    def all_ties(self) -> list[Tie]:
        """The workspace's ties (reach and private ones included), by member then contact."""
        query = select(Tie).where(Tie.workspace_id == self.workspace_id).order_by(Tie.member_id, Tie.contact_id)
        return list(self.session.scalars(query))

    def _tags(
        self, tagged: type[Contact] | type[Interaction], key: ColumnElement[int], tag: ColumnElement[str]
    ) -> dict[int, list[str]]:
        """The tags of each of the workspace's rows of `tagged` that has any, from its tags table, sorted."""
        query = select(key, tag).join(tagged, tagged.id == key).where(tagged.workspace_id == self.workspace_id)
        grouped: dict[int, list[str]] = {}
        for row_id, name in self.session.execute(query):
            grouped.setdefault(row_id, []).append(name)
        return {row_id: sorted(names) for row_id, names in grouped.items()}

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
