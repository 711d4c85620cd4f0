"""Where every error of a listener becomes a friendly, ephemeral reply, in one place."""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltResponse
from slack_sdk import WebClient

from handlers.kit.blocks import error_message
from handlers.kit.replies import response_url_of, send_reply
from handlers.kit.usage import USAGES
from handlers.kit.wording import error_text
from models.core.errors import RapportError, UsageError

logger = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = "Sorry, something went wrong on our side and nothing was recorded. Please try again in a moment."


def reply_for(error: Exception) -> dict[str, Any]:
    """The reply a person sees for an error: what was wrong and, for bad input, the right usage."""
    if isinstance(error, UsageError):
        return error_message(error_text(error), usage=USAGES.get(error.usage))
    if isinstance(error, RapportError):
        return error_message(error_text(error), usage=None)
    return error_message(SOMETHING_WENT_WRONG, usage=None)


def report(error: Exception, body: dict[str, Any], client: WebClient) -> None:
    """Tell the person what went wrong, ephemerally where they asked (or in the app's DM)."""
    if not isinstance(error, RapportError):
        logger.error("listener failed: %s", type(error).__name__, exc_info=error)
    user_id = (body.get("user") or {}).get("id") or body.get("user_id") or ""
    try:
        send_reply(client, response_url_of(body), user_id, reply_for(error))
    except Exception as reply_error:  # noqa: BLE001 - the error reply itself must never crash the app
        logger.error("could not tell the person about an error: %s", type(reply_error).__name__)


def ack_only(ack: Ack) -> None:
    """The quick part of a listener: acknowledge at once; the work follows on another thread."""
    ack()


def guarded(work: Callable[..., None]) -> Callable[..., None]:
    """Work that runs after the acknowledgement: its errors still reach the person, never a silent drop.

    Bolt only logs the exceptions of lazy listeners; this reports them like `@app.error` does, to the
    person who asked (from the request's `body`, with its `client`), whether or not `work` itself
    needs those. Bolt reads the wrapper's signature to pass arguments by name: `work`'s own, plus
    `body` and `client`; `work` gets only the ones it names.
    """
    wanted = inspect.signature(work).parameters

    @functools.wraps(work)
    def run(**kwargs: Any) -> None:
        try:
            work(**{name: value for name, value in kwargs.items() if name in wanted})
        except Exception as error:  # noqa: BLE001 - reported to the person, logged with its traceback
            report(error, kwargs.get("body") or {}, kwargs["client"])

    del run.__wrapped__  # Bolt unwraps: it must read the signature below
    extra = [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for name in ("body", "client")
        if name not in wanted
    ]
    run.__signature__ = inspect.Signature([*wanted.values(), *extra])  # type: ignore[attr-defined]
    return run


def on_error(error: Exception, body: dict[str, Any], client: WebClient) -> BoltResponse:
    """Bolt's error handler: the person is told what went wrong, and Slack gets its answer at once."""
    # Telling the person takes Slack calls, which must not hold up the answer to Slack itself:
    # an error before the acknowledgement is told on another thread.
    threading.Thread(target=report, args=(error, body, client), name="error-reply", daemon=True).start()
    # The person is being told (or Slack already had its acknowledgement): answer Slack with 200,
    # so that it does not add an "app did not respond" error of its own.
    return BoltResponse(status=200, body="")


def register(app: App) -> None:
    app.error(on_error)
