"""What a nudge says: the headline and the reason of a digest item, from the facts the rules found.

One wording for every place a nudge is shown: the digest DM, the Home tab's lists, a briefing's
flags and the command line's dry run.
"""

from __future__ import annotations

from datetime import date

from models.core.nudges import CadenceSource, DigestItem, NudgeKind, Overdue
from models.core.weekdays import WEEKDAYS

#: Months as a short date names them, in English whatever the server's locale.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_FRESH_AIR = "networks that overlap this much bring little new: look for fresh air outside the circle you share"
_THEY_ONLY_CALL_IN_NEED = (
    "take the lead with something of value to them, an introduction or an insight, before their next request"
)
_YOU_ALWAYS_CHASE = "share something useful or ask for their advice, then let them make the next move"


def headline(item: DigestItem) -> str:
    """What to do about whom, in one line: "You haven't talked to Jane Doe (ACME) for 31 days"."""
    name = item.contact_name
    if item.kind is NudgeKind.NEGLECTED:
        with_company = f"{name} ({item.company})" if item.company else name
        return f"You haven't talked to {with_company} for {_overdue(item).days_since} days"
    if item.kind is NudgeKind.ONE_SIDED:
        considered = item.initiated_by_me + item.initiated_by_them
        if _they_lead(item):
            them = item.initiated_by_them
            times = f"the last {considered} times" if them == considered else f"{them} of the last {considered} times"
            return f"{name} reached out first {times}: do they only get in touch when they need something?"
        by_me = item.initiated_by_me
        times = f"the last {considered} times" if by_me == considered else f"{by_me} of the last {considered} times"
        return f"You have chased {name} {times}: give them a reason to come to you"
    if item.kind is NudgeKind.LUNCH:
        return f"Take {name} to lunch next week: {short_date(_day(item))}?"
    if item.kind is NudgeKind.KICK_START:
        return f"Kick-start your relationship with {name}: meet next week, {short_date(_day(item))}?"
    if item.kind is NudgeKind.RATE:
        return f"Rate your relationship with {name}: is it worth kick-starting?"
    share = percent(item.overlap_share or 0.0)
    return f"You and {name} share {share} of your networks: ask them to introduce you beyond it"


def reason(item: DigestItem) -> str:
    """Why it matters, after the headline: "you usually need to every 30 days (#client)"."""
    if item.kind is NudgeKind.NEGLECTED:
        overdue = _overdue(item)
        return f"you usually need to every {plural(overdue.cadence_days, 'day')} ({_cadence_source(item, overdue)})"
    if item.kind is NudgeKind.ONE_SIDED:
        return _THEY_ONLY_CALL_IN_NEED if _they_lead(item) else _YOU_ALWAYS_CHASE
    points = plural(item.score_total or 0, "point")
    if item.kind is NudgeKind.LUNCH:
        return f"one of your high scorers ({points}): celebrate the relationship, they can connect you to new people"
    if item.kind is NudgeKind.KICK_START:
        known = plural(item.interaction_count, "interaction")
        return f"a low scorer ({points}) you already know from {known}: worth improving"
    if item.kind is NudgeKind.RATE:
        signs = plural(item.signs_known or 0, "sign")
        return f"only {signs} of 5 known: unanswered signs count 0 points, so too little is known to call it low"
    return _FRESH_AIR


def flag(item: DigestItem) -> str:
    """The nudge as a briefing flags it, in one sentence or two: "…for 31 days: you usually need to…"."""
    joint = ": " if item.kind is NudgeKind.NEGLECTED else ". "
    return f"{headline(item)}{joint}{reason(item)}"


def short_date(day: date) -> str:
    """A day as "Tue 1 Dec", in English whatever the server's locale."""
    return f"{WEEKDAYS[day.weekday()].capitalize()} {day.day} {MONTHS[day.month - 1]}"


def percent(share: float) -> str:
    """A share as "64 %" or "62.5 %"."""
    text = f"{share * 100:.1f}".removesuffix(".0")
    return f"{text} %"


def plural(count: int, noun: str) -> str:
    """ "1 day", "30 days"."""
    return f"{count} {noun}" if count in (1, -1) else f"{count} {noun}s"


def _cadence_source(item: DigestItem, overdue: Overdue) -> str:
    """Where the cadence comes from, in a few words."""
    if overdue.source is CadenceSource.CONTACT:
        return f"set for {item.contact_name}"
    if overdue.source is CadenceSource.TAG:
        return f"#{overdue.tag}"
    if overdue.source is CadenceSource.HIGH_SCORER:
        return f"a high scorer, {item.score_total} points"
    return {
        CadenceSource.STRONG_TIE: "a strong tie",
        CadenceSource.MEDIUM_TIE: "a medium tie",
        CadenceSource.WEAK_TIE: "a weak tie",
    }[overdue.source]


def _they_lead(item: DigestItem) -> bool:
    """A one-sided tie the contact leads: they started more of the recent interactions."""
    return item.initiated_by_them > item.initiated_by_me


def _overdue(item: DigestItem) -> Overdue:
    if item.overdue is None:
        raise ValueError("a neglected item carries how it is overdue")
    return item.overdue


def _day(item: DigestItem) -> date:
    if item.suggested_day is None:
        raise ValueError("a tip to meet carries the day it suggests")
    return item.suggested_day
