"""The Web API methods the stand-in answers, as Slack would (auth, users, views, chat, conversations, OAuth)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from bot.standin.transcript import _FILES_PREFIX, APP_ID, DEFAULT_TZ, TEAM_NAME, new_id


class WebApiMethods:
    """Each method's answer from the stand-in's state (its workspace, users, files, DMs and history)."""

    team_id: str
    bot_user_id: str
    bot_id: str
    oauth_codes: dict[str, dict[str, Any]]
    files: dict[str, bytes]
    token_teams: dict[str, str]
    token_enterprises: dict[str, dict[str, str]]
    user_errors: dict[str, str]
    _users: dict[str, dict[str, Any]]
    _home_view_ids: dict[str, str]
    _dm_channels: dict[str, str]
    _history: dict[str, list[dict[str, Any]]]
    _changed: threading.Condition

    @property
    def origin(self) -> str:
        raise NotImplementedError

    def _next_ts(self) -> str:
        raise NotImplementedError

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        team_id = self.token_teams.get(str(args.get("_token") or ""), self.team_id)
        return {
            "url": "https://rapport-standin.slack.com/",
            "team": TEAM_NAME,
            "user": "rapport",
            "team_id": team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def add_file(self, content: bytes, name: str = "calendar.ics") -> dict[str, Any]:
        """A file as Slack describes it in a form's file input; downloading it needs a bot token."""
        file_id = new_id("F")
        with self._changed:
            self.files[file_id] = content
        return {"id": file_id, "name": name, "url_private_download": f"{self.origin}{_FILES_PREFIX}{file_id}"}

    def add_oauth_code(
        self,
        code: str,
        team_id: str,
        team_name: str = "Workspace",
        enterprise_id: str | None = None,
        enterprise_name: str = "Organisation",
        organisation_wide: bool = False,
    ) -> str:
        """Make `oauth.v2.access` with this code install the app in that team; returns its bot token.

        With `enterprise_id`, the team is a workspace of that Enterprise Grid organisation; with
        `organisation_wide` too, the app is installed for the whole organisation (no team).
        """
        token = f"xoxb-{team_id.lower()}-{uuid.uuid4().hex[:12]}"
        grant: dict[str, Any] = {"team_id": team_id, "team_name": team_name, "token": token}
        with self._changed:
            if enterprise_id:
                grant |= {"enterprise_id": enterprise_id, "enterprise_name": enterprise_name}
                grant["organisation_wide"] = organisation_wide
                self.token_enterprises[token] = {"id": enterprise_id, "name": enterprise_name}
            self.oauth_codes[code] = grant
            self.token_teams[token] = team_id
        return token

    def _oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        grant = self.oauth_codes.get(str(args.get("code") or ""))
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        enterprise = (
            {"id": grant["enterprise_id"], "name": grant["enterprise_name"]} if "enterprise_id" in grant else None
        )
        organisation_wide = bool(grant.get("organisation_wide"))
        return {
            "app_id": APP_ID,
            "authed_user": {"id": "U0INSTALLER"},
            "scope": "commands,chat:write,users:read",
            "token_type": "bot",
            "access_token": grant["token"],
            "bot_user_id": self.bot_user_id,
            "team": None if organisation_wide else {"id": grant["team_id"], "name": grant["team_name"]},
            "enterprise": enterprise,
            "is_enterprise_install": organisation_wide,
        }

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user") or "")
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        token = str(args.get("_token") or "")
        user = self._user(user_id, self.token_teams.get(token, self.team_id))
        enterprise = self.token_enterprises.get(token)
        if enterprise is not None:  # a member of a Grid organisation (Slack's objs_enterprise_user)
            user["enterprise_user"] = {
                "id": user_id,
                "enterprise_id": enterprise["id"],
                "enterprise_name": enterprise["name"],
                "is_admin": False,
                "is_owner": False,
                "teams": [user["team_id"]],
            }
        return {"user": user}

    def _user(self, user_id: str, team_id: str | None = None) -> dict[str, Any]:
        given = self._users.get(user_id, {})
        tz = str(given.get("tz", DEFAULT_TZ))
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        name = str(given.get("name", user_id.lower()))
        real_name = str(given.get("real_name", f"User {user_id}"))
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name,
            "real_name": real_name,
            "deleted": False,
            "is_bot": False,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            **{key: value for key, value in given.items() if key != "profile"},
        }
        user["profile"] = {
            "display_name": name,
            "real_name": real_name,
            **given.get("profile", {}),
        }
        return user

    def _view(self, args: dict[str, Any], view_id: str) -> dict[str, Any]:
        view = args.get("view")
        view = dict(view) if isinstance(view, Mapping) else {}
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type", "modal"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "clear_on_close": view.get("clear_on_close", False),
            "notify_on_close": view.get("notify_on_close", False),
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "bot_id": self.bot_id,
            **{k: v for k, v in view.items() if k in ("title", "submit", "close")},
        }

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"view": self._view(args, new_id("V"))}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"view": self._view(args, str(args.get("view_id") or new_id("V")))}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user_id", ""))
        with self._changed:
            view_id = self._home_view_ids.setdefault(user_id, new_id("V"))
        return {"view": self._view(args, view_id)}

    def _message(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": APP_ID,
            "team": self.team_id,
            "text": args.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in args:
                message[key] = args[key]
        return message

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        error = self.user_errors.get(channel)
        if error:
            return {"ok": False, "error": error}
        if channel.startswith(("U", "W")):  # a user id: Slack posts in the app's DM with them
            with self._changed:
                channel = self._dm_channels.setdefault(channel, new_id("D"))
        ts = self._next_ts()
        message = self._message(args, ts)
        with self._changed:
            self._history.setdefault(channel, []).append(message)
        return {"channel": channel, "ts": ts, "message": message}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        oldest = float(args.get("oldest") or 0)
        limit = int(args.get("limit") or 100)
        with self._changed:
            messages = [m for m in self._history.get(channel, []) if float(m["ts"]) > oldest]
        return {"messages": list(reversed(messages))[:limit], "has_more": False}

    def delivered_to(self, user_id: str) -> list[dict[str, Any]]:
        """The messages that reached a user's DM with the app (failed attempts are not there)."""
        with self._changed:
            channel = self._dm_channels.get(user_id)
            return list(self._history.get(channel, [])) if channel else []

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": self._next_ts()}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = str(args.get("ts", ""))
        return {
            "channel": args.get("channel"),
            "ts": ts,
            "text": args.get("text", ""),
            "message": self._message(args, ts),
        }

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        key = str(args.get("users") or args.get("channel") or "")
        with self._changed:
            channel_id = self._dm_channels.setdefault(key, new_id("D"))
        return {"no_op": False, "already_open": False, "channel": {"id": channel_id}}

    _ANSWERS: ClassVar[Mapping[str, Callable[[WebApiMethods, dict[str, Any]], dict[str, Any]]]] = {
        "auth.test": _auth_test,
        "users.info": _users_info,
        "views.open": _views_open,
        "views.push": _views_open,
        "views.update": _views_update,
        "views.publish": _views_publish,
        "chat.postMessage": _chat_post_message,
        "chat.postEphemeral": _chat_post_ephemeral,
        "chat.update": _chat_update,
        "conversations.open": _conversations_open,
        "conversations.history": _conversations_history,
        "oauth.v2.access": _oauth_v2_access,
    }
