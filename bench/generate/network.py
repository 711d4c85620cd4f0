"""The `/whoknows` workspace: people and companies named as real ones are, ties and links between them.

Members; companies with skewed sizes (log-normal, a few with a thousand contacts, most with a
handful); contacts named from the wide vocabulary with Zipf-like weights, half of them with a rarer
last name instead (so names repeat as real ones do, about a quarter of contacts sharing theirs;
accents included); ties spread over members with skewed degrees (some know thousands), strengths
mostly weak and some strong, ~2 % private; contact links mostly between colleagues of one company
and some across; the typo-tolerant name index exactly as `WorkspaceRepository.index_name` writes it.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import say
from bench.generate import loading
from bench.generate.loading import WORKSPACE_ID, Batch, Loader, WorkspaceSizes
from bench.generate.vocabulary import (
    BRAND_HEADS,
    BRAND_TAILS,
    FIRST_NAMES,
    INDUSTRIES,
    LAST_NAMES,
    LEGAL_FORMS,
    RARE_NAME_ENDS,
    RARE_NAME_HEADS,
    RARE_NAME_MIDDLES,
)
from models.core.names import fold, name_variants

TEAM_ID = "TBENCH0001"
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
#: Half the contacts have one of the common last names; the other half a rarer one built from parts.
COMMON_LAST_NAME_SHARE = 0.5

LINK_COLUMNS = ("id", "workspace_id", "contact_a_id", "contact_b_id", "kind", "occurrences", "last_seen_at")
NAME_INDEX_COLUMNS = ("workspace_id", "variant", "contact_id", "account_id")
#: The tables it fills, as a kept database is counted.
TABLES = ("workspaces", "members", "accounts", "contacts", "name_index", "ties", "contact_links")


@dataclass(frozen=True)
class NetworkSizes(WorkspaceSizes):
    links: int


@dataclass(frozen=True)
class Population:
    """The people and companies of the workspace; ties and links are streamed, never kept."""

    member_names: list[str]
    account_names: list[str]  # account id = index + 1
    contact_names: list[str]  # contact id = index + 1
    contact_account: list[int]  # the account id of each contact
    account_contacts: dict[int, list[int]]

    def shape(self) -> dict[str, Any]:
        """How often contacts share their name, and the largest company."""
        names = Counter(fold(name) for name in self.contact_names)
        shared = sum(count for count in names.values() if count > 1)
        return {
            "contacts_sharing_their_name": round(shared / max(len(self.contact_names), 1), 3),
            "largest_account": max(len(contacts) for contacts in self.account_contacts.values()),
        }


@dataclass(frozen=True)
class NetworkWorkspace:
    """The recipe: the same sizes and seed write the same workspace (the population drawn again here)."""

    sizes: NetworkSizes
    seed: int

    def write(self, loader: Loader) -> dict[str, Any]:
        population = make_population(self.sizes, self.seed)
        batches = [
            loading.workspace_batch(TEAM_ID, NOW),
            loading.member_batch(population.member_names, ("Europe/Paris",), NOW),
            loading.account_batch(population.account_names, NOW),
            loading.contact_batch(zip(population.contact_names, population.contact_account, strict=True), NOW),
            Batch("name_index", NAME_INDEX_COLUMNS, _name_index_rows(population)),
            Batch("ties", loading.TIE_COLUMNS, _tie_rows(self.sizes, random.Random(f"{self.seed}:ties"))),
            Batch("contact_links", LINK_COLUMNS, _link_rows(population, self.sizes, self.seed)),
        ]
        for batch in batches:
            seconds = loader.write(batch)
            say(f"  {batch.table}: {loader.counts[batch.table]:,} rows in {seconds:.1f} s")
        return {}


def make_population(sizes: WorkspaceSizes, seed: int) -> Population:
    """Companies of skewed sizes and their contacts, then the members', the companies' and the contacts' names."""
    rng = random.Random(f"{seed}:population")
    account_sizes = loading.skewed_split(sizes.contacts, sizes.accounts, 1.5, max(sizes.contacts // 100, 1), rng)
    contact_account = [account for account, size in enumerate(account_sizes, start=1) for _ in range(size)]
    rng.shuffle(contact_account)
    account_contacts: dict[int, list[int]] = {}
    for contact_id, account_id in enumerate(contact_account, start=1):
        account_contacts.setdefault(account_id, []).append(contact_id)
    member_names = _people(sizes.members, rng)
    account_names = _company_names(sizes.accounts, rng)
    return Population(
        member_names=member_names,
        account_names=account_names,
        contact_names=_people(sizes.contacts, rng),
        contact_account=contact_account,
        account_contacts=account_contacts,
    )


def _people(count: int, rng: random.Random) -> list[str]:
    firsts = rng.choices(FIRST_NAMES, cum_weights=loading.zipf_cumulative(len(FIRST_NAMES), exponent=0.5), k=count)
    commons = rng.choices(LAST_NAMES, cum_weights=loading.zipf_cumulative(len(LAST_NAMES), exponent=0.3), k=count)
    lasts = [
        common
        if rng.random() < COMMON_LAST_NAME_SHARE
        else rng.choice(RARE_NAME_HEADS) + rng.choice(RARE_NAME_MIDDLES) + rng.choice(RARE_NAME_ENDS)
        for common in commons
    ]
    return [f"{first} {last}" for first, last in zip(firsts, lasts, strict=True)]


def _company_names(count: int, rng: random.Random) -> list[str]:
    """Distinct names (as the app folds them): a brand, with an industry, a legal form or a partner's brand."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        brand = rng.choice(BRAND_HEADS) + rng.choice(BRAND_TAILS)
        shape = rng.random()
        if shape < 0.45:
            name = f"{brand} {rng.choice(INDUSTRIES)}"
        elif shape < 0.75:
            name = f"{brand} {rng.choice(INDUSTRIES)} {rng.choice(LEGAL_FORMS)}"
        elif shape < 0.9:
            name = f"{brand} {rng.choice(LEGAL_FORMS)}"
        else:
            name = f"{brand} & {rng.choice(BRAND_HEADS)}{rng.choice(BRAND_TAILS)}"
        key = fold(name)
        if key not in seen:
            seen.add(key)
            names.append(name)
    return names


def _name_index_rows(population: Population) -> Iterator[tuple[Any, ...]]:
    """One row per variant of each name, as `WorkspaceRepository.index_name` writes them."""
    variants: dict[str, list[str]] = {}
    for account_id, name in enumerate(population.account_names, start=1):
        for variant in sorted(name_variants(name)):
            yield (WORKSPACE_ID, variant, None, account_id)
    for contact_id, name in enumerate(population.contact_names, start=1):
        if name not in variants:
            variants[name] = sorted(name_variants(name))
        for variant in variants[name]:
            yield (WORKSPACE_ID, variant, contact_id, None)


def _tie_rows(sizes: WorkspaceSizes, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """Each member's ties: skewed degrees, and some contacts known by many more members than others."""
    cap = max(1, min(sizes.contacts // 4, 15 * sizes.ties // max(sizes.members, 1)))
    degrees = loading.skewed_split(sizes.ties, sizes.members, 1.2, cap, rng)
    contact_ids = range(1, sizes.contacts + 1)
    popularity = list(itertools.accumulate(rng.lognormvariate(0.0, 1.0) for _ in contact_ids))
    tie_id = 0
    for member_id, degree in enumerate(degrees, start=1):
        known: set[int] = set()
        while len(known) < degree:
            known.update(rng.choices(contact_ids, cum_weights=popularity, k=degree - len(known)))
        for contact_id in sorted(known):
            tie_id += 1
            # Most ties are weak, some strong (beta 1.2/3: mean 0.29, ~8 % above 0.6); 5 % not scored yet.
            strength = 0.0 if rng.random() < 0.05 else round(rng.betavariate(1.2, 3.0), 4)
            last = NOW - timedelta(days=rng.expovariate(1 / 120)) if strength else None
            interactions = 1 + int(rng.expovariate(1 / (1 + 10 * strength))) if strength else 0
            private = rng.random() < 0.02
            score = round(strength * 10) if strength else None
            yield (tie_id, WORKSPACE_ID, member_id, contact_id, private, score, strength, last, interactions, NOW, NOW)


def _link_rows(population: Population, sizes: NetworkSizes, seed: int) -> Iterator[tuple[Any, ...]]:
    """Contacts who met: 80 % colleagues at one company, the rest across companies; 10 % introductions."""
    rng = random.Random(f"{seed}:links")
    seen: set[tuple[int, int, str]] = set()
    attempts = 0
    while len(seen) < sizes.links and attempts < 20 * sizes.links:
        attempts += 1
        first = rng.randint(1, sizes.contacts)
        colleagues = population.account_contacts[population.contact_account[first - 1]]
        if rng.random() < 0.8 and len(colleagues) > 1:
            second = rng.choice(colleagues)
        else:
            second = rng.randint(1, sizes.contacts)
        if first == second:
            continue
        kind = "introduction" if rng.random() < 0.1 else "co_attendance"
        low, high = min(first, second), max(first, second)
        if (low, high, kind) in seen:
            continue
        seen.add((low, high, kind))
        occurrences = 1 if kind == "introduction" else 1 + int(rng.expovariate(0.7))
        last_seen = NOW - timedelta(days=rng.expovariate(1 / 180))
        yield (len(seen), WORKSPACE_ID, low, high, kind, occurrences, last_seen)
