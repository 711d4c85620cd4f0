"""Reading and writing the dates, times and durations people type: "yesterday 3pm", "last tue", "45 min"."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.parser import parse as parse_datetime
from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta

from models.core.errors import Misread, MisreadCommand, Usage, UsageError

NOON = time(12, 0)
FUTURE_TOLERANCE = timedelta(minutes=1)
#: Nothing logged happened before this year (older dates are typing slips, and near year 1 the
#: arithmetic of time zones overflows).
EARLIEST_YEAR = 1900
# Every number read from text has a bounded count of digits, so that no input reaches int() or
# float() with more than they can take (an overflow, or Python's limit on digits) or builds a date
# out of range: beyond these, the text is not read as a count or a duration and is refused politely.
_COUNT_DIGITS = r"\d{1,4}"  # "9999 days ago" at most
_HOUR_DIGITS = r"\d{1,3}"  # "999 hours" is read, then refused as longer than a day
_MINUTE_DIGITS = r"\d{1,4}"
_LONG_NUMBER = re.compile(r"\d{9,}")
# dateutil fills what the text leaves out from a default; two defaults that differ in every
# field tell which fields were typed. Both years are leap years, so "Feb 29" reads.
_FIRST_PROBE = datetime(2000, 1, 1, tzinfo=UTC)
_SECOND_PROBE = datetime(2004, 3, 2, tzinfo=UTC)

WEEKDAYS: dict[str, int] = {
    **dict.fromkeys(("mon", "monday"), 0),
    **dict.fromkeys(("tue", "tues", "tuesday"), 1),
    **dict.fromkeys(("wed", "weds", "wednesday"), 2),
    **dict.fromkeys(("thu", "thur", "thurs", "thursday"), 3),
    **dict.fromkeys(("fri", "friday"), 4),
    **dict.fromkeys(("sat", "saturday"), 5),
    **dict.fromkeys(("sun", "sunday"), 6),
}
_RELATIVE_WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)

MONTHS: dict[str, int] = {
    **dict.fromkeys(("jan", "january"), 1),
    **dict.fromkeys(("feb", "february"), 2),
    **dict.fromkeys(("mar", "march"), 3),
    **dict.fromkeys(("apr", "april"), 4),
    "may": 5,
    **dict.fromkeys(("jun", "june"), 6),
    **dict.fromkeys(("jul", "july"), 7),
    **dict.fromkeys(("aug", "august"), 8),
    **dict.fromkeys(("sep", "sept", "september"), 9),
    **dict.fromkeys(("oct", "october"), 10),
    **dict.fromkeys(("nov", "november"), 11),
    **dict.fromkeys(("dec", "december"), 12),
}
_WEEKDAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_COUNT_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_AGO_UNITS: dict[str, str] = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "minutes"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hours"),
    **dict.fromkeys(("d", "day", "days"), "days"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "weeks"),
    **dict.fromkeys(("month", "months"), "months"),
}
_ELAPSED_STEPS: dict[str, timedelta] = {
    "minutes": timedelta(minutes=1),
    "hours": timedelta(hours=1),
}
_CALENDAR_STEPS: dict[str, relativedelta] = {
    "days": relativedelta(days=1),
    "weeks": relativedelta(weeks=1),
    "months": relativedelta(months=1),
}
_AGO = re.compile(rf"(?P<count>{_COUNT_DIGITS}|{'|'.join(_COUNT_WORDS)})\s*(?P<unit>{'|'.join(_AGO_UNITS)})\s+ago")
_PARTS_OF_DAY: dict[str, time] = {
    "this morning": time(9, 0),
    "this afternoon": time(15, 0),
}

# A time of day, optionally after "at": 3pm, 3:15 pm, 12:30, noon. Hours with am/pm stop at 12.
_CLOCK = re.compile(
    r"(?:\bat\s+)?\b(?P<clock>(?:1[0-2]|0?[1-9])(?::[0-5]\d)?\s*[ap]m|(?:[01]?\d|2[0-3]):[0-5]\d|noon)\b"
)
_CLOCK_WORD = re.compile(r"(?:1[0-2]|0?[1-9])(?::[0-5]\d)?[ap]m|(?:[01]?\d|2[0-3]):[0-5]\d|noon")
_NUMERIC_DATE_WORD = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?:t\S+)?|\d{1,2}/\d{1,2}(?:/\d{2,4})?")
_DAY_NUMBER = re.compile(r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?")
_ISO_DATE_TIME = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})t(\d)")

_DURATION_FORMS = tuple(
    re.compile(form)
    for form in (
        rf"(?P<hours>{_HOUR_DIGITS}(?:[.,]\d{{1,3}})?)\s*(?:h|hrs?|hours?)",  # 1h, 1.5h, 2 hours
        rf"(?P<minutes>{_MINUTE_DIGITS})\s*(?:m|mins?|minutes?)",  # 45 min, 90m
        rf"(?P<hours>{_HOUR_DIGITS})\s*(?:h|hrs?|hours?)\s*(?P<minutes>[0-5]?\d)\s*(?:m|mins?|minutes?)?",  # 1h30
        rf"(?P<hours>{_HOUR_DIGITS}):(?P<minutes>[0-5]\d)\s*(?:h|hrs?|hours?)",  # 1:30h
    )
)


def parse_when(phrase: str, now: datetime, tz: ZoneInfo) -> tuple[datetime, bool]:
    """Read when something happened; returns the moment in `tz` and whether a time of day was given.

    A day without a time means noon that day (or now, if today's noon is still to come).
    """
    local_now = _in_zone(now, tz)
    text = _normalise(phrase)
    if not text:
        raise UsageError("When was it? Give a date or time, such as “yesterday 3pm” or “last tue”.", Usage.LOGCALL)
    try:
        moment, time_given = _read(text, local_now, tz)
    except (ValueError, ArithmeticError) as error:  # dateutil's ParserError is a ValueError; overflows too
        raise UsageError(f"I couldn't read “{_shown(phrase)}” as a date or time.", Usage.LOGCALL) from error
    if moment.year < EARLIEST_YEAR:
        raise UsageError(
            f"“{_shown(phrase)}” is before {EARLIEST_YEAR}: give the day it happened, like “Nov 20 2025”.",
            Usage.LOGCALL,
        )
    # Compare instants, not wall-clock times: in the hour repeated when DST ends they differ.
    ahead = moment.astimezone(UTC) - local_now.astimezone(UTC)
    if (time_given and ahead > FUTURE_TOLERANCE) or moment.date() > local_now.date():
        shown = format_when(moment, time_given, local_now, tz)
        raise MisreadCommand(Misread.IN_THE_FUTURE, phrase=phrase.strip(), shown=shown)
    return (local_now if ahead > timedelta(0) else moment), time_given


#: When an upcoming meeting is given a day but no time.
DEFAULT_MEETING_TIME = time(9, 0)
_IN = re.compile(
    rf"in\s+(?P<count>{_COUNT_DIGITS}|{'|'.join(_COUNT_WORDS)}|an?)\s*(?P<unit>{'|'.join(sorted(_AGO_UNITS, key=len, reverse=True))})\b"
)


def is_upcoming_phrase(words: Sequence[str]) -> bool:
    """Whether a date phrase speaks of what is to come: "tomorrow", "next tue", "in 3 days"."""
    if not words:
        return False
    first, second = words[0], (words[1] if len(words) > 1 else "")
    if first in ("on", "at"):
        return is_upcoming_phrase(words[1:])
    if first == "tomorrow" or (first == "next" and (second in WEEKDAYS or second == "week")):
        return True
    return bool(_IN.fullmatch(" ".join(words[:3])))


def parse_upcoming(phrase: str, now: datetime, tz: ZoneInfo) -> tuple[datetime, bool]:
    """Read when a meeting will be: "tomorrow 10am", "next tue 3pm", "in 3 days", "in 2 hours".

    "next tue" is the first Tuesday after today; a day without a time means 09:00. The moment must
    be in the future.
    """
    local_now = _in_zone(now, tz)
    text = _normalise(phrase)
    try:
        moment, time_given = _read_upcoming(text, local_now, tz)
    except (ValueError, ArithmeticError) as error:
        raise UsageError(f"I couldn't read “{_shown(phrase)}” as a date or time.", Usage.LOGCALL) from error
    if moment <= local_now:
        raise UsageError(f"“{phrase.strip()}” has already passed: give a time still to come.", Usage.LOGCALL)
    return moment, time_given


def _read_upcoming(text: str, local_now: datetime, tz: ZoneInfo) -> tuple[datetime, bool]:
    words = text.split()
    if words and words[0] in ("on", "at"):
        text = " ".join(words[1:])
    match = _IN.match(text)
    if match and _AGO_UNITS[match["unit"]] in _ELAPSED_STEPS:
        count = 1 if match["count"] in ("a", "an") else _count(match["count"])
        if text[match.end() :].strip():
            raise ValueError("a time of day cannot follow 'in N hours'")
        return (local_now.astimezone(UTC) + _ELAPSED_STEPS[_AGO_UNITS[match["unit"]]] * count).astimezone(tz), True
    day_text, clock = _split_clock(text)
    today = local_now.date()
    words = day_text.split()
    if day_text == "tomorrow":
        day = today + timedelta(days=1)
    elif len(words) == 2 and words[0] == "next" and words[1] in WEEKDAYS:
        day = today + relativedelta(days=1, weekday=_RELATIVE_WEEKDAYS[WEEKDAYS[words[1]]](+1))
    elif day_text == "next week":
        day = today + relativedelta(weeks=1, weekday=_RELATIVE_WEEKDAYS[0](-1))
    elif match:
        count = 1 if match["count"] in ("a", "an") else _count(match["count"])
        day = today + _CALENDAR_STEPS[_AGO_UNITS[match["unit"]]] * count
        rest = day_text[match.end() :].strip()
        if rest:
            raise ValueError(f"unexpected {rest!r}")
    else:
        raise ValueError(f"{day_text!r} is not an upcoming day")
    return _at_local(day, clock or DEFAULT_MEETING_TIME, tz), clock is not None


def parse_duration(text: str) -> int | None:
    """Minutes in "45 min", "1h30", "1.5h", "2 hours", "1h 30m", "1:30h"; None when it is not a duration."""
    words = text.strip().lower()
    for form in _DURATION_FORMS:
        match = form.fullmatch(words)
        if match:
            hours = float((match.groupdict().get("hours") or "0").replace(",", "."))
            minutes = int(match.groupdict().get("minutes") or "0")
            return round(hours * 60) + minutes
    return None


def format_when(moment: datetime, time_given: bool, now: datetime, tz: ZoneInfo) -> str:
    """Human text for a moment: "today 14:30", "yesterday", "Tue 17 Nov 12:30", "20 Nov 2025"."""
    local = _in_zone(moment, tz)
    today = _in_zone(now, tz).date()
    day = local.date()
    month = _MONTH_ABBREVIATIONS[day.month - 1]
    if day == today:
        text = "today"
    elif day == today - timedelta(days=1):
        text = "yesterday"
    elif day.year == today.year:
        text = f"{_WEEKDAY_ABBREVIATIONS[day.weekday()]} {day.day} {month}"
    else:
        text = f"{day.day} {month} {day.year}"
    return f"{text} {local:%H:%M}" if time_given else text


def starts_date_phrase(words: Sequence[str]) -> bool:
    """Whether these lowercased words begin a date or time ("yesterday", "last tue", "3 days ago", "Nov 20")."""
    if not words:
        return False
    first, rest = words[0], words[1:]
    second = rest[0] if rest else ""
    if first in ("today", "yesterday", "tomorrow", "now") or first in WEEKDAYS:
        return True
    if is_upcoming_phrase(words):
        return True
    if first in ("at", "on"):
        return starts_date_phrase(rest)
    if (first, second) in (("this", "morning"), ("this", "afternoon")) or (first == "last" and second in WEEKDAYS):
        return True
    if any(_AGO.fullmatch(" ".join(words[:length])) for length in (2, 3) if len(words) >= length):
        return True
    if _CLOCK_WORD.fullmatch(first) or _NUMERIC_DATE_WORD.fullmatch(first):
        return True
    if first.isdigit() and len(first) <= 2 and second in ("am", "pm"):
        return True
    day_then_month = bool(_DAY_NUMBER.fullmatch(first)) and second in MONTHS
    month_then_day = first in MONTHS and bool(_DAY_NUMBER.fullmatch(second))
    return day_then_month or month_then_day


def _shown(phrase: str) -> str:
    """The phrase as typed, for a message; a long one cut short (the person knows what they typed)."""
    text = " ".join(phrase.split())
    return text if len(text) <= 60 else text[:40] + "…"


def _in_zone(moment: datetime, tz: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no time zone; pass an aware one")
    return moment.astimezone(tz)


def _normalise(phrase: str) -> str:
    text = phrase.strip().lower().replace(",", " ")
    text = _ISO_DATE_TIME.sub(r"\1 \2", text)
    return " ".join(text.split())


def _read(text: str, local_now: datetime, tz: ZoneInfo) -> tuple[datetime, bool]:
    """Split off the time of day, read the day, and put them together in the member's zone."""
    if text == "now":
        return local_now, True
    day_text, clock = _split_clock(text)
    day_text = day_text.removeprefix("on ").strip()
    instant = _read_instant(day_text, local_now)
    if instant is not None:
        if clock is not None:
            raise ValueError("a time of day cannot follow 'hours ago'")
        return instant, True
    day, part_of_day = _read_day(day_text, local_now.date())
    chosen_clock = clock if clock is not None else part_of_day
    return _at_local(day, chosen_clock or NOON, tz), chosen_clock is not None


def _split_clock(text: str) -> tuple[str, time | None]:
    """Take the one time of day out of the text: ("yesterday", 15:00) from "yesterday at 3pm"."""
    matches = list(_CLOCK.finditer(text))
    if not matches:
        return text, None
    if len(matches) > 1:
        raise ValueError("more than one time of day")
    match = matches[0]
    clock_text = match.group("clock")
    clock = NOON if clock_text == "noon" else parse_datetime(clock_text, default=_FIRST_PROBE).time()
    rest = f"{text[: match.start()]} {text[match.end() :]}"
    return " ".join(rest.split()), clock


def _read_instant(text: str, local_now: datetime) -> datetime | None:
    """Read "2 hours ago" or "an hour ago" as elapsed time (DST changes do not shift it)."""
    match = _AGO.fullmatch(text)
    if not match or _AGO_UNITS[match.group("unit")] not in _ELAPSED_STEPS:
        return None
    elapsed = _ELAPSED_STEPS[_AGO_UNITS[match.group("unit")]] * _count(match.group("count"))
    return (local_now.astimezone(UTC) - elapsed).astimezone(local_now.tzinfo)


def _read_day(text: str, today: date) -> tuple[date, time | None]:
    """Read the day, and the time of day that a phrase such as "this morning" implies."""
    if text in ("", "today"):
        return today, None
    if text == "yesterday":
        return today - timedelta(days=1), None
    if text == "tomorrow":  # read only to say plainly that it is in the future
        return today + timedelta(days=1), None
    if text in _PARTS_OF_DAY:
        return today, _PARTS_OF_DAY[text]
    ago = _AGO.fullmatch(text)
    if ago:
        step = _CALENDAR_STEPS[_AGO_UNITS[ago.group("unit")]]
        return today - step * _count(ago.group("count")), None
    words = text.split()
    if len(words) == 2 and words[0] == "last" and words[1] in WEEKDAYS:
        return _most_recent(WEEKDAYS[words[1]], on_or_before=today - timedelta(days=1)), None
    if text in WEEKDAYS:
        return _most_recent(WEEKDAYS[text], on_or_before=today), None
    return _read_calendar_date(text, today), None


def _count(word: str) -> int:
    return _COUNT_WORDS[word] if word in _COUNT_WORDS else int(word)


def _most_recent(weekday: int, on_or_before: date) -> date:
    return on_or_before + relativedelta(weekday=_RELATIVE_WEEKDAYS[weekday](-1))


def _read_calendar_date(text: str, today: date) -> date:
    """Read "2026-11-20", "Nov 20", "20 Nov", "November 20 2025", "11/20" (month first) with dateutil.

    A month and a day are required; without a year, the nearest such date. No number longer than
    a compact date (20261120) is handed to dateutil, which would try it as hours or a year.
    """
    if _LONG_NUMBER.search(text):
        raise ValueError("a number too long for a date")
    first = parse_datetime(text, default=_FIRST_PROBE, ignoretz=True)
    second = parse_datetime(text, default=_SECOND_PROBE, ignoretz=True)
    if first.time() != time(0) or (first.month, first.day) != (
        second.month,
        second.day,
    ):
        raise ValueError(f"{text!r} is not a day of a month")
    if first.year == second.year:
        return first.date()
    return _nearest_year(first.month, first.day, today)


def _nearest_year(month: int, day: int, today: date) -> date:
    """ "Dec 28" typed on 3 January is last December; "Nov 30" typed on 22 November is this year."""
    candidates = []
    for year in (today.year, today.year - 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue  # 29 February in a year that has none
    if not candidates:
        raise ValueError(f"no {month}/{day} in {today.year} or the year before")
    return min(candidates, key=lambda candidate: abs((candidate - today).days))


def _at_local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The wall-clock time on that day in `tz`; a time skipped by a DST change moves forward."""
    wall = datetime.combine(day, clock, tzinfo=tz)
    return wall.astimezone(UTC).astimezone(tz)
