"""The local Slack Web API stand-in, driven by slack_sdk's real clients over HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.standin import SlackStandIn, required_args_from_openapi

SLACK_DATA = Path(__file__).resolve().parents[1] / "data" / "slack"


@pytest.fixture(scope="module")
def openapi_required_args() -> dict[str, list[str]]:
    spec: dict[str, Any] = json.loads((SLACK_DATA / "slack_web_openapi_v2.json").read_text())
    return required_args_from_openapi(spec)


@pytest.fixture
def standin(openapi_required_args: dict[str, list[str]]) -> Iterator[SlackStandIn]:
    users = {
        "U0ALICE": {
            "name": "alice",
            "real_name": "Alice Martin",
            "tz": "America/New_York",
        }
    }
    with SlackStandIn(required_args=openapi_required_args, users=users) as running:
        yield running


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token="xoxb-test", base_url=standin.base_url)


def test_required_args_come_from_slacks_openapi_description(
    openapi_required_args: dict[str, list[str]],
) -> None:
    """The OpenAPI file yields each method's required arguments, never the header-borne token."""
    assert openapi_required_args["chat.postMessage"] == ["channel"]
    assert openapi_required_args["chat.postEphemeral"] == ["channel", "user"]
    assert sorted(openapi_required_args["views.open"]) == ["trigger_id", "view"]
    assert openapi_required_args["auth.test"] == []
    assert all("token" not in names for names in openapi_required_args.values())


def test_auth_test_answers_with_the_identity_bolt_reads(client: WebClient, standin: SlackStandIn) -> None:
    """auth.test names the team, the bot user and the bot, as Bolt expects on its first request."""
    answer = client.auth_test()
    assert answer["ok"] is True
    assert answer["team_id"] == standin.team_id
    assert answer["user_id"] == standin.bot_user_id
    assert answer["bot_id"] == standin.bot_id
    assert answer["url"].startswith("https://")


def test_a_posted_message_gets_a_slack_shaped_answer_and_is_recorded(client: WebClient, standin: SlackStandIn) -> None:
    """chat.postMessage answers ok, channel, ts and message, and the transcript holds the call."""
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Hello*"}}]
    answer = client.chat_postMessage(channel="C0SALES", text="Hello", blocks=blocks)

    assert answer["ok"] is True
    assert answer["channel"] == "C0SALES"
    assert answer["message"]["ts"] == answer["ts"]
    assert answer["message"]["text"] == "Hello"
    (call,) = standin.calls_to("chat.postMessage")
    assert call.token == "xoxb-test"
    assert call.args == {"channel": "C0SALES", "text": "Hello", "blocks": blocks}


def test_two_messages_get_different_timestamps(client: WebClient) -> None:
    """Each message gets its own ts, as Slack's message ids are unique per channel."""
    first = client.chat_postMessage(channel="C0SALES", text="one")
    second = client.chat_postMessage(channel="C0SALES", text="two")
    assert first["ts"] != second["ts"]


def test_users_info_answers_a_known_user_with_their_time_zone(
    client: WebClient,
) -> None:
    """users.info returns the configured user, with display name and a tz_offset for their zone."""
    user = client.users_info(user="U0ALICE")["user"]
    assert user["id"] == "U0ALICE"
    assert user["real_name"] == "Alice Martin"
    assert user["profile"]["display_name"] == "alice"
    assert user["tz"] == "America/New_York"
    assert user["tz_offset"] in (-5 * 3600, -4 * 3600)


def test_users_info_answers_anyone_else_from_paris(client: WebClient) -> None:
    """A user not configured still exists, in the Europe/Paris time zone."""
    user = client.users_info(user="U0BOB")["user"]
    assert user["id"] == "U0BOB"
    assert user["tz"] == "Europe/Paris"
    assert user["tz_offset"] in (3600, 7200)


def test_views_open_echoes_the_view_with_an_id_and_a_hash(client: WebClient, standin: SlackStandIn) -> None:
    """views.open answers the view as Slack stored it: same blocks, plus an id V... and a hash."""
    view = {
        "type": "modal",
        "callback_id": "log_call",
        "title": {"type": "plain_text", "text": "Log a call"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Who?"}}],
    }
    answer = client.views_open(trigger_id="123.456.abc", view=view)

    assert answer["view"]["id"].startswith("V")
    assert answer["view"]["hash"]
    assert answer["view"]["callback_id"] == "log_call"
    assert answer["view"]["blocks"] == view["blocks"]
    assert standin.calls_to("views.open")[0].args["view"] == view


def test_the_home_tab_keeps_its_view_id_across_publishes(client: WebClient) -> None:
    """Publishing Home twice for one user updates the same view, as Slack does."""
    view = {"type": "home", "blocks": [{"type": "divider"}]}
    first = client.views_publish(user_id="U0ALICE", view=view)
    second = client.views_publish(user_id="U0ALICE", view=view)
    assert first["view"]["id"] == second["view"]["id"]


def test_ephemeral_messages_and_dm_channels_get_their_ids(client: WebClient) -> None:
    """chat.postEphemeral answers a message_ts; conversations.open a stable D... per user."""
    assert client.chat_postEphemeral(channel="C0SALES", user="U0ALICE", text="psst")["message_ts"]
    first = client.conversations_open(users="U0ALICE")["channel"]["id"]
    assert first.startswith("D")
    assert client.conversations_open(users="U0ALICE")["channel"]["id"] == first


def test_a_form_encoded_call_with_the_token_in_a_field_is_understood(client: WebClient, standin: SlackStandIn) -> None:
    """Form-encoded calls work too, the token read from the form and JSON-valued fields decoded."""
    answer = client.api_call(
        "chat.postMessage",
        data={
            "token": "xoxb-form",
            "channel": "C0SALES",
            "blocks": '[{"type": "divider"}]',
        },
        headers={"Authorization": ""},
    )
    assert answer["ok"] is True
    call = standin.calls_to("chat.postMessage")[-1]
    assert call.token == "xoxb-form"
    assert call.args == {"channel": "C0SALES", "blocks": [{"type": "divider"}]}


def test_a_call_missing_a_required_argument_is_refused(client: WebClient, standin: SlackStandIn) -> None:
    """chat.postMessage without channel is refused with missing_argument, per the OpenAPI file."""
    with pytest.raises(SlackApiError) as refused:
        client.api_call("chat.postMessage", json={"text": "to nowhere"})

    assert refused.value.response.status_code == 200
    assert refused.value.response["error"] == "missing_argument"
    assert "channel" in refused.value.response["response_metadata"]["messages"][0]
    assert standin.calls_to("chat.postMessage")[0].args == {"text": "to nowhere"}


def test_a_call_without_a_token_is_not_authed(standin: SlackStandIn) -> None:
    """A client without a token is told not_authed."""
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=standin.base_url).chat_postMessage(channel="C0SALES", text="hi")
    assert refused.value.response["error"] == "not_authed"
    assert standin.calls[0].token is None


def test_an_unknown_method_is_refused(client: WebClient) -> None:
    """A method the stand-in does not know answers unknown_method."""
    with pytest.raises(SlackApiError) as refused:
        client.api_call("reactions.add", json={"channel": "C0SALES", "name": "tada"})
    assert refused.value.response["error"] == "unknown_method"


def test_a_rate_limit_with_retry_after_is_honoured_by_the_retry_handler(
    standin: SlackStandIn,
) -> None:
    """On a 429 with Retry-After: 1, RateLimitErrorRetryHandler waits a second, then succeeds."""
    client = WebClient(
        token="xoxb-test",
        base_url=standin.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    standin.fail_next("chat.postMessage", status=429, retry_after=1)

    started = time.monotonic()
    answer = client.chat_postMessage(channel="C0SALES", text="patience")

    assert answer["ok"] is True
    first, second = standin.calls_to("chat.postMessage")
    assert second.at - first.at >= 1.0
    assert time.monotonic() - started >= 1.0


def test_a_rate_limit_without_a_retry_handler_reaches_the_caller(
    standin: SlackStandIn,
) -> None:
    """slack_sdk retries only connection errors by default, so the 429 surfaces as ratelimited."""
    client = WebClient(token="xoxb-test", base_url=standin.base_url)
    standin.fail_next("chat.postMessage", status=429, retry_after=30)

    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C0SALES", text="too fast")

    assert refused.value.response.status_code == 429
    assert refused.value.response.headers["Retry-After"] == "30"
    assert refused.value.response["error"] == "ratelimited"


def test_an_injected_error_refuses_the_next_calls_only(client: WebClient, standin: SlackStandIn) -> None:
    """fail_next with an error answers ok false for exactly `times` calls, then normally again."""
    standin.fail_next("chat.postMessage", error="channel_not_found", times=2)
    errors = []
    for _ in range(3):
        try:
            client.chat_postMessage(channel="C0GONE", text="hello?")
        except SlackApiError as refused:
            errors.append((refused.response.status_code, refused.response["error"]))
    assert errors == [(200, "channel_not_found"), (200, "channel_not_found")]
    assert len(standin.calls_to("chat.postMessage")) == 3


def test_posts_to_a_response_url_are_recorded(standin: SlackStandIn) -> None:
    """What Bolt's respond() posts to a response_url is recorded under the url's name."""
    url = standin.response_url("logcall")
    answer = WebhookClient(url).send(text="Logged.", response_type="ephemeral", replace_original=True)

    assert answer.status_code == 200
    assert answer.body == "ok"
    (post,) = standin.posts_to_response_urls
    assert post.name == "logcall"
    assert post.url == url
    assert post.body == {
        "text": "Logged.",
        "response_type": "ephemeral",
        "replace_original": True,
    }
    assert standin.wait_for_response_post("logcall") == post


def test_each_response_url_is_fresh(standin: SlackStandIn) -> None:
    """Two response_urls with the same name are different addresses on the same server."""
    first, second = standin.response_url(), standin.response_url()
    assert first != second
    assert first.startswith(standin.origin) and second.startswith(standin.origin)


def test_wait_for_blocks_until_a_call_from_another_thread_arrives(client: WebClient, standin: SlackStandIn) -> None:
    """wait_for returns the matching call once it arrives, however it is matched."""
    sender = threading.Timer(0.1, lambda: client.chat_postMessage(channel="C0LATE", text="late"))
    sender.start()
    try:
        call = standin.wait_for(lambda call: call.args.get("channel") == "C0LATE", timeout=5)
    finally:
        sender.join()
    assert call.method == "chat.postMessage"
    assert standin.wait_for("chat.postMessage", timeout=0) is call


def test_wait_for_gives_up_after_its_timeout(standin: SlackStandIn) -> None:
    """Without a matching call wait_for raises TimeoutError."""
    with pytest.raises(TimeoutError):
        standin.wait_for("views.open", timeout=0.05)


def test_clear_forgets_the_transcript(client: WebClient, standin: SlackStandIn) -> None:
    """After clear() the transcript is empty and new calls are recorded afresh."""
    client.auth_test()
    standin.clear()
    assert standin.calls == []
    client.auth_test()
    assert [call.method for call in standin.calls] == ["auth.test"]
