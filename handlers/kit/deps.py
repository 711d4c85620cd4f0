"""What listeners need from the outside world, handed over once by `bot` when it builds the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handlers.home.refreshes import HomeRefreshes
from models.briefings.feeds import FeedReaders
from models.db.uow import UnitOfWork


@dataclass(frozen=True)
class Deps:
    """`uow()` makes a fresh unit of work (listeners run on threads); `clock()` is the aware now; `feeds`
    reads calendar feeds away from the listeners (by default at once, on the caller's thread)."""

    uow: Callable[[], UnitOfWork]
    clock: Callable[[], datetime]
    feeds: FeedReaders = field(default_factory=FeedReaders)
    #: Each app's own record of the Home tabs it refreshed (a new app starts afresh, as a new process does).
    home_refreshes: HomeRefreshes = field(default_factory=HomeRefreshes)


#: Bolt's `ack`, or `no_ack` for work that runs after the acknowledgement was sent.
AckFn = Callable[..., Any]
