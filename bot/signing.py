"""Slack's request signing, as Slack does it: signing for the console, the tests and the benchmarks; checking for the server."""

from __future__ import annotations

import hashlib
import hmac
import time


def signature_headers(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack adds to a request: a timestamp and `v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


#: A request stamped further than this from our clock is refused, as Slack advises (a replay, or a wrong clock).
MAX_TIMESTAMP_SKEW_SECONDS = 5 * 60


def is_signed(body: bytes, timestamp: str | None, signature: str | None, secret: str, now: float | None = None) -> bool:
    """Whether `body` carries Slack's signature with `secret`, stamped within five minutes of `now`.

    Reads the raw bytes as they arrived: nothing is decoded or parsed before the signature holds.
    """
    if not (timestamp and signature and secret) or not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_TIMESTAMP_SKEW_SECONDS:
        return False
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={digest}".encode(), signature.encode("utf-8", "replace"))
