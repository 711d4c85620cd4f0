"""Replicas starting together on an empty PostgreSQL database: every one of them comes up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bot.db import make_engine
from tests.conftest import schema_of_its_own

BASE_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.mark.slow
@pytest.mark.skipif(not BASE_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
@pytest.mark.parametrize("trial", [1, 2, 3])
def test_two_replicas_migrating_an_empty_database_at_once_both_succeed(trial: int, tmp_path: Path) -> None:
    """Two `rapport migrate` started together on a fresh schema: one migrates, the other waits, both exit 0."""
    assert BASE_URL is not None
    with schema_of_its_own(BASE_URL, "rapport_replicas") as url:
        environment = {key: value for key, value in os.environ.items() if not key.startswith("SLACK_")}
        environment["DATABASE_URL"] = url
        replicas = [
            subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "migrate"],
                env=environment,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for _ in range(2)
        ]
        outputs = [replica.communicate(timeout=120)[0].decode() for replica in replicas]
        assert [replica.returncode for replica in replicas] == [0, 0], outputs
        assert all("Database ready" in output for output in outputs)
        engine = make_engine(url)
        with engine.connect() as connection:
            assert "alembic_version" in inspect(connection).get_table_names()
            assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1
        engine.dispose()


@pytest.mark.skipif(not BASE_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_replicas_creating_slacks_installation_tables_at_once_all_succeed() -> None:
    """slack_sdk's stores create their own tables when the app starts: four at once on an empty schema
    take the migration lock in turn, and none fails on a table another has just created."""
    from concurrent.futures import ThreadPoolExecutor

    from bot.installations import oauth_settings
    from bot.settings import load_settings

    assert BASE_URL is not None
    with schema_of_its_own(BASE_URL, "rapport_slack_tables") as url:
        settings = load_settings(
            environ={"DATABASE_URL": url, "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s3cret-0123456789"},
            env_file=None,
        )
        engines = [make_engine(url) for _ in range(4)]
        try:
            with ThreadPoolExecutor(max_workers=4) as pool:
                started = [pool.submit(oauth_settings, settings, engine) for engine in engines]
                assert all(future.result(timeout=60) is not None for future in started)
            with engines[0].connect() as connection:
                tables = set(inspect(connection).get_table_names())
            assert {"slack_bots", "slack_installations", "slack_oauth_states"} <= tables
        finally:
            for engine in engines:
                engine.dispose()
