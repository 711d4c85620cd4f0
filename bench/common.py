"""What the benchmarks share: figures (percentiles, memory), a statement run on its own, and what a
live PostgreSQL server does by itself after a bulk load, done at once before timing."""

from __future__ import annotations

import os
import resource
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_http_server(settings: Mapping[str, str], workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`rapport run --http` in its own process with these settings (and no other Slack ones), its
    output in workdir/server.log; returns once /healthz answers, with the server's base URL."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), **settings}
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        if name not in settings:
            env.pop(name, None)
    log = workdir / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--http"], env=env, cwd=workdir, stdout=sink, stderr=sink
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                return server, url
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit("the server did not start: " + log.read_text()) from None
            time.sleep(0.1)
