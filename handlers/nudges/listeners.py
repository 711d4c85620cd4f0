"""Nudge digests in Slack: the DM, its buttons (log it, snooze, not relevant) and the settings form."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import time
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from handlers.home.listeners import publish_home
from handlers.kit.actor import actor_of
from handlers.kit.blockkit import truncate
from handlers.kit.blocks import Block, button, context, dm, notice, section
from handlers.kit.deps import AckFn, Deps
from handlers.kit.errors import ack_only, guarded
from handlers.kit.forms import (
    FormErrors,
    ack_form,
    answer,
    answers,
    checkboxes,
    choice,
    input_block,
    modal,
    problems_in,
    selected,
    text_input,
    text_of,
    ticked,
)
from handlers.kit.profiles import form_metadata, member_profile
from handlers.logcall import views
from handlers.nudges import wording
from models.core.nudges import DigestItem, Frequency, NudgeKind
from models.core.weekdays import WEEKDAYS
from models.delivery.outbox import OutgoingMessage
from models.nudges import digests
from models.nudges import settings as settings_service

SETTINGS_MODAL_ID = "nudge_settings_modal"

_KIND_EMOJI = {
    NudgeKind.NEGLECTED: ":hourglass_flowing_sand:",
    NudgeKind.ONE_SIDED: ":left_right_arrow:",
    NudgeKind.LUNCH: ":fork_and_knife:",
    NudgeKind.KICK_START: ":seedling:",
    NudgeKind.RATE: ":memo:",
    NudgeKind.FRESH_AIR: ":wind_face:",
}


def _words(stored: dict[str, Any], item: DigestItem) -> tuple[str, str]:
    """The item's headline and reason; a digest composed before the words moved here carries its own."""
    if all(key in stored for key in digests.WORDED_KEYS):
        return stored["headline"], stored["reason"]
    return wording.headline(item), wording.reason(item)


def digest_message(message: OutgoingMessage) -> dict[str, Any]:
    """The digest DM: the few most valuable items, each with its three buttons."""
    items = digests.items_from_data(message.payload["items"])
    settings = digests.settings_from_data(message.payload["settings"])
    weekly = settings.frequency is Frequency.WEEKLY
    head = ":wave: *Your relationships this week*" if weekly else ":wave: *Your relationships today*"
    blocks: list[Block] = [section(head)]
    for item, (said, why) in zip(items, map(_words, message.payload["items"], items), strict=True):
        value = json.dumps({"c": item.contact_id, "k": item.kind.value})
        blocks.append(section(f"{_KIND_EMOJI.get(item.kind, '•')} *{truncate(said, 300)}*\n{truncate(why, 1500)}"))
        blocks.append(
            {
                "type": "actions",
                "block_id": f"nudge_{item.kind.value}_{item.contact_id}",
                "elements": [
                    button(
                        "Log it",
                        "nudge_log",
                        json.dumps({"c": item.contact_id, "n": item.contact_name, "co": item.company}),
                        style="primary",
                    ),
                    button("Snooze 2 weeks", "nudge_snooze", value),
                    button("Not relevant", "nudge_mute", value),
                ],
            }
        )
    schedule = describe_schedule(settings.frequency, settings.local_time, settings.days)
    blocks.append({"type": "divider"})
    blocks.append(
        {
            "type": "actions",
            "block_id": "nudge_footer",
            "elements": [button("Settings", "nudge_settings", "settings")],
        }
    )
    blocks.append(
        context(f"You get this {schedule} ({settings.time_zone}). An item you ignore comes back less and less often.")
    )
    fallback = f"{len(items)} relationship" + ("s" if len(items) != 1 else "") + " to look after"
    return dm(blocks, fallback=fallback)


def describe_schedule(frequency: Frequency, at: time, days: tuple[str, ...]) -> str:
    clock = at.strftime("%H:%M")
    if frequency is Frequency.WEEKLY:
        return f"every week on {days[0].capitalize()} at {clock}"
    if days == WEEKDAYS[:5]:
        return f"at {clock} on weekdays"
    if days == WEEKDAYS:
        return f"at {clock} every day"
    return f"at {clock} on " + ", ".join(day.capitalize() for day in days)


# Buttons -----------------------------------------------------------------------------------------
def log_it(deps: Deps, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    data = json.loads(action["value"])
    profile = member_profile(deps, client, actor_of(context))
    today = deps.clock().astimezone(profile.zone).date().isoformat()
    modal = views.logcall_modal(
        today, form_metadata(profile), prefill_contacts=data.get("n") or "", prefill_company=data.get("co") or ""
    )
    client.views_open(trigger_id=body["trigger_id"], view=modal)


def snooze_item(deps: Deps, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    data = json.loads(action["value"])
    until = digests.snooze(deps.uow(), actor_of(context), int(data["c"]), NudgeKind(data["k"]), deps.clock())
    respond(
        text=f":zzz: Snoozed for two weeks, until {until:%a %d %b}.", replace_original=False, response_type="ephemeral"
    )


def mute_item(deps: Deps, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    data = json.loads(action["value"])
    digests.mute(deps.uow(), actor_of(context), int(data["c"]), NudgeKind(data["k"]))
    respond(
        text=":mute: Understood: no more of this kind of reminder about them.",
        replace_original=False,
        response_type="ephemeral",
    )


def open_settings(deps: Deps, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    current = settings_service.nudge_settings(deps.uow(), actor_of(context))
    client.views_open(trigger_id=body["trigger_id"], view=settings_modal(current))


@dataclass(frozen=True)
class SettingsAnswers:
    """The digest settings form, read."""

    frequency: Frequency
    at: time
    days: tuple[str, ...]
    cadences: dict[str, int]
    lead: int | None
    only_tags: tuple[str, ...]


def read_settings(view: dict[str, Any]) -> SettingsAnswers:
    """The settings form's answers; raises FormErrors naming each field that is wrong."""
    values = answers(view)
    errors: dict[str, str] = {}
    frequency = selected(values, "frequency") or "daily"
    at_text = answer(values, "time").get("selected_time") or "09:00"
    days = ticked(values, "days")
    if not days and frequency != Frequency.OFF.value:
        errors["days"] = "Pick at least one day."
    try:
        cadences = settings_service.parse_cadences(text_of(values, "cadences"))
    except ValueError as problem:
        errors["cadences"] = str(problem)
        cadences = {}
    try:
        only_tags = settings_service.parse_digest_tags(text_of(values, "only_tags"))
    except ValueError as problem:
        errors["only_tags"] = str(problem)
        only_tags = ()
    lead_text = text_of(values, "lead")
    lead: int | None = None
    if lead_text:
        try:
            lead = settings_service.parse_lead(lead_text)
        except ValueError as problem:
            errors["lead"] = str(problem)
    if errors:
        raise FormErrors(errors)
    chosen_days = tuple(d for d in WEEKDAYS if d in days)
    return SettingsAnswers(Frequency(frequency), time.fromisoformat(at_text), chosen_days, cadences, lead, only_tags)


def check_settings(ack: AckFn, view: dict[str, Any]) -> None:
    """The settings form's quick part: errors under the fields, else the acknowledgement."""
    ack_form(ack, problems_in(read_settings, view))


def save_settings(deps: Deps, view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """After the acknowledgement: save the settings, refresh the Home tab, confirm by DM."""
    try:
        answers = read_settings(view)
    except FormErrors:
        return  # shown under the fields by the acknowledgement
    actor = actor_of(context)
    saved = settings_service.save_nudge_settings(
        deps.uow(),
        actor,
        answers.frequency,
        answers.at,
        answers.days,
        answers.cadences,
        briefing_lead_minutes=answers.lead,
        only_tags=answers.only_tags,
    )
    publish_home(deps, client, actor)
    schedule = (
        "off" if saved.frequency is Frequency.OFF else describe_schedule(saved.frequency, saved.local_time, saved.days)
    )
    client.chat_postMessage(channel=actor.user_id, **notice(f"Saved: your relationship digest comes {schedule}."))


def settings_modal(current: settings_service.NudgeSettings) -> dict[str, Any]:
    return modal(SETTINGS_MODAL_ID, "Digest settings", [*_schedule_inputs(current), *_preference_inputs(current)])


#: How often the digest comes, as the form offers it.
_FREQUENCIES = [("daily", "Daily"), ("weekly", "Weekly"), ("off", "Off")]


def _schedule_inputs(current: settings_service.NudgeSettings) -> list[Block]:
    """When the digest comes: how often, at what time, on which days."""
    at = {"type": "timepicker", "action_id": "time", "initial_time": current.local_time.strftime("%H:%M")}
    days = checkboxes("days", [(day, day.capitalize()) for day in WEEKDAYS], current.days)
    return [
        input_block(
            "frequency", "How often", choice("radio_buttons", "frequency", _FREQUENCIES, current.frequency.value)
        ),
        input_block("time", f"At (your time, {current.time_zone})", at),
        input_block("days", "On", days, optional=True),
    ]


def _preference_inputs(current: settings_service.NudgeSettings) -> list[Block]:
    """What the digest is about (cadences by tag, only some tags), and the briefings' lead."""
    cadence_text = ", ".join(f"{tag}={days}" for tag, days in sorted(current.cadences.items()))
    cadences = text_input("cadences", "client=30, friend=90", initial=cadence_text, max_length=500)
    only_tags = text_input("only_tags", initial=", ".join(current.only_tags), max_length=300)
    lead = text_input("lead", initial=str(current.briefing_lead_minutes), max_length=4)
    return [
        input_block(
            "cadences",
            "Stay in touch, by tag (days)",
            cadences,
            optional=True,
            hint="Contacts tagged #client need a conversation every 30 days, #friend every 90…",
        ),
        input_block(
            "only_tags",
            "Only about contacts tagged",
            only_tags,
            optional=True,
            hint="Empty: about everyone. For example: client, prospect",
        ),
        input_block("lead", "Briefings: minutes before each meeting", lead, optional=True),
    ]


def register(app: App) -> None:
    app.action("nudge_log")(ack=ack_only, lazy=[guarded(log_it)])
    app.action("nudge_snooze")(ack=ack_only, lazy=[guarded(snooze_item)])
    app.action("nudge_mute")(ack=ack_only, lazy=[guarded(mute_item)])
    app.action("nudge_settings")(ack=ack_only, lazy=[guarded(open_settings)])

    app.view(SETTINGS_MODAL_ID)(ack=check_settings, lazy=[guarded(save_settings)])
