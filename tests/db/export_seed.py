"""A small workspace for the export's tests: several members, contacts at companies, tagged calls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from models.core.values import Actor, Channel, ContactRef, Initiator, LogCallCommand
from models.db.uow import UnitOfWork
from models.logcall.service import log_call

#: The moment the seeded workspace is exported at.
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
#: The people the seeded calls are with, by company (None: no company).
PEOPLE = (
    ContactRef("Jane Doe", "ACME"),
    ContactRef("Émile Zola", "Globex"),
    ContactRef("Wu Li", "Globex"),
    ContactRef("Ada Byron", None),
    ContactRef("Ravi Shankar", "Initech"),
)


def seed_workspace(
    uow: UnitOfWork, team: str = "T1", calls: int = 30, people: Sequence[ContactRef] = PEOPLE, first: int = 0
) -> None:
    """`calls` calls (numbered from `first`) logged by three members in turn, with one to three of
    `people`, a colleague now and then, tags and notes (accents and quotes included), over the years
    before NOW."""
    channels = list(Channel)
    initiators = (Initiator.ME, Initiator.THEM, None)
    for number in range(first, first + calls):
        member = f"U{number % 3 + 1}"
        contacts = tuple(people[(number + offset) % len(people)] for offset in range(number % 3 + 1))
        command = LogCallCommand(
            contacts=contacts,
            channel=channels[number % len(channels)],
            occurred_at=NOW - timedelta(days=number * 11 + 1, hours=number % 5),
            time_given=True,
            initiator=initiators[number % 3],
            duration_minutes=(number * 7) % 90 or None,
            colleagues=(f"U{(number + 1) % 3 + 1}",) if number % 4 == 0 else (),
            tags=("client", f"q{number % 4}") if number % 2 else (),
            notes=f'call "{number}" — naïve café' if number % 5 else "",
        )
        log_call(uow, Actor(team, member), command, f"{team}-{number}", NOW)
