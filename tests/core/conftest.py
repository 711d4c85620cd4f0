"""Fixtures of the tests that need no database: the fakes' database and a unit of work on it."""

from __future__ import annotations

import pytest

from tests.fakes import FakeDatabase, FakeUnitOfWork


@pytest.fixture
def fake_db() -> FakeDatabase:
    """An empty in-memory database for the fakes (tests set their scene with `tests.fakes.World`)."""
    return FakeDatabase()


@pytest.fixture
def fake_uow(fake_db: FakeDatabase) -> FakeUnitOfWork:
    """The unit of work the use cases run in, on `fake_db`."""
    return FakeUnitOfWork(fake_db)
