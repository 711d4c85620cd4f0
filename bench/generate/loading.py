"""The shared generator: a workspace recipe's rows bulk-loaded into a migrated database, the rows every
workspace has (the workspace, its members, companies and contacts), and the skewed counts both recipes draw.

A recipe (`network.NetworkWorkspace`, `relationships.NudgeWorkspace`) is the parameter: it decides what
is drawn, with which seeds and in which transactions; this module writes it. The same recipe, sizes
and seed always write the same rows, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any, Protocol, Self

from sqlalchemy import Boolean, Connection, Engine, Table, event, text
from sqlalchemy.engine import make_url

from bench.common import BACKENDS, in_child, peak_rss_mb, say, vacuum_analyze
from bot.db import make_engine, migrate
from models.core.names import fold
from models.db.orm import Base, UTCDateTime

WORKSPACE_ID = 1
#: Rows sent to SQLite per executemany (PostgreSQL's COPY streams them all).
SQLITE_CHUNK = 20_000

WORKSPACE_COLUMNS = ("id", "slack_team_id", "name", "created_at")
MEMBER_COLUMNS = ("id", "workspace_id", "slack_user_id", "display_name", "time_zone", "created_at")
#: A member's digest settings, when the recipe sets them (else the app's defaults apply).
NUDGE_SETTING_COLUMNS = ("nudge_frequency", "nudge_time", "nudge_days")
ACCOUNT_COLUMNS = ("id", "workspace_id", "name", "name_key", "created_at")
CONTACT_COLUMNS = ("id", "workspace_id", "name", "name_key", "account_id", "created_at")
#: What every recipe writes of a tie; a recipe may add columns after these.
TIE_COLUMNS = (
    "id",
    "workspace_id",
    "member_id",
    "contact_id",
    "private",
    "score_total",
    "strength",
    "last_interaction_at",
    "interaction_count",
    "computed_at",
    "created_at",
)


@dataclass(frozen=True)
class WorkspaceSizes:
    """What every generated workspace counts; a recipe's sizes add their own after these."""

    members: int
    contacts: int
    accounts: int
    ties: int

    @classmethod
    def from_arguments(cls, args: argparse.Namespace, **recipe_sizes: int) -> Self:
        """The sizes `add_workspace_arguments` read (companies: `--accounts`, or one per ten contacts),
        with the recipe's own."""
        accounts = int(args.accounts or max(args.contacts // 10, 1))
        return cls(members=args.members, contacts=args.contacts, accounts=accounts, ties=args.ties, **recipe_sizes)


def add_workspace_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags every workspace benchmark takes: its sizes, the seed and the backend."""
    parser.add_argument("--members", type=int, default=1_000)
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--accounts", type=int, help="companies (default: one per ten contacts)")
    parser.add_argument("--ties", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backend", choices=BACKENDS, default="both")


@dataclass(frozen=True)
class Batch:
    """Rows for the table named `table`, each a tuple in the order of `columns`; `rows` may be a
    generator, read once."""

    table: str
    columns: tuple[str, ...]
    rows: Iterable[tuple[Any, ...]]


class Recipe(Protocol):
    """What a workspace holds: written through the loader, a transaction per `Loader.write`."""

    def write(self, loader: Loader) -> dict[str, Any]:
        """Write every row; returns what the recipe tells of its workspace (for the JSON line)."""
        ...


def generate_workspace(url: str, recipe: Recipe) -> dict[str, Any]:
    """Migrate an empty database and fill it with the recipe's rows; returns the rows per table, the
    recipe's own figures and this process's peak memory. Run it in a child process (`in_child`)."""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        # Only the generator's own connections: the benchmark runs with the app's settings.
        event.listen(engine, "connect", _fast_sqlite_loading)
    migrate(engine)
    loader = Loader(engine)
    figures = recipe.write(loader)
    started = perf_counter()
    loader.finish()
    engine.dispose()  # on SQLite, the last connection to close checkpoints the WAL into the file
    say(f"  finished (sequences, statistics, checkpoint) in {perf_counter() - started:.1f} s")
    return {"rows": loader.counts, **figures, "peak_rss_mb": peak_rss_mb()}


def sqlite_from_file(kept: str, url: str, recipe: Recipe) -> dict[str, Any]:
    """Generate the recipe into the SQLite file `kept` once (with a note of what it holds beside it),
    then copy it to the database of `url` each time; returns what `generate_workspace` returned."""
    note = Path(kept + ".json")
    if not Path(kept).exists() or not note.exists():
        say(f"sqlite: generating {recipe} into {kept}")
        loaded = in_child(generate_workspace, f"sqlite:///{kept}", recipe)
        note.write_text(json.dumps(loaded))
    else:
        say(f"sqlite: copying {kept}")
    shutil.copyfile(kept, make_url(url).database or "")
    return dict(json.loads(note.read_text()))


def start_as_the_app(url: str) -> None:
    """Migrate, as `rapport run` does when it starts: it refreshes the planner's statistics."""
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()


def count_rows(url: str, tables: Sequence[str]) -> dict[str, int]:
    """The rows of each table, as a kept database holds them."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in tables}
    finally:
        engine.dispose()


def _fast_sqlite_loading(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA cache_size=-262144")  # 256 MB, so the indexes are updated in memory
    cursor.close()


# Bulk loading --------------------------------------------------------------------------------------
class Loader:
    """Bulk inserts, one transaction per `write`: COPY on PostgreSQL, a raw executemany on SQLite that
    stores each value exactly as the app's column types do (checked on a sample at the start)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.counts: dict[str, int] = {}
        self._with_ids: list[str] = []
        self.postgresql = engine.dialect.name == "postgresql"
        if not self.postgresql:
            _check_sqlite_time_text(engine)

    def write(self, *batches: Batch) -> float:
        """Write the batches in one transaction, in order (a generator is read only when its turn
        comes); returns the seconds it took."""
        started = perf_counter()
        with self.engine.begin() as connection:
            for batch in batches:
                insert = _copy if self.postgresql else _executemany
                written = insert(connection, batch)
                name = batch.table
                self.counts[name] = self.counts.get(name, 0) + written
                if "id" in batch.columns and name not in self._with_ids:
                    self._with_ids.append(name)
        return perf_counter() - started

    def finish(self) -> None:
        """After the last write: PostgreSQL's id sequences moved past our explicit ids (the app inserts
        after them), and the tables vacuumed and analyzed, as a live server would have them."""
        if self.postgresql:
            with self.engine.begin() as connection:
                for table in self._with_ids:
                    connection.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
                    )
        vacuum_analyze(self.engine, list(self.counts))


def _copy(connection: Connection, batch: Batch) -> int:
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    count = 0
    with cursor.copy(f"COPY {batch.table} ({', '.join(batch.columns)}) FROM STDIN") as copy:
        for row in batch.rows:
            copy.write_row(row)
            count += 1
    return count


def _executemany(connection: Connection, batch: Batch) -> int:
    """SQLite without SQLAlchemy's per-value processing: times and booleans as its column types store them."""
    table = Base.metadata.tables[batch.table]
    converters = [_sqlite_converter(table, column) for column in batch.columns]
    placeholders = ", ".join("?" for _ in batch.columns)
    statement = f"INSERT INTO {batch.table} ({', '.join(batch.columns)}) VALUES ({placeholders})"
    rows = iter(batch.rows)
    count = 0
    while chunk := list(itertools.islice(rows, SQLITE_CHUNK)):
        if any(converters):
            chunk = [
                tuple(
                    value if convert is None or value is None else convert(value)
                    for convert, value in zip(converters, row, strict=True)
                )
                for row in chunk
            ]
        connection.exec_driver_sql(statement, chunk)
        count += len(chunk)
    return count


def _sqlite_converter(table: Table, column: str) -> Callable[[Any], Any] | None:
    column_type = table.c[column].type
    if isinstance(column_type, UTCDateTime):
        return sqlite_time_text
    if isinstance(column_type, Boolean):
        return int
    return None


def sqlite_time_text(moment: datetime) -> str:
    """An instant as SQLAlchemy's SQLite DATETIME stores it, in UTC (checked by `_check_sqlite_time_text`)."""
    return moment.astimezone(UTC).isoformat(" ", "microseconds")[:26]


def _check_sqlite_time_text(engine: Engine) -> None:
    """The times compared in SQL are text on SQLite: ours must read exactly as the app's own."""
    process = UTCDateTime().dialect_impl(engine.dialect).bind_processor(engine.dialect)
    sample = datetime(2026, 1, 31, 23, 4, 5, 67, tzinfo=UTC) - timedelta(days=123, seconds=4567)
    for moment in (sample, sample.replace(microsecond=0)):
        if process is None or process(moment) != sqlite_time_text(moment):
            raise RuntimeError("the benchmark's SQLite time text differs from the app's: fix sqlite_time_text")


# The rows every workspace has ----------------------------------------------------------------------
def workspace_batch(team_id: str, created_at: datetime) -> Batch:
    return Batch("workspaces", WORKSPACE_COLUMNS, [(WORKSPACE_ID, team_id, "Bench", created_at)])


def slack_user_id(member_id: int) -> str:
    return f"U{member_id:08d}"


def member_batch(
    names: Iterable[str],
    time_zones: Sequence[str],
    created_at: datetime,
    nudge_settings: tuple[str, str, str] | None = None,
) -> Batch:
    """Members 1, 2, … with these names, their time zones taken in turn, and the digest settings if given."""
    columns = MEMBER_COLUMNS if nudge_settings is None else (*MEMBER_COLUMNS[:-1], *NUDGE_SETTING_COLUMNS, "created_at")
    settings = nudge_settings or ()

    def rows() -> Iterator[tuple[Any, ...]]:
        for member_id, name in enumerate(names, start=1):
            zone = time_zones[(member_id - 1) % len(time_zones)]
            yield (member_id, WORKSPACE_ID, slack_user_id(member_id), name, zone, *settings, created_at)

    return Batch("members", columns, rows())


def account_batch(names: Iterable[str], created_at: datetime) -> Batch:
    """Companies 1, 2, … with these names, keyed as the app keys them."""
    rows = ((account_id, WORKSPACE_ID, name, fold(name), created_at) for account_id, name in enumerate(names, start=1))
    return Batch("accounts", ACCOUNT_COLUMNS, rows)


def contact_batch(people: Iterable[tuple[str, int | None]], created_at: datetime) -> Batch:
    """Contacts 1, 2, … from (name, account id) pairs, keyed as the app keys them (each name folded once)."""

    def rows() -> Iterator[tuple[Any, ...]]:
        keys: dict[str, str] = {}
        for contact_id, (name, account_id) in enumerate(people, start=1):
            key = keys.get(name) or keys.setdefault(name, fold(name))
            yield (contact_id, WORKSPACE_ID, name, key, account_id, created_at)

    return Batch("contacts", CONTACT_COLUMNS, rows())


# What both recipes draw ----------------------------------------------------------------------------
def skewed_split(total: int, bins: int, sigma: float, cap: int, rng: random.Random) -> list[int]:
    """`total` split over `bins` with log-normal weights, none above `cap` (the rest handed out by weight)."""
    weights = [rng.lognormvariate(0.0, sigma) for _ in range(bins)]
    scale = total / sum(weights)
    counts = [min(cap, int(weight * scale)) for weight in weights]
    short = total - sum(counts)
    open_bins = [index for index in range(bins) if counts[index] < cap]
    while short > 0 and open_bins:
        for index in rng.choices(open_bins, weights=[weights[i] for i in open_bins], k=short):
            if counts[index] < cap and short > 0:
                counts[index] += 1
                short -= 1
        open_bins = [index for index in open_bins if counts[index] < cap]
    return counts


def zipf_cumulative(count: int, exponent: float) -> list[float]:
    """Cumulative weights falling with the rank (the first item most often), for `random.choices`."""
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, count + 1)))
