"""The reads routes are drawn from, on the request path: the team's ties and links around some contacts,
the people the team knows at a company, and who is who. A part of every workspace's repository."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Integer, String, func, literal, null, or_, select, union_all
from sqlalchemy import cast as cast_
from sqlalchemy.orm import Session

from models.core.graph import TieEdge
from models.db.orm import (
    Account,
    Contact,
    ContactLink,
    Interaction,
    Member,
    Tie,
    UTCDateTime,
    interaction_colleagues,
)

#: A link between two contacts as routes read it: (contact a, contact b, kind, occurrences, last seen, bridge flag).
LinkRow = tuple[int, int, str, int, datetime | None, str | None]
#: Who a node of a route is: (name, Slack id of a member, company and job title of a contact).
NamedNode = tuple[str, str | None, str | None, str | None]

#: The link columns of a union's rows that are not links (typed: PostgreSQL will not union text with NULL).
_NO_LINK = (cast_(null(), String), cast_(null(), Integer), cast_(null(), UTCDateTime), cast_(null(), String))


class NeighbourhoodReads:
    """`/whoknows`, the Home and `/prep` draw routes: each reads a target's neighbourhood, never the
    whole graph, in a handful of indexed statements. Mixed into `WorkspaceRepository`, whose session
    and workspace it uses."""

    session: Session
    workspace_id: int

    def tie_edges_into(self, contact_ids: Iterable[int], asker: Member) -> list[TieEdge]:
        """The team's ties to these contacts, as route edges; another member's private ties are left out."""
        ids = list(contact_ids)
        if not ids:
            return []
        query = select(
            Tie.member_id,
            Tie.contact_id,
            Tie.strength,
            Tie.last_interaction_at,
            Tie.bridge,
            Tie.appreciation,
            Tie.friendship,
        ).where(
            Tie.workspace_id == self.workspace_id,
            Tie.contact_id.in_(ids),
            or_(Tie.private.is_(False), Tie.member_id == asker.id),
        )
        return [TieEdge._make(row) for row in self.session.execute(query)]

    def links_and_strengths(
        self, contact_ids: Sequence[int], account_ids: Iterable[int], asker: Member | None, limit: int | None
    ) -> tuple[list[LinkRow], dict[int, list[tuple[int, float]]]]:
        """Around some contacts, in one statement: their links, and the people the team knows at accounts.

        Links: (a, b, kind, occurrences, last seen, bridge flag), each once; the contacts are this
        workspace's, so are their links (one indexed read per end). Per account, what
        `strengths_at_account` gives, `limit` at most. A `/whoknows` on PostgreSQL pays a round trip
        per statement, so the two travel together.
        """
        ids, account_ids = list(contact_ids), sorted(set(account_ids))
        parts: list[Any] = [
            select(
                literal("link"),
                ContactLink.contact_a_id,
                ContactLink.contact_b_id,
                ContactLink.kind,
                ContactLink.occurrences,
                ContactLink.last_seen_at,
                ContactLink.bridge,
                cast_(null(), Float),  # PostgreSQL types a union's columns from the first: no bare NULL
            ).where(end.in_(ids))
            for end in (ContactLink.contact_a_id, ContactLink.contact_b_id)
            if ids
        ]
        for account_id in account_ids:
            assert asker is not None
            team = select(Contact.id, Contact.account_id, Contact.team_strength).where(
                Contact.account_id == account_id, Contact.team_strength.is_not(None)
            )
            if limit is not None:
                team = team.order_by(Contact.team_strength.desc(), Contact.id.desc()).limit(limit)
            known = team.subquery()
            parts.append(select(literal("known"), known.c.id, known.c.account_id, *_NO_LINK, known.c.team_strength))
            parts.append(
                select(literal("known"), Tie.contact_id, Contact.account_id, *_NO_LINK, Tie.strength)
                .join(Contact, Contact.id == Tie.contact_id)
                .where(Tie.member_id == asker.id, Tie.private.is_(True), Contact.account_id == account_id)
            )
        if not parts:
            return [], {}
        statement: Any = union_all(*parts) if len(parts) > 1 else parts[0]
        rows: Sequence[Any] = self.session.execute(statement).all()
        links = list(dict.fromkeys(tuple(row[1:7]) for row in rows if row[0] == "link"))
        best: dict[int, dict[int, float]] = {account_id: {} for account_id in account_ids}
        for row in rows:
            if row[0] == "known":
                at_account, value = best[row[2]], float(row[7] or 0.0)
                if value > at_account.get(row[1], -1.0):
                    at_account[row[1]] = value
        strengths = {
            account_id: sorted(found.items(), key=lambda pair: (-pair[1], -pair[0]))[:limit]
            for account_id, found in best.items()
        }
        return links, strengths

    def strengths_at_account(self, account_id: int, asker: Member, limit: int | None = None) -> list[tuple[int, float]]:
        """(contact, best visible tie strength) at an account, strongest first (then latest contact).

        What the team may see is kept on each contact (`team_strength`, one index read); the asker's
        own private ties, which it leaves out, come from a small partial index. One statement.
        """
        return self.links_and_strengths((), [account_id], asker, limit)[1][account_id]

    def interactions_together(self, member: Member) -> dict[int, int]:
        """How many interactions each other member took part in with `member` (either one logging).

        Bounded by the member's own interactions that had colleagues along, whatever the team's size.
        """
        logged_by_me = (
            select(interaction_colleagues.c.member_id, func.count())
            .join(Interaction, Interaction.id == interaction_colleagues.c.interaction_id)
            .where(
                Interaction.workspace_id == self.workspace_id,
                Interaction.member_id == member.id,
                Interaction.undone_at.is_(None),
            )
            .group_by(interaction_colleagues.c.member_id)
        )
        logged_by_them = (
            select(Interaction.member_id, func.count())
            .join(interaction_colleagues, Interaction.id == interaction_colleagues.c.interaction_id)
            .where(
                Interaction.workspace_id == self.workspace_id,
                interaction_colleagues.c.member_id == member.id,
                Interaction.undone_at.is_(None),
            )
            .group_by(Interaction.member_id)
        )
        counts: dict[int, int] = {}
        for other_id, number in self.session.execute(union_all(logged_by_me, logged_by_them)):
            counts[other_id] = counts.get(other_id, 0) + int(number)
        return counts

    def names_of(self, member_ids: Iterable[int], contact_ids: Iterable[int]) -> dict[tuple[str, int], NamedNode]:
        """Who these members and contacts are, in one read: per ("member"|"contact", id), the name,
        Slack id (members), company and job title (contacts)."""
        members, contacts = sorted(set(member_ids)), sorted(set(contact_ids))
        parts: list[Any] = []
        if members:
            parts.append(
                select(
                    literal("member"),
                    Member.id,
                    Member.display_name,
                    Member.slack_user_id,
                    cast_(null(), String),
                    cast_(null(), String),
                ).where(Member.workspace_id == self.workspace_id, Member.id.in_(members))
            )
        if contacts:
            parts.append(
                select(
                    literal("contact"), Contact.id, Contact.name, cast_(null(), String), Account.name, Contact.job_title
                )
                .outerjoin(Account, Account.id == Contact.account_id)
                .where(Contact.workspace_id == self.workspace_id, Contact.id.in_(contacts))
            )
        if not parts:
            return {}
        query: Any = parts[0] if len(parts) == 1 else union_all(*parts)
        rows: Sequence[Any] = self.session.execute(query).all()
        return {(row[0], row[1]): (row[2], row[3], row[4], row[5]) for row in rows}
