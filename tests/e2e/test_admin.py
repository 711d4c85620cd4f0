"""A workspace's admins: export everything as JSON in a stable shape, or delete everything."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from models.admin.service import EXPORT_FORMAT, delete_workspace, export_workspace
from models.core.values import Actor, Channel, ContactRef, Initiator, LogCallCommand
from models.db.orm import Contact, Interaction, Tie, Workspace
from models.db.uow import UnitOfWork
from models.logcall.service import log_call

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def logged(uow: UnitOfWork, team: str, notes: str) -> None:
    command = LogCallCommand(
        contacts=(ContactRef("Jane Doe", "ACME"),),
        channel=Channel.IN_PERSON,
        occurred_at=NOW - timedelta(days=2),
        initiator=Initiator.THEM,
        duration_minutes=45,
        tags=("client",),
        notes=notes,
    )
    log_call(uow, Actor(team, "U1"), command, f"{team}-1", NOW)


def test_the_export_holds_one_workspace_with_every_tie_scored(uow: UnitOfWork) -> None:
    """Members, contacts, interactions and ties with the five signs and the strength; nothing of the other workspace."""
    logged(uow, "T1", "alpha notes")
    logged(uow, "T2", "beta notes")
    document = export_workspace(uow, "T1", NOW)
    assert document["format"] == EXPORT_FORMAT and document["workspace"]["team_id"] == "T1"
    assert [c["name"] for c in document["contacts"]] == ["Jane Doe"] and document["contacts"][0]["tags"] == ["client"]
    assert [i["notes"] for i in document["interactions"]] == ["alpha notes"]
    tie = document["ties"][0]
    assert [s["number"] for s in tie["score"]["signs"]] == [1, 2, 3, 4, 5]
    parts = {"activity", "volume", "regularity", "spread", "variety", "reciprocity", "seller_view"}
    assert set(tie["strength"]) == {"value", "band"} | parts
    assert tie["interaction_count"] == 1 and tie["member"] == "U1"
    assert "beta" not in json.dumps(document)


def test_deleting_a_workspace_removes_all_its_data_and_nothing_else(uow: UnitOfWork, db: Engine) -> None:
    """Every row of T1 goes (contacts, interactions, ties); T2 is untouched."""
    logged(uow, "T1", "alpha")
    logged(uow, "T2", "beta")
    assert delete_workspace(uow, "T1") and not delete_workspace(uow, "T1")
    with db.connect() as connection:
        for model in (Contact, Interaction, Tie, Workspace):
            assert connection.scalar(select(func.count()).select_from(model)) == 1


def admin_database(tmp_path: Path, notes: str) -> tuple[Engine, dict[str, str]]:
    """A SQLite database with one call logged in T1, and the environment `rapport` runs with on it."""
    from bot.db import make_engine, make_session_factory, migrate

    database = f"sqlite:///{tmp_path / 'rapport.db'}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLACK_")}
    env.update(DATABASE_URL=database, LOG_FORMAT="text")
    engine = make_engine(database)
    migrate(engine)
    logged(UnitOfWork(make_session_factory(engine)), "T1", notes)
    return engine, env


def rapport(env: dict[str, str], cwd: Path, *args: str, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    """`rapport ARGS` as an admin runs it on a terminal (under `umask` when given)."""
    command = [sys.executable, "-m", "bot.cli", *args]
    if umask is not None:
        command = ["sh", "-c", f'umask {umask:o} && exec "$@"', "sh", *command]
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_an_export_is_readable_by_its_owner_only_even_over_a_file_open_to_all(tmp_path: Path) -> None:
    """Everyone's notes are in it: the file is 0600, also when it existed as 0644 (and under a umask of 0)."""
    _, env = admin_database(tmp_path, "private to the admins")
    earlier = tmp_path / "earlier.json"
    earlier.write_text("an older export")
    earlier.chmod(0o644)
    for target in (tmp_path / "new.json", earlier):
        exported = rapport(env, tmp_path, "export", "--output", str(target), umask=0)
        assert exported.returncode == 0, exported.stderr
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert "private to the admins" in target.read_text()


def test_the_command_line_exports_to_a_file_and_deletes_on_request(tmp_path: Path) -> None:
    """`rapport export --workspace T --output F` and `rapport workspace delete T --yes`, as an admin runs them."""
    engine, env = admin_database(tmp_path, "kept for the admins")
    exported = rapport(env, tmp_path, "export", "--workspace", "T1", "--output", str(tmp_path / "t1.json"))
    assert exported.returncode == 0, exported.stderr
    document = json.loads((tmp_path / "t1.json").read_text())
    assert document["workspaces"][0]["interactions"][0]["notes"] == "kept for the admins"
    unknown = rapport(env, tmp_path, "export", "--workspace", "T9")
    assert unknown.returncode == 2 and "no workspace T9" in unknown.stderr
    deleted = rapport(env, tmp_path, "workspace", "delete", "T1", "--yes")
    assert deleted.returncode == 0 and "T1: all data deleted" in deleted.stdout
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Contact)) == 0


def test_the_command_line_scores_every_tie_again_as_the_nightly_job_does(tmp_path: Path) -> None:
    """`rapport scores` brings the kept figures up to today: a meeting logged long ago has faded."""
    engine, env = admin_database(tmp_path, "notes")
    with engine.connect() as connection:
        logged_strength = connection.scalar(select(Tie.strength))
    scored = rapport(env, tmp_path, "scores")
    assert scored.returncode == 0, scored.stderr
    assert scored.stdout == "workspace T1: 1 ties scored\n"
    with engine.connect() as connection:
        assert connection.scalar(select(Tie.strength)) < logged_strength  # logged as of 22 Nov, scored as of today
    unknown = rapport(env, tmp_path, "scores", "--workspace", "T9")
    assert unknown.returncode == 2 and "no workspace T9" in unknown.stderr
