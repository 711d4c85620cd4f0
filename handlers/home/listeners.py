"""The App Home tab: the seller's dashboard, published when opened and after changes, paged lists."""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import SplitResult, urlsplit

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from handlers.briefings import calendar as calendar_words
from handlers.home.views import home_view
from handlers.kit.actor import actor_of
from handlers.kit.blocks import notice, section
from handlers.kit.deps import AckFn, Deps
from handlers.kit.errors import ack_only, guarded
from handlers.kit.forms import ack_form, answer, answers, input_block, modal, text_input, text_of
from handlers.kit.profiles import member_profile
from models.briefings import feeds as calendar_sync
from models.briefings import web
from models.core.errors import RapportError
from models.core.values import Actor
from models.home.service import home
from models.logcall import service as services

logger = logging.getLogger(__name__)

CALENDAR_MODAL_ID = "calendar_feed_modal"


def publish_home(
    deps: Deps, client: WebClient, actor: Actor, pages: dict[str, int] | None = None, tag: str | None = None
) -> None:
    """Publish the member's Home tab (best effort: a failure never breaks what triggered it)."""
    try:
        member_profile(deps, client, actor)  # the settings show the member's time zone: fresh from Slack
        view = home_view(home(deps.uow(), actor, deps.clock(), pages, tag), deps.home_refreshes.network_minutes)
        client.views_publish(user_id=actor.user_id, view=view)
    except (SlackApiError, SlackRequestError, OSError) as error:
        logger.warning("could not publish the Home tab: %s", type(error).__name__)


def publish_home_soon(deps: Deps, client: WebClient, actor: Actor) -> None:
    """Publish after a change, unless this member's tab was refreshed in the last minute (`HomeRefreshes`)."""
    if deps.home_refreshes.due(actor):
        publish_home(deps, client, actor)


def opened(deps: Deps, event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") not in (None, "home"):
        return
    publish_home(deps, client, actor_of(context))


def page(deps: Deps, action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    choice = json.loads(action["value"])
    publish_home(deps, client, actor_of(context), {str(choice["k"]): int(choice["p"])}, choice.get("t") or None)


def filter_by_tag(deps: Deps, action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    chosen = (action.get("selected_option") or {}).get("value") or None
    chosen = None if chosen == "all" else chosen
    publish_home(deps, client, actor_of(context), tag=chosen)


def unhide(deps: Deps, action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    actor = actor_of(context)
    services.set_private(deps.uow(), actor, int(action["value"]), private=False)
    publish_home(deps, client, actor)


def open_calendar(deps: Deps, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    status = calendar_sync.feed_status(deps.uow(), actor_of(context))
    address = text_input("url", max_length=2000)
    upload = {"type": "file_input", "action_id": "file", "filetypes": ["ics"], "max_files": 1}
    blocks = [
        section(calendar_words.status_text(status)),
        input_block(
            "url",
            "Your calendar's secret iCalendar address",
            address,
            optional=True,
            hint="Google: Settings › your calendar › Secret address in iCal format. Type off to stop.",
        ),
        input_block("file", "Or upload an .ics file", upload, optional=True),
    ]
    client.views_open(trigger_id=body["trigger_id"], view=modal(CALENDAR_MODAL_ID, "Calendar feed", blocks))


def check_calendar(ack: AckFn, view: dict[str, Any]) -> None:
    """The calendar form's quick part: an address or a file is needed; the rest follows the acknowledgement."""
    url, files = _calendar_form(view)
    ack_form(ack, {} if url or files else {"url": "Give your calendar's address, or upload an .ics file."})


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
    values = answers(view)
    return text_of(values, "url"), list(answer(values, "file").get("files") or [])


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


def register(app: App) -> None:
    app.event("app_home_opened")(ack=ack_only, lazy=[guarded(opened)])
    app.action(re.compile(r"^home_page_"))(ack=ack_only, lazy=[guarded(page)])
    app.action(re.compile(r"^home_unhide_"))(ack=ack_only, lazy=[guarded(unhide)])
    app.action("home_calendar")(ack=ack_only, lazy=[guarded(open_calendar)])

    app.action("home_tag")(ack=ack_only, lazy=[guarded(filter_by_tag)])

    # Reading a file or an address can take long: the form is checked and acknowledged first, with no Web API call.
    app.view(CALENDAR_MODAL_ID)(ack=check_calendar, lazy=[guarded(save_calendar)])
