"""Where every error of a listener becomes a friendly, ephemeral reply, in one place."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from handlers import network_views, views
from handlers.briefings import PREP_USAGE
from handlers.replies import response_url_of, send_reply
from models.errors import RapportError, UsageError
from models.grammar import LOGCALL_USAGE

logger = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = "Sorry, something went wrong on our side and nothing was recorded. Please try again in a moment."


def reply_for(error: Exception) -> dict[str, Any]:
    """The reply a person sees for an error: what was wrong and, for bad input, the right usage."""
    if isinstance(error, UsageError):
        usage = {"/whoknows": network_views.WHOKNOWS_USAGE, "/prep": PREP_USAGE}.get(error.command, LOGCALL_USAGE)
        return views.error_message(error.message, usage=usage)
    if isinstance(error, RapportError):
        return views.error_message(error.message, usage=None)
    return views.error_message(SOMETHING_WENT_WRONG, usage=None)


def register(app: App) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any], client: WebClient) -> BoltResponse:
        if not isinstance(error, RapportError):
            logger.error("listener failed: %s", type(error).__name__, exc_info=error)
        user_id = (body.get("user") or {}).get("id") or body.get("user_id") or ""
        try:
            send_reply(client, response_url_of(body), user_id, reply_for(error))
        except Exception as reply_error:  # noqa: BLE001 - the error reply itself must never crash the app
            logger.error("could not tell the person about an error: %s", type(reply_error).__name__)
        # The person has been told (or Slack already had its acknowledgement): answer Slack with 200,
        # so that it does not add an "app did not respond" error of its own.
        return BoltResponse(status=200, body="")
