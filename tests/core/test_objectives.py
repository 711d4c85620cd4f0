"""Unit tests for the conversation objectives: right topic, right moment, right person."""

from __future__ import annotations

from dataclasses import replace
from itertools import product
from typing import Any

import pytest

from models.core.objectives import (
    BetterContact,
    ConversationPlan,
    DecisionRole,
    MeetingContext,
    ObjectiveKind,
    plan_conversation,
)

ADVANCE, GATHER, NURTURE = ObjectiveKind.ADVANCE, ObjectiveKind.GATHER, ObjectiveKind.NURTURE
TRIGGER = "the Q3 budget freeze"
BOB = BetterContact(name="Bob Lee", concerned=True, route_chance=0.56, via="Carol Roe")


def meeting(**changes: Any) -> MeetingContext:
    """Jane Doe, CFO at ACME: concerned by cost control, decides, known for a while, and a trigger is known."""
    jane = MeetingContext(
        person_name="Jane Doe",
        company="ACME",
        job_title="CFO",
        responsibilities="Finance and purchasing",
        concerned=True,
        decision_role=DecisionRole.DECIDES,
        trigger_event=TRIGGER,
        topic="cost control",
        campaign="ACME 2026",
        interaction_count=6,
        strength=0.5,
        score_total=4,
        neglected=False,
        one_sided=None,
        better_contact=None,
    )
    return replace(jane, **changes)


#: Each case: what differs from `meeting()`, then the primary and the secondary objective it must get, each
#: with a fact its reason must cite.
CASES = [
    pytest.param(
        {}, (ADVANCE, TRIGGER), (GATHER, "is your reading of ACME"), id="right person and trigger known: advance"
    ),
    pytest.param(
        {"decision_role": DecisionRole.INFLUENCES},
        (ADVANCE, "influences the decision"),
        (GATHER, "influences the decision"),
        id="someone who influences the decision is the right person too",
    ),
    pytest.param(
        {"decision_role": None},
        (GATHER, "role in the decision is unknown"),
        (ADVANCE, TRIGGER),
        id="unknown role: learn it, test the trigger",
    ),
    pytest.param(
        {"decision_role": None, "trigger_event": None},
        (GATHER, "role in the decision is unknown"),
        (NURTURE, "no trigger event"),
        id="unknown role and no trigger: learn the role, trust first",
    ),
    pytest.param(
        {"decision_role": DecisionRole.NONE},
        (GATHER, "has no role in the decision"),
        (ADVANCE, TRIGGER),
        id="concerned without a role in the decision: learn who decides",
    ),
    pytest.param(
        {"concerned": False},
        (GATHER, "is not concerned"),
        (NURTURE, "never push"),
        id="known not concerned: ask who is, never advance",
    ),
    pytest.param(
        {"trigger_event": None},
        (GATHER, "no trigger event is known"),
        (ADVANCE, "the right person"),
        id="no trigger: learn about the moment, plant the subject",
    ),
    pytest.param(
        {"concerned": None, "trigger_event": None},
        (GATHER, "whether Jane Doe is concerned by cost control is unknown"),
        (NURTURE, "no trigger event"),
        id="concern unknown: find out who is concerned",
    ),
    pytest.param(
        {"concerned": None},
        (GATHER, "whether Jane Doe is concerned by cost control is unknown"),
        (ADVANCE, TRIGGER),
        id="concern unknown at the right moment: find out, ready to test the trigger",
    ),
    pytest.param(
        {"one_sided": "them", "concerned": None, "trigger_event": None},
        (GATHER, "a hint that they come when they need something"),
        (NURTURE, "started nearly all"),
        id="a one-sided tie that may only call in need: ask for something in return",
    ),
    pytest.param(
        {"one_sided": "them"},
        (ADVANCE, TRIGGER),
        (GATHER, "is your reading of ACME"),
        id="a one-sided tie that only calls in need, at the right moment: still advance",
    ),
    pytest.param(
        {"one_sided": "me", "decision_role": None},
        (NURTURE, "You started nearly all your recent interactions"),
        (GATHER, "role in the decision is unknown"),
        id="a one-sided tie I always chase: give before asking",
    ),
    pytest.param(
        {"neglected": True, "trigger_event": None},
        (NURTURE, "overdue for its cadence"),
        (GATHER, "no trigger event"),
        id="a neglected tie: reconnect, then learn about the moment",
    ),
    pytest.param(
        {"neglected": True},
        (ADVANCE, TRIGGER),
        (NURTURE, "overdue for its cadence"),
        id="right person and trigger but neglected: advance, fall back on reconnecting",
    ),
    pytest.param(
        {"interaction_count": 0, "concerned": None, "decision_role": None},
        (GATHER, "new contact"),
        (NURTURE, "trust comes first"),
        id="a new contact: learn who they are, trust first",
    ),
    pytest.param(
        {"interaction_count": 0},
        (GATHER, "new contact"),
        (ADVANCE, TRIGGER),
        id="a new contact who looks like the right person: confirm first, ready to advance",
    ),
    pytest.param(
        {"job_title": None, "responsibilities": " ", "trigger_event": None},
        (GATHER, "no job title and no responsibilities"),
        (NURTURE, "little is known"),
        id="little known: learn what they really do",
    ),
    pytest.param(
        {"concerned": None, "better_contact": BOB},
        (GATHER, "Bob Lee is known to be concerned"),
        (ADVANCE, TRIGGER),
        id="a stronger route to someone concerned: ask to be referred",
    ),
    pytest.param(
        {"decision_role": None, "strength": 0.2, "better_contact": BOB},
        (GATHER, "clearly stronger"),
        (ADVANCE, TRIGGER),
        id="concerned with an unknown role, and a clearly stronger route to someone concerned",
    ),
    pytest.param(
        {"concerned": False, "better_contact": BOB},
        (GATHER, "Bob Lee is concerned"),
        (NURTURE, "never push"),
        id="not concerned and a better contact: ask to be referred to them",
    ),
    pytest.param(
        {"concerned": False, "better_contact": BOB, "neglected": True},
        (NURTURE, "overdue for its cadence"),
        (GATHER, "Bob Lee is concerned"),
        id="not concerned, a better contact, but neglected: reconnect before asking",
    ),
    pytest.param(
        {"strength": 0.1, "better_contact": replace(BOB, route_chance=0.9)},
        (ADVANCE, TRIGGER),
        (GATHER, "is your reading of ACME"),
        id="a stronger route never overrides the right person at the right moment",
    ),
]


@pytest.mark.parametrize(("changes", "primary", "secondary"), CASES)
def test_the_objectives_follow_the_rules_and_say_why(
    changes: dict[str, Any], primary: tuple[ObjectiveKind, str], secondary: tuple[ObjectiveKind, str]
) -> None:
    """Each case gets the expected primary and secondary objective, and each reason cites the decisive fact."""
    (primary_kind, primary_fact), (secondary_kind, secondary_fact) = primary, secondary
    plan = plan_conversation(meeting(**changes))
    assert (plan.primary.kind, plan.secondary.kind) == (primary_kind, secondary_kind)
    assert primary_fact.casefold() in plan.primary.reason.casefold()
    assert secondary_fact.casefold() in plan.secondary.reason.casefold()


@pytest.mark.parametrize("changes", [pytest.param(case.values[0], id=case.id) for case in CASES])
def test_every_plan_says_when_to_switch_why_they_help_and_what_to_ask(changes: dict[str, Any]) -> None:
    """Goal, switch and benefit name the person; two or three questions name the company or the topic."""
    plan = plan_conversation(meeting(**changes))
    assert "Jane Doe" in plan.primary.goal
    assert "Jane Doe" in plan.switch_when
    assert plan.switch_when.startswith("Switch to")
    assert "Jane Doe" in plan.why_they_help
    assert 2 <= len(plan.questions) <= 3
    assert any("ACME" in question or "cost control" in question for question in plan.questions)
    assert all(question.endswith("?") for question in plan.questions)


def test_advancing_offers_the_right_of_first_refusal_and_the_fallback_their_image() -> None:
    """When the aim is a decision, Jane gets first refusal; if it is not hers, referring us fosters her image."""
    plan = plan_conversation(meeting())
    assert plan.why_they_help.startswith("Jane Doe gets the right of first refusal on cost control")
    assert "fosters Jane Doe's own image at ACME" in plan.why_they_help


def test_gathering_offers_their_own_image_as_a_useful_referrer() -> None:
    """Someone not concerned helps because referring a useful provider to the right colleague fosters their image."""
    plan = plan_conversation(meeting(concerned=False, better_contact=BOB))
    assert plan.why_they_help == "Referring a useful provider to Bob Lee fosters Jane Doe's own image at ACME."
    assert "first refusal" not in plan.why_they_help


def test_gathering_with_advancing_as_fallback_offers_both_benefits() -> None:
    """When the plan both gathers and advances, the contact hears of both benefits."""
    plan = plan_conversation(meeting(decision_role=None))
    assert "fosters Jane Doe's own image" in plan.why_they_help
    assert "right of first refusal on it" in plan.why_they_help


def test_nurturing_asks_for_nothing_now() -> None:
    """A tie I always chase gets value first; the benefit of a later referral comes only when we do ask."""
    plan = plan_conversation(meeting(one_sided="me", trigger_event=None))
    assert plan.primary.goal.endswith("and ask for nothing.")
    assert plan.why_they_help.startswith("Trust comes first")
    assert plan.secondary.goal.startswith("Once they engage, learn from Jane Doe what is changing at ACME")


def test_the_advance_plan_names_the_campaign_and_the_trigger() -> None:
    """The goal of rule 1 names the campaign, the subject and the trigger; the switch says when to give up on it."""
    plan = plan_conversation(meeting())
    assert plan.primary.goal == (
        "Trigger a decision in the ACME 2026 campaign: get Jane Doe to commit to a next step on cost control"
        " now that the moment is right (the Q3 budget freeze)."
    )
    assert plan.primary.reason == (
        "Jane Doe is concerned by cost control and decides, and a trigger event makes the moment right"
        " (the Q3 budget freeze): the right topic, moment and person."
    )
    assert "someone else owns the budget or the decision on cost control" in plan.switch_when
    assert "the Q3 budget freeze is not a priority" in plan.switch_when


def test_no_trigger_switches_when_a_trigger_surfaces() -> None:
    """With the right person but no trigger, switch to advancing as soon as the moment comes."""
    plan = plan_conversation(meeting(trigger_event=None))
    assert plan.switch_when.startswith("Switch to triggering a decision as soon as a trigger surfaces")
    assert plan.questions[0] == "What is changing at ACME this year: budgets, deadlines, reorganisations?"


def test_an_unknown_role_switches_when_they_show_they_decide() -> None:
    """Concerned with an unknown role: advance as soon as they show they decide or influence."""
    plan = plan_conversation(meeting(decision_role=None))
    assert plan.switch_when == (
        "Switch to triggering a decision as soon as Jane Doe shows they decide or influence the decision on cost control."
    )


@pytest.mark.parametrize(
    ("via", "goal"),
    [
        pytest.param(
            "Carol Roe",
            "Ask Jane Doe to refer you to Bob Lee, who is concerned by cost control at ACME, or else ask Carol Roe for the introduction.",
            id="via a colleague",
        ),
        pytest.param(
            "Jane Doe",
            "Ask Jane Doe to introduce you to Bob Lee, who is concerned by cost control at ACME.",
            id="via this very person",
        ),
        pytest.param(
            None,
            "Ask Jane Doe to recommend you to Bob Lee, who is concerned by cost control at ACME: you know Bob Lee already, and a word from a colleague opens the door.",
            id="known directly",
        ),
    ],
)
def test_a_referral_follows_the_teams_best_route(via: str | None, goal: str) -> None:
    """The referral goal names the better contact and the team's route to them, and a question asks for it."""
    plan = plan_conversation(meeting(concerned=None, better_contact=replace(BOB, via=via)))
    assert plan.primary.goal == goal
    assert "56 % chance" in plan.primary.reason
    assert "Would you be willing to introduce me to Bob Lee?" in plan.questions


def test_a_route_only_slightly_stronger_does_not_replace_learning_the_role() -> None:
    """A concerned person's tie is kept unless the route to someone concerned beats it by 0.2 or more."""
    close = meeting(decision_role=None, strength=0.3, better_contact=replace(BOB, route_chance=0.49))
    assert "Bob Lee" not in plan_conversation(close).primary.goal
    clear = replace(close, better_contact=replace(BOB, route_chance=0.5))
    assert "Bob Lee" in plan_conversation(clear).primary.goal


def test_a_better_contact_who_is_not_concerned_is_no_better_route() -> None:
    """Someone else at the account who is not concerned does not turn the plan into a referral."""
    plan = plan_conversation(meeting(concerned=None, better_contact=replace(BOB, concerned=False)))
    assert "Bob Lee" not in plan.primary.goal
    assert plan.primary.goal.startswith("Find out whether Jane Doe is concerned by cost control")


def test_the_better_contact_is_never_the_person_met() -> None:
    """A better contact with the person's own name is ignored."""
    plan = plan_conversation(meeting(concerned=None, better_contact=replace(BOB, name=" jane doe ")))
    assert "refer you to" not in plan.primary.goal


def test_a_one_sided_tie_that_only_calls_in_need_is_asked_in_return() -> None:
    """Someone who only gets in touch when in need is asked for intelligence in return for the help."""
    plan = plan_conversation(meeting(one_sided="them", concerned=False))
    assert plan.primary.goal == (
        "In return for the help Jane Doe comes for, ask Jane Doe who in ACME is most concerned by cost control,"
        " and to refer you to them."
    )
    assert plan.switch_when.startswith("Switch to rebalancing if Jane Doe will not give anything back")
    assert plan.primary.reason.startswith(  # who reached out is a hint of need, not proof (sign 5)
        "Jane Doe started nearly all your recent interactions, a hint that they come when they need something"
    )


def test_a_neglected_tie_opens_by_catching_up() -> None:
    """A neglected tie's questions start with what has changed; its reason cites the strength and score."""
    plan = plan_conversation(meeting(neglected=True, trigger_event=None))
    assert plan.questions[0] == "What has changed for you at ACME since we last spoke?"
    assert "(strength 0.50, a score of 4)" in plan.primary.reason
    assert plan.secondary.goal.startswith("Once reconnected, learn from Jane Doe what is changing at ACME")


def test_unknown_company_and_topic_read_naturally() -> None:
    """Without a company, a topic or a campaign, the texts fall back on plain words, never "None"."""
    plan = plan_conversation(meeting(company=None, topic=None, campaign=None, decision_role=None))
    texts = _texts(plan)
    assert "None" not in texts
    assert "your subject" in plan.primary.goal
    assert any("your organisation" in question for question in plan.questions)


def test_the_campaign_stands_in_for_a_missing_topic() -> None:
    """When no topic is given, the campaign is the subject."""
    plan = plan_conversation(meeting(topic=None))
    assert "a next step on ACME 2026" in plan.primary.goal


ROLES = (DecisionRole.DECIDES, DecisionRole.INFLUENCES, DecisionRole.NONE, None)


@pytest.mark.parametrize(
    ("concerned", "role", "trigger", "count", "neglected", "one_sided", "better"),
    list(
        product(
            (True, False, None),
            ROLES,
            (TRIGGER, None),
            (0, 6),
            (False, True),
            (None, "them", "me"),
            (None, BOB),
        )
    ),
)
def test_the_rules_hold_for_every_combination_of_facts(
    concerned: bool | None,
    role: DecisionRole | None,
    trigger: str | None,
    count: int,
    neglected: bool,
    one_sided: str | None,
    better: BetterContact | None,
) -> None:
    """Two different aims, ADVANCE first only at the right moment with the right known person, never when not concerned."""
    context = meeting(
        concerned=concerned,
        decision_role=role,
        trigger_event=trigger,
        interaction_count=count,
        neglected=neglected,
        one_sided=one_sided,
        better_contact=better,
    )
    plan = plan_conversation(context)
    assert plan.primary.kind is not plan.secondary.kind
    right_moment_and_person = concerned is True and role in (DecisionRole.DECIDES, DecisionRole.INFLUENCES)
    assert (plan.primary.kind is ADVANCE) == (right_moment_and_person and trigger is not None and count > 0)
    if concerned is False:
        assert ADVANCE not in (plan.primary.kind, plan.secondary.kind)
    assert 2 <= len(plan.questions) <= 3
    texts = _texts(plan)
    assert "None" not in texts
    assert not any(flaw in texts for flaw in ("..", " ,", ",,", "  ", "{", "}"))
    sentences = (plan.primary.goal, plan.primary.reason, plan.secondary.goal, plan.secondary.reason, plan.switch_when)
    assert all(sentence[0].isupper() and sentence.endswith(".") for sentence in sentences)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"strength": 1.2}, "strength", id="strength above 1"),
        pytest.param({"strength": -0.1}, "strength", id="strength below 0"),
        pytest.param({"interaction_count": -1}, "interaction_count", id="negative interaction count"),
        pytest.param({"one_sided": "both"}, "one_sided", id="an unknown side"),
    ],
)
def test_an_impossible_context_is_rejected(changes: dict[str, Any], message: str) -> None:
    """Strength lies in [0, 1], counts are not negative, and one_sided is "them", "me" or None."""
    with pytest.raises(ValueError, match=message):
        meeting(**changes)


def test_an_impossible_route_chance_is_rejected() -> None:
    """A route's chance lies in [0, 1]."""
    with pytest.raises(ValueError, match="route_chance"):
        BetterContact(name="Bob Lee", concerned=True, route_chance=1.5, via=None)


def _texts(plan: ConversationPlan) -> str:
    """Every text of a plan, one per line."""
    objectives = (plan.primary, plan.secondary)
    parts = [text for objective in objectives for text in (objective.goal, objective.reason)]
    return "\n".join([*parts, plan.switch_when, plan.why_they_help, *plan.questions])
