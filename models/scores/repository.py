"""The scoring engine's reads and writes: what a tie's figures rest on, for one tie or many at once.

One path for every caller: `/logcall` reads one pair through the same statements an import runs for
two thousand at a time, so a score can never depend on how it was computed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from models.core.scoring import RECENT_INTERACTIONS_FOR_SCORING, TieFigures, TieInputs
from models.core.signs import InteractionFact, NetworkOverlap, latest_first, seller_view
from models.core.values import Channel, Initiator
from models.db.bulk import LOOKUP_CHUNK, among, chunks, unindexed
from models.db.orm import (
    Contact,
    ContactLink,
    Interaction,
    Tie,
    Workspace,
    interaction_colleagues,
    interaction_contacts,
)
from models.db.repository import WorkspaceRepository, refresh_team_strength

#: A tie as the engine names it: (member id, contact id).
Pair = tuple[int, int]
#: The contacts each member has a tie with (sign 4 compares a contact's network with them).
MembersContacts = dict[int, set[int]]
#: Contacts whose ties one round of statements scores.
SCORING_CHUNK = 2_000


class InputsChunk(NamedTuple):
    """The inputs of a chunk of ties, and the ids of the tie rows among them."""

    inputs: dict[Pair, TieInputs]
    tie_ids: dict[Pair, int]


class _TieAnswers(NamedTuple):
    tie_id: int
    knows_job_title: bool | None
    knows_responsibilities: bool | None
    appreciation: str | None
    friendship: str | None


@dataclass
class _Networks:
    """The links of the contacts of one chunk (whom they know), and the members' own contacts (read once)."""

    links: dict[int, set[int]]
    mine: dict[int, set[int]]


class ScoreReads:
    """The engine's statements, mixed into a workspace's repository (its session and workspace id)."""

    session: Session
    workspace_id: int

    # Reading --------------------------------------------------------------------------------
    def score_inputs(
        self,
        pairs: Collection[Pair],
        histories: Mapping[Pair, Sequence[InteractionFact]] | None = None,
        known: MembersContacts | None = None,
    ) -> dict[Pair, TieInputs]:
        """What each tie's figures rest on (see `inputs_by_chunk`), all at once."""
        inputs: dict[Pair, TieInputs] = {}
        for chunk in self.inputs_by_chunk(pairs, histories, known):
            inputs.update(chunk.inputs)
        return inputs

    def inputs_by_chunk(
        self,
        pairs: Collection[Pair],
        histories: Mapping[Pair, Sequence[InteractionFact]] | None = None,
        known: MembersContacts | None = None,
    ) -> Iterator[InputsChunk]:
        """What each tie's figures rest on, for SCORING_CHUNK contacts at a time (one round of statements
        each; what the members know is read once for all).

        `histories`, when given, are the ties' complete live interactions (an import adds what it
        just wrote from memory); otherwise they are read. A pair with no tie row yet is read as a
        tie nobody has rated; a pair whose contact is not of this workspace is left out. `known`, when a
        long pass (the export, the nightly rescoring) scores chunk after chunk, keeps what each member
        knows across its calls, read once per member instead of once per chunk.
        """
        self.session.flush()  # what the use case changed on the way is part of the inputs
        by_contact: dict[int, list[int]] = defaultdict(list)
        for member_id, contact_id in sorted(set(pairs)):
            by_contact[contact_id].append(member_id)
        members = sorted({member_id for member_id, _ in pairs})
        networks = _Networks(links={}, mine=self._members_contacts(members, {} if known is None else known))
        for chunk in chunks(sorted(by_contact), SCORING_CHUNK):
            chunk_pairs = [(member_id, contact_id) for contact_id in chunk for member_id in by_contact[contact_id]]
            contacts = self._contacts_among(chunk)
            answers = self._tie_answers(chunk, members)
            history = histories if histories is not None else self.histories(chunk_pairs)
            self._read_links(chunk, networks)
            inputs = {
                pair: _inputs(pair, answers.get(pair), history.get(pair, ()), networks)
                for pair in chunk_pairs
                if pair[1] in contacts
            }
            yield InputsChunk(inputs, {pair: found.tie_id for pair, found in answers.items()})

    def histories(self, pairs: Collection[Pair]) -> dict[Pair, list[InteractionFact]]:
        """Each tie's live interactions (those the member logged or took part in), in the order they were
        recorded: the order the engine hands them over in, whichever way they were read."""
        self.session.flush()
        wanted = set(pairs)
        found: dict[Pair, dict[int, InteractionFact]] = defaultdict(dict)
        columns = (
            interaction_contacts.c.contact_id,
            Interaction.id,
            Interaction.occurred_at,
            Interaction.channel,
            Interaction.duration_minutes,
            Interaction.initiator,
        )
        members = sorted({member_id for member_id, _ in wanted})
        for chunk in chunks(sorted({contact_id for _, contact_id in wanted}), LOOKUP_CHUNK):
            base = (
                select(*columns)
                .join(Interaction, Interaction.id == interaction_contacts.c.interaction_id)
                .where(
                    unindexed(Interaction.workspace_id) == self.workspace_id,
                    among(self.session, interaction_contacts.c.contact_id, chunk),
                    Interaction.undone_at.is_(None),
                )
            )
            # Only these members' interactions (a filter, not an index: the contacts lead the way in).
            logged = base.add_columns(Interaction.member_id).where(
                among(self.session, unindexed(Interaction.member_id), members)
            )
            took_part = (
                base.add_columns(interaction_colleagues.c.member_id)
                .join(interaction_colleagues, interaction_colleagues.c.interaction_id == Interaction.id)
                .where(among(self.session, unindexed(interaction_colleagues.c.member_id), members))
            )
            for query in (logged, took_part):
                for (
                    contact_id,
                    interaction_id,
                    occurred_at,
                    channel,
                    minutes,
                    initiator,
                    member_id,
                ) in self._read(query):
                    pair = (member_id, contact_id)
                    if pair in wanted:
                        found[pair][interaction_id] = _fact(occurred_at, channel, minutes, initiator)
        return {pair: [by_id[i] for i in sorted(by_id)] for pair, by_id in found.items()}

    def tie_pairs(self, after_contact_id: int = 0, limit: int | None = None) -> list[Pair]:
        """The workspace's ties, by contact: those of the next `limit` contacts after `after_contact_id`."""
        contact_ids = self.session.scalars(
            select(Tie.contact_id)
            .where(Tie.workspace_id == self.workspace_id, Tie.contact_id > after_contact_id)
            .group_by(Tie.contact_id)
            .order_by(Tie.contact_id)
            .limit(limit or SCORING_CHUNK)
        ).all()
        if not contact_ids:
            return []
        rows = self._read(
            select(Tie.member_id, Tie.contact_id).where(
                Tie.workspace_id == self.workspace_id,
                Tie.contact_id >= contact_ids[0],
                Tie.contact_id <= contact_ids[-1],
            )
        )
        return [(member_id, contact_id) for member_id, contact_id in rows]

    def scored_ties_of(self, contact_ids: Iterable[int]) -> list[Pair]:
        """Every member's ties to these contacts that carry figures (reach never scored is left out)."""
        pairs: list[Pair] = []
        for chunk in chunks(sorted(set(contact_ids)), LOOKUP_CHUNK):
            rows = self._read(
                select(Tie.member_id, Tie.contact_id).where(
                    Tie.workspace_id == self.workspace_id,
                    among(self.session, Tie.contact_id, chunk),
                    Tie.computed_at.is_not(None),
                )
            )
            pairs.extend((member_id, contact_id) for member_id, contact_id in rows)
        return pairs

    # Writing --------------------------------------------------------------------------------
    def keep_figures(self, figures: Mapping[Pair, TieFigures], now: datetime, tie_ids: Mapping[Pair, int]) -> None:
        """Keep each tie's figures on its row (`tie_ids`, as `inputs_by_chunk` read them: ties not yet
        created are left alone), so that lists rank without recomputing; the contacts' strongest
        visible tie follows."""
        if not figures:
            return
        contact_ids = sorted({contact_id for _, contact_id in figures})
        rows = [_row(tie_ids[pair], figures[pair], now) for pair in figures if pair in tie_ids]
        table = cast(Table, Tie.__table__)
        statement = (
            update(table)
            .where(table.c.id == bindparam("tie_id"))
            .values({name: bindparam(f"new_{name}") for name in _KEPT})
        )
        for chunk_of_rows in chunks(rows, SCORING_CHUNK):
            self.session.execute(statement, chunk_of_rows)
        refresh_team_strength(self.session, contact_ids)
        kept = set(tie_ids.values())
        for instance in list(self.session.identity_map.values()):
            if isinstance(instance, Tie) and instance.id in kept:
                self.session.expire(instance)  # the row changed under the ORM: read it again when asked

    def _read(self, query: Any) -> Any:
        """Rows of a read, through the connection: plain rows, without the ORM's loading machinery (a
        third of an export's time went there). The session was flushed before any read of the engine."""
        return self.session.connection().execute(query)

    # The statements ---------------------------------------------------------------------------
    def _members_contacts(self, member_ids: Sequence[int], known: MembersContacts) -> MembersContacts:
        """Each member's contacts, from `known` where it holds them, read (and kept there) otherwise."""
        missing = [member_id for member_id in member_ids if member_id not in known]
        read = self._contacts_of(missing)
        known.update({member_id: read.get(member_id, set()) for member_id in missing})
        return known

    def _contacts_of(self, member_ids: Sequence[int]) -> dict[int, set[int]]:
        mine: dict[int, set[int]] = defaultdict(set)
        for chunk in chunks(member_ids, LOOKUP_CHUNK):
            for member_id, contact_id in self._read(
                select(Tie.member_id, Tie.contact_id).where(
                    Tie.workspace_id == self.workspace_id, among(self.session, Tie.member_id, chunk)
                )
            ):
                mine[member_id].add(contact_id)
        return mine

    def _contacts_among(self, contact_ids: Sequence[int]) -> set[int]:
        return set(
            self.session.scalars(
                select(Contact.id).where(
                    Contact.workspace_id == self.workspace_id, among(self.session, Contact.id, contact_ids)
                )
            )
        )

    def _tie_answers(self, contact_ids: Sequence[int], member_ids: Sequence[int]) -> dict[Pair, _TieAnswers]:
        rows = self._read(
            select(
                Tie.id,
                Tie.member_id,
                Tie.contact_id,
                Tie.knows_job_title,
                Tie.knows_responsibilities,
                Tie.appreciation,
                Tie.friendship,
            ).where(
                Tie.workspace_id == self.workspace_id,
                among(self.session, Tie.contact_id, contact_ids),
                among(self.session, Tie.member_id, member_ids),
            )
        )
        return {(row.member_id, row.contact_id): _TieAnswers(row.id, *row[3:]) for row in rows}

    def _read_links(self, contact_ids: Sequence[int], networks: _Networks) -> None:
        """The links of these contacts: the people they are known to know."""
        pair = select(ContactLink.contact_a_id, ContactLink.contact_b_id)
        in_workspace = unindexed(ContactLink.workspace_id) == self.workspace_id
        for query in (
            pair.where(in_workspace, among(self.session, ContactLink.contact_a_id, contact_ids)),
            pair.where(in_workspace, among(self.session, ContactLink.contact_b_id, contact_ids)),
        ):
            for low, high in self._read(query):
                networks.links.setdefault(low, set()).add(high)
                networks.links.setdefault(high, set()).add(low)


#: The figures a tie's row keeps, by column.
_KEPT = (
    "score_total",
    "strength",
    "last_interaction_at",
    "interaction_count",
    "overlap_share",
    "computed_at",
    "initiated_by_me",
    "initiated_by_them",
    "initiatives_as_of",
    "initiatives_until",
    "signs_known",
)


def _row(tie_id: int, figures: TieFigures, now: datetime) -> dict[str, Any]:
    return {
        "tie_id": tie_id,
        "new_score_total": figures.score.total,
        "new_strength": figures.strength.value,
        "new_last_interaction_at": figures.last_interaction_at,
        "new_interaction_count": figures.interaction_count,
        "new_overlap_share": figures.overlap_share,
        "new_computed_at": now,
        "new_initiated_by_me": figures.initiatives.by_me,
        "new_initiated_by_them": figures.initiatives.by_them,
        "new_initiatives_as_of": now,
        "new_initiatives_until": figures.initiatives.until,
        "new_signs_known": figures.score.signs_known,
    }


def _inputs(
    pair: Pair, answers: _TieAnswers | None, history: Sequence[InteractionFact], networks: _Networks
) -> TieInputs:
    member_id, contact_id = pair
    view = seller_view(*(answers[1:] if answers is not None else (None, None, None, None)))
    ordered = latest_first(history)
    return TieInputs(
        view=view,
        recent=tuple(ordered[:RECENT_INTERACTIONS_FOR_SCORING]),
        interaction_count=len(history),
        overlap=_overlap(member_id, contact_id, networks),
    )


def _overlap(member_id: int, contact_id: int, networks: _Networks) -> NetworkOverlap:
    """The contact's network against the member's other contacts. Their network is the people they are
    known to know (ContactLink: met together in a logged interaction, introduced, linked by a seller);
    a co-worker at their account counts only through such a link: covering an account is normal B2B
    work, and a CRM's list of co-workers is not people the contact knows."""
    network = networks.links.get(contact_id, set()) - {contact_id}
    shared = network & networks.mine.get(member_id, set())
    return NetworkOverlap(shared=len(shared), contact_network_size=len(network))


def _fact(occurred_at: datetime, channel: str, minutes: int | None, initiator: str | None) -> InteractionFact:
    return InteractionFact(
        occurred_at=occurred_at,
        channel=Channel(channel),
        duration_minutes=minutes,
        initiator=Initiator(initiator) if initiator else None,
    )


class StaleScores:
    """Across workspaces: which hold ties whose kept figures come from older rules (`Tie.signs_known`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def teams_with_stale_ties(self) -> list[str]:
        """The team ids of the workspaces with a scored tie whose `signs_known` is not kept yet."""
        stale = select(Tie.workspace_id).where(Tie.computed_at.is_not(None), Tie.signs_known.is_(None)).distinct()
        return list(
            self.session.scalars(
                select(Workspace.slack_team_id).where(Workspace.id.in_(stale)).order_by(Workspace.slack_team_id)
            )
        )


class ScoreRepository(ScoreReads, WorkspaceRepository):
    """A workspace's repository with the scoring engine's statements (for jobs that only score)."""
