"""Dates, times and durations as exports write them: "12 Mar 2021", "14/03/2026 15:30", "2026-03-14T15:30Z", "1h30"."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Final

from dateutil.parser import ParserError
from dateutil.parser import parse as parse_datetime

from models.core.dates import EARLIEST_YEAR, NOON, parse_duration
from models.imports.values import FileMoment

#: The last year an activity's date may name (EARLIEST_YEAR is the first, as for /logcall).
LATEST_YEAR: Final = 2999
#: Day and month in either order, a year of two or four digits, perhaps a time of day.
_SLASH_DATE: Final = re.compile(
    r"(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<year>\d{2}|\d{4})"
    r"(?:[ T,]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<half>[AaPp][Mm])?)?"
)
#: Minutes as a number ("30", "12.5"); digits bounded, so that a cell of thousands is not read as one.
_MINUTES: Final = re.compile(r"[0-9]{1,4}(?:[.,][0-9]{1,3})?")
#: A duration as a clock: "0:45", "01:30:00".
_CLOCK_DURATION: Final = re.compile(r"(\d{1,2}):([0-5]\d)(?::([0-5]\d))?")
#: A run of digits dateutil would try as hours or a year, and may overflow on.
_LONG_NUMBER: Final = re.compile(r"\d{9,}")
#: Days with the month in words, as exports write them.
_DAY_FORMATS: Final = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d-%b-%Y", "%d-%b-%y")


def read_day(text: str) -> date | None:
    """A calendar day as exports write it: "12 Mar 2021", "2021-03-12", "Mar 12, 2021", "3/12/21" (US)."""
    text = " ".join(text.split())
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    for form in _DAY_FORMATS:
        try:
            return datetime.strptime(text, form).date()  # noqa: DTZ007 - a calendar day, no time of day
        except ValueError:
            continue
    slash = _SLASH_DATE.fullmatch(text)
    if slash:
        return _slash_day(slash, day_first=False)
    return None


def at_noon_utc(day: date) -> datetime:
    return datetime.combine(day, NOON, UTC)


def read_minutes(text: str) -> int | None:
    """Minutes in "30", "45 min", "1h30", "0:45", "01:30:00"; None when empty or not understood."""
    text = text.strip().lower()
    if not text:
        return None
    if _MINUTES.fullmatch(text):
        return round(float(text.replace(",", ".")))
    clock = _CLOCK_DURATION.fullmatch(text)
    if clock:
        return int(clock[1]) * 60 + int(clock[2]) + (1 if clock[3] and int(clock[3]) >= 30 else 0)
    return parse_duration(text)


def day_comes_first(texts: Iterable[str]) -> bool:
    """Whether a file's "03/04/2026" dates put the day first: yes if any reads "25/12", no if any "12/25"."""
    day_first = month_first = False
    for text in texts:
        match = _SLASH_DATE.match(text.strip())
        if match:
            a, b = int(match["a"]), int(match["b"])
            day_first = day_first or a > 12
            month_first = month_first or b > 12
    return day_first and not month_first


def read_moment(text: str, day_first: bool) -> FileMoment | None:
    """When a row says it happened; None when it cannot be read or its year is out of bounds.

    Years before EARLIEST_YEAR or after LATEST_YEAR are slips (and near the ends of the calendar,
    moving between time zones overflows).
    """
    moment = _moment_as_written(" ".join(text.split()), day_first)
    if moment is None or not EARLIEST_YEAR <= moment.day.year <= LATEST_YEAR:
        return None
    return moment


def _moment_as_written(text: str, day_first: bool) -> FileMoment | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        pass
    else:
        has_time = len(text) > 10
        return FileMoment(moment.date(), moment.timetz() if has_time else None)
    slash = _SLASH_DATE.fullmatch(text)
    if slash:
        return _slash_moment(slash, day_first)
    day = read_day(text)
    if day is not None:
        return FileMoment(day)
    if _LONG_NUMBER.search(text):
        return None  # dateutil would try it as hours or a year, and may overflow
    try:
        parsed = parse_datetime(text, dayfirst=day_first)
    except (ParserError, ValueError, ArithmeticError):
        return None
    return FileMoment(parsed.date(), parsed.timetz())


def _slash_moment(slash: re.Match[str], day_first: bool) -> FileMoment | None:
    day = _slash_day(slash, day_first)
    if day is None:
        return None
    if slash["hour"] is None:
        return FileMoment(day)
    hour = int(slash["hour"])
    if slash["half"]:
        hour = hour % 12 + (12 if slash["half"].lower() == "pm" else 0)
    try:
        return FileMoment(day, time(hour, int(slash["minute"]), int(slash["second"] or 0)))
    except ValueError:
        return None


def _slash_day(match: re.Match[str], day_first: bool) -> date | None:
    first, second, year = int(match["a"]), int(match["b"]), int(match["year"])
    if year < 100:
        year += 2000
    day, month = (first, second) if day_first else (second, first)
    try:
        return date(year, month, day)
    except ValueError:
        return None
