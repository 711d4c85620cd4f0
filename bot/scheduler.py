"""APScheduler inside `rapport run`: jobs kept in the app's database, so they survive restarts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot import jobs
from bot.app import Runtime
from models.delivery.outbox import Sender

NETWORK_JOB_ID = "network-structure"
NUDGES_JOB_ID = "nudges"
CALENDARS_JOB_ID = "calendars"
SCORES_JOB_ID = "scores"
#: Digests and briefings are due at each member's own time: sweeping this often keeps them on time.
NUDGE_SWEEP_MINUTES = 1
CALENDAR_MINUTES = 15
#: Every tie is scored again once a day (a change to a tie scores it at once).
RESCORE_MINUTES = 24 * 60
JOB_TABLE = "apscheduler_jobs"


@dataclass
class Scheduler:
    """The process's APScheduler (`background`) and the `Jobs` its stored jobs run: they find them by `name`
    (`bot.jobs.served`) from the moment it starts until it shuts down."""

    background: Any  # BackgroundScheduler: APScheduler 3 ships no types
    work: jobs.Jobs
    name: str = jobs.DEFAULT_SCHEDULER

    def start(self, paused: bool = False) -> None:
        jobs.serve(self.name, self.work)
        self.background.start(paused=paused)

    def shutdown(self, wait: bool = True) -> None:
        self.background.shutdown(wait=wait)
        jobs.stop_serving(self.name, self.work)


def start_scheduler(
    runtime: Runtime, network_refresh_minutes: int, sender: Sender, name: str = jobs.DEFAULT_SCHEDULER
) -> Scheduler:
    """Start the scheduler; a job already in the database keeps its next run time across restarts."""
    background = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=runtime.engine, tablename=JOB_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
        timezone=UTC,
    )
    scheduler = Scheduler(background, jobs.Jobs(runtime, sender), name)
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
    _ensure_job(
        scheduler,
        SCORES_JOB_ID,
        "bot.jobs:rescore_ties",
        RESCORE_MINUTES,
        "Score every tie again",
        timedelta(minutes=5),
    )
    background.resume()
    return scheduler


def _ensure_job(scheduler: Scheduler, job_id: str, func: str, minutes: int, name: str, first_in: timedelta) -> None:
    """Add the job the first time; afterwards keep its stored next run, changing only a new interval (and the
    scheduler it names, for a job stored before jobs named theirs)."""
    trigger = IntervalTrigger(minutes=minutes, timezone=UTC)
    naming = {"scheduler": scheduler.name}
    background = scheduler.background
    existing = background.get_job(job_id)
    if existing is None:
        background.add_job(
            func, trigger=trigger, id=job_id, name=name, kwargs=naming, next_run_time=datetime.now(UTC) + first_in
        )
        return
    if existing.kwargs != naming:
        background.modify_job(job_id, kwargs=naming)
    if getattr(existing.trigger, "interval", None) != trigger.interval:
        background.reschedule_job(job_id, trigger=trigger)
