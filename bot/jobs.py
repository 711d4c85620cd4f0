"""Scheduled jobs: entrypoints like the Slack listeners, each calling one use case.

APScheduler stores jobs by reference ("bot.jobs:refresh_network_structure") in the database so
that they survive restarts; the process's runtime is handed over once by `bot.scheduler`.
"""

from __future__ import annotations

import logging
import os
import socket

from bot.app import Runtime
from bot.db import refresh_statistics
from models.briefings.feeds import sync_all_feeds
from models.briefings.service import compose_briefings, compose_follow_ups
from models.delivery.outbox import Sender
from models.network.structure import refresh_structure, workspace_ids
from models.nudges.digests import sweep

logger = logging.getLogger(__name__)

_runtime: Runtime | None = None
_sender: Sender | None = None
WORKER = f"{socket.gethostname()}:{os.getpid()}"
#: What a sweep composes besides digests.
OTHER_COMPOSERS = (compose_briefings, compose_follow_ups)


def bind(runtime: Runtime, sender: Sender | None = None) -> None:
    """Give the jobs this process's engine, clock and Slack sender (called when the scheduler starts)."""
    global _runtime, _sender
    _runtime, _sender = runtime, sender


def send_nudges() -> None:
    """Compose the digests, briefings and follow-ups that are due, and deliver what is pending (every minute)."""
    if _runtime is None or _sender is None:
        raise RuntimeError("the scheduled jobs run inside `rapport run`, which binds them first")
    deps = _runtime.deps
    report = sweep(deps.uow(), _sender, deps.clock(), WORKER, composers=OTHER_COMPOSERS)
    if report.composed or report.sent or report.failed or report.skipped:
        logger.info(
            "nudges: %s composed, %s sent, %s recovered, %s to retry, %s unreachable",
            len(report.composed),
            report.sent,
            report.recovered,
            report.failed,
            report.skipped,
        )


def sync_calendars() -> None:
    """Hand every member's calendar feed to the calendar readers (each on its own, off this thread)."""
    if _runtime is None:
        raise RuntimeError("the scheduled jobs run inside `rapport run`, which binds them first")
    deps = _runtime.deps
    handed = sync_all_feeds(deps.uow, deps.feeds, deps.clock)
    if handed:
        logger.info("calendars: %s feed(s) handed to the calendar readers", handed)


def refresh_network_structure() -> None:
    """Recompute every workspace's bridges and brokerage (the request path only reads them)."""
    if _runtime is None:
        raise RuntimeError("the scheduled jobs run inside `rapport run`, which binds them first")
    deps = _runtime.deps
    refresh_statistics(_runtime.engine)  # tables grow between starts: keep the planner's picture fresh
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
