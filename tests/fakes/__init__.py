"""In-memory fakes of the repositories and of the unit of work, for the use-case tests about rules.

A test sets its scene with `World(FakeDatabase(), NOW)` and calls the use case with
`FakeUnitOfWork(database)`: no database, no session. Each fake has the public methods of the
repository it stands in for, with the same signatures and return types (mypy holds both to the
capability's `Protocol`, below), and `tests/db/test_fakes_contract.py` runs the same assertions on
the fake and on the real repository (SQLite and PostgreSQL), so that the two cannot drift apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.fakes.database import FakeDatabase
from tests.fakes.home import FakeHomeRepository
from tests.fakes.network import FakeNetworkRepository
from tests.fakes.nudges import FakeDigestSweep, FakeNudgeRepository
from tests.fakes.uow import FakeUnitOfWork
from tests.fakes.world import Rows, SessionRows, World

__all__ = [
    "FakeDatabase",
    "FakeDigestSweep",
    "FakeHomeRepository",
    "FakeNetworkRepository",
    "FakeNudgeRepository",
    "FakeUnitOfWork",
    "Rows",
    "SessionRows",
    "World",
]

if TYPE_CHECKING:  # each real repository and its fake answer to one interface, checked by mypy
    from models.home.repository import HomeReads, HomeRepository
    from models.network.repository import NetworkRepository, WhoKnowsReads
    from models.nudges.repository import DigestSweep, DigestSweepRepository, NudgeAnswers, NudgeRepository

    _whoknows: tuple[type[WhoKnowsReads], ...] = (NetworkRepository, FakeNetworkRepository)
    _home: tuple[type[HomeReads], ...] = (HomeRepository, FakeHomeRepository)
    _answers: tuple[type[NudgeAnswers], ...] = (NudgeRepository, FakeNudgeRepository)
    _sweep: tuple[type[DigestSweep], ...] = (DigestSweepRepository, FakeDigestSweep)
    _rows: tuple[type[Rows], ...] = (FakeDatabase, SessionRows)
