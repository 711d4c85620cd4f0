"""The nudge workspace: members all due at `NOW`, and ties with two years of interactions behind them.

Members spread over four time zones, each due at `NOW` (daily, from 00:00, every day of the week,
tips not yet sent this week); companies and contacts, some contacts tagged client, friend, partner or
investor, and a few cadence rules per member; ties spread over members with skewed degrees,
strengths mostly weak, scores from -7 to +10, some with their own cadence or a network overlap;
interactions spread over the ties (at least one for 95 % of them, more for stronger ties) over two
years, each with one contact, an initiator (me, them, or unknown) and a channel; every tie's cached
`last_interaction_at`, `interaction_count` and kept balance (`initiated_by_me`/`_them` as of `NOW`, as
the app keeps them when it scores a tie) agree with its interactions; and some nudge memory (sent,
muted, snoozed).
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from time import perf_counter
from typing import Any

from bench.common import say
from bench.generate import loading
from bench.generate.loading import WORKSPACE_ID, Batch, Loader, WorkspaceSizes
from bench.generate.vocabulary import (
    SHORT_BRAND_HEADS,
    SHORT_BRAND_TAILS,
    SHORT_FIRST_NAMES,
    SHORT_INDUSTRIES,
    SHORT_LAST_NAMES,
    SHORT_LEGAL_FORMS,
)
from models.core.nudges import NudgeKind
from models.core.scoring import recent_initiatives
from models.core.signs import InteractionFact
from models.core.values import Channel, Initiator
from models.core.weekdays import WEEKDAYS

TEAM_ID = "TBENCHNUDGE"
#: A Wednesday, noon UTC: 05:00 in Los Angeles, 14:00 in Paris, 17:30 in Kolkata; every member is due.
NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
HISTORY = timedelta(days=730)
TIME_ZONES = ("Europe/Paris", "Asia/Kolkata", "America/Los_Angeles", "UTC")
#: Every member gets a digest every day from midnight on: all are due at `NOW`.
DUE_EVERY_DAY = ("daily", "00:00", ",".join(WEEKDAYS))
#: Interactions written per transaction (with the ties and nudge memory of the same members).
CHUNK = 50_000

#: Contact tags and the share of contacts that carry each one.
TAG_SHARES = {"client": 0.12, "friend": 0.06, "partner": 0.04, "investor": 0.02}
#: Cadence rules: the share of members who set one for the tag, and its days.
CADENCE_RULES = {"client": (0.6, 30), "friend": (0.4, 90), "partner": (0.25, 45), "investor": (0.1, 60)}
#: How often each channel is used, in parts.
CHANNEL_WEIGHTS = {
    Channel.EMAIL: 30,
    Channel.PHONE: 20,
    Channel.VIDEO: 20,
    Channel.IN_PERSON: 15,
    Channel.CHAT: 10,
    Channel.SOCIAL: 5,
}
#: The channels whose interactions have a duration.
SPOKEN = {Channel.PHONE, Channel.VIDEO, Channel.IN_PERSON}
MEMORIES_PER_MEMBER = 10

CADENCE_COLUMNS = ("id", "workspace_id", "member_id", "tag", "days")
NUDGE_TIE_COLUMNS = (
    *loading.TIE_COLUMNS,
    "cadence_days",
    "overlap_share",
    "initiated_by_me",
    "initiated_by_them",
    "initiatives_as_of",
    "initiatives_until",
)
INTERACTION_COLUMNS = (
    "id",
    "workspace_id",
    "member_id",
    "request_key",
    "occurred_at",
    "time_given",
    "duration_minutes",
    "channel",
    "initiator",
    "notes",
    "source",
    "created_at",
    "undone_at",
)
MEMORY_COLUMNS = (
    "id",
    "workspace_id",
    "member_id",
    "contact_id",
    "kind",
    "times_sent",
    "last_sent_at",
    "muted",
    "snoozed_until",
)


@dataclass(frozen=True)
class NudgeSizes(WorkspaceSizes):
    interactions: int


def add_nudge_arguments(parser: argparse.ArgumentParser, run: str) -> None:
    """The flags of a benchmark on this workspace: its sizes, seed and backend, `--interactions`, and
    `--sqlite-file` (generate once, then `run` a copy each time)."""
    loading.add_workspace_arguments(parser)
    parser.add_argument("--interactions", type=int, default=5_000_000)
    parser.add_argument(
        "--sqlite-file", help=f"generate the SQLite database into this file once, then {run} a copy of it each run"
    )


def nudge_sizes(args: argparse.Namespace) -> NudgeSizes:
    """The sizes `add_nudge_arguments` read."""
    return NudgeSizes.from_arguments(args, interactions=args.interactions)


@dataclass(frozen=True)
class NudgeWorkspace:
    """The recipe: the same sizes and seed write the same workspace."""

    sizes: NudgeSizes
    seed: int

    def write(self, loader: Loader) -> dict[str, Any]:
        sizes, rng = self.sizes, random.Random(f"{self.seed}:people")
        started = perf_counter()
        loader.write(
            loading.workspace_batch(TEAM_ID, NOW),
            loading.member_batch(_member_names(sizes), TIME_ZONES, NOW - HISTORY, DUE_EVERY_DAY),
            loading.account_batch(_company_names(sizes, rng), NOW - HISTORY),
        )
        loader.write(loading.contact_batch(_people(sizes, rng), NOW - HISTORY))
        loader.write(
            Batch("contact_tags", ("contact_id", "tag"), _contact_tag_rows(sizes, rng)),
            Batch("cadence_rules", CADENCE_COLUMNS, _cadence_rows(sizes, rng)),
        )
        say(f"  people and companies in {perf_counter() - started:.1f} s")
        started = perf_counter()
        plan = plan_relationships(sizes, random.Random(f"{self.seed}:plan"))
        say(f"  planned {len(plan.strengths):,} ties in {perf_counter() - started:.1f} s")
        written = 0
        for chunk in Relationships(sizes, plan, random.Random(f"{self.seed}:relationships")).chunks():
            loader.write(*chunk.batches())
            written += len(chunk.interactions)
            if written // 500_000 != (written - len(chunk.interactions)) // 500_000:
                say(f"  {written:,} interactions after {perf_counter() - started:.0f} s")
        say(f"  ties and interactions in {perf_counter() - started:.1f} s")
        degrees = sorted(plan.degrees)
        middle, p95 = degrees[len(degrees) // 2], degrees[len(degrees) * 95 // 100]
        return {"ties_per_member": {"p50": middle, "p95": p95, "max": degrees[-1]}}


# People and companies ------------------------------------------------------------------------------
def _member_names(sizes: WorkspaceSizes) -> Iterator[str]:
    """Every first name in turn, with every last name in turn from the end."""
    pairs = zip(itertools.cycle(SHORT_FIRST_NAMES), itertools.cycle(reversed(SHORT_LAST_NAMES)), strict=False)
    return (f"{first} {last}" for first, last in itertools.islice(pairs, sizes.members))


def _company_names(sizes: WorkspaceSizes, rng: random.Random) -> Iterator[str]:
    """Distinct company names: a brand, an industry and a legal form, drawn without repetition."""
    shapes = [len(SHORT_BRAND_HEADS), len(SHORT_BRAND_TAILS), len(SHORT_INDUSTRIES), len(SHORT_LEGAL_FORMS)]
    combinations = math.prod(shapes)
    picks = rng.sample(range(combinations), sizes.accounts) if sizes.accounts <= combinations else None
    for account_id in range(1, sizes.accounts + 1):
        if picks is None:
            yield f"Company {account_id}"
            continue
        rest, form = divmod(picks[account_id - 1], len(SHORT_LEGAL_FORMS))
        rest, industry = divmod(rest, len(SHORT_INDUSTRIES))
        head, tail = divmod(rest, len(SHORT_BRAND_TAILS))
        brand = SHORT_BRAND_HEADS[head] + SHORT_BRAND_TAILS[tail]
        yield f"{brand} {SHORT_INDUSTRIES[industry]} {SHORT_LEGAL_FORMS[form]}".strip()


def _people(sizes: WorkspaceSizes, rng: random.Random) -> Iterator[tuple[str, int | None]]:
    """People with repeated names; one in ten works at no known company."""
    for _ in range(sizes.contacts):
        name = f"{rng.choice(SHORT_FIRST_NAMES)} {rng.choice(SHORT_LAST_NAMES)}"
        yield name, (rng.randint(1, sizes.accounts) if rng.random() < 0.9 else None)


def _contact_tag_rows(sizes: WorkspaceSizes, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    for contact_id in range(1, sizes.contacts + 1):
        for tag, share in TAG_SHARES.items():
            if rng.random() < share:
                yield (contact_id, tag)


def _cadence_rows(sizes: WorkspaceSizes, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    rule_id = 0
    for member_id in range(1, sizes.members + 1):
        for tag, (share, days) in CADENCE_RULES.items():
            if rng.random() < share:
                rule_id += 1
                yield (rule_id, WORKSPACE_ID, member_id, tag, days)


# Ties and interactions -----------------------------------------------------------------------------
@dataclass(frozen=True)
class RelationshipPlan:
    """Per member, how many ties; per tie (in member order), its strength and its interactions."""

    degrees: list[int]
    strengths: list[float]
    interaction_counts: list[int]


def plan_relationships(sizes: NudgeSizes, rng: random.Random) -> RelationshipPlan:
    """Skewed degrees; 95 % of ties have interactions, stronger ones more, summing to `sizes.interactions`."""
    cap = max(1, min(sizes.contacts, 10 * sizes.ties // max(sizes.members, 1)))
    degrees = loading.skewed_split(sizes.ties, sizes.members, 0.8, cap, rng)
    total_ties = sum(degrees)
    # Most ties are weak, some strong (beta 1.2/3: mean 0.29, ~8 % above 0.6).
    strengths = [round(rng.betavariate(1.2, 3.0), 4) for _ in range(total_ties)]
    active = [index for index in range(total_ties) if rng.random() < 0.95]
    if len(active) > sizes.interactions:
        active = sorted(rng.sample(active, sizes.interactions))
    counts = [0] * total_ties
    weights = [(0.3 + 2.0 * strengths[index]) * rng.lognormvariate(0.0, 0.7) for index in active]
    extra = sizes.interactions - len(active)
    scale = extra / sum(weights) if weights else 0.0
    for index, weight in zip(active, weights, strict=True):
        counts[index] = 1 + int(weight * scale)
    short = sizes.interactions - sum(counts)
    if short > 0 and active:
        for index in rng.choices(active, weights=weights, k=short):
            counts[index] += 1
    return RelationshipPlan(degrees=degrees, strengths=strengths, interaction_counts=counts)


@dataclass
class RelationshipChunk:
    """The ties, interactions and nudge memory of a run of consecutive members."""

    ties: list[tuple[Any, ...]] = field(default_factory=list)
    interactions: list[tuple[Any, ...]] = field(default_factory=list)
    interaction_contacts: list[tuple[int, int]] = field(default_factory=list)
    memories: list[tuple[Any, ...]] = field(default_factory=list)

    def batches(self) -> list[Batch]:
        return [
            Batch("ties", NUDGE_TIE_COLUMNS, self.ties),
            Batch("interactions", INTERACTION_COLUMNS, self.interactions),
            Batch("interaction_contacts", ("interaction_id", "contact_id"), self.interaction_contacts),
            Batch("nudge_memory", MEMORY_COLUMNS, self.memories),
        ]


class Relationships:
    """Draws the plan's ties member by member, with their interactions and nudge memory, numbering the
    rows as it goes; one random stream, drawn in one order, so a seed always gives the same rows."""

    def __init__(self, sizes: NudgeSizes, plan: RelationshipPlan, rng: random.Random) -> None:
        self.sizes, self.plan, self.rng = sizes, plan, rng
        self.channels = list(CHANNEL_WEIGHTS)
        self.channel_weights = list(itertools.accumulate(CHANNEL_WEIGHTS.values()))
        self.tie_id = self.interaction_id = self.memory_id = 0

    def chunks(self) -> Iterator[RelationshipChunk]:
        """Runs of whole members, each with at least `CHUNK` interactions (the last one fewer)."""
        chunk = RelationshipChunk()
        for member_id, degree in enumerate(self.plan.degrees, start=1):
            self._member(member_id, degree, chunk)
            if len(chunk.interactions) >= CHUNK:
                yield chunk
                chunk = RelationshipChunk()
        yield chunk

    def _member(self, member_id: int, degree: int, chunk: RelationshipChunk) -> None:
        """The member's ties, then the memory of nudges sent about some of the contacts they talked to."""
        known = sorted(self.rng.sample(range(1, self.sizes.contacts + 1), degree))
        remembered = [contact_id for contact_id in known if self._tie(member_id, contact_id, chunk)]
        for contact_id in self.rng.sample(remembered, min(MEMORIES_PER_MEMBER, len(remembered))):
            self.memory_id += 1
            chunk.memories.append(_memory_row(self.memory_id, member_id, contact_id, self.rng))

    def _tie(self, member_id: int, contact_id: int, chunk: RelationshipChunk) -> bool:
        """One tie and its interactions, cached as the app keeps them when it scores a tie
        (`services._refresh_tie`, as of NOW); whether any of its interactions stands (not undone)."""
        rng = self.rng
        strength = self.plan.strengths[self.tie_id]
        planned = self.plan.interaction_counts[self.tie_id]
        self.tie_id += 1
        facts = self._history(member_id, contact_id, strength, planned, chunk)
        initiatives = recent_initiatives(facts, NOW)
        score = None if rng.random() < 0.2 else max(-7, min(10, round(strength * 8 + rng.gauss(0, 2))))
        private = rng.random() < 0.02
        cadence_days = rng.choice((14, 30, 60, 90)) if rng.random() < 0.03 else None
        overlap_share = round(rng.betavariate(2, 4), 3) if rng.random() < 0.4 else None
        last = max((fact.occurred_at for fact in facts), default=None)
        chunk.ties.append(
            (
                self.tie_id,
                WORKSPACE_ID,
                member_id,
                contact_id,
                private,
                score,
                strength if facts else 0.0,
                last,
                len(facts),
                NOW,
                NOW - HISTORY,
                cadence_days,
                overlap_share,
                initiatives.by_me,
                initiatives.by_them,
                NOW,
                initiatives.until,
            )
        )
        return bool(facts)

    def _history(
        self, member_id: int, contact_id: int, strength: float, planned: int, chunk: RelationshipChunk
    ) -> list[InteractionFact]:
        """The tie's interactions: the first the latest (stronger ties were seen more recently), the rest
        spread over the history; returns those that stand, as scoring reads them."""
        rng = self.rng
        recent_days = min(HISTORY.days, rng.expovariate(1 / (10 + 200 * (1 - strength) ** 2)))
        recent_s = int(recent_days * 86_400)
        share_by_me = _initiative_bias(rng)
        facts: list[InteractionFact] = []
        for position in range(planned):
            ago = recent_s if position == 0 else rng.randint(recent_s, int(HISTORY.total_seconds()))
            fact = self._interaction(member_id, contact_id, NOW - timedelta(seconds=ago), share_by_me, chunk)
            if fact is not None:
                facts.append(fact)
        return facts

    def _interaction(
        self, member_id: int, contact_id: int, occurred_at: datetime, share_by_me: float, chunk: RelationshipChunk
    ) -> InteractionFact | None:
        """One logged interaction (1 in 200 undone five minutes later: then None)."""
        rng = self.rng
        self.interaction_id += 1
        channel = rng.choices(self.channels, cum_weights=self.channel_weights)[0]
        known_initiator = rng.random() < 0.75
        initiator = (Initiator.ME if rng.random() < share_by_me else Initiator.THEM) if known_initiator else None
        undone_at = occurred_at + timedelta(minutes=5) if rng.random() < 0.005 else None
        time_given = rng.random() < 0.8
        duration = rng.choice((15, 30, 45, 60)) if channel in SPOKEN else None
        chunk.interactions.append(
            (
                self.interaction_id,
                WORKSPACE_ID,
                member_id,
                f"bench:{self.interaction_id}",
                occurred_at,
                time_given,
                duration,
                channel.value,
                initiator.value if initiator else None,
                "",
                "command",
                occurred_at,
                undone_at,
            )
        )
        chunk.interaction_contacts.append((self.interaction_id, contact_id))
        return None if undone_at is not None else InteractionFact(occurred_at, channel, None, initiator)


def _initiative_bias(rng: random.Random) -> float:
    """The share of a tie's interactions the member starts: mostly balanced, 15 % each way one-sided."""
    draw = rng.random()
    if draw < 0.15:
        return rng.uniform(0.85, 1.0)
    if draw < 0.30:
        return rng.uniform(0.0, 0.15)
    return rng.uniform(0.3, 0.7)


def _memory_row(memory_id: int, member_id: int, contact_id: int, rng: random.Random) -> tuple[Any, ...]:
    """A nudge sent before: ignored once or a few times, muted (10 %) or snoozed for a week (10 %)."""
    draw = rng.random()
    return (
        memory_id,
        WORKSPACE_ID,
        member_id,
        contact_id,
        rng.choice((NudgeKind.NEGLECTED, NudgeKind.ONE_SIDED, NudgeKind.LUNCH)).value,
        rng.randint(1, 4),
        NOW - timedelta(seconds=rng.randint(86_400, 40 * 86_400)),
        draw < 0.1,
        NOW + timedelta(days=7) if 0.1 <= draw < 0.2 else None,
    )
