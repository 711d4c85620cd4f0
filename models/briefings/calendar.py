"""Members' calendar addresses: checked, shown without their secret, fetched within bounds (parsing is `ical`'s)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import SplitResult, urlsplit

from models.briefings import web
from models.core.errors import RapportError

logger = logging.getLogger(__name__)

#: Everything one fetch may take, from looking the host up to the body's last byte, redirects included.
FETCH_SECONDS = 20.0
#: Redirects a fetch follows (each one vetted like the first address).
MAX_REDIRECTS = 5
#: The largest calendar read, in bytes.
MAX_FEED_BYTES = 5_000_000
#: What a member reads for every failure to get a calendar from an address, whatever it was: telling a
#: refused connection from a 404 or a web page would let anyone map what the app's network can reach.
UNREADABLE_ADDRESS = (
    "Rapport couldn't read a calendar at that address: check that it is your calendar's secret iCal address."
)

#: How every iCalendar text starts.
CALENDAR_START = "BEGIN:VCALENDAR"


class FeedError(RapportError):
    """A calendar feed could not be read; `message` is for its member and shows at most the address's host."""


def normalize_feed_url(url: str) -> str:
    """The address to fetch: http(s) as given, webcal:// read as https://; FeedError if it cannot be one."""
    address = url.strip()
    try:
        parts = urlsplit(address)
        host = parts.hostname
    except ValueError:
        raise FeedError("That is not a calendar address: it should start with https:// or webcal://.") from None
    scheme = parts.scheme.lower()
    if scheme in {"webcal", "webcals"}:
        address = "https" + address[len(parts.scheme) :]
    elif scheme not in {"http", "https"}:
        raise FeedError("That is not a calendar address: it should start with https:// or webcal://.")
    if not host:
        raise FeedError("That calendar address has no host name.")
    return address


def redact_url(url: str) -> str:
    """The address as it can be shown, even to its member: scheme and host only ("https://calendar.google.com/…")."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        host = None
    if not host or not parts.scheme:
        return "(a calendar address)"
    return f"{parts.scheme.lower()}://{host}/…"


def fetch_feed(
    url: str,
    *,
    allow: Callable[[web.IPAddress], bool] = web.public_address,
    seconds: float = FETCH_SECONDS,
    max_redirects: int = MAX_REDIRECTS,
    max_bytes: int = MAX_FEED_BYTES,
    resolve: web.Resolve | None = None,
) -> bytes:
    """The body of the calendar at `url`, or FeedError with UNREADABLE_ADDRESS whatever went wrong.

    Only addresses `allow` accepts are reached (public ones by default), for the first request and for
    every redirect; `seconds` bounds the whole fetch. The log says what went wrong, naming the host only.
    """
    address = normalize_feed_url(url)
    host = urlsplit(address).hostname or ""
    rules = web.Rules(
        address_allowed=allow, headers=_feed_headers, seconds=seconds, max_redirects=max_redirects, max_bytes=max_bytes
    )
    try:
        page = web.get(address, rules, resolve)
    except web.Refused as refusal:
        logger.info("calendar feed on %s not read: %s", host, refusal.reason)
        raise FeedError(UNREADABLE_ADDRESS) from None
    if page.content_type != "text/calendar" and not _looks_like_icalendar(page.body):
        logger.info("calendar feed on %s not read: it answered %s, not iCalendar", host, page.content_type)
        raise FeedError(UNREADABLE_ADDRESS)
    return page.body


def _feed_headers(parts: SplitResult) -> dict[str, str]:
    return {"User-Agent": "Rapport calendar reader", "Accept": "text/calendar, */*;q=0.5"}


def _looks_like_icalendar(body: bytes) -> bool:
    opening = body[:100].removeprefix("\ufeff".encode()).lstrip()
    return opening[: len(CALENDAR_START)].upper() == CALENDAR_START.encode()
