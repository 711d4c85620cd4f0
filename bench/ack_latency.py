"""Ack latency under load: 50 concurrent signed `/logcall` requests for 30 seconds against `rapport run --http`.

What it measures: the time from sending a signed slash command to receiving Slack's HTTP 200 (the
acknowledgement Slack needs within 3 seconds), over real HTTP, with the production server (waitress)
in its own process, a SQLite database (or `--database-url`), and the local Slack stand-in answering
the Web API and receiving the replies on response_url. Then it checks that nothing was lost: every
acknowledged request recorded exactly one interaction and got its reply.

    python -m bench.ack_latency [--clients 50] [--seconds 30]

Prints one JSON line: requests, throughput, ack latency p50/p95/p99/max in ms, the share over 3 s,
interactions recorded, replies received, and whether the targets (p99 < 300 ms, none over 3 s,
nothing lost) are met. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from bench.common import start_http_server
from bot.db import make_engine
from bot.signing import signature_headers
from bot.standin import SlackStandIn
from models.db.orm import Interaction

SIGNING_SECRET = "bench-signing-secret-0123456789"
NAMES = ["Amara", "Bjorn", "Chidi", "Dagny", "Emeka", "Farida", "Goran", "Hiroko", "Ingrid", "Jomo"]
SURNAMES = ["Okafor", "Lindqvist", "Tanaka", "Moreau", "Kowalski", "Haddad", "Petrov", "Alvarez", "Nakamura", "Fischer"]
BOT_TOKEN = "xoxb-bench-token"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def load(url: str, clients: list[int], seconds: float, response_urls: list[str]) -> tuple[list[float], list[str]]:
    """One load process: a thread per client, each sending signed /logcall requests until time is up."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    urls = iter(response_urls)

    def client(number: int) -> None:
        sent = 0
        while time.monotonic() < stop_at:
            sent += 1
            with lock:
                response_url = next(urls, None)
            if response_url is None:
                return
            # Each client talks to its own contact again and again (distinct names: no "which one?").
            name = f"{NAMES[number % len(NAMES)]} {SURNAMES[number // len(NAMES) % len(SURNAMES)]}"
            body = urllib.parse.urlencode(
                {
                    "team_id": "T0BENCH",
                    "channel_id": "C0BENCH",
                    "user_id": f"U0LOAD{number:03d}",
                    "command": "/logcall",
                    "text": f"{name} phone yesterday they called: load test",
                    "response_url": response_url,
                    "trigger_id": f"{number}.{sent}.bench",
                }
            )
            headers = {"Content-Type": "application/x-www-form-urlencoded", **signature_headers(body, SIGNING_SECRET)}
            request = urllib.request.Request(url + "/slack/events", data=body.encode(), headers=headers, method="POST")
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
                    ok = response.status == 200
            except (urllib.error.URLError, OSError) as error:
                ok = False
                with lock:
                    failures.append(type(error).__name__)
            if ok:
                with lock:
                    latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client, args=(number,)) for number in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--no-drain", action="store_true", help="report the acks only, without waiting for the work")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="rapport-ack-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'rapport.db'}"
    standin = SlackStandIn().start()
    server, url = start_http_server(
        {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_BASE_URL": standin.base_url,
            "LOG_LEVEL": "WARNING",
        },
        workdir,
    )
    print(f"server up on {url}; {args.clients} clients for {args.seconds:.0f} s", file=sys.stderr)

    # The load comes from separate processes, so that the stand-in (here) answers the server promptly.
    processes = max(1, min(5, args.clients // 10))
    per_process = [args.clients // processes + (1 if i < args.clients % processes else 0) for i in range(processes)]
    budget = int(2000 * args.seconds)  # response URLs handed out in advance, more than can be used
    jobs = []
    first = 0
    with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        for count in per_process:
            urls = [standin.response_url("bench") for _ in range(budget // processes)]
            jobs.append(pool.submit(load, url, list(range(first, first + count)), args.seconds, urls))
            first += count
        results = [job.result() for job in jobs]
    latencies = [latency for result in results for latency in result[0]]
    failures = [failure for result in results for failure in result[1]]
    acknowledged = len(latencies)
    print(f"{acknowledged} acknowledged, {len(failures)} failed; waiting for the replies", file=sys.stderr)

    engine = make_engine(database_url)
    recorded, last_progress, previous = 0, time.monotonic(), -1
    drain_started = time.monotonic()
    while (
        not args.no_drain and time.monotonic() - last_progress < 30
    ):  # the work queued behind the acks drains; stop when it stalls
        with engine.connect() as connection:
            recorded = connection.scalar(select(func.count()).select_from(Interaction)) or 0
        done = recorded + len(standin.posts_to_response_urls)
        if recorded >= acknowledged and len(standin.posts_to_response_urls) >= acknowledged:
            break
        if done != previous:
            previous, last_progress = done, time.monotonic()
        print(f"  {recorded} recorded, {len(standin.posts_to_response_urls)} replies so far", file=sys.stderr)
        time.sleep(1)
    drain_seconds = time.monotonic() - drain_started
    replies = len(standin.posts_to_response_urls)
    kinds = Counter(str(post.body.get("text", ""))[:60] for post in standin.posts_to_response_urls)
    for text, count in kinds.most_common(5):
        print(f"  reply x{count}: {text}", file=sys.stderr)
    server.terminate()
    server.wait(timeout=30)
    standin.stop()

    over = sum(1 for latency in latencies if latency > 3.0)
    ms = [latency * 1000 for latency in latencies]
    figures = {
        "clients": args.clients,
        "seconds": args.seconds,
        "requests": acknowledged + len(failures),
        "acknowledged": acknowledged,
        "failed": len(failures),
        "failures": dict(Counter(failures)),
        "throughput_per_s": round(acknowledged / args.seconds, 1),
        "ack_ms": {
            "p50": round(statistics.median(ms), 1) if ms else None,
            "p95": round(percentile(ms, 0.95), 1),
            "p99": round(percentile(ms, 0.99), 1),
            "max": round(max(ms), 1) if ms else None,
        },
        "share_over_3s": round(over / acknowledged, 4) if acknowledged else None,
        "interactions_recorded": recorded,
        "drain_s": round(drain_seconds, 1),
        "replies_received": replies,
        "targets": {"p99_ms": 300, "over_3s": 0, "lost": 0},
    }
    figures["met"] = {
        "p99_under_300ms": bool(ms) and percentile(ms, 0.99) < 300,
        "none_over_3s": over == 0,
        "nothing_lost": recorded == acknowledged and replies == acknowledged and not failures,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
