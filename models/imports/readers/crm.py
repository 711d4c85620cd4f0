"""A CRM's exports: its contacts (one person per row) and its activities (one past interaction per row)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Final, TypeVar

from models.core.grammar import CHANNEL_WORDS
from models.core.limits import COMPANY_NAME, CONTACT_NAME, EMAIL, cut
from models.core.names import fold
from models.core.values import Channel, Initiator
from models.imports.columns import (
    CONTACT_ALIASES,
    INTERACTION_ALIASES,
    INTERACTION_FIELDS,
    Columns,
    resolve_columns,
)
from models.imports.decoding import Record, csv_records, decode
from models.imports.large_files import cached_fold, many_rows
from models.imports.readers.contact_rows import clean_email, contact_row
from models.imports.readers.dates import day_comes_first, read_minutes, read_moment
from models.imports.values import ContactRow, FileMoment, InteractionRow, UnmappedColumns, UnreadableFile

#: The words a CRM writes for a channel, folded: /logcall's, the channels' own names, and CRMs' usual ones.
CHANNEL_NAMES: Final[dict[str, Channel]] = {
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
#: Directions, folded, that say the contact reached out, and that the member did.
_INBOUND: Final = frozenset({"inbound", "incoming", "in", "received", "them", "they", "contact", "by them"})
_OUTBOUND: Final = frozenset({"outbound", "outgoing", "out", "sent", "me", "i", "us", "we", "by me", "member"})
#: The channels, as a row with an unknown one is told.
_CHANNEL_CHOICES: Final = "in person, video, phone, email, chat or social"

Reading = TypeVar("Reading")


@many_rows
def read_contacts_csv(data: bytes, mapping: Mapping[str, str] | None = None) -> list[ContactRow]:
    """A CRM's contacts export: a header line, then one person per row; `mapping` says which column is which.

    Without a mapping, the usual column names are recognised ("Full Name", "E-mail", "Company", …).
    """
    records = csv_records(decode(data))
    header = next(records, None)
    if header is None:
        raise UnreadableFile("The file has no header line.")
    columns = resolve_columns(header.cells, mapping or {}, CONTACT_ALIASES)
    if "name" not in columns.index and not {"first_name", "last_name"} & columns.index.keys():
        raise UnmappedColumns(
            f"No name column found; its columns are {columns.listing()}.",
            "Say which it is",
            "name=Full Name (or first_name=…,last_name=…)",
        )
    return [contact_row(r.line, columns.values(r.cells), columns.check_width(r.cells)) for r in records]


@many_rows
def read_interactions_csv(data: bytes, mapping: Mapping[str, str] | None = None) -> list[InteractionRow]:
    """A CRM's activities export: one interaction per row (member, contact, when, channel, direction, …).

    Dates may mix ISO forms ("2026-03-14 15:30", with or without an offset) and day/month forms
    ("14/03/2026"); whether the latter put the day or the month first is decided once for the file.
    A direction that is empty or not understood is left unknown (it never counts as one-sided).
    """
    records = list(csv_records(decode(data)))
    if not records:
        raise UnreadableFile("The file has no header line.")
    header, body = records[0], records[1:]
    columns = resolve_columns(header.cells, mapping or {}, INTERACTION_ALIASES)
    needed = [name for name in ("when", "channel") if name not in columns.index]
    if "contact" not in columns.index and "email" not in columns.index:
        needed.insert(0, "contact")
    if needed:
        raise UnmappedColumns(
            f"No column for {', '.join(needed)}; its columns are {columns.listing()}.",
            "Say which they are",
            ",".join(f"{name}=Column" for name in needed),
        )
    reader = _ActivityReader(columns, body)
    return [reader.row(record) for record in body]


class _Memo(dict[str, Reading]):
    """What each distinct text of a cell reads as, read once; equal texts then share one reading in memory."""

    __slots__ = ("_read",)

    def __init__(self, read: Callable[[str], Reading]) -> None:
        super().__init__()
        self._read = read

    def __missing__(self, text: str) -> Reading:
        reading = self[text] = self._read(text)
        return reading


class _ActivityReader:
    """The rows of one activities export. Exports repeat the same members, contacts, dates, channels and
    durations on many rows: each distinct text is read once, and equal strings are kept once in memory."""

    def __init__(self, columns: Columns, body: Sequence[Record]) -> None:
        self.columns = columns
        self.width = len(columns.header)
        self.pick = columns.picker(INTERACTION_FIELDS)
        day_first = day_comes_first(self.pick(record.cells)[4] for record in body)
        self.moments = _Memo(lambda text: read_moment(text, day_first))
        self.channels = _Memo(lambda text: CHANNEL_NAMES.get(cached_fold(text)))
        self.initiators = _Memo(_initiator)
        self.durations = _Memo(read_minutes)
        self.names = _Memo(lambda text: " ".join(text.split()))
        self.members = _Memo(str.strip)

    def row(self, record: Record) -> InteractionRow:
        cells = record.cells
        member, contact, email_text, company, when_text, channel_text, direction, duration_text, notes = self.pick(
            cells
        )
        name, firm, when, channel = (
            self.names[contact],
            self.names[company],
            self.moments[when_text],
            self.channels[channel_text],
        )
        email = clean_email(email_text) if email_text else None
        problem = self.columns.check_width(cells) if len(cells) > self.width else None
        if problem is None:
            problem, name, email = _problem(name, firm, email, when_text, when, channel_text, channel)
        return InteractionRow(
            line=record.line,
            member=self.members[member],
            contact=name,
            company=firm or None,
            email=email,
            when=when,
            channel=channel,
            initiator=self.initiators[direction],
            duration_minutes=self.durations[duration_text],
            notes=notes.strip(),
            problem=problem,
        )


def _problem(
    name: str,
    firm: str,
    email: str | None,
    when_text: str,
    when: FileMoment | None,
    channel_text: str,
    channel: Channel | None,
) -> tuple[str | None, str, str | None]:
    """Why an activity cannot be imported (or None), with its name and e-mail as the row keeps them."""
    if not name and not email:
        return "no contact", name, email
    if not CONTACT_NAME.fits(name):
        return CONTACT_NAME.over, cut(name, 80), email
    if firm and not COMPANY_NAME.fits(firm):
        return COMPANY_NAME.over, name, email
    if email and not EMAIL.fits(email):
        return EMAIL.over, name, None
    if not when_text.strip():
        return "no date", name, email
    if when is None:
        return f"date “{when_text.strip()}” not understood", name, email
    if channel is None:
        shown = channel_text.strip()
        return (f"unknown channel “{shown}” (use {_CHANNEL_CHOICES})" if shown else "no channel"), name, email
    return None, name, email


def _initiator(text: str) -> Initiator | None:
    key = cached_fold(text)
    if key in _OUTBOUND:
        return Initiator.ME
    if key in _INBOUND:
        return Initiator.THEM
    return None
