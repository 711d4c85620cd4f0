"""Several workspaces: Slack's OAuth installations kept in the app's database, and a bot client per team."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine

from bot.settings import Settings

logger = logging.getLogger(__name__)

#: The bot scopes the app asks for when a workspace installs it (the manifest lists the same).
BOT_SCOPES = ("commands", "chat:write", "files:read", "im:history", "im:write", "users:read", "users:read.email")
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
#: Rotating tokens are refreshed when they have less than this left.
ROTATE_BEFORE_MINUTES = 120
#: Tables slack_sdk's stores create for themselves (Alembic leaves them alone).
SLACK_SDK_TABLES = frozenset({"slack_bots", "slack_installations", "slack_oauth_states"})
#: An install link (its OAuth state) is good for this long; older states are deleted.
STATE_EXPIRATION_SECONDS = 600


class PurgingOAuthStateStore(SQLAlchemyOAuthStateStore):
    """slack_sdk's state store, which keeps every state nobody came back with: issuing one purges the expired.

    Each visit to the install page issues a state, and anyone may visit it: without the purge, the
    table would grow for ever (the server also limits how often the page is served).
    """

    def issue(self, *args: Any, **kwargs: Any) -> str:
        now = normalize_datetime_for_db(datetime.now(UTC))
        with self.engine.begin() as connection:
            connection.execute(self.oauth_states.delete().where(self.oauth_states.c.expire_at <= now))
        return super().issue(*args, **kwargs)


def installation_store(settings: Settings, engine: Engine) -> SQLAlchemyInstallationStore:
    store = SQLAlchemyInstallationStore(client_id=settings.slack_client_id or "", engine=engine)
    store.create_tables()  # type: ignore[no-untyped-call]
    return store


def oauth_settings(settings: Settings, engine: Engine) -> OAuthSettings:
    """Bolt's OAuth flow on /slack/install and /slack/oauth_redirect, stores in our database, rotation on."""
    state_store = PurgingOAuthStateStore(expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine)
    state_store.create_tables()  # type: ignore[no-untyped-call]
    oauth = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installation_store(settings, engine),
        state_store=state_store,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        redirect_uri=settings.slack_redirect_uri,
        token_rotation_expiration_minutes=ROTATE_BEFORE_MINUTES,
    )
    # Bolt asks auth.test about the stored token on every request, before the acknowledgement: keep
    # its answer per token (a rotated token is a new key; an uninstalled team has no token to look up).
    if isinstance(oauth.authorize, InstallationStoreAuthorize):
        oauth.authorize.cache_enabled = True
    return oauth


def client_factory(
    settings: Settings, engine: Engine, make_client: Callable[[str | None], WebClient]
) -> Callable[[str], WebClient]:
    """A bot client for a team: the one token in single-workspace mode, the team's installation otherwise.

    Scheduled jobs use it (listeners get theirs from Bolt); a rotating token close to expiry is
    refreshed and saved first.
    """
    if not settings.oauth_enabled:
        client = make_client(settings.slack_bot_token)
        return lambda _team_id: client
    store = installation_store(settings, engine)
    rotator = TokenRotator(
        client_id=settings.slack_client_id or "",
        client_secret=settings.slack_client_secret or "",
        client=make_client(None),
    )

    def for_team(team_id: str) -> WebClient:
        bot = store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None:
            raise LookupError(f"the app is not installed in workspace {team_id}")
        refreshed = rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=ROTATE_BEFORE_MINUTES)
        if refreshed is not None:
            store.save_bot(refreshed)
            bot = refreshed
        return make_client(bot.bot_token)

    return for_team
