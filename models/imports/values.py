"""The values of an import: rows as the readers hand them over, what became of each, and why a file is refused."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

from models.core.dates import NOON
from models.core.errors import RapportError, Usage, UsageError
from models.core.values import Channel, Initiator

#: Called now and then with a stage ("Matching rows", "Recording", "Scoring ties"), rows done and in all.
Progress = Callable[[str, int, int], None]

#: Where an imported interaction came from (Interaction.source), and the tie it created (Tie.source).
IMPORT_SOURCE: Final = "import"
#: Every imported interaction's idempotency key starts so (`/logcall` keys never do).
REQUEST_KEY_PREFIX: Final = "import:"
#: Why an activities row is skipped when it names no member and the import has no default member.
NO_MEMBER_NAMED: Final = "no member: the row names none"


class UnreadableFile(RapportError):
    """A file that cannot be imported at all (not text, not the expected export, columns missing).

    Raised before anything is written; `message` says why, for the person who chose the file.
    """


class UnmappedColumns(UnreadableFile):
    """A CSV export in which no column was found for fields the import needs.

    `found` says what is missing and lists the file's columns, `ask` asks which column it is, and
    `example` is a mapping that would do (`name=Full Name`): each edge words the remedy its own way
    (the command line's `--map`, the form's Columns field).
    """

    def __init__(self, found: str, ask: str, example: str) -> None:
        self.found = found
        self.ask = ask
        self.example = example
        super().__init__(f"{found} {ask}, e.g. {example}.")


class MemberNeeded(UsageError):
    """A contacts import that does not say whose contacts they are to be."""

    def __init__(self) -> None:
        super().__init__("Say whose contacts these are (their Slack user id).", Usage.IMPORT)


class NoWorkspace(UsageError):
    """No team was named, and the database has no workspace to take by default."""

    def __init__(self) -> None:
        super().__init__("No workspace in the database yet: say which Slack team (its id, T…).", Usage.IMPORT)


class SeveralWorkspaces(UsageError):
    """No team was named, and the database has several workspaces: `teams` are their Slack team ids."""

    def __init__(self, teams: Sequence[str]) -> None:
        self.teams = tuple(teams)
        super().__init__(f"Several workspaces here ({', '.join(teams)}): say which.", Usage.IMPORT)


@dataclass(frozen=True, slots=True)
class ContactRow:
    """One person from a contacts file; `problem` says why the row cannot be imported (it is skipped)."""

    line: int
    name: str
    company: str | None = None
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    profile_url: str | None = None
    connected_on: datetime | None = None
    problem: str | None = None
    #: Something read but not understood that did not stop the row (e.g. an odd connection date).
    note: str | None = None


@dataclass(frozen=True, slots=True)
class FileMoment:
    """When something happened, as a file wrote it: a day and perhaps a time of day.

    `clock` carries a UTC offset when the file gave one; otherwise the moment is read in the
    member's time zone (no naive datetime ever leaves an import).
    """

    day: date
    clock: time | None = None

    def at(self, zone: ZoneInfo) -> datetime:
        clock = self.clock or NOON
        return datetime.combine(self.day, clock.replace(tzinfo=clock.tzinfo or zone)).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class InteractionRow:
    """One past interaction from an activities export; `problem` says why it is skipped."""

    line: int
    member: str
    contact: str
    company: str | None
    email: str | None
    when: FileMoment | None
    channel: Channel | None
    initiator: Initiator | None
    duration_minutes: int | None
    notes: str
    problem: str | None = None

    @property
    def label(self) -> str:
        return self.contact or self.email or ""


@dataclass(slots=True)
class Person:
    """A contact during an import: a known row (id set) or one the import creates (id set on writing)."""

    id: int | None
    name: str
    name_key: str
    account_key: str | None
    email: str | None
    job_title: str | None
    phone: str | None
    profile_url: str | None
    created_line: int | None = None
    filled: set[str] = field(default_factory=set)


@dataclass(slots=True)
class ImportedInteraction:
    """An activities row accepted for recording: whose it is, with whom (the person it matched, whose id
    is known once the new contacts are written), when, and its idempotency key."""

    row: InteractionRow
    member_id: int
    person: Person
    occurred_at: datetime
    time_given: bool
    key: str


@dataclass(frozen=True)
class RowOutcome:
    """What became of one row: its line in the file, the person, and why (always said for a skip)."""

    line: int
    name: str
    reason: str


@dataclass(frozen=True)
class ImportReport:
    """Every row of the file, in one of three lists, in file order; `warnings` concern the whole file."""

    created: list[RowOutcome]
    merged: list[RowOutcome]
    skipped: list[RowOutcome]
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def rows(self) -> int:
        return len(self.created) + len(self.merged) + len(self.skipped)
