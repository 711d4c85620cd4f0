"""The one way into imports, for the command line and an upload in Slack: read a file, import it in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Final, cast

from models.core.errors import Usage, UsageError
from models.db.uow import UnitOfWork
from models.imports.columns import CONTACT_FIELDS, INTERACTION_FIELDS, parse_mapping
from models.imports.contacts import import_contacts
from models.imports.interactions import SLACK_USER_ID, import_interactions
from models.imports.readers.crm import read_contacts_csv, read_interactions_csv
from models.imports.readers.linkedin import read_linkedin
from models.imports.readers.vcard import read_vcards
from models.imports.repository import ImportRepository
from models.imports.values import (
    ContactRow,
    ImportReport,
    InteractionRow,
    MemberNeeded,
    NoWorkspace,
    Progress,
    SeveralWorkspaces,
)

#: The kinds of file imported: three of contacts, one of past interactions.
KINDS: Final = ("linkedin", "vcard", "csv", "interactions")


def read_file(
    kind: str, data: bytes, mapping: Mapping[str, str] | None = None
) -> list[ContactRow] | list[InteractionRow]:
    """The rows of an export of this kind (linkedin, vcard, csv, interactions); raises UnreadableFile."""
    if kind == "linkedin":
        return read_linkedin(data)
    if kind == "vcard":
        return read_vcards(data)
    if kind == "csv":
        return read_contacts_csv(data, mapping)
    if kind == "interactions":
        return read_interactions_csv(data, mapping)
    raise UsageError(f"“{kind}” is not something I import; use {', '.join(KINDS)}.", Usage.IMPORT)


def import_file(
    uow: UnitOfWork,
    team_id: str | None,
    kind: str,
    data: bytes,
    now: datetime,
    member: str | None = None,
    mapping: Sequence[str] | str | None = None,
    tags: Iterable[str] = (),
    progress: Progress | None = None,
    dry_run: bool = False,
    owner: str | None = None,
) -> ImportReport:
    """Read a file and import it in one transaction: what `rapport import` and an upload in Slack call.

    An upload in Slack gives `owner`, the member who uploaded it: everything imported is theirs
    (see `import_interactions`). The command line gives `member`: whose contacts these are, or who
    did what an activities row does not say. Without a team, the database's only workspace.
    """
    if owner is not None and member is not None:
        raise ValueError("an upload belongs to its owner: give `owner` or `member`, not both")
    fields = INTERACTION_FIELDS if kind == "interactions" else CONTACT_FIELDS
    columns = parse_mapping(mapping, fields)
    member = owner or member
    if kind != "interactions" and not member:
        raise MemberNeeded()
    if member and not SLACK_USER_ID.fullmatch(member):
        raise UsageError(f"“{member}” is not a Slack user id (they look like U0123ABCD).", Usage.IMPORT)
    rows = read_file(kind, data, columns)
    team = team_id or sole_team_id(uow)
    if kind == "interactions":
        return import_interactions(
            uow,
            team,
            cast(list[InteractionRow], rows),
            now,
            progress,
            default_member=None if owner else member,
            dry_run=dry_run,
            owner=owner,
        )
    return import_contacts(
        uow, team, cast(str, member), cast(list[ContactRow], rows), kind, tags, now, progress, dry_run
    )


def sole_team_id(uow: UnitOfWork) -> str:
    """The Slack team of the database's only workspace; with none or several, `NoWorkspace` or `SeveralWorkspaces`."""
    with uow:
        teams = ImportRepository.slack_team_ids(uow)
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise NoWorkspace()
    raise SeveralWorkspaces(teams)
