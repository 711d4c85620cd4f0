"""Slack mrkdwn built safely: what people typed is escaped; only markup the app wrote itself stays live.

Slack reads `<…>` in mrkdwn as a command: `<!channel>` notifies a whole channel, `<https://x|Jane Doe>`
is a link disguised as a name, `<@U123>` a mention. Names, notes, companies, titles and event titles
come from people and outsiders (a `/logcall`, a calendar invitation, an imported file), so every text
Block Kit shows goes through `to_mrkdwn`: a plain `str` is escaped (`&`, `<`, `>`, as Slack asks), a
`Mrkdwn` (markup the app composed with `md`, `mention`) is kept as it is. The builders in
`handlers.logcall.views` (`section`, `context`, `message`) call it, so a view cannot forget to escape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, SupportsIndex

from handlers.kit.blockkit import ELLIPSIS

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")
# The longest a cut may land inside: an entity (`&amp;`) or a mention (`<@W0123456789ABCDEFGHI>`).
_LONGEST_TOKEN = 25


def escape(text: str) -> str:
    """`text` as Slack shows it literally: the three characters Slack reads as markup, escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Text Slack escaped (a slash command's text) as the person typed it."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class Mrkdwn(str):
    """Text already in mrkdwn, written by the app: kept as it is. Adding or joining a plain `str`
    escapes that `str`, so markup and people's text can be combined without thinking about it."""

    __slots__ = ()

    def __add__(self, other: str) -> Mrkdwn:
        return Mrkdwn(str.__add__(self, to_mrkdwn(other)))

    def __radd__(self, other: str) -> Mrkdwn:
        return Mrkdwn(str.__add__(to_mrkdwn(other), self))

    def join(self, parts: Iterable[str]) -> Mrkdwn:
        return Mrkdwn(str.join(self, (to_mrkdwn(part) for part in parts)))

    def __getitem__(self, index: SupportsIndex | slice) -> str:  # a slice could cut markup in two
        return str(self)[index]


def md(template: str, *args: Any) -> Mrkdwn:
    """The app's own mrkdwn `template` with `{}` filled in: plain strings escaped, `Mrkdwn` kept."""
    return Mrkdwn(template.format(*(to_mrkdwn(arg) if isinstance(arg, str) else arg for arg in args)))


def to_mrkdwn(text: str) -> str:
    """What Slack should receive for `text`: the app's markup as it is, anything else escaped."""
    return str(text) if isinstance(text, Mrkdwn) else escape(text)


def mention(user_id: str) -> Mrkdwn:
    """A Slack mention of a member (`<@U…>`); an id that is not one is shown as plain text."""
    if _USER_ID.fullmatch(user_id):
        return Mrkdwn(f"<@{user_id}>")
    return Mrkdwn(escape(user_id))


def clip(mrkdwn: str, limit: int) -> str:
    """Escaped mrkdwn cut to `limit` characters with an ellipsis, never inside an entity or a `<…>`."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    cut = mrkdwn[: limit - len(ELLIPSIS)]
    tail = cut[-_LONGEST_TOKEN:]
    for opener, closer in (("&", ";"), ("<", ">")):
        start = tail.rfind(opener)
        if start != -1 and closer not in tail[start:]:
            cut = cut[: len(cut) - len(tail) + start]
            tail = cut[-_LONGEST_TOKEN:]
    return cut.rstrip() + ELLIPSIS
