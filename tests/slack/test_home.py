"""The App Home tab: published through the Slack stand-in when opened and after changes, paged, in limits."""

from __future__ import annotations

import json
import time

from slack_bolt import BoltRequest

from bot.standin import SlackStandIn
from tests.slack_driver import SlackDriver, flatten, interaction, payload_body, sign


def open_home(slack: SlackDriver, user: str = "U0SELLER1") -> None:
    event = {
        "token": "legacy",
        "team_id": slack.team,
        "api_app_id": "A0RAPPORT",
        "type": "event_callback",
        "event_id": f"Ev{time.time_ns()}",
        "event_time": int(time.time()),
        "event": {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0HOME",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        },
    }
    body = json.dumps(event)
    headers = {key.lower(): [value] for key, value in {**sign(body), "Content-Type": "application/json"}.items()}
    assert slack.app.dispatch(BoltRequest(body=body, headers=headers)).status == 200


def act_in_home(slack: SlackDriver, action: dict[str, str | dict[str, str]]) -> None:
    """The member uses an element of their Home tab (a button, the tag filter)."""
    home = {"type": "view", "view_id": "V0HOME"}
    payload = interaction(
        "block_actions", slack.team, "U0SELLER1", "1.2", container=home, actions=[{**action, "action_ts": "1"}]
    )
    slack.dispatch(payload_body(payload))


def published(standin: SlackStandIn) -> dict:  # type: ignore[type-arg]
    view = standin.calls_to("views.publish")[-1].args["view"]
    return json.loads(view) if isinstance(view, str) else dict(view)


def test_opening_the_home_tab_publishes_the_dashboard(slack: SlackDriver, standin: SlackStandIn) -> None:
    """The four questions, top relationships, reach versus relationships and settings, for this member."""
    slack.command("Jane Doe (ACME) phone yesterday they called #client")
    open_home(slack)
    view = published(standin)
    text = flatten(view)
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    for heading in (
        "1. What we still need to learn",
        "2. Accounts that need new relationships",
        "3a. Your bridges",
        "4. Who can carry your message",
        "Your top relationships",
        "Reach versus relationships",
        "Settings",
    ):
        assert heading in text
    assert "Jane Doe" in text and "Briefings: 30 min before each meeting" in text
    assert standin.calls_to("views.publish")[-1].args["user_id"] == "U0SELLER1"


def test_long_lists_are_paged(slack: SlackDriver, standin: SlackStandIn) -> None:
    """Seven relationships: five on the first page, and More shows the other two."""
    for index, name in enumerate(["Ann Ames", "Bo Berg", "Cy Cole", "Di Dunn", "Ed Earl", "Flo Fry", "Gus Gale"]):
        slack.command(f"{name} (Co{index}) lunch {index + 1} days ago")
    open_home(slack)
    first = published(standin)
    top = next(b for b in first["blocks"] if "Your top relationships" in flatten(b))
    assert flatten(top).count("•") == 5
    more = next(e for b in first["blocks"] if b.get("block_id") == "pager_top" for e in b["elements"])
    act_in_home(
        slack, {"type": "button", "action_id": more["action_id"], "block_id": "pager_top", "value": more["value"]}
    )
    second = next(b for b in published(standin)["blocks"] if "Your top relationships" in flatten(b))
    assert flatten(second).count("•") == 2


def test_a_logged_call_republishes_the_home_tab(slack: SlackDriver, standin: SlackStandIn) -> None:
    """After a change (a call logged), the Home tab is published again with it."""
    slack.command("Jane Doe (ACME) phone yesterday")
    assert "Jane Doe" in flatten(published(standin))


def test_the_home_tab_can_be_filtered_by_tag(slack: SlackDriver, standin: SlackStandIn) -> None:
    """Choosing #client in the Home tab's filter keeps only the contacts tagged #client."""
    slack.command("Jane Doe (ACME) lunch yesterday #client")
    slack.command("Raj Patel (Globex) lunch yesterday #friend")
    open_home(slack)
    picker = next(b for b in published(standin)["blocks"] if b.get("block_id") == "home_filter")["elements"][0]
    assert [o["value"] for o in picker["options"]] == ["all", "client", "friend"]
    act_in_home(
        slack,
        {
            "type": "static_select",
            "action_id": "home_tag",
            "block_id": "home_filter",
            "selected_option": {"value": "client"},
        },
    )
    text = flatten(published(standin))
    assert "Your relationships #client" in text and "Jane Doe" in text and "Raj Patel" not in text


def test_calls_logged_within_a_minute_refresh_the_home_tab_once(slack: SlackDriver, standin: SlackStandIn) -> None:
    """A busy seller's second call within the minute waits for the next refresh; opening the tab never waits.
    The record is the app's own: every test's app starts afresh, as a new process does."""
    slack.command("Jane Doe (ACME) phone yesterday")
    slack.command("Raj Patel (Globex) phone yesterday")
    assert len(standin.calls_to("views.publish")) == 1 and "Raj Patel" not in flatten(published(standin))
    open_home(slack)
    assert len(standin.calls_to("views.publish")) == 2 and "Raj Patel" in flatten(published(standin))
