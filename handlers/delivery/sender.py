"""Delivers outbox messages as DMs from the app, each carrying its outbox id in Slack message metadata."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from handlers.kit.deps import Deps
from models.delivery.outbox import Delivery, DeliveryFailed, OutgoingMessage

#: Slack errors that mean the member cannot get a DM from the app at all.
UNREACHABLE = frozenset(
    {
        "user_not_found",
        "cannot_dm_bot",
        "account_inactive",
        "user_disabled",
        "is_bot",
        "channel_not_found",
        "not_allowed_token_type",
    }
)
MESSAGE_EVENT = "rapport_outbox"

Renderer = Callable[[OutgoingMessage], dict[str, Any]]


class SlackSender:
    """Sends each kind of message with its renderer; finds one already sent after a crash."""

    def __init__(self, clients: WebClient | Callable[[str], WebClient], renderers: Mapping[str, Renderer]) -> None:
        self.clients: Callable[[str], WebClient] = (
            (lambda _team: clients) if isinstance(clients, WebClient) else clients
        )
        self.renderers = dict(renderers)

    def client_for(self, message: OutgoingMessage) -> WebClient:
        try:
            return self.clients(message.team_id)
        except LookupError as missing:  # the workspace uninstalled the app
            raise DeliveryFailed(str(missing), permanent=True) from None

    def send(self, message: OutgoingMessage) -> Delivery:
        payload = self.renderers[message.kind](message)
        client = self.client_for(message)
        try:
            answer = client.chat_postMessage(
                channel=message.slack_user_id,
                text=payload["text"],
                blocks=payload["blocks"],
                metadata={
                    "event_type": MESSAGE_EVENT,
                    "event_payload": {"outbox_id": message.outbox_id, "kind": message.kind},
                },
            )
        except SlackApiError as error:
            raise _failure(error) from None
        except (SlackRequestError, OSError) as error:
            raise DeliveryFailed(type(error).__name__, permanent=False) from None
        return Delivery(channel_id=str(answer["channel"]), ts=str(answer["ts"]))

    def find_sent(self, message: OutgoingMessage) -> Delivery | None:
        """Whether this message already reached the member's DM (a crash after Slack took it)."""
        client = self.client_for(message)
        try:
            channel = message.channel_id or client.conversations_open(users=message.slack_user_id)["channel"]["id"]
            # The app sends a member a few messages a day: it is among the latest if it is there at all.
            history = client.conversations_history(channel=channel, limit=200, include_all_metadata=True)
        except SlackApiError as error:
            raise _failure(error) from None
        except (SlackRequestError, OSError) as error:
            raise DeliveryFailed(type(error).__name__, permanent=False) from None
        messages: list[dict[str, Any]] = history.get("messages") or []
        for sent in messages:
            metadata = sent.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == MESSAGE_EVENT and payload.get("outbox_id") == message.outbox_id:
                return Delivery(channel_id=channel, ts=str(sent["ts"]))
        return None


def _failure(error: SlackApiError) -> DeliveryFailed:
    reason = str(error.response.get("error") or error.response.status_code)
    return DeliveryFailed(reason, permanent=reason in UNREACHABLE)


def slack_sender(client: WebClient | Callable[[str], WebClient], deps: Deps) -> SlackSender:
    """The sender for every kind of outbox message the app composes."""
    from handlers.briefings.calendar import feed_error_message
    from handlers.briefings.listeners import briefing_dm, follow_up_message
    from handlers.nudges.listeners import digest_message

    return SlackSender(
        client,
        {
            "digest": digest_message,
            "briefing": briefing_dm(deps),
            "follow_up": follow_up_message,
            "feed_error": feed_error_message,
        },
    )
