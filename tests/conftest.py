"""Shared fixtures: a database per backend (SQLite always, PostgreSQL with TEST_DATABASE_URL), Slack."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.db import make_engine, make_session_factory, migrate
from bot.slack_standin import SlackStandIn, required_args_from_openapi
from models.db.orm import Base
from models.db.uow import UnitOfWork
from tests.slack_driver import Clock

DATA = Path(__file__).parent / "data"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run in which no test passed is a failure, never a green build."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    passed = len(reporter.stats.get("passed", [])) if reporter else 0
    if exitstatus == 0 and passed == 0 and not session.config.option.collectonly:
        session.exitstatus = 1
        print("\nNo test passed: treating this run as a failure.")


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated database of each backend, shared by the session (tables emptied per test)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "rapport.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        yield engine
        engine.dispose()
        return
    base_url = os.environ["TEST_DATABASE_URL"]
    schema = f"rapport_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # The schema goes in the URL itself, so that a subprocess given this URL sees the same tables.
    separator = "&" if "?" in base_url else "?"
    engine = make_engine(f"{base_url}{separator}options=-csearch_path%3D{schema}")
    migrate(engine)
    yield engine
    engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def empty_tables(engine: Engine) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                connection.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def db(engine: Engine) -> Engine:
    """An empty, migrated database (each backend in turn)."""
    empty_tables(engine)
    return engine


@pytest.fixture
def uow(db: Engine) -> UnitOfWork:
    return UnitOfWork(make_session_factory(db))


@pytest.fixture
def clock() -> Clock:
    """A clock the test sets: Sunday 22 November 2026, 10:00 UTC, unless moved."""
    return Clock(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def slack_required_args() -> dict[str, list[str]]:
    spec = json.loads((DATA / "slack" / "slack_web_openapi_v2.json").read_text())
    return required_args_from_openapi(spec)


@pytest.fixture
def standin(slack_required_args: dict[str, list[str]]) -> Iterator[SlackStandIn]:
    """Slack's Web API on localhost, refusing calls that lack an argument Slack's spec requires."""
    with SlackStandIn(required_args=slack_required_args) as server:
        yield server
