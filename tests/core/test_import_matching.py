"""The import's matching rule, without a database: a row to a known contact by e-mail, then by name and company."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from models.imports.matching import People
from models.imports.values import Person

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def known(contact_id: int, name: str, account_key: str | None = None, email: str | None = None) -> Person:
    return Person(contact_id, name, name.lower(), account_key, email, None, None, None)


class RecordingStore:
    """A `PeopleStore` that hands out ids and keeps what it was asked to write."""

    def __init__(self) -> None:
        self.accounts: dict[str, str] = {}
        self.contacts: list[str] = []
        self.updated: list[tuple[int | None, str | None, str | None]] = []

    def insert_accounts(self, names: Mapping[str, str], now: datetime) -> list[int]:
        self.accounts.update(names)
        return [100 + index for index, _ in enumerate(names)]

    def insert_contacts(
        self, people: Sequence[Person], account_ids: Mapping[str, int], created_by: int | None, now: datetime
    ) -> list[int]:
        self.contacts.extend(person.name for person in people)
        return [200 + index for index, _ in enumerate(people)]

    def update_contacts(self, people: Sequence[Person], account_ids: Mapping[str, int]) -> None:
        self.updated.extend((person.id, person.email, person.account_key) for person in people)


def test_an_email_wins_over_a_name_and_a_company_picks_among_namesakes() -> None:
    """The same e-mail (any case) is the contact; else the namesake at the same company, else the one with none."""
    people = People(
        {"acme": 1, "globex": 2},
        [
            known(10, "Jane Doe", "acme", "jane@acme.example"),
            known(11, "Jane Doe", "globex"),
            known(12, "Raj Patel"),
        ],
    )
    found = people.find("someone else", None, "JANE@acme.example")
    assert found is not None and (found[0].id, found[1]) == (10, "same e-mail")
    found = people.find("jane doe", people.account_key("Globex"), None)
    assert found is not None and (found[0].id, found[1]) == (11, "same name and company")
    found = people.find("raj patel", people.account_key("Initech"), None)
    assert found is not None and (found[0].id, found[1]) == (12, "same name")
    assert people.find("jane doe", None, None) is None  # two namesakes, both at a company: someone new


def test_a_merge_fills_empty_fields_only_and_writing_gives_every_new_person_an_id() -> None:
    """Filling never overwrites; `write` creates the new accounts and contacts and updates the filled ones."""
    people = People({}, [known(10, "Jane Doe", email="jane@acme.example")])
    jane = people.find("jane doe", None, None)
    assert jane is not None
    assert people.fill(jane[0], people.account_key("ACME"), email="other@acme.example", phone="+1 555") == [
        "phone",
        "company",
    ]
    li = people.create(3, "  Li   Wei ", None, email="li@initech.example")
    store = RecordingStore()
    people.write(store, created_by=None, now=NOW)
    assert (store.accounts, store.contacts, li.id) == ({"acme": "ACME"}, ["Li Wei"], 200)
    assert store.updated == [(10, "jane@acme.example", "acme")]
    assert people.account_ids["acme"] == 100 and not people.new and not jane[0].filled
