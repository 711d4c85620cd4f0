"""Drive the real Bolt app as Slack does: signed requests in, the Slack stand-in's transcript out."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest, BoltResponse

from bot.signing import signature_headers
from bot.standin import SlackStandIn
from handlers.kit.blockkit import check_blocks, check_view

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-token-123"


class Clock:
    """A clock a test moves by hand; always timezone-aware."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def sign(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """The headers of a form-encoded request signed the way Slack signs it."""
    return {"Content-Type": "application/x-www-form-urlencoded", **signature_headers(body, secret, timestamp)}


def slash_body(
    standin: SlackStandIn,
    text: str,
    user: str = "U0SELLER1",
    team: str = "T0TEAM1",
    trigger_id: str | None = None,
    command: str = "/logcall",
) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": team,
            "team_domain": "acme-sales",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user,
            "user_name": "seller",
            "command": command,
            "text": text,
            "api_app_id": "A0RAPPORT",
            "response_url": standin.response_url("command"),
            "trigger_id": trigger_id or f"{uuid.uuid4().int % 10**12}.trigger",
        }
    )


def payload_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def interaction(kind: str, team: str, user: str, trigger_id: str | None = None, **fields: Any) -> dict[str, Any]:
    """An interaction payload as Slack posts it (`block_actions`, `view_submission`): from `user` of
    workspace `team` to our app, with these fields (`actions`, `view`, `container`…)."""
    return {
        "type": kind,
        "team": {"id": team},
        "user": {"id": user, "team_id": team},
        "api_app_id": "A0RAPPORT",
        "trigger_id": trigger_id or f"{uuid.uuid4().int % 10**12}.trigger",
        **fields,
    }


def violations_in(standin: SlackStandIn) -> list[str]:
    """Every Block Kit limit broken by anything the app sent to the stand-in."""
    problems: list[str] = []
    for post in standin.posts_to_response_urls:
        problems += check_blocks(post.body.get("blocks") or [], "message")
    for call in standin.calls:
        if call.method in {"chat.postMessage", "chat.postEphemeral", "chat.update"}:
            problems += check_blocks(call.args.get("blocks") or [], "message")
        if call.method in {"views.open", "views.push", "views.update", "views.publish"}:
            problems += check_view(call.args["view"])
    return problems


#: The only `<…>` the app itself writes: a mention of a member it knows by id.
_APP_MARKUP = re.compile(r"<@[UW][A-Z0-9]{2,20}>")


def text_objects(payload: Any) -> Iterator[tuple[dict[str, Any], str]]:
    """Every (object, text) of a payload whose `text` is a string, depth first, in order."""
    if isinstance(payload, dict):
        value = payload.get("text")
        if isinstance(value, str):
            yield payload, value
        for key, child in payload.items():
            if key != "text" or not isinstance(child, str):
                yield from text_objects(child)
    elif isinstance(payload, list):
        for child in payload:
            yield from text_objects(child)


def live_markup(payload: dict[str, Any]) -> list[str]:
    """Every `<…>` in a payload's mrkdwn (and notification text) that the app did not write: a
    `<!channel>`, a disguised link, a mention smuggled in a name. Empty when everything from people
    was escaped. plain_text is not read as markup by Slack, so it is left alone."""
    return [
        found
        for node, text in text_objects(payload)
        if node is payload or node.get("type") == "mrkdwn"
        for found in re.findall(r"<[^<]{0,80}", _APP_MARKUP.sub("", text))
    ]


def live_markup_in(standin: SlackStandIn) -> list[str]:
    """`live_markup` of everything the app sent: replies, messages, and views."""
    problems: list[str] = []
    for post in standin.posts_to_response_urls:
        problems += live_markup(post.body)
    for call in standin.calls:
        if call.method in {"chat.postMessage", "chat.postEphemeral", "chat.update"}:
            problems += live_markup(call.args)
        if call.method in {"views.open", "views.push", "views.update", "views.publish"}:
            view = call.args["view"]
            problems += live_markup({"blocks": (json.loads(view) if isinstance(view, str) else view)["blocks"]})
    return problems


@dataclass
class Reply:
    """What a person would see after one request: the acknowledgement and what followed it."""

    ack: BoltResponse
    posts: list[dict[str, Any]]

    @property
    def last(self) -> dict[str, Any]:
        return self.posts[-1]

    @property
    def text(self) -> str:
        """Every text of the last reply, flattened, for assertions a person would make."""
        return flatten(self.last)


def unescape(mrkdwn: str) -> str:
    """Text as Slack shows it: the three escaped characters back as they read."""
    return mrkdwn.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def flatten(payload: Any) -> str:
    """All `text` strings of a payload, in order, joined by new lines, as a person reads them."""
    return "\n".join(unescape(text) for _, text in text_objects(payload.get("blocks") or payload))


class SlackDriver:
    """Sends signed requests straight to `App.dispatch` (no HTTP server) and collects replies."""

    def __init__(self, app: App, standin: SlackStandIn, user: str = "U0SELLER1", team: str = "T0TEAM1") -> None:
        self.app = app
        self.standin = standin
        self.user = user
        self.team = team

    def dispatch(self, body: str) -> BoltResponse:
        headers = {key.lower(): [value] for key, value in sign(body).items()}
        return self.app.dispatch(BoltRequest(body=body, headers=headers))

    def _replies_since(self, seen: int, ack: BoltResponse) -> Reply:
        posts = [post.body for post in self.standin.posts_to_response_urls[seen:]]
        return Reply(ack=ack, posts=posts)

    def command(
        self,
        text: str,
        trigger_id: str | None = None,
        user: str | None = None,
        team: str | None = None,
        command: str = "/logcall",
    ) -> Reply:
        seen = len(self.standin.posts_to_response_urls)
        body = slash_body(
            self.standin, text, user=user or self.user, team=team or self.team, trigger_id=trigger_id, command=command
        )
        return self._replies_since(seen, self.dispatch(body))

    def press(self, element: dict[str, Any], block_id: str = "b", user: str | None = None) -> Reply:
        """Press this button of a reply."""
        action = {"type": "button", "action_id": element["action_id"], "block_id": block_id}
        return self.act({**action, "value": element.get("value", "")}, user=user)

    def act(self, action: dict[str, Any], user: str | None = None) -> Reply:
        """Use an element of an ephemeral reply (a button, an overflow menu's option), `action` as Slack describes it."""
        seen = len(self.standin.posts_to_response_urls)
        payload = interaction(
            "block_actions",
            self.team,
            user or self.user,
            response_url=self.standin.response_url("action"),
            container={"type": "message", "is_ephemeral": True},
            actions=[{**action, "action_ts": f"{time.time():.6f}"}],
        )
        return self._replies_since(seen, self.dispatch(payload_body(payload)))

    def submit(
        self,
        view: dict[str, Any],
        values: dict[str, dict[str, Any]],
        view_id: str | None = None,
        user: str | None = None,
    ) -> Reply:
        seen = len(self.standin.posts_to_response_urls)
        submitted = {**view, "id": view_id or view.get("id") or "V0TEST", "state": {"values": values}}
        payload = interaction("view_submission", self.team, user or self.user, view=submitted)
        return self._replies_since(seen, self.dispatch(payload_body(payload)))

    def opened_view(self) -> dict[str, Any]:
        view = self.standin.calls_to("views.open")[-1].args["view"]
        return json.loads(view) if isinstance(view, str) else dict(view)


def buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button of a message, in order."""
    found = []
    for block in payload.get("blocks") or []:
        if block.get("type") == "actions":
            found += [e for e in block["elements"] if e.get("type") == "button"]
        accessory = block.get("accessory")
        if accessory and accessory.get("type") == "button":
            found.append(accessory)
    return found


def button(payload: dict[str, Any], starts_with: str) -> dict[str, Any]:
    for element in buttons(payload):
        if element["text"]["text"].startswith(starts_with):
            return element
    raise AssertionError(f"no button starting with {starts_with!r} in {[b['text']['text'] for b in buttons(payload)]}")
