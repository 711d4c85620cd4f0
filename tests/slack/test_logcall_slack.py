"""`/logcall` as a seller uses it in Slack: signed requests to the real app, replies via the stand-in."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, func, select

from bot.standin import SlackStandIn
from models.db.orm import Contact, Interaction, Tie, contact_tags
from tests.form_answers import answers, checkboxes, datepicker, radio_buttons, static_select, timepicker
from tests.slack_driver import SlackDriver, button, flatten


def rows(db: Engine, model: type) -> int:
    with db.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model)) or 0


def test_a_one_line_logcall_records_the_interaction_and_shows_the_score(slack: SlackDriver, db: Engine) -> None:
    """The reply says what was recorded, the score sign by sign, what is unknown, with Undo and Rate."""
    reply = slack.command("Jane Doe (ACME) phone yesterday they called: budget moves to Q3 #prospect")
    assert reply.ack.status == 200
    text = reply.text
    assert "Phone call with Jane Doe" in text and "yesterday" in text and "they reached out" in text
    assert "#prospect" in text and "budget moves to Q3" in text
    assert "tie score" in text and "Still unknown" in text
    assert reply.last["response_type"] == "ephemeral"
    assert button(reply.last, "Undo") and button(reply.last, "Rate this relationship")
    assert (rows(db, Interaction), rows(db, Contact), rows(db, Tie)) == (1, 1, 1)


def test_the_same_slash_command_delivered_twice_records_once(slack: SlackDriver, db: Engine) -> None:
    """Slack's retry carries the same trigger_id: the second delivery is told it was already recorded."""
    slack.command("Jane Doe phone yesterday", trigger_id="1234.5678")
    again = slack.command("Jane Doe phone yesterday", trigger_id="1234.5678")
    assert "Already recorded" in again.text
    assert rows(db, Interaction) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jane Doe fax yesterday", "fax"),
        ("Jane Doe phone yesterdya", "yesterdya"),
        ("Jane Doe phone Dec 25", "future"),
        ("<@U024BE7LH> phone", "contact"),
        ("Jane Doe phone " + "x" * 3001, "3,000"),
        ("Jane Doe phone " + "9" * 400 + "h", "couldn't read"),
        ("Jane Doe phone 3000000000 days ago", "couldn't read"),
        ("Jane Doe phone 9999 months ago", "before 1900"),
    ],
)
def test_bad_input_gets_a_friendly_ephemeral_error_with_usage_and_writes_nothing(
    slack: SlackDriver, db: Engine, text: str, expected: str
) -> None:
    """Each mistake is named, the usage is shown, only the seller sees it, and nothing is recorded."""
    reply = slack.command(text)
    assert reply.ack.status == 200
    assert reply.last["response_type"] == "ephemeral"
    assert expected in reply.text
    assert "/logcall Jane Doe" in reply.text  # the usage examples
    assert "Traceback" not in reply.text
    assert (rows(db, Interaction), rows(db, Contact)) == (0, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jane Doe (" + "Acme " * 60 + ") phone", "A company name goes up to 255 characters."),
        ("Jane Doe at " + "Acme " * 60 + "phone", "A company name goes up to 255 characters."),
        ("Jane Doe phone #" + "x" * 70, "A tag goes up to 64 characters."),
        ("Jane Doe phone yesterday " + "#client " * 3 + "#" + "y" * 65, "A tag goes up to 64 characters."),
    ],
)
def test_a_value_too_long_for_its_column_is_refused_alike_on_both_databases(
    slack: SlackDriver, db: Engine, text: str, expected: str
) -> None:
    """SQLite would keep it, PostgreSQL would fail: both refuse it, naming the field and its limit, and write nothing."""
    reply = slack.command(text)
    assert reply.last["response_type"] == "ephemeral"
    assert expected in reply.text and "/logcall Jane Doe" in reply.text
    assert (rows(db, Interaction), rows(db, Contact)) == (0, 0)


def test_the_modal_refuses_a_company_or_tag_too_long_next_to_its_field(slack: SlackDriver, db: Engine) -> None:
    """A crafted submission past the fields' max_length comes back as errors under company and tags."""
    slack.command("")
    view = slack.opened_view()
    values = answers(
        contacts="Raj Patel",
        company="Initech " * 40,
        channel=static_select("phone"),
        date=datepicker("2026-11-20"),
        tags="client, " + "z" * 65,
    )
    answer = json.loads(slack.submit(view, values).ack.body)
    assert answer == {
        "response_action": "errors",
        "errors": {"company": "A company name goes up to 255 characters.", "tags": "A tag goes up to 64 characters."},
    }
    assert (rows(db, Interaction), rows(db, Contact)) == (0, 0)


def test_help_shows_the_grammar_with_examples(slack: SlackDriver) -> None:
    """`/logcall help` answers at once with the usage, in the acknowledgement itself."""
    reply = slack.command("help")
    assert "/logcall" in flatten(__import__("json").loads(reply.ack.body))


def test_undo_takes_the_interaction_back(slack: SlackDriver, db: Engine) -> None:
    """Pressing Undo replaces the reply with “Undone” and the tie no longer counts the interaction."""
    reply = slack.command("Jane Doe video today 45 min me")
    undone = slack.press(button(reply.last, "Undo"))
    assert "Undone" in undone.text and undone.last.get("replace_original") is True
    with db.connect() as connection:
        assert connection.scalar(select(Tie.interaction_count)) == 0


def test_an_ambiguous_name_asks_which_contact_with_buttons(slack: SlackDriver, db: Engine) -> None:
    """Two Jane Does: the reply offers both and “someone new”; choosing one records the interaction once."""
    slack.command("Jane Doe (ACME) phone yesterday")
    slack.command("Jane Doe (Globex) phone yesterday")
    question = slack.command("jane doe email today")
    assert "Which one did you mean" in question.text
    assert rows(db, Interaction) == 2
    choice = button(question.last, "Jane Doe · Globex")
    answer = slack.press(choice)
    assert "Email with Jane Doe" in answer.text and answer.last.get("replace_original") is True
    slack.press(choice)  # a double click
    assert rows(db, Interaction) == 3


def test_logcall_without_text_opens_the_modal_and_its_submission_records_the_same(
    slack: SlackDriver, standin: SlackStandIn, db: Engine
) -> None:
    """The form has the grammar's fields; submitting it records an interaction and replies ephemerally."""
    reply = slack.command("")
    assert reply.ack.status == 200
    view = slack.opened_view()
    assert {b["block_id"] for b in view["blocks"]} >= {
        "contacts",
        "company",
        "channel",
        "date",
        "initiator",
        "notes",
        "tags",
    }
    values = answers(
        contacts="Raj Patel, Li Wei",
        company="Initech",
        channel=static_select("in_person"),
        date=datepicker("2026-11-20"),
        time=timepicker("12:30"),
        initiator=radio_buttons("me"),
        tags="#client friend",
        notes="lunch",
    )
    submitted = slack.submit(view, values, view_id="V0MODAL1")
    assert submitted.ack.status == 200 and not submitted.ack.body
    assert "Met in person with Raj Patel and Li Wei" in submitted.text
    slack.submit(view, values, view_id="V0MODAL1")  # a double submit
    assert (rows(db, Interaction), rows(db, Contact)) == (1, 2)


def test_the_modal_refuses_a_future_date_next_to_the_field(slack: SlackDriver, db: Engine) -> None:
    """A date in the future comes back as an error under the date field; nothing is recorded."""
    slack.command("")
    view = slack.opened_view()
    values = answers(contacts="Raj Patel", channel=static_select("phone"), date=datepicker("2026-12-25"))
    import json

    answer = json.loads(slack.submit(view, values).ack.body)
    assert answer["response_action"] == "errors" and "future" in answer["errors"]["date"]
    assert rows(db, Interaction) == 0


def test_rating_a_relationship_opens_a_modal_and_updates_the_score(slack: SlackDriver, db: Engine) -> None:
    """“Rate this relationship” asks signs 1-3; saving replies with the new score breakdown."""
    reply = slack.command("Jane Doe phone yesterday")
    slack.press(button(reply.last, "Rate this relationship"))
    view = slack.opened_view()
    values = answers(
        knows_title=radio_buttons("yes"),
        knows_role=radio_buttons("yes"),
        appreciation=radio_buttons("good"),
        friendship=radio_buttons("friend"),
        privacy=checkboxes("private"),
    )
    saved = slack.submit(view, values)
    assert "rating is saved" in saved.text
    with db.connect() as connection:
        assert connection.execute(select(Tie.appreciation, Tie.friendship, Tie.private)).one() == (
            "good",
            "friend",
            True,
        )
    slack.press(button(saved.last, "Rate this relationship"))
    reopened = slack.opened_view()
    privacy = next(b for b in reopened["blocks"] if b.get("block_id") == "privacy")
    assert privacy["element"]["initial_options"][0]["value"] == "private"  # the form shows what was saved


def test_a_member_time_zone_comes_from_users_info_and_is_cached(slack: SlackDriver, standin: SlackStandIn) -> None:
    """users.info is asked once for a new member; later commands use the cached time zone."""
    slack.command("Jane Doe phone yesterday")
    slack.command("Raj Patel phone yesterday")
    assert len(standin.calls_to("users.info")) == 1


def test_a_contacts_menu_edits_their_tags(slack: SlackDriver, db: Engine) -> None:
    """The overflow menu's “Edit tags” replaces the contact's tags with what is typed."""
    reply = slack.command("Jane Doe (ACME) phone yesterday #prospect")
    menu = next(
        e for b in reply.last["blocks"] if b["type"] == "actions" for e in b["elements"] if e["type"] == "overflow"
    )
    option = menu["options"][0]
    slack.act({"type": "overflow", "action_id": "contact_menu", "block_id": "t", "selected_option": option})
    form = slack.opened_view()
    assert next(b for b in form["blocks"] if b.get("block_id") == "tags")["element"]["initial_value"] == "prospect"
    saved = slack.submit(form, answers(tags="#client, friend"))
    assert "Tags saved: #client #friend" in saved.text
    with db.connect() as connection:
        assert sorted(connection.scalars(select(contact_tags.c.tag))) == ["client", "friend"]
