"""What a live PostgreSQL server does by itself after a bulk load, done at once before timing."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine


def vacuum_analyze(engine: Engine, tables: Sequence[str]) -> None:
    """VACUUM ANALYZE the freshly loaded tables (PostgreSQL only; names as the search path finds them).

    Autovacuum does this on a live server (since PostgreSQL 13 after inserts too): statistics for
    the planner, and the visibility map that lets index-only scans skip the table. Right after COPY
    neither exists yet, and timing then would measure a state no running server stays in.
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"VACUUM ANALYZE {', '.join(tables)}")
