"""Block Kit limits: each one Slack enforces is caught before Slack refuses the payload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from handlers.kit.blockkit import check_blocks, check_view, truncate

Blocks = list[dict[str, Any]]


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str = "Hello") -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text)}


def button(text: str = "Log", value: str = "v", action_id: str = "log") -> dict[str, Any]:
    return {
        "type": "button",
        "text": plain(text),
        "value": value,
        "action_id": action_id,
    }


def actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


def modal(**fields: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "title": plain("Log a call"),
        "blocks": [section()],
    }
    view.update(fields)
    return view


# Each case builds blocks from a size n: Slack takes them at n == limit, refuses them at limit + 1.
BLOCK_LIMITS: list[tuple[str, Callable[[int], Blocks], int, str]] = [
    ("section text", lambda n: [section("x" * n)], 3000, "text is 3001 characters"),
    (
        "section fields",
        lambda n: [{"type": "section", "fields": [mrkdwn("f")] * n}],
        10,
        "11 fields; at most 10",
    ),
    (
        "section field text",
        lambda n: [{"type": "section", "fields": [mrkdwn("x" * n)]}],
        2000,
        "fields[0] is 2001 characters",
    ),
    (
        "header text",
        lambda n: [{"type": "header", "text": plain("x" * n)}],
        150,
        "text is 151 characters",
    ),
    (
        "button text",
        lambda n: [actions(button(text="x" * n))],
        75,
        "text is 76 characters",
    ),
    (
        "button value",
        lambda n: [actions(button(value="x" * n))],
        2000,
        "value is 2001 characters",
    ),
    (
        "action_id",
        lambda n: [actions(button(action_id="x" * n))],
        255,
        "action_id is 256 characters",
    ),
    (
        "accessory action_id",
        lambda n: [{**section(), "accessory": button(action_id="x" * n)}],
        255,
        "accessory: action_id is 256 characters",
    ),
    (
        "block_id",
        lambda n: [{**section(), "block_id": "x" * n}],
        255,
        "block_id is 256 characters",
    ),
    (
        "elements in an actions block",
        lambda n: [actions(*(button(action_id=f"a{i}") for i in range(n)))],
        25,
        "26 elements; at most 25",
    ),
    (
        "elements in a context block",
        lambda n: [{"type": "context", "elements": [mrkdwn("c")] * n}],
        10,
        "11 elements; at most 10",
    ),
    ("blocks in a message", lambda n: [section()] * n, 50, "message: 51 blocks"),
]


@pytest.mark.parametrize(
    ("build", "limit", "complaint"),
    [case[1:] for case in BLOCK_LIMITS],
    ids=[case[0] for case in BLOCK_LIMITS],
)
def test_each_message_limit_is_caught_just_past_it(build: Callable[[int], Blocks], limit: int, complaint: str) -> None:
    """Blocks exactly at a Slack limit pass; one past it is reported once, naming the limit."""
    assert check_blocks(build(limit), "message") == []
    (violation,) = check_blocks(build(limit + 1), "message")
    assert complaint in violation


def test_a_modal_or_home_tab_holds_up_to_a_hundred_blocks() -> None:
    """Modals and the Home tab take 100 blocks where a message takes 50."""
    assert check_blocks([section()] * 100, "modal") == []
    assert check_blocks([section()] * 100, "home") == []
    assert check_blocks([section()] * 101, "modal") == ["modal: 101 blocks; Slack allows at most 100"]


def test_a_violation_names_the_block_it_is_in() -> None:
    """A violation points at the block by position and type, so the builder can be found."""
    blocks = [section(), {"type": "header", "text": plain("x" * 151)}]
    assert check_blocks(blocks, "message") == ["blocks[1] (header): text is 151 characters; at most 150"]


def test_every_broken_limit_is_reported_not_just_the_first() -> None:
    """Several problems in several blocks are all listed."""
    blocks = [section("x" * 3001), actions(button(text="x" * 76, value="x" * 2001))]
    assert len(check_blocks(blocks, "message")) == 3


def test_limits_only_slack_sdk_knows_are_still_caught() -> None:
    """A limit not checked by name (an image's alt text) is caught by slack_sdk's own models."""
    image = {
        "type": "image",
        "image_url": "https://example.com/a.png",
        "alt_text": "x" * 2001,
    }
    (violation,) = check_blocks([image], "message")
    assert violation.startswith("blocks[0] (image): alt_text")


def test_a_malformed_or_unknown_block_is_reported_not_raised() -> None:
    """A block slack_sdk cannot build (missing fields, unknown type) becomes a violation."""
    assert check_blocks([{"type": "section"}], "message") == [
        "blocks[0] (section): text or fields attribute must be specified"
    ]
    assert len(check_blocks([{"type": "image"}], "message")) == 1
    assert check_blocks([{"type": "sparkles"}], "message") == ["blocks[0] (sparkles): not a block type slack_sdk knows"]


def test_a_well_formed_modal_passes() -> None:
    """A modal with a short title, input, submit and close has nothing to report."""
    view = modal(
        callback_id="log_call",
        private_metadata="C0SALES",
        submit=plain("Save"),
        close=plain("Cancel"),
        blocks=[
            {
                "type": "input",
                "block_id": "who",
                "label": plain("Who?"),
                "element": {"type": "plain_text_input", "action_id": "who"},
            }
        ],
    )
    assert check_view(view) == []


VIEW_LIMITS: list[tuple[str, Callable[[int], dict[str, Any]], int, str]] = [
    ("title", lambda n: modal(title=plain("x" * n)), 24, "title is 25 characters"),
    ("submit", lambda n: modal(submit=plain("x" * n)), 24, "submit is 25 characters"),
    ("close", lambda n: modal(close=plain("x" * n)), 24, "close is 25 characters"),
    ("callback_id", lambda n: modal(callback_id="x" * n), 255, "callback_id is 256"),
    (
        "private_metadata",
        lambda n: modal(private_metadata="x" * n),
        3000,
        "private_metadata is 3001",
    ),
    ("blocks in a modal", lambda n: modal(blocks=[section()] * n), 100, "101 blocks"),
    (
        "blocks in the Home tab",
        lambda n: {"type": "home", "blocks": [section()] * n},
        100,
        "home: 101 blocks",
    ),
    (
        "blocks inside a view",
        lambda n: modal(blocks=[{"type": "header", "text": plain("x" * n)}]),
        150,
        "blocks[0] (header): text is 151",
    ),
]


@pytest.mark.parametrize(
    ("build", "limit", "complaint"),
    [case[1:] for case in VIEW_LIMITS],
    ids=[case[0] for case in VIEW_LIMITS],
)
def test_each_view_limit_is_caught_just_past_it(
    build: Callable[[int], dict[str, Any]], limit: int, complaint: str
) -> None:
    """A view exactly at a Slack limit passes; one past it is reported once, naming the limit."""
    assert check_view(build(limit)) == []
    (violation,) = check_view(build(limit + 1))
    assert complaint in violation


def test_a_view_must_be_a_modal_or_the_home_tab() -> None:
    """Only modal and home views are checked as valid; a modal without a title is refused."""
    assert check_view({**modal(), "type": "message"}) == ["view: type must be 'modal' or 'home', not 'message'"]
    assert check_view({"type": "modal", "blocks": [section()]}) == ["view: a modal needs a title"]


def test_the_home_tab_cannot_have_submit_or_close() -> None:
    """Slack refuses a Home tab view with a submit or close button."""
    home = {"type": "home", "blocks": [section()], "submit": plain("Save")}
    assert check_view(home) == ["view: the Home tab cannot have submit or close"]


def test_a_modal_with_inputs_needs_a_submit_button() -> None:
    """Slack refuses a modal holding input blocks but no submit button."""
    view = modal(
        blocks=[
            {
                "type": "input",
                "label": plain("Note"),
                "element": {"type": "plain_text_input", "action_id": "note"},
            }
        ]
    )
    assert check_view(view) == ["view: a modal with input blocks needs a submit button"]


def test_truncate_leaves_short_text_alone() -> None:
    """Text within the limit comes back unchanged."""
    assert truncate("Acme Corp", 24) == "Acme Corp"
    assert truncate("x" * 24, 24) == "x" * 24


def test_truncate_cuts_long_text_to_the_limit_with_an_ellipsis() -> None:
    """Long text is cut so that, ellipsis included, it fits the limit exactly."""
    cut = truncate("Quarterly business review with Acme", 24)
    assert cut == "Quarterly business revi…"
    assert len(cut) == 24


def test_truncate_drops_trailing_spaces_before_the_ellipsis() -> None:
    """The ellipsis follows the last word, not a dangling space."""
    assert truncate("Call with Marie Dupont", 11) == "Call with…"


def test_truncated_text_passes_the_limit_it_was_cut_for() -> None:
    """Truncating to a Block Kit limit makes the block acceptable to Slack."""
    header = {"type": "header", "text": plain(truncate("Pipeline " * 40, 150))}
    assert check_blocks([header], "message") == []


def test_truncate_refuses_a_limit_below_one() -> None:
    """There is no way to cut text to zero characters and show an ellipsis."""
    with pytest.raises(ValueError, match="at least 1"):
        truncate("anything", 0)
