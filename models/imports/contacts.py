"""The use case of a contacts file (LinkedIn, vCard, a CRM's CSV): its people become a member's reach.

Imported contacts are reach: a tie with `source` set to the file's kind and `connected_on` when the
file says when the connection began, and no interaction. Rows are matched to known contacts by the
import's one rule (`models.imports.matching`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, cast

from models.core.grammar import parse_tags
from models.db.uow import UnitOfWork
from models.imports.large_files import cached_fold, many_rows, report_progress
from models.imports.matching import People
from models.imports.repository import ImportRepository
from models.imports.values import ContactRow, ImportReport, Person, Progress, RowOutcome
from models.scores.engine import rescore_contacts

#: The kinds of contacts file, each the `source` of the ties it creates.
CONTACT_SOURCES: Final = ("linkedin", "vcard", "csv")


@dataclass(frozen=True)
class _Matched:
    """A row matched to a person: `created` or merged, and what to tell about it so far."""

    row: ContactRow
    person: Person
    created: bool
    parts: list[str]


@dataclass
class _Matching:
    """The rows of a file, matched: the people to tie to the member, their connection dates, those to tag."""

    matched: list[_Matched] = field(default_factory=list)
    skipped: list[RowOutcome] = field(default_factory=list)
    reach: dict[int, Person] = field(default_factory=dict)  # id(person) → person
    connected: dict[int, datetime] = field(default_factory=dict)  # id(person) → earliest connection date
    told: set[int] = field(default_factory=set)  # known contacts the file told something new of (their ids)


@dataclass(frozen=True)
class _Written:
    """What the import wrote besides contacts: ties created and dated, tags added."""

    tied: set[int]  # contact ids
    dated: set[int]  # tie ids
    tagged: set[int]  # contact ids


@many_rows
def import_contacts(
    uow: UnitOfWork,
    team_id: str,
    member_slack_id: str,
    rows: Sequence[ContactRow],
    source: str,
    tags: Iterable[str],
    now: datetime,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import people as the member's reach: contacts merged or created, a tie without interaction each.

    One transaction: all rows or none. A second import of the same file changes nothing.
    """
    if source not in CONTACT_SOURCES:
        raise ValueError(f"unknown source {source!r}")
    wanted_tags = parse_tags(" ".join(tags))
    with uow:
        repo = uow.workspace(team_id, ImportRepository)
        repo.serialize_writes()  # matching, then creating: no /logcall may create the same person meanwhile
        member_id = repo.get_or_create_member(member_slack_id).id
        people = repo.people()
        ties = repo.member_ties(member_id)
        matching = _match(rows, people, progress)
        titled = people.titled()
        people.write(repo, member_id, now)
        repo.note_title_source([cast(int, person.id) for person in titled], source)
        dated = _date_reach(repo, matching, ties)
        tied = _tie_reach(repo, member_id, matching, ties, source, now)
        written = _Written(tied=tied, dated=dated, tagged=_tag(repo, matching, wanted_tags))
        # What the file told of these people (a title, an account) is part of the scores of their ties.
        rescore_contacts(repo, matching.told, now)
        created, merged = _tell(matching, ties, written, wanted_tags)
        if not dry_run:
            uow.commit()
    return ImportReport(created=created, merged=merged, skipped=matching.skipped, dry_run=dry_run)


def _match(rows: Sequence[ContactRow], people: People, progress: Progress | None) -> _Matching:
    """Each row matched to a known contact, merged into it, or made a new one; rows with a problem skipped."""
    matching = _Matching()
    for done, row in enumerate(rows, start=1):
        report_progress(progress, "Matching rows", done, len(rows))
        if row.problem:
            matching.skipped.append(RowOutcome(row.line, row.name, row.problem))
            continue
        account_key = people.account_key(row.company)
        fields = {"email": row.email, "job_title": row.title, "phone": row.phone, "profile_url": row.profile_url}
        found = people.find(cached_fold(row.name), account_key, row.email)
        if found is None:
            person = people.create(row.line, row.name, account_key, **fields)
            matching.matched.append(_Matched(row, person, True, ["new contact"]))
        else:
            person, how = found
            known_as = f"line {person.created_line}" if person.created_line is not None else "a known contact"
            filled = people.fill(person, account_key, **fields)
            if filled:
                matching.told.add(cast(int, person.id))
            said = [f"{how} as {known_as}"] + ([f"added {', '.join(filled)}"] if filled else [])
            matching.matched.append(_Matched(row, person, False, said))
        matching.reach[id(person)] = person
        if row.connected_on is not None:
            earlier = matching.connected.get(id(person))
            matching.connected[id(person)] = min(earlier, row.connected_on) if earlier else row.connected_on
    return matching


def _tie_reach(
    repo: ImportRepository,
    member_id: int,
    matching: _Matching,
    ties: dict[int, tuple[int, datetime | None]],
    source: str,
    now: datetime,
) -> set[int]:
    """Tie the member to the people they have no tie with yet; their contact ids. `ties` learns the new
    ties, with no id (none is needed: a new tie is not dated again)."""
    new: dict[int, datetime | None] = {}
    for key, person in matching.reach.items():
        contact_id = cast(int, person.id)
        if contact_id not in ties:
            new[contact_id] = matching.connected.get(key)
            ties[contact_id] = (0, matching.connected.get(key))
    repo.create_reach_ties(member_id, source, new, now)
    repo.refresh_team_strength(new)
    return set(new)


def _date_reach(repo: ImportRepository, matching: _Matching, ties: dict[int, tuple[int, datetime | None]]) -> set[int]:
    """Date the member's undated ties from the file's connection dates; the tie ids dated."""
    dated: dict[int, datetime] = {}
    for key, person in matching.reach.items():
        tie = ties.get(cast(int, person.id))
        if tie is not None and tie[1] is None and key in matching.connected:
            dated[tie[0]] = matching.connected[key]
    repo.date_ties(dated)
    return set(dated)


def _tag(repo: ImportRepository, matching: _Matching, wanted_tags: Sequence[str]) -> set[int]:
    """Tag every person of the file who has not these tags yet; the contact ids tagged."""
    if not wanted_tags:
        return set()
    tagged = repo.tagged(wanted_tags)
    new = [
        (cast(int, person.id), tag)
        for person in matching.reach.values()
        for tag in wanted_tags
        if (person.id, tag) not in tagged
    ]
    repo.add_tags(new)
    return {contact_id for contact_id, _ in new}


def _tell(
    matching: _Matching, ties: dict[int, tuple[int, datetime | None]], written: _Written, wanted_tags: Sequence[str]
) -> tuple[list[RowOutcome], list[RowOutcome]]:
    """What each row brought, created and merged: the tie, its date and the tags are told on the person's first row only."""
    created: list[RowOutcome] = []
    merged: list[RowOutcome] = []
    tied, dated, tagged = set(written.tied), set(written.dated), set(written.tagged)
    for entry in matching.matched:
        parts = list(entry.parts)
        contact_id = cast(int, entry.person.id)
        if contact_id in tied:
            tied.discard(contact_id)
            if not entry.created:
                parts.append("now in your reach")
        elif ties[contact_id][0] in dated:
            dated.discard(ties[contact_id][0])
            parts.append("connection date added")
        if contact_id in tagged:
            tagged.discard(contact_id)
            parts.append(f"tagged {', '.join(wanted_tags)}")
        if not entry.created and len(parts) == 1:
            parts.append("nothing new")
        if entry.row.note:
            parts.append(entry.row.note)
        (created if entry.created else merged).append(RowOutcome(entry.row.line, entry.row.name, "; ".join(parts)))
    return created, merged
