"""The App Home tab: the seller's dashboard, published when opened and after changes, paged lists."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from datetime import datetime
from typing import Any
from urllib.parse import SplitResult, urlsplit
from zoneinfo import ZoneInfo

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from handlers.briefings import calendar as calendar_words
from handlers.kit.actor import actor_of
from handlers.kit.blockkit import truncate
from handlers.kit.blocks import Block, button, context, notice, section
from handlers.kit.deps import AckFn, Deps
from handlers.kit.errors import ack_only, guarded, no_ack
from handlers.kit.profiles import member_profile
from models.briefings import feeds as calendar_sync
from models.briefings import web
from models.core.errors import RapportError
from models.core.values import Actor
from models.home.service import Home, Section, home
from models.logcall import service as services

logger = logging.getLogger(__name__)

CALENDAR_MODAL_ID = "calendar_feed_modal"
_TITLES = {
    "gaps": ":mag: *1. What we still need to learn about your key contacts*",
    "bridges": ":bridge_at_night: *3a. Your bridges: the only ways into other circles*",
    "intermediaries": ":handshake: *3b. Your strongest intermediaries*",
    "top": ":star: *Your top relationships*",
    "neglected": ":hourglass_flowing_sand: *Falling off the radar*",
    "one_sided": ":left_right_arrow: *One-sided*",
}
_EMPTY = {
    "gaps": "Nothing missing on your key contacts: well done.",
    "bridges": "No bridge yet (the network is recomputed every hour).",
    "intermediaries": "Log meetings with several people to see who knows whom.",
    "top": "No relationship yet: log a conversation with `/logcall`.",
    "neglected": "Nobody is overdue.",
    "one_sided": "Every relationship is balanced.",
}


def home_view(data: Home, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """The Home tab, well within Slack's 100 blocks."""
    blocks: list[Block] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": "Your relationships" + (f" #{data.tag}" if data.tag else "")},
        },
        context(
            "Relationship intelligence: know the quality of your links, and use it. `/logcall` · `/whoknows` · `/prep`"
        ),
    ]
    if data.tags:
        choices = [{"text": {"type": "plain_text", "text": "Everyone"}, "value": "all"}]
        choices += [{"text": {"type": "plain_text", "text": f"#{t}"[:75]}, "value": t[:150]} for t in data.tags[:99]]
        picker: dict[str, Any] = {"type": "static_select", "action_id": "home_tag", "options": choices}
        picker["initial_option"] = next((c for c in choices if c["value"] == (data.tag or "all")), choices[0])
        blocks.append({"type": "actions", "block_id": "home_filter", "elements": [picker]})
    blocks += _section(data.gaps, data.tag)
    blocks.append({"type": "divider"})
    accounts = "\n".join(
        f"• *{a.name}*: {a.people_known} known, best tie {a.best_strength:.2f}" for a in data.accounts_to_build
    )
    blocks.append(
        section(
            ":seedling: *2. Accounts that need new relationships*\n"
            + (accounts or "None: someone knows someone well at each of your accounts.")
        )
    )
    blocks.append({"type": "divider"})
    blocks += _section(data.bridges, data.tag)
    if data.effective_size is not None:
        constraint = f"{data.constraint:.2f}" if data.constraint is not None else "n/a"
        blocks.append(
            context(
                f"Your brokerage: effective size {data.effective_size:.1f}, constraint {constraint} (lower: more open doors)"
            )
        )
    blocks += _section(data.intermediaries, data.tag)
    blocks.append({"type": "divider"})
    messengers = "\n".join(
        f"• *{person.name}*"
        + (f" ({person.company})" if person.company else "")
        + (": you know them" if route.is_direct else f": via {route.hops[0].to.name}, chance {route.chance:.2f}")
        for person, route in data.messengers
    )
    blocks.append(
        section(
            ":dart: *4. Who can carry your message to the people concerned*\n"
            + (messengers or "Mark who is concerned in a meeting's context to see routes to them.")
        )
    )
    blocks.append({"type": "divider"})
    for part in (data.top, data.neglected, data.one_sided):
        blocks += _section(part, data.tag)
    total = data.reach + data.relationships
    share = f"{data.relationships / total:.0%}" if total else "n/a"
    blocks.append(
        section(
            f":busts_in_silhouette: *Reach versus relationships*: {data.relationships} relationships, {data.reach} connections never contacted "
            f"({share} of your network is real relationships). Could you introduce them? Log a first conversation to turn reach into a relationship."
        )
    )
    blocks.append({"type": "divider"})
    blocks += _settings(data)
    return {"type": "home", "blocks": blocks[:100]}


def _section(part: Section, tag: str | None = None) -> list[Block]:
    lines = [
        f"• *{line.person.name}*"
        + (f" ({line.person.company})" if line.person.company else "")
        + (f" · score {line.score:+d}" if line.score is not None else "")
        + f" · {line.band} {line.strength:.2f}"
        + (f"\n   {truncate(line.detail, 300)}" if line.detail else "")
        for line in part.lines
    ]
    text = _TITLES[part.key] + "\n" + ("\n".join(lines) if lines else _EMPTY[part.key])
    block = section(truncate(text, 2900))
    blocks: list[Block] = [block]
    pager = []
    if part.page > 0:
        pager.append(
            button("Previous", f"home_page_{part.key}_prev", json.dumps({"k": part.key, "p": part.page - 1, "t": tag}))
        )
    if part.has_more:
        pager.append(
            button("More", f"home_page_{part.key}_next", json.dumps({"k": part.key, "p": part.page + 1, "t": tag}))
        )
    if pager:
        blocks.append({"type": "actions", "block_id": f"pager_{part.key}", "elements": pager})
    return blocks


def _settings(data: Home) -> list[Block]:
    settings = data.settings
    if settings.frequency.value == "off":
        digest = "off"
    else:
        digest = f"{settings.frequency.value} at {settings.local_time:%H:%M} on {', '.join(settings.days)} ({settings.time_zone})"
    cadences = (
        ", ".join(f"#{tag} every {days} days" for tag, days in sorted(data.cadences.items())) or "by tie strength"
    )
    lines = [
        ":gear: *Settings*",
        f"• Digest: {digest}",
        f"• Stay in touch: {cadences}",
        f"• Briefings: {data.briefing_lead_minutes} min before each meeting",
        f"• Calendar: {data.calendar or 'none yet'}",
        "• Private ties (left out of colleagues' routes): "
        + (
            ", ".join(p.name for p in data.private_ties)
            if data.private_ties
            else "none; set one in *Rate this relationship*"
        ),
    ]
    elements = [
        button("Digest and briefings", "nudge_settings", "settings"),
        button("Calendar feed", "home_calendar", "calendar"),
        button("Import contacts", "home_import", "import"),
    ]
    elements += [
        button(f"Make visible: {p.name}"[:75], f"home_unhide_{p.id}", str(p.id)) for p in data.private_ties[:3]
    ]
    return [section("\n".join(lines)), {"type": "actions", "block_id": "home_settings", "elements": elements}]


def publish_home(
    deps: Deps, client: WebClient, actor: Actor, pages: dict[str, int] | None = None, tag: str | None = None
) -> None:
    """Publish the member's Home tab (best effort: a failure never breaks what triggered it)."""
    try:
        profile = member_profile(deps, client, actor)
        now = deps.clock()
        view = home_view(home(deps.uow(), actor, now, pages, tag), now, profile.zone)
        client.views_publish(user_id=actor.user_id, view=view)
    except (SlackApiError, SlackRequestError, OSError) as error:
        logger.warning("could not publish the Home tab: %s", type(error).__name__)


#: A busy seller logging call after call gets their Home tab refreshed at most this often.
REFRESH_EVERY_SECONDS = 60.0
_last_refresh: dict[tuple[str, str], float] = {}
_refresh_lock = threading.Lock()


def publish_home_soon(deps: Deps, client: WebClient, actor: Actor) -> None:
    """Publish after a change, unless this member's tab was refreshed in the last minute."""
    key, now = (actor.team_id, actor.user_id), time.monotonic()
    with _refresh_lock:
        if now - _last_refresh.get(key, -REFRESH_EVERY_SECONDS) < REFRESH_EVERY_SECONDS:
            return
        _last_refresh[key] = now
    publish_home(deps, client, actor)


def forget_refreshes() -> None:
    """Start afresh (a new process does; tests do between cases)."""
    with _refresh_lock:
        _last_refresh.clear()


def opened(deps: Deps, event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") not in (None, "home"):
        return
    publish_home(deps, client, actor_of(context))


def page(deps: Deps, ack: AckFn, action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    choice = json.loads(action["value"])
    publish_home(deps, client, actor_of(context), {str(choice["k"]): int(choice["p"])}, choice.get("t") or None)


def filter_by_tag(deps: Deps, ack: AckFn, action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    chosen = (action.get("selected_option") or {}).get("value") or None
    chosen = None if chosen == "all" else chosen
    publish_home(deps, client, actor_of(context), tag=chosen)


def unhide(deps: Deps, ack: AckFn, action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    actor = actor_of(context)
    services.set_private(deps.uow(), actor, int(action["value"]), private=False)
    publish_home(deps, client, actor)


def open_calendar(deps: Deps, ack: AckFn, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    status = calendar_sync.feed_status(deps.uow(), actor_of(context))
    client.views_open(
        trigger_id=body["trigger_id"],
        view={
            "type": "modal",
            "callback_id": CALENDAR_MODAL_ID,
            "title": {"type": "plain_text", "text": "Calendar feed"},
            "submit": {"type": "plain_text", "text": "Save"},
            "close": {"type": "plain_text", "text": "Cancel"},
            "blocks": [
                section(calendar_words.status_text(status)),
                {
                    "type": "input",
                    "block_id": "url",
                    "optional": True,
                    "label": {"type": "plain_text", "text": "Your calendar's secret iCalendar address"},
                    "hint": {
                        "type": "plain_text",
                        "text": "Google: Settings › your calendar › Secret address in iCal format. Type off to stop.",
                    },
                    "element": {"type": "plain_text_input", "action_id": "url", "max_length": 2000},
                },
                {
                    "type": "input",
                    "block_id": "file",
                    "optional": True,
                    "label": {"type": "plain_text", "text": "Or upload an .ics file"},
                    "element": {"type": "file_input", "action_id": "file", "filetypes": ["ics"], "max_files": 1},
                },
            ],
        },
    )


def check_calendar(ack: AckFn, view: dict[str, Any]) -> None:
    """The calendar form's quick part: an address or a file is needed; the rest follows the acknowledgement."""
    url, files = _calendar_form(view)
    if not url and not files:
        ack(response_action="errors", errors={"url": "Give your calendar's address, or upload an .ics file."})
    else:
        ack()


def save_calendar(deps: Deps, view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Keep the address or the file, say so by DM, and read it in the background (its result follows by DM)."""
    url, files = _calendar_form(view)
    if not url and not files:
        return  # the acknowledgement showed the form's error (Bolt runs this part whatever it answered)
    actor = actor_of(context)
    saved: calendar_sync.Saved | calendar_sync.NotAnAddress | None = None
    if files:
        ics = download_file(client, files[0]).decode("utf-8-sig", errors="replace")
        saved = calendar_sync.set_feed_file(deps.uow(), actor, ics)
    elif calendar_sync.switches_off(url):
        calendar_sync.remove_feed(deps.uow(), actor)
    else:
        saved = calendar_sync.set_feed_url(deps.uow(), actor, url)
    told = calendar_words.STOPPED_BY_FORM if saved is None else calendar_words.saved_text(saved)
    client.chat_postMessage(channel=actor.user_id, **notice(told))
    if isinstance(saved, calendar_sync.Saved):
        read_calendar_and_tell(deps, client, actor, saved.feed_id)
    else:
        publish_home(deps, client, actor)


def _calendar_form(view: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    values = view["state"]["values"]
    url = (values.get("url", {}).get("url", {}) or {}).get("value") or ""
    files = (values.get("file", {}).get("file", {}) or {}).get("files") or []
    return url.strip(), files


def read_calendar_and_tell(deps: Deps, client: WebClient, actor: Actor, feed_id: int) -> None:
    """Read a calendar the member just gave, off the listener threads; what was found comes by DM."""

    def tell(result: calendar_sync.SyncResult) -> None:
        client.chat_postMessage(channel=actor.user_id, **notice(calendar_words.reading_text(result)))
        publish_home(deps, client, actor)

    deps.feeds.read(deps.uow, feed_id, deps.clock, report_problems=False, then=tell)


MAX_UPLOAD_BYTES = 5_000_000
#: Everything a download from Slack may take, redirects included.
DOWNLOAD_SECONDS = 15.0
#: Where Slack serves uploaded files; the bot token also goes to the configured Web API host and its
#: "files." sibling (GovSlack, the local stand-in), and nowhere else.
SLACK_FILE_HOST = "files.slack.com"


def download_file(client: WebClient, file: dict[str, Any]) -> bytes:
    """An uploaded file's bytes, fetched with the bot token (Slack's private file URLs need it).

    The token is sent only to Slack's file hosts, over https (plain http only to a configured Web API
    host that uses it, such as the local stand-in), and a redirect elsewhere is not followed.
    """
    api = urlsplit(client.base_url)
    api_host = (api.hostname or "").lower()
    token = {"Authorization": f"Bearer {client.token}"}

    def headers(parts: SplitResult) -> dict[str, str]:
        host, scheme = (parts.hostname or "").lower(), parts.scheme.lower()
        if scheme == "https" and host in {SLACK_FILE_HOST, f"files.{api_host}"} and parts.port in {None, 443}:
            return token
        if (scheme, host, parts.port) == (api.scheme.lower(), api_host, api.port):
            return token
        raise web.Refused(f"{host} is not one of Slack's file hosts")

    rules = web.Rules(
        address_allowed=lambda address: True,  # the hosts are Slack's own, named above
        headers=headers,
        seconds=DOWNLOAD_SECONDS,
        max_redirects=3,
        max_bytes=MAX_UPLOAD_BYTES,
    )
    try:
        return web.get(str(file.get("url_private_download") or ""), rules).body
    except web.TooLarge:
        raise RapportError("That file is larger than 5 MB: export a shorter period of your calendar.") from None
    except web.Refused as refusal:
        logger.warning("could not download a file from Slack: %s", refusal.reason)
        raise RapportError("I couldn't download that file from Slack; please try again.") from None


def register(app: App, deps: Deps) -> None:
    def _opened(body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        opened(deps, event, client, context)

    def _page(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        page(deps, no_ack, action, client, context)

    def _unhide(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        unhide(deps, no_ack, action, client, context)

    def _calendar(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        open_calendar(deps, no_ack, body, client, context)

    app.event("app_home_opened")(ack=ack_only, lazy=[guarded(_opened)])
    app.action(re.compile(r"^home_page_"))(ack=ack_only, lazy=[guarded(_page)])
    app.action(re.compile(r"^home_unhide_"))(ack=ack_only, lazy=[guarded(_unhide)])
    app.action("home_calendar")(ack=ack_only, lazy=[guarded(_calendar)])

    def _tag(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        filter_by_tag(deps, no_ack, action, client, context)

    app.action("home_tag")(ack=ack_only, lazy=[guarded(_tag)])

    def _save_calendar(body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        save_calendar(deps, view, client, context)

    # Reading a file or an address can take long: the form is checked and acknowledged first, with no Web API call.
    app.view(CALENDAR_MODAL_ID)(ack=check_calendar, lazy=[guarded(_save_calendar)])
