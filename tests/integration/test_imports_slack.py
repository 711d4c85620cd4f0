"""Importing from Slack: the Home tab's form takes a LinkedIn export and the report comes back by DM."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, func, select

from bot.slack_standin import SlackStandIn
from models.orm import Contact, Tie
from tests.slack_driver import SlackDriver, flatten

IMPORTS = Path(__file__).resolve().parents[1] / "data" / "imports"


def test_a_linkedin_export_uploaded_in_slack_is_imported_as_reach_and_reported(
    slack: SlackDriver, standin: SlackStandIn, db: Engine
) -> None:
    """Upload → one transaction → a DM with created/merged/skipped; the contacts are reach, tagged."""
    slack.press({"action_id": "home_import", "value": "import"})
    form = slack.opened_view()
    upload = standin.add_file((IMPORTS / "linkedin_Connections_utf16.csv").read_bytes(), "Connections.csv")
    values = {
        "kind": {"kind": {"type": "static_select", "selected_option": {"value": "linkedin"}}},
        "file": {"file": {"type": "file_input", "files": [upload]}},
        "tags": {"tags": {"type": "plain_text_input", "value": "#prospect"}},
    }
    submitted = slack.submit(form, values)
    assert not submitted.ack.body  # acknowledged at once; the import runs after
    report = flatten(standin.calls_to("chat.postMessage")[-1].args)
    assert "Import done" in report and "created" in report and "skipped" in report
    with db.connect() as connection:
        contacts = connection.scalar(select(func.count()).select_from(Contact))
        reach = connection.scalar(select(func.count()).select_from(Tie).where(Tie.interaction_count == 0))
    assert contacts and reach == contacts


def test_a_crm_file_without_its_columns_is_refused_by_the_form(slack: SlackDriver, standin: SlackStandIn) -> None:
    """A CRM CSV needs its --map: the form says so under the field, and nothing is imported."""
    slack.press({"action_id": "home_import", "value": "import"})
    form = slack.opened_view()
    upload = standin.add_file((IMPORTS / "crm_contacts.csv").read_bytes(), "crm.csv")
    values = {
        "kind": {"kind": {"type": "static_select", "selected_option": {"value": "csv"}}},
        "file": {"file": {"type": "file_input", "files": [upload]}},
    }
    answer = json.loads(slack.submit(form, values).ack.body)
    assert answer["response_action"] == "errors" and "map" in answer["errors"]
