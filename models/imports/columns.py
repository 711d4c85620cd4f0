"""Which column of a CSV export holds which field: the fields, the usual column names, and a mapping's `field=Column`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Final, cast

from models.core.errors import Usage, UsageError
from models.core.names import fold
from models.imports.values import UnreadableFile

#: Fields a CRM contacts export can be mapped to (`field=Column,...`).
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
#: Column names a CRM contacts export commonly uses, folded; a mapping overrides them.
CONTACT_ALIASES: Final[dict[str, tuple[str, ...]]] = {
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
#: Column names an activities export commonly uses, folded; a mapping overrides them.
INTERACTION_ALIASES: Final[dict[str, tuple[str, ...]]] = {
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


class Columns:
    """Where each field is in a CSV header, found by a mapping or by the usual column names."""

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

    def values(self, cells: Sequence[str]) -> dict[str, str]:
        """Every field found, read from a row's cells (spaces tidied, notes aside)."""
        return {field_name: self.get(cells, field_name) for field_name in self.index}

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


def resolve_columns(
    header: Sequence[str], mapping: Mapping[str, str], aliases: Mapping[str, tuple[str, ...]]
) -> Columns:
    """The columns of this header: the mapping's, else the usual names; a mapped column not there is refused."""
    missing = [column for column in mapping.values() if _find_column(header, [fold(h) for h in header], column) is None]
    columns = Columns(header, {**{k: v for k, v in aliases.items() if k not in mapping}, **mapping})
    if missing:
        raise UnreadableFile(
            f"No column {', '.join(f'“{name}”' for name in missing)} in this file; its columns are {columns.listing()}."
        )
    return columns
