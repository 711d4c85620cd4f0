"""Briefings in Slack: `/prep`, the DM before a meeting, its context form, and the follow-up after it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from handlers.briefings import calendar as calendar_words
from handlers.kit.actor import actor_of
from handlers.kit.blockkit import truncate
from handlers.kit.blocks import Block, button, context, dm, message, section
from handlers.kit.deps import AckFn, Deps
from handlers.kit.errors import ack_only, guarded
from handlers.kit.forms import ack_form, answer, answers, choice, input_block, modal, selected, text_input, text_of
from handlers.kit.mrkdwn import unescape
from handlers.kit.profiles import member_profile
from handlers.kit.replies import response_url_of, send_reply
from handlers.kit.usage import ack_with_usage, usage_reply
from handlers.logcall import views
from handlers.network import views as network_views
from handlers.nudges import wording
from models.briefings import feeds as calendar_sync
from models.briefings import service as briefings
from models.briefings.service import Briefing, ContactBriefing, MeetingContextForm
from models.core.dates import format_when
from models.core.errors import Usage
from models.core.limits import CAMPAIGN
from models.core.objectives import DecisionRole, Objective, ObjectiveKind
from models.core.values import CHANNEL_LABELS, Actor, Initiator
from models.delivery.outbox import OutgoingMessage
from models.network.whoknows import ChooseTarget, NobodyKnows

CONTEXT_MODAL_ID = "meeting_context_modal"
_OBJECTIVE_LABEL = {
    ObjectiveKind.ADVANCE: "Advance the campaign",
    ObjectiveKind.GATHER: "Gather relationship intelligence",
    ObjectiveKind.NURTURE: "Nurture the relationship",
}
_ROLE_OPTIONS = [
    ("decides", "Decides"),
    ("influences", "Influences the decision"),
    ("none", "No part in the decision"),
    ("unknown", "Don't know"),
]
_CONCERN_OPTIONS = [("yes", "Concerned by the subject"), ("no", "Not concerned"), ("unknown", "Don't know")]


# Rendering -----------------------------------------------------------------------------------------
def briefing_message(
    briefing: Briefing, now: datetime, zone: ZoneInfo, heading: str = ":clipboard: *Briefing*"
) -> dict[str, Any]:
    blocks: list[Block] = []
    meeting = briefing.meeting
    if meeting is not None:
        when = format_when(meeting.starts_at.astimezone(zone), True, now, zone)
        lines = [f"{heading}: {truncate(meeting.title, 200)}, {when}"]
        facts = [
            f"*Topic:* {meeting.topic}" if meeting.topic else "",
            f"*Trigger event:* {meeting.trigger_event}" if meeting.trigger_event else "",
            f"*Campaign:* {meeting.campaign}" if meeting.campaign else "",
        ]
        lines += [fact for fact in facts if fact]
        blocks.append(section("\n".join(lines)))
    else:
        blocks.append(section(f"{heading}: no meeting scheduled with them yet"))
    for entry in briefing.contacts:
        blocks.append({"type": "divider"})
        blocks.extend(_contact_blocks(entry, now, zone))
    if briefing.others:
        blocks.append(context("Also attending: " + ", ".join(briefing.others)))
    elements = []
    if meeting is not None:
        elements.append(button("Set the context", "meeting_context", str(meeting.id), style="primary"))
    if elements:
        blocks.append({"type": "actions", "block_id": "briefing_actions", "elements": elements})
    names = ", ".join(entry.person.name for entry in briefing.contacts)
    return message(blocks, fallback=f"Briefing: {names}")


def _contact_blocks(entry: ContactBriefing, now: datetime, zone: ZoneInfo) -> list[Block]:
    person, report = entry.person, entry.report
    who = f"*{person.name}*" + "".join(f", {part}" for part in (person.job_title, person.company) if part)
    lines = [f":bust_in_silhouette: {who}"]
    if entry.responsibilities:
        lines.append(f"What they do: {entry.responsibilities}")
    if report.score.unknown:
        lines.append(":mag: *Find out in this meeting:* " + "; ".join(report.score.unknown))
    blocks: list[Block] = [section("\n".join(lines))]

    relation = [
        f"*Relationship:* score *{report.score.total:+d}* · strength {report.strength.value:.2f} ({report.band})"
    ]
    relation += [
        f"{s.number}. {s.name}: {s.explanation} ({s.points:+d})" if s.known else f"{s.number}. {s.name}: unknown"
        for s in report.score.signs
    ]
    for past in entry.recent:
        who_started = (
            {Initiator.ME: ", you reached out", Initiator.THEM: ", they reached out"}.get(past.initiator, "")
            if past.initiator
            else ""
        )
        line = f"• {format_when(past.occurred_at.astimezone(zone), True, now, zone)}: {CHANNEL_LABELS[past.channel]}{who_started}"
        if past.notes:
            line += f" — _{truncate(past.notes, 200)}_"
        relation.append(line)
    if not entry.recent:
        relation.append("• No conversation logged yet.")
    relation += [f":warning: {wording.flag(nudge)}" for nudge in entry.nudges]
    blocks.append(section(truncate("\n".join(relation), 2900)))

    if entry.team_at_account or entry.route_to_concerned:
        account_lines = []
        if entry.team_at_account:
            known = ", ".join(f"{t.person.name} ({t.band} {t.strength:.2f})" for t in entry.team_at_account)
            account_lines.append(f":office: *Also at {person.company}:* {known}")
        if entry.route_to_concerned:
            target, route = entry.route_to_concerned
            via = "you know them" if route.is_direct else f"via {route.hops[0].to.name}"
            account_lines.append(f"Best route to {target.name}, who is concerned: {via} (chance {route.chance:.2f})")
        blocks.append(section("\n".join(account_lines)))

    plan = entry.plan
    objectives = [
        _objective_text(":dart: *Primary*", plan.primary),
        _objective_text(":leftwards_arrow_with_hook: *Secondary*", plan.secondary),
        f"*Switch when:* {plan.switch_when}",
        f"*Why they would help:* {plan.why_they_help}",
        "*Ask:*\n" + "\n".join(f"• {q}" for q in plan.questions),
    ]
    blocks.append(section(truncate("\n".join(objectives), 2900)))
    return blocks


def _objective_text(label: str, objective: Objective) -> str:
    return f"{label}: {_OBJECTIVE_LABEL[objective.kind]}. {objective.goal}\n_Why: {objective.reason}_"


def follow_up_message(message_: OutgoingMessage) -> dict[str, Any]:
    data = message_.payload
    names = ", ".join(data.get("contacts") or []) or "your contacts"
    text = f":speech_balloon: How did it go with *{names}*? Log it while it's fresh: it keeps the relationship's score true."
    value = json.dumps({k: data.get(k) for k in ("contacts", "company", "channel", "date", "time")})
    blocks: list[Block] = [
        section(text),
        {
            "type": "actions",
            "block_id": "follow_up",
            "elements": [button("Log it", "follow_up_log", value[:2000], style="primary")],
        },
    ]
    return dm(blocks, fallback=f"How did it go with {names}?")


def briefing_dm(deps: Deps) -> Callable[[OutgoingMessage], dict[str, Any]]:
    """Renders a briefing when it is sent, from the freshest data."""

    def render(message_: OutgoingMessage) -> dict[str, Any]:
        now = deps.clock()
        briefing = briefings.briefing_for_meeting(
            deps.uow(), message_.team_id, message_.slack_user_id, int(message_.payload["meeting_id"]), now
        )
        zone = _member_zone(deps, message_)
        payload = briefing_message(briefing, now, zone, heading=":clipboard: *Your meeting is coming up*")
        return {"text": payload["text"], "blocks": payload["blocks"]}

    return render


def _member_zone(deps: Deps, message_: OutgoingMessage) -> ZoneInfo:
    from models.logcall import service as services

    cached = services.cached_profile(deps.uow(), Actor(message_.team_id, message_.slack_user_id), deps.clock())
    return cached.zone if cached else ZoneInfo("UTC")


# /prep ---------------------------------------------------------------------------------------------
def prep_command(deps: Deps, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    text = unescape(body.get("text") or "").strip()  # Slack escapes &, < and > in a command's text
    if usage_reply(Usage.PREP, text) is not None:
        return  # the acknowledgement showed the usage
    actor = actor_of(context)
    profile = member_profile(deps, client, actor)
    words = text.split(maxsplit=1)
    if words[0].lower() == "calendar":
        argument = words[1].strip() if len(words) > 1 else ""
        if argument.lower() == "upload":
            from handlers.home.listeners import open_calendar

            open_calendar(deps, body, client, context)
        else:
            respond(**calendar_reply(deps, client, actor, argument))
        return
    now = deps.clock()
    result = briefings.prep(deps.uow(), actor, text, now)
    respond(**render_prep(result, now, profile.zone))


def render_prep(result: Briefing | ChooseTarget | NobodyKnows, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    if isinstance(result, ChooseTarget):
        return network_views.choose_target_message(result, action="prep_target")
    if isinstance(result, NobodyKnows):
        return network_views.nobody_knows_message(result)
    return briefing_message(result, now, zone)


def calendar_reply(deps: Deps, client: WebClient, actor: Actor, argument: str) -> dict[str, Any]:
    """`/prep calendar [address|off]`: the answer comes at once; reading a new address follows by DM."""
    from handlers.home.listeners import read_calendar_and_tell

    if calendar_sync.switches_off(argument):
        calendar_sync.remove_feed(deps.uow(), actor)
        return message([section(calendar_words.STOPPED_BY_COMMAND)], fallback="Calendar removed")
    if argument:
        saved = calendar_sync.set_feed_url(deps.uow(), actor, argument.strip("<>"))
        if isinstance(saved, calendar_sync.Saved):
            read_calendar_and_tell(deps, client, actor, saved.feed_id)
        status = calendar_words.saved_text(saved)
    else:
        status = calendar_words.status_text(calendar_sync.feed_status(deps.uow(), actor))
    return message([section(status)], fallback=status)


def pick_prep_target(
    deps: Deps, action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    choice = json.loads(action["value"])
    actor = actor_of(context)
    profile = member_profile(deps, client, actor)
    now = deps.clock()
    result: Briefing | NobodyKnows
    if choice["k"] == "account":
        result = briefings.prep_account(deps.uow(), actor, int(choice["id"]), now)
    else:
        result = briefings.prep_contact(deps.uow(), actor, int(choice["id"]), now)
    respond(**render_prep(result, now, profile.zone), replace_original=True)


# The meeting's context ----------------------------------------------------------------------------
def open_context(
    deps: Deps, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    form = briefings.meeting_context(deps.uow(), actor_of(context), int(action["value"]))
    metadata = json.dumps({"meeting_id": form.meeting.id, "response_url": body.get("response_url")})
    client.views_open(trigger_id=body["trigger_id"], view=context_modal(form, metadata))


def context_modal(form: MeetingContextForm, private_metadata: str) -> dict[str, Any]:
    meeting = form.meeting
    blocks: list[Block] = [
        section(f"*{truncate(meeting.title, 200)}*: what you know of the moment, the subject and the people."),
        _text_input(
            "trigger_event",
            "Trigger event (why now?)",
            meeting.trigger_event,
            "A new CFO, a budget freeze, an incident…",
        ),
        _text_input("topic", "Topic", meeting.topic, "What the conversation is about"),
        _text_input("campaign", "Campaign or opportunity", meeting.campaign, "ACME renewal 2027"),
    ]
    for attendee in form.attendees[:10]:
        concern = {True: "yes", False: "no", None: "unknown"}[attendee.concerned]
        role = attendee.decision_role.value if attendee.decision_role else "unknown"
        name, contact_id = attendee.name, attendee.contact_id
        blocks.append(
            _choice(f"concerned_{contact_id}", f"{name}: concerned?", "radio_buttons", _CONCERN_OPTIONS, concern)
        )
        blocks.append(
            _choice(f"role_{contact_id}", f"{name}: part in the decision", "static_select", _ROLE_OPTIONS, role)
        )
    return modal(CONTEXT_MODAL_ID, "Meeting context", blocks, private_metadata=private_metadata)


def _text_input(block_id: str, label: str, initial: str | None, placeholder: str) -> Block:
    """An optional text field of the context form (its action id is its block id); the campaign on one line."""
    one_line = block_id == "campaign"
    element = text_input(
        block_id, placeholder, multiline=not one_line, initial=initial, max_length=CAMPAIGN.limit if one_line else 1000
    )
    return input_block(block_id, label, element, optional=True)


def _choice(block_id: str, label: str, kind: str, choices: list[tuple[str, str]], chosen: str) -> Block:
    """An optional choice of the context form, among (value, label) `choices`, `chosen` picked; its action id
    is what the block id names ("concerned_12" → "concerned")."""
    return input_block(block_id, label, choice(kind, block_id.rsplit("_", 1)[0], choices, chosen), optional=True)


def _context_problems(view: dict[str, Any]) -> dict[str, str]:
    """What is wrong with the meeting context form, by block: only a campaign name too long to keep."""
    return {} if CAMPAIGN.fits(text_of(answers(view), "campaign")) else {"campaign": CAMPAIGN.too_long}


def check_context(ack: AckFn, view: dict[str, Any]) -> None:
    """The context form's quick part: errors under the fields, else the acknowledgement."""
    ack_form(ack, _context_problems(view))


def save_context(
    deps: Deps, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """After the acknowledgement: save what the member knows of the meeting, answer with the new briefing."""
    if _context_problems(view):
        return  # shown under the fields by the acknowledgement
    values = answers(view)
    metadata = json.loads(view["private_metadata"])

    def text(block_id: str) -> str | None:
        return answer(values, block_id).get("value")

    attendees: list[tuple[int, bool | None, DecisionRole | None]] = []
    for block_id in values:
        match = re.fullmatch(r"concerned_(\d+)", block_id)
        if not match:
            continue
        contact_id = int(match[1])
        concern = selected(values, block_id) or "unknown"
        role = selected(values, f"role_{contact_id}") or "unknown"
        attendees.append(
            (
                contact_id,
                {"yes": True, "no": False}.get(concern),
                DecisionRole(role) if role in {r.value for r in DecisionRole} else None,
            )
        )
    actor = actor_of(context)
    profile = member_profile(deps, client, actor)
    now = deps.clock()
    saved = briefings.save_meeting_context(
        deps.uow(),
        actor,
        int(metadata["meeting_id"]),
        text("trigger_event"),
        text("topic"),
        text("campaign"),
        attendees,
        now,
    )
    briefing = briefings.briefing_for_meeting(deps.uow(), actor.team_id, actor.user_id, saved.meeting.id, now)
    send_reply(
        client,
        response_url_of(body),
        actor.user_id,
        briefing_message(briefing, now, profile.zone, heading=":memo: *Saved: your briefing now reads*"),
    )


def log_after_meeting(
    deps: Deps, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    data = json.loads(action["value"])
    modal = views.logcall_modal(
        data.get("date") or deps.clock().date().isoformat(),
        json.dumps({}),
        prefill_contacts=", ".join(data.get("contacts") or []),
        prefill_company=data.get("company") or "",
        prefill_time=data.get("time"),
        prefill_channel=data.get("channel") or None,
    )
    client.views_open(trigger_id=body["trigger_id"], view=modal)


def register(app: App) -> None:
    app.command("/prep")(ack=ack_with_usage(Usage.PREP), lazy=[guarded(prep_command)])
    app.action(re.compile(r"^prep_target"))(ack=ack_only, lazy=[guarded(pick_prep_target)])
    app.action("meeting_context")(ack=ack_only, lazy=[guarded(open_context)])
    app.action("follow_up_log")(ack=ack_only, lazy=[guarded(log_after_meeting)])

    app.view(CONTEXT_MODAL_ID)(ack=check_context, lazy=[guarded(save_context)])
