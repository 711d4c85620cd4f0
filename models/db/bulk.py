"""The bulk writer: many rows in one go (COPY on PostgreSQL, executemany on SQLite), and long id lists read in chunks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final, TypeVar, cast

from sqlalchemy import ColumnElement, Table, any_, insert, literal
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from models.core.faults import drop_echoed_values
from models.db.orm import Base

#: Rows per INSERT batch.
WRITE_CHUNK: Final = 10_000
#: Keys or ids per IN (…) lookup.
LOOKUP_CHUNK: Final = 2_000

Item = TypeVar("Item")


def chunks(items: Sequence[Item], size: int) -> Iterator[Sequence[Item]]:
    """The items in slices of at most `size`, in order."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def table_of(target: type[Base] | Table) -> Table:
    """The table of a mapped class (or the table itself)."""
    return target if isinstance(target, Table) else cast(Table, target.__table__)


def insert_rows(
    session: Session, into: type[Base] | Table, rows: Sequence[dict[str, Any]], want_ids: bool = False
) -> list[int]:
    """Insert many rows fast, in the session's transaction; the new ids in the order of `rows` when asked.

    PostgreSQL: COPY, with the ids reserved from the table's sequence first (executemany and
    multi-row VALUES spend most of their time in the driver). SQLite: executemany, which runs in C,
    and INSERT … RETURNING in parameter order when ids are wanted. Values go in as the columns'
    types take them: the datetimes are aware (COPY bypasses UTCDateTime, timestamptz needs no help).
    Every row has the keys of the first. A refused row's values are never quoted in the error.
    """
    if not rows:
        return []
    table = table_of(into)
    if session.get_bind().dialect.name != "postgresql":
        if want_ids:
            returning = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            return [i for chunk in chunks(rows, WRITE_CHUNK) for i in session.scalars(returning, chunk).all()]
        for chunk in chunks(rows, WRITE_CHUNK * 5):
            session.execute(insert(table), chunk)
        return []
    ids: list[int] = []
    if want_ids:
        reserve = sql_text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)")
        ids = list(session.scalars(reserve, {"table": table.name, "count": len(rows)}))
    _copy(session, table, rows, ids)
    return ids


def _copy(session: Session, table: Table, rows: Sequence[dict[str, Any]], ids: Sequence[int]) -> None:
    """COPY the rows into the table (with these ids first, when there are any)."""
    columns = (["id"] if ids else []) + list(rows[0])
    driver = session.connection().connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            if ids:
                for new_id, row in zip(ids, rows, strict=True):
                    copy.write_row([new_id, *row.values()])
            else:
                for row in rows:
                    copy.write_row(list(row.values()))
    except Exception as error:
        drop_echoed_values(error)  # COPY goes around the engine: its errors would quote the failing line
        raise


def among(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL one array parameter, cheaper to send and plan than thousands."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(ColumnElement[bool], column == any_(literal(list(values), ARRAY(column.type))))
    return cast(ColumnElement[bool], column.in_(values))


def unindexed(column: Any) -> Any:
    """A workspace column as a plain filter: without statistics, SQLite would otherwise walk the whole
    workspace through its workspace_id index instead of the few rows a chunk's ids point to."""
    return column + 0
