"""How long a value people type or import may be: the size of the column that keeps it, read from models/db/orm.py.

The columns are the one place that knows the limits; this module reads them and checks values
against them at the edges (the `/logcall` grammar, the forms, the use cases, the imports), so that
SQLite (which keeps any length) and PostgreSQL (which refuses what is too long) behave alike. A
person is told which field is too long and its limit; an imported row is skipped or its field left
out, with the reason in the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, String
from sqlalchemy.orm import QueryableAttribute

from models.core.errors import UsageError
from models.core.names import fold
from models.db.orm import Account, Contact, Meeting, Member, contact_tags


def column_length(column: QueryableAttribute[Any] | ColumnElement[Any]) -> int:
    """The number of characters a VARCHAR column holds."""
    length = cast(String, column.type).length
    assert length is not None, "a column without a length has no limit to check"
    return length


@dataclass(frozen=True)
class Field:
    """A value people give: what it is called, how long it may be, and how long once folded, if kept so."""

    noun: str
    limit: int
    #: Names and companies are also kept folded (`name_key`), which may come out longer (ﬃ → ffi).
    folded_limit: int | None = None

    def fits(self, value: str) -> bool:
        return len(value) <= self.limit and (self.folded_limit is None or len(fold(value)) <= self.folded_limit)

    def check(self, value: str, command: str = "/logcall") -> str:
        """The value when it fits; else a UsageError naming the field and its limit."""
        if not self.fits(value):
            raise UsageError(self.too_long, command=command)
        return value

    @property
    def too_long(self) -> str:
        """What a person is told: "A company name goes up to 255 characters." """
        article = "An" if self.noun[0] in "aeiou" else "A"
        return f"{article} {self.noun} goes up to {self.limit:,} characters."

    @property
    def over(self) -> str:
        """Why an imported value is not kept, for the report: "company name over 255 characters"."""
        return f"{self.noun} over {self.limit:,} characters"


CONTACT_NAME = Field("name", column_length(Contact.name), folded_limit=column_length(Contact.name_key))
COMPANY_NAME = Field("company name", column_length(Account.name), folded_limit=column_length(Account.name_key))
EMAIL = Field("e-mail address", column_length(Contact.email))
JOB_TITLE = Field("job title", column_length(Contact.job_title))
PHONE = Field("phone number", column_length(Contact.phone))
PROFILE_URL = Field("profile address", column_length(Contact.profile_url))
TAG = Field("tag", column_length(contact_tags.c.tag))
CAMPAIGN = Field("campaign name", column_length(Meeting.campaign))
#: The tags a member's digest is kept to, kept together in one column.
DIGEST_TAGS = Field("list of tags", column_length(Member.nudge_tags))
#: A meeting's title is composed ("Meeting with …"), never typed whole: it is cut to fit.
MEETING_TITLE_LENGTH = column_length(Meeting.title)


def cut(text: str, limit: int) -> str:
    """The text, cut to `limit` characters with an ellipsis when longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
