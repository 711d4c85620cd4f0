"""Sending a reply to the person: ephemerally where they typed the command, else in the app's DM."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient


def response_url_of(body: dict[str, Any]) -> str | None:
    """The response_url of a request, or the one a modal kept from the command that opened it."""
    if body.get("response_url"):
        return str(body["response_url"])
    metadata = (body.get("view") or {}).get("private_metadata") or ""
    try:
        url = json.loads(metadata).get("response_url") if metadata else None
    except (ValueError, AttributeError):
        return None
    return str(url) if url else None


def send_reply(client: WebClient, response_url: str | None, user_id: str, payload: dict[str, Any]) -> None:
    if response_url:
        response = WebhookClient(response_url).send_dict(payload)
        if response.status_code == 200:
            return
    client.chat_postMessage(channel=user_id, text=payload["text"], blocks=payload["blocks"])
