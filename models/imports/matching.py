"""Who is who during an import: the workspace's contacts in memory, and the one rule matching a row to one of them.

Matching a row to a known contact (one rule for every import)
    1. the same e-mail address, case-insensitive;
    2. else the same folded name (case, accents, punctuation) at the same company, or a contact of
       that name with no company; a row without a company takes the contact of that name with no
       company, or the only contact of that name;
    3. else a new contact.
A merge fills the contact's empty fields (title, e-mail, phone, profile URL, company) and never
overwrites what a seller typed. Pure: the contacts are loaded, and the changes written, by a `PeopleStore`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from models.imports.large_files import cached_fold
from models.imports.values import Person

#: A contact's fields an import may fill when they are empty, and how the report names them.
FILLABLE = (("job_title", "title"), ("email", "e-mail"), ("phone", "phone"), ("profile_url", "URL"))


class PeopleStore(Protocol):
    """Where the people of an import are written: new accounts and contacts (with their name index),
    and the known contacts whose empty fields an import filled."""

    def insert_accounts(self, names: Mapping[str, str], now: datetime) -> list[int]:
        """Create these accounts (name key → name as written); their ids, in the mapping's order."""
        ...

    def insert_contacts(
        self, people: Sequence[Person], account_ids: Mapping[str, int], created_by: int | None, now: datetime
    ) -> list[int]:
        """Create these contacts; their ids, in order."""
        ...

    def update_contacts(self, people: Sequence[Person], account_ids: Mapping[str, int]) -> None:
        """Write these known contacts' e-mail, title, phone, profile address and account."""
        ...


class People:
    """The workspace's contacts and accounts in dictionaries: loaded once, none read per row."""

    def __init__(self, account_ids: Mapping[str, int], known: Iterable[Person]) -> None:
        self.account_ids: dict[str, int] = dict(account_ids)
        self.new_accounts: dict[str, str] = {}
        self.by_email: dict[str, Person] = {}
        self.by_name: dict[str, list[Person]] = defaultdict(list)
        self.new: list[Person] = []
        self.everyone: list[Person] = []
        for person in known:
            self._remember(person)

    def _remember(self, person: Person) -> None:
        self.everyone.append(person)
        self.by_name[person.name_key].append(person)
        if person.email:
            self.by_email.setdefault(person.email.lower(), person)

    def account_key(self, company: str | None) -> str | None:
        """The folded key of a row's company (an account to create when it is not known yet)."""
        if not company:
            return None
        key = cached_fold(company)
        if not key:
            return None
        if key not in self.account_ids and key not in self.new_accounts:
            self.new_accounts[key] = company
        return key

    def find(self, name_key: str, account_key: str | None, email: str | None) -> tuple[Person, str] | None:
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

    def create(self, line: int, name: str, account_key: str | None, **fields: str | None) -> Person:
        """A new contact from the row on this line (written by `write`)."""
        person = Person(
            id=None,
            name=" ".join(name.split()),
            name_key=cached_fold(name),
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

    def fill(self, person: Person, account_key: str | None, **fields: str | None) -> list[str]:
        """Fill the person's empty fields from a row; the names of the fields filled."""
        filled: list[str] = []
        for name, label in FILLABLE:
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

    def titled(self) -> list[Person]:
        """The people whose title the next `write` writes: new ones with a title, known ones given one."""
        known = [person for person in self.everyone if person.id is not None and "title" in person.filled]
        return [person for person in self.new if person.job_title] + known

    def write(self, store: PeopleStore, created_by: int | None, now: datetime) -> None:
        """Write the new accounts and contacts (every new person gets its id) and the filled known contacts."""
        if self.new_accounts:
            ids = store.insert_accounts(self.new_accounts, now)
            self.account_ids.update(zip(self.new_accounts, ids, strict=True))
            self.new_accounts = {}
        if self.new:
            ids = store.insert_contacts(self.new, self.account_ids, created_by, now)
            for person, contact_id in zip(self.new, ids, strict=True):
                person.id = contact_id
            self.new = []
        changed = [person for person in self.everyone if person.filled and person.id is not None]
        if changed:
            store.update_contacts(changed, self.account_ids)
            for person in changed:
                person.filled.clear()
