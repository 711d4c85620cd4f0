"""What the benchmarks share: figures (percentiles, memory), a statement run on its own, and what a
live PostgreSQL server does by itself after a bulk load, done at once before timing."""

from __future__ import annotations

import resource
import statistics
from collections.abc import Sequence

from sqlalchemy import Engine, text

from bot.db import make_engine


def vacuum_analyze(engine: Engine, tables: Sequence[str]) -> None:
    """VACUUM ANALYZE the freshly loaded tables (PostgreSQL only; names as the search path finds them).

    Autovacuum does this on a live server (since PostgreSQL 13 after inserts too): statistics for
    the planner, and the visibility map that lets index-only scans skip the table. Right after COPY
    neither exists yet, and timing then would measure a state no running server stays in.
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"VACUUM ANALYZE {', '.join(tables)}")


def run_sql(url: str, statement: str) -> None:
    """One statement in its own transaction (creating or dropping a benchmark's schema)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and max of timings in milliseconds, and how many there were."""
    if len(samples_ms) < 2:
        only = samples_ms[0] if samples_ms else 0.0
        return {"p50": round(only, 3), "p95": round(only, 3), "p99": round(only, 3), "n": len(samples_ms)}
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {
        "p50": round(cuts[49], 3),
        "p95": round(cuts[94], 3),
        "p99": round(cuts[98], 3),
        "max": round(max(samples_ms), 3),
        "n": len(samples_ms),
    }


def peak_rss_mb() -> float:
    """This process's peak resident set so far (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
