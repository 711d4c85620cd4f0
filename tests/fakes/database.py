"""The fakes' database: the ORM's own row objects kept in plain dicts, with commit and rollback.

Rows are the models of `models.db.orm`, never attached to a session: a fake hands out the very object
it keeps (as a session's identity map does), so a use case that changes an attribute changes the row.
What was not committed is undone on rollback, attributes and added or deleted rows alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import inspect

from models.db.orm import Base, Contact, Workspace

#: A row of one of the ORM's models.
Row = TypeVar("Row", bound=Base)
#: A table: its rows by primary key, in the order they were added (the order of their ids).
Table = dict[tuple[Any, ...], Base]


@dataclass(frozen=True)
class _Snapshot:
    """Every row with the values of its columns and collections, and the contacts' tags, at one moment."""

    tables: dict[type[Base], dict[tuple[Any, ...], tuple[Base, dict[str, Any]]]]
    contact_tags: frozenset[tuple[int, str]]


class FakeDatabase:
    """The tables the fakes read and write, in memory.

    Transactions: the state as of the last commit is kept when the first unit of work opens; `rollback`
    goes back to it, `commit` makes the present state the committed one. Rows written with no unit of
    work open (a test setting the scene) count as committed. One writer at a time, as the use cases
    run on it (a unit of work held open alongside another one only reads).
    """

    def __init__(self) -> None:
        self._tables: dict[type[Base], Table] = {}
        self._last_id: dict[type[Base], int] = {}
        #: (contact id, tag) of every tagged contact: the `contact_tags` table.
        self.contact_tags: set[tuple[int, str]] = set()
        self._committed: _Snapshot | None = None
        self._open_units = 0

    # Rows ----------------------------------------------------------------------------------------
    def add(self, row: Row) -> Row:
        """Keep a new row: its columns' defaults filled in, as a flush would, and the next id given."""
        model = type(row)
        mapper = inspect(model)
        for column in mapper.columns:
            if getattr(row, column.key) is None and column.default is not None:
                default = column.default
                setattr(row, column.key, default.arg if default.is_scalar else default.arg(None))  # type: ignore[attr-defined]
        if "id" in mapper.columns and getattr(row, "id", None) is None:
            self._last_id[model] = self._last_id.get(model, 0) + 1
            row.id = self._last_id[model]  # type: ignore[attr-defined]
        self._tables.setdefault(model, {})[tuple(mapper.primary_key_from_instance(row))] = row
        return row

    def rows(self, model: type[Row]) -> list[Row]:
        """Every row of a model, in the order they were added."""
        return list(self._tables.get(model, {}).values())  # type: ignore[arg-type]

    def get(self, model: type[Row], *key: Any) -> Row | None:
        """The row with this primary key, if there is one."""
        return self._tables.get(model, {}).get(key)  # type: ignore[return-value]

    def delete(self, row: Base) -> None:
        key = tuple(inspect(type(row)).primary_key_from_instance(row))
        self._tables.get(type(row), {}).pop(key, None)

    def tag(self, contact: Contact, tag: str) -> None:
        """Tag a contact (once)."""
        self.contact_tags.add((contact.id, tag))

    def index_name(
        self, workspace: Workspace, name: str, *, contact_id: int | None = None, account_id: int | None = None
    ) -> None:
        """Nothing to keep: the fakes find names by their variants, worked out when asked."""

    # Transactions --------------------------------------------------------------------------------
    def begin(self) -> None:
        """A unit of work opens: with none open before it, what is there now is the committed state."""
        if self._open_units == 0:
            self._committed = self._snapshot()
        self._open_units += 1

    def end(self) -> None:
        self._open_units -= 1

    def commit(self) -> None:
        self._committed = self._snapshot()

    def rollback(self) -> None:
        """Back to the last committed state: its rows, with the values they had then."""
        if self._committed is None:
            return
        self._tables = {}
        for model, table in self._committed.tables.items():
            restored = self._tables.setdefault(model, {})
            for key, (row, values) in table.items():
                for name, value in values.items():
                    setattr(row, name, value)
                restored[key] = row
        self.contact_tags = set(self._committed.contact_tags)

    def _snapshot(self) -> _Snapshot:
        tables = {
            model: {key: (row, _values(row)) for key, row in table.items()} for model, table in self._tables.items()
        }
        return _Snapshot(tables, frozenset(self.contact_tags))


def _values(row: Base) -> dict[str, Any]:
    """A row's columns, and copies of its collections (a meeting's attendees, an interaction's contacts)."""
    mapper = inspect(type(row))
    values: dict[str, Any] = {column.key: getattr(row, column.key) for column in mapper.column_attrs}
    for relationship in mapper.relationships:
        if relationship.uselist:
            values[relationship.key] = list(getattr(row, relationship.key))
    return values
