"""`/whoknows` in Slack: routes over signed requests, and an introduction asked, accepted and recorded."""

from __future__ import annotations

import json

from sqlalchemy import Engine, func, select

from bot.standin import SlackStandIn
from models.db.orm import Introduction, Tie
from tests.form_answers import answers
from tests.slack_driver import SlackDriver, button, flatten

SELLER, COLLEAGUE = "U0SELLER1", "U0SELLER2"


def test_whoknows_without_a_name_shows_the_usage(slack: SlackDriver) -> None:
    """An empty /whoknows answers at once with how to use it."""
    reply = slack.command("", command="/whoknows")
    assert "/whoknows <person or company>" in flatten(json.loads(reply.ack.body))


def test_a_colleague_tie_is_a_route_and_the_introduction_is_asked_accepted_and_recorded(
    slack: SlackDriver, standin: SlackStandIn, db: Engine
) -> None:
    """Ask → personal request in a modal → DM to the colleague → Accept → the asker is told and now has a tie."""
    slack.command("Jane Doe (ACME) lunch yesterday them #client", user=COLLEAGUE)
    routes = slack.command("jnae doe", command="/whoknows", user=SELLER)
    assert "*Routes to Jane Doe* (ACME)" in routes.text and f"<@{COLLEAGUE}>" in routes.text
    assert routes.last["response_type"] == "ephemeral"

    slack.press(button(routes.last, "Ask"), user=SELLER)
    modal = slack.opened_view()
    draft = modal["blocks"][1]["element"]["initial_value"]
    assert "Jane Doe" in draft and "[" in draft

    refused = slack.submit(modal, answers(message=draft), user=SELLER)
    assert json.loads(refused.ack.body)["response_action"] == "errors"
    assert not standin.calls_to("chat.postMessage")

    personal = (
        "Hi Sam, could you introduce me to Jane? We help finance teams close faster; she mentioned it at the summit."
    )
    sent = slack.submit(modal, answers(message=personal), user=SELLER)
    assert "Sent to" in sent.text
    dm = standin.calls_to("chat.postMessage")[-1]
    assert dm.args["channel"] == COLLEAGUE and personal in flatten(dm.args)
    slack.submit(modal, answers(message=personal), user=SELLER)
    assert len(standin.calls_to("chat.postMessage")) == 1  # a double submit sends one DM

    accept = next(
        e
        for b in dm.args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "intro_accept"
    )
    answered = slack.press(accept, user=COLLEAGUE)
    assert "recorded" in answered.text
    told = standin.calls_to("chat.postMessage")[-1]
    assert told.args["channel"] == SELLER and "accepted to introduce you" in flatten(told.args)
    with db.connect() as connection:
        assert connection.scalar(select(Introduction.status)) == "accepted"
        assert connection.scalar(select(func.count()).select_from(Tie)) == 2

    again = slack.command("Jane Doe", command="/whoknows", user=SELLER)
    assert "You are connected to Jane Doe" in again.text  # introduced: a relationship to build


def test_only_the_colleague_asked_can_accept(slack: SlackDriver, standin: SlackStandIn) -> None:
    """Someone else pressing Accept is told no; the request stays pending."""
    slack.command("Jane Doe (ACME) lunch yesterday them", user=COLLEAGUE)
    routes = slack.command("Jane Doe", command="/whoknows", user=SELLER)
    slack.press(button(routes.last, "Ask"), user=SELLER)
    modal = slack.opened_view()
    slack.submit(
        modal,
        answers(message="Could you introduce me to Jane, please?"),
        user=SELLER,
    )
    dm = standin.calls_to("chat.postMessage")[-1]
    accept = next(
        e
        for b in dm.args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "intro_accept"
    )
    refused = slack.press(accept, user="U0STRANGER")
    assert "Only the person asked" in refused.text


def test_a_company_lists_whom_the_team_knows_and_whom_to_meet(slack: SlackDriver) -> None:
    """/whoknows ACME: the people known there with their best route, and the relationships to build."""
    slack.command("Jane Doe, Raj Patel @ ACME in person yesterday", user=COLLEAGUE)
    slack.command("Li Wei (ACME) email yesterday me", user=COLLEAGUE)
    reply = slack.command("acme", command="/whoknows", user=SELLER)
    assert "*ACME*: the team knows 3 people there" in reply.text
    assert "Best route via" in reply.text
    assert "New relationships to build at ACME" in reply.text  # an email alone is a weak tie


def test_nobody_knows_says_so_and_shows_how_to_start(slack: SlackDriver) -> None:
    """A name nobody knows: the reply says so and shows the /logcall to start with."""
    reply = slack.command("Zebulon Quartermaine", command="/whoknows", user=SELLER)
    assert "Nobody on the team knows" in reply.text and "/logcall Zebulon Quartermaine" in reply.text


def test_a_tag_keeps_a_company_to_the_contacts_that_carry_it(slack: SlackDriver) -> None:
    """`/whoknows ACME #client` lists only ACME's contacts tagged #client."""
    slack.command("Jane Doe (ACME) lunch yesterday #client", user=COLLEAGUE)
    slack.command("Raj Patel (ACME) lunch yesterday #friend", user=COLLEAGUE)
    reply = slack.command("ACME #client", command="/whoknows", user=SELLER)
    assert "*ACME* #client: the team knows 1 person there" in reply.text
    assert "Jane Doe" in reply.text and "Raj Patel" not in reply.text
