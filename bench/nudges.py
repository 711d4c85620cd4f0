"""Times the nudge sweep: every member's digest composed into the outbox, then delivered, at full size.

    python -m bench.nudges [--members 1000 --contacts 200000 --ties 1000000 --interactions 5000000
                            --seed 7 --backend sqlite|postgresql|both] [--profile 40]

The target (the issue): a sweep over 1,000 members, 1,000,000 ties and 5,000,000 interactions
composes every member's digest in at most 15 s with at most 1 GB of memory, aggregating in SQL.

What it does, per database (SQLite in a temporary file; PostgreSQL in a fresh schema of
`TEST_DATABASE_URL`, dropped at the end; `both` runs SQLite, then PostgreSQL when that variable is set):

1. Generates one workspace (`bench.generate.relationships`: members all due at `NOW`, tagged
   contacts and cadence rules, ties with two years of interactions whose cached figures agree with
   them, some nudge memory) into a database migrated by `bot.db.migrate`, in a child process so its
   rows never count in the sweep's memory. Bulk inserts (`bench.generate.loading`): a raw
   executemany on SQLite, COPY on PostgreSQL (then VACUUM ANALYZE, as autovacuum does on a live
   server). Then `bot.db.migrate`, as `rapport run` does when it starts: it refreshes the planner's statistics.
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
import json
import os
import pstats
import statistics
import threading
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from time import perf_counter, process_time
from typing import Any

from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.engine import make_url

from bench.common import backends_to_run, in_child, peak_rss_mb, percentiles, say, scratch_database
from bench.generate.loading import generate_workspace, sqlite_from_file, start_as_the_app
from bench.generate.relationships import NOW, NudgeSizes, NudgeWorkspace, add_nudge_arguments, nudge_sizes
from bot.db import make_engine, make_session_factory
from models.db.orm import Outbox
from models.db.uow import UnitOfWork
from models.delivery.outbox import Delivery, OutgoingMessage, deliver_pending
from models.nudges import digests
from models.nudges.digests import ComposedDigest, compose_due

TARGET_COMPOSE_S = 15.0
TARGET_PEAK_RSS_MB = 1024.0


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


class MemberTimer:
    """While in use, each member's compose (`digests._compose_member`) is timed and its statements counted."""

    def __init__(self, counter: StatementCounter) -> None:
        self.counter = counter
        self.member_ms: list[float] = []
        self.member_statements: list[int] = []
        self._compose_member = digests._compose_member

    def __enter__(self) -> MemberTimer:
        compose_member = self._compose_member

        @functools.wraps(compose_member)
        def timed_compose_member(*arguments: Any, **keywords: Any) -> Any:
            statements_before = self.counter.statements
            started = perf_counter()
            try:
                return compose_member(*arguments, **keywords)
            finally:
                self.member_ms.append((perf_counter() - started) * 1000)
                self.member_statements.append(self.counter.statements - statements_before)

        digests._compose_member = timed_compose_member
        return self

    def __exit__(self, *_: object) -> None:
        digests._compose_member = self._compose_member

    def figures(self) -> dict[str, Any]:
        statements = self.member_statements or [0]
        return {
            "compose_member_ms": percentiles(self.member_ms),
            "statements_per_member": {"p50": statistics.median(statements), "max": max(statements)},
        }


def run_sweep(url: str, profile_lines: int) -> dict[str, Any]:
    """Compose every due digest, then deliver them; in its own process, so the memory is the sweep's."""
    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine))
    with engine.connect() as connection:  # connect (and import the driver) before the baseline
        connection.execute(text("SELECT 1"))
    with MemberTimer(StatementCounter(engine)) as timer:
        rss = {"before_compose": peak_rss_mb()}
        composed, composing = _compose(uow, profile_lines)
        rss["after_compose"] = peak_rss_mb()
    delivering = _deliver(uow, engine)
    rss["after_deliver"] = peak_rss_mb()
    engine.dispose()
    return {
        **composing,
        **timer.figures(),
        **delivering,
        "digests": len(composed),
        "items": sum(len(digest.items) for digest in composed),
        "empty_digests": sum(1 for digest in composed if not digest.items),
        "profiled": bool(profile_lines),
        "rss_mb": rss,
        "peak_rss_mb": rss["after_compose"],
        "peak_rss_with_deliver_mb": rss["after_deliver"],
    }


def _compose(uow: UnitOfWork, profile_lines: int) -> tuple[list[ComposedDigest], dict[str, Any]]:
    """`compose_due` timed (wall and CPU, with the load average around it), under cProfile if asked."""
    profiler = cProfile.Profile() if profile_lines else None
    load_before = os.getloadavg()[0]
    started, cpu_started = perf_counter(), process_time()
    composed = profiler.runcall(compose_due, uow, NOW) if profiler is not None else compose_due(uow, NOW)
    compose_s, compose_cpu_s = perf_counter() - started, process_time() - cpu_started
    load_after = os.getloadavg()[0]
    if profiler is not None:
        _print_profile(profiler, profile_lines)
    return composed, {
        "compose_s": round(compose_s, 2),
        "compose_cpu_s": round(compose_cpu_s, 2),
        "load_average": [round(load_before, 2), round(load_after, 2)],
    }


def _deliver(uow: UnitOfWork, engine: Engine) -> dict[str, Any]:
    """Every composed digest delivered to a sender that accepts them all; the outbox's statuses after."""
    started = perf_counter()
    report = deliver_pending(uow, AcceptingSender(), NOW, worker="bench")
    deliver_s = perf_counter() - started
    with engine.connect() as connection:
        statuses = dict(connection.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all())
    return {"deliver_s": round(deliver_s, 2), "sent": report.sent, "outbox": statuses}


def _print_profile(profiler: cProfile.Profile, lines: int) -> None:
    for order in ("cumulative", "tottime"):
        output = io.StringIO()
        pstats.Stats(profiler, stream=output).strip_dirs().sort_stats(order).print_stats(lines)
        say(f"profile by {order}:\n{output.getvalue()}")


# One backend ---------------------------------------------------------------------------------------
def run_backend(backend: str, sizes: NudgeSizes, args: argparse.Namespace) -> dict[str, Any]:
    """Generate a fresh database in one child process, sweep it in another, then remove it (unless kept)."""
    with scratch_database(backend, "nudges", keep=args.keep) as url:
        started = perf_counter()
        if backend == "sqlite" and args.sqlite_file:
            loaded = sqlite_from_file(args.sqlite_file, url, NudgeWorkspace(sizes, args.seed))
        else:
            say(f"{backend}: generating {sizes}")
            loaded = in_child(generate_workspace, url, NudgeWorkspace(sizes, args.seed))
        in_child(start_as_the_app, url)
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


# The command line ----------------------------------------------------------------------------------
def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.nudges", description=(__doc__ or "").splitlines()[0])
    add_nudge_arguments(parser, "sweep")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile the compose, print N lines")
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is in the JSON line)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_arguments(argv)
    sizes = nudge_sizes(args)
    results = {backend: run_backend(backend, sizes, args) for backend in backends_to_run(args.backend)}
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
