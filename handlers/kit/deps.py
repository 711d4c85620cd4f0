"""What listeners need from the outside world, handed over once by `bot` when it builds the app.

Listeners are plain functions: each names `deps` among its arguments, and Bolt hands it over like
`body` or `client`, because `provide(deps)` puts it in every request's context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_bolt import BoltContext

from handlers.home.refreshes import HomeRefreshes
from models.briefings.feeds import FeedReaders
from models.db.uow import UnitOfWork

#: The name listeners give the argument (Bolt passes context entries by name).
DEPS_KEY = "deps"


@dataclass(frozen=True)
class Deps:
    """`uow()` makes a fresh unit of work (listeners run on threads); `clock()` is the aware now; `feeds`
    reads calendar feeds away from the listeners (by default at once, on the caller's thread)."""

    uow: Callable[[], UnitOfWork]
    clock: Callable[[], datetime]
    feeds: FeedReaders = field(default_factory=FeedReaders)
    #: Each app's own record of the Home tabs it refreshed (a new app starts afresh, as a new process does).
    home_refreshes: HomeRefreshes = field(default_factory=HomeRefreshes)

    def __deepcopy__(self, _memo: dict[int, Any]) -> Deps:
        """The process's one set of dependencies: Bolt copies a request's context for the work that
        follows the acknowledgement, and this must be handed over as it is, not copied."""
        return self


def provide(deps: Deps) -> Callable[[BoltContext, Callable[[], None]], None]:
    """Bolt middleware putting `deps` in every request's context, for listeners to name as an argument."""

    def middleware(context: BoltContext, next: Callable[[], None]) -> None:
        context[DEPS_KEY] = deps
        next()

    return middleware


#: Bolt's `ack` (a quick part's first argument).
AckFn = Callable[..., Any]
