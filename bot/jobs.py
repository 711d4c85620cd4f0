"""Scheduled jobs: entrypoints like the Slack listeners, each calling one use case.

APScheduler keeps jobs in the database by reference ("bot.jobs:send_nudges") so that they survive
restarts, and a reference carries no objects: each stored job names the scheduler that runs it, and the
functions below find that scheduler's `Jobs` (the process's runtime and Slack sender) by that name.
`bot.scheduler` serves a scheduler's `Jobs` for as long as it runs.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass

from bot.app import Runtime
from bot.db import refresh_statistics
from models.admin.service import workspace_teams
from models.briefings.feeds import sync_all_feeds
from models.briefings.service import compose_briefings, compose_follow_ups
from models.delivery.outbox import Sender
from models.network.structure import refresh_structure, workspace_ids
from models.nudges.digests import sweep
from models.scores.engine import rescore_workspace

logger = logging.getLogger(__name__)

WORKER = f"{socket.gethostname()}:{os.getpid()}"
#: What a sweep composes besides digests.
OTHER_COMPOSERS = (compose_briefings, compose_follow_ups)
#: The scheduler a stored job names when it names none (jobs stored before they named theirs).
DEFAULT_SCHEDULER = "rapport"


@dataclass(frozen=True)
class Jobs:
    """The scheduled jobs of one process, with what they work with: its engine, clock and Slack sender."""

    runtime: Runtime
    sender: Sender

    def send_nudges(self) -> None:
        """Compose the digests, briefings and follow-ups that are due, and deliver what is pending (every minute)."""
        deps = self.runtime.deps
        report = sweep(deps.uow(), self.sender, deps.clock(), WORKER, composers=OTHER_COMPOSERS)
        if report.composed or report.sent or report.failed or report.skipped:
            logger.info(
                "nudges: %s composed, %s sent, %s recovered, %s to retry, %s unreachable",
                len(report.composed),
                report.sent,
                report.recovered,
                report.failed,
                report.skipped,
            )

    def sync_calendars(self) -> None:
        """Hand every member's calendar feed to the calendar readers (each on its own, off this thread)."""
        deps = self.runtime.deps
        handed = sync_all_feeds(deps.uow, deps.feeds, deps.clock)
        if handed:
            logger.info("calendars: %s feed(s) handed to the calendar readers", handed)

    def refresh_network_structure(self) -> None:
        """Recompute every workspace's bridges and brokerage (the request path only reads them)."""
        deps = self.runtime.deps
        refresh_statistics(self.runtime.engine)  # tables grow between starts: keep the planner's picture fresh
        for workspace_id in workspace_ids(deps.uow()):
            report = refresh_structure(deps.uow(), workspace_id, deps.clock())
            logger.info(
                "network structure of workspace %s: %s nodes, %s edges, %s bridges, %s local bridges in %.1f s",
                workspace_id,
                report.nodes,
                report.edges,
                report.bridges,
                report.local_bridges,
                report.seconds,
            )

    def rescore_ties(self) -> None:
        """Score every tie of every workspace again (daily): what time alone changes (recency, the year
        regularity looks at) reaches the lists that read the ties' kept figures."""
        deps = self.runtime.deps
        for team_id in workspace_teams(deps.uow()):
            scored = rescore_workspace(deps.uow(), team_id, deps.clock())
            logger.info("scores: %s tie(s) of workspace %s scored again", scored, team_id)


# What the stored references lead to ------------------------------------------------------------------
_served: dict[str, Jobs] = {}
_served_lock = threading.Lock()


def serve(scheduler: str, jobs: Jobs) -> None:
    """From now on, jobs naming `scheduler` run with `jobs` (its scheduler is starting)."""
    with _served_lock:
        _served[scheduler] = jobs


def stop_serving(scheduler: str, jobs: Jobs) -> None:
    """Jobs naming `scheduler` no longer run with `jobs` (its scheduler has stopped)."""
    with _served_lock:
        if _served.get(scheduler) is jobs:
            del _served[scheduler]


def served(scheduler: str) -> Jobs:
    with _served_lock:
        jobs = _served.get(scheduler)
    if jobs is None:
        raise RuntimeError(f"no scheduler {scheduler!r} runs in this process: the jobs run inside `rapport run`")
    return jobs


def send_nudges(scheduler: str = DEFAULT_SCHEDULER) -> None:
    """The stored job "bot.jobs:send_nudges": `Jobs.send_nudges` of the scheduler named."""
    served(scheduler).send_nudges()


def sync_calendars(scheduler: str = DEFAULT_SCHEDULER) -> None:
    """The stored job "bot.jobs:sync_calendars": `Jobs.sync_calendars` of the scheduler named."""
    served(scheduler).sync_calendars()


def refresh_network_structure(scheduler: str = DEFAULT_SCHEDULER) -> None:
    """The stored job "bot.jobs:refresh_network_structure": `Jobs.refresh_network_structure` of the scheduler named."""
    served(scheduler).refresh_network_structure()


def rescore_ties(scheduler: str = DEFAULT_SCHEDULER) -> None:
    """The stored job "bot.jobs:rescore_ties": `Jobs.rescore_ties` of the scheduler named."""
    served(scheduler).rescore_ties()
