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
from handlers.kit.errors import ack_only, guarded, no_ack
from handlers.kit.mrkdwn import unescape
from handlers.kit.profiles import member_profile
from handlers.kit.replies import response_url_of, send_reply
from handlers.kit.usage import ack_with_usage, usage_reply
from handlers.network import views as network_views
from models.core.errors import UsageError
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
    deps: Deps, ack: AckFn, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    text = unescape(body.get("text") or "").strip()  # Slack escapes &, < and > in a command's text
    usage = usage_reply("/whoknows", text)
    if usage is not None:
        ack(**usage)
        return
    ack()
    actor = actor_of(context)
    profile = member_profile(deps, client, actor)
    respond(**render(whoknows.who_knows(deps.uow(), actor, text, deps.clock()), deps, profile))


def pick_target(
    deps: Deps, ack: AckFn, action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    choice = json.loads(action["value"])
    actor = actor_of(context)
    profile = member_profile(deps, client, actor)
    result: WhoKnowsResult
    if choice["k"] == "account":
        result = whoknows.routes_to_account(deps.uow(), actor, int(choice["id"]))
    else:
        result = whoknows.routes_to_contact(deps.uow(), actor, int(choice["id"]))
    respond(**render(result, deps, profile), replace_original=action["action_id"] != "whoknows_target")


def more_routes(
    deps: Deps, ack: AckFn, action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    page = json.loads(action["value"])
    actor = actor_of(context)
    profile = member_profile(deps, client, actor)
    result = whoknows.routes_to_contact(deps.uow(), actor, int(page["t"]), offset=int(page["o"]))
    respond(**render(result, deps, profile), replace_original=True)


def open_intro(
    deps: Deps, ack: AckFn, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    route = json.loads(action["value"])
    draft = introductions.prepare_introduction(
        deps.uow(), actor_of(context), int(route["t"]), route.get("m"), route.get("c")
    )
    metadata = json.dumps({**route, "response_url": body.get("response_url")})
    client.views_open(trigger_id=body["trigger_id"], view=network_views.intro_modal(draft, metadata))


def check_intro(ack: AckFn, view: dict[str, Any]) -> None:
    """The introduction form's quick part: the message is checked under its field, else acknowledged."""
    try:
        introductions.check_message(_intro_text(view))
    except UsageError as problem:
        ack(response_action="errors", errors={"message": problem.message})
        return
    ack()


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


def decide_intro(
    deps: Deps, ack: AckFn, action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    accepted = action["action_id"] == "intro_accept"
    request = introductions.decide_introduction(
        deps.uow(), actor_of(context), int(action["value"]), accepted, deps.clock()
    )
    respond(**network_views.intro_decided_message(request))
    if request.to_slack_user_id and not request.duplicate:
        client.chat_postMessage(channel=request.asker_slack_user_id, **network_views.intro_outcome_for_asker(request))


def register(app: App, deps: Deps) -> None:
    def _whoknows(body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
        whoknows_command(deps, no_ack, body, client, respond, context)

    def _pick(
        body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
    ) -> None:
        pick_target(deps, no_ack, action, client, respond, context)

    def _more(
        body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
    ) -> None:
        more_routes(deps, no_ack, action, client, respond, context)

    def _intro(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        open_intro(deps, no_ack, body, action, client, context)

    def _decide(
        body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
    ) -> None:
        decide_intro(deps, no_ack, action, client, respond, context)

    app.command("/whoknows")(ack=ack_with_usage("/whoknows"), lazy=[guarded(_whoknows)])
    app.action(re.compile(r"^whoknows_target"))(ack=ack_only, lazy=[guarded(_pick)])
    app.action("whoknows_more")(ack=ack_only, lazy=[guarded(_more)])
    app.action("whoknows_intro")(ack=ack_only, lazy=[guarded(_intro)])
    app.action(re.compile(r"^intro_(accept|decline)$"))(ack=ack_only, lazy=[guarded(_decide)])

    def _intro_submitted(body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        submit_intro(deps, body, view, client, context)

    app.view(network_views.INTRO_MODAL_ID)(ack=check_intro, lazy=[guarded(_intro_submitted)])
