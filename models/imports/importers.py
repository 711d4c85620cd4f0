"""Imports: contacts from LinkedIn, vCard and CRM files as reach, and past interactions from a CRM export.

Readers are pure (bytes in, rows out) and raise `UnreadableFile` before anything is written; the
two use cases, `import_contacts` and `import_interactions`, each run in one transaction, so a file
is imported whole or not at all.

Matching a row to a known contact (one rule for every import)
    1. the same e-mail address, case-insensitive;
    2. else the same folded name (case, accents, punctuation) at the same company, or a contact of
       that name with no company; a row without a company takes the contact of that name with no
       company, or the only contact of that name;
    3. else a new contact.
A merge fills the contact's empty fields (title, e-mail, phone, profile URL, company) and never
overwrites what a seller typed. Imported contacts are reach: a tie with `source` set to the file's
kind and `connected_on` when the file says when the connection began, and no interaction.
"""

from __future__ import annotations

import codecs
import csv
import gc
import hashlib
import io
import quopri
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache, wraps
from operator import itemgetter
from typing import Any, Final, ParamSpec, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.parser import ParserError
from dateutil.parser import parse as parse_datetime
from sqlalchemy import ColumnElement, SQLColumnExpression, Table, any_, bindparam, insert, literal, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from models.core.dates import EARLIEST_YEAR, parse_duration
from models.core.errors import RapportError, Usage, UsageError
from models.core.faults import drop_echoed_values
from models.core.grammar import CHANNEL_WORDS, parse_tags
from models.core.limits import COMPANY_NAME, CONTACT_NAME, EMAIL, JOB_TITLE, PHONE, PROFILE_URL, cut
from models.core.names import fold, name_variants
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
from models.db.orm import (
    Account,
    Contact,
    ContactLink,
    Interaction,
    Member,
    NameIndexEntry,
    Tie,
    Workspace,
    contact_tags,
    interaction_colleagues,
    interaction_contacts,
)
from models.db.repository import RECENT_INTERACTIONS_FOR_SCORING, WorkspaceRepository, refresh_team_strength
from models.db.uow import UnitOfWork

#: Called now and then with a stage ("Matching rows", "Recording", "Scoring ties"), rows done and in all.
Progress = Callable[[str, int, int], None]

KINDS: Final = ("linkedin", "vcard", "csv", "interactions")
#: Fields a CRM contacts export can be mapped to with `--map field=Column,...`.
CONTACT_FIELDS: Final = ("name", "first_name", "last_name", "email", "company", "title", "phone", "url", "connected_on")
#: Fields an activities export can be mapped to; `member` is the seller's e-mail or Slack id, `email` the contact's.
INTERACTION_FIELDS: Final = (
    "member",
    "contact",
    "email",
    "company",
    "when",
    "channel",
    "direction",
    "duration",
    "notes",
)
#: Where an imported interaction came from (Interaction.source), and the tie it created (Tie.source).
IMPORT_SOURCE: Final = "import"
REQUEST_KEY_PREFIX: Final = "import:"
#: A day with no time of day is read as noon, in the member's time zone (as `/logcall` does).
NOON: Final = time(12, 0)
#: Rows per INSERT batch, and keys or ids per IN (…) lookup.
WRITE_CHUNK: Final = 10_000
LOOKUP_CHUNK: Final = 2_000
#: Ties rescored per round trip at the end of an interactions import.
SCORING_CHUNK: Final = 2_000
#: A text whose share of control characters exceeds this is binary, not an export.
MAX_CONTROL_SHARE: Final = 0.01
_PROGRESS_EVERY: Final = 1_000
_UNSEEN: Final = object()
P = ParamSpec("P")
R = TypeVar("R")
#: `fold` remembered for the names, companies and words a big file repeats on many rows.
_fold: Final = lru_cache(maxsize=1 << 18)(fold)

LINKEDIN_HEADER: Final = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
_LINKEDIN_COLUMNS: Final = {
    "first name": "first_name",
    "last name": "last_name",
    "url": "url",
    "email address": "email",
    "company": "company",
    "position": "title",
    "connected on": "connected_on",
}
# Column names a CRM export commonly uses, folded; `--map` overrides them.
_CONTACT_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "name": ("name", "full name", "contact name", "contact", "display name"),
    "first_name": ("first name", "firstname", "given name"),
    "last_name": ("last name", "lastname", "surname", "family name"),
    "email": ("email", "e mail", "email address", "e mail address", "work email", "primary email"),
    "company": ("company", "account", "account name", "company name", "organisation", "organization"),
    "title": ("title", "job title", "position", "role"),
    "phone": ("phone", "phone number", "mobile", "mobile phone", "work phone", "telephone"),
    "url": ("url", "linkedin", "linkedin url", "profile url", "linkedin profile"),
    "connected_on": ("connected on", "created", "created date", "create date", "since"),
}
_INTERACTION_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "member": ("member", "owner", "user", "assigned to", "sales rep", "rep", "activity owner", "owner email"),
    "contact": ("contact", "contact name", "name", "full name", "person", "with"),
    "email": ("email", "e mail", "contact email", "email address", "contact e mail"),
    "company": ("company", "account", "account name", "company name", "organisation", "organization"),
    "when": ("when", "date", "occurred at", "activity date", "date time", "timestamp", "start", "start time"),
    "channel": ("channel", "type", "activity type", "medium", "kind"),
    "direction": ("direction", "initiator", "initiated by", "inbound outbound"),
    "duration": ("duration", "duration minutes", "duration min", "minutes", "length"),
    "notes": ("notes", "note", "description", "comments", "comment", "body", "subject"),
}
_CHANNEL_NAMES: Final[dict[str, Channel]] = {
    **{fold(word): channel for channel, words in CHANNEL_WORDS.items() for word in words},
    **{fold(channel.value): channel for channel in Channel},
    **{fold(channel.label): channel for channel in Channel},
    **dict.fromkeys(("meeting", "in person meeting", "visit", "event", "demo", "lunch"), Channel.IN_PERSON),
    **dict.fromkeys(("call", "phone call", "outbound call", "inbound call", "voicemail"), Channel.PHONE),
    **dict.fromkeys(("video call", "video meeting", "online meeting", "web meeting", "zoom"), Channel.VIDEO),
    **dict.fromkeys(("email", "emails", "e mail", "mail", "email sent", "email received"), Channel.EMAIL),
    **dict.fromkeys(("chat", "message", "text message", "instant message"), Channel.CHAT),
    **dict.fromkeys(("linkedin message", "social media", "social message", "inmail"), Channel.SOCIAL),
}
_INBOUND: Final = frozenset({"inbound", "incoming", "in", "received", "them", "they", "contact", "by them"})
_OUTBOUND: Final = frozenset({"outbound", "outgoing", "out", "sent", "me", "i", "us", "we", "by me", "member"})
_CHANNEL_CHOICES: Final = "in person, video, phone, email, chat or social"
_SLACK_USER_ID: Final = re.compile(r"[UW][A-Z0-9]{2,}")
_SLASH_DATE: Final = re.compile(
    r"(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<year>\d{2}|\d{4})"
    r"(?:[ T,]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<half>[AaPp][Mm])?)?"
)
#: Minutes as a number ("30", "12.5"); digits bounded, so that a cell of thousands is not read as one.
_MINUTES: Final = re.compile(r"[0-9]{1,4}(?:[.,][0-9]{1,3})?")
_LONG_NUMBER: Final = re.compile(r"\d{9,}")
#: The last year an activity's date may name (EARLIEST_YEAR is the first, as for /logcall).
LATEST_YEAR: Final = 2999
_DAY_FORMATS: Final = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d-%b-%Y", "%d-%b-%y")
_CARD_BEGIN: Final = re.compile(r"BEGIN\s*:\s*VCARD\s*", re.IGNORECASE)
_CARD_END: Final = re.compile(r"END\s*:\s*VCARD\s*", re.IGNORECASE)
_QUOTED_PRINTABLE: Final = re.compile("QUOTED-PRINTABLE", re.IGNORECASE)
_BARE_ENCODINGS: Final = frozenset({"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"})
_VCARD_ESCAPE: Final = re.compile(r"\\(.)")
_VCARD_ESCAPES: Final = {"n": "\n", "N": "\n"}


def _bulk(function: Callable[P, R]) -> Callable[P, R]:
    """Run without the cyclic garbage collector (reference counting still frees everything).

    Building hundreds of thousands of rows otherwise sets off full collections again and again,
    each walking every row built so far: reading a million activities took three times as long.
    """

    @wraps(function)
    def without_collections(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return without_collections


class UnreadableFile(RapportError):
    """A file that cannot be imported at all (not text, not the expected export, columns missing).

    Raised before anything is written; `message` says why, for the person who chose the file.
    """


# --- Rows, as the readers hand them over ------------------------------------------------------


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
    member's time zone (no naive datetime ever leaves this module).
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


# --- Reading files ------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The text of an exported file: UTF-8 (with or without BOM), UTF-16 or UTF-32 (BOM, or guessed
    from its zero bytes), else Windows-1252/Latin-1. Binary data raises `UnreadableFile`."""
    if not data.strip():
        raise UnreadableFile("The file is empty.")
    try:
        text = _decode_text(data)
    except UnicodeDecodeError as error:
        raise UnreadableFile(f"The file is not valid text in the encoding it announces ({error.reason}).") from None
    sample = text[:65536]
    controls = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\x0c") or 0x7F <= ord(ch) < 0xA0)
    if "\x00" in sample or controls > MAX_CONTROL_SHARE * len(sample):
        raise UnreadableFile("This is not a text file (it looks like binary data): export it as CSV or vCard.")
    return text


def _decode_text(data: bytes) -> str:
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding)
    head = data[:4096]
    if len(head) >= 4 and head.count(0) * 3 > len(head):
        # Text of Latin letters in UTF-16 without a BOM: every other byte is zero.
        even_zeros = head[0::2].count(0)
        odd_zeros = head[1::2].count(0)
        return data.decode("utf-16-be" if even_zeros > odd_zeros else "utf-16-le")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


@dataclass(frozen=True, slots=True)
class _Record:
    line: int
    cells: list[str]


def _records(text: str, delimiter: str = ",") -> Iterator[_Record]:
    """CSV records with the file line each starts on; blank lines are left out."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if len(cells) > 1 or (cells and cells[0].strip()):
                yield _Record(line, cells)
    except csv.Error as error:
        raise UnreadableFile(f"Line {reader.line_num} cannot be read as CSV: {error}.") from None


def _delimiter(header_line: str) -> str:
    """The separator of a CSV file, from its header: comma, semicolon (European Excel) or tab."""
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


class _Columns:
    """Where each field is in a CSV header, found by `--map` or by the usual column names."""

    def __init__(self, header: Sequence[str], wanted: Mapping[str, str | tuple[str, ...]]) -> None:
        self.header = [cell.strip() for cell in header]
        folded = [fold(cell) for cell in self.header]
        self.index: dict[str, int] = {}
        for field_name, names in wanted.items():
            choices = (names,) if isinstance(names, str) else names
            for name in choices:
                position = _find_column(self.header, folded, name)
                if position is not None:
                    self.index[field_name] = position
                    break

    def listing(self) -> str:
        return ", ".join(f"“{name}”" for name in self.header if name)

    def get(self, cells: Sequence[str], field_name: str) -> str:
        position = self.index.get(field_name)
        if position is None or position >= len(cells):
            return ""
        return " ".join(cells[position].split()) if field_name != "notes" else cells[position].strip()

    def picker(self, fields: Sequence[str]) -> Callable[[list[str]], tuple[str, ...]]:
        """A fast reader of these fields' raw cells from a row ("" for a field or cell that is missing)."""
        width = len(self.header)
        pick = itemgetter(*[self.index.get(name, width) for name in fields])
        padding = [""] * (width + 1)

        def values(cells: list[str]) -> tuple[str, ...]:
            return cast(tuple[str, ...], pick(cells + padding))

        return values

    def check_width(self, cells: Sequence[str]) -> str | None:
        """Why a row does not line up with the header (a comma outside quotes?), or None."""
        extra = cells[len(self.header) :]
        if any(cell.strip() for cell in extra):
            return (
                f"{len(cells)} cells where the header has {len(self.header)} "
                "(a comma outside quotes?): not imported to avoid mixing up columns"
            )
        return None


def _find_column(header: Sequence[str], folded: Sequence[str], name: str) -> int | None:
    if name in header:
        return header.index(name)
    key = fold(name)
    return folded.index(key) if key in folded else None


def parse_mapping(specs: str | Sequence[str] | None, fields: Sequence[str]) -> dict[str, str]:
    """`name=Full Name,email=E-mail` (repeatable) → {"name": "Full Name", "email": "E-mail"}."""
    if specs is None:
        return {}
    mapping: dict[str, str] = {}
    for spec in [specs] if isinstance(specs, str) else specs:
        for pair in spec.split(","):
            if not pair.strip():
                continue
            field_name, equals, column = pair.partition("=")
            field_name = field_name.strip().lower().replace("-", "_")
            if not equals or not column.strip():
                raise UsageError(f"“{pair.strip()}” is not field=Column (e.g. email=E-mail).", Usage.IMPORT)
            if field_name not in fields:
                raise UsageError(f"“{field_name}” is not a field to map; use {', '.join(fields)}.", Usage.IMPORT)
            mapping[field_name] = column.strip()
    return mapping


def _resolve_columns(
    header: Sequence[str], mapping: Mapping[str, str], aliases: Mapping[str, tuple[str, ...]]
) -> _Columns:
    missing = [column for column in mapping.values() if _find_column(header, [fold(h) for h in header], column) is None]
    columns = _Columns(header, {**{k: v for k, v in aliases.items() if k not in mapping}, **mapping})
    if missing:
        raise UnreadableFile(
            f"No column {', '.join(f'“{name}”' for name in missing)} in this file; its columns are {columns.listing()}."
        )
    return columns


def _read_day(text: str) -> date | None:
    """A calendar day as exports write it: "12 Mar 2021", "2021-03-12", "Mar 12, 2021", "3/12/21" (US)."""
    text = " ".join(text.split())
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    for form in _DAY_FORMATS:
        try:
            return datetime.strptime(text, form).date()  # noqa: DTZ007 - a calendar day, no time of day
        except ValueError:
            continue
    slash = _SLASH_DATE.fullmatch(text)
    if slash:
        return _slash_day(slash, day_first=False)
    return None


def _at_noon_utc(day: date) -> datetime:
    return datetime.combine(day, NOON, UTC)


def _clean_email(text: str) -> str | None:
    text = text.strip().removeprefix("mailto:").strip()
    return text if "@" in text and " " not in text else None


def _contact_row(line: int, values: Mapping[str, str], problem: str | None = None) -> ContactRow:
    """One person's row. A name or company too long for its column skips the row (cut, it would be
    someone else); a title too long is cut; an e-mail, phone or profile address too long is left out."""
    name = values.get("name") or " ".join(filter(None, (values.get("first_name"), values.get("last_name"))))
    notes: list[str] = []
    email_text = values.get("email", "")
    email = _clean_email(email_text)
    if email is not None and not EMAIL.fits(email):
        email = None
        notes.append(f"{EMAIL.over}, left out")
    elif email_text and email is None:
        notes.append(f"e-mail “{cut(email_text, 80)}” not understood, left out")
    connected_text = values.get("connected_on", "")
    day = _read_day(connected_text)
    if connected_text and day is None:
        notes.append(f"connection date “{cut(connected_text, 80)}” not understood, left empty")
    company = values.get("company") or None
    title = values.get("title") or None
    if title is not None and not JOB_TITLE.fits(title):
        title = cut(title, JOB_TITLE.limit)
        notes.append(f"{JOB_TITLE.over}, cut")
    optional = {"phone": (values.get("phone") or None, PHONE), "url": (values.get("url") or None, PROFILE_URL)}
    kept: dict[str, str | None] = {}
    for key, (value, limit) in optional.items():
        kept[key] = value if value is None or limit.fits(value) else None
        if value is not None and kept[key] is None:
            notes.append(f"{limit.over}, left out")
    if problem is None and not name:
        problem = "no name"
    elif problem is None and not CONTACT_NAME.fits(name):
        problem, name = CONTACT_NAME.over, cut(name, 80)
    elif problem is None and company is not None and not COMPANY_NAME.fits(company):
        problem = COMPANY_NAME.over
    return ContactRow(
        line=line,
        name=name or email or kept["url"] or kept["phone"] or cut(company or "", 80),
        company=company,
        title=title,
        email=email,
        phone=kept["phone"],
        profile_url=kept["url"],
        connected_on=_at_noon_utc(day) if day else None,
        problem=problem,
        note="; ".join(notes) or None,
    )


@_bulk
def read_linkedin(data: bytes) -> list[ContactRow]:
    """LinkedIn's Connections.csv as it comes: the "Notes:" lines, a blank line, then the header.

    Rows without a name are kept with a `problem`; "Connected On" ("12 Mar 2021") becomes noon UTC.
    """
    records = _records(decode(data))
    for record in records:
        folded = [fold(cell) for cell in record.cells]
        if "first name" in folded and "last name" in folded:
            columns = _Columns(record.cells, _LINKEDIN_COLUMNS_BY_FIELD)
            break
    else:
        raise UnreadableFile(
            "This is not LinkedIn's connections export: no header line "
            f"“{LINKEDIN_HEADER}” was found. Download it from LinkedIn: "
            "Settings › Data privacy › Get a copy of your data › Connections."
        )
    return [_contact_row(r.line, _values(columns, r.cells), columns.check_width(r.cells)) for r in records]


_LINKEDIN_COLUMNS_BY_FIELD: Final = {field_name: column for column, field_name in _LINKEDIN_COLUMNS.items()}


def _values(columns: _Columns, cells: Sequence[str]) -> dict[str, str]:
    return {field_name: columns.get(cells, field_name) for field_name in columns.index}


@_bulk
def read_contacts_csv(data: bytes, mapping: Mapping[str, str] | None = None) -> list[ContactRow]:
    """A CRM's contacts export: a header line, then one person per row; `mapping` says which column is which.

    Without a mapping, the usual column names are recognised ("Full Name", "E-mail", "Company", …).
    """
    text = decode(data)
    records = _records(text, _delimiter(text.split("\n", 1)[0]))
    header = next(records, None)
    if header is None:
        raise UnreadableFile("The file has no header line.")
    columns = _resolve_columns(header.cells, mapping or {}, _CONTACT_ALIASES)
    if "name" not in columns.index and not {"first_name", "last_name"} & columns.index.keys():
        raise UnreadableFile(
            f"No name column found; its columns are {columns.listing()}. "
            "Say which it is, e.g. --map name=Full Name (or first_name=…,last_name=…)."
        )
    return [_contact_row(r.line, _values(columns, r.cells), columns.check_width(r.cells)) for r in records]


@_bulk
def read_vcards(data: bytes) -> list[ContactRow]:
    """vCard 2.1, 3.0 and 4.0 files as phones and mail programs export them, several cards per file.

    Folded lines, quoted-printable values (with their soft line breaks and CHARSET), escapes and
    item groups (item1.EMAIL) are read; photos and everything else are ignored.
    """
    cards = list(_split_cards(decode(data)))
    if not cards:
        raise UnreadableFile("No contact card in this file: a vCard file has BEGIN:VCARD … END:VCARD blocks.")
    rows: list[ContactRow] = []
    for line, lines, complete in cards:
        if not complete:
            rows.append(ContactRow(line=line, name="", problem="the card is cut short (no END:VCARD)"))
            continue
        rows.append(_card_row(line, _card_properties(lines)))
    return rows


def _split_cards(text: str) -> Iterator[tuple[int, list[str], bool]]:
    """(line of BEGIN:VCARD, the lines inside the card, whether it ends) for each card of a file."""
    start: int | None = None
    lines: list[str] = []
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if start is None:
            if _CARD_BEGIN.fullmatch(line):
                start, lines = number, []
        elif _CARD_END.fullmatch(line):
            yield start, lines, True
            start = None
        else:
            lines.append(line)
    if start is not None:
        yield start, lines, False


@dataclass(frozen=True, slots=True)
class _Property:
    """One vCard property: `name` upper case, `params` keyed upper case (bare 2.1 params as TYPE)."""

    group: str
    name: str
    params: dict[str, list[str]]
    value: str

    @property
    def types(self) -> set[str]:
        found = {part.strip().lower() for value in self.params.get("TYPE", []) for part in value.split(",")}
        return found | ({"pref"} if "PREF" in self.params else set())


def _card_properties(lines: Sequence[str]) -> list[_Property]:
    """The properties of a card: lines unfolded, quoted-printable soft breaks joined, values decoded.

    Linear in the card's length however long a folded line is: each property's pieces are kept in a
    list and joined once (adding to a string would copy it for every one of its continuation lines).
    """
    logical: list[_UnfoldedLine] = []
    for line in lines:
        current = logical[-1] if logical else None
        if current is not None and current.soft_break():
            current.add(line, drop_last_character=True)  # a quoted-printable soft line break
        elif current is not None and line[:1] in (" ", "\t"):
            current.add(line[1:])  # a folded line (RFC 6350 §3.2)
        elif line.strip():
            logical.append(_UnfoldedLine(line))
    return [prop for unfolded in logical if (prop := _parse_property(unfolded.text())) is not None]


class _UnfoldedLine:
    """One property's text as its lines are unfolded: its pieces, and what a soft break depends on.

    A quoted-printable soft break is a line ending in "=" in a property whose name and parameters
    (the text before the first ":") say QUOTED-PRINTABLE. Both are followed piece by piece, so that
    no piece is looked at twice.
    """

    __slots__ = ("_head_ended", "_head_tail", "_pieces", "_quoted_printable")

    def __init__(self, first: str) -> None:
        self._pieces: list[str] = []
        self._head_ended = False
        self._head_tail = ""  # the end of the head read so far: the marker may straddle two pieces
        self._quoted_printable = False
        self.add(first)

    def add(self, piece: str, drop_last_character: bool = False) -> None:
        if drop_last_character:  # every piece kept is non-empty: the last one ends the text
            self._pieces[-1] = self._pieces[-1][:-1]
            if not self._pieces[-1]:
                self._pieces.pop()
        if not piece:
            return
        self._pieces.append(piece)
        if not self._head_ended:
            head, colon, _ = piece.partition(":")
            window = self._head_tail + head
            self._quoted_printable = self._quoted_printable or bool(_QUOTED_PRINTABLE.search(window))
            self._head_tail = window[-(len(_QUOTED_PRINTABLE.pattern) - 1) :]
            self._head_ended = bool(colon)

    def soft_break(self) -> bool:
        return self._quoted_printable and self._pieces[-1].endswith("=")

    def text(self) -> str:
        return "".join(self._pieces)


def _parse_property(text: str) -> _Property | None:
    head, *rest = _split_unquoted(text, ":", once=True)
    if not rest:
        return None
    value = rest[0]
    name, *raw_params = _split_unquoted(head, ";")
    group, _, name = name.rpartition(".")
    params: dict[str, list[str]] = defaultdict(list)
    for raw in raw_params:
        key, equals, param_value = raw.partition("=")
        if not equals:  # vCard 2.1 writes bare parameters: TEL;CELL;PREF, EMAIL;QUOTED-PRINTABLE
            bare = key.strip().upper()
            key, param_value = ("ENCODING" if bare in _BARE_ENCODINGS else "TYPE"), bare
        params[key.strip().upper()].append(param_value.strip().strip('"'))
    encoding = {v.upper() for v in params.get("ENCODING", [])}
    if encoding & {"B", "BASE64"}:
        value = ""  # photos, sounds, keys: not needed
    elif "QUOTED-PRINTABLE" in encoding:
        charset = (params.get("CHARSET") or ["utf-8"])[0]
        raw_bytes = quopri.decodestring(value.encode("utf-8"))
        try:
            value = raw_bytes.decode(charset, errors="replace")
        except LookupError:
            value = raw_bytes.decode("utf-8", errors="replace")
    return _Property(group=group, name=name.strip().upper(), params=dict(params), value=value)


def _split_unquoted(text: str, separator: str, once: bool = False) -> list[str]:
    """Split on a separator outside double quotes (parameter values may quote ':' and ';')."""
    parts: list[str] = []
    start, quoted = 0, False
    for index, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch == separator and not quoted:
            parts.append(text[start:index])
            start = index + 1
            if once:
                break
    parts.append(text[start:])
    return parts


def _unescape_vcard(text: str) -> str:
    return " ".join(_VCARD_ESCAPE.sub(lambda m: _VCARD_ESCAPES.get(m[1], m[1]), text).split())


def _components(value: str) -> list[str]:
    """The parts of a structured value (N, ORG), split on unescaped semicolons."""
    return [_unescape_vcard(part) for part in re.split(r"(?<!\\);", value)]


def _card_row(line: int, properties: Sequence[_Property]) -> ContactRow:
    def first(name: str) -> str:
        return next((text for p in properties if p.name == name and (text := _unescape_vcard(p.value))), "")

    org = next((parts[0] for p in properties if p.name == "ORG" and (parts := _components(p.value)) and parts[0]), "")
    if first("X-ABSHOWAS").upper() == "COMPANY":  # Apple's card for a company, not a person
        return ContactRow(line=line, name=org or first("FN"), problem="a card for a company, not a person")
    name = first("FN")
    if not name:
        n = next((_components(p.value) for p in properties if p.name == "N"), [])
        family, given, additional, prefix, suffix = (n + [""] * 5)[:5]
        name = " ".join(" ".join((prefix, given, additional, family, suffix)).split())
    profile = next(
        (
            _unescape_vcard(p.value)
            for p in properties
            if p.name in ("X-SOCIALPROFILE", "URL") and ("linkedin" in p.value.lower() or "linkedin" in p.types)
        ),
        "",
    )
    values = {
        "name": name,
        "company": org,
        "title": first("TITLE"),
        "email": _preferred([p for p in properties if p.name == "EMAIL"], ("pref",)),
        "phone": _preferred([p for p in properties if p.name == "TEL"], ("pref", "cell", "mobile", "work")),
        "url": profile,
    }
    values["phone"] = values["phone"].removeprefix("tel:")
    return _contact_row(line, {key: value for key, value in values.items() if value})


def _preferred(properties: Sequence[_Property], preferences: Sequence[str]) -> str:
    """The value marked preferred (TYPE=pref, PREF=1), else of the first preferred kind, else the first."""
    usable = [(p, text) for p in properties if (text := _unescape_vcard(p.value))]
    for preference in preferences:
        for prop, text in usable:
            if preference in prop.types:
                return text
    return usable[0][1] if usable else ""


@_bulk
def read_interactions_csv(data: bytes, mapping: Mapping[str, str] | None = None) -> list[InteractionRow]:
    """A CRM's activities export: one interaction per row (member, contact, when, channel, direction, …).

    Dates may mix ISO forms ("2026-03-14 15:30", with or without an offset) and day/month forms
    ("14/03/2026"); whether the latter put the day or the month first is decided once for the file.
    A direction that is empty or not understood is left unknown (it never counts as one-sided).
    """
    text = decode(data)
    records = list(_records(text, _delimiter(text.split("\n", 1)[0])))
    if not records:
        raise UnreadableFile("The file has no header line.")
    header, body = records[0], records[1:]
    columns = _resolve_columns(header.cells, mapping or {}, _INTERACTION_ALIASES)
    needed = [name for name in ("when", "channel") if name not in columns.index]
    if "contact" not in columns.index and "email" not in columns.index:
        needed.insert(0, "contact")
    if needed:
        raise UnreadableFile(
            f"No column for {', '.join(needed)}; its columns are {columns.listing()}. "
            f"Say which they are, e.g. --map {','.join(f'{name}=Column' for name in needed)}."
        )
    pick = columns.picker(INTERACTION_FIELDS)
    day_first = _day_first(pick(r.cells)[4] for r in body)
    # Exports repeat the same members, contacts, dates, channels and durations on many rows:
    # each distinct text is read once, and equal strings are kept once in memory.
    moments: dict[str, FileMoment | None] = {}
    channels: dict[str, Channel | None] = {}
    initiators: dict[str, Initiator | None] = {}
    durations: dict[str, int | None] = {}
    names: dict[str, str] = {}
    rows: list[InteractionRow] = []
    for record in body:
        cells = record.cells
        member, contact, email_text, company, when_text, channel_text, direction, duration_text, notes = pick(cells)
        if (when := moments.get(when_text, _UNSEEN)) is _UNSEEN:
            when = moments[when_text] = _read_moment(when_text, day_first)
        if (channel := channels.get(channel_text, _UNSEEN)) is _UNSEEN:
            channel = channels[channel_text] = _CHANNEL_NAMES.get(_fold(channel_text))
        if (initiator := initiators.get(direction, _UNSEEN)) is _UNSEEN:
            initiator = initiators[direction] = _initiator(direction)
        if (minutes := durations.get(duration_text, _UNSEEN)) is _UNSEEN:
            minutes = durations[duration_text] = _minutes(duration_text)
        if (name := names.get(contact)) is None:
            name = names[contact] = " ".join(contact.split())
        if (firm := names.get(company)) is None:
            firm = names[company] = " ".join(company.split())
        if (who := names.get(member)) is None:
            who = names[member] = member.strip()
        email = _clean_email(email_text) if email_text else None
        problem = columns.check_width(cells) if len(cells) > len(columns.header) else None
        if problem is None:
            if not name and not email:
                problem = "no contact"
            elif not CONTACT_NAME.fits(name):
                problem, name = CONTACT_NAME.over, cut(name, 80)
            elif firm and not COMPANY_NAME.fits(firm):
                problem = COMPANY_NAME.over
            elif email and not EMAIL.fits(email):
                problem, email = EMAIL.over, None
            elif not when_text.strip():
                problem = "no date"
            elif when is None:
                problem = f"date “{when_text.strip()}” not understood"
            elif channel is None:
                shown = channel_text.strip()
                problem = f"unknown channel “{shown}” (use {_CHANNEL_CHOICES})" if shown else "no channel"
        rows.append(
            InteractionRow(
                line=record.line,
                member=who,
                contact=name,
                company=firm or None,
                email=email,
                when=cast(FileMoment | None, when),
                channel=cast(Channel | None, channel),
                initiator=cast(Initiator | None, initiator),
                duration_minutes=cast(int | None, minutes),
                notes=notes.strip(),
                problem=problem,
            )
        )
    return rows


def _initiator(text: str) -> Initiator | None:
    key = _fold(text)
    if key in _OUTBOUND:
        return Initiator.ME
    if key in _INBOUND:
        return Initiator.THEM
    return None


def _minutes(text: str) -> int | None:
    """Minutes in "30", "45 min", "1h30", "0:45", "01:30:00"; None when empty or not understood."""
    text = text.strip().lower()
    if not text:
        return None
    if _MINUTES.fullmatch(text):
        return round(float(text.replace(",", ".")))
    clock = re.fullmatch(r"(\d{1,2}):([0-5]\d)(?::([0-5]\d))?", text)
    if clock:
        return int(clock[1]) * 60 + int(clock[2]) + (1 if clock[3] and int(clock[3]) >= 30 else 0)
    return parse_duration(text)


def _day_first(texts: Iterable[str]) -> bool:
    """Whether a file's "03/04/2026" dates put the day first: yes if any reads "25/12", no if any "12/25"."""
    day_first = month_first = False
    for text in texts:
        match = _SLASH_DATE.match(text.strip())
        if match:
            a, b = int(match["a"]), int(match["b"])
            day_first = day_first or a > 12
            month_first = month_first or b > 12
    return day_first and not month_first


def _read_moment(text: str, day_first: bool) -> FileMoment | None:
    """When a row says it happened; None when it cannot be read or its year is out of bounds.

    Years before EARLIEST_YEAR or after LATEST_YEAR are slips (and near the ends of the calendar,
    moving between time zones overflows).
    """
    moment = _moment_as_written(" ".join(text.split()), day_first)
    if moment is None or not EARLIEST_YEAR <= moment.day.year <= LATEST_YEAR:
        return None
    return moment


def _moment_as_written(text: str, day_first: bool) -> FileMoment | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        pass
    else:
        has_time = len(text) > 10
        return FileMoment(moment.date(), moment.timetz() if has_time else None)
    slash = _SLASH_DATE.fullmatch(text)
    if slash:
        day = _slash_day(slash, day_first)
        if day is None:
            return None
        if slash["hour"] is None:
            return FileMoment(day)
        hour = int(slash["hour"])
        if slash["half"]:
            hour = hour % 12 + (12 if slash["half"].lower() == "pm" else 0)
        try:
            return FileMoment(day, time(hour, int(slash["minute"]), int(slash["second"] or 0)))
        except ValueError:
            return None
    day = _read_day(text)
    if day is not None:
        return FileMoment(day)
    if _LONG_NUMBER.search(text):
        return None  # dateutil would try it as hours or a year, and may overflow
    try:
        parsed = parse_datetime(text, dayfirst=day_first)
    except (ParserError, ValueError, ArithmeticError):
        return None
    return FileMoment(parsed.date(), parsed.timetz())


def _slash_day(match: re.Match[str], day_first: bool) -> date | None:
    first, second, year = int(match["a"]), int(match["b"]), int(match["year"])
    if year < 100:
        year += 2000
    day, month = (first, second) if day_first else (second, first)
    try:
        return date(year, month, day)
    except ValueError:
        return None


# --- Who is who: the workspace's contacts, loaded once ----------------------------------------


@dataclass(slots=True)
class _Person:
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


class _People:
    """The workspace's contacts and accounts in dictionaries: one query to load, none per row."""

    def __init__(self, session: Session, workspace_id: int) -> None:
        self.session = session
        self.workspace_id = workspace_id
        self.account_ids: dict[str, int] = {}
        self.new_accounts: dict[str, str] = {}
        self.by_email: dict[str, _Person] = {}
        self.by_name: dict[str, list[_Person]] = defaultdict(list)
        self.new: list[_Person] = []
        self.everyone: list[_Person] = []
        for account_id, key in session.execute(
            select(Account.id, Account.name_key).where(Account.workspace_id == workspace_id)
        ):
            self.account_ids[key] = account_id
        query = (
            select(
                Contact.id,
                Contact.name,
                Contact.name_key,
                Account.name_key,
                Contact.email,
                Contact.job_title,
                Contact.phone,
                Contact.profile_url,
            )
            .outerjoin(Account, Account.id == Contact.account_id)
            .where(Contact.workspace_id == workspace_id)
            .order_by(Contact.id)
        )
        for row in session.execute(query):
            self._remember(_Person(*row))

    def _remember(self, person: _Person) -> None:
        self.everyone.append(person)
        self.by_name[person.name_key].append(person)
        if person.email:
            self.by_email.setdefault(person.email.lower(), person)

    def account_key(self, company: str | None) -> str | None:
        if not company:
            return None
        key = _fold(company)
        if not key:
            return None
        if key not in self.account_ids and key not in self.new_accounts:
            self.new_accounts[key] = company
        return key

    def find(self, name_key: str, account_key: str | None, email: str | None) -> tuple[_Person, str] | None:
        """The contact a row means, and how it was recognised; None when it is someone new."""
        if email and (person := self.by_email.get(email.lower())):
            return person, "same e-mail"
        namesakes = self.by_name.get(name_key, [])
        if account_key is not None:
            chosen = next((p for p in namesakes if p.account_key == account_key), None)
            chosen = chosen or next((p for p in namesakes if p.account_key is None), None)
            return (chosen, "same name and company" if chosen.account_key else "same name") if chosen else None
        chosen = next((p for p in namesakes if p.account_key is None), None)
        if chosen is None and len(namesakes) == 1:
            chosen = namesakes[0]
        return (chosen, "same name") if chosen else None

    def create(self, line: int, name: str, account_key: str | None, **fields: str | None) -> _Person:
        person = _Person(
            id=None,
            name=" ".join(name.split()),
            name_key=_fold(name),
            account_key=account_key,
            email=fields.get("email"),
            job_title=fields.get("job_title"),
            phone=fields.get("phone"),
            profile_url=fields.get("profile_url"),
            created_line=line,
        )
        self.new.append(person)
        self._remember(person)
        return person

    def fill(self, person: _Person, account_key: str | None, **fields: str | None) -> list[str]:
        """Fill the person's empty fields from a row; the names of the fields filled."""
        filled: list[str] = []
        for name, label in (("job_title", "title"), ("email", "e-mail"), ("phone", "phone"), ("profile_url", "URL")):
            value = fields.get(name)
            if value and not getattr(person, name):
                setattr(person, name, value)
                filled.append(label)
                if name == "email":
                    self.by_email.setdefault(value.lower(), person)
        if account_key and person.account_key is None:
            person.account_key = account_key
            filled.append("company")
        if person.id is not None:
            person.filled.update(filled)
        return filled

    def write(self, created_by: int | None, now: datetime) -> None:
        """Insert the new accounts and contacts (with their name index) and update the filled ones."""
        session, workspace_id = self.session, self.workspace_id
        if self.new_accounts:
            rows: list[dict[str, Any]] = [
                {"workspace_id": workspace_id, "name": " ".join(name.split()), "name_key": key, "created_at": now}
                for key, name in self.new_accounts.items()
            ]
            ids = _insert_rows(session, _table(Account), rows, want_ids=True)
            self.account_ids.update({row["name_key"]: account_id for row, account_id in zip(rows, ids, strict=True)})
            named = ((self.account_ids[key], name) for key, name in self.new_accounts.items())
            _index_names(session, workspace_id, named, "account")
            self.new_accounts = {}
        if self.new:
            rows = [
                {
                    "workspace_id": workspace_id,
                    "name": person.name,
                    "name_key": person.name_key,
                    "email": person.email,
                    "account_id": self.account_ids[person.account_key] if person.account_key else None,
                    "job_title": person.job_title,
                    "phone": person.phone,
                    "profile_url": person.profile_url,
                    "created_by_member_id": created_by,
                    "created_at": now,
                }
                for person in self.new
            ]
            ids = _insert_rows(session, _table(Contact), rows, want_ids=True)
            for person, contact_id in zip(self.new, ids, strict=True):
                person.id = contact_id
            _index_names(session, workspace_id, ((cast(int, p.id), p.name) for p in self.new), "contact")
            self.new = []
        changed = [person for person in self.everyone if person.filled and person.id is not None]
        if changed:
            table = _table(Contact)
            statement = (
                update(table)
                .where(table.c.id == bindparam("person_id"))
                .values(
                    email=bindparam("new_email"),
                    job_title=bindparam("new_title"),
                    phone=bindparam("new_phone"),
                    profile_url=bindparam("new_url"),
                    account_id=bindparam("new_account"),
                )
            )
            session.execute(
                statement,
                [
                    {
                        "person_id": person.id,
                        "new_email": person.email,
                        "new_title": person.job_title,
                        "new_phone": person.phone,
                        "new_url": person.profile_url,
                        "new_account": self.account_ids[person.account_key] if person.account_key else None,
                    }
                    for person in changed
                ],
            )
            for person in changed:
                person.filled.clear()


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def _unindexed(column: SQLColumnExpression[int]) -> ColumnElement[int]:
    """A workspace column as a plain filter: without statistics, SQLite would otherwise walk the whole
    workspace through its workspace_id index instead of the few rows a chunk's ids point to."""
    return column + 0


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _index_names(session: Session, workspace_id: int, named: Iterable[tuple[int, str]], kind: str) -> None:
    """The typo-tolerant name index rows of new contacts or accounts (see WorkspaceRepository.index_name)."""
    column = "contact_id" if kind == "contact" else "account_id"
    other = "account_id" if kind == "contact" else "contact_id"
    rows = [
        {"workspace_id": workspace_id, "variant": variant, column: record_id, other: None}
        for record_id, name in named
        for variant in sorted(name_variants(name))
    ]
    _insert_rows(session, _table(NameIndexEntry), rows)


def _insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]], want_ids: bool = False) -> list[int]:
    """Insert many rows fast, in the session's transaction; the new ids in the order of `rows` when asked.

    PostgreSQL: COPY, with the ids reserved from the table's sequence first (executemany and
    multi-row VALUES spend most of their time in the driver). SQLite: executemany, which runs in C,
    and INSERT … RETURNING in parameter order when ids are wanted. Values go in as the columns'
    types take them: the datetimes are aware (COPY bypasses UTCDateTime, timestamptz needs no help).
    """
    if not rows:
        return []
    if session.get_bind().dialect.name != "postgresql":
        if want_ids:
            returning = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            return [i for chunk in _chunks(rows, WRITE_CHUNK) for i in session.scalars(returning, chunk).all()]
        for chunk in _chunks(rows, WRITE_CHUNK * 5):
            session.execute(insert(table), chunk)
        return []
    ids: list[int] = []
    if want_ids:
        reserve = sql_text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)")
        ids = list(session.scalars(reserve, {"table": table.name, "count": len(rows)}))
    columns = (["id"] if want_ids else []) + list(rows[0])
    driver = session.connection().connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            if want_ids:
                for new_id, row in zip(ids, rows, strict=True):
                    copy.write_row([new_id, *row.values()])
            else:
                for row in rows:
                    copy.write_row(list(row.values()))
    except Exception as error:
        drop_echoed_values(error)  # COPY goes around the engine: its errors would quote the failing line
        raise
    return ids


def _report(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None and (done % _PROGRESS_EVERY == 0 or done == total):
        progress(stage, done, total)


# --- Use case: contacts as reach --------------------------------------------------------------


@_bulk
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
    if source not in ("linkedin", "vcard", "csv"):
        raise ValueError(f"unknown source {source!r}")
    wanted_tags = parse_tags(" ".join(tags))
    created: list[RowOutcome] = []
    merged: list[RowOutcome] = []
    skipped: list[RowOutcome] = []
    with uow:
        session = uow.session
        repo = WorkspaceRepository.for_team(session, team_id)
        repo.serialize_writes()  # matching, then creating: no /logcall may create the same person meanwhile
        member = repo.get_or_create_member(member_slack_id)
        workspace_id, member_id = repo.workspace_id, member.id
        people = _People(session, workspace_id)
        ties: dict[int, tuple[int, datetime | None]] = {
            contact_id: (tie_id, connected_on)
            for tie_id, contact_id, connected_on in session.execute(
                select(Tie.id, Tie.contact_id, Tie.connected_on).where(
                    Tie.workspace_id == workspace_id, Tie.member_id == member_id
                )
            )
        }
        tagged = _existing_tags(session, workspace_id, wanted_tags)
        reach: dict[int, _Person] = {}  # id(person) → person: contacts to tie to the member
        connected: dict[int, datetime] = {}  # id(person) → connection date from the file
        to_tag: dict[int, _Person] = {}
        outcomes: list[tuple[list[RowOutcome], ContactRow, _Person, list[str]]] = []
        for done, row in enumerate(rows, start=1):
            _report(progress, "Matching rows", done, len(rows))
            if row.problem:
                skipped.append(RowOutcome(row.line, row.name, row.problem))
                continue
            account_key = people.account_key(row.company)
            fields = {"email": row.email, "job_title": row.title, "phone": row.phone, "profile_url": row.profile_url}
            found = people.find(_fold(row.name), account_key, row.email)
            if found is None:
                person = people.create(row.line, row.name, account_key, **fields)
                outcomes.append((created, row, person, ["new contact"]))
            else:
                person, how = found
                known_as = f"line {person.created_line}" if person.created_line is not None else "a known contact"
                filled = people.fill(person, account_key, **fields)
                outcomes.append(
                    (merged, row, person, [f"{how} as {known_as}"] + ([f"added {', '.join(filled)}"] if filled else []))
                )
            reach[id(person)] = person
            if row.connected_on is not None:
                earlier = connected.get(id(person))
                connected[id(person)] = min(earlier, row.connected_on) if earlier else row.connected_on
            if wanted_tags:
                to_tag[id(person)] = person
        people.write(member_id, now)

        new_ties, dated_ties = [], []
        for key, person in reach.items():
            contact_id = cast(int, person.id)
            tie = ties.get(contact_id)
            if tie is None:
                new_ties.append(
                    {
                        "workspace_id": workspace_id,
                        "member_id": member_id,
                        "contact_id": contact_id,
                        "source": source,
                        "connected_on": connected.get(key),
                        "strength": 0.0,
                        "interaction_count": 0,
                        "private": False,
                        "created_at": now,
                    }
                )
                ties[contact_id] = (0, connected.get(key))
            elif tie[1] is None and key in connected:
                dated_ties.append({"tie_id": tie[0], "since": connected[key]})
        _insert_rows(session, _table(Tie), new_ties)
        refresh_team_strength(session, [cast(int, row["contact_id"]) for row in new_ties])
        if dated_ties:
            table = _table(Tie)
            session.execute(
                update(table).where(table.c.id == bindparam("tie_id")).values(connected_on=bindparam("since")),
                dated_ties,
            )
        new_tags = [
            {"contact_id": person.id, "tag": tag}
            for person in to_tag.values()
            for tag in wanted_tags
            if (person.id, tag) not in tagged
        ]
        _insert_rows(session, contact_tags, new_tags)

        # What each row brought: the tie, its date and the tags are told on the person's first row only.
        tied_new = {row["contact_id"] for row in new_ties}
        dated = {entry["tie_id"] for entry in dated_ties}
        tags_added = {entry["contact_id"] for entry in new_tags}
        for bucket, row, person, parts in outcomes:
            contact_id = cast(int, person.id)
            if contact_id in tied_new:
                tied_new.discard(contact_id)
                if bucket is merged:
                    parts.append("now in your reach")
            elif ties[contact_id][0] in dated:
                dated.discard(ties[contact_id][0])
                parts.append("connection date added")
            if contact_id in tags_added:
                tags_added.discard(contact_id)
                parts.append(f"tagged {', '.join(wanted_tags)}")
            if bucket is merged and len(parts) == 1:
                parts.append("nothing new")
            if row.note:
                parts.append(row.note)
            bucket.append(RowOutcome(row.line, row.name, "; ".join(parts)))
        if not dry_run:
            uow.commit()
    return ImportReport(created=created, merged=merged, skipped=skipped, dry_run=dry_run)


def _existing_tags(session: Session, workspace_id: int, tags: Sequence[str]) -> set[tuple[int, str]]:
    if not tags:
        return set()
    query = (
        select(contact_tags.c.contact_id, contact_tags.c.tag)
        .join(Contact, Contact.id == contact_tags.c.contact_id)
        .where(Contact.workspace_id == workspace_id, contact_tags.c.tag.in_(tags))
    )
    return {(contact_id, tag) for contact_id, tag in session.execute(query)}


# --- Use case: past interactions --------------------------------------------------------------


def request_key(
    member_slack_id: str, row: InteractionRow, occurred_at: datetime, time_given: bool, channel: Channel
) -> str:
    """The idempotency key of an imported interaction: a hash of the row, normalised."""
    normalised = "\x1f".join(
        (
            member_slack_id,
            _fold(row.contact),
            _fold(row.company or ""),
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


@dataclass(slots=True)
class _Pending:
    row: InteractionRow
    member_id: int
    person: _Person
    occurred_at: datetime
    time_given: bool
    key: str


@_bulk
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
    created: list[RowOutcome] = []
    skipped: list[RowOutcome] = []
    warnings: list[str] = []
    with uow:
        session = uow.session
        repo = WorkspaceRepository.for_team(session, team_id)
        repo.serialize_writes()  # matching, then creating: no /logcall may create the same person meanwhile
        workspace_id = repo.workspace_id
        uploader = repo.get_or_create_member(owner) if owner is not None else None
        members_by_id: dict[str, Member] = {}
        members_by_email: dict[str, Member] = {}
        for member in session.scalars(select(Member).where(Member.workspace_id == workspace_id).order_by(Member.id)):
            members_by_id[member.slack_user_id] = member
            if member.email:
                members_by_email.setdefault(member.email.lower(), member)
        known_before = set(members_by_id)
        zones: dict[int, ZoneInfo] = {}
        people = _People(session, workspace_id)
        pending: list[tuple[InteractionRow, int, datetime, str]] = []
        seen: dict[str, int] = {}
        for done, row in enumerate(rows, start=1):
            _report(progress, "Matching rows", done, len(rows))
            if row.problem or row.when is None or row.channel is None:
                skipped.append(RowOutcome(row.line, row.label, row.problem or "incomplete row"))
                continue
            if uploader is not None:
                member_or_reason = _owned(uploader, row.member.strip())
            else:
                who = row.member.strip() or (default_member or "")
                member_or_reason = _find_member(repo, who, members_by_id, members_by_email)
            if isinstance(member_or_reason, str):
                skipped.append(RowOutcome(row.line, row.label, member_or_reason))
                continue
            member = member_or_reason
            zone = zones.get(member.id) or zones.setdefault(member.id, _zone(member.time_zone))
            occurred_at = row.when.at(zone)
            if occurred_at > now and row.when.clock is None and row.when.day == now.astimezone(zone).date():
                occurred_at = now  # today, no time of day: noon may be still to come
            if occurred_at > now + timedelta(minutes=1):
                skipped.append(RowOutcome(row.line, row.label, "in the future: not a past interaction"))
                continue
            key = request_key(member.slack_user_id, row, occurred_at, row.when.clock is not None, row.channel)
            if key in seen:
                skipped.append(RowOutcome(row.line, row.label, f"same interaction as line {seen[key]}"))
                continue
            seen[key] = row.line
            pending.append((row, member.id, occurred_at, key))

        known = _known_keys(session, workspace_id, [key for *_, key in pending])
        fresh: list[_Pending] = []
        for row, member_id, occurred_at, key in pending:
            if key in known:
                skipped.append(RowOutcome(row.line, row.label, "already imported"))
                continue
            account_key = people.account_key(row.company)
            found = people.find(_fold(row.contact or cast(str, row.email)), account_key, row.email)
            if found is None:
                person = people.create(row.line, row.contact or cast(str, row.email), account_key, email=row.email)
            else:
                person = found[0]
                people.fill(person, account_key, email=row.email)
            fresh.append(
                _Pending(row, member_id, person, occurred_at, row.when is not None and row.when.clock is not None, key)
            )
            created.append(
                RowOutcome(
                    row.line, row.label, "recorded; new contact" if person.created_line == row.line else "recorded"
                )
            )
        people.write(None, now)
        touched = {(p.member_id, cast(int, p.person.id)) for p in fresh}
        _create_ties(session, workspace_id, touched, now)
        # The ties' earlier interactions are read before the new ones go in; those are added from
        # memory, so that a million imported rows are never read back.
        histories = _histories(session, workspace_id, touched)
        _record(session, workspace_id, fresh, now, progress)
        for p in fresh:
            channel, initiator = cast(Channel, p.row.channel), p.row.initiator
            histories[(p.member_id, cast(int, p.person.id))].append(
                (p.occurred_at, channel.value, p.row.duration_minutes, initiator.value if initiator else None)
            )
        _refresh_ties(session, workspace_id, histories, now, progress)
        refresh_team_strength(session, {contact_id for _, contact_id in touched})

        skipped.sort(key=lambda outcome: outcome.line)
        new_members = sorted(set(members_by_id) - known_before)
        if new_members:
            warnings.append(f"new member(s) from the file's Slack ids: {', '.join(new_members)}")
        if not dry_run:
            uow.commit()
    return ImportReport(created=created, merged=[], skipped=skipped, warnings=warnings, dry_run=dry_run)


def _owned(uploader: Member, who: str) -> Member | str:
    """The uploader, when the row names no one or names them (Slack id or e-mail); else why it is skipped."""
    if not who or who == uploader.slack_user_id:
        return uploader
    if "@" in who and uploader.email and who.lower() == uploader.email.lower():
        return uploader
    return f"names “{cut(who, 80)}”, not you: an upload in Slack imports your own interactions only"


def _find_member(
    repo: WorkspaceRepository, who: str, by_id: dict[str, Member], by_email: dict[str, Member]
) -> Member | str:
    """The member a row names (Slack id or e-mail), or why there is none."""
    if not who:
        return "no member: the row names none (give --member for such rows)"
    if "@" in who:
        member = by_email.get(who.lower())
        return member or f"unknown member “{who}”: no member of the workspace has this e-mail"
    if _SLACK_USER_ID.fullmatch(who):
        member = by_id.get(who)
        if member is None:
            member = by_id[who] = repo.get_or_create_member(who)
        return member
    return f"unknown member “{who}”: give their Slack id (U…) or e-mail"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _known_keys(session: Session, workspace_id: int, keys: Sequence[str]) -> set[str]:
    """The keys among these that earlier imports recorded (none to look up when nothing was imported yet)."""
    imported_before = session.scalar(
        select(Interaction.id)
        .where(
            Interaction.workspace_id == workspace_id,
            Interaction.request_key >= REQUEST_KEY_PREFIX,
            Interaction.request_key < REQUEST_KEY_PREFIX[:-1] + chr(ord(REQUEST_KEY_PREFIX[-1]) + 1),
        )
        .limit(1)
    )
    if imported_before is None:
        return set()
    known: set[str] = set()
    for chunk in _chunks(keys, LOOKUP_CHUNK):
        known.update(
            session.scalars(
                select(Interaction.request_key).where(
                    Interaction.workspace_id == workspace_id, _among(session, Interaction.request_key, chunk)
                )
            )
        )
    return known


def _among(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL one array parameter, cheaper to send and plan than thousands."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(ColumnElement[bool], column == any_(literal(list(values), ARRAY(column.type))))
    return cast(ColumnElement[bool], column.in_(values))


def _create_ties(session: Session, workspace_id: int, pairs: set[tuple[int, int]], now: datetime) -> None:
    """Ties for the (member, contact) pairs that have none yet, from imported interactions."""
    members = {member_id for member_id, _ in pairs}
    existing: set[tuple[int, int]] = set()
    for chunk in _chunks(sorted(members), LOOKUP_CHUNK):
        existing.update(
            (member_id, contact_id)
            for member_id, contact_id in session.execute(
                select(Tie.member_id, Tie.contact_id).where(Tie.workspace_id == workspace_id, Tie.member_id.in_(chunk))
            )
        )
    rows = [
        {
            "workspace_id": workspace_id,
            "member_id": member_id,
            "contact_id": contact_id,
            "source": IMPORT_SOURCE,
            "strength": 0.0,
            "interaction_count": 0,
            "private": False,
            "created_at": now,
        }
        for member_id, contact_id in sorted(pairs - existing)
    ]
    _insert_rows(session, _table(Tie), rows)


def _record(
    session: Session, workspace_id: int, fresh: Sequence[_Pending], now: datetime, progress: Progress | None
) -> None:
    """Insert the interactions and their contact rows in batches (no ORM objects)."""
    for start in range(0, len(fresh), WRITE_CHUNK):
        chunk = fresh[start : start + WRITE_CHUNK]
        rows = [
            {
                "workspace_id": workspace_id,
                "member_id": p.member_id,
                "request_key": p.key,
                "occurred_at": p.occurred_at,
                "time_given": p.time_given,
                "duration_minutes": p.row.duration_minutes,
                "channel": cast(Channel, p.row.channel).value,
                "initiator": p.row.initiator.value if p.row.initiator else None,
                "notes": p.row.notes,
                "source": IMPORT_SOURCE,
                "created_at": now,
            }
            for p in chunk
        ]
        ids = _insert_rows(session, _table(Interaction), rows, want_ids=True)
        links = [{"interaction_id": i, "contact_id": p.person.id} for i, p in zip(ids, chunk, strict=True)]
        _insert_rows(session, interaction_contacts, links)
        if progress is not None:
            progress("Recording", start + len(chunk), len(fresh))


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
    for chunk in _chunks(sorted({contact_id for _, contact_id in pairs}), LOOKUP_CHUNK):
        base = (
            select(*columns)
            .join(Interaction, Interaction.id == interaction_contacts.c.interaction_id)
            .where(
                _unindexed(Interaction.workspace_id) == workspace_id,
                _among(session, interaction_contacts.c.contact_id, chunk),
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


def _refresh_ties(
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
            Tie.workspace_id == workspace_id, _among(session, Tie.member_id, member_ids)
        )
    ):
        mine[member_id].add(contact_id)
    by_contact: dict[int, list[int]] = defaultdict(list)
    for member_id, contact_id in histories:
        by_contact[contact_id].append(member_id)
    colleagues: dict[int, frozenset[int]] = {}
    shared_at_account: dict[tuple[int, int], int] = {}
    done = 0
    table = _table(Tie)
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
    for chunk in _chunks(sorted(by_contact), SCORING_CHUNK):
        contacts = {
            row.id: row
            for row in session.execute(
                select(Contact.id, Contact.account_id, Contact.job_title, Contact.responsibilities).where(
                    Contact.workspace_id == workspace_id, _among(session, Contact.id, chunk)
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
                    _among(session, Tie.contact_id, chunk),
                    _among(session, Tie.member_id, member_ids),
                )
            )
        }
        links: dict[int, set[int]] = defaultdict(set)
        pair = select(ContactLink.contact_a_id, ContactLink.contact_b_id)
        in_workspace = _unindexed(ContactLink.workspace_id) == workspace_id
        for query in (
            pair.where(in_workspace, _among(session, ContactLink.contact_a_id, chunk)),
            pair.where(in_workspace, _among(session, ContactLink.contact_b_id, chunk)),
        ):
            for low, high in session.execute(query):
                links[low].add(high)
                links[high].add(low)
        accounts = {c.account_id for c in contacts.values() if c.account_id is not None} - colleagues.keys()
        grouped: dict[int, set[int]] = defaultdict(set)
        for chunk_of_accounts in _chunks(sorted(accounts), LOOKUP_CHUNK):
            for contact_id, account_id in session.execute(
                select(Contact.id, Contact.account_id).where(
                    _unindexed(Contact.workspace_id) == workspace_id,
                    _among(session, Contact.account_id, chunk_of_accounts),
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


# --- One entry point for the command line and Slack --------------------------------------------


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
    (see `import_interactions`). The command line gives `member` (--member): whose contacts these
    are, or who did what an activities row does not say.
    """
    if owner is not None and member is not None:
        raise ValueError("an upload belongs to its owner: give `owner` or `member`, not both")
    fields = INTERACTION_FIELDS if kind == "interactions" else CONTACT_FIELDS
    columns = parse_mapping(mapping, fields)
    member = owner or member
    if kind != "interactions" and not member:
        raise UsageError("Say whose contacts these are: --member U… (their Slack user id).", Usage.IMPORT)
    if member and not _SLACK_USER_ID.fullmatch(member):
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
    """The Slack team of the database's only workspace; with none or several, say which to name."""
    with uow:
        teams = list(uow.session.scalars(select(Workspace.slack_team_id).order_by(Workspace.slack_team_id)))
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise UsageError(
            "No workspace in the database yet: say which with --team T… (your Slack team id).", Usage.IMPORT
        )
    raise UsageError(f"Several workspaces here ({', '.join(teams)}): say which with --team.", Usage.IMPORT)


def describe(report: ImportReport) -> list[str]:
    """The report in lines of plain text: the counts, then each skipped row with its reason."""
    lines = [
        ("Dry run, nothing written: " if report.dry_run else "")
        + f"{len(report.created)} created, {len(report.merged)} merged, {len(report.skipped)} skipped."
    ]
    lines.extend(f"Note: {warning}" for warning in report.warnings)
    lines.extend(
        f"  line {outcome.line}: {outcome.name or '(no name)'}: {outcome.reason}" for outcome in report.skipped
    )
    return lines
