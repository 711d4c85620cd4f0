"""The bulk rescoring of the ties an interactions import touched, each scored once at the end of the import.

Moved here as it was from the importer, to be replaced by the one tie-scoring engine: the only way in
is `rescore_touched_ties`, called once by `models.imports.interactions`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Final, cast

from sqlalchemy import ColumnElement, SQLColumnExpression, bindparam, select, update
from sqlalchemy.orm import Session

from models.core.scoring import (
    Appreciation,
    Friendship,
    InteractionFact,
    NetworkOverlap,
    SellerView,
    recent_initiatives,
    score_tie,
    tie_strength,
)
from models.core.values import Channel, Initiator
from models.db.bulk import LOOKUP_CHUNK, among, chunks, table_of
from models.db.orm import Contact, ContactLink, Interaction, Tie, interaction_colleagues, interaction_contacts
from models.db.repository import RECENT_INTERACTIONS_FOR_SCORING, WorkspaceRepository
from models.imports.values import ImportedInteraction, Progress

#: Ties rescored per round trip.
SCORING_CHUNK: Final = 2_000


def rescore_touched_ties(
    repo: WorkspaceRepository, added: Sequence[ImportedInteraction], now: datetime, progress: Progress | None
) -> None:
    """Score once each tie these interactions touch, with them in its history: call it before they are
    written. Each tie's earlier interactions are read from the database, the import's are added from
    memory, so that a million imported rows are never read back."""
    session, workspace_id = repo.session, repo.workspace_id
    touched = {(p.member_id, cast(int, p.person.id)) for p in added}
    histories = _histories(session, workspace_id, touched)
    for p in added:
        channel, initiator = cast(Channel, p.row.channel), p.row.initiator
        histories[(p.member_id, cast(int, p.person.id))].append(
            (p.occurred_at, channel.value, p.row.duration_minutes, initiator.value if initiator else None)
        )
    _refresh_ties(session, workspace_id, histories, now, progress)


def _unindexed(column: SQLColumnExpression[int]) -> ColumnElement[int]:
    """A workspace column as a plain filter: without statistics, SQLite would otherwise walk the whole
    workspace through its workspace_id index instead of the few rows a chunk's ids point to."""
    return column + 0


#: An interaction as scoring needs it: when, channel, minutes, initiator (raw column values).
_Happened = tuple[datetime, str, int | None, str | None]


def _histories(
    session: Session, workspace_id: int, pairs: set[tuple[int, int]]
) -> defaultdict[tuple[int, int], list[_Happened]]:
    """Each tie's live interactions already recorded: those the member logged or took part in."""
    histories: defaultdict[tuple[int, int], list[_Happened]] = defaultdict(list)
    columns = (
        interaction_contacts.c.contact_id,
        Interaction.id,
        Interaction.occurred_at,
        Interaction.channel,
        Interaction.duration_minutes,
        Interaction.initiator,
    )
    for chunk in chunks(sorted({contact_id for _, contact_id in pairs}), LOOKUP_CHUNK):
        base = (
            select(*columns)
            .join(Interaction, Interaction.id == interaction_contacts.c.interaction_id)
            .where(
                _unindexed(Interaction.workspace_id) == workspace_id,
                among(session, interaction_contacts.c.contact_id, chunk),
                Interaction.undone_at.is_(None),
            )
        )
        logged = base.add_columns(Interaction.member_id)
        took_part = base.add_columns(interaction_colleagues.c.member_id).join(
            interaction_colleagues, interaction_colleagues.c.interaction_id == Interaction.id
        )
        seen: set[tuple[int, int, int]] = set()
        for query in (logged, took_part):
            for contact_id, interaction_id, occurred_at, channel, minutes, initiator, member_id in session.execute(
                query
            ):
                pair = (member_id, contact_id)
                if pair in pairs and (member_id, contact_id, interaction_id) not in seen:
                    seen.add((member_id, contact_id, interaction_id))
                    histories[pair].append((occurred_at, channel, minutes, initiator))
    return histories


def _refresh_ties(  # 155 lines: moved as it was, for the one tie-scoring engine to replace
    session: Session,
    workspace_id: int,
    histories: Mapping[tuple[int, int], list[_Happened]],
    now: datetime,
    progress: Progress | None,
) -> None:
    """Score each touched tie once, as `services._refresh_tie` does, with a few queries per chunk of ties.

    The same inputs as `score_report`: the tie's live interactions (all of `histories[pair]`), the
    latest RECENT_INTERACTIONS_FOR_SCORING of them as facts, the seller's view, and the network
    overlap (links and colleagues at the account, against the member's other contacts).
    """
    if not histories:
        return
    member_ids = sorted({member_id for member_id, _ in histories})
    mine: dict[int, set[int]] = defaultdict(set)
    for member_id, contact_id in session.execute(
        select(Tie.member_id, Tie.contact_id).where(
            Tie.workspace_id == workspace_id, among(session, Tie.member_id, member_ids)
        )
    ):
        mine[member_id].add(contact_id)
    by_contact: dict[int, list[int]] = defaultdict(list)
    for member_id, contact_id in histories:
        by_contact[contact_id].append(member_id)
    colleagues: dict[int, frozenset[int]] = {}
    shared_at_account: dict[tuple[int, int], int] = {}
    done = 0
    table = table_of(Tie)
    write_back = (
        update(table)
        .where(table.c.id == bindparam("tie_id"))
        .values(
            score_total=bindparam("new_score"),
            strength=bindparam("new_strength"),
            last_interaction_at=bindparam("new_last"),
            interaction_count=bindparam("new_count"),
            overlap_share=bindparam("new_overlap"),
            computed_at=bindparam("new_computed"),
            initiated_by_me=bindparam("new_by_me"),
            initiated_by_them=bindparam("new_by_them"),
            initiatives_as_of=bindparam("new_computed"),
            initiatives_until=bindparam("new_until"),
        )
    )
    for chunk in chunks(sorted(by_contact), SCORING_CHUNK):
        contacts = {
            row.id: row
            for row in session.execute(
                select(Contact.id, Contact.account_id, Contact.job_title, Contact.responsibilities).where(
                    Contact.workspace_id == workspace_id, among(session, Contact.id, chunk)
                )
            )
        }
        ties = {
            (row.member_id, row.contact_id): row
            for row in session.execute(
                select(
                    Tie.id,
                    Tie.member_id,
                    Tie.contact_id,
                    Tie.knows_job_title,
                    Tie.knows_responsibilities,
                    Tie.appreciation,
                    Tie.friendship,
                ).where(
                    Tie.workspace_id == workspace_id,
                    among(session, Tie.contact_id, chunk),
                    among(session, Tie.member_id, member_ids),
                )
            )
        }
        links: dict[int, set[int]] = defaultdict(set)
        pair = select(ContactLink.contact_a_id, ContactLink.contact_b_id)
        in_workspace = _unindexed(ContactLink.workspace_id) == workspace_id
        for query in (
            pair.where(in_workspace, among(session, ContactLink.contact_a_id, chunk)),
            pair.where(in_workspace, among(session, ContactLink.contact_b_id, chunk)),
        ):
            for low, high in session.execute(query):
                links[low].add(high)
                links[high].add(low)
        accounts = {c.account_id for c in contacts.values() if c.account_id is not None} - colleagues.keys()
        grouped: dict[int, set[int]] = defaultdict(set)
        for chunk_of_accounts in chunks(sorted(accounts), LOOKUP_CHUNK):
            for contact_id, account_id in session.execute(
                select(Contact.id, Contact.account_id).where(
                    _unindexed(Contact.workspace_id) == workspace_id,
                    among(session, Contact.account_id, chunk_of_accounts),
                )
            ):
                if account_id is not None:
                    grouped[account_id].add(contact_id)
        colleagues.update({account_id: frozenset(grouped[account_id]) for account_id in accounts})

        updates = []
        for contact_id in chunk:
            contact = contacts[contact_id]
            for member_id in by_contact[contact_id]:
                tie = ties[(member_id, contact_id)]
                member_contacts = mine[member_id]
                at_account: frozenset[int] = frozenset()
                shared_colleagues = 0
                if contact.account_id is not None:
                    at_account = colleagues[contact.account_id]
                    account_and_member = (contact.account_id, member_id)
                    if account_and_member not in shared_at_account:
                        shared_at_account[account_and_member] = len(at_account & member_contacts)
                    shared_colleagues = shared_at_account[account_and_member]
                # network = links ∪ colleagues − the contact; mine = the member's contacts − the contact
                linked_only = links.get(contact_id, set()) - at_account
                network_size = len(at_account) + len(linked_only) - (1 if contact_id in at_account else 0)
                shared = (
                    shared_colleagues
                    + len(linked_only & member_contacts)
                    - (1 if contact_id in at_account and contact_id in member_contacts else 0)
                )
                overlap = NetworkOverlap(shared=shared, contact_network_size=network_size)
                history = sorted(histories[(member_id, contact_id)], key=itemgetter(0), reverse=True)
                facts = [
                    InteractionFact(
                        occurred_at=occurred_at,
                        channel=Channel(channel),
                        duration_minutes=minutes,
                        initiator=Initiator(initiator) if initiator else None,
                    )
                    for occurred_at, channel, minutes, initiator in history[:RECENT_INTERACTIONS_FOR_SCORING]
                ]
                view = SellerView(  # as services._seller_view reads a tie, from columns rather than ORM objects
                    knows_job_title=True if contact.job_title else tie.knows_job_title,
                    knows_responsibilities=True if contact.responsibilities else tie.knows_responsibilities,
                    appreciation=Appreciation(tie.appreciation) if tie.appreciation else None,
                    friendship=Friendship(tie.friendship) if tie.friendship else None,
                )
                score = score_tie(view, facts, overlap, now)
                initiatives = recent_initiatives(facts, now)
                updates.append(
                    {
                        "tie_id": tie.id,
                        "new_score": score.total,
                        "new_strength": tie_strength(view, facts, now).value,
                        "new_last": facts[0].occurred_at if facts else None,
                        "new_count": len(history),
                        "new_overlap": shared / network_size if score.signs[3].known else None,
                        "new_computed": now,
                        "new_by_me": initiatives.by_me,
                        "new_by_them": initiatives.by_them,
                        "new_until": initiatives.until,
                    }
                )
        session.execute(write_back, updates)
        done += len(updates)
        if progress is not None:
            progress("Scoring ties", done, len(histories))
