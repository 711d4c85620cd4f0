"""Days of the week as members type them: names and abbreviations, ranges, and a few phrases.

Pure: text in, day keys out (`WEEKDAYS`, Monday first), in week order.
"""

from __future__ import annotations

import re

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EVERY_DAY = frozenset({"every day", "everyday", "daily", "all", "all days", "every weekday and weekend"})
_WORKDAYS = frozenset({"weekdays", "weekday", "workdays", "work days", "working days", "business days"})
_WEEKEND = frozenset({"weekend", "weekends"})
_DAYS_USAGE = "Use day names such as `mon,wed,fri`, a range such as `mon-fri`, `weekdays` or `every day`."


#: Words and phrases that name several days at once, with the days they name (0 is Monday).
_GROUPS: dict[str, range] = {
    **dict.fromkeys(_EVERY_DAY, range(7)),
    **dict.fromkeys(_WORKDAYS, range(5)),
    **dict.fromkeys(_WEEKEND, range(5, 7)),
}


def parse_days(text: str) -> tuple[str, ...]:
    """Days typed by a member: "mon,tue", "Monday and Friday", "mon-fri", "weekdays", "every day"."""
    phrase = " ".join(text.lower().split())
    if phrase in _GROUPS:
        return tuple(WEEKDAYS[index] for index in _GROUPS[phrase])
    chosen: set[int] = set()
    for word in re.split(r"[\s,;/+&]+|\band\b", phrase):
        if word:
            chosen.update(_days_of(word))
    if not chosen:
        raise ValueError(f"Please choose at least one day. {_DAYS_USAGE}")
    return tuple(WEEKDAYS[index] for index in sorted(chosen))


def _days_of(word: str) -> list[int] | range:
    """The days one word names: a group ("weekdays"), a range ("mon-fri") or a day ("tue")."""
    if word in _GROUPS:
        return _GROUPS[word]
    if "-" in word:
        return _day_range(word)
    return [_day_index(word)]


def _day_range(word: str) -> list[int]:
    """Monday to Friday for "mon-fri"; "fri-mon" wraps over the weekend."""
    first, _, last = word.partition("-")
    start, end = _day_index(first), _day_index(last)
    return [(start + offset) % 7 for offset in range((end - start) % 7 + 1)]


def _day_index(word: str) -> int:
    """0 for "mon", "monday" or "mondays", up to 6 for Sunday."""
    for index, name in enumerate(_WEEKDAY_NAMES):
        if len(word) >= 3 and f"{name}s".startswith(word):
            return index
    raise ValueError(f"I don't know the day “{word}”. {_DAYS_USAGE}")
