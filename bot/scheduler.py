"""APScheduler inside `rapport run`: jobs kept in the app's database, so they survive restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot import jobs
from bot.app import Runtime
from models.outbox import Sender

NETWORK_JOB_ID = "network-structure"
NUDGES_JOB_ID = "nudges"
#: Digests are due at each member's own local time: sweeping this often keeps them within minutes.
NUDGE_SWEEP_MINUTES = 5
JOB_TABLE = "apscheduler_jobs"


def start_scheduler(runtime: Runtime, network_refresh_minutes: int, sender: Sender) -> BackgroundScheduler:
    """Start the scheduler; a job already in the database keeps its next run time across restarts."""
    jobs.bind(runtime, sender)
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=runtime.engine, tablename=JOB_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
        timezone=UTC,
    )
    scheduler.start(paused=True)
    trigger = IntervalTrigger(minutes=network_refresh_minutes, timezone=UTC)
    existing = scheduler.get_job(NETWORK_JOB_ID)
    if existing is None:
        scheduler.add_job(
            "bot.jobs:refresh_network_structure",
            trigger=trigger,
            id=NETWORK_JOB_ID,
            name="Recompute bridges and brokerage",
            next_run_time=datetime.now(UTC) + timedelta(minutes=1),
        )
    elif getattr(existing.trigger, "interval", None) != trigger.interval:
        scheduler.reschedule_job(NETWORK_JOB_ID, trigger=trigger)
    if scheduler.get_job(NUDGES_JOB_ID) is None:
        scheduler.add_job(
            "bot.jobs:send_nudges",
            trigger=IntervalTrigger(minutes=NUDGE_SWEEP_MINUTES, timezone=UTC),
            id=NUDGES_JOB_ID,
            name="Compose and deliver nudge digests",
            next_run_time=datetime.now(UTC) + timedelta(seconds=30),
        )
    scheduler.resume()
    return scheduler
