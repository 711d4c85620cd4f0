"""Slack's request signing, as Slack does it: used by the console, the tests and the load benchmark."""

from __future__ import annotations

import hashlib
import hmac
import time


def signature_headers(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack adds to a request: a timestamp and `v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}
