"""Unit tests for reading dates, times and durations as sellers type them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.kit.wording import error_text
from models.core.dates import format_when, parse_duration, parse_when
from models.core.errors import Misread, MisreadCommand, UsageError

PARIS = ZoneInfo("Europe/Paris")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
KOLKATA = ZoneInfo("Asia/Kolkata")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=PARIS)  # a Sunday morning


def when(phrase: str, now: datetime = NOW, tz: ZoneInfo = PARIS) -> tuple[datetime, bool]:
    return parse_when(phrase, now, tz)


@pytest.mark.parametrize(
    ("phrase", "day"),
    [
        ("yesterday", date(2026, 11, 21)),
        ("3 days ago", date(2026, 11, 19)),
        ("a week ago", date(2026, 11, 15)),
        ("2 weeks ago", date(2026, 11, 8)),
        ("Yesterday", date(2026, 11, 21)),
    ],
)
def test_relative_days_mean_noon_on_that_day_without_a_time(phrase: str, day: date) -> None:
    """A day without a time of day is read as 12:00 local on that day, with time_given False."""
    assert when(phrase) == (datetime.combine(day, time(12), tzinfo=PARIS), False)


def test_today_without_a_time_is_noon_or_now_while_noon_is_still_to_come() -> None:
    """ "today" is noon, but never later than now: a logged interaction is never in the future."""
    assert when("today") == (NOW, False)
    afternoon = NOW.replace(hour=16)
    assert when("today", now=afternoon) == (afternoon.replace(hour=12), False)


def test_now_is_the_given_moment_with_a_time() -> None:
    """ "now" is exactly the moment passed in, never the clock."""
    assert when("now") == (NOW, True)


def test_this_morning_and_this_afternoon_set_a_time_of_day() -> None:
    """ "this morning" is 09:00 and "this afternoon" 15:00 today."""
    late = NOW.replace(hour=18)
    assert when("this morning", now=late) == (late.replace(hour=9), True)
    assert when("this afternoon", now=late) == (late.replace(hour=15), True)


@pytest.mark.parametrize(
    ("phrase", "elapsed"),
    [("2 hours ago", timedelta(hours=2)), ("an hour ago", timedelta(hours=1)), ("30 min ago", timedelta(minutes=30))],
)
def test_hours_and_minutes_ago_count_back_from_now(phrase: str, elapsed: timedelta) -> None:
    """ "N hours ago" is an exact moment, with a time of day."""
    assert when(phrase) == (NOW - elapsed, True)


@pytest.mark.parametrize(
    ("phrase", "day"),
    [
        ("last tue", date(2026, 11, 17)),
        ("last tuesday", date(2026, 11, 17)),
        ("tue", date(2026, 11, 17)),
        ("last sun", date(2026, 11, 15)),
        ("sunday", date(2026, 11, 22)),
    ],
)
def test_last_weekday_is_strictly_before_today_and_a_bare_weekday_may_be_today(phrase: str, day: date) -> None:
    """On a Sunday, "last sun" is a week ago while "sunday" is today."""
    moment, time_given = when(phrase)
    assert (moment.date(), time_given) == (day, False)


@pytest.mark.parametrize(
    ("phrase", "day"),
    [
        ("2026-11-20", date(2026, 11, 20)),
        ("Nov 20", date(2026, 11, 20)),
        ("20 Nov", date(2026, 11, 20)),
        ("November 20 2025", date(2025, 11, 20)),
        ("Nov 20, 2025", date(2025, 11, 20)),
        ("11/20", date(2026, 11, 20)),
        ("on Nov 20", date(2026, 11, 20)),
    ],
)
def test_calendar_dates_are_read_in_their_common_forms(phrase: str, day: date) -> None:
    """ISO dates, month names either side of the day, and month-first numeric dates all read."""
    assert when(phrase) == (datetime.combine(day, time(12), tzinfo=PARIS), False)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("2026-11-20 14:00", datetime(2026, 11, 20, 14, 0)),
        ("2026-11-20T14:00", datetime(2026, 11, 20, 14, 0)),
        ("Nov 20 3pm", datetime(2026, 11, 20, 15, 0)),
        ("yesterday 3pm", datetime(2026, 11, 21, 15, 0)),
        ("yesterday at 3:15pm", datetime(2026, 11, 21, 15, 15)),
        ("last tue 12:30", datetime(2026, 11, 17, 12, 30)),
        ("3 days ago at 10am", datetime(2026, 11, 19, 10, 0)),
        ("9:30", datetime(2026, 11, 22, 9, 30)),
        ("at 9am", datetime(2026, 11, 22, 9, 0)),
    ],
)
def test_a_day_and_a_time_combine_in_the_members_zone(phrase: str, expected: datetime) -> None:
    """A time of day sets time_given; a time alone means today."""
    assert when(phrase) == (expected.replace(tzinfo=PARIS), True)


def test_a_date_without_a_year_is_the_nearest_such_date() -> None:
    """ "Dec 28" typed on 3 January means the December just gone."""
    new_year = datetime(2027, 1, 3, 10, 0, tzinfo=PARIS)
    assert when("Dec 28", now=new_year)[0].date() == date(2026, 12, 28)


@pytest.mark.parametrize(
    "phrase",
    ["yesterdya", "nov", "20", "13pm", "yesterday 3pm 4pm", "2 hours ago 3pm", "2026-13-01", " tomorow "],
)
def test_unreadable_phrases_raise_a_friendly_usage_error(phrase: str) -> None:
    """The message quotes what could not be read."""
    with pytest.raises(UsageError) as raised:
        when(phrase)
    assert raised.value.message == f"I couldn't read “{phrase.strip()}” as a date or time."


def test_an_empty_phrase_asks_when_it_was() -> None:
    """Blank text is not read as today: it asks for a date."""
    with pytest.raises(UsageError, match=r"When was it\?"):
        when("  ")


@pytest.mark.parametrize("phrase", ["tomorrow", "this afternoon", "3pm", "Nov 30", "2026-12-01 09:00"])
def test_moments_in_the_future_are_refused(phrase: str) -> None:
    """/logcall records what already happened, and says so."""
    with pytest.raises(MisreadCommand) as raised:
        when(phrase)
    assert raised.value.misread is Misread.IN_THE_FUTURE and raised.value.facts["phrase"] == phrase
    assert "is in the future: /logcall records what already happened" in error_text(raised.value)


def test_a_moment_less_than_a_minute_ahead_counts_as_now() -> None:
    """Clocks disagree a little: "10:01" typed at 10:00:30 is accepted and stored as now."""
    now = NOW.replace(second=30)
    assert when("10:01", now=now) == (now, True)


def test_days_ago_keep_the_wall_clock_time_across_a_dst_change_in_los_angeles() -> None:
    """After the November change, "3 days ago at 10am" is 10:00 PDT and "yesterday" noon PST."""
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=LOS_ANGELES)
    friday, _ = when("3 days ago at 10am", now=monday, tz=LOS_ANGELES)
    assert (friday.date(), friday.hour, friday.utcoffset()) == (date(2026, 10, 30), 10, timedelta(hours=-7))
    sunday, _ = when("yesterday", now=monday, tz=LOS_ANGELES)
    assert (sunday.date(), sunday.hour, sunday.utcoffset()) == (date(2026, 11, 1), 12, timedelta(hours=-8))


def test_an_hour_ago_is_elapsed_time_even_across_the_repeated_hour() -> None:
    """At 01:30 PST (the second 01:30 that night), an hour ago is 01:30 PDT."""
    second_half_past_one = datetime(2026, 11, 1, 9, 30, tzinfo=UTC).astimezone(LOS_ANGELES)
    moment, _ = when("an hour ago", now=second_half_past_one, tz=LOS_ANGELES)
    assert moment.astimezone(UTC) == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    assert (moment.hour, moment.minute, moment.utcoffset()) == (1, 30, timedelta(hours=-7))


def test_a_time_in_the_repeated_hour_is_compared_as_an_instant() -> None:
    """At 01:10 PST (second pass), "1:50" is 01:50 PDT, forty minutes ago, not the future."""
    ten_past_one_pst = datetime(2026, 11, 1, 9, 10, tzinfo=UTC).astimezone(LOS_ANGELES)
    moment, time_given = when("1:50", now=ten_past_one_pst, tz=LOS_ANGELES)
    assert (moment.astimezone(UTC), time_given) == (datetime(2026, 11, 1, 8, 50, tzinfo=UTC), True)


def test_the_members_zone_decides_which_day_is_today_in_kolkata() -> None:
    """At 21:30 UTC it is already tomorrow in Kolkata, so "yesterday" is the UTC today."""
    now = datetime(2026, 11, 21, 21, 30, tzinfo=UTC)
    assert when("yesterday 23:00", now=now, tz=KOLKATA) == (datetime(2026, 11, 21, 23, 0, tzinfo=KOLKATA), True)
    assert when("today", now=now, tz=KOLKATA)[0].date() == date(2026, 11, 22)


def test_a_naive_now_is_a_programming_error() -> None:
    """Times are timezone-aware everywhere; a naive `now` is refused, not guessed."""
    with pytest.raises(ValueError, match="naive"):
        parse_when("today", datetime(2026, 11, 22, 10, 0), PARIS)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45 min", 45), ("45min", 45), ("45 mins", 45), ("45 minutes", 45), ("1h30", 90), ("1h", 60),
        ("1.5h", 90), ("2 hours", 120), ("1 hour", 60), ("90m", 90), ("1h 30m", 90), ("1:30h", 90),
    ],
)  # fmt: skip
def test_durations_are_read_as_minutes(text: str, minutes: int) -> None:
    """Minutes, hours, decimals and hours-and-minutes all give a number of minutes."""
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["yesterday", "3", "12:30", "1h 90m", "", "min"])
def test_text_that_is_not_a_duration_gives_none(text: str) -> None:
    """parse_duration says None rather than guessing."""
    assert parse_duration(text) is None


@pytest.mark.parametrize(
    ("moment", "time_given", "text"),
    [
        (datetime(2026, 11, 22, 9, 30), True, "today 09:30"),
        (datetime(2026, 11, 21, 12, 0), False, "yesterday"),
        (datetime(2026, 11, 17, 12, 30), True, "Tue 17 Nov 12:30"),
        (datetime(2025, 11, 20, 12, 0), False, "20 Nov 2025"),
    ],
)
def test_format_when_gives_short_human_text(moment: datetime, time_given: bool, text: str) -> None:
    """Replies say "today", "yesterday", a weekday this year, or the year for older dates."""
    assert format_when(moment.replace(tzinfo=PARIS), time_given, NOW, PARIS) == text
