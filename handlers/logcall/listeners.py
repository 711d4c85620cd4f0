"""`/logcall`: the slash command, its modal, and the buttons on its reply (choose, undo, rate)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from handlers.kit.actor import actor_of
from handlers.kit.blocks import message, section
from handlers.kit.deps import AckFn, Deps
from handlers.kit.errors import ack_only, guarded
from handlers.kit.forms import FormErrors, State, ack_form, answers, problems_in, text_of
from handlers.kit.profiles import form_metadata, form_zone, member_profile
from handlers.kit.replies import response_url_of, send_reply
from handlers.kit.usage import is_help, usage_message
from handlers.logcall import forms, views
from models.core.errors import Usage
from models.core.grammar import parse_logcall, parse_tags
from models.core.values import Actor, LogCallCommand, MemberProfile
from models.logcall import service as services
from models.logcall.service import Logged, NeedsChoice, Scheduled


def render(result: Logged | Scheduled | NeedsChoice, profile: MemberProfile, deps: Deps) -> dict[str, Any]:
    if isinstance(result, NeedsChoice):
        return views.choice_message(result)
    if isinstance(result, Scheduled):
        return views.scheduled_message(result, deps.clock(), profile.zone)
    return views.logged_message(result, deps.clock(), profile.zone)


# The slash command -------------------------------------------------------------------------------
def logcall_command(
    deps: Deps, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    text = (body.get("text") or "").strip()
    if is_help(text):
        return  # the acknowledgement showed the usage
    actor = actor_of(context)
    profile = member_profile(deps, client, actor)
    if not text:
        metadata = form_metadata(profile, response_url=body.get("response_url"), channel_id=body.get("channel_id"))
        today = deps.clock().astimezone(profile.zone).date().isoformat()
        client.views_open(trigger_id=body["trigger_id"], view=views.logcall_modal(today, metadata))
        return
    now = deps.clock()
    command = parse_logcall(text, now, profile.zone)
    result = services.log_call(deps.uow(), actor, command, request_key=f"command:{body['trigger_id']}", now=now)
    respond(**render(result, profile, deps))
    learn_colleagues(deps, client, actor, command.colleagues)
    refresh_home(deps, client, actor)


#: How each /logcall-like form (the form itself, or the next meeting's) is read into a command.
FORM_READERS: dict[str, Callable[[State, datetime, ZoneInfo], LogCallCommand]] = {
    views.LOGCALL_MODAL_ID: forms.logcall_command_from_state,
    views.SCHEDULE_MODAL_ID: forms.schedule_command_from_state,
}


def submit_logcall_form(
    deps: Deps, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """A /logcall-like form (the form itself, or the next meeting's), after its acknowledgement: record it, reply."""
    actor = actor_of(context)
    zone = form_zone(deps, view, actor)
    now = deps.clock()
    try:
        command = FORM_READERS[view["callback_id"]](answers(view), now, zone)
    except FormErrors:
        return  # the acknowledgement showed them under the fields: nothing to do
    result = services.log_call(deps.uow(), actor, command, request_key=f"view:{view['id']}", now=now, source="modal")
    reply(client, body, actor, render(result, MemberProfile(display_name="", time_zone=zone.key), deps))
    learn_colleagues(deps, client, actor, command.colleagues)
    refresh_home(deps, client, actor)


def check_logcall_form(deps: Deps, ack: AckFn, view: dict[str, Any], context: BoltContext) -> None:
    """A /logcall-like form's quick part: errors under the fields, else the acknowledgement; never a Slack call."""
    read_form = FORM_READERS[view["callback_id"]]
    ack_form(ack, problems_in(read_form, answers(view), deps.clock(), form_zone(deps, view, actor_of(context))))


def refresh_home(deps: Deps, client: WebClient, actor: Actor) -> None:
    """The Home tab follows what changed (after the reply, at most once a minute per member)."""
    from handlers.home.listeners import publish_home_soon

    publish_home_soon(deps, client, actor)


def learn_colleagues(deps: Deps, client: WebClient, actor: Actor, user_ids: tuple[str, ...]) -> None:
    """Colleagues mentioned for the first time get their Slack name, so routes can name them."""
    for user_id in user_ids:
        if user_id != actor.user_id:
            member_profile(deps, client, Actor(team_id=actor.team_id, user_id=user_id))


# Buttons on the reply ------------------------------------------------------------------------------
def choose_contact(
    deps: Deps, action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    actor = actor_of(context)
    profile = member_profile(deps, client, actor)
    pending_id, slot, contact_id = views.parse_choice_value(action["value"])
    result = services.choose_contact(deps.uow(), actor, pending_id, slot, contact_id, deps.clock())
    respond(**render(result, profile, deps), replace_original=True)


def undo(deps: Deps, action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    actor = actor_of(context)
    profile = member_profile(deps, client, actor)
    result = services.undo_interaction(deps.uow(), actor, int(action["value"]), deps.clock())
    respond(**views.undone_message(result, deps.clock(), profile.zone))


def open_rating(
    deps: Deps, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    form = services.rating_form(deps.uow(), actor_of(context), int(action["value"]))
    metadata = json.dumps({"contact_id": form.contact_id, "response_url": body.get("response_url")})
    client.views_open(trigger_id=body["trigger_id"], view=views.rating_modal(form, metadata))


def check_rating(ack: AckFn, view: dict[str, Any]) -> None:
    """The rating form's quick part: a cadence that is not a number of days shows under its field."""
    ack_form(ack, problems_in(forms.rating_from_state, answers(view)))


def rating_submission(
    deps: Deps, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """After the acknowledgement: save the rating, reply with the new score, refresh the Home tab."""
    try:
        rating = forms.rating_from_state(answers(view))
    except FormErrors:
        return  # shown under the field by the acknowledgement
    actor = actor_of(context)
    profile = member_profile(deps, client, actor)
    contact_id = int(json.loads(view["private_metadata"])["contact_id"])
    report = services.rate_tie(deps.uow(), actor, contact_id, rating, deps.clock())
    reply(client, body, actor, views.rated_message(report, deps.clock(), profile.zone))
    refresh_home(deps, client, actor)


def log_message_shortcut(
    deps: Deps, body: dict[str, Any], shortcut: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """“Log as interaction” on any message: the /logcall form with the message as notes, on its day."""
    actor = actor_of(context)
    profile = member_profile(deps, client, actor)
    message = shortcut.get("message") or {}
    posted = datetime.fromtimestamp(float(message.get("ts") or deps.clock().timestamp()), UTC).astimezone(profile.zone)
    notes = (message.get("text") or "")[:2900]
    metadata = form_metadata(profile, response_url=shortcut.get("response_url"))
    modal = views.logcall_modal(
        posted.date().isoformat(),
        metadata,
        prefill_notes=notes,
        prefill_time=posted.strftime("%H:%M"),
        prefill_channel="chat",
    )
    client.views_open(trigger_id=body["trigger_id"], view=modal)


def open_schedule(
    deps: Deps, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    actor = actor_of(context)
    profile = member_profile(deps, client, actor)
    who = services.interaction_people(deps.uow(), actor, int(action["value"]))
    metadata = form_metadata(profile, response_url=body.get("response_url"))
    today = deps.clock().astimezone(profile.zone).date().isoformat()
    client.views_open(trigger_id=body["trigger_id"], view=views.schedule_modal(today, who.names, who.company, metadata))


def open_tags(
    deps: Deps, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The contact's overflow menu: edit their tags."""
    choice = json.loads((action.get("selected_option") or {}).get("value") or "{}")
    contact_id = int(choice["c"])
    name, tags = services.contact_tags_of(deps.uow(), actor_of(context), contact_id)
    metadata = json.dumps({"contact_id": contact_id, "response_url": body.get("response_url")})
    client.views_open(trigger_id=body["trigger_id"], view=views.tags_modal(contact_id, name, tags, metadata))


def tags_submission(
    deps: Deps, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """After the acknowledgement: save the contact's tags and say which they are now."""
    actor = actor_of(context)
    contact_id = int(json.loads(view["private_metadata"])["contact_id"])
    tags = parse_tags(text_of(answers(view), "tags"))
    saved = services.set_contact_tags(deps.uow(), actor, contact_id, tags)
    shown = " ".join(f"#{tag}" for tag in saved) or "no tags"
    reply(
        client,
        body,
        actor,
        message([section(f":label: Tags saved: {shown}")], fallback=f"Tags saved: {shown}"),
    )


def reply(client: WebClient, body: dict[str, Any], actor: Actor, payload: dict[str, Any]) -> None:
    """Answer a modal: ephemerally where the command was typed, else in the app's DM with the member."""
    send_reply(client, response_url_of(body), actor.user_id, payload)


def ack_logcall(ack: AckFn, body: dict[str, Any]) -> None:
    """/logcall's quick part: the usage for `help`, else a plain acknowledgement."""
    if is_help((body.get("text") or "").strip()):
        ack(**usage_message(Usage.LOGCALL))
    else:
        ack()


def register(app: App) -> None:
    """Commands, buttons and shortcuts ack at once and work on another thread; forms validate first."""
    app.command("/logcall")(ack=ack_logcall, lazy=[guarded(logcall_command)])
    app.action(re.compile(r"^logcall_choose_"))(ack=ack_only, lazy=[guarded(choose_contact)])
    app.action("logcall_undo")(ack=ack_only, lazy=[guarded(undo)])
    app.action("logcall_rate")(ack=ack_only, lazy=[guarded(open_rating)])
    app.shortcut("log_message_shortcut")(ack=ack_only, lazy=[guarded(log_message_shortcut)])
    app.action("logcall_schedule")(ack=ack_only, lazy=[guarded(open_schedule)])
    app.action("contact_menu")(ack=ack_only, lazy=[guarded(open_tags)])
    # Forms: checked (no Slack call) and acknowledged first; the work follows, as for commands.
    for callback_id in FORM_READERS:
        app.view(callback_id)(ack=check_logcall_form, lazy=[guarded(submit_logcall_form)])
    app.view(views.RATE_MODAL_ID)(ack=check_rating, lazy=[guarded(rating_submission)])
    app.view(views.TAGS_MODAL_ID)(ack=ack_only, lazy=[guarded(tags_submission)])
