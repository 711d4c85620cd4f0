"""Times the nudge sweep: every member's digest composed into the outbox, then delivered, at full size.

    python -m bench.nudges [--members 1000 --contacts 200000 --ties 1000000 --interactions 5000000
                            --seed 7 --backend sqlite|postgresql|both] [--profile 40]

The target (the issue): a sweep over 1,000 members, 1,000,000 ties and 5,000,000 interactions
composes every member's digest in at most 15 s with at most 1 GB of memory, aggregating in SQL.

What it does, per database (SQLite in a temporary file; PostgreSQL in a fresh schema of
`TEST_DATABASE_URL`, dropped at the end; `both` runs SQLite, then PostgreSQL when that variable is set):

1. Generates one workspace into a database migrated by `bot.db.migrate`, in a child process so its
   rows never count in the sweep's memory. Members spread over four time zones, each due at `NOW`
   (daily, from 00:00, every day of the week, tips not yet sent this week); companies and contacts,
   some contacts tagged client, friend, partner or investor, and a few cadence rules per member;
   ties spread over members with skewed degrees, strengths mostly weak, scores from -7 to +10, some
   with their own cadence or a network overlap; interactions spread over the ties (at least one for
   95 % of them, more for stronger ties) over two years, each with one contact, an initiator (me,
   them, or unknown) and a channel; every tie's cached `last_interaction_at`, `interaction_count`
   and kept balance (`initiated_by_me`/`_them` as of `NOW`, as the app keeps them when it scores a
   tie) agree with its interactions; and some nudge memory (sent, muted, snoozed). Bulk inserts: raw
   executemany on SQLite, COPY on PostgreSQL (then VACUUM ANALYZE, as autovacuum does on a live
   server: `bench.common`).
   Then `bot.db.migrate`, as `rapport run` does when it starts: it refreshes the planner's statistics.
2. In a fresh process (spawned, so neither the generator nor the harness counts in its memory):
   `models.nudges.digests.compose_due(uow, NOW)`, the real compose writing the outbox (two members at a
   time, as the app does), timed as a whole and per member (the module's `_compose_member` is
   wrapped with a timer), with the SQL statements run per member; then `deliver_pending` with a sender that stands in for Slack and accepts every digest.
   Memory is the peak resident set size of that process (`ru_maxrss`), read before composing (the
   imports and the engine), after composing, and after delivering. The compose's CPU time in that
   process and the load average around it are reported too: on a busy machine the wall time grows
   while the CPU time does not (on PostgreSQL the server's work is outside that CPU time).

`--sqlite-file PATH` generates the SQLite database into PATH once and sweeps a copy of it on each later
run (to compare changes without generating again). `--profile N` runs the compose under cProfile and prints its N most expensive calls on stderr (the
times are then inflated: do not compare them with the target). `--keep` leaves the database (file or
schema) in place, its URL in the JSON line, to look into afterwards (it then holds the composed
outbox). Progress goes to stderr; stdout gets one JSON line.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import itertools
import json
import math
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from time import perf_counter, process_time
from typing import Any

from sqlalchemy import Boolean, Connection, Engine, Table, event, func, select, text
from sqlalchemy.engine import make_url

from bench.common import peak_rss_mb, percentiles, run_sql, vacuum_analyze
from bot.db import make_engine, make_session_factory, migrate
from models.core.names import fold
from models.core.nudges import NudgeKind
from models.core.scoring import InteractionFact, recent_initiatives
from models.core.values import Channel, Initiator
from models.core.weekdays import WEEKDAYS
from models.db.orm import (
    Account,
    CadenceRule,
    Contact,
    Interaction,
    Member,
    NudgeMemory,
    Outbox,
    Tie,
    UTCDateTime,
    Workspace,
    contact_tags,
    interaction_contacts,
)
from models.db.uow import UnitOfWork
from models.delivery.outbox import Delivery, OutgoingMessage, deliver_pending
from models.nudges import digests
from models.nudges.digests import compose_due

TARGET_COMPOSE_S = 15.0
TARGET_PEAK_RSS_MB = 1024.0

WORKSPACE_ID = 1
TEAM_ID = "TBENCHNUDGE"
#: A Wednesday, noon UTC: 05:00 in Los Angeles, 14:00 in Paris, 17:30 in Kolkata; every member is due.
NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
HISTORY = timedelta(days=730)
TIME_ZONES = ("Europe/Paris", "Asia/Kolkata", "America/Los_Angeles", "UTC")
#: Interactions written per transaction (with the ties and nudge memory of the same members).
CHUNK = 50_000

#: Contact tags and the share of contacts that carry each one.
TAG_SHARES = {"client": 0.12, "friend": 0.06, "partner": 0.04, "investor": 0.02}
#: Cadence rules: the share of members who set one for the tag, and its days.
CADENCE_RULES = {"client": (0.6, 30), "friend": (0.4, 90), "partner": (0.25, 45), "investor": (0.1, 60)}
CHANNEL_WEIGHTS = {
    Channel.EMAIL: 30,
    Channel.PHONE: 20,
    Channel.VIDEO: 20,
    Channel.IN_PERSON: 15,
    Channel.CHAT: 10,
    Channel.SOCIAL: 5,
}
SPOKEN = {Channel.PHONE, Channel.VIDEO, Channel.IN_PERSON}
MEMORIES_PER_MEMBER = 10
EVERY_DAY = ",".join(WEEKDAYS)

WORKSPACE_COLUMNS = ("id", "slack_team_id", "name", "created_at")
MEMBER_COLUMNS = (
    "id",
    "workspace_id",
    "slack_user_id",
    "display_name",
    "time_zone",
    "nudge_frequency",
    "nudge_time",
    "nudge_days",
    "created_at",
)
ACCOUNT_COLUMNS = ("id", "workspace_id", "name", "name_key", "created_at")
CONTACT_COLUMNS = ("id", "workspace_id", "name", "name_key", "account_id", "created_at")
CADENCE_COLUMNS = ("id", "workspace_id", "member_id", "tag", "days")
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
    "cadence_days",
    "overlap_share",
    "created_at",
    "initiated_by_me",
    "initiated_by_them",
    "initiatives_as_of",
    "initiatives_until",
)
INTERACTION_COLUMNS = (
    "id",
    "workspace_id",
    "member_id",
    "request_key",
    "occurred_at",
    "time_given",
    "duration_minutes",
    "channel",
    "initiator",
    "notes",
    "source",
    "created_at",
    "undone_at",
)
MEMORY_COLUMNS = (
    "id",
    "workspace_id",
    "member_id",
    "contact_id",
    "kind",
    "times_sent",
    "last_sent_at",
    "muted",
    "snoozed_until",
)


def _words(text_block: str) -> list[str]:
    return text_block.split()


FIRST_NAMES = _words(
    """
James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph
Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Maria Anthony Sandra Mark Margaret José Ashley
François Hélène Zoë Chloé Léa Renée Jérôme Cédric Noémie Éric Jürgen Björn Søren Åsa Lucía Begoña Joaquín
Giulia Giuseppe Niccolò João Gonçalo Paweł Łukasz Jiří Tomáš Ayşe Priya Rahul Anjali Wei Jing Hiroshi Yuki
Kwame Amara Fatima Ahmed Olga Ivan Ingrid Lars Siobhán Aoife
"""
)
LAST_NAMES = _words(
    """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Wilson Anderson Taylor Moore
Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker Müller Schneider Fischer Weber Schäfer
Krüger Dubois Petit Durand Lefèvre Bertrand Mercier Guérin Noël Fernández González López Martínez Pérez
Rossi Russo Ferrari Esposito Johansson Nilsson Jørgensen Virtanen Nowak Wiśniewski Novák Dvořák Yılmaz
Öztürk Sharma Gupta Iyer Wang Zhang Liu Sato Tanaka Nguyen Pham O'Brien Walsh Ivanov Okafor Diallo Haddad
Cohen
"""
)
BRAND_HEADS = _words(
    """
Nord Sud Alp Blue Red Green Silver Gold Iron Stone River Lake Sun Star Nova Terra Aqua Vita Ever Bright Clear
Swift True Prime Peak Summit Harbor Cedar Oak Pine Maple Birch Falcon Eagle Hawk Wolf Fox Lion Zen Omni
"""
)
BRAND_TAILS = _words(
    """
wind field ridge stone water light line point gate bridge works tech tron tex nix lab sys soft ware cloud
data logic ify ly io ia ium ex ix ora ova ara ant ent
"""
)
LEGAL_FORMS = ["", "Inc", "Ltd", "LLC", "GmbH", "AG", "SA", "SAS", "BV", "SpA", "AB", "plc", "Group"]
INDUSTRIES = _words(
    """
Systems Logistics Bank Pharma Energy Énergie Capital Partners Consulting Analytics Software Solutions
Technologies Foods Motors Industries Insurance Assurances Telecom Media Health Santé Robotics Aerospace
Chemicals Materials Retail Textiles Construction Holdings Ventures Labs Networks Security Mobility
"""
)


@dataclass(frozen=True)
class Sizes:
    members: int
    contacts: int
    accounts: int
    ties: int
    interactions: int


# Generating the workspace --------------------------------------------------------------------------
class Loader:
    """Bulk inserts, one transaction per call: COPY on PostgreSQL, a raw executemany on SQLite."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.counts: dict[str, int] = {}
        self.postgresql = engine.dialect.name == "postgresql"
        _check_sqlite_time_text(engine)

    def write(self, tables: Sequence[tuple[Table, Sequence[str], Sequence[tuple[Any, ...]]]]) -> None:
        with self.engine.begin() as connection:
            for table, columns, rows in tables:
                if not rows:
                    continue
                if self.postgresql:
                    _copy(connection, table, columns, rows)
                else:
                    _executemany(connection, table, columns, rows)
                self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)


def _copy(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _executemany(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """SQLite without SQLAlchemy's per-value processing: times as the UTCDateTime type stores them."""
    converters = [_sqlite_converter(table, column) for column in columns]
    if any(converters):
        rows = [
            tuple(
                value if convert is None or value is None else convert(value)
                for convert, value in zip(converters, row, strict=True)
            )
            for row in rows
        ]
    placeholders = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})", rows)


def _sqlite_converter(table: Table, column: str) -> Callable[[Any], Any] | None:
    column_type = table.c[column].type
    if isinstance(column_type, UTCDateTime):
        return sqlite_time_text
    if isinstance(column_type, Boolean):
        return int
    return None


def sqlite_time_text(moment: datetime) -> str:
    """A whole-second UTC instant as SQLAlchemy's SQLite DATETIME stores it (checked by `_check_sqlite_time_text`)."""
    return moment.isoformat(" ", "seconds")[:19] + ".000000"


def _check_sqlite_time_text(engine: Engine) -> None:
    """The times compared in SQL are text on SQLite: ours must read exactly as the app's own."""
    if engine.dialect.name != "sqlite":
        return
    process = UTCDateTime().dialect_impl(engine.dialect).bind_processor(engine.dialect)
    sample = NOW - timedelta(days=123, seconds=4567)
    if process is None or process(sample) != sqlite_time_text(sample):
        raise RuntimeError("the benchmark's SQLite time text differs from the app's: fix sqlite_time_text")


def load_workspace(url: str, sizes: Sizes, seed: int) -> dict[str, Any]:
    """Migrate an empty database and fill it; returns the rows per table and this process's peak memory."""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        # Only the generator's own connections: the sweep runs with the app's settings.
        event.listen(engine, "connect", _fast_sqlite_loading)
    migrate(engine)
    loader = Loader(engine)
    rng = random.Random(f"{seed}:people")
    started = perf_counter()
    loader.write(
        [
            (Workspace.__table__, WORKSPACE_COLUMNS, [(WORKSPACE_ID, TEAM_ID, "Bench", NOW)]),
            (Member.__table__, MEMBER_COLUMNS, list(_member_rows(sizes))),
            (Account.__table__, ACCOUNT_COLUMNS, list(_account_rows(sizes, rng))),
        ]
    )
    loader.write([(Contact.__table__, CONTACT_COLUMNS, list(_contact_rows(sizes, rng)))])
    loader.write(
        [
            (contact_tags, ("contact_id", "tag"), list(_contact_tag_rows(sizes, rng))),
            (CadenceRule.__table__, CADENCE_COLUMNS, list(_cadence_rows(sizes, rng))),
        ]
    )
    say(f"  people and companies in {perf_counter() - started:.1f} s")
    started = perf_counter()
    plan = plan_relationships(sizes, random.Random(f"{seed}:plan"))
    degrees = sorted(plan.degrees)
    say(f"  planned {len(plan.strengths):,} ties in {perf_counter() - started:.1f} s")
    written = 0
    for chunk in relationship_chunks(sizes, plan, random.Random(f"{seed}:relationships")):
        loader.write(chunk.tables())
        written += len(chunk.interactions)
        if written // 500_000 != (written - len(chunk.interactions)) // 500_000:
            say(f"  {written:,} interactions after {perf_counter() - started:.0f} s")
    say(f"  ties and interactions in {perf_counter() - started:.1f} s")
    started = perf_counter()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            tables = ("workspaces", "members", "accounts", "contacts", "cadence_rules", "ties", "interactions")
            for table in (*tables, "nudge_memory"):  # the app inserts after our explicit ids
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
                )
    vacuum_analyze(engine, list(loader.counts))
    engine.dispose()  # on SQLite, the last connection to close checkpoints the WAL into the file
    say(f"  finished (sequences, statistics, checkpoint) in {perf_counter() - started:.1f} s")
    ties_per_member = {"p50": degrees[len(degrees) // 2], "p95": degrees[len(degrees) * 95 // 100], "max": degrees[-1]}
    return {"rows": loader.counts, "ties_per_member": ties_per_member, "peak_rss_mb": peak_rss_mb()}


def _fast_sqlite_loading(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA cache_size=-262144")  # 256 MB, so the indexes are updated in memory
    cursor.close()


def _member_rows(sizes: Sizes) -> Iterator[tuple[Any, ...]]:
    first_names = itertools.cycle(FIRST_NAMES)
    last_names = itertools.cycle(reversed(LAST_NAMES))
    for member_id in range(1, sizes.members + 1):
        zone = TIME_ZONES[(member_id - 1) % len(TIME_ZONES)]
        name = f"{next(first_names)} {next(last_names)}"
        yield (
            member_id,
            WORKSPACE_ID,
            slack_user_id(member_id),
            name,
            zone,
            "daily",
            "00:00",
            EVERY_DAY,
            NOW - HISTORY,
        )


def slack_user_id(member_id: int) -> str:
    return f"U{member_id:08d}"


def _account_rows(sizes: Sizes, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """Distinct company names: a brand, an industry and a legal form, drawn without repetition."""
    shapes = [len(BRAND_HEADS), len(BRAND_TAILS), len(INDUSTRIES), len(LEGAL_FORMS)]
    combinations = math.prod(shapes)
    picks = rng.sample(range(combinations), sizes.accounts) if sizes.accounts <= combinations else None
    for account_id in range(1, sizes.accounts + 1):
        if picks is None:
            name = f"Company {account_id}"
        else:
            rest, form = divmod(picks[account_id - 1], len(LEGAL_FORMS))
            rest, industry = divmod(rest, len(INDUSTRIES))
            head, tail = divmod(rest, len(BRAND_TAILS))
            name = f"{BRAND_HEADS[head]}{BRAND_TAILS[tail]} {INDUSTRIES[industry]} {LEGAL_FORMS[form]}".strip()
        yield (account_id, WORKSPACE_ID, name, fold(name), NOW - HISTORY)


def _contact_rows(sizes: Sizes, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """People with repeated names; one in ten works at no known company."""
    keys: dict[str, str] = {}
    for contact_id in range(1, sizes.contacts + 1):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        key = keys.get(name) or keys.setdefault(name, fold(name))
        account_id = rng.randint(1, sizes.accounts) if rng.random() < 0.9 else None
        yield (contact_id, WORKSPACE_ID, name, key, account_id, NOW - HISTORY)


def _contact_tag_rows(sizes: Sizes, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    for contact_id in range(1, sizes.contacts + 1):
        for tag, share in TAG_SHARES.items():
            if rng.random() < share:
                yield (contact_id, tag)


def _cadence_rows(sizes: Sizes, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    rule_id = 0
    for member_id in range(1, sizes.members + 1):
        for tag, (share, days) in CADENCE_RULES.items():
            if rng.random() < share:
                rule_id += 1
                yield (rule_id, WORKSPACE_ID, member_id, tag, days)


@dataclass(frozen=True)
class RelationshipPlan:
    """Per member, how many ties; per tie (in member order), its strength and its interactions."""

    degrees: list[int]
    strengths: list[float]
    interaction_counts: list[int]


def plan_relationships(sizes: Sizes, rng: random.Random) -> RelationshipPlan:
    """Skewed degrees; 95 % of ties have interactions, stronger ones more, summing to `sizes.interactions`."""
    cap = max(1, min(sizes.contacts, 10 * sizes.ties // max(sizes.members, 1)))
    degrees = _skewed_split(sizes.ties, sizes.members, 0.8, cap, rng)
    total_ties = sum(degrees)
    # Most ties are weak, some strong (beta 1.2/3: mean 0.29, ~8 % above 0.6).
    strengths = [round(rng.betavariate(1.2, 3.0), 4) for _ in range(total_ties)]
    active = [index for index in range(total_ties) if rng.random() < 0.95]
    if len(active) > sizes.interactions:
        active = sorted(rng.sample(active, sizes.interactions))
    counts = [0] * total_ties
    weights = [(0.3 + 2.0 * strengths[index]) * rng.lognormvariate(0.0, 0.7) for index in active]
    extra = sizes.interactions - len(active)
    scale = extra / sum(weights) if weights else 0.0
    for index, weight in zip(active, weights, strict=True):
        counts[index] = 1 + int(weight * scale)
    short = sizes.interactions - sum(counts)
    if short > 0 and active:
        for index in rng.choices(active, weights=weights, k=short):
            counts[index] += 1
    return RelationshipPlan(degrees=degrees, strengths=strengths, interaction_counts=counts)


def _skewed_split(total: int, bins: int, sigma: float, cap: int, rng: random.Random) -> list[int]:
    """`total` split over `bins` with log-normal weights, none above `cap`."""
    weights = [rng.lognormvariate(0.0, sigma) for _ in range(bins)]
    scale = total / sum(weights)
    counts = [min(cap, int(weight * scale)) for weight in weights]
    short = total - sum(counts)
    while short > 0:
        open_bins = [index for index in range(bins) if counts[index] < cap]
        if not open_bins:
            break
        for index in rng.choices(open_bins, weights=[weights[i] for i in open_bins], k=short):
            if counts[index] < cap and short > 0:
                counts[index] += 1
                short -= 1
    return counts


@dataclass
class RelationshipChunk:
    """The ties, interactions and nudge memory of a run of consecutive members."""

    ties: list[tuple[Any, ...]] = field(default_factory=list)
    interactions: list[tuple[Any, ...]] = field(default_factory=list)
    interaction_contacts: list[tuple[int, int]] = field(default_factory=list)
    memories: list[tuple[Any, ...]] = field(default_factory=list)

    def tables(self) -> list[tuple[Table, Sequence[str], Sequence[tuple[Any, ...]]]]:
        return [
            (Tie.__table__, TIE_COLUMNS, self.ties),
            (Interaction.__table__, INTERACTION_COLUMNS, self.interactions),
            (interaction_contacts, ("interaction_id", "contact_id"), self.interaction_contacts),
            (NudgeMemory.__table__, MEMORY_COLUMNS, self.memories),
        ]


def relationship_chunks(sizes: Sizes, plan: RelationshipPlan, rng: random.Random) -> Iterator[RelationshipChunk]:
    channels, channel_weights = list(CHANNEL_WEIGHTS), list(itertools.accumulate(CHANNEL_WEIGHTS.values()))
    history_s = int(HISTORY.total_seconds())
    tie_index = 0
    interaction_id = 0
    memory_id = 0
    chunk = RelationshipChunk()
    for member_id, degree in enumerate(plan.degrees, start=1):
        known = sorted(rng.sample(range(1, sizes.contacts + 1), degree))
        remembered = []
        for contact_id in known:
            strength = plan.strengths[tie_index]
            planned = plan.interaction_counts[tie_index]
            tie_index += 1
            # Stronger ties were seen more recently; the rest of the history is spread over two years.
            recent_days = min(HISTORY.days, rng.expovariate(1 / (10 + 200 * (1 - strength) ** 2)))
            recent_s = int(recent_days * 86_400)
            share_by_me = _initiative_bias(rng)
            last: datetime | None = None
            logged = 0
            facts: list[InteractionFact] = []
            for position in range(planned):
                interaction_id += 1
                ago = recent_s if position == 0 else rng.randint(recent_s, history_s)
                occurred_at = NOW - timedelta(seconds=ago)
                channel = rng.choices(channels, cum_weights=channel_weights)[0]
                known_initiator = rng.random() < 0.75
                initiator = (
                    (Initiator.ME if rng.random() < share_by_me else Initiator.THEM) if known_initiator else None
                )
                undone_at = occurred_at + timedelta(minutes=5) if rng.random() < 0.005 else None
                chunk.interactions.append(
                    (
                        interaction_id,
                        WORKSPACE_ID,
                        member_id,
                        f"bench:{interaction_id}",
                        occurred_at,
                        rng.random() < 0.8,
                        rng.choice((15, 30, 45, 60)) if channel in SPOKEN else None,
                        channel.value,
                        initiator.value if initiator else None,
                        "",
                        "command",
                        occurred_at,
                        undone_at,
                    )
                )
                chunk.interaction_contacts.append((interaction_id, contact_id))
                if undone_at is None:
                    logged += 1
                    last = occurred_at if last is None or occurred_at > last else last
                    facts.append(InteractionFact(occurred_at, channel, None, initiator))
            # What the app keeps on a tie when it scores it (services._refresh_tie), as of NOW.
            initiatives = recent_initiatives(facts, NOW)
            score = None if rng.random() < 0.2 else max(-7, min(10, round(strength * 8 + rng.gauss(0, 2))))
            chunk.ties.append(
                (
                    tie_index,
                    WORKSPACE_ID,
                    member_id,
                    contact_id,
                    rng.random() < 0.02,
                    score,
                    strength if logged else 0.0,
                    last,
                    logged,
                    NOW,
                    rng.choice((14, 30, 60, 90)) if rng.random() < 0.03 else None,
                    round(rng.betavariate(2, 4), 3) if rng.random() < 0.4 else None,
                    NOW - HISTORY,
                    initiatives.by_me,
                    initiatives.by_them,
                    NOW,
                    initiatives.until,
                )
            )
            if logged:
                remembered.append(contact_id)
        for contact_id in rng.sample(remembered, min(MEMORIES_PER_MEMBER, len(remembered))):
            memory_id += 1
            chunk.memories.append(_memory_row(memory_id, member_id, contact_id, rng))
        if len(chunk.interactions) >= CHUNK:
            yield chunk
            chunk = RelationshipChunk()
    yield chunk


def _initiative_bias(rng: random.Random) -> float:
    """The share of a tie's interactions the member starts: mostly balanced, 15 % each way one-sided."""
    draw = rng.random()
    if draw < 0.15:
        return rng.uniform(0.85, 1.0)
    if draw < 0.30:
        return rng.uniform(0.0, 0.15)
    return rng.uniform(0.3, 0.7)


def _memory_row(memory_id: int, member_id: int, contact_id: int, rng: random.Random) -> tuple[Any, ...]:
    """A nudge sent before: ignored once or a few times, muted (10 %) or snoozed for a week (10 %)."""
    draw = rng.random()
    return (
        memory_id,
        WORKSPACE_ID,
        member_id,
        contact_id,
        rng.choice((NudgeKind.NEGLECTED, NudgeKind.ONE_SIDED, NudgeKind.LUNCH)).value,
        rng.randint(1, 4),
        NOW - timedelta(seconds=rng.randint(86_400, 40 * 86_400)),
        draw < 0.1,
        NOW + timedelta(days=7) if 0.1 <= draw < 0.2 else None,
    )


# The sweep -----------------------------------------------------------------------------------------
class AcceptingSender:
    """Stands in for Slack: every message is delivered at once, and none was ever sent before."""

    def __init__(self) -> None:
        self.sent = 0

    def send(self, message: OutgoingMessage) -> Delivery:
        self.sent += 1
        return Delivery("D1", "1.0")

    def find_sent(self, message: OutgoingMessage) -> Delivery | None:
        return None


class StatementCounter:
    """SQL statements sent to the database by the calling thread (members are composed side by side)."""

    def __init__(self, engine: Engine) -> None:
        self._counts: dict[int, int] = {}
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_: Any) -> None:
        thread = threading.get_ident()
        self._counts[thread] = self._counts.get(thread, 0) + 1

    @property
    def statements(self) -> int:
        return self._counts.get(threading.get_ident(), 0)


def run_sweep(url: str, profile_lines: int) -> dict[str, Any]:
    """Compose every due digest, then deliver them; in its own process, so the memory is the sweep's."""
    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine))
    with engine.connect() as connection:  # connect (and import the driver) before the baseline
        connection.execute(text("SELECT 1"))
    counter = StatementCounter(engine)
    member_ms: list[float] = []
    member_statements: list[int] = []
    compose_member = digests._compose_member

    @functools.wraps(compose_member)
    def timed_compose_member(*arguments: Any, **keywords: Any) -> Any:
        statements_before = counter.statements
        started = perf_counter()
        try:
            return compose_member(*arguments, **keywords)
        finally:
            member_ms.append((perf_counter() - started) * 1000)
            member_statements.append(counter.statements - statements_before)

    digests._compose_member = timed_compose_member  # type: ignore[assignment]
    rss = {"before_compose": peak_rss_mb()}
    profiler = cProfile.Profile() if profile_lines else None
    load_before = os.getloadavg()[0]
    started, cpu_started = perf_counter(), process_time()
    composed = profiler.runcall(compose_due, uow, NOW) if profiler is not None else compose_due(uow, NOW)
    compose_s, compose_cpu_s = perf_counter() - started, process_time() - cpu_started
    load_after = os.getloadavg()[0]
    rss["after_compose"] = peak_rss_mb()
    digests._compose_member = compose_member  # type: ignore[assignment]
    if profiler is not None:
        _print_profile(profiler, profile_lines)

    sender = AcceptingSender()
    started = perf_counter()
    report = deliver_pending(uow, sender, NOW, worker="bench")
    deliver_s = perf_counter() - started
    rss["after_deliver"] = peak_rss_mb()
    with engine.connect() as connection:
        statuses = dict(connection.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all())
    engine.dispose()
    return {
        "compose_s": round(compose_s, 2),
        "compose_cpu_s": round(compose_cpu_s, 2),
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "compose_member_ms": percentiles(member_ms),
        "statements_per_member": {
            "p50": statistics.median(member_statements or [0]),
            "max": max(member_statements or [0]),
        },
        "deliver_s": round(deliver_s, 2),
        "digests": len(composed),
        "items": sum(len(digest.items) for digest in composed),
        "empty_digests": sum(1 for digest in composed if not digest.items),
        "sent": report.sent,
        "outbox": statuses,
        "profiled": bool(profile_lines),
        "rss_mb": rss,
        "peak_rss_mb": rss["after_compose"],
        "peak_rss_with_deliver_mb": rss["after_deliver"],
    }


def _print_profile(profiler: cProfile.Profile, lines: int) -> None:
    for order in ("cumulative", "tottime"):
        output = io.StringIO()
        pstats.Stats(profiler, stream=output).strip_dirs().sort_stats(order).print_stats(lines)
        say(f"profile by {order}:\n{output.getvalue()}")


# One backend ---------------------------------------------------------------------------------------
def run_backend(backend: str, sizes: Sizes, args: argparse.Namespace) -> dict[str, Any]:
    """Generate a fresh database in one child process, sweep it in another, then remove it (unless kept)."""
    folder, schema = None, None
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="rapport-bench-nudges-")
        url = f"sqlite:///{folder}/bench.db"
    else:
        base_url = os.environ["TEST_DATABASE_URL"]
        schema = f"bench_nudges_{uuid.uuid4().hex[:8]}"
        url = base_url + ("&" if "?" in base_url else "?") + f"options=-csearch_path%3D{schema}"
        run_sql(base_url, f"CREATE SCHEMA {schema}")
    try:
        started = perf_counter()
        if backend == "sqlite" and args.sqlite_file:
            loaded = _sqlite_from_file(args.sqlite_file, url, sizes, args.seed)
        else:
            say(f"{backend}: generating {sizes}")
            loaded = in_child(load_workspace, url, sizes, args.seed)
        # `rapport run` migrates when it starts, which refreshes the planner's statistics: so does the bench.
        in_child(_migrate, url)
        generate_s = perf_counter() - started
        say(f"{backend}: generated in {generate_s:.1f} s; sweeping")
        swept = in_child(run_sweep, url, args.profile)
        say(f"{backend}: composed in {swept['compose_s']} s, delivered in {swept['deliver_s']} s")
        result = {"generate_s": round(generate_s, 1), **swept}
        result["generate_peak_rss_mb"] = loaded["peak_rss_mb"]
        result["rows"] = loaded["rows"]
        result["ties_per_member"] = loaded["ties_per_member"]
        if backend == "sqlite":
            result["database_mb"] = round(Path(make_url(url).database or "").stat().st_size / 2**20)
        if args.keep:
            result["kept_url"] = url
        return result
    finally:
        if not args.keep:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
            if schema is not None:
                run_sql(os.environ["TEST_DATABASE_URL"], f"DROP SCHEMA {schema} CASCADE")


def _sqlite_from_file(kept: str, url: str, sizes: Sizes, seed: int) -> dict[str, Any]:
    """Generate into `kept` once (with a note of what it holds), then sweep a copy of it each time."""
    note = Path(kept + ".json")
    if not Path(kept).exists() or not note.exists():
        say(f"sqlite: generating {sizes} into {kept}")
        loaded = in_child(load_workspace, f"sqlite:///{kept}", sizes, seed)
        note.write_text(json.dumps(loaded))
    else:
        say(f"sqlite: copying {kept}")
    shutil.copyfile(kept, make_url(url).database or "")
    return dict(json.loads(note.read_text()))


def _migrate(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()


def in_child(function: Callable[..., Any], *arguments: Any) -> Any:
    """Run `function` in a freshly spawned process: its memory is its own, and it starts from nothing."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *arguments).result()


def say(message: str) -> None:
    print(f"[nudges bench {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# The command line ----------------------------------------------------------------------------------
def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.nudges", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000)
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--accounts", type=int, help="companies (default: one per ten contacts)")
    parser.add_argument("--ties", type=int, default=1_000_000)
    parser.add_argument("--interactions", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile the compose, print N lines")
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is in the JSON line)")
    parser.add_argument(
        "--sqlite-file", help="generate the SQLite database into this file once, then sweep a copy of it each run"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_arguments(argv)
    sizes = Sizes(
        members=args.members,
        contacts=args.contacts,
        accounts=args.accounts or max(args.contacts // 10, 1),
        ties=args.ties,
        interactions=args.interactions,
    )
    if args.backend == "postgresql" and not os.environ.get("TEST_DATABASE_URL"):
        sys.exit("--backend postgresql needs TEST_DATABASE_URL")
    backends = [args.backend] if args.backend != "both" else ["sqlite"]
    if args.backend == "both" and os.environ.get("TEST_DATABASE_URL"):
        backends.append("postgresql")
    results = {backend: run_backend(backend, sizes, args) for backend in backends}
    print(
        json.dumps(
            {
                "sizes": asdict(sizes),
                "seed": args.seed,
                "now": NOW.isoformat(),
                **results,
                "targets": {"compose_s": TARGET_COMPOSE_S, "peak_rss_mb": TARGET_PEAK_RSS_MB},
                "met": {
                    backend: {
                        "compose_s": result["compose_s"] <= TARGET_COMPOSE_S,
                        "peak_rss_mb": result["peak_rss_mb"] <= TARGET_PEAK_RSS_MB,
                    }
                    for backend, result in results.items()
                },
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
