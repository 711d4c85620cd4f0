"""The Slack app manifest: valid for Slack's own schema, and in step with what the code registers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.app import build_app
from bot.settings import load_settings
from handlers.deps import Deps

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "data" / "slack" / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))


def test_manifest_is_valid_for_slacks_schema(manifest: dict[str, Any], validator: jsonschema.Draft7Validator) -> None:
    """Slack would accept manifest.yml: it validates against Slack's published manifest schema."""
    assert [error.message for error in validator.iter_errors(manifest)] == []


def test_the_schema_check_catches_a_broken_manifest(
    manifest: dict[str, Any], validator: jsonschema.Draft7Validator
) -> None:
    """The schema check has teeth: a slash command without its leading slash is refused."""
    broken = json.loads(json.dumps(manifest))
    broken["features"]["slash_commands"][0]["command"] = "logcall"
    assert list(validator.iter_errors(broken))


def test_manifest_lists_exactly_the_slash_commands_the_app_registers(manifest: dict[str, Any]) -> None:
    """Every command in the manifest has a listener, and every listener's command is in the manifest."""
    settings = load_settings(environ={"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "s"}, env_file=None)
    app = build_app(settings, Deps(uow=lambda: None, clock=lambda: None))  # type: ignore[arg-type,return-value]
    registered = set()
    for listener in app._listeners:  # Bolt keeps no public list; the matchers name the command
        for matcher in listener.matchers:
            closure = getattr(matcher.func, "__closure__", None) or ()
            for cell in closure:
                value = cell.cell_contents
                if isinstance(value, str) and value.startswith("/"):
                    registered.add(value)
    declared = {command["command"] for command in manifest["features"]["slash_commands"]}
    assert declared == registered == {"/logcall", "/whoknows", "/prep"}


def test_manifest_asks_only_for_the_scopes_the_code_uses(manifest: dict[str, Any]) -> None:
    """Scopes are kept to what is used: commands, chat.postMessage, users.info (with e-mail, to tell
    colleagues from contacts in calendars), and conversations.open/history for the outbox's DM checks."""
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == [
        "chat:write",
        "commands",
        "im:history",
        "im:write",
        "users:read",
        "users:read.email",
    ]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
