"""The database: one engine per process, SQLite (WAL) by default, PostgreSQL by URL, migrated by Alembic."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from models.core.faults import drop_echoed_values
from models.db.repository import keep_team_strength
from models.db.uow import UnitOfWork
from models.scores.engine import rescore_stale

MIGRATIONS = Path(__file__).with_name("migrations")


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs written the usual way (postgres://, postgresql://)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for `url`; a SQLite file gets its folder, WAL, foreign keys and a busy timeout.

    No error it raises carries a value: SQL parameters are never shown (`hide_parameters`, and no
    `echo` of statements), and what PostgreSQL echoes of a row (DETAIL, CONTEXT) is dropped from
    the error's text (`drop_echoed_values`). A calendar address, a name or an e-mail in a failing
    statement never reaches a log or a traceback.
    """
    url = normalise_url(url)
    parsed = make_url(url)
    options = {**options, "hide_parameters": True, "echo": False}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, **options)
    event.listen(engine, "handle_error", _without_echoed_values)
    return engine


def _without_echoed_values(context: ExceptionContext) -> None:
    """The driver's error and SQLAlchemy's, which quotes it, both told without the server's echo."""
    original = context.original_exception
    wrapped = context.sqlalchemy_exception
    if drop_echoed_values(original) and wrapped is not None:
        wrapped.args = (f"({type(original).__module__}.{type(original).__name__}) {original}",)


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for the units of work, with the upkeep the domain relies on installed on them."""
    return keep_team_strength(sessionmaker(engine, expire_on_commit=False))


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


#: PostgreSQL advisory lock held while one process migrates (one key, apart from `digests.COMPOSE_LOCK_KEY`;
#: workspaces' write locks use the two-key space, `repository.WRITE_LOCK_CLASS`).
MIGRATION_LOCK_KEY = 0x5241_4D47  # "RAMG"


def migrate(engine: Engine, now: datetime | None = None) -> None:
    """Bring the schema to the latest migration (creates it on first start), then score again, as of
    `now` (the clock's), the ties whose kept figures a migration marked as from older rules.

    Replicas starting together on one PostgreSQL database all succeed: one migrates while the
    others wait for its session-level advisory lock, then find nothing left to do.
    """
    with migration_lock(engine):
        command.upgrade(alembic_config(engine), "head")
        # Figures kept under older rules are scored again by today's code, on today's schema.
        rescore_stale(UnitOfWork(make_session_factory(engine)), now or datetime.now(UTC))
    refresh_statistics(engine)


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, one process at a time changes the schema (a lock held by a connection of its own).

    For whatever creates tables at start besides Alembic, too (slack_sdk's stores' `create_tables()`).
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.commit()  # the lock is the session's: no transaction stays open while others migrate
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            connection.commit()


#: Rows SQLite samples per index for its statistics: enough to rank indexes, ~30 ms at a million ties.
SQLITE_ANALYSIS_LIMIT = 20_000


def refresh_statistics(engine: Engine) -> None:
    """Give the query planner fresh statistics about the tables' sizes and index selectivity.

    SQLite has none until asked: without them it picks `ix_ties_workspace_id` (every row of the
    workspace) over `ix_ties_workspace_contact` and a `/whoknows` that takes a few milliseconds takes
    seconds. A sampled `ANALYZE` (`analysis_limit`) costs well under a second whatever the size; it
    runs at start (after the migrations), after an import and with each network refresh, as tables
    grow. PostgreSQL's autovacuum keeps its own statistics; after a bulk load `ANALYZE` helps too.
    """
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
            connection.exec_driver_sql("ANALYZE")
        elif engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE")
