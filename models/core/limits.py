"""How long a value people type or import may be: one constant per kind of value, and the check.

Pure: the database's columns are sized from these constants (models/db/orm.py), so that the limits
live in one place and the domain can check values at the edges (the `/logcall` grammar, the forms,
the use cases, the imports) without asking the database. SQLite keeps any length and PostgreSQL
refuses what is too long: checking here makes both behave alike. A person is told which field is
too long and its limit; an imported row is skipped or its field left out, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.core.errors import Usage, UsageError
from models.core.names import fold

#: Characters kept for each kind of value (the columns are sized from these).
NAME_LENGTH = 255
EMAIL_LENGTH = 320
JOB_TITLE_LENGTH = 255
PHONE_LENGTH = 64
PROFILE_URL_LENGTH = 500
TAG_LENGTH = 64
CAMPAIGN_LENGTH = 255
DIGEST_TAGS_LENGTH = 300
MEETING_TITLE_LENGTH = 500
MEETING_KEY_LENGTH = 400


@dataclass(frozen=True)
class Field:
    """A value people give: what it is called, how long it may be, and how long once folded, if kept so."""

    noun: str
    limit: int
    #: Names and companies are also kept folded (`name_key`), which may come out longer (ﬃ → ffi).
    folded_limit: int | None = None

    def fits(self, value: str) -> bool:
        return len(value) <= self.limit and (self.folded_limit is None or len(fold(value)) <= self.folded_limit)

    def check(self, value: str, usage: Usage) -> str:
        """The value when it fits; else a UsageError naming the field and its limit (the reply shows `usage`)."""
        if not self.fits(value):
            raise UsageError(self.too_long, usage)
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


CONTACT_NAME = Field("name", NAME_LENGTH, folded_limit=NAME_LENGTH)
COMPANY_NAME = Field("company name", NAME_LENGTH, folded_limit=NAME_LENGTH)
EMAIL = Field("e-mail address", EMAIL_LENGTH)
JOB_TITLE = Field("job title", JOB_TITLE_LENGTH)
PHONE = Field("phone number", PHONE_LENGTH)
PROFILE_URL = Field("profile address", PROFILE_URL_LENGTH)
TAG = Field("tag", TAG_LENGTH)
CAMPAIGN = Field("campaign name", CAMPAIGN_LENGTH)
#: The tags a member's digest is kept to, kept together in one column.
DIGEST_TAGS = Field("list of tags", DIGEST_TAGS_LENGTH)


def cut(text: str, limit: int) -> str:
    """The text, cut to `limit` characters with an ellipsis when longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
