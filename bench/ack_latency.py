"""Ack latency under load: 50 concurrent signed `/logcall` requests for 30 seconds against `rapport run --http`.

What it measures: the time from sending a signed slash command to receiving Slack's HTTP 200 (the
acknowledgement Slack needs within 3 seconds), over real HTTP, with the production server (waitress)
in its own process, a SQLite database (or `--database-url`), and the local Slack stand-in answering
the Web API and receiving the replies on response_url. Then it checks that nothing was lost: every
acknowledged request recorded exactly one interaction and got its reply.

    python -m bench.ack_latency [--clients 50] [--seconds 30]

Prints one JSON line: requests, throughput, ack latency p50/p95/p99/max in ms (`bench.common.percentiles`), the share over 3 s,
interactions recorded, replies received, and whether the targets (p99 < 300 ms, none over 3 s,
nothing lost) are met. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.common import percentiles, post, signed_headers, slash_command, start_http_server, stop_http_server
from bot.db import make_engine
from bot.standin import SlackStandIn
from models.db.orm import Interaction

SIGNING_SECRET = "bench-signing-secret-0123456789"
NAMES = ["Amara", "Bjorn", "Chidi", "Dagny", "Emeka", "Farida", "Goran", "Hiroko", "Ingrid", "Jomo"]
SURNAMES = ["Okafor", "Lindqvist", "Tanaka", "Moreau", "Kowalski", "Haddad", "Petrov", "Alvarez", "Nakamura", "Fischer"]
BOT_TOKEN = "xoxb-bench-token"
#: The drain stops when neither the interactions recorded nor the replies received grew for this long.
DRAIN_STALL_S = 30


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
            text = f"{name} phone yesterday they called: load test"
            body = slash_command(
                "T0BENCH", f"U0LOAD{number:03d}", "/logcall", text, response_url, f"{number}.{sent}.bench"
            )
            answer = post(url + "/slack/events", body.encode(), signed_headers(body, SIGNING_SECRET), timeout=10)
            with lock:
                if answer.error is not None:
                    failures.append(answer.error)
                elif answer.status == 200:
                    latencies.append(answer.seconds)

    threads = [threading.Thread(target=client, args=(number,)) for number in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures


def send_load(url: str, standin: SlackStandIn, clients: int, seconds: float) -> tuple[list[float], list[str]]:
    """The clients spread over separate processes, so that the stand-in (here) answers the server promptly."""
    processes = max(1, min(5, clients // 10))
    per_process = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    budget = int(2000 * seconds)  # response URLs handed out in advance, more than can be used
    jobs = []
    first = 0
    with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        for count in per_process:
            urls = [standin.response_url("bench") for _ in range(budget // processes)]
            jobs.append(pool.submit(load, url, list(range(first, first + count)), seconds, urls))
            first += count
        results = [job.result() for job in jobs]
    latencies = [latency for result in results for latency in result[0]]
    failures = [failure for result in results for failure in result[1]]
    return latencies, failures


def drain(database_url: str, standin: SlackStandIn, acknowledged: int) -> tuple[int, float]:
    """Wait for the work queued behind the acks: every interaction recorded and every reply received,
    or no progress for `DRAIN_STALL_S`; returns the interactions recorded and the seconds waited."""
    engine = make_engine(database_url)
    recorded, last_progress, previous = 0, time.monotonic(), -1
    started = time.monotonic()
    while time.monotonic() - last_progress < DRAIN_STALL_S:
        with engine.connect() as connection:
            recorded = connection.scalar(select(func.count()).select_from(Interaction)) or 0
        replies = len(standin.posts_to_response_urls)
        if recorded >= acknowledged and replies >= acknowledged:
            break
        if recorded + replies != previous:
            previous, last_progress = recorded + replies, time.monotonic()
        print(f"  {recorded} recorded, {replies} replies so far", file=sys.stderr)
        time.sleep(1)
    engine.dispose()
    return recorded, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--no-drain", action="store_true", help="report the acks only, without waiting for the work")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="rapport-ack-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'rapport.db'}"
    standin = SlackStandIn().start()
    settings = {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    server, url = start_http_server(
        {**settings, "SLACK_API_BASE_URL": standin.base_url, "LOG_LEVEL": "WARNING"}, workdir
    )
    print(f"server up on {url}; {args.clients} clients for {args.seconds:.0f} s", file=sys.stderr)

    latencies, failures = send_load(url, standin, args.clients, args.seconds)
    print(f"{len(latencies)} acknowledged, {len(failures)} failed; waiting for the replies", file=sys.stderr)
    recorded, drain_seconds = (0, 0.0) if args.no_drain else drain(database_url, standin, len(latencies))
    replies = len(standin.posts_to_response_urls)
    kinds = Counter(str(post.body.get("text", ""))[:60] for post in standin.posts_to_response_urls)
    for text, count in kinds.most_common(5):
        print(f"  reply x{count}: {text}", file=sys.stderr)
    stop_http_server(server)
    standin.stop()
    print(json.dumps(figures(args, latencies, failures, recorded, drain_seconds, replies)))


def figures(
    args: argparse.Namespace, latencies: list[float], failures: list[str], recorded: int, drain_s: float, replies: int
) -> dict[str, Any]:
    """The JSON line: the requests, their ack latency, what was recorded and answered, the targets met."""
    acknowledged = len(latencies)
    over = sum(1 for latency in latencies if latency > 3.0)
    ack_ms = percentiles([latency * 1000 for latency in latencies])
    return {
        "clients": args.clients,
        "seconds": args.seconds,
        "requests": acknowledged + len(failures),
        "acknowledged": acknowledged,
        "failed": len(failures),
        "failures": dict(Counter(failures)),
        "throughput_per_s": round(acknowledged / args.seconds, 1),
        "ack_ms": ack_ms,
        "share_over_3s": round(over / acknowledged, 4) if acknowledged else None,
        "interactions_recorded": recorded,
        "drain_s": round(drain_s, 1),
        "replies_received": replies,
        "targets": {"p99_ms": 300, "over_3s": 0, "lost": 0},
        "met": {
            "p99_under_300ms": bool(latencies) and ack_ms["p99"] < 300,
            "none_over_3s": over == 0,
            "nothing_lost": recorded == acknowledged and replies == acknowledged and not failures,
        },
    }


if __name__ == "__main__":
    main()
