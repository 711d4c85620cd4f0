"""Modals: the Block Kit they are built from, the reading of what was submitted, and its acknowledgement, for every form."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from handlers.kit.blocks import Block, plain_text
from handlers.kit.deps import AckFn

#: A view's submitted values: block id → action id → the element's state.
State = dict[str, dict[str, dict[str, Any]]]


class FormErrors(Exception):
    """Field-by-field problems, shown by Slack under each field of the modal."""

    def __init__(self, by_block: dict[str, str]) -> None:
        super().__init__("; ".join(f"{block}: {text}" for block, text in by_block.items()))
        self.by_block = by_block


# Building ----------------------------------------------------------------------------------------
def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    submit: str = "Save",
    private_metadata: str = "",
) -> dict[str, Any]:
    """A form with a submit and a Cancel button; `private_metadata` travels back with the answers."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain_text(title, 24),
        "submit": plain_text(submit, 24),
        "close": plain_text("Cancel", 24),
        "blocks": blocks,
    }
    if private_metadata:
        view["private_metadata"] = private_metadata
    return view


def input_block(
    block_id: str, label: str, element: dict[str, Any], optional: bool = False, hint: str | None = None
) -> Block:
    """A labelled field; its element's action id is read back under `block_id`."""
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain_text(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain_text(hint, 2000)
    return block


def text_input(
    action_id: str, placeholder: str = "", multiline: bool = False, initial: str | None = None, max_length: int = 3000
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
        "max_length": max_length,
    }
    if placeholder:
        element["placeholder"] = plain_text(placeholder, 150)
    if initial:
        element["initial_value"] = initial[:max_length]
    return element


def option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain_text(label), "value": value}


def choice(
    kind: str, action_id: str, options: Sequence[tuple[str, str]], initial: str | None = None, placeholder: str = ""
) -> dict[str, Any]:
    """One of `options` (value, label): a `radio_buttons` or a `static_select`, `initial` chosen."""
    element: dict[str, Any] = {
        "type": kind,
        "action_id": action_id,
        "options": [option(value, label) for value, label in options],
    }
    if placeholder:
        element["placeholder"] = plain_text(placeholder, 150)
    for value, label in options:
        if value == initial:
            element["initial_option"] = option(value, label)
    return element


def checkboxes(action_id: str, options: Sequence[tuple[str, str]], checked: Iterable[str] = ()) -> dict[str, Any]:
    """Boxes for `options` (value, label), those in `checked` ticked."""
    element: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": action_id,
        "options": [option(value, label) for value, label in options],
    }
    ticked = set(checked)
    if ticked:
        element["initial_options"] = [option(value, label) for value, label in options if value in ticked]
    return element


# Reading -----------------------------------------------------------------------------------------
def answers(view: dict[str, Any]) -> State:
    """What was submitted in a view."""
    return dict(view.get("state", {}).get("values") or {})


def answer(state: State, block_id: str) -> dict[str, Any]:
    """The state of the field `block_id` (the element whose action id is the block id, else its only
    one), or {} when absent."""
    block = state.get(block_id) or {}
    return dict(block.get(block_id) or next(iter(block.values()), {}))


def text_of(state: State, block_id: str) -> str:
    """A text field's value, stripped ("" when left empty)."""
    return str(answer(state, block_id).get("value") or "").strip()


def selected(state: State, block_id: str) -> str | None:
    """The value of the option chosen in a select or radio field, or None."""
    chosen = answer(state, block_id).get("selected_option")
    return chosen.get("value") if chosen else None


def ticked(state: State, block_id: str) -> set[str]:
    """The values of the checkboxes ticked."""
    return {box["value"] for box in answer(state, block_id).get("selected_options") or ()}


def problems_in(read: Callable[..., object], *args: Any) -> dict[str, str]:
    """What `read(*args)` finds wrong with a submitted form, by block (the FormErrors it raises); {}
    when the form reads."""
    try:
        read(*args)
    except FormErrors as errors:
        return errors.by_block
    return {}


# Acknowledging -----------------------------------------------------------------------------------
def ack_form(ack: AckFn, problems: Mapping[str, str]) -> None:
    """A submitted form's quick part: its `problems`, by block, shown under their fields (the form
    stays open), or with none a plain acknowledgement (the form closes)."""
    if problems:
        ack(response_action="errors", errors=dict(problems))
    else:
        ack()
