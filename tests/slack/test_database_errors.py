"""Database errors reach the logs without the values of the failing statement: no SQL parameters, no echoed row."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient
from sqlalchemy.exc import DBAPIError

from bot.logs import configure_logging
from bot.standin import SlackStandIn
from handlers.kit.errors import report
from models.db.bulk import insert_rows
from models.db.orm import Account, CalendarFeed, Contact
from models.db.repository import WorkspaceRepository
from models.db.uow import UnitOfWork
from tests.slack_driver import BOT_TOKEN

SECRET_URL = "https://calendar.example/private/4f9c2e1a77d0/basic.ics"
NAME = "Zebulon Quartermaine"
EMAIL = "zebulon.q@client.example"
COMPANY = "Quartermaine Holdings"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The production log set-up (JSON lines, the secrets filter), printing into a buffer; restored after."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("INFO", (BOT_TOKEN,), json_lines=True)
    stream = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    yield stream
    root.handlers[:], root.level = saved


def feed_without_member(repo: WorkspaceRepository) -> None:
    repo.session.add(CalendarFeed(workspace_id=repo.workspace_id, member_id=None, url=SECRET_URL))


def contact_without_key(repo: WorkspaceRepository) -> None:
    repo.session.add(Contact(workspace_id=repo.workspace_id, name=NAME, name_key=None, email=EMAIL))


def company_twice(repo: WorkspaceRepository) -> None:
    repo.session.add(Account(workspace_id=repo.workspace_id, name=COMPANY, name_key=COMPANY.lower()))
    repo.session.flush()
    repo.session.add(Account(workspace_id=repo.workspace_id, name=COMPANY, name_key=COMPANY.lower()))


@pytest.mark.parametrize("break_a_row", [feed_without_member, contact_without_key, company_twice])
def test_a_failing_statement_is_logged_without_the_values_it_carried(
    uow: UnitOfWork, standin: SlackStandIn, json_log: io.StringIO, break_a_row: Callable[[WorkspaceRepository], None]
) -> None:
    """A calendar address, a name, an e-mail or a company in a refused row never reaches the log; the fault does."""
    with uow:
        repo = WorkspaceRepository.for_team(uow.session, "T0TEAM1")
        repo.get_or_create_member("U0SELLER1")
        break_a_row(repo)
        with pytest.raises(DBAPIError) as raised:
            uow.session.flush()

    report(raised.value, {"user": {"id": "U0SELLER1"}}, WebClient(token=BOT_TOKEN, base_url=standin.base_url))

    printed = json_log.getvalue()
    entry = json.loads(printed.splitlines()[0])
    assert entry["message"] == "listener failed: IntegrityError"
    assert "IntegrityError" in entry["exception"] and "[SQL: INSERT INTO" in entry["exception"]
    for value in (SECRET_URL, NAME, EMAIL, COMPANY, COMPANY.lower()):
        assert value not in printed


def test_an_over_long_value_refused_by_postgresql_is_logged_without_it(
    uow: UnitOfWork, standin: SlackStandIn, json_log: io.StringIO
) -> None:
    """PostgreSQL refuses a 300-character name (SQLite keeps it): the error is logged, the name is not."""
    long_name = NAME + " " + "x" * 300
    with uow:
        repo = WorkspaceRepository.for_team(uow.session, "T0TEAM1")
        if uow.session.get_bind().dialect.name != "postgresql":
            pytest.skip("SQLite stores values of any length: nothing is refused")
        with pytest.raises(DBAPIError) as raised:
            repo.create_contact(long_name, None, created_by=None, email=EMAIL)

    report(raised.value, {"user": {"id": "U0SELLER1"}}, WebClient(token=BOT_TOKEN, base_url=standin.base_url))

    printed = json_log.getvalue()
    assert "value too long for type character varying(255)" in printed
    assert NAME not in printed and EMAIL not in printed


def test_a_row_refused_in_a_bulk_copy_is_logged_without_its_line(
    uow: UnitOfWork, standin: SlackStandIn, json_log: io.StringIO
) -> None:
    """Imports write with COPY on PostgreSQL, around the engine: a refused line is not quoted either."""
    with uow:
        repo = WorkspaceRepository.for_team(uow.session, "T0TEAM1")
        rows = [
            {
                "workspace_id": repo.workspace_id,
                "name": NAME,
                "name_key": None,
                "email": EMAIL,
                "created_at": datetime.now(UTC),
            }
        ]
        with pytest.raises(Exception) as raised:  # noqa: PT011 - the driver's own error on PostgreSQL, SQLAlchemy's on SQLite
            insert_rows(uow.session, Contact, rows)

    report(raised.value, {"user": {"id": "U0SELLER1"}}, WebClient(token=BOT_TOKEN, base_url=standin.base_url))

    printed = json_log.getvalue()
    assert "null value in column" in printed or "NOT NULL constraint failed" in printed
    assert NAME not in printed and EMAIL not in printed
