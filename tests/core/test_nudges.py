"""Unit tests for the nudge rules: neglected and one-sided ties, the weekly tips, when a digest is due."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from handlers.nudges.listeners import digest_message
from handlers.nudges.wording import headline, reason
from models.core.nudges import (
    SNOOZE,
    DigestItem,
    DigestSettings,
    Frequency,
    NudgeKind,
    NudgeMemory,
    TieFacts,
    backoff_days,
    cadence_for,
    compose_digest,
    due_period,
    may_send,
    neglected,
    one_sided,
    weekly_tips,
)
from models.core.signs import is_one_sided
from models.core.weekdays import WEEKDAYS, parse_days
from models.delivery.outbox import OutgoingMessage
from models.nudges.digests import items_from_data, items_to_data, settings_to_data
from models.nudges.settings import parse_digest_tags, parse_lead

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
"""A Wednesday; next ISO week runs from Monday 30 November to Sunday 6 December 2026."""
TAG_CADENCES = {"client": 30, "friend": 90}
EVERY_DAY = WEEKDAYS
DEFAULTS = DigestSettings()


def tie(
    contact_id: int = 1,
    name: str = "Jane Doe",
    *,
    company: str | None = "ACME",
    strength: float = 0.4,
    score: int | None = 3,
    days_ago: float | None = 10,
    interactions: int = 5,
    tags: tuple[str, ...] = (),
    cadence_days: int | None = None,
    overlap: float | None = None,
    by_me: int = 0,
    by_them: int = 0,
    signs_known: int | None = 4,
) -> TieFacts:
    """A contact last met `days_ago` days before NOW (never, when None)."""
    return TieFacts(
        contact_id=contact_id,
        contact_name=name,
        company=company,
        strength=strength,
        score_total=score,
        last_interaction_at=None if days_ago is None else NOW - timedelta(days=days_ago),
        interaction_count=interactions,
        tags=tags,
        cadence_days=cadence_days,
        overlap_share=overlap,
        initiated_by_me=by_me,
        initiated_by_them=by_them,
        signs_known=signs_known,
    )


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def sent(times: int, days_ago: float, *, muted: bool = False, snoozed_until: datetime | None = None) -> NudgeMemory:
    """The memory of a neglect nudge about contact 1 sent `times` times, the last `days_ago` days before NOW."""
    return NudgeMemory(1, NudgeKind.NEGLECTED, times, NOW - timedelta(days=days_ago), muted, snoozed_until)


def hourly(start: datetime, days: int) -> Iterator[datetime]:
    """A scheduler tick every hour for `days` days."""
    for hour in range(days * 24):
        yield start + timedelta(hours=hour)


# --- Neglected ---


def test_a_client_is_on_time_on_the_day_its_cadence_is_reached_and_neglected_one_day_later() -> None:
    """Tagged #client (every 30 days): 30 days of silence is fine, 31 gets a nudge that says why."""
    assert neglected(tie(days_ago=30, tags=("client",)), TAG_CADENCES, NOW) is None
    item = neglected(tie(days_ago=31, tags=("client",)), TAG_CADENCES, NOW)
    assert item is not None
    assert item.kind is NudgeKind.NEGLECTED
    assert headline(item) == "You haven't talked to Jane Doe (ACME) for 31 days"
    assert reason(item) == "you usually need to every 30 days (#client)"


def test_part_of_a_day_beyond_the_cadence_is_not_yet_overdue() -> None:
    """30 days and 23 hours is still 30 whole days: no nudge before the 31st day."""
    assert neglected(tie(days_ago=30.99, tags=("client",)), TAG_CADENCES, NOW) is None


def test_the_shortest_cadence_among_the_tags_wins() -> None:
    """A contact tagged both #friend (90 days) and #client (30 days) needs contact every 30 days."""
    jane = tie(days_ago=45, tags=("friend", "client"))
    assert cadence_for(jane, TAG_CADENCES) == 30
    item = neglected(jane, TAG_CADENCES, NOW)
    assert item is not None and reason(item) == "you usually need to every 30 days (#client)"


def test_a_cadence_set_on_the_contact_beats_its_tags() -> None:
    """Jane is a #client, but the seller said every 90 days for her: 45 days of silence is fine."""
    jane = tie(days_ago=45, tags=("client",), cadence_days=90)
    assert cadence_for(jane, TAG_CADENCES) == 90
    assert neglected(jane, TAG_CADENCES, NOW) is None
    late = neglected(jane._replace(last_interaction_at=NOW - timedelta(days=91)), TAG_CADENCES, NOW)
    assert late is not None and reason(late) == "you usually need to every 90 days (set for Jane Doe)"


def test_tags_match_whatever_their_case_or_hash_sign() -> None:
    """A cadence set for "#Client" applies to a contact tagged "client"."""
    assert cadence_for(tie(tags=("client",)), {"#Client": 14}) == 14


def test_tags_without_a_cadence_fall_back_to_the_default() -> None:
    """A #prospect with no cadence of its own is judged by the strength of the tie."""
    assert cadence_for(tie(strength=0.1, score=0, tags=("prospect",)), TAG_CADENCES) == 120


@pytest.mark.parametrize(
    ("strength", "score", "days"),
    [
        pytest.param(0.6, 3, 30, id="strong tie: every 30 days"),
        pytest.param(0.59, 3, 60, id="medium tie: every 60 days"),
        pytest.param(0.3, None, 60, id="medium tie, never scored: every 60 days"),
        pytest.param(0.29, 3, 120, id="weak tie: every 120 days"),
        pytest.param(0.1, 6, 30, id="weak tie but a high scorer: every 30 days"),
        pytest.param(0.4, 5, 60, id="a score of 5 is not yet high"),
    ],
)
def test_without_a_cadence_stronger_and_more_valuable_ties_need_contact_more_often(
    strength: float, score: int | None, days: int
) -> None:
    """Default cadence: strong 30 days, medium 60, weak 120; a total of 6 or more caps it at 30."""
    assert cadence_for(tie(strength=strength, score=score), {}) == days


def test_a_default_cadence_says_where_it_comes_from() -> None:
    """The reason names the tie's band when no cadence was set."""
    item = neglected(tie(strength=0.7, days_ago=40), {}, NOW)
    assert item is not None and reason(item) == "you usually need to every 30 days (a strong tie)"


def test_a_contact_never_met_is_reach_not_a_neglected_relationship() -> None:
    """An imported connection with no interaction never gets a "you haven't talked" nudge."""
    assert neglected(tie(days_ago=None, interactions=0), TAG_CADENCES, NOW) is None


def test_the_headline_leaves_out_an_unknown_company() -> None:
    """No empty parentheses when the company is not known."""
    item = neglected(tie(company=None, days_ago=200, strength=0.1), {}, NOW)
    assert item is not None and headline(item) == "You haven't talked to Jane Doe for 200 days"


def test_a_stronger_or_longer_neglected_tie_is_worth_more_up_to_three_times_overdue() -> None:
    """Value = (0.5 + strength) × min(days since / cadence, 3)."""

    def value(strength: float, days_ago: int) -> float:
        item = neglected(tie(strength=strength, days_ago=days_ago, tags=("client",)), TAG_CADENCES, NOW)
        assert item is not None
        return item.value

    assert value(0.5, 60) == pytest.approx(2.0)
    assert value(0.9, 60) > value(0.2, 60)
    assert value(0.5, 75) > value(0.5, 45)
    assert value(0.5, 90) == value(0.5, 400) == pytest.approx(3.0)


# --- One-sided ---


def test_the_nudge_judges_balance_exactly_as_the_fifth_sign_does() -> None:
    """Whoever started the last interactions, the one-sided nudge fires exactly when the score calls the
    relationship one-sided (4 known initiators, 80 % on one side)."""
    for by_me in range(11):
        for by_them in range(11 - by_me):
            fires = one_sided(tie(by_me=by_me, by_them=by_them), NOW) is not None
            assert fires is is_one_sided(by_me, by_them), (by_me, by_them)


def test_three_initiatives_are_too_few_to_call_a_relationship_one_sided_four_are_enough() -> None:
    """Jane started the last 3: too early to judge. She started the last 4: she only calls when she needs something."""
    assert one_sided(tie(by_them=3), NOW) is None
    assert one_sided(tie(by_them=4), NOW) is not None


@pytest.mark.parametrize(
    ("by_me", "by_them", "fires"),
    [
        pytest.param(1, 3, False, id="75 %"),
        pytest.param(2, 7, False, id="78 %"),
        pytest.param(1, 4, True, id="80 %"),
        pytest.param(2, 8, True, id="80 % of 10"),
        pytest.param(3, 7, False, id="70 % of 10"),
        pytest.param(5, 5, False, id="balanced"),
    ],
)
def test_one_side_must_start_at_least_80_percent_of_the_interactions(by_me: int, by_them: int, fires: bool) -> None:
    """Just under 80 % is a lopsided but living relationship; from 80 % it is a one-way street."""
    assert (one_sided(tie(by_me=by_me, by_them=by_them), NOW) is not None) is fires
    assert (one_sided(tie(by_me=by_them, by_them=by_me), NOW) is not None) is fires


def test_a_contact_who_only_gets_in_touch_when_they_need_something_is_told_as_such() -> None:
    """They started 5 of the last 6: take the lead with something of value."""
    item = one_sided(tie(by_me=1, by_them=5), NOW)
    assert item is not None and item.kind is NudgeKind.ONE_SIDED
    assert headline(item) == (  # who reaches out is a hint of imbalance, worded as a question
        "Jane Doe reached out first 5 of the last 6 times: do they only get in touch when they need something?"
    )
    assert "take the lead with something of value" in reason(item)


def test_when_they_started_every_interaction_the_headline_says_all() -> None:
    """ "Reached out first the last 4 times", not "4 of the last 4 times"."""
    item = one_sided(tie(by_them=4), NOW)
    assert item is not None and "reached out first the last 4 times: do they" in headline(item)


def test_a_contact_the_seller_always_chases_is_told_the_other_way_round() -> None:
    """You chased Raj the last 6 times: give him a reason to come to you."""
    item = one_sided(tie(name="Raj Patel", by_me=6), NOW)
    assert item is not None
    assert headline(item) == "You have chased Raj Patel the last 6 times: give them a reason to come to you"
    partly = one_sided(tie(name="Raj Patel", by_me=5, by_them=1), NOW)
    assert partly is not None
    assert headline(partly) == "You have chased Raj Patel 5 of the last 6 times: give them a reason to come to you"


def test_a_fully_one_sided_tie_weighs_like_one_twice_overdue() -> None:
    """Value = (0.5 + strength) × 2 × the share of the side that always starts."""
    full = one_sided(tie(strength=0.5, by_them=6), NOW)
    mostly = one_sided(tie(strength=0.5, by_me=1, by_them=4), NOW)
    assert full is not None and full.value == pytest.approx(2.0)
    assert mostly is not None and mostly.value == pytest.approx(1.6)


# --- The weekly tips ---


def tips_by_kind(ties: list[TieFacts], settings: DigestSettings = DEFAULTS) -> dict[NudgeKind, DigestItem]:
    return {item.kind: item for item in weekly_tips(ties, NOW, settings)}


def test_the_highest_scorer_is_invited_to_lunch_on_next_weeks_first_digest_day() -> None:
    """A member whose digest days are Tuesday and Thursday is offered Tuesday 1 December."""
    ties = [tie(1, "Jane Doe", score=8, strength=0.7), tie(2, "Ann Lee", score=6, strength=0.9)]
    lunch = tips_by_kind(ties, DigestSettings(days=("tue", "thu")))[NudgeKind.LUNCH]
    assert lunch.contact_name == "Jane Doe"
    assert lunch.suggested_day == date(2026, 12, 1)
    assert headline(lunch) == "Take Jane Doe to lunch next week: Tue 1 Dec?"


def test_with_the_default_days_lunch_is_next_monday() -> None:
    """Monday to Friday: the first day of next week is Monday 30 November."""
    lunch = tips_by_kind([tie(score=7)])[NudgeKind.LUNCH]
    assert lunch.suggested_day == date(2026, 11, 30)
    assert headline(lunch) == "Take Jane Doe to lunch next week: Mon 30 Nov?"


def test_next_week_is_counted_in_the_members_time_zone() -> None:
    """Late on Sunday in UTC it is already Monday in Kolkata, so "next week" starts a week later there."""
    sunday_night = utc(2026, 11, 29, 23, 0)
    kolkata = DigestSettings(time_zone="Asia/Kolkata")
    assert weekly_tips([tie(score=7)], sunday_night, DigestSettings())[0].suggested_day == date(2026, 11, 30)
    assert weekly_tips([tie(score=7)], sunday_night, kolkata)[0].suggested_day == date(2026, 12, 7)


def test_equal_scorers_go_to_lunch_by_strength() -> None:
    """Two contacts on 7 points: the stronger tie gets the lunch."""
    ties = [tie(1, "Jane Doe", score=7, strength=0.5), tie(2, "Ann Lee", score=7, strength=0.8)]
    assert tips_by_kind(ties)[NudgeKind.LUNCH].contact_name == "Ann Lee"


def test_no_lunch_below_five_points_or_without_a_tie() -> None:
    """A 4-point contact is not a high scorer; a high score with no strength at all is not a tie yet."""
    assert NudgeKind.LUNCH not in tips_by_kind([tie(score=4), tie(2, score=9, strength=0.0)])


def test_the_low_scorer_to_kick_start_is_the_one_met_most_often() -> None:
    """Among contacts on 1 point or less, the one with the most interactions is the easiest to improve."""
    ties = [
        tie(1, "Jane Doe", score=1, interactions=3),
        tie(2, "Raj Patel", score=-2, interactions=9),
        tie(3, "Ann Lee", score=0, interactions=0, days_ago=None),
    ]
    kick = tips_by_kind(ties, DigestSettings(days=("wed",)))[NudgeKind.KICK_START]
    assert kick.contact_name == "Raj Patel"
    assert kick.suggested_day == date(2026, 12, 2)
    assert headline(kick) == "Kick-start your relationship with Raj Patel: meet next week, Wed 2 Dec?"


def test_a_never_rated_low_scorer_is_not_kicked_start_the_seller_is_asked_to_rate_them() -> None:
    """Never rated is not low: Raj's 0 points rest on 2 known signs of 5, so he is no low scorer yet, and
    with no low scorer whose signs are mostly known, the tip asks to rate the one met most often."""
    ties = [
        tie(1, "Jane Doe", score=0, interactions=3, signs_known=2),
        tie(2, "Raj Patel", score=0, interactions=9, signs_known=2),
        tie(3, "Ann Lee", score=1, interactions=12, signs_known=None),  # kept before signs were counted
    ]
    tips = tips_by_kind(ties)
    assert NudgeKind.KICK_START not in tips
    assert tips[NudgeKind.RATE].contact_name == "Ann Lee"
    assert headline(tips[NudgeKind.RATE]) == "Rate your relationship with Ann Lee: is it worth kick-starting?"
    assert reason(tips[NudgeKind.RATE]).startswith("only 0 signs of 5 known")


def test_a_low_scorer_whose_signs_are_mostly_known_is_kicked_start_and_no_rating_is_asked() -> None:
    """With one low scorer on 3 known signs, the tip kick-starts them and asks for no rating."""
    ties = [tie(1, "Jane Doe", score=1, interactions=3, signs_known=3), tie(2, "Raj", score=0, signs_known=1)]
    tips = tips_by_kind(ties)
    assert tips[NudgeKind.KICK_START].contact_name == "Jane Doe"
    assert NudgeKind.RATE not in tips


def test_a_contact_never_met_or_on_two_points_is_not_a_kick_start() -> None:
    """Kick-starting needs a relationship (one interaction) and a low score (1 at most)."""
    ties = [tie(1, score=2), tie(2, score=-3, interactions=0, days_ago=None)]
    assert NudgeKind.KICK_START not in tips_by_kind(ties)


def test_the_most_overlapping_network_over_half_is_a_call_for_fresh_air() -> None:
    """Raj shares 64 % of the seller's network: ask him for introductions beyond it."""
    ties = [tie(1, "Jane Doe", overlap=0.55), tie(2, "Raj Patel", overlap=0.64), tie(3, "Ann Lee", overlap=0.3)]
    air = tips_by_kind(ties)[NudgeKind.FRESH_AIR]
    assert air.contact_name == "Raj Patel"
    assert headline(air) == "You and Raj Patel share 64 % of your networks: ask them to introduce you beyond it"
    assert air.suggested_day is None


def test_exactly_half_the_network_in_common_is_not_yet_a_call_for_fresh_air() -> None:
    """The seeds say over 50 %: 50 % itself is fine."""
    assert NudgeKind.FRESH_AIR not in tips_by_kind([tie(overlap=0.5)])


def test_the_same_contact_is_never_used_for_two_tips() -> None:
    """Jane is both the top scorer and the most overlapping: lunch with her, fresh air through Raj."""
    ties = [tie(1, "Jane Doe", score=9, overlap=0.9), tie(2, "Raj Patel", overlap=0.6)]
    tips = tips_by_kind(ties)
    assert tips[NudgeKind.LUNCH].contact_name == "Jane Doe"
    assert tips[NudgeKind.FRESH_AIR].contact_name == "Raj Patel"


# --- When the digest is due ---


#: Each case: a member's digest settings, and the period `due_period` gives at each moment (None: not due).
DUE_PERIODS = [
    pytest.param(
        DigestSettings(time_zone="Europe/Paris"),
        {utc(2026, 12, 1, 7, 59): None, utc(2026, 12, 1, 8, 0): "day:2026-12-01"},
        id="in Paris from nine local time: 08:00 UTC in December, the key the local day",
    ),
    pytest.param(
        DigestSettings(time_zone="Asia/Kolkata"),
        {utc(2026, 12, 1, 3, 29): None, utc(2026, 12, 1, 3, 30): "day:2026-12-01"},
        id="in Kolkata at half past three UTC: India is UTC+5:30",
    ),
    pytest.param(
        DigestSettings(time_zone="Europe/Paris"),
        {
            utc(2026, 12, 1, 22, 59): "day:2026-12-01",
            utc(2026, 12, 1, 23, 0): None,  # 00:00 on Wednesday, before 09:00
            utc(2026, 12, 2, 8, 0): "day:2026-12-02",
        },
        id="due until the end of the local day: a bot down all morning still sends at 23:59 Paris time",
    ),
    pytest.param(
        DigestSettings(time_zone="America/Los_Angeles"),
        {
            utc(2026, 3, 6, 16, 59): None,
            utc(2026, 3, 6, 17, 0): "day:2026-03-06",
            utc(2026, 3, 9, 15, 59): None,
            utc(2026, 3, 9, 16, 0): "day:2026-03-09",
        },
        id="Los Angeles stays at nine local across the spring change: 17:00 UTC on Friday, 16:00 UTC on Monday",
    ),
    pytest.param(
        DigestSettings(time_zone="America/Los_Angeles", days=EVERY_DAY),
        {
            utc(2026, 3, 7, 17, 0): "day:2026-03-07",
            utc(2026, 3, 8, 15, 59): None,
            utc(2026, 3, 8, 16, 0): "day:2026-03-08",
        },
        id="Los Angeles on Sunday 8 March, the day of the spring change: 09:00 is already daylight time",
    ),
    pytest.param(
        DigestSettings(time_zone="America/Los_Angeles", local_time=time(2, 30), days=EVERY_DAY),
        {utc(2026, 3, 8, 9, 59): None, utc(2026, 3, 8, 10, 0): "day:2026-03-08"},
        id="a time the spring change skips (02:30 on 8 March) is due when the clocks resume at 03:00",
    ),
    pytest.param(
        DigestSettings(time_zone="America/Los_Angeles", days=EVERY_DAY),
        {
            utc(2026, 10, 31, 16, 0): "day:2026-10-31",
            utc(2026, 11, 1, 16, 0): None,
            utc(2026, 11, 1, 17, 0): "day:2026-11-01",
        },
        id="Los Angeles stays at nine local across the autumn change: 16:00 UTC before, 17:00 UTC after",
    ),
    pytest.param(
        DigestSettings(time_zone="America/Los_Angeles", local_time=time(1, 30), days=EVERY_DAY),
        {utc(2026, 11, 1, 8, 29): None, utc(2026, 11, 1, 8, 30): "day:2026-11-01"},
        id="a time that occurs twice in autumn (01:30 on 1 November) is due the first time, 08:30 UTC",
    ),
    pytest.param(
        DigestSettings(frequency=Frequency.WEEKLY, days=("wed", "fri")),
        {
            utc(2026, 12, 1, 12, 0): None,
            utc(2026, 12, 2, 8, 59): None,
            utc(2026, 12, 2, 9, 0): "week:2026-W49",
        },
        id="a weekly digest on Wednesday and Friday waits for Wednesday 09:00",
    ),
    pytest.param(
        DigestSettings(time_zone="Mars/Olympus_Mons"),
        {utc(2026, 12, 1, 8, 59): None, utc(2026, 12, 1, 9, 0): "day:2026-12-01"},
        id="an unknown time zone (one Slack never sends, or a typo) reads as UTC instead of failing",
    ),
]


@pytest.mark.parametrize(("settings", "periods"), DUE_PERIODS)
def test_the_digest_is_due_from_the_members_own_time_in_their_own_zone(
    settings: DigestSettings, periods: dict[datetime, str | None]
) -> None:
    """Each moment gets the period the case names, across zones, clock changes and the member's chosen days."""
    assert {moment: due_period(settings, moment) for moment in periods} == periods


def test_members_in_different_zones_are_each_due_at_their_own_nine() -> None:
    """On Tuesday at 16:59 UTC Kolkata got its digest hours ago and Los Angeles is a minute away from 09:00."""
    kolkata = DigestSettings(time_zone="Asia/Kolkata")
    los_angeles = DigestSettings(time_zone="America/Los_Angeles")
    assert due_period(kolkata, utc(2026, 12, 1, 16, 59)) == "day:2026-12-01"
    assert due_period(los_angeles, utc(2026, 12, 1, 16, 59)) is None
    assert due_period(los_angeles, utc(2026, 12, 1, 17, 0)) == "day:2026-12-01"


def test_weekends_are_off_by_default() -> None:
    """A daily digest goes out Monday to Friday: two weeks of hourly ticks give ten distinct days."""
    keys = {due_period(DigestSettings(), moment) for moment in hourly(utc(2026, 11, 30), 14)} - {None}
    assert len(keys) == 10
    assert "day:2026-12-05" not in keys and "day:2026-12-06" not in keys


def test_a_weekly_digest_catches_up_later_in_the_week_but_only_once_per_week() -> None:
    """Due from Monday 09:00; a bot down on Monday sends on Tuesday; the key stays the same all week."""
    weekly = DigestSettings(frequency=Frequency.WEEKLY)
    assert due_period(weekly, utc(2026, 11, 30, 8, 59)) is None
    assert due_period(weekly, utc(2026, 12, 1, 10, 0)) == "week:2026-W49"
    assert due_period(weekly, utc(2026, 12, 6, 23, 59)) == "week:2026-W49"
    assert due_period(weekly, utc(2026, 12, 7, 9, 0)) == "week:2026-W50"
    keys = {due_period(weekly, moment) for moment in hourly(utc(2026, 11, 30), 14)} - {None}
    assert keys == {"week:2026-W49", "week:2026-W50"}


def test_a_digest_turned_off_is_never_due() -> None:
    """Frequency off: not one tick in two weeks is due."""
    off = DigestSettings(frequency=Frequency.OFF, days=EVERY_DAY)
    assert all(due_period(off, moment) is None for moment in hourly(utc(2026, 11, 30), 14))


def test_a_naive_now_is_refused() -> None:
    """A naive datetime is a bug, not a time in some zone."""
    with pytest.raises(ValueError, match="timezone-aware"):
        due_period(DigestSettings(), datetime(2026, 12, 1, 9, 0))


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon,tue", ("mon", "tue")),
        ("fri, Mon", ("mon", "fri")),
        ("Monday and Wednesday", ("mon", "wed")),
        ("tues thurs", ("tue", "thu")),
        ("weekdays", ("mon", "tue", "wed", "thu", "fri")),
        ("Every day", WEEKDAYS),
        ("mon-wed", ("mon", "tue", "wed")),
        ("fri-mon", ("mon", "fri", "sat", "sun")),
        ("weekdays, sat", ("mon", "tue", "wed", "thu", "fri", "sat")),
    ],
)
def test_digest_days_are_read_the_way_people_type_them(text: str, days: tuple[str, ...]) -> None:
    """Names, abbreviations, ranges and a few phrases; the result is always in week order."""
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["", "  ", "mon,funday", "mo"])
def test_days_that_cannot_be_read_get_a_friendly_message_with_an_example(text: str) -> None:
    """Never a stack trace: the message says what to type."""
    with pytest.raises(ValueError, match="mon,wed,fri"):
        parse_days(text)


def test_settings_refuse_a_day_that_does_not_exist() -> None:
    """Only mon … sun are days."""
    with pytest.raises(ValueError, match="unknown days"):
        DigestSettings(days=("monday",))


# --- Mute, snooze and back-off ---


def test_a_nudge_never_sent_may_go_out() -> None:
    """No memory, or a memory with nothing sent yet, never holds a nudge back."""
    assert may_send(None, tie(), NOW)
    assert may_send(NudgeMemory(1, NudgeKind.NEGLECTED, 0, None), tie(), NOW)


def test_not_relevant_mutes_that_kind_for_good() -> None:
    """A muted nudge stays silent even a year later."""
    muted = sent(1, 365, muted=True)
    assert not may_send(muted, tie(days_ago=400), NOW)


def test_a_snoozed_nudge_waits_until_the_snooze_ends() -> None:
    """Snoozed two weeks: silent the day before it ends, back on the day it ends."""
    snoozed = sent(1, 13, snoozed_until=NOW + timedelta(days=1))
    assert not may_send(snoozed, tie(days_ago=100), NOW)
    assert may_send(replace(snoozed, snoozed_until=NOW), tie(days_ago=100), NOW)


@pytest.mark.parametrize(("times", "days"), [(0, 0), (1, 3), (2, 6), (3, 12), (4, 24), (5, 30), (6, 30), (50, 30)])
def test_an_ignored_nudge_backs_off_3_6_12_24_then_30_days(times: int, days: int) -> None:
    """Each ignored send doubles the wait, up to a month."""
    assert backoff_days(times) == days


def test_an_ignored_nudge_does_not_repeat_before_its_back_off() -> None:
    """Sent once and ignored: silent two days later, back after three."""
    assert not may_send(sent(1, 2), tie(days_ago=100), NOW)
    assert may_send(sent(1, 3), tie(days_ago=100), NOW)
    assert not may_send(sent(4, 23), tie(days_ago=100), NOW)
    assert may_send(sent(4, 24), tie(days_ago=100), NOW)


def test_an_interaction_logged_since_the_last_send_resets_the_back_off() -> None:
    """The seller acted on the nudge (logged a call the day after): the wait starts over."""
    assert may_send(sent(5, 2), tie(days_ago=1), NOW)
    assert not may_send(sent(5, 2), tie(days_ago=3), NOW)


# --- The digest ---


def neglected_client(contact_id: int, name: str, strength: float, days_ago: int = 60) -> TieFacts:
    return tie(contact_id, name, strength=strength, days_ago=days_ago, tags=("client",))


def digest(
    ties: list[TieFacts],
    memories: dict[tuple[int, NudgeKind], NudgeMemory] | None = None,
    include_tips: bool = False,
) -> list[DigestItem]:
    return compose_digest(ties, memories or {}, TAG_CADENCES, DigestSettings(), NOW, include_tips)


def test_the_digest_is_ranked_by_value_then_name_and_keeps_five_items() -> None:
    """Seven neglected clients: the five strongest, strongest first, equal values in name order."""
    strengths = {"Gus": 0.1, "Ann": 0.9, "Bob": 0.5, "Cleo": 0.5, "Dan": 0.7, "Eve": 0.2, "Fay": 0.3}
    ties = [neglected_client(number, name, s) for number, (name, s) in enumerate(strengths.items(), start=1)]
    names = [item.contact_name for item in digest(ties)]
    assert names == ["Ann", "Dan", "Bob", "Cleo", "Fay"]


def test_a_contact_appears_once_with_its_most_valuable_nudge() -> None:
    """Jane is both neglected (three times overdue) and one-sided: the digest keeps the neglect."""
    jane = neglected_client(1, "Jane Doe", 0.5, days_ago=120)._replace(initiated_by_them=5)
    items = digest([jane])
    assert [(item.contact_name, item.kind) for item in items] == [("Jane Doe", NudgeKind.NEGLECTED)]


def test_a_muted_kind_leaves_the_contacts_other_nudges_alone() -> None:
    """Neglect muted for Jane: her one-sided nudge still comes through."""
    jane = neglected_client(1, "Jane Doe", 0.5, days_ago=120)._replace(initiated_by_them=5)
    memories = {(1, NudgeKind.NEGLECTED): sent(1, 30, muted=True)}
    assert [item.kind for item in digest([jane], memories)] == [NudgeKind.ONE_SIDED]


def test_a_snoozed_or_backed_off_nudge_stays_out_of_the_digest() -> None:
    """Jane snoozed, Raj nudged yesterday: only Ann's nudge goes out today."""
    ties = [
        neglected_client(1, "Jane Doe", 0.9),
        neglected_client(2, "Raj Patel", 0.9),
        neglected_client(3, "Ann Lee", 0.1),
    ]
    memories = {
        (1, NudgeKind.NEGLECTED): sent(1, 5, snoozed_until=NOW + timedelta(days=9)),
        (2, NudgeKind.NEGLECTED): replace(sent(1, 1), contact_id=2),
    }
    assert [item.contact_name for item in digest(ties, memories)] == ["Ann Lee"]


def test_the_weekly_tips_join_the_digest_only_when_asked() -> None:
    """A high scorer is offered lunch in the weekly run, not in every daily digest."""
    ties = [tie(1, "Jane Doe", score=8, strength=0.7, days_ago=3)]
    assert digest(ties) == []
    assert [item.kind for item in digest(ties, include_tips=True)] == [NudgeKind.LUNCH]


def test_a_tip_muted_for_a_contact_goes_to_the_next_one() -> None:
    """Lunch with Jane marked not relevant: lunch goes to the next high scorer, Ann."""
    ties = [tie(1, "Jane Doe", score=9, strength=0.7, days_ago=3), tie(2, "Ann Lee", score=6, strength=0.6, days_ago=3)]
    memories = {(1, NudgeKind.LUNCH): NudgeMemory(1, NudgeKind.LUNCH, 1, NOW - timedelta(days=7), muted=True)}
    lunch = [item for item in digest(ties, memories, include_tips=True) if item.kind is NudgeKind.LUNCH]
    assert [item.contact_name for item in lunch] == ["Ann Lee"]


def test_tips_go_to_contacts_the_other_nudges_have_not_named() -> None:
    """Jane, the top scorer, is already nudged as neglected: lunch goes to Ann, so both make the digest."""
    jane = neglected_client(1, "Jane Doe", 0.7)._replace(score_total=9)
    ann = tie(2, "Ann Lee", score=6, strength=0.6, days_ago=3)
    items = digest([jane, ann], include_tips=True)
    assert [(item.contact_name, item.kind) for item in items] == [
        ("Jane Doe", NudgeKind.NEGLECTED),
        ("Ann Lee", NudgeKind.LUNCH),
    ]


@pytest.mark.parametrize(("text", "minutes"), [("5", 5), (" 45 ", 45), ("1440", 1440)])
def test_a_briefing_lead_is_read_as_minutes_from_five_to_a_day(text: str, minutes: int) -> None:
    """The lead a member types for their briefings: whole minutes, 5 to 1440 (`LEAD_MINUTES`)."""
    assert parse_lead(text) == minutes


@pytest.mark.parametrize("text", ["4", "1441", "0", "-5", "half an hour", "9" * 5000, "4.5"])
def test_a_briefing_lead_out_of_range_is_refused_with_what_to_write(text: str) -> None:
    """Out of range or not a number: the one message the settings form shows under the field."""
    with pytest.raises(ValueError, match=r"^Write a number of minutes between 5 and 1440\.$"):
        parse_lead(text)


def test_digest_tags_are_read_like_every_other_list_of_tags() -> None:
    """“#Client, prospect client” as `/logcall` and the forms read tags: lowercased, without `#`, once each."""
    assert parse_digest_tags("#Client, prospect client") == ("client", "prospect")
    assert parse_digest_tags("") == ()
    with pytest.raises(ValueError, match=r"A tag goes up to 64 characters\."):
        parse_digest_tags("x" * 65)
    with pytest.raises(ValueError, match=r"A list of tags goes up to 300 characters\."):
        parse_digest_tags(", ".join(f"tag{n:03d}" for n in range(60)))


def test_a_snoozed_nudge_is_held_back_until_the_snooze_ends() -> None:
    """A snoozed nudge may not go out before the snooze ends, and may the moment after (that “Snooze” holds
    it back two weeks: tests/core/test_digests.py)."""
    memory = NudgeMemory(1, NudgeKind.NEGLECTED, times_sent=0, last_sent_at=None, snoozed_until=NOW + SNOOZE)
    assert not may_send(memory, tie(), NOW + SNOOZE - timedelta(seconds=1))
    assert may_send(memory, tie(), NOW + SNOOZE + timedelta(seconds=1))


# --- The digest as stored in the outbox and shown ---


def stored_digest(items: list[dict[str, object]]) -> OutgoingMessage:
    """A digest row as the sender reads it from the outbox."""
    payload = {"items": items, "settings": settings_to_data(DEFAULTS)}
    return OutgoingMessage(1, "digest", "T1", "U1", None, json.loads(json.dumps(payload)))


def test_a_digest_reads_back_from_the_outbox_as_it_was_composed_and_is_worded_by_the_handlers() -> None:
    """Every kind's facts survive the outbox's JSON, and the DM says each item's headline and reason."""
    items = compose_digest(
        [tie(1, days_ago=45, tags=("client",)), tie(2, "Raj Patel", by_me=6), tie(3, "Ann Lee", score=8, strength=0.7)],
        {},
        TAG_CADENCES,
        DEFAULTS,
        NOW,
        include_tips=True,
    )
    assert {item.kind for item in items} == {NudgeKind.NEGLECTED, NudgeKind.ONE_SIDED, NudgeKind.LUNCH}
    assert items_from_data(items_to_data(items)) == items
    shown = json.dumps(digest_message(stored_digest(items_to_data(items))))
    assert all(headline(item) in shown and reason(item) in shown for item in items)


def test_a_digest_composed_before_the_words_moved_to_the_handlers_is_shown_with_its_own_words() -> None:
    """A row still pending from before the upgrade carried its headline and reason: it is delivered as it was."""
    old_row = {
        "kind": "neglected",
        "contact_id": 1,
        "contact_name": "Jane Doe",
        "company": "ACME",
        "value": 1.2,
        "headline": "You haven't talked to Jane Doe (ACME) for 31 days",
        "reason": "you usually need to every 30 days (#client)",
        "suggested_day": None,
    }
    shown = json.dumps(digest_message(stored_digest([old_row])), ensure_ascii=False)
    assert "You haven't talked to Jane Doe (ACME) for 31 days" in shown
    assert "you usually need to every 30 days (#client)" in shown
