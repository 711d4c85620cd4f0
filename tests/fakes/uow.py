"""The fake unit of work: the use cases' own `UnitOfWork`, handing out fakes of their repositories."""

from __future__ import annotations

from types import TracebackType
from typing import Any, NoReturn, cast

from models.db.orm import Member
from models.db.repository import WorkspaceRepository
from models.db.uow import Repository, Spanning, UnitOfWork
from models.home.repository import HomeRepository
from models.network.repository import NetworkRepository
from models.nudges.repository import DigestSweepRepository, NudgeRepository
from tests.fakes.database import FakeDatabase
from tests.fakes.home import FakeHomeRepository
from tests.fakes.network import FakeNetworkRepository
from tests.fakes.nudges import FakeDigestSweep, FakeNudgeRepository
from tests.fakes.workspace import FakeWorkspaceRepository

#: The fake standing in for each workspace-scoped repository a use case may ask for.
WORKSPACE_FAKES: dict[type[WorkspaceRepository], type[FakeWorkspaceRepository]] = {
    WorkspaceRepository: FakeWorkspaceRepository,
    NetworkRepository: FakeNetworkRepository,
    NudgeRepository: FakeNudgeRepository,
    HomeRepository: FakeHomeRepository,
}
#: The fake standing in for each repository of a sweep (across every workspace).
SPANNING_FAKES: dict[type[Any], type[Any]] = {DigestSweepRepository: FakeDigestSweep}


class FakeUnitOfWork(UnitOfWork):
    """A `UnitOfWork` on a `FakeDatabase`, with the guarantees the use cases rely on.

    Nothing is kept unless `commit()` is called: leaving the block without it, or with an exception,
    rolls back (the attributes changed on the rows handed out, and the rows added or deleted). A
    `reading()` one keeps what it writes at once. It cannot be entered twice at once, and it has no
    session: a use case that reaches past its repository fails here, loudly.
    """

    def __init__(self, database: FakeDatabase | None = None, autocommit: bool = False) -> None:
        self.database = database if database is not None else FakeDatabase()
        self._autocommit = autocommit
        self._entered = False

    def fresh(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.database)

    def reading(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.database, autocommit=True)

    @property
    def session(self) -> NoReturn:
        raise RuntimeError("a fake unit of work has no session: a use case asks its repository")

    def __enter__(self) -> FakeUnitOfWork:
        if self._entered:
            raise RuntimeError("a unit of work cannot be entered twice at once; make one per thread")
        self._entered = True
        self.database.begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self._autocommit:
                self.database.commit()
            else:
                self.database.rollback()
        finally:
            self.database.end()
            self._entered = False

    def workspace(self, slack_team_id: str, kind: type[Repository] = WorkspaceRepository) -> Repository:  # type: ignore[assignment]
        repo = self._fake(kind).for_team(self.database, slack_team_id)
        self._written()
        return cast(Repository, repo)  # the fake answers as `kind` does (tests/db/test_fakes_contract.py)

    def member(
        self,
        slack_team_id: str,
        slack_user_id: str,
        kind: type[Repository] = WorkspaceRepository,  # type: ignore[assignment]
    ) -> tuple[Repository, Member]:
        repo, member = self._fake(kind).for_member(self.database, slack_team_id, slack_user_id)
        self._written()
        return cast(Repository, repo), member

    def across_workspaces(self, kind: type[Spanning]) -> Spanning:
        self._require_entered()
        fake = SPANNING_FAKES.get(kind)
        if fake is None:
            raise LookupError(f"no fake stands in for {kind.__name__}: test this use case on a database (tests/db/)")
        return cast(Spanning, fake(self.database))

    def commit(self) -> None:
        self._require_entered()
        self.database.commit()

    def rollback(self) -> None:
        self._require_entered()
        self.database.rollback()

    def _fake(self, kind: type[WorkspaceRepository]) -> type[FakeWorkspaceRepository]:
        self._require_entered()
        fake = WORKSPACE_FAKES.get(kind)
        if fake is None:
            raise LookupError(f"no fake stands in for {kind.__name__}: test this use case on a database (tests/db/)")
        return fake

    def _written(self) -> None:
        """What a reading unit of work creates on the way (a member seen for the first time) is kept at once."""
        if self._autocommit:
            self.database.commit()

    def _require_entered(self) -> None:
        if not self._entered:
            raise RuntimeError("the unit of work is used outside its `with` block")
