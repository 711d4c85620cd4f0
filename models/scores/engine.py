"""The one tie-scoring engine: every score and strength the app shows or keeps is computed here.

A tie's figures are `models.core.scoring.assess_tie` of the inputs `ScoreReads.score_inputs` reads,
for one tie (`/logcall`, a rating, `/prep`) or many at once (an import, the export, the nightly
rescoring); whoever asks, the same inputs give the same figures. What a view lists (the Home,
`/whoknows`, the digests) is read from the ties' rows, which the engine keeps: after each change
that touches a tie, and every night for every tie, so that what time alone changes (recency, the
year that regularity looks at) is never more than a day old.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from models.core.scoring import TieFigures, assess_tie
from models.core.signs import InteractionFact
from models.db.orm import Contact
from models.db.uow import UnitOfWork
from models.scores.repository import MembersContacts, Pair, ScoreReads, ScoreRepository, StaleScores

#: Called now and then with a stage, how many are done, and how many in all.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, kw_only=True)
class TieReport(TieFigures):
    """A tie's figures with the contact they are about, as the replies show them."""

    contact_id: int
    contact_name: str
    account_name: str | None
    #: The title on the contact's record and where it came from (`Contact.job_title_source`): a hint
    #: to show the seller, never part of sign 1, which rests on what the seller says they know.
    title_on_record: str | None = None
    title_source: str | None = None


def reports(repo: ScoreReads, member_id: int, contacts: Sequence[Contact], now: datetime) -> list[TieReport]:
    """The member's ties to these contacts as of `now`, each with its contact; the figures are kept on
    the ties' rows, so that the lists (Home, `/whoknows`, digests) show what this shows."""
    scored = rescore(repo, [(member_id, contact.id) for contact in contacts], now)
    return [report_of(contact, scored[(member_id, contact.id)]) for contact in contacts]


def report_of(contact: Contact, tie_figures: TieFigures) -> TieReport:
    """A tie's figures with the contact they are about."""
    return TieReport(
        **{field.name: getattr(tie_figures, field.name) for field in fields(TieFigures)},
        contact_id=contact.id,
        contact_name=contact.name,
        account_name=contact.account.name if contact.account else None,
        title_on_record=contact.job_title,
        title_source=contact.job_title_source,
    )


def figures(
    repo: ScoreReads, pairs: Collection[Pair], now: datetime, known: MembersContacts | None = None
) -> dict[Pair, TieFigures]:
    """The figures of these ties as of `now`, kept nowhere (`known`: see `ScoreReads.inputs_by_chunk`)."""
    return {pair: assess_tie(inputs, now) for pair, inputs in repo.score_inputs(pairs, known=known).items()}


def rescore(
    repo: ScoreReads,
    pairs: Collection[Pair],
    now: datetime,
    histories: Mapping[Pair, Sequence[InteractionFact]] | None = None,
    progress: Progress | None = None,
    known: MembersContacts | None = None,
) -> dict[Pair, TieFigures]:
    """Score these ties as of `now` and keep the figures on their rows, a chunk at a time.

    `histories`, when the caller holds them, are the ties' complete live interactions (see
    `ScoreReads.score_inputs`)."""
    result: dict[Pair, TieFigures] = {}
    for chunk in repo.inputs_by_chunk(pairs, histories, known):
        scored = {pair: assess_tie(tie_inputs, now) for pair, tie_inputs in chunk.inputs.items()}
        repo.keep_figures(scored, now, chunk.tie_ids)
        result.update(scored)
        if progress is not None:
            progress("Scoring ties", len(result), len(pairs))
    return result


def rescore_contacts(repo: ScoreReads, contact_ids: Collection[int], now: datetime) -> None:
    """Score again every member's scored ties to these contacts: what the app knows of them changed."""
    rescore(repo, repo.scored_ties_of(contact_ids), now)


def rescore_workspace(uow: UnitOfWork, team_id: str, now: datetime, progress: Progress | None = None) -> int:
    """Score every tie of a workspace as of `now`, one transaction per chunk of contacts (a long
    rescoring never holds the write lock for long); returns how many ties were scored. What each member
    knows is read once for the whole pass (a tie logged meanwhile is scored when it is logged)."""
    done, after = 0, 0
    known: MembersContacts = {}
    while True:
        with uow:
            repo = uow.workspace(team_id, ScoreRepository)
            pairs = repo.tie_pairs(after_contact_id=after)
            if not pairs:
                return done
            rescore(repo, pairs, now, known=known)
            uow.commit()
        done += len(pairs)
        after = max(contact_id for _, contact_id in pairs)
        if progress is not None:
            progress("Scoring ties", done, done)


def rescore_stale(uow: UnitOfWork, now: datetime) -> int:
    """Score again every workspace holding ties whose kept figures come from older rules (a migration
    changed the rules: see `Tie.signs_known`); returns how many ties were scored. Nothing to do, nothing
    written."""
    with uow:
        teams = uow.across_workspaces(StaleScores).teams_with_stale_ties()
    return sum(rescore_workspace(uow, team_id, now) for team_id in teams)
