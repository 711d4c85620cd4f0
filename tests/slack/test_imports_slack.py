"""Importing from Slack: the Home tab's form takes a LinkedIn export and the report comes back by DM."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, func, select, update

from bot.standin import SlackStandIn
from models.db.orm import Contact, Interaction, Member, Tie
from models.db.repository import WorkspaceRepository
from models.db.uow import UnitOfWork
from tests.form_answers import answers, file_input, static_select
from tests.slack_driver import Clock, SlackDriver, flatten

IMPORTS = Path(__file__).resolve().parents[1] / "data" / "imports"


def test_a_linkedin_export_uploaded_in_slack_is_imported_as_reach_and_reported(
    slack: SlackDriver, standin: SlackStandIn, db: Engine
) -> None:
    """Upload → one transaction → a DM with created/merged/skipped; the contacts are reach, tagged."""
    slack.press({"action_id": "home_import", "value": "import"})
    form = slack.opened_view()
    upload = standin.add_file((IMPORTS / "linkedin_Connections_utf16.csv").read_bytes(), "Connections.csv")
    values = answers(kind=static_select("linkedin"), file=file_input(upload), tags="#prospect")
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
    values = answers(kind=static_select("csv"), file=file_input(upload))
    answer = json.loads(slack.submit(form, values).ack.body)
    assert answer["response_action"] == "errors" and "map" in answer["errors"]


def test_a_crm_file_without_a_name_column_is_refused_by_dm_naming_the_forms_field(
    slack: SlackDriver, standin: SlackStandIn
) -> None:
    """A map that leaves out the name: the DM says which field of the form to fill, never a command-line flag."""
    slack.press({"action_id": "home_import", "value": "import"})
    form = slack.opened_view()
    upload = standin.add_file(b"Phone;City\n123;Paris\n", "crm.csv")
    values = answers(kind=static_select("csv"), file=file_input(upload), map="phone=Phone")
    slack.submit(form, values)
    report = flatten(standin.calls_to("chat.postMessage")[-1].args)
    assert "Nothing was imported: No name column found" in report
    assert "Say which it is in the Columns field, e.g. name=Full Name" in report and "--map" not in report


def upload_activities(slack: SlackDriver, standin: SlackStandIn, content: str) -> str:
    """Upload an activities file through the Home tab's form; the report DM, flattened."""
    slack.press({"action_id": "home_import", "value": "import"})
    form = slack.opened_view()
    upload = standin.add_file(content.encode(), "activities.csv")
    values = answers(
        kind=static_select("interactions"),
        file=file_input(upload),
        map="member=Owner,contact=Contact,when=Date,channel=Type",
    )
    slack.submit(form, values)
    return flatten(standin.calls_to("chat.postMessage")[-1].args)


def test_an_upload_in_slack_imports_the_uploaders_own_interactions_only(
    slack: SlackDriver, standin: SlackStandIn, db: Engine, uow: UnitOfWork, clock: Clock
) -> None:
    """Rows naming a teammate (Slack id or e-mail) or an unknown id are skipped and reported; no member is created."""
    with uow:
        repo = WorkspaceRepository.for_team(uow.session, "T0TEAM1")
        repo.get_or_create_member("U0TEAMMATE").email = "teammate@rapport.example"
        repo.get_or_create_member("U0SELLER1")
        uow.session.execute(
            update(Member)
            .where(Member.slack_user_id == "U0SELLER1")
            .values(email="seller@rapport.example", profile_fetched_at=clock.now, time_zone="Europe/Paris")
        )
        uow.commit()
    report = upload_activities(
        slack,
        standin,
        "Owner,Contact,Date,Type,Notes\n"
        "U0SELLER1,Ann Lee,2026-11-02,call\n"
        ",Bob Ray,2026-11-03,email\n"
        "Seller@Rapport.example,Cy Fox,2026-11-04,meeting\n"
        "U0TEAMMATE,Di Poe,2026-11-05,call\n"
        "teammate@rapport.example,Ed Wu,2026-11-06,call\n"
        "U0NEWBIE9,Flo Ng,2026-11-07,call\n"
        f"U0SELLER1,{'N' * 256},2026-11-08,call\n",
    )
    assert "3 created, 0 merged, 4 skipped" in report
    for line, who in ((5, "U0TEAMMATE"), (6, "teammate@rapport.example"), (7, "U0NEWBIE9")):
        assert f"line {line}: " in report and f"names “{who}”, not you" in report
    assert "line 8: " in report and "name over 255 characters" in report
    with db.connect() as connection:
        owners = connection.scalars(
            select(Member.slack_user_id).join(Interaction, Interaction.member_id == Member.id)
        ).all()
        members = set(connection.scalars(select(Member.slack_user_id)))
    assert owners == ["U0SELLER1"] * 3
    assert members == {"U0SELLER1", "U0TEAMMATE"}
