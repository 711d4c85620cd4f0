"""Hostile load: slow calendar feeds and calendar forms from one workspace while another logs calls.

What it replays, against `rapport run --http` in its own process (SQLite, the Slack stand-in):
- the attacker's workspace sets `--feeds` calendar feeds with `/prep calendar <url>` and submits
  `--forms` Home-tab calendar forms, every address pointing at a server that trickles its response
  headers one byte a second (it never finishes: only the app's own deadline ends each fetch);
- meanwhile a victim workspace sends a signed `/logcall` `--rate` times a second for `--seconds`,
  and `/healthz` is asked once a second; each is timed from sending to the HTTP answer;
- first, on the fresh server, an unsigned body of `--body-mb` megabytes is posted while the server's
  resident memory is sampled every 10 ms.

    python -m bench.abuse [--seconds 30] [--feeds 16] [--forms 16] [--rate 5] [--body-mb 100]

Prints one JSON line: the victim's ack p50/p95/p99/max, how many took over 3 s, /healthz, the
attacker's own acks, and the server's memory before and at its peak during the large body, with
whether the targets hold (victim ack p99 < 300 ms, none over 3 s, memory growth < 50 MB).
The feed server listens on this machine's own non-loopback address, a private one, so the server is
started with CALENDAR_ALLOW_PRIVATE_ADDRESSES=true (an on-premises calendar, as an admin would allow).
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen
from typing import Any

from bench.common import (
    percentiles,
    post,
    resident_kb,
    signed_headers,
    slash_command,
    start_http_server,
    stop_http_server,
)
from bot.standin import SlackStandIn

SIGNING_SECRET = "bench-abuse-signing-secret-0123"
BOT_TOKEN = "xoxb-bench-abuse-token"
ATTACKER, VICTIM = "T0ATTACKER", "T0VICTIM"


def own_address() -> str:
    """This machine's address on its default route, not loopback (the slow feeds live there).

    Connecting a UDP socket sends nothing: it only asks the kernel which address it would use.
    """
    for target in ("10.255.255.255", "192.0.2.254", "172.31.255.255"):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.connect((target, 9))
            except OSError:
                continue
            address = str(probe.getsockname()[0])
            if not address.startswith("127."):
                return address
    raise SystemExit("no non-loopback IPv4 address on this machine to serve the slow feeds from")


class TricklingFeeds:
    """A calendar server that answers the status line, then one header byte a second, forever."""

    def __init__(self, host: str) -> None:
        self.listener = socket.create_server((host, 0))
        self.host, self.port = host, self.listener.getsockname()[1]
        self.connections = 0
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.port}/{name}.ics"

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._trickle, args=(connection,), daemon=True).start()

    def _trickle(self, connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)
                connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                while not self.stopped.wait(1.0):
                    connection.sendall(b"a")
            except OSError:
                return  # the app gave up on it: what it should do

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()


def post_large(url: str, megabytes: int) -> tuple[int, float]:
    """POST an unsigned form body of `megabytes` MB, a megabyte at a time; the status the server
    answered (it may answer before the body is through, then close: its answer is still read)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
    started = time.perf_counter()
    connection.putrequest("POST", "/slack/events")
    connection.putheader("Content-Type", "application/x-www-form-urlencoded")
    connection.putheader("Content-Length", str(megabytes * 1024 * 1024))
    connection.endheaders()
    chunk = b"payload=" + b"x" * (1024 * 1024 - 8)
    try:
        for _ in range(megabytes):
            connection.send(chunk)
    except OSError:
        pass  # refused before the end: what the answer below says
    try:
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException):
        status = 0
    connection.close()
    return status, time.perf_counter() - started


def calendar_form(user: str, url: str, number: int) -> str:
    """The Home tab's calendar form submitted with an address (as Slack sends a view submission)."""
    payload = {
        "type": "view_submission",
        "team": {"id": ATTACKER},
        "user": {"id": user, "team_id": ATTACKER},
        "api_app_id": "A0RAPPORT",
        "trigger_id": f"{number}.form.abuse",
        "view": {
            "id": f"V0ABUSE{number:04d}",
            "type": "modal",
            "callback_id": "calendar_feed_modal",
            "private_metadata": "",
            "state": {"values": {"url": {"url": {"type": "plain_text_input", "value": url}}}},
        },
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def large_body(server: Popen[bytes], url: str, megabytes: int) -> dict[str, Any]:
    """The large unsigned body, posted while the server's memory is sampled every 10 ms."""
    rss_before = resident_kb(server.pid)
    samples: list[int] = []
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            samples.append(resident_kb(server.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    status, seconds = post_large(url, megabytes)
    time.sleep(0.5)
    sampling.set()
    sampler.join()
    rss_peak = max([*samples, rss_before])
    print(f"{megabytes} MB unsigned body: {status}; peak {rss_peak / 1024:.0f} MB", file=sys.stderr)
    return {
        "mb": megabytes,
        "status": status,
        "seconds": round(seconds, 2),
        "rss_before_mb": round(rss_before / 1024, 1),
        "rss_peak_mb": round(rss_peak / 1024, 1),
        "growth_mb": round((rss_peak - rss_before) / 1024, 1),
    }


@dataclass
class Traffic:
    """What the attacker's and the victim's requests met, appended from many threads under `lock`."""

    events: str
    standin: SlackStandIn
    lock: threading.Lock = field(default_factory=threading.Lock)
    attacker_acks: list[float] = field(default_factory=list)
    attacker_failed: list[int] = field(default_factory=list)
    victim_acks: list[float] = field(default_factory=list)
    victim_statuses: list[int] = field(default_factory=list)
    health: list[float] = field(default_factory=list)

    def attack(self, body: str) -> None:
        answer = post(self.events, body.encode(), signed_headers(body, SIGNING_SECRET), timeout=30)
        with self.lock:
            if answer.status == 200:
                self.attacker_acks.append(answer.seconds)
            else:
                self.attacker_failed.append(answer.status)

    def victim(self, number: int) -> None:
        user, text = f"U0VICT{number % 20:03d}", f"Jane Doe{number % 20} phone today"
        body = slash_command(VICTIM, user, "/logcall", text, self.standin.response_url(VICTIM), f"{number}.v")
        answer = post(self.events, body.encode(), signed_headers(body, SIGNING_SECRET), timeout=30)
        with self.lock:
            self.victim_statuses.append(answer.status)
            if answer.status == 200:
                self.victim_acks.append(answer.seconds)

    def healthz(self, url: str) -> None:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=30) as response:
                response.read()
        except OSError:
            pass
        with self.lock:
            self.health.append(time.perf_counter() - started)


def start_attack(traffic: Traffic, feeds: TricklingFeeds, args: argparse.Namespace) -> list[threading.Thread]:
    """The attacker's slow feeds (`/prep calendar`) and calendar forms, each request on its own thread."""
    bodies = []
    for number in range(args.feeds):
        text = f"calendar {feeds.url(f'feed-{number}')}"
        response_url = traffic.standin.response_url(ATTACKER)
        bodies.append(
            slash_command(ATTACKER, f"U0FEED{number:04d}", "/prep", text, response_url, f"{number}.feed.abuse")
        )
    for number in range(args.forms):
        bodies.append(calendar_form(f"U0FORM{number:04d}", feeds.url(f"form-{number}"), number))
    threads = [threading.Thread(target=traffic.attack, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    return threads


def run_victim(traffic: Traffic, url: str, args: argparse.Namespace) -> list[threading.Thread]:
    """The victim's `/logcall`s at `--rate` a second for `--seconds`, and `/healthz` once a second."""
    started = time.monotonic()
    threads: list[threading.Thread] = []
    for number in range(int(args.seconds * args.rate)):
        time.sleep(max(0.0, started + number / args.rate - time.monotonic()))
        threads.append(threading.Thread(target=traffic.victim, args=(number,)))
        threads[-1].start()
        if number % max(1, int(args.rate)) == 0:
            threads.append(threading.Thread(target=traffic.healthz, args=(url,)))
            threads[-1].start()
    return threads


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the victim logs calls")
    parser.add_argument("--feeds", type=int, default=16, help="slow feeds set with /prep calendar")
    parser.add_argument("--forms", type=int, default=16, help="Home-tab calendar forms submitted")
    parser.add_argument("--rate", type=float, default=5.0, help="the victim's /logcall per second")
    parser.add_argument("--body-mb", type=int, default=100, help="size of the unsigned body")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="rapport-abuse-"))
    standin = SlackStandIn().start()
    feeds = TricklingFeeds(own_address())
    settings = {"DATABASE_URL": f"sqlite:///{workdir / 'rapport.db'}", "SLACK_BOT_TOKEN": BOT_TOKEN}
    settings |= {"SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_BASE_URL": standin.base_url}
    settings |= {"CALENDAR_ALLOW_PRIVATE_ADDRESSES": "true", "LOG_LEVEL": "WARNING"}
    server, url = start_http_server(settings, workdir)
    print(f"server up on {url}; slow feeds on {feeds.host}:{feeds.port}", file=sys.stderr)

    unsigned_body = large_body(server, url, args.body_mb)
    traffic = Traffic(events=url + "/slack/events", standin=standin)
    attackers = start_attack(traffic, feeds, args)
    for thread in run_victim(traffic, url, args) + attackers:
        thread.join()
    victims = len(traffic.victim_acks)
    print(f"victim: {victims} acks; feed server saw {feeds.connections} connections", file=sys.stderr)

    stop_http_server(server)
    feeds.close()
    standin.stop()
    print(json.dumps(figures(args, traffic, feeds.connections, unsigned_body)))


def figures(
    args: argparse.Namespace, traffic: Traffic, connections: int, unsigned_body: dict[str, Any]
) -> dict[str, Any]:
    """The JSON line: the victim's, `/healthz`'s and the attacker's timings, the large body, the targets met."""
    victim_ms = [seconds * 1000 for seconds in traffic.victim_acks]
    over_3s = sum(1 for seconds in traffic.victim_acks if seconds > 3)
    over_3s += sum(1 for status in traffic.victim_statuses if status != 200)
    victim_ack_ms = percentiles(victim_ms)
    return {
        "seconds": args.seconds,
        "slow_feeds": args.feeds,
        "calendar_forms": args.forms,
        "victim_rate_per_s": args.rate,
        "victim_ack_ms": victim_ack_ms,
        "victim_over_3s_or_failed": over_3s,
        "healthz_ms": percentiles([seconds * 1000 for seconds in traffic.health]),
        "attacker_ack_ms": percentiles([seconds * 1000 for seconds in traffic.attacker_acks]),
        "attacker_failed": len(traffic.attacker_failed),
        "feed_connections": connections,
        "unsigned_body": unsigned_body,
        "targets": {"victim_ack_p99_ms": 300, "over_3s": 0, "memory_growth_mb": 50},
        "met": {
            "victim_ack_p99_under_300ms": bool(victim_ms) and victim_ack_ms["p99"] < 300,
            "none_over_3s": over_3s == 0,
            "memory_growth_under_50mb": unsigned_body["growth_mb"] < 50,
        },
    }


if __name__ == "__main__":
    main()
