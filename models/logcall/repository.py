"""The queries of logging: interactions and their tags, a contact's tags, and the engine's statements."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select

from models.db.orm import Contact, Interaction, Member, contact_tags, interaction_tags
from models.db.repository import WorkspaceRepository
from models.scores.repository import ScoreReads


class LogcallRepository(ScoreReads, WorkspaceRepository):
    """A workspace's repository for `/logcall`, its choices, undo and ratings."""

    def tag_interaction(self, interaction: Interaction, tags: Iterable[str]) -> None:
        for tag in dict.fromkeys(tags):
            self.session.execute(interaction_tags.insert().values(interaction_id=interaction.id, tag=tag))

    def interaction_tags(self, interaction: Interaction) -> list[str]:
        """The interaction's tags, alphabetically."""
        query = select(interaction_tags.c.tag).where(interaction_tags.c.interaction_id == interaction.id)
        return sorted(self.session.scalars(query))

    def replace_contact_tags(self, contact: Contact, tags: Iterable[str]) -> None:
        self.session.execute(delete(contact_tags).where(contact_tags.c.contact_id == contact.id))
        self.add_contact_tags(contact, tags)

    def author_of(self, interaction: Interaction) -> Member:
        """The member who logged the interaction (a member of this workspace, as the interaction is)."""
        member = self.session.get(Member, interaction.member_id)
        assert member is not None and member.workspace_id == self.workspace_id
        return member

    def flush(self) -> None:
        self.session.flush()
