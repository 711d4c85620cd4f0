"""Settings read from the environment and `.env`, and logs that never print a secret."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import RedactSecrets, configure_logging
from bot.settings import Settings, SettingsError, load_settings

BOT_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUv"
APP_TOKEN = "xapp-1-A0123456789-1234567890123-0a1b2c3d4e5f6a7b8c9d"
SIGNING_SECRET = "8f14e45fceea167a5a36dedd4bea2543"


# Settings -------------------------------------------------------------------------------------------


def test_with_nothing_set_the_database_is_a_sqlite_file_under_data_and_the_port_is_3000() -> None:
    """The defaults need no configuration: SQLite in data/, port 3000, Slack's public API, INFO logs."""
    settings = load_settings(environ={}, env_file=None)

    assert settings.database_url == "sqlite:///data/rapport.db"
    assert settings.data_dir == Path("data")
    assert settings.port == 3000
    assert settings.slack_api_base_url == "https://slack.com/api/"
    assert settings.log_level == "INFO"
    assert settings.secrets == ()
    assert not settings.slack_configured


def test_the_data_dir_moves_the_default_database() -> None:
    """RAPPORT_DATA_DIR says where the default SQLite file lives."""
    settings = load_settings(environ={"RAPPORT_DATA_DIR": "/var/lib/rapport"}, env_file=None)

    assert settings.database_url == "sqlite:////var/lib/rapport/rapport.db"


def test_the_api_base_url_gets_a_trailing_slash() -> None:
    """A base URL typed without its final slash still joins method names correctly."""
    settings = load_settings(environ={"SLACK_API_BASE_URL": "http://127.0.0.1:8080/api"}, env_file=None)

    assert settings.slack_api_base_url == "http://127.0.0.1:8080/api/"


def test_the_log_level_is_read_whatever_its_case() -> None:
    """LOG_LEVEL=debug means DEBUG."""
    assert load_settings(environ={"LOG_LEVEL": "debug"}, env_file=None).log_level == "DEBUG"


def test_dot_env_is_read_but_the_environment_wins(tmp_path: Path) -> None:
    """A value in .env is used unless the environment sets the same name."""
    env_file = tmp_path / ".env"
    env_file.write_text(f"SLACK_BOT_TOKEN={BOT_TOKEN}\nPORT=4000\nDATABASE_URL=sqlite:///from-dotenv.db\n")

    settings = load_settings(environ={"PORT": "5000"}, env_file=env_file)

    assert settings.slack_bot_token == BOT_TOKEN
    assert settings.port == 5000
    assert settings.database_url == "sqlite:///from-dotenv.db"


def test_a_missing_dot_env_file_is_not_an_error(tmp_path: Path) -> None:
    """No .env file simply means the environment and the defaults."""
    settings = load_settings(environ={"PORT": "3001"}, env_file=tmp_path / ".env")

    assert settings.port == 3001


@pytest.mark.parametrize("port", ["abc", "80.5", "0", "70000"])
def test_a_bad_port_is_a_settings_error_naming_port(port: str) -> None:
    """PORT that is not a number between 1 and 65535 is refused with a message naming PORT."""
    with pytest.raises(SettingsError, match=r"^PORT must be") as raised:
        load_settings(environ={"PORT": port}, env_file=None)

    assert port in str(raised.value)


def test_require_names_every_missing_setting_in_one_message() -> None:
    """Asking for three settings when two are missing names both, and not the one that is set."""
    settings = load_settings(environ={"SLACK_APP_TOKEN": APP_TOKEN}, env_file=None)

    with pytest.raises(SettingsError) as raised:
        settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")

    message = str(raised.value)
    assert message.startswith("Missing settings: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET.")
    assert "SLACK_APP_TOKEN" not in message


def test_require_is_silent_when_everything_is_set() -> None:
    """Nothing is raised when every required setting has a value."""
    settings = load_settings(environ={"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN}, env_file=None)

    settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")

    assert settings.slack_configured


def test_an_empty_token_counts_as_missing() -> None:
    """SLACK_BOT_TOKEN= (empty) is not a token: it is named as missing."""
    settings = load_settings(environ={"SLACK_BOT_TOKEN": ""}, env_file=None)

    assert settings.slack_bot_token is None
    with pytest.raises(SettingsError, match="Missing setting: SLACK_BOT_TOKEN"):
        settings.require("SLACK_BOT_TOKEN")


def test_the_repr_of_settings_never_shows_a_token_or_the_signing_secret() -> None:
    """Printing the settings (in a log, a debugger, an error) shows no secret."""
    settings = load_settings(
        environ={"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET},
        env_file=None,
    )

    shown = repr(settings) + str(settings)

    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET):
        assert secret not in shown
    assert set(settings.secrets) == {BOT_TOKEN, APP_TOKEN, SIGNING_SECRET}


def test_a_database_password_is_a_secret_too() -> None:
    """A PostgreSQL password is neither in the repr nor in the displayed URL, and logs mask it."""
    settings = load_settings(environ={"DATABASE_URL": "postgresql://rapport:hunter2@db/rapport"}, env_file=None)
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in settings.database_url_for_display
    assert "hunter2" in settings.secrets


# Logs -------------------------------------------------------------------------------------------------


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A real logger printing through a handler with the filter, as configure_logging sets it up."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets((BOT_TOKEN, APP_TOKEN, SIGNING_SECRET)))
    logger = logging.getLogger("tests.redaction")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    yield logger, stream
    logger.handlers.clear()
    logger.propagate = True


def test_a_token_in_the_message_is_masked(logged: tuple[logging.Logger, io.StringIO]) -> None:
    """A bot token written into the message itself is printed masked."""
    logger, stream = logged

    logger.info(f"calling chat.postMessage with token={BOT_TOKEN}")

    assert BOT_TOKEN not in stream.getvalue()
    assert "token=[secret]" in stream.getvalue()


def test_secrets_passed_as_arguments_are_masked(logged: tuple[logging.Logger, io.StringIO]) -> None:
    """Secrets given as %-arguments are masked after formatting, the rest of the line intact."""
    logger, stream = logged

    logger.warning("connecting with %s, signing with %s on port %d", APP_TOKEN, SIGNING_SECRET, 3000)

    printed = stream.getvalue()
    assert APP_TOKEN not in printed and SIGNING_SECRET not in printed
    assert printed == "WARNING tests.redaction: connecting with [secret], signing with [secret] on port 3000\n"


def test_an_exceptions_traceback_is_printed_without_its_message(logged: tuple[logging.Logger, io.StringIO]) -> None:
    """An exception is logged with its frames and type, never its message: a token, the signing secret,
    a contact's e-mail or a calendar address it quoted stay out of the log, its cause's too."""
    logger, stream = logged

    held = {"email": "jane.doe@acme.example", "feed": "https://cal.example/s3cr3t"}

    def fail() -> None:
        try:
            raise KeyError(held["email"])
        except KeyError as missing:
            raise RuntimeError(" ".join(("invalid_auth", BOT_TOKEN, SIGNING_SECRET, held["feed"]))) from missing

    try:
        fail()
    except RuntimeError:
        logger.exception("the Web API call failed")

    printed = stream.getvalue()
    assert printed.count("Traceback (most recent call last)") == 2 and "in fail" in printed
    assert "KeyError: (message left out" in printed and "RuntimeError: (message left out" in printed
    assert printed.index("KeyError") < printed.index("RuntimeError")
    for value in (BOT_TOKEN, SIGNING_SECRET, "jane.doe@acme.example", "s3cr3t"):
        assert value not in printed


def test_an_unknown_token_shaped_value_is_masked_but_keeps_its_kind(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    """A Slack token this process was not given (another workspace's) is still masked, its prefix kept."""
    logger, stream = logged

    logger.info("user token %s and app token %s", "xoxp-9999-8888-7777-abcdef", "xapp-1-A999-888-ffff")

    assert stream.getvalue() == "INFO tests.redaction: user token xoxp-[secret] and app token xapp-[secret]\n"


def test_a_line_without_secrets_is_printed_as_logged(logged: tuple[logging.Logger, io.StringIO]) -> None:
    """Ordinary messages, %-arguments included, are untouched."""
    logger, stream = logged

    logger.info("logged %d interaction(s) for %s: 100%% done", 2, "Jane Doe")

    assert stream.getvalue() == "INFO tests.redaction: logged 2 interaction(s) for Jane Doe: 100% done\n"


def test_a_very_short_secret_is_not_used_to_mask_ordinary_words() -> None:
    """A secret under 6 characters would mask common text, so only real secrets are masked by value."""
    redact = RedactSecrets(("abc", SIGNING_SECRET))

    assert redact.redact(f"abc {SIGNING_SECRET}") == "abc [secret]"


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """The root logger, restored (handlers and levels) after the test."""
    root = logging.getLogger()
    alembic = logging.getLogger("alembic")
    saved = (root.handlers[:], root.level, alembic.level)
    yield root
    root.handlers[:], root.level = saved[0], saved[1]
    alembic.setLevel(saved[2])


def test_configure_logging_masks_secrets_in_every_logger_and_quiets_alembic(root_logger: logging.Logger) -> None:
    """After configure_logging, any module's log line passes through the mask; alembic's INFO is hidden."""
    configure_logging("DEBUG", (BOT_TOKEN, SIGNING_SECRET))
    [handler] = root_logger.handlers
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    handler.setStream(stream)

    logging.getLogger("slack_sdk.web.base_client").debug("Sending a request - headers: Bearer %s", BOT_TOKEN)
    logging.getLogger("bot.server").info("signature checked with %s", SIGNING_SECRET)
    logging.getLogger("alembic.runtime.migration").info("Will assume transactional DDL.")

    printed = stream.getvalue()
    assert root_logger.level == logging.DEBUG
    assert "DEBUG slack_sdk.web.base_client: Sending a request - headers: Bearer [secret]" in printed
    assert "INFO bot.server: signature checked with [secret]" in printed
    assert BOT_TOKEN not in printed and SIGNING_SECRET not in printed
    assert "transactional DDL" not in printed


def test_configure_logging_replaces_earlier_handlers(root_logger: logging.Logger) -> None:
    """Configuring twice leaves one handler, so no line is printed twice (or printed unmasked)."""
    root_logger.addHandler(logging.StreamHandler(io.StringIO()))

    configure_logging("INFO", ())
    configure_logging("WARNING", ())

    assert len(root_logger.handlers) == 1
    assert root_logger.level == logging.WARNING


def test_settings_secrets_feed_the_mask() -> None:
    """Every secret the settings hold is one the log filter masks."""
    settings = Settings(
        database_url="sqlite://",
        data_dir=Path("data"),
        slack_bot_token=BOT_TOKEN,
        slack_app_token=APP_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
    )
    redact = RedactSecrets(settings.secrets)

    assert redact.redact(f"{BOT_TOKEN} {APP_TOKEN} {SIGNING_SECRET}") == "[secret] [secret] [secret]"
