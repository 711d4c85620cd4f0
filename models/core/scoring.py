"""Tie scoring: a tie's figures (`assess_tie`): the five signs (`models.core.signs`) and the continuous strength.

Everything here is pure: plain frozen values in, plain frozen values out, and `now` is always
passed in (never read from the clock), so every score can be recomputed and explained.

The tie strength (`tie_strength`, a value in [0, 1] to rank introduction routes)
    weight(i)    = bandwidth(channel) * duration_factor * recency
                   bandwidth: written (email, chat, social) 0.07, voice or video 0.41, in person 1.0
                   duration_factor = clamp(minutes / 30, 0.05, 4), or 1 when not known: each
                   encounter for its real length (2 minutes 0.07, an hour 2)
                   recency = 0.5 ** (age_days / 90), a 90-day half-life (1 for now or the future)
    volume       = L / (1 + L), L = ln(1 + sum(weight) / 3): grows without a plateau
    regularity   = D / (D + 5), D = distinct days with an interaction, each at its latest one's recency
    spread       = S / (S + 14), S = days from the first to the latest interaction * recency(latest)
    variety      = kinds of channel used (their distinct bandwidths: written, voice or video, in person) / 3
    activity     = 0.25 * volume + 0.25 * regularity + 0.4 * spread + 0.1 * variety
    reciprocity  = 1 - 0.5 * |me - them| / (me + them) over the last 10 with a known initiator (at
                   least 2; else 1): shown beside the strength, not in it (it lowered the bench's AUC)
    seller_view  = (knowledge + appreciation + friendship) / 3, where knowledge = sign-1 points / 2,
                   appreciation good 1, bad -1, else 0, friendship close 1, friend 0.75, else 0
    value        = clamp(0.7 * activity + 0.3 * seller_view, 0, 1)
    Weights chosen on bench/strength.py (the Copenhagen Networks Study's calls and texts against its
    Facebook friendships). Bands: strong from 0.6, medium from 0.3, weak above 0, none at 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from models.core.signs import (
    NO_GIVE_AND_TAKE,
    RECENT_INITIATIVES_CONSIDERED,
    REGULARITY_WINDOW,
    Appreciation,
    Friendship,
    GiveAndTake,
    InteractionFact,
    NetworkOverlap,
    SellerView,
    TieScore,
    initiative_counts,
    knowledge_sign,
    latest_first,
    require_aware,
    score_tie,
)
from models.core.values import Channel, Initiator

# --- Tie strength weights ---
BANDWIDTH: dict[Channel, float] = {
    Channel.EMAIL: 0.07,
    Channel.CHAT: 0.07,
    Channel.SOCIAL: 0.07,
    Channel.PHONE: 0.41,
    Channel.VIDEO: 0.41,
    Channel.IN_PERSON: 1.0,
}
"""Share of what people communicate that each channel carries (words 7 %, tone +34 %, all)."""
REFERENCE_DURATION_MINUTES = 30
"""A meeting of this length has a duration factor of 1; the factor is proportional to the length."""
DURATION_FACTOR_MIN = 0.05
"""The floor: a missed call or a minute in a corridor still counts, for a twentieth of a meeting."""
DURATION_FACTOR_MAX = 4.0
"""The ceiling: two hours and more count as two hours."""
RECENCY_HALF_LIFE_DAYS = 90.0
VOLUME_SCALE = 3.0
"""Summed weight counted as one unit of volume: about three half-hour meetings now."""
REGULARITY_SCALE_DAYS = 5.0
"""Distinct (recent) days with an interaction at which regularity reaches one half."""
SPREAD_SCALE_DAYS = 14.0
"""Days from the first to the latest interaction at which spread reaches one half."""
VOLUME_SHARE = 0.25
REGULARITY_SHARE = 0.25
SPREAD_SHARE = 0.4
VARIETY_SHARE = 0.1
"""How activity mixes its parts (they sum to 1), chosen on bench/strength.py."""
MIN_INITIATIVES_FOR_RECIPROCITY = 2
RECIPROCITY_MAX_PENALTY = 0.5
"""A fully one-sided relationship shows a reciprocity of one half."""
ACTIVITY_SHARE = 0.7
SELLER_VIEW_SHARE = 0.3
FRIEND_CLOSENESS = 0.75
"""Friendship in the seller's view: a close friend is 1, a friend this much, otherwise 0."""
STRONG_TIE = 0.6
MEDIUM_TIE = 0.3

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class StrengthBreakdown:
    """The tie strength in [0, 1], the parts it was computed from (each in [0, 1], the seller's view in
    [-1, 1]) and the reciprocity shown beside it."""

    value: float
    activity: float
    reciprocity: float
    seller_view: float
    volume: float
    regularity: float
    spread: float
    variety: float


@dataclass(frozen=True)
class Initiatives:
    """Who started the last RECENT_INITIATIVES_CONSIDERED interactions of the past year whose initiator
    is known, as of some moment; it stays true until `until`, when the oldest one counted leaves the
    year (None: nothing counted, nothing to leave). Only a new interaction changes it sooner."""

    by_me: int
    by_them: int
    until: datetime | None


NO_INITIATIVES = Initiatives(0, 0, None)


@dataclass(frozen=True)
class TieInputs:
    """Everything a tie's figures are computed from, read once by the scoring engine's repository.

    `recent` holds the latest RECENT_INTERACTIONS_FOR_SCORING live interactions, latest first;
    `interaction_count` counts them all.
    """

    view: SellerView
    recent: tuple[InteractionFact, ...]
    interaction_count: int
    overlap: NetworkOverlap
    give_and_take: GiveAndTake = NO_GIVE_AND_TAKE


@dataclass(frozen=True)
class TieFigures:
    """A tie's figures as of one moment: the score sign by sign, the strength, and what is kept on its row."""

    score: TieScore
    strength: StrengthBreakdown
    band: str
    interaction_count: int
    last_interaction_at: datetime | None
    overlap_share: float | None
    initiatives: Initiatives


RECENT_INTERACTIONS_FOR_SCORING = 200
"""How many of a tie's most recent interactions feed its score and strength; older ones weigh ~0."""


def assess_tie(inputs: TieInputs, now: datetime) -> TieFigures:
    """A tie's figures as of `now`: what every view shows and what the tie's row keeps."""
    facts = inputs.recent
    score = score_tie(inputs.view, facts, inputs.overlap, now, inputs.give_and_take)
    strength = tie_strength(inputs.view, facts, now)
    overlap = inputs.overlap
    return TieFigures(
        score=score,
        strength=strength,
        band=strength_band(round(strength.value, 2)),  # the band agrees with the figure shown
        interaction_count=inputs.interaction_count,
        last_interaction_at=max((fact.occurred_at for fact in facts), default=None),
        overlap_share=overlap.shared / overlap.contact_network_size if score.signs[3].known else None,
        initiatives=recent_initiatives(facts, now),
    )


# --- Tie strength ---


def tie_strength(view: SellerView, interactions: Iterable[InteractionFact], now: datetime) -> StrengthBreakdown:
    """The continuous strength of a tie in [0, 1], used to rank introduction routes: more, longer,
    more varied, more regular and more recent interactions always raise it, and it never plateaus."""
    require_aware(now, "now")
    facts = latest_first(interactions)
    volume = _saturating(math.log1p(sum(interaction_weight(fact, now) for fact in facts) / VOLUME_SCALE), 1.0)
    regularity = _saturating(_distinct_days(facts, now), REGULARITY_SCALE_DAYS)
    spread = _saturating(_spread_days(facts, now), SPREAD_SCALE_DAYS)
    variety = len({BANDWIDTH[fact.channel] for fact in facts}) / len(set(BANDWIDTH.values()))  # kinds of channel
    activity = VOLUME_SHARE * volume + REGULARITY_SHARE * regularity + SPREAD_SHARE * spread + VARIETY_SHARE * variety
    seller_view = _seller_view(view)
    return StrengthBreakdown(
        value=_clamp(ACTIVITY_SHARE * activity + SELLER_VIEW_SHARE * seller_view, 0.0, 1.0),
        activity=activity,
        reciprocity=_reciprocity(facts),
        seller_view=seller_view,
        volume=volume,
        regularity=regularity,
        spread=spread,
        variety=variety,
    )


def interaction_weight(interaction: InteractionFact, now: datetime) -> float:
    """Bandwidth of the channel times the duration factor times the recency decay."""
    return (
        BANDWIDTH[interaction.channel]
        * duration_factor(interaction.duration_minutes)
        * recency_factor(interaction.occurred_at, now)
    )


def duration_factor(duration_minutes: int | None) -> float:
    """Return minutes / 30 within [0.05, 4]: an encounter counts for its length; 1 when not known."""
    if duration_minutes is None:
        return 1.0
    return _clamp(duration_minutes / REFERENCE_DURATION_MINUTES, DURATION_FACTOR_MIN, DURATION_FACTOR_MAX)


def _distinct_days(facts: Iterable[InteractionFact], now: datetime) -> float:
    """The distinct days (UTC) with an interaction, each counted for the recency of its latest one."""
    latest_of_day: dict[date, datetime] = {}
    for fact in facts:
        day = fact.occurred_at.astimezone(UTC).date()
        latest_of_day[day] = max(fact.occurred_at, latest_of_day.get(day, fact.occurred_at))
    return sum(recency_factor(moment, now) for moment in latest_of_day.values())


def _spread_days(latest_first: Sequence[InteractionFact], now: datetime) -> float:
    """Days from the first interaction to the latest, fading as the latest one ages."""
    if not latest_first:
        return 0.0
    latest, first = latest_first[0].occurred_at, latest_first[-1].occurred_at
    return (latest - first) / _DAY * recency_factor(latest, now)


def _saturating(amount: float, half: float) -> float:
    """amount / (amount + half): 0 at 0, one half at `half`, ever closer to 1 and never there."""
    return amount / (amount + half) if amount > 0 else 0.0


def recency_factor(occurred_at: datetime, now: datetime) -> float:
    """Halves every 90 days; an interaction now or in the future counts fully."""
    age_days = max((now - occurred_at) / _DAY, 0.0)
    return math.pow(0.5, age_days / RECENCY_HALF_LIFE_DAYS)


def strength_band(value: float) -> str:
    """A word for a tie strength: strong, medium, weak or none."""
    if value >= STRONG_TIE:
        return "strong"
    if value >= MEDIUM_TIE:
        return "medium"
    if value > 0:
        return "weak"
    return "none"


def _reciprocity(latest_first: Sequence[InteractionFact]) -> float:
    by_me, by_them = initiative_counts(latest_first)
    considered = by_me + by_them
    if considered < MIN_INITIATIVES_FOR_RECIPROCITY:
        return 1.0
    return 1.0 - RECIPROCITY_MAX_PENALTY * abs(by_me - by_them) / considered


def _seller_view(view: SellerView) -> float:
    knowledge = knowledge_sign(view).points / 2
    appreciation = {Appreciation.GOOD: 1.0, Appreciation.BAD: -1.0}.get(view.appreciation or Appreciation.UNKNOWN, 0.0)
    friendship = {
        Friendship.CLOSE_FRIEND: 1.0,
        Friendship.FRIEND: FRIEND_CLOSENESS,
    }.get(view.friendship or Friendship.NOT_FRIEND, 0.0)
    return (knowledge + appreciation + friendship) / 3


# --- Helpers ---


def recent_initiatives(facts: Iterable[InteractionFact], now: datetime) -> Initiatives:
    """Sign 5's balance as of `now`, and how long it holds (kept on the tie for the nudge sweep)."""
    require_aware(now, "now")
    known = [
        fact
        for fact in latest_first(facts)
        if fact.initiator is not None and now - fact.occurred_at <= REGULARITY_WINDOW
    ][:RECENT_INITIATIVES_CONSIDERED]
    by_me = sum(1 for fact in known if fact.initiator is Initiator.ME)
    return Initiatives(by_me, len(known) - by_me, known[-1].occurred_at + REGULARITY_WINDOW if known else None)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(value, high))
