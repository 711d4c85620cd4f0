"""`/whoknows`: ranked introduction routes to a person or a company, and asking for the introduction."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from handlers.kit.actor import actor_of
from handlers.kit.deps import AckFn, Deps
from handlers.kit.errors import ack_only, guarded
from handlers.kit.forms import ack_form
from handlers.kit.mrkdwn import unescape
from handlers.kit.profiles import member_profile
from handlers.kit.replies import response_url_of, send_reply
from handlers.kit.usage import ack_with_usage, usage_reply
from handlers.kit.wording import error_text
from handlers.network import views as network_views
from models.core.errors import Usage, UsageError
from models.core.values import MemberProfile
from models.network import introductions, whoknows
from models.network.whoknows import ChooseTarget, CompanyRoutes, NobodyKnows, PersonRoutes, WhoKnowsResult


def render(result: WhoKnowsResult, deps: Deps, profile: MemberProfile) -> dict[str, Any]:
    now = deps.clock()
    if isinstance(result, PersonRoutes):
        return network_views.person_routes_message(result, now, profile.zone)
    if isinstance(result, CompanyRoutes):
        return network_views.company_message(result, now, profile.zone)
    if isinstance(result, ChooseTarget):
        return network_views.choose_target_message(result)
    if isinstance(result, NobodyKnows):
        return network_views.nobody_knows_message(result)
    raise TypeError(f"unexpected result {result!r}")


def whoknows_command(
    deps: Deps, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    text = unescape(body.get("text") or "").strip()  # Slack escapes &, < and > in a command's text
    if usage_reply(Usage.WHOKNOWS, text) is not None:
        return  # the acknowledgement showed the usage
    actor = actor_of(context)
    profile = member_profile(deps, client, actor)
    respond(**render(whoknows.who_knows(deps.uow(), actor, text, deps.clock()), deps, profile))


def pick_target(deps: Deps, action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    choice = json.loads(action["value"])
    actor = actor_of(context)
    profile = member_profile(deps, client, actor)
    result: WhoKnowsResult
    if choice["k"] == "account":
        result = whoknows.routes_to_account(deps.uow(), actor, int(choice["id"]))
    else:
        result = whoknows.routes_to_contact(deps.uow(), actor, int(choice["id"]))
    respond(**render(result, deps, profile), replace_original=action["action_id"] != "whoknows_target")


def more_routes(deps: Deps, action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    page = json.loads(action["value"])
    actor = actor_of(context)
    profile = member_profile(deps, client, actor)
    result = whoknows.routes_to_contact(deps.uow(), actor, int(page["t"]), offset=int(page["o"]))
    respond(**render(result, deps, profile), replace_original=True)


def open_intro(
    deps: Deps, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    route = json.loads(action["value"])
    draft = introductions.prepare_introduction(
        deps.uow(), actor_of(context), int(route["t"]), route.get("m"), route.get("c")
    )
    metadata = json.dumps({**route, "response_url": body.get("response_url")})
    client.views_open(trigger_id=body["trigger_id"], view=network_views.intro_modal(draft, metadata))


def check_intro(ack: AckFn, view: dict[str, Any]) -> None:
    """The introduction form's quick part: the message is checked under its field, else acknowledged."""
    problems: dict[str, str] = {}
    try:
        introductions.check_message(_intro_text(view))
    except UsageError as problem:
        problems["message"] = error_text(problem)
    ack_form(ack, problems)


def submit_intro(
    deps: Deps, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """After the acknowledgement: record the request, DM the introducer, tell the asker."""
    text = _intro_text(view)
    try:
        introductions.check_message(text)
    except UsageError:
        return  # shown under the field by the acknowledgement
    actor = actor_of(context)
    route = json.loads(view["private_metadata"])
    request = introductions.request_introduction(
        deps.uow(), actor, int(route["t"]), route.get("m"), route.get("c"), text, f"view:{view['id']}", deps.clock()
    )
    if request.to_slack_user_id and not request.duplicate:
        client.chat_postMessage(channel=request.to_slack_user_id, **network_views.intro_dm(request))
    send_reply(client, response_url_of(body), actor.user_id, network_views.intro_sent_message(request))


def _intro_text(view: dict[str, Any]) -> str:
    return str((view["state"]["values"].get("message", {}).get("message", {}).get("value")) or "")


def decide_intro(deps: Deps, action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    accepted = action["action_id"] == "intro_accept"
    request = introductions.decide_introduction(
        deps.uow(), actor_of(context), int(action["value"]), accepted, deps.clock()
    )
    respond(**network_views.intro_decided_message(request))
    if request.to_slack_user_id and not request.duplicate:
        client.chat_postMessage(channel=request.asker_slack_user_id, **network_views.intro_outcome_for_asker(request))


def register(app: App) -> None:
    app.command("/whoknows")(ack=ack_with_usage(Usage.WHOKNOWS), lazy=[guarded(whoknows_command)])
    app.action(re.compile(r"^whoknows_target"))(ack=ack_only, lazy=[guarded(pick_target)])
    app.action("whoknows_more")(ack=ack_only, lazy=[guarded(more_routes)])
    app.action("whoknows_intro")(ack=ack_only, lazy=[guarded(open_intro)])
    app.action(re.compile(r"^intro_(accept|decline)$"))(ack=ack_only, lazy=[guarded(decide_intro)])

    app.view(network_views.INTRO_MODAL_ID)(ack=check_intro, lazy=[guarded(submit_intro)])
