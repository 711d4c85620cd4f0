"""The migrations: they build exactly the schema the models describe, and carry data forward."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine, select, text

from bot.db import alembic_config, make_engine, migrate
from bot.installations import SLACK_SDK_TABLES
from bot.scheduler import JOB_TABLE
from models.core.names import name_variants
from models.db.orm import Base, NameIndexEntry


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    """After `migrate`, Alembic finds no difference between the database and the models (either backend)."""
    with engine.connect() as connection:
        foreign = {JOB_TABLE, *SLACK_SDK_TABLES}  # tables APScheduler and slack_sdk create for themselves
        context = MigrationContext.configure(
            connection,
            opts={"include_object": lambda obj, name, kind, *_: not (kind == "table" and name in foreign)},
        )
        assert compare_metadata(context, Base.metadata) == []


def old_database(path: Path, revision: str, *statements: str) -> Engine:
    """A SQLite database at an earlier revision, with one workspace and these rows."""
    engine = make_engine(f"sqlite:///{path / 'old.db'}")
    command.upgrade(alembic_config(engine), revision)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO workspaces (id, slack_team_id, name, created_at) VALUES (1, 'T1', '', '2026-01-01')")
        )
        for statement in statements:
            connection.execute(text(statement))
    return engine


def test_upgrading_from_the_first_schema_indexes_existing_names(tmp_path: Path) -> None:
    """Contacts recorded before the name index existed become findable by the upgrade."""
    engine = old_database(
        tmp_path,
        "0001",
        "INSERT INTO contacts (id, workspace_id, name, name_key, created_at) "
        "VALUES (7, 1, 'José García', 'jose garcia', '2026-01-01')",
    )
    migrate(engine)
    with engine.connect() as connection:
        variants = set(connection.scalars(select(NameIndexEntry.variant).where(NameIndexEntry.contact_id == 7)))
    assert variants == name_variants("José García") and "jose" in variants


def test_upgrading_fills_each_contacts_team_strength_from_its_visible_ties(tmp_path: Path) -> None:
    """Contacts known before `team_strength` existed get their strongest tie that is not private."""
    members = [
        "INSERT INTO members (id, workspace_id, slack_user_id, display_name, time_zone, created_at) "
        f"VALUES ({member}, 1, 'U{member}', '', 'UTC', '2026-01-01')"
        for member in (1, 2, 3)
    ]
    contacts = [
        f"INSERT INTO contacts (id, workspace_id, name, name_key, created_at) VALUES ({c}, 1, 'P{c}', 'p{c}', '2026-01-01')"
        for c in (7, 8, 9)
    ]
    ties = [  # member, contact, strength, private
        "INSERT INTO ties (workspace_id, member_id, contact_id, strength, private, interaction_count, source, "
        f"created_at) VALUES (1, {member}, {contact}, {strength}, {private}, 1, 'slack', '2026-01-01')"
        for member, contact, strength, private in [(1, 7, 0.4, 0), (2, 7, 0.6, 0), (3, 7, 0.9, 1), (1, 8, 0.5, 1)]
    ]
    engine = old_database(tmp_path, "0007", *members, *contacts, *ties)
    migrate(engine)
    with engine.connect() as connection:
        found = dict(connection.execute(text("SELECT id, team_strength FROM contacts ORDER BY id")).all())
    assert found == {7: 0.6, 8: None, 9: None}


def test_upgrading_keeps_each_installed_workspaces_grid_organisation(tmp_path: Path) -> None:
    """Workspaces installed before `enterprise_id` existed take their organisation from slack_sdk's table of bots."""
    engine = old_database(
        tmp_path,
        "0009",
        "INSERT INTO workspaces (id, slack_team_id, name, created_at) VALUES (2, 'T2', '', '2026-01-01')",
    )
    store = SQLAlchemyInstallationStore(client_id="111.222", engine=engine)
    store.create_tables()  # type: ignore[no-untyped-call]
    for enterprise_id, installed_at in ((None, 1_700_000_000.0), ("E1", 1_800_000_000.0)):  # moved into a Grid org
        store.save_bot(
            Bot(
                app_id="A1",
                enterprise_id=enterprise_id,
                team_id="T1",
                bot_token="xoxb-1",
                bot_id="B1",
                bot_user_id="U0BOT",
                installed_at=installed_at,
            )
        )
    migrate(engine)
    with engine.connect() as connection:
        found = dict(connection.execute(text("SELECT slack_team_id, enterprise_id FROM workspaces")).all())
    assert found == {"T1": "E1", "T2": None}


def test_upgrading_scores_every_tie_again_under_the_five_signs_as_the_seeds_define_them(tmp_path: Path) -> None:
    """A tie scored before 0011 counted a LinkedIn title as known (+1) and its Globex co-workers as the
    contact's network; `migrate` scores it again with today's rules: sign 1 unknown, network unknown,
    and the count of known signs kept, so nothing is left from the older rules."""
    engine = old_database(
        tmp_path,
        "0010",
        "INSERT INTO members (id, workspace_id, slack_user_id, display_name, time_zone, created_at) "
        "VALUES (1, 1, 'U1', '', 'UTC', '2026-01-01')",
        "INSERT INTO contacts (id, workspace_id, name, name_key, job_title, created_at) "
        "VALUES (7, 1, 'Jane Doe', 'jane doe', 'VP Procurement', '2026-01-01')",
        "INSERT INTO ties (workspace_id, member_id, contact_id, strength, private, interaction_count, source, "
        "score_total, computed_at, created_at) "
        "VALUES (1, 1, 7, 0.1, 0, 0, 'linkedin', 1, '2026-11-01 00:00:00.000000', '2026-01-01')",
    )
    migrate(engine, now=datetime(2026, 12, 4, tzinfo=UTC))
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT score_total, signs_known, computed_at FROM ties")).one()
    assert kept[:2] == (0, 0) and str(kept[2]).startswith("2026-12-04")
