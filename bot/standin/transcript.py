"""What the Slack stand-in records and answers: calls, posts to response URLs, faults, and its constants.

The stand-in is no part of the product: the console and the tests talk to it instead of Slack.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

TEAM_ID = "T0STANDIN"
TEAM_NAME = "Rapport Stand-in"
BOT_USER_ID = "U0BOTUSER"
BOT_ID = "B0BOTUSER"
APP_ID = "A0RAPPORT"
DEFAULT_TZ = "Europe/Paris"

# Arguments that carry JSON; form-encoded and query-string callers send them as strings, JSON
# callers as objects. Decoding them keeps the transcript the same whichever way the client chose.
_JSON_VALUED_ARGS = frozenset({"blocks", "attachments", "view", "metadata"})

_API_PREFIX = "/api/"
_RESPONSE_URL_PREFIX = "/response/"
_FILES_PREFIX = "/files/"


@dataclass(frozen=True)
class Call:
    """One Web API call as it arrived: method, decoded arguments (token removed), token, time."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float


@dataclass(frozen=True)
class ResponseUrlPost:
    """One POST to a `response_url` handed out by `SlackStandIn.response_url`."""

    name: str
    url: str
    body: dict[str, Any]
    at: float


@dataclass
class Fault:
    status: int
    retry_after: int
    error: str | None
    remaining: int


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def required_args_from_openapi(spec: Mapping[str, Any]) -> dict[str, list[str]]:
    """From Slack's OpenAPI 2.0 description, each method's required arguments except `token`.

    Only `formData` and `query` parameters count: the token travels in a header.
    """
    required: dict[str, list[str]] = {}
    for path, operations in spec.get("paths", {}).items():
        names: list[str] = []
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if (
                    parameter.get("required") is True
                    and parameter.get("in") in ("formData", "query")
                    and parameter.get("name") != "token"
                    and parameter["name"] not in names
                ):
                    names.append(parameter["name"])
        required[path.lstrip("/")] = names
    return required


def new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:10].upper()


def matcher(
    predicate_or_method: str | Callable[[Call], bool],
) -> Callable[[Call], bool]:
    if isinstance(predicate_or_method, str):
        method = predicate_or_method
        return lambda call: call.method == method
    return predicate_or_method


def fault_answer(fault: Fault) -> Answer:
    if fault.error is not None:
        return Answer(200, {"ok": False, "error": fault.error})
    if fault.status == 429:
        return Answer(
            429,
            {"ok": False, "error": "ratelimited"},
            {"Retry-After": str(fault.retry_after)},
        )
    return Answer(fault.status, {"ok": False, "error": "fatal_error"})
