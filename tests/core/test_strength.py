"""The tie strength's promises (issue 13): it keeps ranking, counts real lengths, rewards variety and regularity, decays."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.core.scoring import StrengthBreakdown, interaction_weight, strength_band, tie_strength
from models.core.signs import Appreciation, Friendship, InteractionFact, SellerView
from models.core.values import Channel, Initiator

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
NOTHING_SAID = SellerView()
README = Path(__file__).resolve().parents[2] / "README.md"


def met(days_ago: float, channel: Channel = Channel.IN_PERSON, minutes: int | None = 30) -> InteractionFact:
    """An interaction `days_ago` days before NOW, by default half an hour in person."""
    return InteractionFact(NOW - timedelta(days=days_ago), channel, minutes)


def strength(*facts: InteractionFact, view: SellerView = NOTHING_SAID, now: datetime = NOW) -> StrengthBreakdown:
    return tie_strength(view, facts, now)


def test_four_hundred_meetings_rank_above_forty_visibly() -> None:
    """No plateau: 400 weekly-ish meetings beat 40 over the same span, by more than the two decimals shown."""
    forty = strength(*(met(day * 0.5) for day in range(40)))
    four_hundred = strength(*(met(day * 0.05) for day in range(400)))
    assert four_hundred.volume > forty.volume
    assert round(four_hundred.value, 2) > round(forty.value, 2)


def test_two_minutes_weigh_far_less_than_an_hour() -> None:
    """A two-minute exchange weighs a thirtieth of an hour, and strengthens a tie far less."""
    two_minutes, an_hour = met(0, minutes=2), met(0, minutes=60)
    assert interaction_weight(two_minutes, NOW) == pytest.approx(interaction_weight(an_hour, NOW) / 30)
    assert strength(two_minutes).volume < strength(an_hour).volume / 5


def test_variety_of_channels_counts_even_against_a_little_volume() -> None:
    """Ten e-mails on ten days lose to nine e-mails and a one-minute call on the same days."""
    emails = [met(day, Channel.EMAIL, None) for day in range(10)]
    with_a_call = [*emails[:9], met(9, Channel.PHONE, 1)]
    assert interaction_weight(with_a_call[-1], NOW) < interaction_weight(emails[-1], NOW)
    assert strength(*with_a_call).variety == pytest.approx(2 / 3)
    assert strength(*with_a_call).value > strength(*emails).value


def test_distinct_days_count_more_than_meetings_bunched_on_few_days() -> None:
    """Six meetings, ten days from first to last: on six days beats on two."""
    bunched = [met(10), met(10), met(10), met(0), met(0), met(0)]
    regular = [met(day) for day in (10, 8, 6, 4, 2, 0)]
    assert strength(*regular).regularity > strength(*bunched).regularity
    assert strength(*regular).value > strength(*bunched).value


def test_a_relationship_spread_over_time_beats_one_of_a_single_week() -> None:
    """Two meetings two months apart beat two meetings a day apart, though the older one weighs less."""
    week = strength(met(0), met(1))
    months = strength(met(0), met(60))
    assert months.volume < week.volume
    assert months.value > week.value


def test_the_strength_decays_with_time() -> None:
    """The same interactions weigh less as they age, and once a year old the tie is barely there."""
    facts = [met(day) for day in range(0, 60, 7)]
    today = strength(*facts)
    later = strength(*facts, now=NOW + timedelta(days=90))
    years_later = strength(*facts, now=NOW + timedelta(days=730))
    assert today.value > later.value > years_later.value
    assert strength_band(round(years_later.value, 2)) == "weak"


facts_drawn = st.lists(
    st.builds(
        InteractionFact,
        occurred_at=st.datetimes(
            min_value=datetime(2015, 1, 1), max_value=datetime(2026, 1, 1), timezones=st.just(UTC)
        ),
        channel=st.sampled_from(Channel),
        duration_minutes=st.none() | st.integers(0, 10_000),
        initiator=st.none() | st.sampled_from(Initiator),
    ),
    max_size=30,
)
views = st.builds(
    SellerView,
    st.none() | st.booleans(),
    st.none() | st.booleans(),
    st.none() | st.sampled_from(Appreciation),
    st.none() | st.sampled_from(Friendship),
)


@given(facts_drawn, views, facts_drawn)
def test_the_strength_stays_within_zero_and_one_and_more_interactions_never_lower_it(
    facts: list[InteractionFact], view: SellerView, more: list[InteractionFact]
) -> None:
    """Every part is in [0, 1] (the seller's view in [-1, 1]), the value too; adding interactions never lowers it."""
    result = tie_strength(view, facts, NOW)
    parts = (result.value, result.activity, result.volume, result.regularity, result.spread, result.variety)
    assert all(0.0 <= part <= 1.0 for part in parts)
    assert 0.5 <= result.reciprocity <= 1.0 and -1.0 <= result.seller_view <= 1.0
    assert tie_strength(view, facts + more, NOW).value >= result.value - 1e-12


def test_the_readme_worked_example_is_what_the_code_computes() -> None:
    """The README's worked example, figure by figure (three decimals), and its band."""
    text = README.read_text(encoding="utf-8")
    example = text[text.index("Worked example (a test checks it against the code)") :]
    shown = dict(re.findall(r"^(\w+)\s+=.*→ ([0-9.]+)", example, flags=re.MULTILINE)[:7])
    band = re.search(r"^strength\s+=.*→ [0-9.]+ \((\w+)\)", example, flags=re.MULTILINE)
    facts = (met(30, Channel.IN_PERSON, 60), met(7, Channel.PHONE, 2), met(0, Channel.EMAIL, None))
    view = SellerView(True, True, Appreciation.GOOD, Friendship.NOT_FRIEND)
    result = tie_strength(view, facts, NOW)
    computed = {
        "volume": result.volume,
        "regularity": result.regularity,
        "spread": result.spread,
        "variety": result.variety,
        "activity": result.activity,
        "seller_view": result.seller_view,
        "strength": result.value,
    }
    assert {name: float(value) for name, value in shown.items()} == {
        name: round(value, 3) for name, value in computed.items()
    }
    assert band is not None and band[1] == strength_band(round(result.value, 2))
