"""A person's fields, as any contacts file gives them, made into a row: each checked against its column's limit."""

from __future__ import annotations

from collections.abc import Mapping

from models.core.limits import COMPANY_NAME, CONTACT_NAME, EMAIL, JOB_TITLE, PHONE, PROFILE_URL, cut
from models.imports.readers.dates import at_noon_utc, read_day
from models.imports.values import ContactRow


def clean_email(text: str) -> str | None:
    """The address in a cell ("mailto:" dropped), or None when it does not look like one."""
    text = text.strip().removeprefix("mailto:").strip()
    return text if "@" in text and " " not in text else None


def contact_row(line: int, values: Mapping[str, str], problem: str | None = None) -> ContactRow:
    """One person's row. A name or company too long for its column skips the row (cut, it would be
    someone else); a title too long is cut; an e-mail, phone or profile address too long is left out."""
    name = values.get("name") or " ".join(filter(None, (values.get("first_name"), values.get("last_name"))))
    notes: list[str] = []
    email_text = values.get("email", "")
    email = clean_email(email_text)
    if email is not None and not EMAIL.fits(email):
        email = None
        notes.append(f"{EMAIL.over}, left out")
    elif email_text and email is None:
        notes.append(f"e-mail “{cut(email_text, 80)}” not understood, left out")
    connected_text = values.get("connected_on", "")
    day = read_day(connected_text)
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
        connected_on=at_noon_utc(day) if day else None,
        problem=problem,
        note="; ".join(notes) or None,
    )
