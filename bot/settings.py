"""Settings, read once from the environment (and a `.env` file); secrets never appear in a repr."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values
from sqlalchemy.engine import make_url

DEFAULT_SLACK_API_BASE_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(Exception):
    """The settings are missing or wrong; the message names each one and says what to do."""


@dataclass(frozen=True)
class Settings:
    database_url: str = field(repr=False)
    data_dir: Path
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_client_id: str | None = None
    slack_client_secret: str | None = field(default=None, repr=False)
    slack_redirect_uri: str | None = None
    slack_api_base_url: str = DEFAULT_SLACK_API_BASE_URL
    port: int = DEFAULT_PORT
    log_level: str = "INFO"
    network_refresh_minutes: int = 60
    log_format: str = "json"
    #: Calendar feeds may be fetched from private networks (an on-premises calendar server); never from
    #: loopback, link-local (cloud metadata), multicast, reserved or unspecified addresses.
    calendar_allow_private_addresses: bool = False

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value, so that logging can mask them wherever they would appear."""
        values = (
            self.slack_bot_token,
            self.slack_app_token,
            self.slack_signing_secret,
            self.slack_client_secret,
            self.database_password,
        )
        return tuple(value for value in values if value)

    @property
    def database_password(self) -> str | None:
        return make_url(self.database_url).password if "://" in self.database_url else None

    @property
    def database_url_for_display(self) -> str:
        """The database URL with its password masked, safe for logs and messages."""
        return make_url(self.database_url).render_as_string(hide_password=True)

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token or self.slack_app_token or self.slack_signing_secret or self.slack_client_id)

    @property
    def oauth_enabled(self) -> bool:
        """Several workspaces install the app through Slack's OAuth flow (HTTP mode)."""
        return bool(self.slack_client_id and self.slack_client_secret)

    def require(self, *names: str) -> None:
        """Raise one SettingsError naming every missing setting among `names` (environment names)."""
        missing = [name for name in names if not getattr(self, name.lower())]
        if missing:
            raise SettingsError(
                "Missing setting"
                + ("s" if len(missing) > 1 else "")
                + ": "
                + ", ".join(missing)
                + ". Set them in the environment or in a .env file (see README.md, 'Settings')."
            )


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Read the settings: the process environment wins over `.env`, which wins over defaults."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    # An empty variable counts as unset, so that `FOO=` in the environment does not hide `.env`.
    values.update({k: v for k, v in (os.environ if environ is None else environ).items() if v})

    data_dir = Path(values.get("RAPPORT_DATA_DIR") or "data")
    database_url = values.get("DATABASE_URL") or f"sqlite:///{data_dir / 'rapport.db'}"
    base_url = values.get("SLACK_API_BASE_URL") or DEFAULT_SLACK_API_BASE_URL
    if not base_url.endswith("/"):
        base_url += "/"
    port_text = values.get("PORT") or str(DEFAULT_PORT)
    try:
        port = int(port_text)
    except ValueError:
        raise SettingsError(f"PORT must be a number, not {port_text!r}.") from None
    if not 0 < port < 65536:
        raise SettingsError(f"PORT must be between 1 and 65535, not {port}.")
    refresh_text = values.get("NETWORK_REFRESH_MINUTES") or "60"
    if not refresh_text.isdecimal() or not 1 <= int(refresh_text) <= 7 * 24 * 60:
        raise SettingsError(
            f"NETWORK_REFRESH_MINUTES must be a whole number of minutes (1 to 10080), not {refresh_text!r}."
        )
    log_format = (values.get("LOG_FORMAT") or "json").lower()
    if log_format not in ("json", "text"):
        raise SettingsError(f"LOG_FORMAT must be json or text, not {log_format!r}.")
    log_level = (values.get("LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {log_level!r}.")
    allow_private = _flag(values, "CALENDAR_ALLOW_PRIVATE_ADDRESSES", default=False)
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        slack_bot_token=values.get("SLACK_BOT_TOKEN") or None,
        slack_app_token=values.get("SLACK_APP_TOKEN") or None,
        slack_signing_secret=values.get("SLACK_SIGNING_SECRET") or None,
        slack_api_base_url=base_url,
        port=port,
        log_level=log_level,
        log_format=log_format,
        slack_client_id=values.get("SLACK_CLIENT_ID") or None,
        slack_client_secret=values.get("SLACK_CLIENT_SECRET") or None,
        slack_redirect_uri=values.get("SLACK_REDIRECT_URI") or None,
        network_refresh_minutes=int(refresh_text),
        calendar_allow_private_addresses=allow_private,
    )


def _flag(values: Mapping[str, str], name: str, default: bool) -> bool:
    """A yes/no setting: true, false, yes, no, 1 or 0 (any case); anything else is a mistake to report."""
    text = values.get(name, "").strip().lower()
    if not text:
        return default
    if text in {"true", "yes", "1"}:
        return True
    if text in {"false", "no", "0"}:
        return False
    raise SettingsError(f"{name} must be true or false (or yes/no, 1/0), not {values[name]!r}.")
