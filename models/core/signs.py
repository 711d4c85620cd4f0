"""The five signs of a useful contact, as the seeds' essay asks them: what is known of a tie in, points out.

Pure, like `models.core.scoring` (which adds the continuous strength and assembles a tie's figures):
plain frozen values in, plain frozen values out, `now` always passed in. Also the values both read
(`InteractionFact`, `SellerView`, `NetworkOverlap`, `GiveAndTake`).

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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from operator import attrgetter

from models.core.values import Channel, Initiator

_DAY = timedelta(days=1)


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
        require_aware(self.occurred_at, "occurred_at")
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


# --- The five signs ---


def score_tie(
    view: SellerView,
    interactions: Iterable[InteractionFact],
    overlap: NetworkOverlap,
    now: datetime,
    give_and_take: GiveAndTake = NO_GIVE_AND_TAKE,
) -> TieScore:
    """Score a tie on the five signs and list what is still unknown about it."""
    require_aware(now, "now")
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
    require_aware(now, "now")
    ordered = latest_first(facts)
    if not ordered:
        return _unknown(5, "no interactions logged yet")
    if exchanges.one_sided:
        return _known(5, -2, _imbalance_words(exchanges))
    this_year = [f for f in ordered if now - f.occurred_at <= REGULARITY_WINDOW]
    by_me, by_them = initiative_counts(this_year)
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


def initiative_counts(latest_first: Iterable[InteractionFact]) -> tuple[int, int]:
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


def require_aware(moment: datetime, what: str) -> None:
    """Raise ValueError naming `what` when `moment` is naive: every time here is timezone-aware."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        naive = moment.isoformat()
        raise ValueError(f"{what} must be timezone-aware, got the naive {naive}")
