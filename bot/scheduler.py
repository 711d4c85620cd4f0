"""APScheduler inside `rapport run`: jobs kept in the app's database, so they survive restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot import jobs
from bot.app import Runtime
from models.delivery.outbox import Sender

NETWORK_JOB_ID = "network-structure"
NUDGES_JOB_ID = "nudges"
CALENDARS_JOB_ID = "calendars"
#: Digests and briefings are due at each member's own time: sweeping this often keeps them on time.
NUDGE_SWEEP_MINUTES = 1
CALENDAR_MINUTES = 15
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
    _ensure_job(
        scheduler,
        NETWORK_JOB_ID,
        "bot.jobs:refresh_network_structure",
        network_refresh_minutes,
        "Recompute bridges and brokerage",
        timedelta(minutes=1),
    )
    _ensure_job(
        scheduler,
        NUDGES_JOB_ID,
        "bot.jobs:send_nudges",
        NUDGE_SWEEP_MINUTES,
        "Compose and deliver digests, briefings and follow-ups",
        timedelta(seconds=30),
    )
    _ensure_job(
        scheduler,
        CALENDARS_JOB_ID,
        "bot.jobs:sync_calendars",
        CALENDAR_MINUTES,
        "Read calendar feeds",
        timedelta(seconds=45),
    )
    scheduler.resume()
    return scheduler


def _ensure_job(
    scheduler: BackgroundScheduler, job_id: str, func: str, minutes: int, name: str, first_in: timedelta
) -> None:
    """Add the job the first time; afterwards keep its stored next run, changing only a new interval."""
    trigger = IntervalTrigger(minutes=minutes, timezone=UTC)
    existing = scheduler.get_job(job_id)
    if existing is None:
        scheduler.add_job(func, trigger=trigger, id=job_id, name=name, next_run_time=datetime.now(UTC) + first_in)
    elif getattr(existing.trigger, "interval", None) != trigger.interval:
        scheduler.reschedule_job(job_id, trigger=trigger)
