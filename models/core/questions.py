"""What to ask in a meeting: two or three questions for each rule of `models.core.objectives`, in the contact's words.

Pure: each question is a template filled in with the subject and the organisation as the contact would
name them ("this subject", "your organisation" when unknown) and, where the rule names someone to be
introduced to, that person.
"""

from __future__ import annotations

from enum import StrEnum


class Ask(StrEnum):
    """Which questions fit a plan, by the rule (and its variant) that set its primary objective."""

    DECISION = "decision"
    """Rule 1: trigger the decision."""
    INTRODUCTION_TO_CONCERNED = "introduction_to_concerned"
    """Rule 5, someone concerned being known: ask to be introduced to them."""
    WHO_IS_CONCERNED = "who_is_concerned"
    """Rule 5: ask who is concerned, and to be introduced."""
    BETTER_ROUTE = "better_route"
    """Rule 6: a better-reached person is concerned."""
    WHO_THEY_ARE = "who_they_are"
    """Rule 7: a new or little-known contact."""
    WHO_DECIDES = "who_decides"
    """Rule 8, known to have no part in the decision: who decides, and an introduction."""
    THEIR_PART = "their_part"
    """Rule 8: their part in the decision."""
    WHAT_IS_CHANGING = "what_is_changing"
    """Rule 9: the right person, no trigger yet."""
    WHETHER_CONCERNED = "whether_concerned"
    """Rule 10: whether they are concerned at all."""
    GIVE_FIRST = "give_first"
    """Rule 3: the seller always chases; offer, ask nothing."""
    RECONNECT = "reconnect"
    """Rule 4: a neglected tie; the plan it reshapes adds its own first question."""


_WHO_DECIDES = "Who would make the decision on {subject}, and how?"
_MOST_AFFECTED = "Who in {company} is most affected by {subject}?"
_HOW_MUCH = "How much does {subject} matter in your own work?"
_HELP = "What are you working on at the moment that I could help with?"
_HOW_DECIDED = "How are decisions on {subject} made at {company}, and by whom?"
_ALSO_AFFECTED = "Who else in {company} is affected by {subject}?"

_QUESTIONS: dict[Ask, tuple[str, ...]] = {
    Ask.DECISION: (
        "What would you need to see to decide on {subject}, and by when?",
        "Who else in {company} should take part in the decision on {subject}?",
        "What is most pressing about {subject} for {company} right now?",
    ),
    Ask.INTRODUCTION_TO_CONCERNED: (
        "Would you be willing to introduce me to {other}?",
        "How does {other} see {subject} at {company}?",
        _WHO_DECIDES,
    ),
    Ask.WHO_IS_CONCERNED: (_MOST_AFFECTED, "Would you be willing to introduce me to them?", _WHO_DECIDES),
    Ask.BETTER_ROUTE: (_HOW_MUCH, "Would you be willing to introduce me to {other}?", _WHO_DECIDES),
    Ask.WHO_THEY_ARE: (
        "What does your role at {company} cover, day to day?",
        "Where does {subject} sit among your priorities?",
        _MOST_AFFECTED,
    ),
    Ask.WHO_DECIDES: (_HOW_DECIDED, "Would you be willing to introduce me to them?", _ALSO_AFFECTED),
    Ask.THEIR_PART: (_HOW_DECIDED, "What part do you play in that decision?", _ALSO_AFFECTED),
    Ask.WHAT_IS_CHANGING: (
        "What is changing at {company} this year: budgets, deadlines, reorganisations?",
        "When is the next budget or planning cycle that could include {subject}?",
        "What would make {subject} a priority for you?",
    ),
    Ask.WHETHER_CONCERNED: (_HOW_MUCH, _MOST_AFFECTED, _WHO_DECIDES),
    Ask.GIVE_FIRST: (_HELP, "Is there someone at or beyond {company} you would like to meet?"),
    Ask.RECONNECT: ("What has changed for you at {company} since we last spoke?", _HELP),
}


def questions(ask: Ask, subject: str | None, company: str | None, other: str = "") -> tuple[str, ...]:
    """The questions for `ask`, about `subject` at `company` (either unknown: None), introducing `other`."""
    words = {"subject": subject or "this subject", "company": company or "your organisation", "other": other}
    return tuple(question.format(**words) for question in _QUESTIONS[ask])
