"""LinkedIn's connections export (Connections.csv), read as it comes: its notes, a blank line, then the header."""

from __future__ import annotations

from typing import Final

from models.core.names import fold
from models.imports.columns import Columns
from models.imports.decoding import decode, records
from models.imports.large_files import many_rows
from models.imports.readers.contact_rows import contact_row
from models.imports.values import ContactRow, UnreadableFile

#: The header line of LinkedIn's export, as the refusal of another file quotes it.
LINKEDIN_HEADER: Final = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
#: Each field's column in LinkedIn's export.
_COLUMNS: Final = {
    "first_name": "first name",
    "last_name": "last name",
    "url": "url",
    "email": "email address",
    "company": "company",
    "title": "position",
    "connected_on": "connected on",
}


@many_rows
def read_linkedin(data: bytes) -> list[ContactRow]:
    """LinkedIn's Connections.csv as it comes: the "Notes:" lines, a blank line, then the header.

    Rows without a name are kept with a `problem`; "Connected On" ("12 Mar 2021") becomes noon UTC.
    """
    lines = records(decode(data))
    for record in lines:
        folded = [fold(cell) for cell in record.cells]
        if "first name" in folded and "last name" in folded:
            columns = Columns(record.cells, _COLUMNS)
            break
    else:
        raise UnreadableFile(
            "This is not LinkedIn's connections export: no header line "
            f"“{LINKEDIN_HEADER}” was found. Download it from LinkedIn: "
            "Settings › Data privacy › Get a copy of your data › Connections."
        )
    return [contact_row(r.line, columns.values(r.cells), columns.check_width(r.cells)) for r in lines]
