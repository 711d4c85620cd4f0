"""Who is asking: the member and their workspace, read from Bolt's context (never a Grid organisation's id)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext

from models.core.errors import RapportError
from models.core.values import Actor

#: Where `remember_workspace` puts the member's workspace when Bolt's context names none of its own.
WORKSPACE_KEY = "rapport_team_id"
NO_WORKSPACE = (
    "I couldn't tell which workspace this came from: it reached me from your Enterprise Grid organisation "
    "as a whole. Please try again from inside a workspace where Rapport is installed."
)


def actor_of(context: BoltContext) -> Actor:
    """Who is asking, keyed by their workspace's team id: never by a Grid organisation's id.

    Keying one member's data by the organisation in one request and by the team in the next would
    split it in two; a request that names no workspace at all is refused, and the person told why.
    """
    team_id = context.get(WORKSPACE_KEY) or context.team_id
    if not team_id or team_id == context.enterprise_id:
        raise RapportError(NO_WORKSPACE)
    return Actor(team_id=team_id, user_id=context.user_id or "")


def remember_workspace(context: BoltContext, body: dict[str, Any], next: Callable[[], None]) -> None:
    """Bolt middleware: where Bolt found no workspace, or took the organisation for one, read the payload's.

    An organisation-wide installation's payloads may carry the organisation's id where a team id
    is expected (a form's `app_installed_team_id`) or no team at all; the member's team is elsewhere.
    """
    if not context.team_id or context.team_id == context.enterprise_id:
        team_id = workspace_named_in(body, context.enterprise_id)
        if team_id:
            context[WORKSPACE_KEY] = team_id
    next()


def workspace_named_in(body: dict[str, Any], enterprise_id: str | None) -> str | None:
    """The first team id a payload gives for the member's workspace (an organisation's id is none)."""

    def part(key: str) -> dict[str, Any]:
        value = body.get(key)
        return value if isinstance(value, dict) else {}

    team = body.get("team")
    candidates = (
        team if isinstance(team, str) else part("team").get("id"),
        part("user").get("team_id"),
        part("view").get("team_id"),
        body.get("team_id"),
        part("event").get("user_team"),
        part("event").get("team"),
    )
    return next((c for c in candidates if isinstance(c, str) and c and c != enterprise_id), None)
