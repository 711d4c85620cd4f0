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


#: The fixtures that reach a database: a test that needs one belongs in tests/db/ (or tests/slack/).
DATABASE_FIXTURES = frozenset({"engine", "db", "uow", "slack"})


@pytest.fixture(autouse=True)
def _no_database_here(request: pytest.FixtureRequest) -> None:
    """Every test in tests/core/ runs without a database (on the fakes when it needs repositories)."""
    reaching = sorted(DATABASE_FIXTURES.intersection(request.fixturenames))
    assert not reaching, f"{request.node.name} asks for {reaching}: it belongs in tests/db/ or tests/slack/"
