"""The rules of the scheduled nudges: neglected and one-sided ties, the weekly tips, when a digest is due.

Everything here is pure: plain frozen values in, plain frozen values out, and `now` (an aware
datetime) is always passed in, never read from the clock.

Neglected (`neglected`, `cadence_for`)
    Only relationships count (at least one logged interaction). A tie is neglected when the whole
    days since the last interaction exceed its cadence: exactly the cadence is still on time, one
    day more is overdue. The cadence, in days, is the first of:
      1. the cadence set on the contact itself;
      2. the SHORTEST cadence among the contact's tags that have one (clients every 30 days and
         friends every 90: a contact tagged both needs contact every 30 days);
      3. a default by strength and value: a strong tie (strength >= 0.6) every 30 days, a medium
         one (>= 0.3) every 60, a weak one every 120; a high scorer (total >= 6 of the five signs)
         every 30 at most, however weak the tie.
    Value = (0.5 + strength) * min(days since / cadence, 3): stronger ties and longer silences
    come first, and a tie three times overdue is as pressing as it gets (0.5 to 4.5).

One-sided (`one_sided`, the rule of sign 5 in `models.core.scoring`)
    Among the last 10 interactions of the past 365 days whose initiator is known, at least 4 are
    needed to judge, and one side started at least 80 % of them. Both directions read differently:
    they started them ("only gets in touch when they need something": take the lead with
    something of value), or you did ("you have chased them": give them a reason to come to you).
    Value = (0.5 + strength) * 2 * share of the dominant side (0.8 to 3), so a fully one-sided
    tie weighs like one twice overdue.

The weekly tips from the five signs (`weekly_tips`), each contact used once
    Lunch: the highest scorer with a total of at least 5 and some strength (ties broken by
    strength): take them to lunch on the first of the member's digest days next ISO week.
    Value = 1 + strength.
    Kick-start: a low scorer worth improving, with a total of at most 1, at least one interaction,
    and at least 3 of its 5 signs known (never rated is not low; the one with the most interactions,
    then the strongest): meet them on that same day next week. Value = 1 + strength.
    Rate: when no low scorer is mostly known, the would-be one met most often: rate the relationship
    first. Value = 1 + strength.
    Fresh air: the contact whose network overlaps the member's the most, over 50 %: ask them to
    introduce you beyond the circle you share. Value = 2 * overlap share (1 to 2).

The digest (`compose_digest`, `may_send`, `backoff_days`, `due_period`)
    Every candidate (neglected, one-sided, and the tips when `include_tips`) that may be sent,
    ranked by value (then name), at most one item per contact (its most valuable) and at most
    MAX_ITEMS (5) items. The tips go to contacts the other nudges have not already named.
    A nudge may be sent unless "Not relevant" muted that kind for that contact or it is snoozed
    ("Snooze 2 weeks") until after now. A nudge sent and ignored backs off: after n sends, wait
    3, 6, 12, 24, then 30 days (the cap) before the next; an interaction logged since the last
    send resets the wait.
    A member gets at most one digest per period, in their own time zone (an unknown zone reads
    as UTC): daily on each chosen day from the chosen time (09:00, Monday to Friday, by default)
    until the end of that day; weekly once per ISO week, from the chosen time on the first chosen
    day until the end of the week, so a bot that was down catches up later in the week; never
    when off. A chosen time that daylight saving skips becomes due at the end of the gap; one
    that occurs twice is due at its first occurrence.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, NamedTuple, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.core.scoring import MEDIUM_TIE, STRONG_TIE
from models.core.signs import MIN_INITIATIVES_TO_JUDGE_BALANCE, MOSTLY_KNOWN_SIGNS, OVERLAP_CROWDED, is_one_sided
from models.core.weekdays import WEEKDAYS

# --- Neglected ---
STRONG_TIE_CADENCE_DAYS = 30
MEDIUM_TIE_CADENCE_DAYS = 60
WEAK_TIE_CADENCE_DAYS = 120
HIGH_SCORE = 6
"""A total of the five signs from which a contact needs contact at least every HIGH_SCORE_CADENCE_DAYS."""
HIGH_SCORE_CADENCE_DAYS = 30
VALUE_BASE = 0.5
"""Added to the strength in every value, so that a tie of unknown strength still ranks."""
MAX_OVERDUE_RATIO = 3.0
"""Beyond three times its cadence, a silence is not more pressing."""

# --- One-sided ---
ONE_SIDED_WEIGHT = 2.0
"""A fully one-sided tie weighs like one twice overdue."""

# --- Weekly tips ---
LUNCH_MIN_SCORE = 5
KICK_START_MAX_SCORE = 1
FRESH_AIR_OVERLAP = OVERLAP_CROWDED
"""Over this share of networks in common, look for fresh air (the seeds' 50 %)."""
TIP_VALUE_BASE = 1.0
FRESH_AIR_WEIGHT = 2.0

# --- The digest ---
MAX_ITEMS = 5
SNOOZE = timedelta(days=14)
"""How long "Snooze" holds one kind of nudge about one contact back."""
LEAD_MINUTES = range(5, 24 * 60 + 1)
"""How long before a meeting its briefing may come, in minutes, as each member chooses: 5 minutes to a day."""
BACKOFF_FIRST_DAYS = 3
BACKOFF_MAX_DAYS = 30

_DAY = timedelta(days=1)


class NudgeKind(StrEnum):
    """What a digest item is about; "Not relevant" mutes one kind for one contact."""

    NEGLECTED = "neglected"
    ONE_SIDED = "one_sided"
    LUNCH = "lunch"
    KICK_START = "kick_start"
    RATE = "rate"
    """Rate a relationship whose signs are mostly unknown: too little is known to call it low."""
    FRESH_AIR = "fresh_air"


class Frequency(StrEnum):
    """How often a member wants the digest."""

    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


@dataclass(frozen=True)
class DigestSettings:
    """When a member wants the digest: in which time zone, how often, at what local time, which days."""

    time_zone: str = "UTC"
    frequency: Frequency = Frequency.DAILY
    local_time: time = time(9, 0)
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")

    def __post_init__(self) -> None:
        unknown = [day for day in self.days if day not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown days {unknown}: use {', '.join(WEEKDAYS)}")


class TieFacts(NamedTuple):
    """What the nudges need to know of one of the member's contacts.

    `initiated_by_me` and `initiated_by_them` count the last 10 interactions of the past 365 days
    whose initiator is known; `cadence_days` is a cadence set on this contact, overriding its tags.
    A tuple: a sweep reads a thousand per member. `last_interaction_at` is aware (the database's
    `UTCDateTime` makes it so); a naive one fails the first subtraction from `now`.
    """

    contact_id: int
    contact_name: str
    company: str | None
    strength: float
    score_total: int | None
    last_interaction_at: datetime | None
    interaction_count: int
    tags: tuple[str, ...] = ()
    cadence_days: int | None = None
    overlap_share: float | None = None
    initiated_by_me: int = 0
    initiated_by_them: int = 0
    #: How many of the five signs are known (None: not kept yet, as good as none).
    signs_known: int | None = None

    @property
    def mostly_known(self) -> bool:
        """Whether the score says something: never rated is not low (`scoring.MOSTLY_KNOWN_SIGNS`)."""
        return (self.signs_known or 0) >= MOSTLY_KNOWN_SIGNS


@dataclass(frozen=True)
class NudgeMemory:
    """What the member was already told about a contact, for one kind, and what they answered."""

    contact_id: int
    kind: NudgeKind
    times_sent: int
    last_sent_at: datetime | None
    muted: bool = False
    snoozed_until: datetime | None = None

    def __post_init__(self) -> None:
        _require_aware(self.last_sent_at, "last_sent_at")
        _require_aware(self.snoozed_until, "snoozed_until")


class CadenceSource(StrEnum):
    """Where the cadence a relationship is held to comes from (the order `cadence_for` tries them in)."""

    CONTACT = "contact"
    """Set on the contact itself."""
    TAG = "tag"
    """The shortest of its tags' cadences (`Overdue.tag`)."""
    STRONG_TIE = "strong_tie"
    HIGH_SCORER = "high_scorer"
    """A total of the five signs of at least HIGH_SCORE."""
    MEDIUM_TIE = "medium_tie"
    WEAK_TIE = "weak_tie"


@dataclass(frozen=True)
class Overdue:
    """How a neglected relationship is overdue: whole days since the last interaction, the cadence it
    needs (days), and where that cadence comes from (with the tag, for a tag's cadence)."""

    days_since: int
    cadence_days: int
    source: CadenceSource
    tag: str | None = None


@dataclass(frozen=True)
class DigestItem:
    """One line of a digest: what to do about whom, how much it matters (`value`), and the facts that say why.

    The facts are the tie's as the rules read them (who started the recent interactions, the score,
    the interactions, the share of networks in common), how it is `overdue` when neglected, and the
    day a weekly tip suggests; the handlers put them into words.
    """

    kind: NudgeKind
    contact_id: int
    contact_name: str
    company: str | None
    value: float
    suggested_day: date | None = None
    overdue: Overdue | None = None
    score_total: int | None = None
    interaction_count: int = 0
    overlap_share: float | None = None
    initiated_by_me: int = 0
    initiated_by_them: int = 0
    signs_known: int | None = None


# --- When the digest comes ---


def zone_of(settings: DigestSettings) -> ZoneInfo:
    """The member's time zone; one that is unknown or malformed reads as UTC."""
    try:
        return ZoneInfo(settings.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def due_period(settings: DigestSettings, now: datetime) -> str | None:
    """The key of the period whose digest is due at `now` ("day:2026-12-01", "week:2026-W49"), or None."""
    _require_aware(now, "now")
    if settings.frequency is Frequency.OFF or not settings.days:
        return None
    zone = zone_of(settings)
    today = now.astimezone(zone).date()
    if settings.frequency is Frequency.DAILY:
        if WEEKDAYS[today.weekday()] not in settings.days:
            return None
        if now < local_instant(today, settings.local_time, zone):
            return None
        return f"day:{today.isoformat()}"
    monday = today - today.weekday() * _DAY
    first_day = monday + _first_chosen_index(settings.days) * _DAY
    if today < first_day or now < local_instant(first_day, settings.local_time, zone):
        return None
    year, week, _ = today.isocalendar()
    return f"week:{year}-W{week:02d}"


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant at which `day` reads `at` in `zone`.

    A wall time skipped by daylight saving becomes the first instant after the gap; a wall time that
    occurs twice is its first occurrence.
    """
    wall = datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone)
    instant = wall.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return instant
    # Inside a gap, read with the offset after the change (fold=1) the wall time falls before the
    # change, and read with the offset before it (fold=0) after: the change lies in between.
    before = int(wall.replace(fold=1).astimezone(UTC).timestamp())
    after = int(instant.timestamp())
    offset_after = instant.astimezone(zone).utcoffset()
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == offset_after:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)


# --- Neglected ---


def cadence_for(tie: TieFacts, tag_cadences: Mapping[str, int]) -> int:
    """How often, in days, this relationship needs an interaction."""
    return _cadence(tie, _by_tag(tag_cadences))[0]


def _by_tag(tag_cadences: Mapping[str, int]) -> dict[str, int]:
    """The member's cadences per tag, keyed as tags compare (read once per digest, not per tie)."""
    return {_tag_key(tag): days for tag, days in tag_cadences.items() if days >= 1}


def _cadence(tie: TieFacts, by_tag: Mapping[str, int]) -> tuple[int, CadenceSource, str | None]:
    """The cadence in days, where it comes from, and the tag it is the cadence of (if it is one)."""
    if tie.cadence_days is not None and tie.cadence_days >= 1:
        return tie.cadence_days, CadenceSource.CONTACT, None
    if by_tag and tie.tags:
        tagged = [(by_tag[key], key) for key in map(_tag_key, tie.tags) if key in by_tag]
        if tagged:
            days, tag = min(tagged)
            return days, CadenceSource.TAG, tag
    if tie.strength >= STRONG_TIE:
        return STRONG_TIE_CADENCE_DAYS, CadenceSource.STRONG_TIE, None
    if tie.score_total is not None and tie.score_total >= HIGH_SCORE:
        return HIGH_SCORE_CADENCE_DAYS, CadenceSource.HIGH_SCORER, None
    if tie.strength >= MEDIUM_TIE:
        return MEDIUM_TIE_CADENCE_DAYS, CadenceSource.MEDIUM_TIE, None
    return WEAK_TIE_CADENCE_DAYS, CadenceSource.WEAK_TIE, None


def neglected(tie: TieFacts, tag_cadences: Mapping[str, int], now: datetime) -> DigestItem | None:
    """A nudge when the days since the last interaction exceed the cadence the relationship needs."""
    _require_aware(now, "now")
    found = _neglect(tie, _by_tag(tag_cadences), now)
    return None if found is None else _neglected_item(tie, *found)


def _neglect(tie: TieFacts, by_tag: Mapping[str, int], now: datetime) -> tuple[float, Overdue] | None:
    """(value, how overdue) when the tie is overdue."""
    if tie.interaction_count < 1 or tie.last_interaction_at is None:
        return None
    days_since = (now - tie.last_interaction_at).days  # whole days, floored like `// _DAY`
    cadence, source, tag = _cadence(tie, by_tag)
    if days_since <= cadence:
        return None
    overdue_ratio = min(days_since / cadence, MAX_OVERDUE_RATIO)
    return (VALUE_BASE + tie.strength) * overdue_ratio, Overdue(days_since, cadence, source, tag)


def _neglected_item(tie: TieFacts, value: float, overdue: Overdue) -> DigestItem:
    return _item(NudgeKind.NEGLECTED, tie, value=value, overdue=overdue)


# --- One-sided ---


def one_sided(tie: TieFacts, now: datetime) -> DigestItem | None:
    """A nudge when one side started nearly all of the recent interactions (its counts say which side)."""
    _require_aware(now, "now")
    value = _one_sided_value(tie)
    return None if value is None else _item(NudgeKind.ONE_SIDED, tie, value=value)


def _one_sided_value(tie: TieFacts) -> float | None:
    by_me, by_them = tie.initiated_by_me, tie.initiated_by_them
    if not is_one_sided(by_me, by_them):
        return None
    return (VALUE_BASE + tie.strength) * ONE_SIDED_WEIGHT * (max(by_me, by_them) / (by_me + by_them))


# --- The weekly tips ---


def weekly_tips(ties: Sequence[TieFacts], now: datetime, settings: DigestSettings) -> list[DigestItem]:
    """The seeds' tips: a high scorer to lunch, a low scorer to kick-start, a crowded network to air."""
    return _weekly_tips(ties, now, settings, lambda tie, kind: True)


def _weekly_tips(
    ties: Sequence[TieFacts],
    now: datetime,
    settings: DigestSettings,
    eligible: Callable[[TieFacts, NudgeKind], bool],
) -> list[DigestItem]:
    _require_aware(now, "now")
    day = next_week_day(settings, now)
    used: set[int] = set()

    def pick(kind: NudgeKind, fits: Callable[[TieFacts], bool], rank: Callable[[TieFacts], float]) -> TieFacts | None:
        candidates = [t for t in ties if t.contact_id not in used and fits(t) and eligible(t, kind)]
        if not candidates:
            return None
        best = min(candidates, key=lambda t: (-rank(t), -t.strength, t.contact_name, t.contact_id))
        used.add(best.contact_id)
        return best

    tips: list[DigestItem] = []
    for kind, fits, rank, made in _TIPS:
        if kind is NudgeKind.RATE and any(tip.kind is NudgeKind.KICK_START for tip in tips):
            continue  # "Choose a low scoring contact" (the seeds' essay): rate only when none is known low
        chosen = pick(kind, fits, rank)
        if chosen is not None:
            tips.append(made(chosen, day))
    return tips


def _meet_next_week(kind: NudgeKind) -> Callable[[TieFacts, date], DigestItem]:
    """A tip to meet someone on the day given, worth a little more the stronger the tie."""
    return lambda tie, day: _item(kind, tie, value=TIP_VALUE_BASE + tie.strength, suggested_day=day)


def _low_scorer(tie: TieFacts) -> bool:
    """At most KICK_START_MAX_SCORE points, and met: a candidate to kick-start, or to rate first."""
    return tie.score_total is not None and tie.score_total <= KICK_START_MAX_SCORE and tie.interaction_count >= 1


def _fresh_air(tie: TieFacts, day: date) -> DigestItem:
    return _item(NudgeKind.FRESH_AIR, tie, value=FRESH_AIR_WEIGHT * (tie.overlap_share or 0.0))


#: The weekly tips, picked in this order (each contact once): what qualifies, what ranks first, the item.
_TIPS: tuple[
    tuple[NudgeKind, Callable[[TieFacts], bool], Callable[[TieFacts], float], Callable[[TieFacts, date], DigestItem]],
    ...,
] = (
    (
        NudgeKind.LUNCH,
        lambda t: t.score_total is not None and t.score_total >= LUNCH_MIN_SCORE and t.strength > 0,
        lambda t: t.score_total or 0,
        _meet_next_week(NudgeKind.LUNCH),
    ),
    (
        NudgeKind.KICK_START,
        lambda t: _low_scorer(t) and t.mostly_known,
        lambda t: t.interaction_count,
        _meet_next_week(NudgeKind.KICK_START),
    ),
    (
        NudgeKind.RATE,
        lambda t: _low_scorer(t) and not t.mostly_known,
        lambda t: t.interaction_count,
        lambda tie, day: _item(NudgeKind.RATE, tie, value=TIP_VALUE_BASE + tie.strength),
    ),
    (
        NudgeKind.FRESH_AIR,
        lambda t: t.overlap_share is not None and t.overlap_share > FRESH_AIR_OVERLAP,
        lambda t: t.overlap_share or 0.0,
        _fresh_air,
    ),
)


def next_week_day(settings: DigestSettings, now: datetime) -> date:
    """The first of the member's digest days in the next ISO week (Monday to Sunday), in their zone."""
    today = now.astimezone(zone_of(settings)).date()
    next_monday = today + (7 - today.weekday()) * _DAY
    return next_monday + _first_chosen_index(settings.days) * _DAY


# --- The digest ---


def backoff_days(times_sent: int) -> int:
    """Days to wait after `times_sent` ignored sends: 3, 6, 12, 24, then 30 at most (0 if never sent)."""
    if times_sent < 1:
        return 0
    doublings = min(times_sent - 1, 4)  # 3 * 2**4 = 48 is already past the cap
    return min(BACKOFF_FIRST_DAYS << doublings, BACKOFF_MAX_DAYS)


def may_send(memory: NudgeMemory | None, tie: TieFacts, now: datetime) -> bool:
    """Whether this kind of nudge about this contact may go out now: not muted, not snoozed, backed off."""
    _require_aware(now, "now")
    if memory is None:
        return True
    if memory.muted:
        return False
    if memory.snoozed_until is not None and memory.snoozed_until > now:
        return False
    if memory.times_sent < 1 or memory.last_sent_at is None:
        return True
    if tie.last_interaction_at is not None and tie.last_interaction_at > memory.last_sent_at:
        return True
    return now - memory.last_sent_at >= backoff_days(memory.times_sent) * _DAY


def compose_digest(
    ties: Sequence[TieFacts],
    memories: Mapping[tuple[int, NudgeKind], NudgeMemory],
    tag_cadences: Mapping[str, int],
    settings: DigestSettings,
    now: datetime,
    include_tips: bool,
) -> list[DigestItem]:
    """The member's digest: the most valuable nudges that may go out, one per contact, MAX_ITEMS at most.

    Candidates are ranked on their values alone; only the few that make the digest become items
    (a member with a thousand ties has hundreds of overdue ones).
    """
    _require_aware(now, "now")

    def allowed(tie: TieFacts, kind: NudgeKind) -> bool:
        memory = memories.get((tie.contact_id, kind))
        return memory is None or may_send(memory, tie, now)

    by_tag = _by_tag(tag_cadences)
    neglect, one_sided_kind = NudgeKind.NEGLECTED, NudgeKind.ONE_SIDED
    # (value, tie, kind, what its item needs): the items come last, for the candidates kept.
    candidates: list[tuple[float, TieFacts, NudgeKind, Any]] = []
    for tie in ties:
        overdue = _neglect(tie, by_tag, now)
        if overdue is not None and allowed(tie, neglect):
            candidates.append((overdue[0], tie, neglect, overdue))
        if tie.initiated_by_me + tie.initiated_by_them >= MIN_INITIATIVES_TO_JUDGE_BALANCE:
            lopsided = _one_sided_value(tie)
            if lopsided is not None and allowed(tie, one_sided_kind):
                candidates.append((lopsided, tie, one_sided_kind, lopsided))
    if include_tips:
        named = {tie.contact_id for _, tie, _, _ in candidates}
        unnamed = [tie for tie in ties if tie.contact_id not in named]
        by_contact = {tie.contact_id: tie for tie in unnamed}
        for tip in _weekly_tips(unnamed, now, settings, allowed):
            candidates.append((tip.value, by_contact[tip.contact_id], tip.kind, tip))
    # A contact has two candidates at most (tips name others): its best five are among the first ten.
    best = heapq.nsmallest(
        2 * MAX_ITEMS, candidates, key=lambda c: (-c[0], c[1].contact_name.casefold(), c[1].contact_id, c[2].value)
    )
    chosen: dict[int, tuple[TieFacts, NudgeKind, Any]] = {}
    for _, tie, kind, needs in best:
        if tie.contact_id not in chosen and len(chosen) < MAX_ITEMS:
            chosen[tie.contact_id] = (tie, kind, needs)
    return [_made(tie, kind, needs) for tie, kind, needs in chosen.values()]


def _made(tie: TieFacts, kind: NudgeKind, needs: Any) -> DigestItem:
    if kind is NudgeKind.NEGLECTED:
        return _neglected_item(tie, *needs)
    if kind is NudgeKind.ONE_SIDED:
        return _item(NudgeKind.ONE_SIDED, tie, value=needs)
    return cast(DigestItem, needs)  # a tip, made already


# --- Helpers ---


def _item(
    kind: NudgeKind, tie: TieFacts, *, value: float, suggested_day: date | None = None, overdue: Overdue | None = None
) -> DigestItem:
    """An item about the tie, with the facts of the tie its words may need."""
    return DigestItem(
        kind,
        tie.contact_id,
        tie.contact_name,
        tie.company,
        value,
        suggested_day=suggested_day,
        overdue=overdue,
        score_total=tie.score_total,
        interaction_count=tie.interaction_count,
        overlap_share=tie.overlap_share,
        initiated_by_me=tie.initiated_by_me,
        initiated_by_them=tie.initiated_by_them,
        signs_known=tie.signs_known,
    )


def _first_chosen_index(days: Sequence[str]) -> int:
    """Monday is 0; with no day chosen, Monday."""
    return min((WEEKDAYS.index(day) for day in days), default=0)


def _tag_key(tag: str) -> str:
    return tag.strip().lstrip("#").casefold()


def _require_aware(moment: datetime | None, what: str) -> None:
    if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
        raise ValueError(f"{what} must be timezone-aware, got the naive {moment.isoformat()}")
