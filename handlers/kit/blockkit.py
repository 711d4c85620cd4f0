"""Slack's Block Kit limits: check blocks and views against them before Slack refuses them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

Surface = Literal["message", "modal", "home"]

MAX_BLOCKS: Final[Mapping[Surface, int]] = {"message": 50, "modal": 100, "home": 100}
SECTION_TEXT_MAX: Final = 3000
SECTION_FIELDS_MAX: Final = 10
SECTION_FIELD_TEXT_MAX: Final = 2000
HEADER_TEXT_MAX: Final = 150
BUTTON_TEXT_MAX: Final = 75
BUTTON_VALUE_MAX: Final = 2000
BUTTON_URL_MAX: Final = 3000
ACTION_ID_MAX: Final = 255
BLOCK_ID_MAX: Final = 255
ACTIONS_ELEMENTS_MAX: Final = 25
CONTEXT_ELEMENTS_MAX: Final = 10
VIEW_TITLE_MAX: Final = 24
VIEW_BUTTON_TEXT_MAX: Final = 24
CALLBACK_ID_MAX: Final = 255
PRIVATE_METADATA_MAX: Final = 3000

ELLIPSIS: Final = "…"


def truncate(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else cut to fit with a trailing ellipsis."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    if len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def check_blocks(blocks: Sequence[Mapping[str, Any]], surface: Surface) -> list[str]:
    """Every way `blocks` break Slack's limits for `surface`; empty when Slack would take them."""
    violations: list[str] = []
    limit = MAX_BLOCKS[surface]
    if len(blocks) > limit:
        violations.append(f"{surface}: {len(blocks)} blocks; Slack allows at most {limit}")
    for index, block in enumerate(blocks):
        where = f"blocks[{index}] ({block.get('type')})"
        found = _block_violations(where, block)
        # slack_sdk stops at the first broken limit, often one just reported in our own words:
        # ask it only about blocks we found nothing wrong with, to catch the limits we don't list.
        violations.extend(found or _sdk_block_violations(where, block))
    return violations


def check_view(view: Mapping[str, Any]) -> list[str]:
    """Every way a modal or Home tab view breaks Slack's limits; empty when Slack would take it."""
    violations: list[str] = []
    kind = view.get("type")
    if kind not in ("modal", "home"):
        violations.append(f"view: type must be 'modal' or 'home', not {kind!r}")
    if kind == "modal" and _text(view.get("title")) is None:
        violations.append("view: a modal needs a title")
    violations += _too_long("view", "title", _text(view.get("title")), VIEW_TITLE_MAX)
    for button in ("submit", "close"):
        violations += _too_long("view", button, _text(view.get(button)), VIEW_BUTTON_TEXT_MAX)
    if kind == "home" and (view.get("submit") or view.get("close")):
        violations.append("view: the Home tab cannot have submit or close")
    blocks = view.get("blocks") or []
    has_inputs = any(block.get("type") == "input" for block in blocks)
    if kind == "modal" and has_inputs and not view.get("submit"):
        violations.append("view: a modal with input blocks needs a submit button")
    violations += _too_long("view", "callback_id", view.get("callback_id"), CALLBACK_ID_MAX)
    violations += _too_long("view", "private_metadata", view.get("private_metadata"), PRIVATE_METADATA_MAX)
    violations += check_blocks(blocks, "home" if kind == "home" else "modal")
    if not violations:
        violations += _sdk_view_violations(view)
    return violations


def _block_violations(where: str, block: Mapping[str, Any]) -> list[str]:
    kind = block.get("type")
    found = _too_long(where, "block_id", block.get("block_id"), BLOCK_ID_MAX)
    if kind == "section":
        found += _too_long(where, "text", _text(block.get("text")), SECTION_TEXT_MAX)
        fields = block.get("fields") or []
        found += _too_many(where, "fields", fields, SECTION_FIELDS_MAX)
        for index, text_object in enumerate(fields):
            found += _too_long(where, f"fields[{index}]", _text(text_object), SECTION_FIELD_TEXT_MAX)
        if isinstance(block.get("accessory"), Mapping):
            found += _element_violations(f"{where} accessory", block["accessory"])
    elif kind == "header":
        found += _too_long(where, "text", _text(block.get("text")), HEADER_TEXT_MAX)
    elif kind == "actions":
        elements = block.get("elements") or []
        found += _too_many(where, "elements", elements, ACTIONS_ELEMENTS_MAX)
        for index, element in enumerate(elements):
            found += _element_violations(f"{where} elements[{index}]", element)
    elif kind == "context":
        found += _too_many(where, "elements", block.get("elements") or [], CONTEXT_ELEMENTS_MAX)
    elif kind == "input" and isinstance(block.get("element"), Mapping):
        found += _element_violations(f"{where} element", block["element"])
    return found


def _element_violations(where: str, element: Mapping[str, Any]) -> list[str]:
    found = _too_long(where, "action_id", element.get("action_id"), ACTION_ID_MAX)
    if element.get("type") == "button":
        found += _too_long(where, "text", _text(element.get("text")), BUTTON_TEXT_MAX)
        found += _too_long(where, "value", element.get("value"), BUTTON_VALUE_MAX)
        found += _too_long(where, "url", element.get("url"), BUTTON_URL_MAX)
    return found


# What slack_sdk's models raise on malformed input besides their own formation errors: a missing
# required argument (TypeError) or a field of the wrong shape.
_MALFORMED = (
    SlackObjectFormationError,
    TypeError,
    ValueError,
    AttributeError,
    KeyError,
)


def _sdk_block_violations(where: str, block: Mapping[str, Any]) -> list[str]:
    try:
        parsed = Block.parse(dict(block))
        if parsed is None:
            return [f"{where}: not a block type slack_sdk knows"]
        parsed.to_dict()  # validates the block and everything inside it
    except _MALFORMED as error:
        return [f"{where}: {error}"]
    return []


def _sdk_view_violations(view: Mapping[str, Any]) -> list[str]:
    try:
        View(**view).to_dict()
    except _MALFORMED as error:
        return [f"view: {error}"]
    return []


def _text(value: object) -> str | None:
    """The characters of a text field, given as a string or as a text object."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("text"), str):
        return str(value["text"])
    return None


def _too_long(where: str, what: str, value: object, limit: int) -> list[str]:
    if isinstance(value, str) and len(value) > limit:
        return [f"{where}: {what} is {len(value)} characters; at most {limit}"]
    return []


def _too_many(where: str, what: str, items: Sequence[object], limit: int) -> list[str]:
    if len(items) > limit:
        return [f"{where}: {len(items)} {what}; at most {limit}"]
    return []
