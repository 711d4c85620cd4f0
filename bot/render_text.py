"""Block Kit rendered as readable terminal text, buttons numbered so they can be pressed by number."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_EMOJI = {
    "white_check_mark": "✔",
    "warning": "⚠",
    "information_source": "ℹ",
    "leftwards_arrow_with_hook": "↩",
    "lock": "🔒",
    "mag": "🔎",
    "memo": "✎",
    "thinking_face": "?",
    "busts_in_silhouette": "👥",
    "office": "🏢",
    "seedling": "🌱",
    "bridge_at_night": "🌉",
    "handshake": "🤝",
    "outbox_tray": "📤",
    "ok_hand": "👌",
    "calendar": "📅",
    "clipboard": "📋",
    "bust_in_silhouette": "👤",
    "dart": "🎯",
    "speech_balloon": "💬",
    "wave": "👋",
    "zzz": "💤",
    "mute": "🔇",
    "hourglass_flowing_sand": "⏳",
    "left_right_arrow": "↔",
    "fork_and_knife": "🍴",
    "wind_face": "🌬",
    "star": "★",
    "gear": "⚙",
}
_EMOJI_CODE = re.compile(r":([a-z0-9_+-]+):")
_USER_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|([^>]+))?>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_CODE = re.compile(r"`([^`\n]*)`")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
WIDTH = 100


@dataclass(frozen=True)
class RenderedButton:
    """A button as shown: its number on screen, and the element and block it came from."""

    number: int
    element: Mapping[str, Any]
    block_id: str


def mrkdwn_to_text(text: str) -> str:
    """Slack's mrkdwn made readable in a terminal (emoji codes, mentions, links, quotes)."""
    text = _EMOJI_CODE.sub(lambda m: _EMOJI.get(m.group(1), m.group(0)), text)
    text = _USER_MENTION.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    text = _LINK.sub(r"\2 (\1)", text)
    text = _BOLD.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _wrap(text: str, indent: str = "  ") -> list[str]:
    lines: list[str] = []
    for line in mrkdwn_to_text(text).splitlines() or [""]:
        lines.extend(textwrap.wrap(line, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ") or [indent])
    return lines


def _element_text(element: Mapping[str, Any]) -> str:
    text = element.get("text")
    if isinstance(text, Mapping):
        return str(text.get("text", ""))
    return str(text or "")


def render_blocks(blocks: Iterable[Mapping[str, Any]], first_number: int = 1) -> tuple[list[str], list[RenderedButton]]:
    """The lines to print and the buttons shown, numbered from `first_number`."""
    lines: list[str] = []
    buttons: list[RenderedButton] = []
    for block in blocks:
        render = _RENDERERS.get(str(block.get("type")))
        if render is not None:
            lines.extend(render(block, _Numbering(buttons, first_number, str(block.get("block_id", "")))))
    return lines, buttons


@dataclass
class _Numbering:
    """Gives each button of a block the next number, and keeps it."""

    buttons: list[RenderedButton]
    first_number: int
    block_id: str

    def number(self, element: Mapping[str, Any]) -> int:
        number = self.first_number + len(self.buttons)
        self.buttons.append(RenderedButton(number, element, self.block_id))
        return number


def _header(block: Mapping[str, Any], _numbering: _Numbering) -> list[str]:
    return ["  " + _element_text(block).upper()]


def _section(block: Mapping[str, Any], numbering: _Numbering) -> list[str]:
    lines = _wrap(_element_text(block)) if block.get("text") else []
    for field in block.get("fields") or ():
        lines.extend(_wrap(str(field.get("text", "")), indent="    "))
    accessory = block.get("accessory")
    if accessory and accessory.get("type") == "button":
        lines.append(f"    [{numbering.number(accessory)}] {_element_text(accessory)}")
    return lines


def _context(block: Mapping[str, Any], _numbering: _Numbering) -> list[str]:
    text = " ".join(_element_text({"text": e}) if "text" in e else "" for e in block.get("elements", ()))
    return _wrap(text, indent="    ")


def _divider(_block: Mapping[str, Any], _numbering: _Numbering) -> list[str]:
    return ["  " + "─" * 40]


def _actions(block: Mapping[str, Any], numbering: _Numbering) -> list[str]:
    labels = [
        f"[{numbering.number(element)}] {_element_text(element)}"
        for element in block.get("elements", ())
        if element.get("type") == "button"
    ]
    if not labels:
        return []
    return textwrap.wrap("   ".join(labels), WIDTH, initial_indent="  ", subsequent_indent="  ")


def _input(block: Mapping[str, Any], _numbering: _Numbering) -> list[str]:
    return ["  " + _element_text({"text": block.get("label", {})})]


#: How each kind of block reads in the terminal; other kinds are not shown.
_RENDERERS: dict[str, Callable[[Mapping[str, Any], _Numbering], list[str]]] = {
    "header": _header,
    "section": _section,
    "context": _context,
    "divider": _divider,
    "actions": _actions,
    "input": _input,
}


def render_message(payload: Mapping[str, Any], first_number: int = 1) -> tuple[list[str], list[RenderedButton]]:
    """A message payload (blocks, or only text) as lines and numbered buttons."""
    blocks = payload.get("blocks") or ()
    if blocks:
        return render_blocks(blocks, first_number)
    return _wrap(str(payload.get("text", ""))), []
