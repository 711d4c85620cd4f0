"""A member's name and time zone: from our cache, else from Slack's `users.info` (then cached)."""

from __future__ import annotations

import json
import logging
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from handlers.kit.deps import Deps
from models.core.values import Actor, MemberProfile
from models.logcall import service as services

logger = logging.getLogger(__name__)


def member_profile(deps: Deps, client: WebClient, actor: Actor) -> MemberProfile:
    """The member's profile; if Slack cannot say, UTC for now (and we ask again next time)."""
    now = deps.clock()
    cached = services.cached_profile(deps.uow(), actor, now)
    if cached is not None:
        return cached
    try:
        user = client.users_info(user=actor.user_id)["user"]
    except (SlackApiError, SlackRequestError, OSError) as error:
        logger.warning("users.info failed for a member, reading dates in UTC: %s", type(error).__name__)
        return MemberProfile(display_name="", time_zone="UTC")
    profile_data = user.get("profile") or {}
    name = profile_data.get("display_name") or user.get("real_name") or user.get("name") or ""
    profile = MemberProfile(display_name=name, time_zone=user.get("tz") or "UTC", email=profile_data.get("email"))
    services.remember_profile(deps.uow(), actor, profile, now)
    return profile


def form_metadata(profile: MemberProfile, **fields: Any) -> str:
    """A modal's private_metadata: what its submission needs, and the time zone the member saw it in."""
    return json.dumps({**fields, "tz": profile.time_zone})


def form_zone(deps: Deps, view: dict[str, Any], actor: Actor) -> ZoneInfo:
    """The time zone to read a submitted form in, without asking Slack (a form is acknowledged first).

    The one the form was opened in (its private_metadata), else the profile we keep, else UTC.
    """
    try:
        name = json.loads(view.get("private_metadata") or "{}").get("tz")
    except (ValueError, AttributeError):
        name = None
    if isinstance(name, str) and name:
        return MemberProfile(display_name="", time_zone=name).zone
    cached = services.cached_profile(deps.uow(), actor, deps.clock())
    return cached.zone if cached else ZoneInfo("UTC")
