"""A member's name and time zone: from our cache, else from Slack's `users.info` (then cached)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from handlers.deps import Deps
from models import services
from models.services import Actor, MemberProfile

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
