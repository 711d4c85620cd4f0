"""Matching typed names to known people and companies: case, accents and small typos tolerated."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein

_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)

#: A candidate whose folded name scores at least this (rapidfuzz ratio, 0-100) is worth asking about.
ASK_THRESHOLD = 80.0


def fold(text: str) -> str:
    """Fold a name for comparison: lower case, no accents, punctuation as spaces, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", without_marks).replace("_", " ").split())


def typo_budget(folded: str) -> int:
    """How many edits still count as "a small typo" for a name this long."""
    letters = len(folded.replace(" ", ""))
    if letters <= 4:
        return 0
    if letters <= 9:
        return 1
    return 2


@dataclass(frozen=True)
class Candidate:
    """A known record that may be the one the person typed."""

    id: int
    name: str
    name_key: str
    detail: str = ""


@dataclass(frozen=True)
class Match:
    """The outcome of matching one typed name.

    `chosen` is set when exactly one record is the evident match; `options` lists the records to
    ask about when several could be meant (or one only vaguely resembles the name).
    """

    chosen: Candidate | None
    options: tuple[Candidate, ...]

    @property
    def is_new(self) -> bool:
        return self.chosen is None and not self.options


def match_name(typed: str, candidates: Iterable[Candidate], limit: int = 5) -> Match:
    """Decide which candidate a typed name means.

    Exact matches (after folding) win; several exact matches are a question, not a guess.
    Otherwise one candidate within the typo budget (Damerau-Levenshtein distance, so "Jnae" is
    one edit from "Jane") is taken; anything else that resembles the name is offered as options.
    """
    key = fold(typed)
    pool = list(candidates)
    exact = [c for c in pool if c.name_key == key]
    if len(exact) == 1:
        return Match(chosen=exact[0], options=())
    if exact:
        return Match(chosen=None, options=tuple(exact[:limit]))

    budget = typo_budget(key)
    near = [c for c in pool if DamerauLevenshtein.distance(key, c.name_key, score_cutoff=budget) <= budget]
    if len(near) == 1:
        return Match(chosen=near[0], options=())

    scored = sorted(
        ((_resemblance(key, c.name_key), c) for c in pool),
        key=lambda pair: (-pair[0], pair[1].name_key, pair[1].id),
    )
    options = tuple(c for score, c in scored if score >= ASK_THRESHOLD)[:limit]
    return Match(chosen=None, options=options)


def _resemblance(key: str, other: str) -> float:
    """How much a typed name resembles a known one, 0-100: its least-resembling word decides.

    Each typed word is compared with the known name's closest word, so "Amara Okafor" does not
    resemble "Farida Okafor" for sharing a surname, while "Jon Smith" resembles "John Smith"; a
    lone first name resembles a known name that starts with it ("Jane" and "Jane Doe").
    """
    key_words, other_words = key.split(), other.split()
    if not key_words or not other_words:
        return 0.0
    if len(key_words) == 1 and other_words[0] == key_words[0] and len(other_words) > 1:
        return 90.0  # "Jane" typed, "Jane Doe" known: worth asking
    return min(max(fuzz.ratio(word, known) for known in other_words) for word in key_words)


#: Words this short are indexed as they are: one deleted letter would match too many other words.
MIN_WORD_FOR_TYPOS = 4


def name_variants(name: str) -> set[str]:
    """The index keys of a name: each folded word, and each word with one letter deleted.

    Two words within one edit (a wrong, missing, extra or swapped letter) share a key: "jnae" and
    "jane" both give "jae". Used for the indexed lookup of typed names (a symmetric-delete index).
    """
    keys: set[str] = set()
    for word in fold(name).split():
        word = word[:64]
        keys.add(word)
        if len(word) >= MIN_WORD_FOR_TYPOS:
            keys.update(word[:i] + word[i + 1 :] for i in range(len(word)))
    return keys
