"""Block Kit primitives every view is built from: sections, context, buttons, and the messages around them.

Every mrkdwn text goes through `mrkdwn_text`, which escapes what people typed (see `handlers.kit.mrkdwn`).
"""

from __future__ import annotations

from typing import Any

from handlers.kit.blockkit import truncate
from handlers.kit.mrkdwn import clip, to_mrkdwn

Block = dict[str, Any]


def mrkdwn_text(text: str, limit: int = 3000) -> dict[str, str]:
    """A mrkdwn text object: people's text escaped, the app's `Mrkdwn` kept (see handlers.kit.mrkdwn)."""
    return {"type": "mrkdwn", "text": clip(to_mrkdwn(text), limit)}


def plain_text(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def section(text: str) -> Block:
    """A section of mrkdwn; a plain `str` is shown literally (escaped), a `Mrkdwn` as markup."""
    return {"type": "section", "text": mrkdwn_text(text)}


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn_text(text, 2000)]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain_text(text), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element


def message(blocks: list[Block], fallback: str, replace_original: bool = False) -> dict[str, Any]:
    """An ephemeral reply: only the person who asked sees it."""
    payload: dict[str, Any] = {
        "response_type": "ephemeral",
        "text": clip(to_mrkdwn(fallback), 3000),
        "blocks": blocks,
    }
    if replace_original:
        payload["replace_original"] = True
    return payload


def dm(blocks: list[Block], fallback: str) -> dict[str, Any]:
    """A message the app posts itself (a DM): blocks and the notification text, escaped like the blocks."""
    return {"text": clip(to_mrkdwn(fallback), 3000), "blocks": blocks}


def notice(text: str) -> dict[str, Any]:
    """A one-section message the app posts itself, for a short answer (`chat.postMessage` arguments)."""
    return dm([section(text)], fallback=text)


def error_message(problem: str, usage: str | None = None) -> dict[str, Any]:
    """What went wrong, and for bad input the right usage."""
    blocks = [section(f":warning: {problem}")]
    if usage:
        blocks.append(section(usage))
    return message(blocks, fallback=problem)
