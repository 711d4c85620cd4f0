"""The use case of an activities export: past interactions recorded for the members they name, then each tie they touched scored once."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Final, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.core.dates import FUTURE_TOLERANCE
from models.core.limits import cut
from models.core.signs import InteractionFact
from models.core.values import Channel
from models.db.bulk import WRITE_CHUNK, chunks
from models.db.orm import Member
from models.db.uow import UnitOfWork
from models.imports.large_files import cached_fold, many_rows, report_progress
from models.imports.matching import People
from models.imports.repository import ImportRepository
from models.imports.values import (
    NO_MEMBER_NAMED,
    REQUEST_KEY_PREFIX,
    FileMoment,
    ImportedInteraction,
    ImportReport,
    InteractionRow,
    Progress,
    RowOutcome,
)
from models.scores.engine import rescore

#: What a Slack user id looks like (a row's member, or the member an import is for).
SLACK_USER_ID: Final = re.compile(r"[UW][A-Z0-9]{2,}")

#: A row accepted for its member and moment, not yet matched to a contact: (row, member id, when, key).
_Accepted = tuple[InteractionRow, int, datetime, str]


@many_rows
def import_interactions(
    uow: UnitOfWork,
    team_id: str,
    rows: Sequence[InteractionRow],
    now: datetime,
    progress: Progress | None = None,
    default_member: str | None = None,
    dry_run: bool = False,
    owner: str | None = None,
) -> ImportReport:
    """Record past interactions from a CRM export, then score each tie they touched once.

    Who may write what: with `owner` (an upload in Slack), every row belongs to that member; a row
    naming anyone else (another Slack id, an e-mail that is not theirs) is skipped with the reason,
    and no member is ever created from the file. Without it (`rapport import`, run by an admin),
    rows are imported for the members they name, found by Slack id or by e-mail (Member.email);
    `default_member` takes the rows that name none, and a Slack id not yet known becomes a member
    (listed in the report's warnings). Contacts are found by the import matching rule (created when
    unknown). One transaction; a second import records nothing.
    """
    with uow:
        repo = uow.workspace(team_id, ImportRepository)
        repo.serialize_writes()  # matching, then creating: no /logcall may create the same person meanwhile
        uploader = repo.get_or_create_member(owner) if owner is not None else None
        members = _Members(repo, uploader, default_member)
        accepted, skipped = _accept(rows, members, now, progress)
        people = repo.people()
        fresh, created = _match(people, accepted, repo.imported_keys([key for *_, key in accepted]), skipped)
        people.write(repo, None, now)
        touched = {(p.member_id, cast(int, p.person.id)) for p in fresh}
        repo.create_missing_ties(touched, now)
        # The ties' earlier interactions are read before the new ones go in; those are added from
        # memory, so that a million imported rows are never read back.
        histories = repo.histories(touched)
        _record(repo, fresh, now, progress)
        for p in fresh:
            histories.setdefault((p.member_id, cast(int, p.person.id)), []).append(_fact(p))
        rescore(repo, touched, now, histories=histories, progress=progress)
        skipped.sort(key=lambda outcome: outcome.line)
        new_members = members.added()
        warnings = [f"new member(s) from the file's Slack ids: {', '.join(new_members)}"] if new_members else []
        if not dry_run:
            uow.commit()
    return ImportReport(created=created, merged=[], skipped=skipped, warnings=warnings, dry_run=dry_run)


def request_key(
    member_slack_id: str, row: InteractionRow, occurred_at: datetime, time_given: bool, channel: Channel
) -> str:
    """The idempotency key of an imported interaction: a hash of the row, normalised."""
    normalised = "\x1f".join(
        (
            member_slack_id,
            cached_fold(row.contact),
            cached_fold(row.company or ""),
            (row.email or "").lower(),
            occurred_at.isoformat(),
            "1" if time_given else "0",
            channel.value,
            row.initiator.value if row.initiator else "",
            str(row.duration_minutes) if row.duration_minutes is not None else "",
            " ".join(row.notes.split()),
        )
    )
    return REQUEST_KEY_PREFIX + hashlib.sha256(normalised.encode()).hexdigest()


class _Members:
    """Whose each row is: the uploader's (an upload in Slack), else the member it names or the default
    member, found among the workspace's members by Slack id or e-mail (loaded once); a Slack id not
    known yet becomes a member."""

    def __init__(self, repo: ImportRepository, uploader: Member | None, default_member: str | None) -> None:
        self.repo = repo
        self.uploader = uploader
        self.default_member = default_member or ""
        self.by_id: dict[str, Member] = {}
        self.by_email: dict[str, Member] = {}
        for member in repo.members():
            self.by_id[member.slack_user_id] = member
            if member.email:
                self.by_email.setdefault(member.email.lower(), member)
        self.known_before = set(self.by_id)

    def owner_of(self, row: InteractionRow) -> Member | str:
        """The member a row belongs to, or why it is skipped."""
        if self.uploader is not None:
            return _owned(self.uploader, row.member.strip())
        return self.find(row.member.strip() or self.default_member)

    def find(self, who: str) -> Member | str:
        """The member a row names (Slack id or e-mail), or why there is none."""
        if not who:
            return NO_MEMBER_NAMED
        if "@" in who:
            member = self.by_email.get(who.lower())
            return member or f"unknown member “{who}”: no member of the workspace has this e-mail"
        if SLACK_USER_ID.fullmatch(who):
            member = self.by_id.get(who)
            if member is None:
                member = self.by_id[who] = self.repo.get_or_create_member(who)
            return member
        return f"unknown member “{who}”: give their Slack id (U…) or e-mail"

    def added(self) -> list[str]:
        """The Slack ids of the members `find` created, in order."""
        return sorted(set(self.by_id) - self.known_before)


def _owned(uploader: Member, who: str) -> Member | str:
    """The uploader, when the row names no one or names them (Slack id or e-mail); else why it is skipped."""
    if not who or who == uploader.slack_user_id:
        return uploader
    if "@" in who and uploader.email and who.lower() == uploader.email.lower():
        return uploader
    return f"names “{cut(who, 80)}”, not you: an upload in Slack imports your own interactions only"


def _accept(
    rows: Sequence[InteractionRow], members: _Members, now: datetime, progress: Progress | None
) -> tuple[list[_Accepted], list[RowOutcome]]:
    """The rows to record, with their member, moment and key; the others skipped, with the reason."""
    accepted: list[_Accepted] = []
    skipped: list[RowOutcome] = []
    zones: dict[int, ZoneInfo] = {}
    seen: dict[str, int] = {}
    for done, row in enumerate(rows, start=1):
        report_progress(progress, "Matching rows", done, len(rows))
        if row.problem or row.when is None or row.channel is None:
            skipped.append(RowOutcome(row.line, row.label, row.problem or "incomplete row"))
            continue
        member = members.owner_of(row)
        if isinstance(member, str):
            skipped.append(RowOutcome(row.line, row.label, member))
            continue
        zone = zones.get(member.id) or zones.setdefault(member.id, _zone(member.time_zone))
        occurred_at = _occurred_at(row.when, zone, now)
        if occurred_at > now + FUTURE_TOLERANCE:
            skipped.append(RowOutcome(row.line, row.label, "in the future: not a past interaction"))
            continue
        key = request_key(member.slack_user_id, row, occurred_at, row.when.clock is not None, row.channel)
        if key in seen:
            skipped.append(RowOutcome(row.line, row.label, f"same interaction as line {seen[key]}"))
            continue
        seen[key] = row.line
        accepted.append((row, member.id, occurred_at, key))
    return accepted, skipped


def _occurred_at(when: FileMoment, zone: ZoneInfo, now: datetime) -> datetime:
    """When a row's interaction happened, in the member's time zone; today with no time of day is
    never later than now (noon may be still to come)."""
    occurred_at = when.at(zone)
    if occurred_at > now and when.clock is None and when.day == now.astimezone(zone).date():
        return now
    return occurred_at


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _match(
    people: People, accepted: Sequence[_Accepted], imported: set[str], skipped: list[RowOutcome]
) -> tuple[list[ImportedInteraction], list[RowOutcome]]:
    """Each row not imported before, matched to its contact (created when unknown); rows imported before are skipped."""
    fresh: list[ImportedInteraction] = []
    created: list[RowOutcome] = []
    for row, member_id, occurred_at, key in accepted:
        if key in imported:
            skipped.append(RowOutcome(row.line, row.label, "already imported"))
            continue
        account_key = people.account_key(row.company)
        found = people.find(cached_fold(row.contact or cast(str, row.email)), account_key, row.email)
        if found is None:
            person = people.create(row.line, row.contact or cast(str, row.email), account_key, email=row.email)
        else:
            person = found[0]
            people.fill(person, account_key, email=row.email)
        time_given = row.when is not None and row.when.clock is not None
        fresh.append(ImportedInteraction(row, member_id, person, occurred_at, time_given, key))
        recorded = "recorded; new contact" if person.created_line == row.line else "recorded"
        created.append(RowOutcome(row.line, row.label, recorded))
    return fresh, created


def _record(
    repo: ImportRepository, fresh: Sequence[ImportedInteraction], now: datetime, progress: Progress | None
) -> None:
    """Write the interactions WRITE_CHUNK at a time, telling the progress after each chunk."""
    done = 0
    for chunk in chunks(fresh, WRITE_CHUNK):
        repo.record_interactions(chunk, now)
        done += len(chunk)
        if progress is not None:
            progress("Recording", done, len(fresh))


def _fact(added: ImportedInteraction) -> InteractionFact:
    """An imported interaction as scoring reads it."""
    row = added.row
    return InteractionFact(added.occurred_at, cast(Channel, row.channel), row.duration_minutes, row.initiator)
