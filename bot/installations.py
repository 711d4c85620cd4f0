"""Several workspaces: Slack's OAuth installations kept in the app's database, and a bot client per team."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine, Select, delete, select

from bot.db import make_session_factory, migration_lock
from bot.settings import Settings
from models.admin.service import enterprise_of, record_installation
from models.db.uow import UnitOfWork

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


class WorkspaceInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store, keyed as Rapport keys workspaces: by team id, the Grid organisation beside it.

    slack_sdk finds a bot by enterprise *and* team id; scheduled work knows the team alone. So an
    installation also records the workspace's organisation (workspaces.enterprise_id), and a team's
    bot is looked up with it.
    """

    def save(self, installation: Installation) -> None:
        super().save(installation)
        if installation.team_id:  # an organisation-wide installation has no single team to note
            record_installation(
                UnitOfWork(make_session_factory(self.engine)),
                installation.team_id,
                installation.enterprise_id,
                installation.team_name or "",
            )

    def find_team_bot(self, team_id: str, enterprise_id: str | None) -> Bot | None:
        """The team's latest bot: installed in the workspace, else organisation-wide for its Grid organisation.

        With no organisation given, the one its latest bot was installed with (Grid or not).
        """
        if enterprise_id is None:
            bots = self.bots.c
            enterprise_id = self._scalar(
                select(bots.enterprise_id)
                .where(bots.client_id == self.client_id, bots.team_id == team_id)
                .order_by(bots.installed_at.desc())
                .limit(1)
            )
        bot = self.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None and enterprise_id is not None:
            bot = self.find_bot(enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True)
        return bot

    def delete_team(self, team_id: str) -> int:
        """Delete every installation and bot of this team, whatever organisation they were saved under.

        An organisation-wide installation serves other workspaces too: it stays (uninstall it in Slack).
        """
        deleted = 0
        with self.engine.begin() as connection:
            for table in (self.installations, self.bots):
                where = (table.c.client_id == self.client_id) & (table.c.team_id == team_id)
                deleted += connection.execute(delete(table).where(where)).rowcount
        return deleted

    def _scalar(self, query: Select[Any]) -> Any:
        with self.engine.connect() as connection:
            return connection.scalar(query)


def installation_store(settings: Settings, engine: Engine) -> WorkspaceInstallationStore:
    store = WorkspaceInstallationStore(client_id=settings.slack_client_id or "", engine=engine)
    with migration_lock(engine):  # replicas starting together would race to create the same tables
        store.create_tables()  # type: ignore[no-untyped-call]
    return store


def oauth_settings(settings: Settings, engine: Engine) -> OAuthSettings:
    """Bolt's OAuth flow on /slack/install and /slack/oauth_redirect, stores in our database, rotation on."""
    state_store = PurgingOAuthStateStore(expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine)
    with migration_lock(engine):
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
    sessions = make_session_factory(engine)
    rotator = TokenRotator(
        client_id=settings.slack_client_id or "",
        client_secret=settings.slack_client_secret or "",
        client=make_client(None),
    )

    def for_team(team_id: str) -> WebClient:
        bot = store.find_team_bot(team_id, enterprise_of(UnitOfWork(sessions), team_id))
        if bot is None:
            raise LookupError(f"the app is not installed in workspace {team_id}")
        refreshed = rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=ROTATE_BEFORE_MINUTES)
        if refreshed is not None:
            store.save_bot(refreshed)
            bot = refreshed
        return make_client(bot.bot_token)

    return for_team
