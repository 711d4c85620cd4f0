"""What listeners need from the outside world, handed over once by `bot` when it builds the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.uow import UnitOfWork


@dataclass(frozen=True)
class Deps:
    """`uow()` makes a fresh unit of work (listeners run on threads); `clock()` is the aware now."""

    uow: Callable[[], UnitOfWork]
    clock: Callable[[], datetime]


#: Bolt's `ack`, or `no_ack` for work that runs after the acknowledgement was sent.
AckFn = Callable[..., Any]
