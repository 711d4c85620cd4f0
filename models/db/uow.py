"""The unit of work: one database transaction per use case, committed only when it all succeeded."""

from __future__ import annotations

from types import TracebackType
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models.db.orm import Member
from models.db.repository import WorkspaceRepository

#: A capability's repository: the workspace-scoped one, or one built on it.
Repository = TypeVar("Repository", bound=WorkspaceRepository)


class WriteCollision(Exception):
    """Another transaction wrote a row that must be unique (the same request, a new member) at the same
    moment; nothing of this one was kept, and the use case may look at what the other wrote and retry."""


class UnitOfWork:
    """Owns a session for the length of a `with` block; re-enterable, one fresh session each time.

    Nothing is written unless `commit()` is called; leaving the block without it, or with an
    exception, rolls everything back, so a use case never leaves a partial write behind.
    """

    def __init__(self, session_factory: sessionmaker[Session], autocommit: bool = False) -> None:
        self._session_factory = session_factory
        self._autocommit = autocommit
        self._session: Session | None = None

    def fresh(self) -> UnitOfWork:
        """Another unit of work on the same database, for a transaction held alongside this one."""
        return UnitOfWork(self._session_factory)

    def reading(self) -> UnitOfWork:
        """A unit of work for a use case that only reads: each statement on its own (autocommit).

        It spares the BEGIN and ROLLBACK round trips of a transaction nobody commits: a fifth of a
        `/whoknows` on PostgreSQL, whose READ COMMITTED reads take a fresh snapshot per statement
        anyway. What such a use case writes on the way (a member seen for the first time, created
        idempotently) is kept at once.
        """
        return UnitOfWork(self._session_factory, autocommit=True)

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its `with` block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        if self._session is not None:
            raise RuntimeError("a unit of work cannot be entered twice at once; make one per thread")
        if self._autocommit:
            engine = self._session_factory.kw["bind"]
            self._session = self._session_factory(bind=engine.execution_options(isolation_level="AUTOCOMMIT"))
        else:
            self._session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None
        if isinstance(exc, IntegrityError):
            raise WriteCollision(type(exc).__name__) from exc

    def workspace(self, slack_team_id: str, kind: type[Repository] = WorkspaceRepository) -> Repository:  # type: ignore[assignment]
        """The repository of one workspace (created on first use), of the capability asking: every
        query it makes is scoped to that workspace."""
        return kind.for_team(self.session, slack_team_id)

    def member(
        self,
        slack_team_id: str,
        slack_user_id: str,
        kind: type[Repository] = WorkspaceRepository,  # type: ignore[assignment]
    ) -> tuple[Repository, Member]:
        """The workspace's repository and the member, read together (both created on first use)."""
        return kind.for_member(self.session, slack_team_id, slack_user_id)

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
