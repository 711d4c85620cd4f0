"""What the benchmarks share: progress lines, figures (percentiles, memory), work in a child process,
a scratch database per backend, and `rapport run --http` with the signed requests it is sent."""

from __future__ import annotations

import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from bot.db import make_engine
from bot.signing import signature_headers

#: What `--backend both` runs: SQLite, then PostgreSQL when `TEST_DATABASE_URL` names a server.
BACKENDS = ("sqlite", "postgresql", "both")


# Progress and figures ------------------------------------------------------------------------------
def say(message: str) -> None:
    """A progress line on stderr, named after the benchmark running (stdout is kept for the JSON line)."""
    program = Path(sys.argv[0]).stem if sys.argv and sys.argv[0] else "bench"
    print(f"[{program} bench {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


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


def resident_kb(pid: int | str = "self") -> int:
    """A process's resident set now, in kilobytes (Linux's `VmRSS`; 0 when it is not known)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def in_child(function: Callable[..., Any], *arguments: Any) -> Any:
    """Run `function` in a freshly spawned process: its memory is its own, and it starts from nothing."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *arguments).result()


# Databases -----------------------------------------------------------------------------------------
def run_sql(url: str, statement: str) -> None:
    """One statement in its own transaction (creating or dropping a benchmark's schema)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


def backends_to_run(choice: str) -> list[str]:
    """The databases `--backend` names; `both` is SQLite, then PostgreSQL when `TEST_DATABASE_URL` is set."""
    if choice != "both":
        if choice == "postgresql" and not os.environ.get("TEST_DATABASE_URL"):
            sys.exit("--backend postgresql needs TEST_DATABASE_URL")
        return [choice]
    return ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@contextmanager
def scratch_database(
    backend: str, name: str, *, sqlite_path: str | None = None, schema: str | None = None, keep: bool = False
) -> Iterator[str]:
    """The URL of a database for one run, removed at the end unless `keep`.

    SQLite: a file in a temporary folder, or `sqlite_path` (never removed). PostgreSQL: a fresh schema
    of `TEST_DATABASE_URL`, or the schema named `schema` (created if missing, never dropped); the URL
    puts it first on the search path, so every engine made from it (in any process) works inside it.
    """
    base_url = os.environ.get("TEST_DATABASE_URL", "")
    folder, scratch_schema = None, None
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix=f"rapport-bench-{name}-")
        url = f"sqlite:///{sqlite_path or folder + '/bench.db'}"
    else:
        if schema is None:
            schema = scratch_schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
        run_sql(base_url, f"CREATE SCHEMA IF NOT EXISTS {schema}")
        url = base_url + ("&" if "?" in base_url else "?") + f"options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        if not keep:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
            if scratch_schema is not None:
                run_sql(base_url, f"DROP SCHEMA {scratch_schema} CASCADE")


def vacuum_analyze(engine: Engine, tables: Sequence[str]) -> None:
    """VACUUM ANALYZE the freshly loaded tables (PostgreSQL only; names as the search path finds them).

    Autovacuum does this on a live server (since PostgreSQL 13 after inserts too): statistics for
    the planner, and the visibility map that lets index-only scans skip the table. Right after COPY
    neither exists yet, and timing then would measure a state no running server stays in.
    """
    if engine.dialect.name != "postgresql" or not tables:
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"VACUUM ANALYZE {', '.join(tables)}")


# The HTTP server and what it is sent ---------------------------------------------------------------
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


def stop_http_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=30)


def slash_command(team: str, user: str, command: str, text: str, response_url: str, trigger_id: str) -> str:
    """The form body Slack posts for a slash command typed in channel C0BENCH."""
    return urllib.parse.urlencode(
        {
            "team_id": team,
            "channel_id": "C0BENCH",
            "user_id": user,
            "command": command,
            "text": text,
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def signed_headers(body: str, secret: str) -> dict[str, str]:
    """The headers of a form body as Slack sends it, signed with `secret`."""
    return {"Content-Type": "application/x-www-form-urlencoded", **signature_headers(body, secret)}


@dataclass(frozen=True)
class Answer:
    """How a request went: the HTTP status (0 without one), the seconds until the answer, the error's name."""

    status: int
    seconds: float
    error: str | None = None


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST, timed from sending to the end of the answer; never raises."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return Answer(response.status, time.perf_counter() - started)
    except urllib.error.HTTPError as error:
        return Answer(error.code, time.perf_counter() - started, type(error).__name__)
    except OSError as error:
        return Answer(0, time.perf_counter() - started, type(error).__name__)
