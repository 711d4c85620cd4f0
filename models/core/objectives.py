"""Conversation objectives: a primary and a secondary aim for a meeting, why, when to switch, what to ask.

Everything here is pure: one frozen `MeetingContext` in, one frozen `ConversationPlan` out, no
database, no Slack, no clock. A value-adding conversation is about the right topic, at the right
moment, with the right person. When all three are known, aim to trigger a decision; when the
person may not be the right one, or little is known, aim to gather relationship intelligence (who
is concerned, who decides) and ask to be referred; when the relationship itself needs care, give
before asking. Trust comes first.

The objectives (`plan_conversation`): the first rule that applies sets the primary objective.
    rule  when                                                  primary  secondary
    1     right person (concerned; decides or influences), a    ADVANCE  GATHER: who owns it if not them;
          trigger event, and not a new or little-known contact           NURTURE when the tie is neglected
    2     one-sided "them": they only get in touch when in need  GATHER   as in rules 5-10, asked as the
                                                                          return for the help they get
    3     one-sided "me": you always chase them                  NURTURE  the GATHER of rules 5-10
    4     neglected: overdue for its cadence (models.core.nudges)     NURTURE  the GATHER of rules 5-10
    5     known not to be concerned                              GATHER   NURTURE; never ADVANCE
    6     someone concerned is better reached (BetterContact)    GATHER   ADVANCE if a trigger*, else NURTURE
    7     a new contact, or no job title and no responsibilities GATHER   ADVANCE if a trigger*, else NURTURE
    8     concerned, role in the decision unknown or none        GATHER   ADVANCE if a trigger*, else NURTURE
    9     right person, no trigger event                         GATHER   ADVANCE: plant the subject
    10    whether they are concerned is unknown                  GATHER   ADVANCE if a trigger*, else NURTURE
    * and, for a new or little-known contact, all of rule 1's facts: trust comes first.

Why this order
    A trigger with the right person does not wait: rule 1 beats the state of the relationship,
    which only changes the fallback. Every other aim can wait for trust: a one-sided or neglected
    tie is rebalanced or revived before anything is asked of it (rules 3 and 4), except that
    someone who only calls when in need is asked for something in return (rule 2). Then who is
    concerned comes before what we do not know: a person known not to be concerned (rule 5), or a
    clearly better route to someone who is (rule 6), beats learning more about a new contact (7).
    A better route counts when this person is not known to be concerned, or when the route's chance
    is at least STRONGER_ROUTE_MARGIN (0.2) above this tie's strength; it never overrides talking
    to the right person (rules 1 and 9).

The primary and the secondary always differ in kind, and ADVANCE is never proposed to someone
known not to be concerned. Why they would help (`why_they_help`): the right of first refusal on
the subject when the aim is to advance; fostering their own image by referring a useful provider
to a colleague when the aim is to gather; both when the plan holds both. Two or three questions
to ask fit the primary objective (`models.core.questions`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from models.core.questions import Ask, questions

STRONGER_ROUTE_MARGIN = 0.2
"""A route to someone concerned is clearly stronger when its chance beats this tie's strength by this much."""
THEM = "them"
"""`one_sided` when they started nearly all recent interactions: a hint that they call when they need something."""
ME = "me"
"""`one_sided` when the seller started nearly all recent interactions: the seller always chases."""


class ObjectiveKind(StrEnum):
    """What a conversation aims for."""

    ADVANCE = "advance"
    """Trigger a decision: move the sales campaign on."""
    GATHER = "gather"
    """Relationship intelligence: who is concerned, who decides, and to be referred to them."""
    NURTURE = "nurture"
    """Give before asking: rebalance or revive the relationship."""


class DecisionRole(StrEnum):
    """The person's part in the decision on the subject; an unknown role is None, not a member."""

    DECIDES = "decides"
    INFLUENCES = "influences"
    NONE = "none"


@dataclass(frozen=True)
class BetterContact:
    """Someone else at the account, and the team's best route to them.

    `route_chance` in [0, 1] is the chance that route succeeds; `via` names the intermediary, or is
    None when the seller knows them directly.
    """

    name: str
    concerned: bool
    route_chance: float
    via: str | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.route_chance <= 1.0:
            raise ValueError(f"route_chance must lie between 0 and 1, got {self.route_chance}")


@dataclass(frozen=True)
class MeetingContext:
    """What is known before a meeting with one person; None means unknown.

    `trigger_event` is what makes the moment right (a reorganisation, a budget, an incident);
    `interaction_count` 0 is a new contact; `strength` in [0, 1] is the tie strength of
    `models.core.scoring`; `neglected` means overdue for its cadence (`models.core.nudges`); `one_sided` is
    "them" (they start nearly every interaction: a hint that they come when in need), "me" (the seller
    always chases) or None.
    """

    person_name: str
    company: str | None
    job_title: str | None
    responsibilities: str | None
    concerned: bool | None
    decision_role: DecisionRole | None
    trigger_event: str | None
    topic: str | None
    campaign: str | None
    interaction_count: int
    strength: float
    score_total: int | None
    neglected: bool
    one_sided: str | None
    better_contact: BetterContact | None

    def __post_init__(self) -> None:
        if self.interaction_count < 0:
            raise ValueError("interaction_count cannot be negative")
        if not 0.0 <= self.strength <= 1.0:
            raise ValueError(f"strength must lie between 0 and 1, got {self.strength}")
        if self.one_sided not in (None, THEM, ME):
            raise ValueError(f"one_sided must be {THEM!r}, {ME!r} or None, got {self.one_sided!r}")


@dataclass(frozen=True)
class Objective:
    """One aim: `goal` is what to aim for, one sentence to the seller; `reason` cites the facts used."""

    kind: ObjectiveKind
    goal: str
    reason: str


@dataclass(frozen=True)
class ConversationPlan:
    """A primary and a secondary objective, when to switch, why they would help, and what to ask."""

    primary: Objective
    secondary: Objective
    switch_when: str
    why_they_help: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class _Draft:
    """A plan before `why_they_help`; `referral_to` names whom the plan asks to be referred to."""

    primary: Objective
    secondary: Objective
    switch_when: str
    questions: tuple[str, ...]
    referral_to: str | None = None


def plan_conversation(context: MeetingContext) -> ConversationPlan:
    """The objectives for a meeting with `context.person_name`, by the rules in the module docstring."""
    facts = _Facts(context)
    if facts.right_person and facts.trigger and not facts.little_known:
        draft = _advance(facts)
    else:
        draft = _with_relationship(facts, _intelligence(facts))
    return ConversationPlan(
        primary=draft.primary,
        secondary=draft.secondary,
        switch_when=draft.switch_when,
        why_they_help=_why_they_help(facts, draft),
        questions=draft.questions,
    )


# --- The facts, in words ---


class _Facts:
    """The context, with the derived facts the rules test and the phrases the reasons cite."""

    def __init__(self, context: MeetingContext) -> None:
        self.context = context
        self.name = context.person_name.strip() or "this contact"
        self.company = _text(context.company)
        self.topic = _text(context.topic) or _text(context.campaign)
        self.trigger = _text(context.trigger_event)
        self.campaign = _text(context.campaign)
        self.right_person = context.concerned is True and context.decision_role in (
            DecisionRole.DECIDES,
            DecisionRole.INFLUENCES,
        )
        self.new_contact = context.interaction_count == 0
        self.little_known = self.new_contact or not (_text(context.job_title) or _text(context.responsibilities))
        self.better = _better_contact(context, self.right_person)

    # Seller-facing phrases.
    @property
    def subject(self) -> str:
        return self.topic or "your subject"

    @property
    def at(self) -> str:
        return self.company or "their organisation"

    @property
    def concern(self) -> str:
        if self.context.concerned is True:
            return f"{self.name} is concerned by {self.subject}"
        if self.context.concerned is False:
            return f"{self.name} is not concerned by {self.subject}"
        return f"whether {self.name} is concerned by {self.subject} is unknown"

    @property
    def role(self) -> str:
        return {
            DecisionRole.DECIDES: "decides",
            DecisionRole.INFLUENCES: "influences the decision",
            DecisionRole.NONE: "has no role in the decision",
            None: "their role in the decision is unknown",
        }[self.context.decision_role]

    @property
    def standing(self) -> str:
        """Their concern and their part in the decision, in one clause."""
        role = self.context.decision_role
        if self.context.concerned is True:
            joined = " and " if role in (DecisionRole.DECIDES, DecisionRole.INFLUENCES) else ", but "
            return f"{self.concern}{joined}{self.role}"
        if self.context.concerned is None and role is not None:
            return f"{self.concern}, though {self.name} {self.role}"
        return self.concern

    @property
    def moment(self) -> str:
        return (
            f"a trigger event makes the moment right ({self.trigger})" if self.trigger else "no trigger event is known"
        )

    @property
    def tie(self) -> str:
        """ "strength 0.45, a score of 4" or "strength 0.45, never scored"."""
        score = self.context.score_total
        scored = "never scored" if score is None else f"a score of {score}"
        return f"strength {self.context.strength:.2f}, {scored}"

    def ask(self, ask: Ask, other: str = "") -> tuple[str, ...]:
        """The questions that fit the plan, in the contact's words (`models.core.questions`)."""
        return questions(ask, self.topic, self.company, other)


def _better_contact(context: MeetingContext, right_person: bool) -> BetterContact | None:
    """Someone concerned the team reaches better, when that beats talking to this person about it."""
    better = context.better_contact
    if better is None or not better.concerned or right_person:
        return None
    if better.name.strip().casefold() == context.person_name.strip().casefold():
        return None
    # Rounded so that 0.5 against 0.3 counts as the 0.2 it reads as, not 0.19999999999999998.
    advantage = round(better.route_chance - context.strength, 9)
    if context.concerned is not True or advantage >= STRONGER_ROUTE_MARGIN:
        return better
    return None


def _referral_goal(facts: _Facts, better: BetterContact) -> str:
    """Ask this person to refer the seller to the better contact, by the team's best route to them."""
    name, other, via = facts.name, better.name, _text(better.via)
    concerned = f"{other}, who is concerned by {facts.subject} at {facts.at}"
    if via is None:
        return f"Ask {name} to recommend you to {concerned}: you know {other} already, and a word from a colleague opens the door."
    if via.casefold() == name.casefold():
        return f"Ask {name} to introduce you to {concerned}."
    return f"Ask {name} to refer you to {concerned}, or else ask {via} for the introduction."


def _route(facts: _Facts, better: BetterContact) -> str:
    """The team's route to the better contact, in words, with its chance."""
    chance = _percent(better.route_chance)
    via = _text(better.via)
    if via is None:
        return f"you know {better.name} directly ({chance} chance)"
    if via.casefold() == facts.name.casefold():
        return f"{facts.name} is the team's best route to {better.name} ({chance} chance)"
    return f"the team's best route to {better.name} runs via {via} ({chance} chance)"


# --- Rule 1: the right topic, moment and person ---


def _advance(facts: _Facts) -> _Draft:
    """Rule 1: trigger the decision; fall back on learning who owns it, or on reconnecting."""
    name, subject, campaign = facts.name, facts.subject, facts.campaign
    in_campaign = f" in the {campaign} campaign" if campaign else ""
    primary = Objective(
        ObjectiveKind.ADVANCE,
        f"Trigger a decision{in_campaign}: get {name} to commit to a next step on {subject} now that the moment is right ({facts.trigger}).",
        f"{facts.standing}, and {facts.moment}: the right topic, moment and person.",
    )
    if facts.context.neglected:
        secondary = Objective(
            ObjectiveKind.NURTURE,
            f"If {name} is not ready to talk business, reconnect: catch up on what has changed at {facts.at} since you last spoke.",
            f"Your tie with {name} is overdue for its cadence ({facts.tie}): after a silence, trust comes first.",
        )
        switch_when = f"Switch to catching up if {name} seems distant after the long silence or says that {facts.trigger} is not a priority; come back to {subject} in the next conversation."
    else:
        secondary = Objective(
            ObjectiveKind.GATHER,
            f"If {name} turns out not to own {subject}, learn who in {facts.at} does and ask to be referred to them.",
            f"That {name} {facts.role} is your reading of {facts.at}; if it is wrong, a referral by {name} is the next best outcome.",
        )
        switch_when = f"Switch to the secondary objective as soon as {name} says someone else owns the budget or the decision on {subject}, or that {facts.trigger} is not a priority."
    return _Draft(primary, secondary, switch_when, facts.ask(Ask.DECISION))


# --- Rules 5 to 10: relationship intelligence ---


def _intelligence(facts: _Facts) -> _Draft:
    """Rules 5 to 10: what to learn from this person, and the fallback."""
    if facts.context.concerned is False:
        return _not_concerned(facts)
    if facts.better is not None:
        return _better_route(facts, facts.better)
    if facts.little_known:
        return _little_known(facts)
    if facts.context.concerned is True and not facts.right_person:
        return _role_unknown(facts)
    if facts.right_person:
        return _no_trigger(facts)
    return _concern_unknown(facts)


def _not_concerned(facts: _Facts) -> _Draft:
    """Rule 5: ask who is most concerned and to be referred; keep the relationship valuable, never advance."""
    name, subject, better = facts.name, facts.subject, facts.context.better_contact
    if better is not None and better.concerned:
        goal = _referral_goal(facts, better)
        reason = f"{facts.concern}, so this is no conversation to push the campaign; {better.name} is concerned, and {_route(facts, better)}."
        referral_to: str | None = better.name
        asked = facts.ask(Ask.INTRODUCTION_TO_CONCERNED, better.name)
    else:
        goal = f"Ask {name} who in {facts.at} is most concerned by {subject}, and to refer you to them."
        reason = f"{facts.concern}, so this is no conversation to push the campaign; {name} can still point you to the right person."
        referral_to = None
        asked = facts.ask(Ask.WHO_IS_CONCERNED)
    secondary = Objective(
        ObjectiveKind.NURTURE,
        f"Keep the relationship with {name} valuable: share something useful to them and ask for nothing more.",
        f"{facts.concern}: never push {subject} on them; a good impression keeps the door open.",
    )
    switch_when = (
        f"Switch to keeping the relationship warm if {name} cannot or would rather not name anyone: do not push."
    )
    return _Draft(Objective(ObjectiveKind.GATHER, goal, reason), secondary, switch_when, asked, referral_to)


def _better_route(facts: _Facts, better: BetterContact) -> _Draft:
    """Rule 6: someone concerned is better reached: ask this person to refer you to them."""
    name = facts.name
    if facts.context.concerned is None:
        versus = f"{facts.concern}, while {better.name} is known to be concerned"
    else:
        versus = f"{facts.standing}, and the route to {better.name}, who is concerned too, is clearly stronger than your tie with {name} ({facts.tie})"
    primary = Objective(
        ObjectiveKind.GATHER,
        _referral_goal(facts, better),
        f"{_capitalised(versus)}; {_route(facts, better)}.",
    )
    secondary, switch_when = _fallback_to_gathering(facts)
    return _Draft(primary, secondary, switch_when, facts.ask(Ask.BETTER_ROUTE, better.name), better.name)


def _little_known(facts: _Facts) -> _Draft:
    """Rule 7: a new or little-known contact: learn who they are before anything else."""
    name, subject = facts.name, facts.subject
    if facts.new_contact:
        known = f"{name} is a new contact: no interaction is logged yet"
    else:
        known = f"little is known of {name}: no job title and no responsibilities are recorded"
    primary = Objective(
        ObjectiveKind.GATHER,
        f"Learn what {name} really does at {facts.at}, their part in decisions on {subject}, and who is most concerned by it.",
        f"{_capitalised(known)}, so whether they are the right person is still a guess.",
    )
    secondary, switch_when = _fallback_to_gathering(facts)
    return _Draft(primary, secondary, switch_when, facts.ask(Ask.WHO_THEY_ARE))


def _role_unknown(facts: _Facts) -> _Draft:
    """Rule 8: concerned, but with no known part in the decision: learn who decides."""
    name, subject = facts.name, facts.subject
    if facts.context.decision_role is DecisionRole.NONE:
        goal = f"Learn who in {facts.at} decides on {subject}, and ask {name} to refer you to them."
        asked = facts.ask(Ask.WHO_DECIDES)
    else:
        goal = f"Learn {name}'s part in the decision on {subject} and who else in {facts.at} decides."
        asked = facts.ask(Ask.THEIR_PART)
    primary = Objective(ObjectiveKind.GATHER, goal, f"{_capitalised(facts.standing)}.")
    secondary, switch_when = _fallback_to_gathering(facts)
    return _Draft(primary, secondary, switch_when, asked)


def _no_trigger(facts: _Facts) -> _Draft:
    """Rule 9: the right person, but no trigger: learn about the moment, plant the subject."""
    name, subject = facts.name, facts.subject
    primary = Objective(
        ObjectiveKind.GATHER,
        f"Learn from {name} what is changing at {facts.at} that could make {subject} pressing: budgets, deadlines, reorganisations, incidents.",
        f"{facts.standing}, but {facts.moment}: the moment may not be right yet.",
    )
    secondary = Objective(
        ObjectiveKind.ADVANCE,
        f"Plant {subject} with {name}, so that they come back to you first when the moment comes.",
        f"{facts.standing}: the right person, whatever the moment.",
    )
    switch_when = f"Switch to triggering a decision as soon as a trigger surfaces: a budget, a deadline, a reorganisation or an incident that makes {subject} pressing for {name}."
    return _Draft(primary, secondary, switch_when, facts.ask(Ask.WHAT_IS_CHANGING))


def _concern_unknown(facts: _Facts) -> _Draft:
    """Rule 10: they may not be the right person: find out, and who is."""
    name, subject = facts.name, facts.subject
    primary = Objective(
        ObjectiveKind.GATHER,
        f"Find out whether {name} is concerned by {subject}, and if not, who in {facts.at} is most concerned, and ask to be referred.",
        f"{_capitalised(facts.concern)}: {name} may not be the right person.",
    )
    secondary, switch_when = _fallback_to_gathering(facts)
    return _Draft(primary, secondary, switch_when, facts.ask(Ask.WHETHER_CONCERNED))


def _fallback_to_gathering(facts: _Facts) -> tuple[Objective, str]:
    """The secondary of rules 6, 7, 8 and 10, and when to switch to it.

    ADVANCE when this person is concerned and a trigger is known (for a new or little-known contact,
    only when their part in the decision is known too); otherwise NURTURE: leave a good impression.
    """
    name, subject = facts.name, facts.subject
    ready = facts.context.concerned is not False and facts.trigger is not None
    if facts.little_known:
        ready = ready and facts.right_person
    if ready:
        if_concerned = "" if facts.context.concerned else f"If {name} turns out to be concerned, "
        test = "test" if if_concerned else "Test"
        secondary = Objective(
            ObjectiveKind.ADVANCE,
            f"{if_concerned}{test} {subject} with {name} while the moment is right ({facts.trigger}), so they can trigger the decision or carry it to whoever takes it.",
            f"{_capitalised(facts.moment)}; {facts.standing}.",
        )
        if facts.context.concerned is None:
            shows = f"shows they are concerned by {subject}"
        elif facts.little_known:
            shows = f"confirms they are concerned by {subject} and have a say in the decision on it"
        else:
            shows = f"shows they decide or influence the decision on {subject}"
        return secondary, f"Switch to triggering a decision as soon as {name} {shows}."
    if facts.new_contact:
        why = f"{name} is a new contact: trust comes first"
    elif facts.little_known:
        why = f"little is known of {name}: trust comes first"
    else:
        why = f"{facts.concern} and {facts.moment}: there is nothing to push yet, and trust comes first"
    secondary = Objective(
        ObjectiveKind.NURTURE,
        f"Leave a good impression on {name}: listen more than you pitch, and follow up with something useful.",
        f"{_capitalised(why)}.",
    )
    switch_when = f"Switch to leaving a good impression if {name} is guarded or would rather not name anyone: do not push, and come back with something useful."
    return secondary, switch_when


# --- Rules 2 to 4: the state of the relationship ---


def _with_relationship(facts: _Facts, draft: _Draft) -> _Draft:
    """Rules 2 to 4: a one-sided or neglected tie reshapes the intelligence plan of rules 5 to 10."""
    context, name = facts.context, facts.name
    if context.one_sided == THEM:
        in_return = Objective(
            ObjectiveKind.GATHER,
            f"In return for the help {name} comes for, {_uncapitalised(draft.primary.goal)}",
            f"{name} started nearly all your recent interactions, a hint that they come when they need something: do not give value away without a return. {_capitalised(draft.primary.reason)}",
        )
        if draft.secondary.kind is not ObjectiveKind.NURTURE:
            return replace(draft, primary=in_return)
        rebalance = Objective(
            ObjectiveKind.NURTURE,
            f"Rebalance the relationship: next time, take the lead with something of value to {name} before they need something.",
            f"{name} started nearly all your recent interactions: taking the lead yourself makes it two-way.",
        )
        switch_when = f"Switch to rebalancing if {name} will not give anything back: help with what they came for, then take the lead next time."
        return replace(draft, primary=in_return, secondary=rebalance, switch_when=switch_when)
    if context.one_sided == ME:
        primary = Objective(
            ObjectiveKind.NURTURE,
            f"Give {name} a reason to come to you: bring something of value to them, an insight or an introduction, and ask for nothing.",
            f"You started nearly all your recent interactions with {name}: the relationship is one-sided, so give before you ask.",
        )
        switch_when = f"Switch to the secondary objective only if {name} engages and asks how they can help in return."
        later = _later(draft.primary, "Once they engage")
        return _Draft(primary, later, switch_when, facts.ask(Ask.GIVE_FIRST), draft.referral_to)
    if context.neglected:
        primary = Objective(
            ObjectiveKind.NURTURE,
            f"Reconnect with {name}: catch up on what has changed for them and at {facts.at} since you last spoke.",
            f"Your tie with {name} is overdue for its cadence ({facts.tie}): a silence is bridged before anything is asked.",
        )
        switch_when = (
            f"Switch to the secondary objective once the conversation with {name} is warm again, and not before."
        )
        asked = (*facts.ask(Ask.RECONNECT), draft.questions[0])
        return _Draft(primary, _later(draft.primary, "Once reconnected"), switch_when, asked, draft.referral_to)
    return draft


def _later(objective: Objective, when: str) -> Objective:
    """An objective kept for later in the conversation, once the relationship allows it."""
    return Objective(objective.kind, f"{when}, {_uncapitalised(objective.goal)}", objective.reason)


# --- Why they would help ---


def _why_they_help(facts: _Facts, draft: _Draft) -> str:
    """The right of first refusal when the plan advances, their own image when it gathers, or both."""
    name, subject, at = facts.name, facts.subject, facts.at
    to_whom = draft.referral_to or f"the colleague most concerned by {subject}"
    first_refusal = f"{name} gets the right of first refusal on {subject}: the first chance to tackle it with you before it reaches anyone else at {at}."
    image = f"Referring a useful provider to {to_whom} fosters {name}'s own image at {at}."
    kinds = (draft.primary.kind, draft.secondary.kind)
    if kinds[0] is ObjectiveKind.ADVANCE:
        if kinds[1] is ObjectiveKind.GATHER:
            return f"{first_refusal} And if someone else owns it, referring a useful provider to them fosters {name}'s own image at {at}."
        return first_refusal
    if kinds[0] is ObjectiveKind.GATHER:
        if kinds[1] is ObjectiveKind.ADVANCE:
            return f"{image} And if {subject} is theirs after all, {name} gets the right of first refusal on it."
        return image
    return f"Trust comes first: bring {name} something of value now. When you do ask, referring a useful provider to {to_whom} fosters {name}'s own image at {at}."


# --- Helpers ---


def _text(value: str | None) -> str | None:
    """The text with surrounding spaces removed, or None when blank."""
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def _capitalised(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _uncapitalised(sentence: str) -> str:
    """Lower the first letter of a goal that starts with a verb ("Ask", "Learn"), never a name."""
    first_word = sentence.split(" ", 1)[0]
    if first_word in {"Ask", "Learn", "Find", "Trigger", "Test", "Leave", "Plant", "Keep"}:
        return sentence[:1].lower() + sentence[1:]
    return sentence


def _percent(share: float) -> str:
    text = f"{share * 100:.1f}".removesuffix(".0")
    return f"{text} %"
