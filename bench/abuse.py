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
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench.common import percentiles, start_http_server
from bot.signing import signature_headers
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


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = 30) -> tuple[int, float]:
    """POST, returning the status and the seconds until the answer (0 when the connection failed)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status, time.perf_counter() - started
    except urllib.error.HTTPError as error:
        return error.code, time.perf_counter() - started
    except OSError:
        return 0, time.perf_counter() - started


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


def signed(body: str) -> dict[str, str]:
    return {"Content-Type": "application/x-www-form-urlencoded", **signature_headers(body, SIGNING_SECRET)}


def command(standin: SlackStandIn, team: str, user: str, name: str, text: str, trigger: str) -> str:
    return urllib.parse.urlencode(
        {
            "team_id": team,
            "channel_id": "C0BENCH",
            "user_id": user,
            "command": name,
            "text": text,
            "response_url": standin.response_url(team),
            "trigger_id": trigger,
        }
    )


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


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the victim logs calls")
    parser.add_argument("--feeds", type=int, default=16, help="slow feeds set with /prep calendar")
    parser.add_argument("--forms", type=int, default=16, help="Home-tab calendar forms submitted")
    parser.add_argument("--rate", type=float, default=5.0, help="the victim's /logcall per second")
    parser.add_argument("--body-mb", type=int, default=100, help="size of the unsigned body")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="rapport-abuse-"))
    standin = SlackStandIn().start()
    feeds = TricklingFeeds(own_address())
    server, url = start_http_server(
        {
            "DATABASE_URL": f"sqlite:///{workdir / 'rapport.db'}",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_BASE_URL": standin.base_url,
            "CALENDAR_ALLOW_PRIVATE_ADDRESSES": "true",
            "LOG_LEVEL": "WARNING",
        },
        workdir,
    )
    print(f"server up on {url}; slow feeds on {feeds.host}:{feeds.port}", file=sys.stderr)

    # The large unsigned body, with the server's memory sampled while it arrives.
    rss_before = rss_kb(server.pid)
    samples: list[int] = []
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            samples.append(rss_kb(server.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    big_status, big_seconds = post_large(url, args.body_mb)
    time.sleep(0.5)
    sampling.set()
    sampler.join()
    rss_peak = max([*samples, rss_before])

    print(f"{args.body_mb} MB unsigned body: {big_status}; peak {rss_peak / 1024:.0f} MB", file=sys.stderr)

    events = url + "/slack/events"
    lock = threading.Lock()
    attacker_acks: list[float] = []
    attacker_failed: list[int] = []
    victim_acks: list[float] = []
    victim_statuses: list[int] = []
    health: list[float] = []

    def attack(number: int, body: str) -> None:
        status, seconds = post(events, body.encode(), signed(body))
        with lock:
            (attacker_acks.append(seconds) if status == 200 else attacker_failed.append(status))

    threads = []
    for number in range(args.feeds):
        text = f"calendar {feeds.url(f'feed-{number}')}"
        body = command(standin, ATTACKER, f"U0FEED{number:04d}", "/prep", text, f"{number}.feed.abuse")
        threads.append(threading.Thread(target=attack, args=(number, body)))
    for number in range(args.forms):
        body = calendar_form(f"U0FORM{number:04d}", feeds.url(f"form-{number}"), number)
        threads.append(threading.Thread(target=attack, args=(number, body)))
    for thread in threads:
        thread.start()

    def victim(number: int) -> None:
        body = command(
            standin, VICTIM, f"U0VICT{number % 20:03d}", "/logcall", f"Jane Doe{number % 20} phone today", f"{number}.v"
        )
        status, seconds = post(events, body.encode(), signed(body))
        with lock:
            victim_statuses.append(status)
            if status == 200:
                victim_acks.append(seconds)

    def healthz() -> None:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=30) as response:
                response.read()
        except OSError:
            pass
        with lock:
            health.append(time.perf_counter() - started)

    started = time.monotonic()
    victims: list[threading.Thread] = []
    for number in range(int(args.seconds * args.rate)):
        time.sleep(max(0.0, started + number / args.rate - time.monotonic()))
        victims.append(threading.Thread(target=victim, args=(number,)))
        victims[-1].start()
        if number % max(1, int(args.rate)) == 0:
            victims.append(threading.Thread(target=healthz))
            victims[-1].start()
    for thread in victims + threads:
        thread.join()
    print(f"victim: {len(victim_acks)} acks; feed server saw {feeds.connections} connections", file=sys.stderr)

    server.terminate()
    server.wait(timeout=30)
    feeds.close()
    standin.stop()

    victim_ms = [seconds * 1000 for seconds in victim_acks]
    over_3s = sum(1 for seconds in victim_acks if seconds > 3) + sum(1 for s in victim_statuses if s != 200)
    growth_mb = round((rss_peak - rss_before) / 1024, 1)
    figures = {
        "seconds": args.seconds,
        "slow_feeds": args.feeds,
        "calendar_forms": args.forms,
        "victim_rate_per_s": args.rate,
        "victim_ack_ms": percentiles(victim_ms),
        "victim_over_3s_or_failed": over_3s,
        "healthz_ms": percentiles([seconds * 1000 for seconds in health]),
        "attacker_ack_ms": percentiles([seconds * 1000 for seconds in attacker_acks]),
        "attacker_failed": len(attacker_failed),
        "feed_connections": feeds.connections,
        "unsigned_body": {
            "mb": args.body_mb,
            "status": big_status,
            "seconds": round(big_seconds, 2),
            "rss_before_mb": round(rss_before / 1024, 1),
            "rss_peak_mb": round(rss_peak / 1024, 1),
            "growth_mb": growth_mb,
        },
        "targets": {"victim_ack_p99_ms": 300, "over_3s": 0, "memory_growth_mb": 50},
    }
    figures["met"] = {
        "victim_ack_p99_under_300ms": bool(victim_ms) and figures["victim_ack_ms"]["p99"] < 300,
        "none_over_3s": over_3s == 0,
        "memory_growth_under_50mb": growth_mb < 50,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
