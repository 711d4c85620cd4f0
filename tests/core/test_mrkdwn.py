"""Building mrkdwn: people's text escaped once, the app's own markup kept, cuts never inside markup."""

from __future__ import annotations

from handlers.kit.blocks import context, dm, message, section
from handlers.kit.mrkdwn import Mrkdwn, clip, escape, md, mention, to_mrkdwn, unescape


def test_the_three_characters_slack_reads_as_markup_are_escaped_and_read_back() -> None:
    """`&`, `<` and `>` become entities (Slack shows them as typed); unescaping gives the text back."""
    hostile = "<!channel> & <https://evil.example|Jane>"
    assert escape(hostile) == "&lt;!channel&gt; &amp; &lt;https://evil.example|Jane&gt;"
    assert unescape(escape(hostile)) == hostile


def test_a_plain_string_is_shown_literally_and_the_apps_markup_stays_live() -> None:
    """`section` and `context` escape a `str`; `md` escapes only what fills its template."""
    assert section("*Jane* <!here>")["text"]["text"] == "*Jane* &lt;!here&gt;"
    assert context("<@U0BOSS>")["elements"][0]["text"] == "&lt;@U0BOSS&gt;"
    built = md("{} asks about *{}*", mention("U0SELLER1"), "<!channel>")
    assert section(built)["text"]["text"] == "<@U0SELLER1> asks about *&lt;!channel&gt;*"


def test_adding_or_joining_plain_text_to_markup_escapes_only_the_plain_text() -> None:
    """Markup + str, str + markup and a join keep the markup and escape the rest, whatever the order."""
    assert to_mrkdwn(Mrkdwn("*a*") + "<b>") == "*a*&lt;b&gt;"
    assert to_mrkdwn("<b>" + Mrkdwn("*a*")) == "&lt;b&gt;*a*"
    assert to_mrkdwn(Mrkdwn(", ").join([mention("U0A1"), "<!here>"])) == "<@U0A1>, &lt;!here&gt;"


def test_only_a_real_member_id_becomes_a_mention() -> None:
    """An id that is not Slack's shape (`U…`/`W…`) is shown as text, never as markup."""
    assert mention("W0ABC12") == "<@W0ABC12>"
    assert mention("U0A|<!channel>") == "U0A|&lt;!channel&gt;"


def test_a_cut_never_lands_inside_an_entity_or_a_mention() -> None:
    """Cutting to Slack's limits keeps every `&…;` and `<…>` whole, and ends with an ellipsis."""
    text = "x" * 8 + "&amp;" + "y" * 10
    assert clip(text, 12) == "x" * 8 + "…"
    assert clip("ab <@U0SELLER1> cd", 10) == "ab…"
    assert clip("short", 10) == "short"


def test_notification_texts_are_escaped_like_the_blocks() -> None:
    """The `text` Slack shows in notifications is escaped too, for replies and DMs alike."""
    assert message([], fallback="<!channel> hi")["text"] == "&lt;!channel&gt; hi"
    assert dm([], fallback="<!everyone>")["text"] == "&lt;!everyone&gt;"
