"""The network's queries: the people at a company, introduction requests, and the whole graph for its structure.

The reads of a neighbourhood (ties and links around some contacts, who is who) stay on the shared
`WorkspaceRepository`: the Home and `/prep` draw routes too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, select, update

from models.core.graph import Brokerage, TieEdge
from models.core.names import Candidate
from models.db.neighbourhoods import LinkRow, NamedNode
from models.db.orm import (
    Account,
    Contact,
    ContactLink,
    Introduction,
    Member,
    MemberBrokerage,
    Tie,
    Workspace,
    contact_tags,
)
from models.db.repository import WorkspaceRepository, refresh_team_strength
from models.db.uow import UnitOfWork

#: Ties or links flagged by one statement.
UPDATE_CHUNK = 5000


class RouteReads(Protocol):
    """What drawing routes to a target asks of a repository (`whoknows.neighbourhoods`, `route_views`):
    the reads of `models.db.neighbourhoods.NeighbourhoodReads`. The Home and `/prep` draw routes too."""

    def tie_edges_into(self, contact_ids: Iterable[int], asker: Member) -> list[TieEdge]: ...

    def links_and_strengths(
        self, contact_ids: Sequence[int], account_ids: Iterable[int], asker: Member | None, limit: int | None
    ) -> tuple[list[LinkRow], dict[int, list[tuple[int, float]]]]: ...

    def strengths_at_account(
        self, account_id: int, asker: Member, limit: int | None = None
    ) -> list[tuple[int, float]]: ...

    def interactions_together(self, member: Member) -> dict[int, int]: ...

    def names_of(self, member_ids: Iterable[int], contact_ids: Iterable[int]) -> dict[tuple[str, int], NamedNode]: ...


class WhoKnowsReads(RouteReads, Protocol):
    """What `/whoknows` asks of its repository (`NetworkRepository`): who a typed name may be, the people
    at a company, and the neighbourhoods routes are drawn from."""

    def contact(self, contact_id: int) -> Contact | None: ...

    def account(self, account_id: int) -> Account | None: ...

    def contact_candidates(self, typed: str, account_key: str | None = None) -> list[Candidate]: ...

    def account_candidates(self, typed: str) -> list[Candidate]: ...

    def contacts_by_id(self, ids: Iterable[int]) -> dict[int, Contact]: ...

    def people_at_account(self, account_id: int, limit: int) -> list[tuple[int, str, str | None]]: ...

    def contacts_with_tags(self, contact_ids: Sequence[int], tags: Sequence[str]) -> set[int]: ...

    def colleagues_at_account_with_ties(self, account_id: int, asker: Member, limit: int) -> list[int]: ...


class NetworkRepository(WorkspaceRepository):
    """`/whoknows` and introductions, in one workspace."""

    # Companies -------------------------------------------------------------------------------------
    def people_at_account(self, account_id: int, limit: int) -> list[tuple[int, str, str | None]]:
        """(id, name, job title) of the contacts at an account, by name."""
        query = (
            select(Contact.id, Contact.name, Contact.job_title)
            .where(Contact.workspace_id == self.workspace_id, Contact.account_id == account_id)
            .order_by(Contact.name_key, Contact.id)
            .limit(limit)
        )
        return [(row[0], row[1], row[2]) for row in self.session.execute(query)]

    def contacts_with_tags(self, contact_ids: Sequence[int], tags: Sequence[str]) -> set[int]:
        """Which of these contacts carry at least one of these tags."""
        if not contact_ids or not tags:
            return set()
        return set(
            self.session.scalars(
                select(contact_tags.c.contact_id).where(
                    contact_tags.c.contact_id.in_(list(contact_ids)), contact_tags.c.tag.in_(list(tags))
                )
            )
        )

    def colleagues_at_account_with_ties(self, account_id: int, asker: Member, limit: int) -> list[int]:
        """Contacts at an account that someone on the team has a (visible) tie with, strongest tie first."""
        return [contact_id for contact_id, _ in self.strengths_at_account(account_id, asker, limit)]

    # Introductions ---------------------------------------------------------------------------------
    def introduction(self, introduction_id: int) -> Introduction | None:
        return self._one(Introduction, Introduction.id == introduction_id)

    def introduction_by_request(self, request_key: str) -> Introduction | None:
        """The request recorded for this submission, if it was recorded already (Slack delivers twice)."""
        return self._one(Introduction, Introduction.request_key == request_key)

    def add_introduction(self, introduction: Introduction) -> Introduction:
        return self._add(introduction)


class StructureRepository:
    """The whole graph of one workspace, read and flagged off the request path by the scheduled job.

    It is named by the workspace's id, as the job finds them: `workspace_ids` is the one read that
    spans workspaces; every other statement is scoped to the one workspace.
    """

    def __init__(self, uow: UnitOfWork, workspace_id: int) -> None:
        self.session = uow.session
        self.workspace_id = workspace_id

    @staticmethod
    def workspace_ids(uow: UnitOfWork, slack_team_ids: Sequence[str] | None = None) -> list[int]:
        """The workspaces of the database (or those of these Slack team ids), in order."""
        query = select(Workspace.id).order_by(Workspace.id)
        if slack_team_ids:
            query = query.where(Workspace.slack_team_id.in_(list(slack_team_ids)))
        return list(uow.session.scalars(query))

    def visible_ties(self) -> list[tuple[int, int, int, float]]:
        """(tie, member, contact, strength) of every tie but the private ones: the structure is shown to teammates."""
        query = select(Tie.id, Tie.member_id, Tie.contact_id, Tie.strength).where(
            Tie.workspace_id == self.workspace_id, Tie.private.is_(False)
        )
        return [(row[0], row[1], row[2], row[3]) for row in self.session.execute(query)]

    def links(self) -> list[tuple[int, int, int, int, str]]:
        """(link, contact a, contact b, occurrences, kind) of every link between two contacts."""
        query = select(
            ContactLink.id,
            ContactLink.contact_a_id,
            ContactLink.contact_b_id,
            ContactLink.occurrences,
            ContactLink.kind,
        ).where(ContactLink.workspace_id == self.workspace_id)
        return [(row[0], row[1], row[2], row[3], row[4]) for row in self.session.execute(query)]

    def accounts_of_contacts(self) -> list[tuple[int, int]]:
        """(contact, account) of every contact at a company."""
        query = select(Contact.id, Contact.account_id).where(
            Contact.workspace_id == self.workspace_id, Contact.account_id.is_not(None)
        )
        return [
            (contact_id, account_id) for contact_id, account_id in self.session.execute(query) if account_id is not None
        ]

    def store_flags(self, tie_flags: Mapping[str, Sequence[int]], link_flags: Mapping[str, Sequence[int]]) -> None:
        """Flag these ties and links (per flag, their ids) and no other; then make `team_strength` true again."""
        self.session.execute(update(Tie).where(Tie.workspace_id == self.workspace_id).values(bridge=None))
        self.session.execute(
            update(ContactLink).where(ContactLink.workspace_id == self.workspace_id).values(bridge=None)
        )
        for model, flags in ((Tie, tie_flags), (ContactLink, link_flags)):
            for flag, ids in flags.items():
                for start in range(0, len(ids), UPDATE_CHUNK):
                    chunk = list(ids[start : start + UPDATE_CHUNK])
                    self.session.execute(update(model).where(model.id.in_(chunk)).values(bridge=flag))
        # A backstop for `contacts.team_strength` (kept up to date wherever a tie changes).
        refresh_team_strength(self.session, None, workspace_id=self.workspace_id)

    def store_brokerage(
        self, positions: Mapping[int, Brokerage], bridges: Mapping[int, int], computed_at: datetime
    ) -> None:
        """Each member's position (by member id) and how many of their ties are bridges, in place of the last."""
        self.session.execute(delete(MemberBrokerage).where(MemberBrokerage.workspace_id == self.workspace_id))
        self.session.add_all(
            MemberBrokerage(
                member_id=member_id,
                workspace_id=self.workspace_id,
                degree=position.degree,
                effective_size=position.effective_size,
                constraint=position.constraint,
                bridges=bridges.get(member_id, 0),
                computed_at=computed_at,
            )
            for member_id, position in positions.items()
        )
