"""Unit tests for the five signs of a useful contact and the continuous tie strength."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.core.scoring import (
    duration_factor,
    interaction_weight,
    recency_factor,
    recent_initiatives,
    strength_band,
    tie_strength,
)
from models.core.signs import (
    MAX_TOTAL,
    MIN_NETWORK_TO_JUDGE,
    MIN_TOTAL,
    NO_GIVE_AND_TAKE,
    Appreciation,
    Friendship,
    GiveAndTake,
    InteractionFact,
    NetworkOverlap,
    SellerView,
    SignResult,
    TieScore,
    is_one_sided,
    score_tie,
)
from models.core.values import Channel, Initiator

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
NOTHING_SAID = SellerView()
SMALL_NETWORK = NetworkOverlap(shared=0, contact_network_size=0)
ME, THEM = Initiator.ME, Initiator.THEM


def met(
    days_ago: float,
    initiator: Initiator | None = None,
    channel: Channel = Channel.IN_PERSON,
    minutes: int | None = None,
) -> InteractionFact:
    """An interaction `days_ago` days before NOW."""
    return InteractionFact(NOW - timedelta(days=days_ago), channel, minutes, initiator)


def sign(number: int, score: TieScore) -> SignResult:
    """The sign numbered `number` (1 to 5) of a score."""
    return score.signs[number - 1]


def score(
    view: SellerView = NOTHING_SAID,
    interactions: tuple[InteractionFact, ...] = (),
    overlap: NetworkOverlap = SMALL_NETWORK,
    give_and_take: GiveAndTake = NO_GIVE_AND_TAKE,
) -> TieScore:
    """score_tie at NOW with nothing known unless given."""
    return score_tie(view, interactions, overlap, NOW, give_and_take)


# --- Sign 1: job title and what they really do ---


@pytest.mark.parametrize(
    ("title", "role", "points", "explanation"),
    [
        (True, True, 2, "Knows title and role"),
        (True, False, 1, "Knows the title, not what they really do"),
        (True, None, 1, "Knows the title, not what they really do"),
        (False, True, 1, "Knows what they really do, not the title"),
        (None, True, 1, "Knows what they really do, not the title"),
        (False, False, 0, "Vague: neither the title nor the role is known"),
        (False, None, 0, "Vague: neither the title nor the role is known"),
    ],
)
def test_knowing_title_and_role_scores_one_point_each(
    title: bool | None, role: bool | None, points: int, explanation: str
) -> None:
    """Sign 1 gives 2 for title and role, 1 for one of them, 0 when vague, once answered."""
    view = SellerView(knows_job_title=title, knows_responsibilities=role)
    result = sign(1, score(view))
    assert (result.points, result.known, result.explanation) == (
        points,
        True,
        explanation,
    )


def test_knowledge_never_asked_is_unknown_and_scores_zero() -> None:
    """Sign 1 is unknown, with 0 points, when neither question was answered."""
    result = sign(1, score())
    assert (result.number, result.points, result.known) == (1, 0, False)
    assert result.explanation.startswith("Unknown:")


# --- Sign 2: appreciation of my work ---


@pytest.mark.parametrize(
    ("appreciation", "points", "known"),
    [
        (Appreciation.GOOD, 2, True),
        (Appreciation.BAD, -2, True),
        (Appreciation.UNKNOWN, 0, False),
        (None, 0, False),
    ],
)
def test_appreciation_scores_plus_two_for_a_good_job_and_minus_two_for_a_bad_one(
    appreciation: Appreciation | None, points: int, known: bool
) -> None:
    """Sign 2 gives +2 for a good job, -2 for a bad one, and is unknown when not said."""
    result = sign(2, score(SellerView(appreciation=appreciation)))
    assert (result.points, result.known) == (points, known)


def test_unknown_appreciation_explains_what_was_not_said() -> None:
    """An unknown appreciation says the seller hasn't told us."""
    assert sign(2, score()).explanation == ("Unknown: you haven't said whether they appreciate your work")


# --- Sign 3: friend ---


@pytest.mark.parametrize(
    ("friendship", "points", "known"),
    [
        (Friendship.FRIEND, 2, True),
        (Friendship.CLOSE_FRIEND, -1, True),
        (Friendship.NOT_FRIEND, 0, True),
        (None, 0, False),
    ],
)
def test_a_friend_scores_two_but_a_very_close_friend_risks_nepotism(
    friendship: Friendship | None, points: int, known: bool
) -> None:
    """Sign 3 gives +2 to a friend, -1 to a very close friend, 0 otherwise; None is unknown."""
    result = sign(3, score(SellerView(friendship=friendship)))
    assert (result.points, result.known) == (points, known)


def test_a_very_close_friend_is_explained_as_a_nepotism_risk() -> None:
    """The -1 for a very close friend names the reason."""
    result = sign(3, score(SellerView(friendship=Friendship.CLOSE_FRIEND)))
    assert "nepotism" in result.explanation


# --- Sign 4: network overlap ---


@pytest.mark.parametrize(
    ("shared", "size", "points"),
    [
        (19, 100, 0),  # 19 %: below the sweet spot
        (1, 5, 2),  # 20 %: the sweet spot starts, inclusive
        (5, 20, 2),  # 25 %
        (3, 10, 2),  # 30 %: the sweet spot ends, inclusive
        (31, 100, 0),  # 31 %
        (10, 20, 0),  # 50 %: not yet over 50 %
        (51, 100, -1),  # 51 %: over 50 %
        (4, 5, -1),  # 80 %: not yet over 80 %
        (81, 100, -2),  # 81 %: over 80 %
        (20, 20, -2),  # 100 %
    ],
)
def test_overlap_scores_two_from_20_to_30_percent_and_penalises_over_50_and_80(
    shared: int, size: int, points: int
) -> None:
    """Sign 4: +2 for 20-30 % inclusive, -1 over 50 %, -2 over 80 %, else 0."""
    result = sign(4, score(overlap=NetworkOverlap(shared, size)))
    assert (result.points, result.known) == (points, True)


def test_overlap_explanation_gives_share_counts_and_meaning() -> None:
    """The explanation reads like 'Overlap 25 % (5 of 20): a useful shared circle'."""
    result = sign(4, score(overlap=NetworkOverlap(5, 20)))
    assert result.explanation == "Overlap 25 % (5 of 20): a useful shared circle"


def test_overlap_explanation_keeps_one_decimal_when_the_share_is_not_whole() -> None:
    """A third of the network shows as 33.3 %, with one decimal."""
    result = sign(4, score(overlap=NetworkOverlap(2, 6)))
    assert result.explanation.startswith("Overlap 33.3 % (2 of 6)")


def test_a_network_of_four_known_connections_is_too_small_to_judge() -> None:
    """With 4 known connections (below MIN_NETWORK_TO_JUDGE) the overlap is unknown, 0 points."""
    result = sign(4, score(overlap=NetworkOverlap(1, MIN_NETWORK_TO_JUDGE - 1)))
    assert (result.points, result.known) == (0, False)
    assert result.explanation.startswith("Unknown:")


def test_a_network_of_five_known_connections_is_enough_to_judge() -> None:
    """With 5 known connections the overlap is judged: 1 of 5 is 20 %, in the sweet spot."""
    result = sign(4, score(overlap=NetworkOverlap(1, MIN_NETWORK_TO_JUDGE)))
    assert (result.points, result.known) == (2, True)


@pytest.mark.parametrize(("shared", "size"), [(-1, 10), (11, 10), (0, -1)])
def test_an_impossible_overlap_is_rejected(shared: int, size: int) -> None:
    """Shared connections must lie between 0 and the contact's network size."""
    with pytest.raises(ValueError, match="shared"):
        NetworkOverlap(shared, size)


# --- Sign 5: regularity and balance ---


def test_regularity_is_unknown_without_interactions() -> None:
    """Sign 5 is unknown, with 0 points, when no interaction was logged."""
    result = sign(5, score())
    assert (result.points, result.known) == (0, False)


def test_three_meetings_this_year_the_latest_recent_with_four_known_initiators_are_regular_and_balanced() -> None:
    """At least 3 meetings or calls in 365 days, the latest within 90 days, 4 known initiators not one-sided: +2."""
    facts = (met(10, ME), met(100, THEM), met(200, ME), met(250, THEM))
    result = sign(5, score(interactions=facts))
    assert (result.points, result.known) == (2, True)
    assert result.explanation == "4 meetings or calls in the last year, the latest 10 days ago: regular and balanced"


def test_regular_meetings_with_too_few_known_initiators_are_regular_the_balance_unknown() -> None:
    """Fewer than four known initiators is not "balanced": regular meetings score +1, saying why."""
    result = sign(5, score(interactions=(met(10), met(100), met(200))))
    assert (result.points, result.known) == (1, True)
    assert result.explanation == (
        "3 meetings or calls in the last year, the latest 10 days ago: "
        "regular, the balance unknown (fewer than 4 known of who reached out)"
    )


def test_three_emails_the_seller_sent_never_answered_are_not_regular_and_balanced() -> None:
    """The issue's case: three e-mails I sent, no answer, are written exchanges, not seeing someone: 0."""
    emails = tuple(met(day, ME, Channel.EMAIL) for day in (5, 20, 40))
    result = sign(5, score(interactions=emails))
    assert (result.points, result.explanation) == (0, "3 written exchanges in the last year, no meeting or call")


def test_calls_and_video_count_as_seeing_someone_but_chats_do_not() -> None:
    """Phone and video calls make contact regular; chat messages beside them change nothing."""
    facts = (met(5, channel=Channel.PHONE), met(30, channel=Channel.VIDEO), met(60), met(2, channel=Channel.CHAT))
    assert sign(5, score(interactions=facts)).explanation.startswith("3 meetings or calls in the last year")


def test_a_known_one_sided_give_and_take_is_imbalanced() -> None:
    """The essay's imbalance, "only ever gets in touch because he needs something": they took 4 of 4 favours, -2."""
    facts = (met(5), met(30), met(60))
    result = sign(5, score(interactions=facts, give_and_take=GiveAndTake(given=4, taken=0)))
    assert (result.points, result.explanation) == (
        -2,
        "You did 4 of 4 favours: they only get in touch when they need something",
    )


def test_an_even_give_and_take_makes_regular_meetings_balanced() -> None:
    """Known and even favours settle the balance even when who reached out is not known: +2."""
    result = sign(5, score(interactions=(met(5), met(30), met(60)), give_and_take=GiveAndTake(2, 2)))
    assert result.points == 2


def test_two_interactions_this_year_are_not_yet_regular() -> None:
    """Two interactions in the last year score 0: about once a year."""
    result = sign(5, score(interactions=(met(10), met(200))))
    assert (result.points, result.known) == (0, True)
    assert "about once a year" in result.explanation


def test_the_latest_interaction_90_days_ago_still_counts_as_regular() -> None:
    """The latest interaction exactly 90 days ago keeps it regular."""
    assert sign(5, score(interactions=(met(90, ME), met(150, THEM), met(300, ME), met(310, THEM)))).points == 2


def test_the_latest_interaction_91_days_ago_is_no_longer_regular() -> None:
    """The latest interaction 91 days ago drops the sign to 0."""
    result = sign(5, score(interactions=(met(91), met(150), met(300))))
    assert (result.points, result.explanation) == (
        0,
        "3 meetings or calls in the last year, the latest 91 days ago: irregular",
    )


def test_interactions_older_than_a_year_do_not_make_contact_regular() -> None:
    """Only interactions of the last 365 days count: two this year and one at 366 days is 0."""
    assert sign(5, score(interactions=(met(5), met(100), met(366)))).points == 0


def test_only_old_interactions_mean_less_than_once_a_year() -> None:
    """Interactions that are all older than a year are known and score 0."""
    result = sign(5, score(interactions=(met(400), met(800))))
    assert (result.points, result.known) == (0, True)
    assert result.explanation == "Last interaction 400 days ago: less than once a year"


def test_three_initiatives_all_mine_are_too_few_to_call_it_one_sided() -> None:
    """With 3 known initiators, all mine, balance is unknown: regular, +1, never -1."""
    result = sign(5, score(interactions=(met(1, ME), met(30, ME), met(60, ME))))
    assert result.points == 1


def test_four_initiatives_all_mine_are_one_sided() -> None:
    """With 4 known initiators, all mine, who reaches out is one-sided: a hint of imbalance, -1."""
    result = sign(5, score(interactions=tuple(met(day, ME) for day in (1, 30, 60, 90))))
    assert (result.points, result.explanation) == (
        -1,
        "You reached out first 4 of the last 4 times: a hint of imbalance",
    )


def test_they_initiating_80_percent_is_one_sided_on_their_side() -> None:
    """They started 4 of 5 (80 %): -1, worded as the hint it is (who reaches out is not who needs what)."""
    facts = (met(1, THEM), met(20, THEM), met(40, ME), met(60, THEM), met(80, THEM))
    result = sign(5, score(interactions=facts))
    assert (result.points, result.explanation) == (
        -1,
        "They reached out first 4 of the last 5 times: a hint of imbalance",
    )


def test_seven_of_nine_initiatives_is_below_80_percent_and_not_one_sided() -> None:
    """7 of 9 (77.8 %) is under the 80 % threshold, so regular contact still scores +2."""
    facts = (*(met(day, ME) for day in range(1, 8)), met(8, THEM), met(9, THEM))
    assert sign(5, score(interactions=facts)).points == 2


@pytest.mark.parametrize(
    ("by_me", "by_them", "one_sided"),
    [
        (79, 21, False),  # 79 %
        (80, 20, True),  # 80 %
        (20, 80, True),  # 80 % on their side
        (3, 0, False),  # 3 known initiators: too few to judge
        (4, 0, True),  # 4 known initiators: enough
        (3, 1, False),  # 75 %
        (4, 1, True),  # 80 %
    ],
)
def test_one_sided_means_at_least_four_initiatives_and_one_side_at_80_percent(
    by_me: int, by_them: int, one_sided: bool
) -> None:
    """is_one_sided needs 4 known initiatives and one side starting at least 80 % of them."""
    assert is_one_sided(by_me, by_them) is one_sided


def test_interactions_with_an_unknown_initiator_never_count_towards_imbalance() -> None:
    """Three of mine among many of unknown initiator are too few known initiators to judge: balance unknown."""
    unknown_initiator = tuple(met(day) for day in range(4, 10))
    facts = (met(1, ME), met(2, ME), met(3, ME), *unknown_initiator)
    assert sign(5, score(interactions=facts)).points == 1


def test_only_the_last_ten_known_initiatives_judge_balance() -> None:
    """Ten recent balanced initiatives hide older one-sided ones."""
    recent = tuple(met(day, ME if day % 2 else THEM) for day in range(1, 11))
    older = tuple(met(day, ME) for day in range(20, 30))
    assert sign(5, score(interactions=older + recent)).points == 2


def test_initiatives_older_than_a_year_never_make_it_one_sided() -> None:
    """One-sided initiatives more than 365 days ago do not count against the tie."""
    old_and_mine = (met(day, ME) for day in (400, 410, 420, 430))
    facts = (*old_and_mine, met(1), met(30), met(60))
    assert sign(5, score(interactions=facts)).points == 1


def test_unsorted_interactions_are_judged_by_date() -> None:
    """The order in which interactions arrive does not matter."""
    facts = (met(300), met(10), met(150))
    assert sign(5, score(interactions=facts)).points == 1


# --- Totals and gaps ---


def test_the_best_tie_totals_plus_ten() -> None:
    """Every sign at its best totals +10, the top of the range."""
    view = SellerView(True, True, Appreciation.GOOD, Friendship.FRIEND)
    facts = (met(1, ME), met(30, THEM), met(60, ME), met(90, THEM))
    result = score(view, facts, NetworkOverlap(5, 20))
    assert [s.points for s in result.signs] == [2, 2, 2, 2, 2]
    assert result.total == MAX_TOTAL == 10
    assert result.unknown == ()


def test_the_worst_tie_totals_minus_seven() -> None:
    """Every sign at its worst totals -7, the bottom of the range."""
    view = SellerView(False, False, Appreciation.BAD, Friendship.CLOSE_FRIEND)
    facts = tuple(met(day, THEM) for day in (1, 30, 60, 90))
    result = score(view, facts, NetworkOverlap(19, 20), GiveAndTake(given=5, taken=0))
    assert [s.points for s in result.signs] == [0, -2, -1, -2, -2]
    assert result.total == MIN_TOTAL == -7


def test_signs_come_numbered_one_to_five_with_names() -> None:
    """The signs are returned in order, each with its number and a name."""
    result = score()
    assert [s.number for s in result.signs] == [1, 2, 3, 4, 5]
    assert all(s.name for s in result.signs)


def test_nothing_known_lists_every_gap_and_totals_zero() -> None:
    """With nothing known the total is 0 and every gap is listed in words."""
    result = score()
    assert result.total == 0
    assert not any(s.known for s in result.signs)
    assert result.unknown == (
        "job title",
        "what they really do",
        "whether they appreciate your work",
        "whether they are a friend",
        "their network",
        "how often you interact",
    )


def test_a_title_the_seller_does_not_know_is_still_a_gap() -> None:
    """Knowing the role but not the title leaves the title as a gap to fill."""
    view = SellerView(False, True, Appreciation.UNKNOWN, Friendship.NOT_FRIEND)
    result = score(view, (met(1),), NetworkOverlap(2, 10))
    assert result.unknown == ("job title", "whether they appreciate your work")


# --- Interaction weight ---


@pytest.mark.parametrize(
    ("channel", "weight"),
    [
        (Channel.EMAIL, 0.07),
        (Channel.CHAT, 0.07),
        (Channel.SOCIAL, 0.07),
        (Channel.PHONE, 0.41),
        (Channel.VIDEO, 0.41),
        (Channel.IN_PERSON, 1.0),
    ],
)
def test_half_an_hour_today_weighs_what_its_channel_carries(channel: Channel, weight: float) -> None:
    """Written media carry 7 % of what people communicate, voice and video 41 %, meeting in person everything."""
    assert interaction_weight(met(0, channel=channel, minutes=30), NOW) == pytest.approx(weight)


def test_a_meeting_in_person_strengthens_a_tie_more_than_a_call_which_beats_an_email() -> None:
    """The same half hour, today, nothing rated: in person > phone > email, and chat counts as email does."""

    def strength(channel: Channel) -> float:
        return tie_strength(NOTHING_SAID, (met(0, channel=channel, minutes=30),), NOW).value

    assert strength(Channel.IN_PERSON) > strength(Channel.PHONE) > strength(Channel.EMAIL) > 0
    assert strength(Channel.CHAT) == strength(Channel.EMAIL) and strength(Channel.VIDEO) == strength(Channel.PHONE)


@pytest.mark.parametrize(
    ("minutes", "factor"),
    [
        (None, 1.0),  # unknown duration
        (30, 1.0),  # 30 / 30
        (60, 2.0),  # an hour counts twice
        (2, 2 / 30),  # two minutes, a fifteenth
        (120, 4.0),  # the ceiling
        (480, 4.0),  # 16, clamped to 4
        (1, 0.05),  # 1 / 30 = 0.0333, clamped to the floor
        (0, 0.05),
    ],
)
def test_duration_factor_is_the_length_in_half_hours_within_bounds(minutes: int | None, factor: float) -> None:
    """duration_factor = clamp(minutes / 30, 0.05, 4), or 1 when not known."""
    assert duration_factor(minutes) == pytest.approx(factor)


def test_recency_halves_every_ninety_days_and_the_future_counts_fully() -> None:
    """Recency = 0.5 ** (age_days / 90): 1 now, 0.5 at 90 days, 0.25 at 180, 1 in the future."""
    assert recency_factor(NOW, NOW) == 1.0
    assert recency_factor(NOW - timedelta(days=90), NOW) == pytest.approx(0.5)
    assert recency_factor(NOW - timedelta(days=180), NOW) == pytest.approx(0.25)
    assert recency_factor(NOW + timedelta(days=3), NOW) == 1.0


@pytest.mark.parametrize(
    ("interaction", "weight"),
    [
        (met(0, minutes=30), 1.0),  # 1.0 x 1 x 1
        (met(90, channel=Channel.PHONE), 0.205),  # 0.41 x 1 x 0.5
        (met(180, channel=Channel.EMAIL, minutes=30), 0.0175),  # 0.07 x 1 x 0.25
        (met(0, channel=Channel.VIDEO, minutes=120), 1.64),  # 0.41 x 4 x 1
        (met(90, minutes=6), 0.1),  # 1.0 x 0.2 x 0.5
    ],
)
def test_interaction_weight_is_bandwidth_times_duration_times_recency(
    interaction: InteractionFact, weight: float
) -> None:
    """Weight = bandwidth(channel) x duration_factor x recency."""
    assert interaction_weight(interaction, NOW) == pytest.approx(weight)


def test_a_naive_datetime_is_rejected() -> None:
    """Times must be timezone-aware; a naive one is a bug, caught early."""
    with pytest.raises(ValueError, match="timezone-aware"):
        InteractionFact(NOW.replace(tzinfo=None), Channel.PHONE)
    with pytest.raises(ValueError, match="timezone-aware"):
        score_tie(NOTHING_SAID, (), SMALL_NETWORK, NOW.replace(tzinfo=None))


# --- Tie strength ---


def test_one_half_hour_meeting_in_person_today_with_nothing_rated() -> None:
    """One 30-minute meeting in person today, nothing rated, scores 0.09160: weak."""
    # w = 1.0 x 1 x 1 = 1; L = ln(1 + 1 / 3) = 0.28768, volume = L / (1 + L) = 0.22341;
    # one day: regularity = 1 / (1 + 5) = 0.16667; spread 0; variety 1 / 3;
    # activity = 0.25 x 0.22341 + 0.25 x 0.16667 + 0.4 x 0 + 0.1 x 0.33333 = 0.13085; value = 0.7 x 0.13085
    result = tie_strength(NOTHING_SAID, (met(0, minutes=30),), NOW)
    assert result.volume == pytest.approx(0.22341, abs=1e-5)
    assert result.regularity == pytest.approx(1 / 6)
    assert result.spread == 0.0
    assert result.variety == pytest.approx(1 / 3)
    assert result.activity == pytest.approx(0.13085, abs=1e-5)
    assert (result.reciprocity, result.seller_view) == (1.0, 0.0)
    assert result.value == pytest.approx(0.09160, abs=1e-5)
    assert strength_band(result.value) == "weak"


def test_one_phone_call_ninety_days_ago_with_a_good_job() -> None:
    """A phone call 90 days ago from someone who liked the work scores 0.15009."""
    # w = 0.41 x 1 x 0.5 = 0.205; L = ln(1 + 0.205 / 3) = 0.06609, volume = 0.06200;
    # regularity = 0.5 / 5.5 = 0.09091; activity = 0.25 x 0.06200 + 0.25 x 0.09091 + 0.1 / 3 = 0.07156;
    # seller view = (0 + 1 + 0) / 3; value = 0.7 x 0.07156 + 0.3 x 1/3 = 0.05009 + 0.1 = 0.15009
    view = SellerView(appreciation=Appreciation.GOOD)
    result = tie_strength(view, (met(90, channel=Channel.PHONE),), NOW)
    assert result.activity == pytest.approx(0.07156, abs=1e-5)
    assert result.seller_view == pytest.approx(1 / 3)
    assert result.value == pytest.approx(0.15009, abs=1e-5)


def test_reciprocity_is_shown_beside_the_strength_not_multiplied_into_it() -> None:
    """All mine gives reciprocity 1 - 0.5 x |4 - 0| / 4 = 0.5, two and two 1; the strength is the same."""
    one_sided = tuple(met(0, ME, minutes=30) for _ in range(4))
    balanced = (met(0, ME, minutes=30), met(0, THEM, minutes=30)) * 2
    halved = tie_strength(NOTHING_SAID, one_sided, NOW)
    full = tie_strength(NOTHING_SAID, balanced, NOW)
    assert (halved.reciprocity, full.reciprocity) == (0.5, 1.0)
    assert halved.value == full.value


def test_three_to_one_initiatives_give_three_quarters_reciprocity() -> None:
    """Reciprocity = 1 - 0.5 x |3 - 1| / 4 = 0.75."""
    facts = (met(1, ME), met(2, ME), met(3, ME), met(4, THEM))
    assert tie_strength(NOTHING_SAID, facts, NOW).reciprocity == pytest.approx(0.75)


def test_a_single_known_initiative_leaves_reciprocity_at_one() -> None:
    """With fewer than 2 known initiators reciprocity is not judged: 1."""
    facts = (met(1, ME), met(2), met(3))
    assert tie_strength(NOTHING_SAID, facts, NOW).reciprocity == 1.0


def test_reciprocity_looks_at_the_last_ten_known_initiatives_only() -> None:
    """Ten recent balanced initiatives outweigh any number of older one-sided ones: 1."""
    recent = tuple(met(day, ME if day % 2 else THEM) for day in range(1, 11))
    older = tuple(met(day, ME) for day in range(500, 520))
    assert tie_strength(NOTHING_SAID, older + recent, NOW).reciprocity == 1.0


def test_a_bad_job_and_no_interactions_clamps_the_strength_at_zero() -> None:
    """Seller view = (0 - 1 + 0) / 3 = -1/3; value = 0.3 x -1/3 = -0.1, clamped to 0: none."""
    result = tie_strength(SellerView(appreciation=Appreciation.BAD), (), NOW)
    assert result.activity == 0.0
    assert result.seller_view == pytest.approx(-1 / 3)
    assert result.value == 0.0
    assert strength_band(result.value) == "none"


def test_seller_view_gives_half_per_known_fact_and_0_75_to_a_friend() -> None:
    """Title only and a friend: knowledge 1/2 = 0.5, friendship 0.75; (0.5 + 0 + 0.75) / 3."""
    view = SellerView(knows_job_title=True, friendship=Friendship.FRIEND)
    assert tie_strength(view, (), NOW).seller_view == pytest.approx(1.25 / 3)


def test_a_close_friend_who_knows_the_work_and_meets_often_is_a_strong_tie() -> None:
    """A close friend who liked the work, known well and met weekly for twelve weeks, is a strong tie."""
    # seller view = (1 + 1 + 1) / 3 = 1; activity 0.67850; value = 0.7 x 0.67850 + 0.3 x 1 = 0.77495.
    view = SellerView(True, True, Appreciation.GOOD, Friendship.CLOSE_FRIEND)
    result = tie_strength(view, tuple(met(7 * week, minutes=30) for week in range(12)), NOW)
    assert result.seller_view == 1.0
    assert result.value == pytest.approx(0.77495, abs=1e-5)
    assert strength_band(result.value) == "strong"


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (1.0, "strong"),
        (0.6, "strong"),
        (0.5999, "medium"),
        (0.3, "medium"),
        (0.2999, "weak"),
        (0.0001, "weak"),
        (0.0, "none"),
    ],
)
def test_bands_begin_at_point_six_and_point_three(value: float, band: str) -> None:
    """Strong from 0.6, medium from 0.3, weak above 0, none at exactly 0."""
    assert strength_band(value) == band


# The balance kept on a tie for the nudge sweep -----------------------------------------------------
def test_the_kept_balance_counts_the_last_ten_known_initiators_of_the_year_and_says_until_when() -> None:
    """Unknown initiators and last year's calls do not count; it holds until the oldest counted is a year old."""
    facts = [met(day, ME) for day in range(1, 9)] + [met(20, None), met(30, THEM), met(40, THEM), met(50, ME)]
    facts += [met(400, THEM)]  # over a year ago
    kept = recent_initiatives(facts, NOW)
    assert (kept.by_me, kept.by_them) == (8, 2)  # the 10 latest known: eight of mine, then two of theirs
    assert kept.until == NOW - timedelta(days=40) + timedelta(days=365)  # the day the 40-day-old call leaves
    nothing = recent_initiatives([met(5, None), met(500, ME)], NOW)
    assert (nothing.by_me, nothing.by_them, nothing.until) == (0, 0, None)
