"""What reading and importing a million rows needs: the cyclic garbage collector held off, folding remembered."""

from __future__ import annotations

import gc
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Final, ParamSpec, TypeVar

from models.core.names import fold
from models.imports.values import Progress

P = ParamSpec("P")
R = TypeVar("R")

#: Progress is told every so many rows (and at the last).
PROGRESS_EVERY: Final = 1_000
#: `fold` remembered for the names, companies and words a big file repeats on many rows.
cached_fold: Final = lru_cache(maxsize=1 << 18)(fold)


def many_rows(function: Callable[P, R]) -> Callable[P, R]:
    """Run without the cyclic garbage collector (reference counting still frees everything).

    Building hundreds of thousands of rows otherwise sets off full collections again and again,
    each walking every row built so far: reading a million activities took three times as long.
    """

    @wraps(function)
    def without_collections(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return without_collections


def report_progress(progress: Progress | None, stage: str, done: int, total: int) -> None:
    """Tell the progress every PROGRESS_EVERY rows, and at the last."""
    if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
        progress(stage, done, total)
