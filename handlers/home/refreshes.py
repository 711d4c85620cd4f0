"""How fresh the App Home is kept: how often a member's tab is published again, and the network behind it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from models.core.values import Actor

#: A busy seller logging call after call gets their Home tab refreshed at most this often.
REFRESH_EVERY_SECONDS = 60.0


class HomeRefreshes:
    """One per app (on its `Deps`): when each member's Home tab was last published after a change, so
    that it is published again at most every `every_seconds`; and how often the scheduler recomputes
    the network's structure (`network_minutes`, None when this process does not know), which the Home
    tells while no bridge is found yet. Listeners run on threads: the record is kept under a lock."""

    def __init__(
        self,
        network_minutes: int | None = None,
        every_seconds: float = REFRESH_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.network_minutes = network_minutes
        self._every_seconds = every_seconds
        self._clock = clock
        self._last: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def due(self, actor: Actor) -> bool:
        """Whether this member's tab may be published now; if so, it counts as published from now."""
        key, now = (actor.team_id, actor.user_id), self._clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self._every_seconds:
                return False
            self._last[key] = now
            return True
