"""Tie scoring: the five signs of a useful contact and the continuous tie strength.

Everything here is pure: plain frozen values in, plain frozen values out, and `now` is always
passed in (never read from the clock), so every score can be recomputed and explained.

The five signs (`score_tie`, total from -7 to +10), as the seeds' essay asks them
    1. Job title and what they really do, as the seller says they know them: 2 both, 1 one, 0 vague;
       unknown when not answered. A title on record (LinkedIn, a teammate) is a hint, never a point.
    2. Appreciation of my work (asked): +2 good job, -2 bad job; unknown (0) when not said.
    3. Friend (asked): +2 friend, -1 very close friend (nepotism risk), 0 not a friend.
    4. Network overlap over the people the contact is known to know (links: met together, introduced,
       recorded; co-workers only through a link): +2 from 20 % to 30 % (inclusive), -1 over 50 %,
       -2 over 80 %, else 0; unknown under MIN_NETWORK_TO_JUDGE (5) known.
    5. Regularity and balance, over the past 365 days (unknown when nothing is logged): regular is at
       least 3 meetings or calls (in person, video, phone), the latest within 90 days; written
       exchanges are never "seeing" someone. -2 imbalanced give and take (`GiveAndTake`, at least 3
       favours, one side taking 80 %); -1 a one-way initiative pattern (4+ known initiators, one side
       80 %): only a hint; +2 regular and balanced; +1 regular, balance unknown; else 0.
    `TieScore.unknown` lists the gaps in words: questions never answered, a title or role the seller
    said they do not know, a network too small to judge, no interactions logged.

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
from enum import StrEnum
from operator import attrgetter

from models.core.values import Channel, Initiator

# --- Sign 4: network overlap ---
MIN_NETWORK_TO_JUDGE = 5
"""Fewer known connections of the contact than this and the overlap is unknown."""
OVERLAP_SWEET_SPOT_MIN = 0.20
OVERLAP_SWEET_SPOT_MAX = 0.30
"""A shared circle in [20 %, 30 %] is useful: enough in common, yet fresh air beyond it."""
OVERLAP_CROWDED = 0.50
"""Over this share the two networks are mostly the same circle (-1)."""
OVERLAP_CLOSED = 0.80
"""Over this share the two networks are one closed circle (-2)."""

# --- Sign 5: regularity and balance ---
REGULARITY_WINDOW = timedelta(days=365)
"""Only interactions this recent count towards regularity and balance."""
SEEING_CHANNELS = frozenset({Channel.IN_PERSON, Channel.VIDEO, Channel.PHONE})
"""Seeing someone is a meeting or a call: only these make contact regular (the essay's "see")."""
MIN_INTERACTIONS_FOR_REGULAR = 3
"""At least this many meetings or calls within the window make contact regular..."""
REGULAR_LAST_WITHIN = timedelta(days=90)
"""...provided the latest one is no older than this."""
RECENT_INITIATIVES_CONSIDERED = 10
"""Balance looks at this many of the latest interactions whose initiator is known."""
MIN_INITIATIVES_TO_JUDGE_BALANCE = 4
"""With fewer known initiators than this, who reaches out says nothing: the balance is unknown."""
ONE_SIDED_SHARE = 0.80
"""One side starting at least this share of the considered interactions makes it one-sided."""
MIN_FAVOURS_TO_JUDGE = 3
"""Give and take is judged from this many known favours (help, introductions) on."""

# --- The signs and their total ---
SIGN_NAMES: dict[int, str] = {
    1: "Job title and role",
    2: "Appreciation of my work",
    3: "Friend",
    4: "Network overlap",
    5: "Regularity and balance",
}
MIN_TOTAL = -7
MAX_TOTAL = 10
MOSTLY_KNOWN_SIGNS = 3
"""A total says something of a tie once this many of its five signs are known: never rated is not low."""

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


class Appreciation(StrEnum):
    """What the contact thinks of the work the seller did for them."""

    GOOD = "good"
    BAD = "bad"
    UNKNOWN = "unknown"


class Friendship(StrEnum):
    """Whether the contact is also a friend of the seller."""

    NOT_FRIEND = "not_friend"
    FRIEND = "friend"
    CLOSE_FRIEND = "close_friend"


@dataclass(frozen=True)
class InteractionFact:
    """One logged interaction, reduced to what scoring needs; `occurred_at` is timezone-aware."""

    occurred_at: datetime
    channel: Channel
    duration_minutes: int | None = None
    initiator: Initiator | None = None

    def __post_init__(self) -> None:
        _require_aware(self.occurred_at, "occurred_at")
        if self.duration_minutes is not None and self.duration_minutes < 0:
            raise ValueError("duration_minutes cannot be negative")


@dataclass(frozen=True)
class SellerView:
    """What the seller told us about the contact; None means never asked or not said."""

    knows_job_title: bool | None = None
    knows_responsibilities: bool | None = None
    appreciation: Appreciation | None = None
    friendship: Friendship | None = None


@dataclass(frozen=True)
class NetworkOverlap:
    """Of the contact's `contact_network_size` known connections, `shared` also know the seller."""

    shared: int
    contact_network_size: int

    def __post_init__(self) -> None:
        size = self.contact_network_size
        if size < 0 or not 0 <= self.shared <= size:
            raise ValueError("need 0 <= shared <= contact_network_size")


@dataclass(frozen=True)
class SignResult:
    """The points one sign gave, whether it is known, and why, in a short sentence."""

    number: int
    name: str
    points: int
    known: bool
    explanation: str


@dataclass(frozen=True)
class TieScore:
    """The five signs, their total (-7..+10) and the gaps still to fill, in words."""

    signs: tuple[SignResult, ...]
    total: int
    unknown: tuple[str, ...]

    @property
    def signs_known(self) -> int:
        """How many of the five signs are known (an unanswered sign counts 0 points, not a low mark)."""
        return sum(1 for sign in self.signs if sign.known)


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
class GiveAndTake:
    """Favours (help, introductions) the seller did for the contact (`given`) and the contact for the
    seller (`taken`). Nothing records them yet (a favours ledger is to come): the engine hands over
    NO_GIVE_AND_TAKE, so sign 5's -2 waits for them."""

    given: int
    taken: int

    @property
    def known(self) -> bool:
        """Whether enough favours are known to judge the balance."""
        return self.given + self.taken >= MIN_FAVOURS_TO_JUDGE

    @property
    def one_sided(self) -> bool:
        """Known, and one side took at least ONE_SIDED_SHARE of the favours."""
        return self.known and max(self.given, self.taken) / (self.given + self.taken) >= ONE_SIDED_SHARE


NO_GIVE_AND_TAKE = GiveAndTake(0, 0)


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


def seller_view(
    knows_job_title: bool | None,
    knows_responsibilities: bool | None,
    appreciation: str | None,
    friendship: str | None,
) -> SellerView:
    """The seller's view of a tie from the tie's answers alone: sign 1 asks "Do I know my contact's job
    title and what he/she really does? (without going online)" (the seeds' essay), so a title on the
    contact's record (LinkedIn, a teammate) never counts here; the views show it as a hint."""
    return SellerView(
        knows_job_title=knows_job_title,
        knows_responsibilities=knows_responsibilities,
        appreciation=Appreciation(appreciation) if appreciation else None,
        friendship=Friendship(friendship) if friendship else None,
    )


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


# --- The five signs ---


def score_tie(
    view: SellerView,
    interactions: Iterable[InteractionFact],
    overlap: NetworkOverlap,
    now: datetime,
    give_and_take: GiveAndTake = NO_GIVE_AND_TAKE,
) -> TieScore:
    """Score a tie on the five signs and list what is still unknown about it."""
    _require_aware(now, "now")
    facts = tuple(interactions)
    signs = (
        knowledge_sign(view),
        appreciation_sign(view),
        friendship_sign(view),
        overlap_sign(overlap),
        regularity_sign(facts, now, give_and_take),
    )
    return TieScore(
        signs=signs,
        total=sum(sign.points for sign in signs),
        unknown=_gaps(view, overlap, facts),
    )


def knowledge_sign(view: SellerView) -> SignResult:
    """Sign 1: whether the seller knows the contact's job title and what they really do."""
    title, role = view.knows_job_title, view.knows_responsibilities
    if title is None and role is None:
        return _unknown(1, "you haven't said whether you know their title and role")
    if title and role:
        return _known(1, 2, "Knows title and role")
    if title:
        return _known(1, 1, "Knows the title, not what they really do")
    if role:
        return _known(1, 1, "Knows what they really do, not the title")
    return _known(1, 0, "Vague: neither the title nor the role is known")


def appreciation_sign(view: SellerView) -> SignResult:
    """Sign 2: whether the contact appreciated the work the seller did for them."""
    if view.appreciation is Appreciation.GOOD:
        return _known(2, 2, "They appreciated your work: a good job")
    if view.appreciation is Appreciation.BAD:
        return _known(2, -2, "They were unhappy with your work: a bad job")
    return _unknown(2, "you haven't said whether they appreciate your work")


def friendship_sign(view: SellerView) -> SignResult:
    """Sign 3: whether the contact is also a friend, and not so close it smells of nepotism."""
    if view.friendship is Friendship.FRIEND:
        return _known(3, 2, "Also a friend")
    if view.friendship is Friendship.CLOSE_FRIEND:
        return _known(3, -1, "A very close friend: others may see nepotism")
    if view.friendship is Friendship.NOT_FRIEND:
        return _known(3, 0, "Not a friend")
    return _unknown(3, "you haven't said whether they are a friend")


def overlap_sign(overlap: NetworkOverlap) -> SignResult:
    """Sign 4: how much of the contact's network the seller shares."""
    size = overlap.contact_network_size
    if size < MIN_NETWORK_TO_JUDGE:
        known = f"{size} known, {MIN_NETWORK_TO_JUDGE} needed"
        return _unknown(4, f"too little is known of their network yet ({known})")
    share = overlap.shared / size
    head = f"Overlap {_percent(share)} ({overlap.shared} of {size})"
    if share > OVERLAP_CLOSED:
        return _known(4, -2, f"{head}: one closed circle, look for fresh air")
    if share > OVERLAP_CROWDED:
        return _known(4, -1, f"{head}: mostly the same circle")
    if OVERLAP_SWEET_SPOT_MIN <= share <= OVERLAP_SWEET_SPOT_MAX:
        return _known(4, 2, f"{head}: a useful shared circle")
    if share < OVERLAP_SWEET_SPOT_MIN:
        return _known(4, 0, f"{head}: little in common")
    return _known(4, 0, f"{head}: more in common than is useful")


def regularity_sign(
    facts: Iterable[InteractionFact], now: datetime, exchanges: GiveAndTake = NO_GIVE_AND_TAKE
) -> SignResult:
    """Sign 5, "When did I last see my contact?": "Score 2 for regular meetings and a balanced
    relationship ... minus 2 for imbalanced relationships", imbalance being "a contact who only ever
    gets in touch because he needs something" (the seeds' essay): -2 rests on give and take, and who
    reaches out first is only a hint (-1)."""
    _require_aware(now, "now")
    ordered = latest_first(facts)
    if not ordered:
        return _unknown(5, "no interactions logged yet")
    if exchanges.one_sided:
        return _known(5, -2, _imbalance_words(exchanges))
    this_year = [f for f in ordered if now - f.occurred_at <= REGULARITY_WINDOW]
    by_me, by_them = _initiative_counts(this_year)
    if is_one_sided(by_me, by_them):
        return _known(5, -1, _initiative_hint_words(by_me, by_them))  # who reaches out is not who needs
    seen = [f for f in this_year if f.channel in SEEING_CHANNELS]
    if not this_year:
        return _known(5, 0, f"Last interaction {_ago(ordered[0].occurred_at, now)}: less than once a year")
    if not seen:
        return _known(5, 0, f"{_plural(len(this_year), 'written exchange')} in the last year, no meeting or call")
    count = f"{_plural(len(seen), 'meeting or call', 'meetings or calls')} in the last year"
    if len(seen) < MIN_INTERACTIONS_FOR_REGULAR:
        return _known(5, 0, f"{count}: about once a year, not yet regular")
    latest = _ago(seen[0].occurred_at, now)
    if now - seen[0].occurred_at > REGULAR_LAST_WITHIN:
        return _known(5, 0, f"{count}, the latest {latest}: irregular")
    if exchanges.known or by_me + by_them >= MIN_INITIATIVES_TO_JUDGE_BALANCE:
        return _known(5, 2, f"{count}, the latest {latest}: regular and balanced")
    balance = f"fewer than {MIN_INITIATIVES_TO_JUDGE_BALANCE} known of who reached out"
    return _known(5, 1, f"{count}, the latest {latest}: regular, the balance unknown ({balance})")


def _imbalance_words(exchanges: GiveAndTake) -> str:
    total = exchanges.given + exchanges.taken
    if exchanges.taken > exchanges.given:
        return f"They did {exchanges.taken} of {total} favours: you only ever ask"
    return f"You did {exchanges.given} of {total} favours: they only get in touch when they need something"


def _initiative_hint_words(by_me: int, by_them: int) -> str:
    who, started = ("You", by_me) if by_me > by_them else ("They", by_them)
    return f"{who} reached out first {started} of the last {by_me + by_them} times: a hint of imbalance"


def is_one_sided(initiated_by_me: int, initiated_by_them: int) -> bool:
    """True when enough initiatives are known and one side started at least 80 % of them."""
    considered = initiated_by_me + initiated_by_them
    if considered < MIN_INITIATIVES_TO_JUDGE_BALANCE:
        return False
    return max(initiated_by_me, initiated_by_them) / considered >= ONE_SIDED_SHARE


# --- Tie strength ---


def tie_strength(view: SellerView, interactions: Iterable[InteractionFact], now: datetime) -> StrengthBreakdown:
    """The continuous strength of a tie in [0, 1], used to rank introduction routes: more, longer,
    more varied, more regular and more recent interactions always raise it, and it never plateaus."""
    _require_aware(now, "now")
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
    by_me, by_them = _initiative_counts(latest_first)
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


def _known(number: int, points: int, explanation: str) -> SignResult:
    return SignResult(number, SIGN_NAMES[number], points, True, explanation)


def _unknown(number: int, what_is_missing: str) -> SignResult:
    explanation = f"Unknown: {what_is_missing}"
    return SignResult(number, SIGN_NAMES[number], 0, False, explanation)


def _gaps(view: SellerView, overlap: NetworkOverlap, interactions: Sequence[InteractionFact]) -> tuple[str, ...]:
    """What the seller still has to find out; a title they said they don't know is a gap too."""
    gaps: list[str] = []
    if not view.knows_job_title:
        gaps.append("job title")
    if not view.knows_responsibilities:
        gaps.append("what they really do")
    if view.appreciation in (None, Appreciation.UNKNOWN):
        gaps.append("whether they appreciate your work")
    if view.friendship is None:
        gaps.append("whether they are a friend")
    if overlap.contact_network_size < MIN_NETWORK_TO_JUDGE:
        gaps.append("their network")
    if not interactions:
        gaps.append("how often you interact")
    return tuple(gaps)


def recent_initiatives(facts: Iterable[InteractionFact], now: datetime) -> Initiatives:
    """Sign 5's balance as of `now`, and how long it holds (kept on the tie for the nudge sweep)."""
    _require_aware(now, "now")
    known = [
        fact
        for fact in latest_first(facts)
        if fact.initiator is not None and now - fact.occurred_at <= REGULARITY_WINDOW
    ][:RECENT_INITIATIVES_CONSIDERED]
    by_me = sum(1 for fact in known if fact.initiator is Initiator.ME)
    return Initiatives(by_me, len(known) - by_me, known[-1].occurred_at + REGULARITY_WINDOW if known else None)


def _initiative_counts(latest_first: Iterable[InteractionFact]) -> tuple[int, int]:
    """(by me, by them) among the latest interactions whose initiator is known."""
    initiators = [fact.initiator for fact in latest_first if fact.initiator is not None]
    considered = initiators[:RECENT_INITIATIVES_CONSIDERED]
    by_me = sum(1 for initiator in considered if initiator is Initiator.ME)
    return by_me, len(considered) - by_me


def latest_first(interactions: Iterable[InteractionFact]) -> list[InteractionFact]:
    """The interactions from the latest; those of the same moment keep the order they came in (the
    engine hands them over in the order they were recorded, so every sum runs the same way)."""
    return sorted(interactions, key=_occurred_at, reverse=True)  # stable, reverse included


_occurred_at = attrgetter("occurred_at")


def _ago(moment: datetime, now: datetime) -> str:
    """'today', '1 day ago', '12 days ago': whole days, the future counting as today."""
    days = max((now - moment) // _DAY, 0)
    return "today" if days == 0 else f"{_plural(days, 'day')} ago"


def _percent(share: float) -> str:
    text = f"{share * 100:.1f}".removesuffix(".0")
    return f"{text} %"


def _plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {nouns or noun + 's'}"


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(value, high))


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        naive = moment.isoformat()
        raise ValueError(f"{what} must be timezone-aware, got the naive {naive}")
