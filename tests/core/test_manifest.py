"""The Slack app manifest: valid for Slack's own schema, and in step with what the code registers."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from slack_sdk import WebClient

from bot.app import build_app
from bot.installations import BOT_SCOPES
from bot.settings import load_settings
from handlers.kit.deps import Deps

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


def registered(kind: str) -> set[str]:
    """What the listeners register with `@app.<kind>("...")`, read from the code itself."""
    found: set[str] = set()
    for path in (ROOT / "handlers").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == kind
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "app"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(str(node.args[0].value))
    return found


def web_api_calls() -> set[str]:
    """Every Web API method the code calls (client.chat_postMessage(...) and the like)."""
    methods: set[str] = set()
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    name = node.func.attr
                    if hasattr(WebClient, name) and "_" in name and not name.startswith("_") and name not in NOT_API:
                        methods.add(name)
    return methods


#: WebClient attributes that are not Web API methods.
NOT_API = {"api_call"}
#: The bot scope each Web API method the app calls needs (Slack's documentation); None needs none.
METHOD_SCOPES: dict[str, str | None] = {
    "chat_postMessage": "chat:write",
    "users_info": "users:read",
    "conversations_open": "im:write",
    "conversations_history": "im:history",
    "views_open": None,
    "views_publish": None,
    "auth_test": None,
}
#: Scopes not tied to one method: slash commands, and e-mail addresses in users.info (calendar attendees).
EXTRA_SCOPES = {"users:read.email", "files:read"}  # files:read: downloading an uploaded .ics file


def test_manifest_lists_exactly_the_slash_commands_shortcuts_and_events_the_code_registers(
    manifest: dict[str, Any],
) -> None:
    """Commands, shortcuts and events: the manifest and the listeners agree, in both directions."""
    features = manifest["features"]
    assert (
        {c["command"] for c in features["slash_commands"]}
        == registered("command")
        == {"/logcall", "/whoknows", "/prep"}
    )
    assert {s["callback_id"] for s in features.get("shortcuts", [])} == registered("shortcut")
    revocation = {"app_uninstalled", "tokens_revoked"}  # Bolt's own listeners (enable_token_revocation_listeners)
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == registered("event") | revocation
    assert manifest["settings"]["interactivity"]["is_enabled"] is bool(registered("action") or registered("view"))


def test_manifest_asks_for_exactly_the_scopes_the_code_needs(manifest: dict[str, Any]) -> None:
    """Scopes follow from the Web API methods called (plus commands and e-mail): none missing, none extra."""
    calls = web_api_calls()
    unknown = calls - METHOD_SCOPES.keys()
    assert not unknown, f"add the scope of {unknown} to METHOD_SCOPES"
    needed = {METHOD_SCOPES[m] for m in calls} - {None} | {"commands"} | EXTRA_SCOPES
    declared = set(manifest["oauth_config"]["scopes"]["bot"])
    assert declared == needed
    assert set(BOT_SCOPES) == declared  # what the OAuth flow asks a workspace for


def test_the_app_answers_every_command_of_the_manifest(manifest: dict[str, Any]) -> None:
    """Each manifest command reaches a listener of the built app (Bolt would answer 404 otherwise)."""
    settings = load_settings(environ={"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "s"}, env_file=None)
    app = build_app(settings, Deps(uow=lambda: None, clock=lambda: None))  # type: ignore[arg-type,return-value]
    commands = set()
    for listener in app._listeners:  # Bolt keeps no public list; the matchers name the command
        for matcher in listener.matchers:
            for cell in getattr(matcher.func, "__closure__", None) or ():
                if isinstance(cell.cell_contents, str) and cell.cell_contents.startswith("/"):
                    commands.add(cell.cell_contents)
    assert commands == {c["command"] for c in manifest["features"]["slash_commands"]}
