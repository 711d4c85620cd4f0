"""The fake of `/whoknows`' repository (`models.network.repository.NetworkRepository`): the people at a
company and their tags, beside the workspace's names and neighbourhoods."""

from __future__ import annotations

from collections.abc import Sequence

from models.db.orm import Member
from tests.fakes.workspace import FakeWorkspaceRepository


class FakeNetworkRepository(FakeWorkspaceRepository):
    """`NetworkRepository` in memory, for what `/whoknows` reads."""

    def people_at_account(self, account_id: int, limit: int) -> list[tuple[int, str, str | None]]:
        return [(c.id, c.name, c.job_title) for c in self.contacts_at_account(account_id, limit)]

    def contacts_with_tags(self, contact_ids: Sequence[int], tags: Sequence[str]) -> set[int]:
        ids, wanted = set(contact_ids), set(tags)
        return {contact_id for contact_id, tag in self.database.contact_tags if contact_id in ids and tag in wanted}

    def colleagues_at_account_with_ties(self, account_id: int, asker: Member, limit: int) -> list[int]:
        return [contact_id for contact_id, _ in self.strengths_at_account(account_id, asker, limit)]
