"""Block Kit of the App Home tab: the dashboard's lists, worded and paged, and the member's settings."""

from __future__ import annotations

import json
from typing import Any

from handlers.kit.blockkit import truncate
from handlers.kit.blocks import Block, button, context, section
from handlers.network.views import route_caution
from handlers.nudges.wording import headline
from models.core.graph import BRIDGE, LOCAL_BRIDGE
from models.home.service import Gap, Home, HomeSettings, RelationshipLine, Section

_TITLES = {
    "gaps": ":mag: *1. What we still need to learn about your key contacts*",
    "bridges": ":bridge_at_night: *3a. Your bridges: the only ways into other circles*",
    "intermediaries": ":handshake: *3b. Your strongest intermediaries*",
    "top": ":star: *Your top relationships*",
    "neglected": ":hourglass_flowing_sand: *Falling off the radar*",
    "one_sided": ":left_right_arrow: *One-sided*",
}
_EMPTY = {
    "gaps": "Nothing missing on your key contacts: well done.",
    "intermediaries": "Log meetings with several people to see who knows whom.",
    "top": "No relationship yet: log a conversation with `/logcall`.",
    "neglected": "Nobody is overdue.",
    "one_sided": "Every relationship is balanced.",
}
_GAPS = {
    Gap.JOB_TITLE: "job title",
    Gap.RESPONSIBILITIES: "what they really do",
    Gap.APPRECIATION: "whether they value your work",
    Gap.NETWORK: "their network",
}
_BRIDGES = {BRIDGE: "the only way into their circle", LOCAL_BRIDGE: "links two circles that share no one"}


def home_view(data: Home, network_minutes: int | None = None) -> dict[str, Any]:
    """The Home tab, well within Slack's 100 blocks; `network_minutes`: how often the network is recomputed."""
    empty = {**_EMPTY, "bridges": f"No bridge yet (the network is recomputed {_every(network_minutes)})."}
    divider: Block = {"type": "divider"}
    blocks = _heading(data) + _section(data.gaps, empty, data.tag)
    blocks += [divider, _accounts_to_build(data), divider]
    blocks += _section(data.bridges, empty, data.tag) + _brokerage(data)
    blocks += _section(data.intermediaries, empty, data.tag)
    blocks += [divider, _messengers(data), divider]
    for part in (data.top, data.neglected, data.one_sided):
        blocks += _section(part, empty, data.tag)
    blocks += [_reach(data), divider, *_settings(data.settings)]
    return {"type": "home", "blocks": blocks[:100]}


def _heading(data: Home) -> list[Block]:
    """The title (with the tag shown), what the tab is for, and the tag filter when there are tags."""
    blocks: list[Block] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": "Your relationships" + (f" #{data.tag}" if data.tag else "")},
        },
        context(
            "Relationship intelligence: know the quality of your links, and use it. `/logcall` · `/whoknows` · `/prep`"
        ),
    ]
    if data.tags:
        choices = [{"text": {"type": "plain_text", "text": "Everyone"}, "value": "all"}]
        choices += [{"text": {"type": "plain_text", "text": f"#{t}"[:75]}, "value": t[:150]} for t in data.tags[:99]]
        picker: dict[str, Any] = {"type": "static_select", "action_id": "home_tag", "options": choices}
        picker["initial_option"] = next((c for c in choices if c["value"] == (data.tag or "all")), choices[0])
        blocks.append({"type": "actions", "block_id": "home_filter", "elements": [picker]})
    return blocks


def _accounts_to_build(data: Home) -> Block:
    accounts = "\n".join(
        f"• *{a.name}*: {a.people_known} known, best tie {a.best_strength:.2f}" for a in data.accounts_to_build
    )
    return section(
        ":seedling: *2. Accounts that need new relationships*\n"
        + (accounts or "None: someone knows someone well at each of your accounts.")
    )


def _brokerage(data: Home) -> list[Block]:
    if data.brokerage is None:
        return []
    position = data.brokerage
    constraint = f"{position.constraint:.2f}" if position.constraint is not None else "n/a"
    return [
        context(
            f"Your brokerage: effective size {position.effective_size:.1f}, constraint {constraint} (lower: more open doors)"
        )
    ]


def _messengers(data: Home) -> Block:
    messengers = "\n".join(
        f"• *{person.name}*"
        + (f" ({person.company})" if person.company else "")
        + (": you know them" if route.is_direct else f": via {route.hops[0].to.name}, chance {route.chance:.2f}")
        + (f" ({caution})" if (caution := route_caution(route)) else "")
        for person, route in data.messengers
    )
    return section(
        ":dart: *4. Who can carry your message to the people concerned*\n"
        + (messengers or "Mark who is concerned in a meeting's context to see routes to them.")
    )


def _reach(data: Home) -> Block:
    total = data.reach + data.relationships
    share = f"{data.relationships / total:.0%}" if total else "n/a"
    return section(
        f":busts_in_silhouette: *Reach versus relationships*: {data.relationships} relationships, {data.reach} connections never contacted "
        f"({share} of your network is real relationships). Could you introduce them? Log a first conversation to turn reach into a relationship."
    )


def _section(part: Section, empty: dict[str, str], tag: str | None = None) -> list[Block]:
    lines = [
        f"• *{line.person.name}*"
        + (f" ({line.person.company})" if line.person.company else "")
        + (f" · score {line.score:+d}" if line.score is not None else "")
        + f" · {line.band} {line.strength:.2f}"
        + (f"\n   {truncate(why, 300)}" if (why := _why(line)) else "")
        for line in part.lines
    ]
    text = _TITLES[part.key] + "\n" + ("\n".join(lines) if lines else empty[part.key])
    block = section(truncate(text, 2900))
    blocks: list[Block] = [block]
    pager = []
    if part.page > 0:
        pager.append(
            button("Previous", f"home_page_{part.key}_prev", json.dumps({"k": part.key, "p": part.page - 1, "t": tag}))
        )
    if part.has_more:
        pager.append(
            button("More", f"home_page_{part.key}_next", json.dumps({"k": part.key, "p": part.page + 1, "t": tag}))
        )
    if pager:
        blocks.append({"type": "actions", "block_id": f"pager_{part.key}", "elements": pager})
    return blocks


def _why(line: RelationshipLine) -> str:
    """The fact that put a contact on a list, worded."""
    if line.gaps:
        return "; ".join(_GAPS[gap] for gap in line.gaps)
    if line.bridge:
        return _BRIDGES.get(line.bridge, "")
    if line.knows:
        return f"knows {line.knows} {'person' if line.knows == 1 else 'people'} we know of"
    if line.nudge:
        return headline(line.nudge)
    return ""


def _every(minutes: int | None) -> str:
    """“every hour”, “every 15 minutes”, “every 2 hours”, “every day”; “on a schedule” when unknown."""
    if minutes is None:
        return "on a schedule"
    for unit, size in (("day", 24 * 60), ("hour", 60)):
        if minutes % size == 0:
            count = minutes // size
            return f"every {unit}" if count == 1 else f"every {count} {unit}s"
    return "every minute" if minutes == 1 else f"every {minutes} minutes"


def _settings(data: HomeSettings) -> list[Block]:
    settings = data.digest
    if settings.frequency.value == "off":
        digest = "off"
    else:
        digest = f"{settings.frequency.value} at {settings.local_time:%H:%M} on {', '.join(settings.days)} ({settings.time_zone})"
    cadences = (
        ", ".join(f"#{tag} every {days} days" for tag, days in sorted(data.cadences.items())) or "by tie strength"
    )
    calendar = "none yet" if data.calendar is None else (data.calendar.address or "an uploaded file")
    lines = [
        ":gear: *Settings*",
        f"• Digest: {digest}",
        f"• Stay in touch: {cadences}",
        f"• Briefings: {data.briefing_lead_minutes} min before each meeting",
        f"• Calendar: {calendar}",
        "• Private ties (left out of colleagues' routes): "
        + (
            ", ".join(p.name for p in data.private_ties)
            if data.private_ties
            else "none; set one in *Rate this relationship*"
        ),
    ]
    elements = [
        button("Digest and briefings", "nudge_settings", "settings"),
        button("Calendar feed", "home_calendar", "calendar"),
        button("Import contacts", "home_import", "import"),
    ]
    elements += [
        button(f"Make visible: {p.name}"[:75], f"home_unhide_{p.id}", str(p.id)) for p in data.private_ties[:3]
    ]
    return [section("\n".join(lines)), {"type": "actions", "block_id": "home_settings", "elements": elements}]
