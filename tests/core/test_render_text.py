"""Block Kit shown as terminal text: readable mrkdwn, and buttons numbered so they can be typed."""

from __future__ import annotations

from typing import Any

import pytest

from bot.render_text import WIDTH, mrkdwn_to_text, render_blocks, render_message


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def button(label: str, action_id: str, value: str = "") -> dict[str, Any]:
    return {"type": "button", "text": plain(label), "action_id": action_id, "value": value}


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


# mrkdwn -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mrkdwn", "text"),
    [
        pytest.param(
            "met with <@U1|sam> and <@U024BE7LH>",
            "met with @sam and @U024BE7LH",
            id="a mention with a name reads as @name, a bare one keeps the id",
        ),
        pytest.param(
            "*Jane Doe*: type `/logcall help`",
            "Jane Doe: type /logcall help",
            id="bold and code marks are stripped, their words stay",
        ),
        pytest.param(
            "2*3*4 and a * star",
            "2*3*4 and a * star",
            id="asterisks that are not bold (a multiplication, a lone star) are kept",
        ),
        pytest.param(
            ":white_check_mark: Logged :warning: careful :lock: private :tada:",
            "✔ Logged ⚠ careful 🔒 private :tada:",
            id="known emoji codes become symbols, an unknown one is left readable as is",
        ),
        pytest.param("at 12:30:45", "at 12:30:45", id="a time with seconds is not taken for an emoji code"),
        pytest.param(
            "see <https://api.slack.com/apps|your apps>",
            "see your apps (https://api.slack.com/apps)",
            id="a link shows its label then the address",
        ),
        pytest.param("/logcall &lt;who&gt; R&amp;D", "/logcall <who> R&D", id="Slack's escapes are undone"),
    ],
)
def test_mrkdwn_reads_as_the_text_a_person_sees(mrkdwn: str, text: str) -> None:
    """Marks, mentions, emoji codes, links and escapes become what Slack would show; anything else stays as typed."""
    assert mrkdwn_to_text(mrkdwn) == text


# Blocks and buttons ---------------------------------------------------------------------------------


def test_buttons_are_numbered_from_first_number_across_accessories_and_actions_blocks() -> None:
    """Numbering runs in order through section accessories and every actions block, from first_number."""
    blocks = [
        section("*Jane Doe*", block_id="tie_1", accessory=button("Rate this relationship", "rate", "1")),
        {"type": "actions", "block_id": "row", "elements": [button("Undo", "undo", "9"), button("Keep", "keep")]},
        section("*Raj Patel*", block_id="tie_2", accessory=button("Rate this relationship", "rate", "2")),
    ]

    lines, buttons = render_blocks(blocks, first_number=5)

    assert [(b.number, b.element["action_id"], b.block_id) for b in buttons] == [
        (5, "rate", "tie_1"),
        (6, "undo", "row"),
        (7, "keep", "row"),
        (8, "rate", "tie_2"),
    ]
    assert buttons[0].element["value"] == "1"
    assert lines == [
        "  Jane Doe",
        "    [5] Rate this relationship",
        "  [6] Undo   [7] Keep",
        "  Raj Patel",
        "    [8] Rate this relationship",
    ]


def test_an_accessory_that_is_not_a_button_gets_no_number() -> None:
    """Only buttons are numbered: an image or overflow accessory is not something to type."""
    blocks = [section("Jane", accessory={"type": "image", "image_url": "https://x/y.png", "alt_text": "Jane"})]

    lines, buttons = render_blocks(blocks)

    assert (lines, buttons) == (["  Jane"], [])


def test_dividers_context_headers_and_fields_are_rendered() -> None:
    """A divider is a rule, a context line is indented text, a header is capitalised, fields are listed."""
    blocks = [
        {"type": "header", "text": plain("Your ties")},
        {"type": "divider"},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": ":lock: Notes are private"},
                {"type": "image", "image_url": "https://x/y.png", "alt_text": "lock"},
                {"type": "plain_text", "text": "only you"},
            ],
        },
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Strength*"}, {"type": "mrkdwn", "text": "0.28"}]},
    ]

    lines, buttons = render_blocks(blocks)

    assert lines[:2] == ["  YOUR TIES", "  " + "─" * 40]
    assert lines[2].startswith("    🔒 Notes are private") and lines[2].split()[-2:] == ["only", "you"]
    assert lines[3:] == ["    Strength", "    0.28"]
    assert buttons == []


def test_multi_line_sections_keep_their_lines_and_long_lines_wrap() -> None:
    """Each line of a section is its own line; a line longer than the screen wraps, indented further."""
    long_line = " ".join(["word"] * 40)

    lines, _ = render_blocks([section(f"first\n\n{long_line}")])

    assert lines[:2] == ["  first", "  "]
    assert len(lines) > 3
    assert all(len(line) <= WIDTH for line in lines)
    assert lines[3].startswith("    word")
    assert " ".join(line.strip() for line in lines[2:]) == long_line


def test_a_message_without_blocks_shows_its_text() -> None:
    """A plain-text reply is shown as its text, with no buttons."""
    lines, buttons = render_message({"text": ":warning: *Nothing* was recorded", "response_type": "ephemeral"})

    assert (lines, buttons) == (["  ⚠ Nothing was recorded"], [])


def test_a_message_with_blocks_shows_the_blocks_not_the_fallback_text() -> None:
    """When blocks are present the fallback text is not printed twice."""
    payload = {"text": "fallback", "blocks": [section("the real reply")]}

    lines, _ = render_message(payload)

    assert lines == ["  the real reply"]
