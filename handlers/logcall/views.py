"""Pure Block Kit builders: results of the domain in, Slack payloads (plain dicts) out."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.kit.blockkit import truncate
from handlers.kit.blocks import Block, button, context, message, plain_text, section
from handlers.kit.forms import checkboxes, choice, input_block, modal, text_input
from handlers.kit.mrkdwn import Mrkdwn, mention
from models.core.dates import format_when
from models.core.signs import Appreciation, Friendship
from models.core.values import CHANNEL_LABELS, Channel, Initiator
from models.logcall.service import (
    NEW_CONTACT,
    Logged,
    NeedsChoice,
    RatingForm,
    RecordedInteraction,
    Scheduled,
    Undone,
)
from models.scores.engine import TieReport

#: Contacts shown with their full score in one reply; the rest are listed by name (50-block limit).
MAX_DETAILED_CONTACTS = 8
LOGCALL_MODAL_ID = "logcall_modal"
SCHEDULE_MODAL_ID = "schedule_meeting_modal"
TAGS_MODAL_ID = "contact_tags_modal"
RATE_MODAL_ID = "rate_tie_modal"


# A logged interaction ------------------------------------------------------------------------------
def describe_interaction(interaction: RecordedInteraction, now: datetime, zone: ZoneInfo) -> str:
    """One line a seller reads at a glance: what, with whom, when, who started it, how long."""
    names = _join_names(interaction.contact_names)
    parts = [f"*{_channel_phrase(interaction.channel)} with {names}*"]
    parts.append(format_when(interaction.occurred_at.astimezone(zone), interaction.time_given, now, zone))
    if interaction.initiator is Initiator.ME:
        parts.append("you reached out")
    elif interaction.initiator is Initiator.THEM:
        parts.append("they reached out")
    if interaction.duration_minutes:
        parts.append(_duration(interaction.duration_minutes))
    return " · ".join(parts)


def logged_message(result: Logged, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    interaction = result.interaction
    headline = (
        ":information_source: Already recorded: " if result.duplicate else ":white_check_mark: Logged: "
    ) + describe_interaction(interaction, now, zone)
    blocks: list[Block] = [section(headline)]
    extras: list[str] = []
    if interaction.colleague_user_ids:
        extras.append(Mrkdwn("with ") + Mrkdwn(", ").join(mention(user) for user in interaction.colleague_user_ids))
    if interaction.tags:
        extras.append("tags " + " ".join(f"#{tag}" for tag in interaction.tags))
    if result.new_contacts:
        extras.append(
            "new contact" + ("s" if len(result.new_contacts) > 1 else "") + ": " + ", ".join(result.new_contacts)
        )
    if extras:
        blocks.append(context(Mrkdwn(" · ").join(extras)))
    if interaction.notes:
        blocks.append(section(_quote(interaction.notes)))
        blocks.append(context(":lock: Notes are private: only you can see them."))
    for report in result.reports[:MAX_DETAILED_CONTACTS]:
        blocks.append({"type": "divider"})
        blocks.extend(tie_report_blocks(report, now, zone))
    hidden = result.reports[MAX_DETAILED_CONTACTS:]
    if hidden:
        blocks.append(context("Also logged with " + _join_names(tuple(r.contact_name for r in hidden)) + "."))
    blocks.append({"type": "divider"})
    blocks.append(
        {
            "type": "actions",
            "block_id": "logcall_result",
            "elements": [
                button("Undo", "logcall_undo", str(interaction.id), style="danger"),
                button("Schedule the next meeting", "logcall_schedule", str(interaction.id)),
            ],
        }
    )
    fallback = ("Already recorded: " if result.duplicate else "Logged: ") + describe_interaction(interaction, now, zone)
    return message(blocks, fallback=fallback.replace("*", ""))


def tie_report_blocks(report: TieReport, now: datetime, zone: ZoneInfo, with_rate_button: bool = True) -> list[Block]:
    """The tie's score sign by sign, its strength and what is still unknown."""
    who = report.contact_name + (f" ({report.account_name})" if report.account_name else "")
    score = f"tie score *{report.score.total:+d}* (from -7 to +10)"
    lines = [f"*{who}*: {score} · strength *{report.strength.value:.2f}* ({report.band})"]
    for sign in report.score.signs:
        points = f"{sign.points:+d}" if sign.known else "?"
        lines.append(f"`{points:>2}` {sign.number}. {sign.name}: {sign.explanation}")
    facts = [f"{report.interaction_count} interaction" + ("s" if report.interaction_count != 1 else "")]
    if report.last_interaction_at is not None:
        facts.append("last " + format_when(report.last_interaction_at.astimezone(zone), True, now, zone))
    blocks: list[Block] = [section("\n".join(lines)), context(" · ".join(facts))]
    hint = title_hint(report.title_on_record, report.title_source)
    if hint and report.score.signs[0].points < 2:  # the seller has not said they know both
        blocks.append(context(f":bulb: {hint} Do you know what they really do?"))
    if report.score.unknown:
        blocks.append(context(":mag: Still unknown: " + "; ".join(report.score.unknown)))
    if with_rate_button:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"tie_{report.contact_id}",
                "elements": [
                    button(f"Rate this relationship: {report.contact_name}", "logcall_rate", str(report.contact_id)),
                    {
                        "type": "overflow",
                        "action_id": "contact_menu",
                        "options": [
                            {
                                "text": plain_text("Edit tags"),
                                "value": json.dumps({"c": report.contact_id, "do": "tags"}),
                            },
                        ],
                    },
                ],
            }
        )
    return blocks


def rated_message(report: TieReport, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    blocks = [section(":memo: Thanks, your rating is saved.")]
    blocks.extend(tie_report_blocks(report, now, zone))
    return message(blocks, fallback=f"Rating saved for {report.contact_name}: score {report.score.total:+d}")


def undone_message(result: Undone, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    what = describe_interaction(result.interaction, now, zone)
    if result.already:
        text = f":leftwards_arrow_with_hook: This was already undone: {what}"
    else:
        text = f":leftwards_arrow_with_hook: Undone: {what}. Nothing of it counts any more."
    blocks = [section(text)]
    for report in result.reports[:MAX_DETAILED_CONTACTS]:
        blocks.extend(tie_report_blocks(report, now, zone, with_rate_button=False))
    return message(blocks, fallback=text.replace("*", ""), replace_original=True)


def choice_message(choice: NeedsChoice) -> dict[str, Any]:
    typed = choice.typed.name + (f" ({choice.typed.company})" if choice.typed.company else "")
    elements = []
    for option in choice.options:
        label = option.name + (f" · {option.detail}" if option.detail else "")
        elements.append(button(label, f"logcall_choose_{option.id}", _choice_value(choice, option.id)))
    elements.append(
        button(
            f"Someone new: {choice.typed.name}",
            "logcall_choose_new",
            _choice_value(choice, NEW_CONTACT),
            style="primary",
        )
    )
    blocks = [
        section(f":thinking_face: Several contacts could be “{typed}”. Which one did you mean?"),
        {"type": "actions", "block_id": f"choose_{choice.pending_id}_{choice.slot}", "elements": elements},
        context("Nothing is recorded until you choose."),
    ]
    return message(blocks, fallback=f"Which {typed} did you mean?")


def _choice_value(choice: NeedsChoice, contact_id: int) -> str:
    return json.dumps({"pending": choice.pending_id, "slot": choice.slot, "contact": contact_id})


def parse_choice_value(value: str) -> tuple[int, int, int]:
    data = json.loads(value)
    return int(data["pending"]), int(data["slot"]), int(data["contact"])


# Modals --------------------------------------------------------------------------------------------
CHANNEL_OPTIONS = [(channel.value, CHANNEL_LABELS[channel].capitalize()) for channel in Channel]
INITIATOR_OPTIONS = [("me", "I did"), ("them", "They did"), ("unknown", "Not sure")]
APPRECIATION_OPTIONS = [
    (Appreciation.GOOD.value, "Yes: they're happy with my work"),
    (Appreciation.BAD.value, "No: I think I did a bad job"),
    (Appreciation.UNKNOWN.value, "I don't know yet"),
]
FRIENDSHIP_OPTIONS = [
    (Friendship.NOT_FRIEND.value, "No, a professional contact"),
    (Friendship.FRIEND.value, "Yes, a friend"),
    (Friendship.CLOSE_FRIEND.value, "A very close friend (people may call it nepotism)"),
]
PRIVATE_LABEL = "Private: leave it out of colleagues' /whoknows routes"
KNOWS_OPTIONS = [("yes", "Yes"), ("no", "No, not really")]


def title_hint(title: str | None, source: str | None) -> str:
    """The hint "LinkedIn says: VP Procurement." for a title on the contact's record ("" for none):
    what a file or a teammate wrote, to ask the seller about, never to count as their knowing it."""
    if not title:
        return ""
    return f"{TITLE_SOURCES.get(source or '', 'Their record')} says: {title}."


#: Who a title on the contact's record came from, as the hint names it (`Contact.job_title_source`).
TITLE_SOURCES = {
    "linkedin": "LinkedIn",
    "vcard": "Their vCard",
    "csv": "An imported file",
    "import": "An imported file",
    "rating": "The team's record",
}


def _yes_no(answer: bool | None) -> str | None:
    return None if answer is None else "yes" if answer else "no"


def logcall_modal(
    today: str,
    private_metadata: str,
    prefill_notes: str = "",
    prefill_contacts: str = "",
    prefill_company: str = "",
    prefill_time: str | None = None,
    prefill_channel: str | None = None,
) -> dict[str, Any]:
    """The `/logcall` form: the same fields as the one-line grammar."""
    time_picker: dict[str, Any] = {"type": "timepicker", "action_id": "time"}
    if prefill_time:
        time_picker["initial_time"] = prefill_time
    who = text_input("contacts", "Jane Doe, Raj Patel", initial=prefill_contacts, max_length=500)
    company = text_input("company", "ACME", initial=prefill_company, max_length=255)
    channel = choice("static_select", "channel", CHANNEL_OPTIONS, prefill_channel, placeholder="How did you talk?")
    notes = text_input("notes", multiline=True, initial=prefill_notes, max_length=2900)
    blocks = [
        input_block("contacts", "Who", who, hint="One or more people, separated by commas."),
        input_block("company", "Company", company, optional=True),
        input_block("channel", "Channel", channel),
        input_block("date", "Date", {"type": "datepicker", "action_id": "date", "initial_date": today}),
        input_block("time", "Time", time_picker, optional=True),
        input_block(
            "initiator", "Who reached out?", choice("radio_buttons", "initiator", INITIATOR_OPTIONS), optional=True
        ),
        input_block("duration", "How long", text_input("duration", "45 min, 1h30", max_length=20), optional=True),
        input_block(
            "colleagues",
            "Colleagues who took part",
            {"type": "multi_users_select", "action_id": "colleagues"},
            optional=True,
        ),
        input_block("tags", "Tags", text_input("tags", "prospect, client", max_length=300), optional=True),
        input_block("notes", "Notes (only you see them)", notes, optional=True),
    ]
    return modal(LOGCALL_MODAL_ID, "Log an interaction", blocks, submit="Log it", private_metadata=private_metadata)


def rating_modal(form: RatingForm, private_metadata: str) -> dict[str, Any]:
    """Signs 1 to 3 of the five signs, which only the seller can tell: each a question, answered with
    the seller's own earlier answer or not at all (a title from elsewhere is a hint, never an answer)."""
    rating = form.rating
    appreciation = rating.appreciation.value if rating.appreciation else None
    friendship = rating.friendship.value if rating.friendship else None
    title = text_input("job_title", "Head of Procurement", max_length=255)
    role = text_input("responsibilities", "Runs vendor selection for IT", multiline=True, max_length=1000)
    hint = title_hint(form.title_on_record, form.title_source)
    blocks = [
        section(f"*{form.contact_name}*: what only you can tell. Be honest: this is for you."),
        input_block(
            "knows_title",
            "1. Without going online, do you know their job title?",
            choice("radio_buttons", "knows_title", KNOWS_OPTIONS, _yes_no(rating.knows_job_title)),
            optional=True,
            hint=hint or None,
        ),
        input_block(
            "knows_role",
            "…and what they really do?",
            choice("radio_buttons", "knows_role", KNOWS_OPTIONS, _yes_no(rating.knows_responsibilities)),
            optional=True,
        ),
        input_block("job_title", "Their job title, if you know it", title, optional=True),
        input_block("responsibilities", "What they really do", role, optional=True),
        input_block(
            "appreciation",
            "2. Do they appreciate the work you did for them?",
            choice("radio_buttons", "appreciation", APPRECIATION_OPTIONS, appreciation),
            optional=True,
        ),
        input_block(
            "friendship",
            "3. On top of being a professional contact, are they a friend?",
            choice("radio_buttons", "friendship", FRIENDSHIP_OPTIONS, friendship),
            optional=True,
        ),
        input_block(
            "privacy",
            "Privacy",
            checkboxes("privacy", [("private", PRIVATE_LABEL)], {"private"} if rating.private else ()),
            optional=True,
            hint="Your notes are always private; this hides the tie too.",
        ),
    ]
    return modal(RATE_MODAL_ID, "Rate this relationship", blocks, private_metadata=private_metadata)


# Small wording helpers -----------------------------------------------------------------------------
def _channel_phrase(channel: Channel) -> str:
    return {
        Channel.IN_PERSON: "Met in person",
        Channel.VIDEO: "Video call",
        Channel.PHONE: "Phone call",
        Channel.EMAIL: "Email",
        Channel.CHAT: "Chat",
        Channel.SOCIAL: "Social message",
    }[channel]


def _join_names(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest:02d} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


def _quote(text: str) -> str:
    return "\n".join("> " + line for line in truncate(text, 2900).splitlines() or [""])


def scheduled_message(result: Scheduled, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """The reply to `/logcall … next tue 3pm`: the next meeting, and when its briefing comes."""
    names = _join_names(result.contact_names)
    when = format_when(result.starts_at.astimezone(zone), True, now, zone)
    how = f" ({CHANNEL_LABELS[result.channel]})" if result.channel else ""
    head = (
        ":information_source: Already scheduled: " if result.duplicate else ":calendar: Next meeting: "
    ) + f"*{names}*, {when}{how}"
    lines = [head]
    if result.topic:
        lines.append(f"Topic: {result.topic}")
    blocks: list[Block] = [section("\n".join(lines))]
    extras = [f"your briefing comes {result.briefing_lead_minutes} min before"]
    if result.new_contacts:
        extras.append(
            "new contact" + ("s" if len(result.new_contacts) > 1 else "") + ": " + ", ".join(result.new_contacts)
        )
    blocks.append(context(" · ".join(extras)))
    blocks.append(
        {
            "type": "actions",
            "block_id": "scheduled_meeting",
            "elements": [button("Set the context", "meeting_context", str(result.meeting_id), style="primary")],
        }
    )
    return message(blocks, fallback=head.replace("*", ""))


def schedule_modal(today: str, contacts: str, company: str, private_metadata: str) -> dict[str, Any]:
    """When the next meeting is, with whom and about what."""
    blocks = [
        input_block("contacts", "With", text_input("contacts", "Jane Doe", initial=contacts, max_length=500)),
        input_block(
            "company", "Company", text_input("company", "ACME", initial=company, max_length=255), optional=True
        ),
        input_block("date", "Day", {"type": "datepicker", "action_id": "date", "initial_date": today}),
        input_block("time", "Time", {"type": "timepicker", "action_id": "time", "initial_time": "09:00"}),
        input_block("channel", "How", choice("static_select", "channel", CHANNEL_OPTIONS, Channel.IN_PERSON.value)),
        input_block("topic", "Topic", text_input("topic", "Budget review for Q3", max_length=500), optional=True),
    ]
    return modal(SCHEDULE_MODAL_ID, "Next meeting", blocks, submit="Schedule", private_metadata=private_metadata)


def tags_modal(contact_id: int, name: str, tags: Sequence[str], private_metadata: str) -> dict[str, Any]:
    """Edit a contact's tags: they filter /whoknows, digests and the Home tab."""
    element = text_input("tags", "client, prospect, friend", initial=", ".join(tags) or None, max_length=300)
    blocks = [
        section(f"*{name}*: tags are shared with your team and filter `/whoknows`, digests and the Home tab."),
        input_block("tags", "Tags", element, optional=True),
    ]
    return modal(TAGS_MODAL_ID, "Tags", blocks, private_metadata=private_metadata)
