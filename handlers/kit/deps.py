"""What listeners need from the outside world, handed over once by `bot` when it builds the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models.briefings.feeds import FeedReaders
from models.db.uow import UnitOfWork


@dataclass(frozen=True)
class Deps:
    """`uow()` makes a fresh unit of work (listeners run on threads); `clock()` is the aware now; `feeds`
    reads calendar feeds away from the listeners (by default at once, on the caller's thread)."""

    uow: Callable[[], UnitOfWork]
    clock: Callable[[], datetime]
    feeds: FeedReaders = field(default_factory=FeedReaders)


#: Bolt's `ack`, or `no_ack` for work that runs after the acknowledgement was sent.
AckFn = Callable[..., Any]
