"""The scheduler: jobs stored in the database by reference survive a restart, and run with the new process's jobs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine

from bot import jobs
from bot.app import Runtime
from bot.jobs import Jobs
from bot.scheduler import CALENDARS_JOB_ID, NETWORK_JOB_ID, NUDGES_JOB_ID, SCORES_JOB_ID, Scheduler, start_scheduler
from handlers.kit.deps import Deps
from models.db.uow import UnitOfWork
from tests.db.test_calendar_wiring import NO_SENDER
from tests.slack_driver import Clock


@dataclass(frozen=True)
class RecordedJobs(Jobs):
    """Jobs that only note that they ran, and in which process's jobs."""

    ran: list[str] = field(default_factory=list)

    def send_nudges(self) -> None:
        self.ran.append("send_nudges")

    def sync_calendars(self) -> None:
        self.ran.append("sync_calendars")

    def refresh_network_structure(self) -> None:
        self.ran.append("refresh_network_structure")

    def rescore_ties(self) -> None:
        self.ran.append("rescore_ties")


@pytest.fixture
def runtime(db: Engine, uow: UnitOfWork, clock: Clock) -> Runtime:
    return Runtime(engine=db, deps=Deps(uow=uow.fresh, clock=clock))


def started(runtime: Runtime, name: str = jobs.DEFAULT_SCHEDULER) -> tuple[Scheduler, RecordedJobs]:
    """A scheduler as `rapport run` starts it, its jobs recorded instead of run."""
    scheduler = start_scheduler(runtime, 60, NO_SENDER, name=name)
    scheduler.background.pause()  # the test runs the stored jobs itself
    recorded = RecordedJobs(runtime, NO_SENDER)
    jobs.serve(scheduler.name, recorded)  # what `start` served, with a recorder instead
    scheduler.work = recorded
    return scheduler, recorded


def run_stored(scheduler: Scheduler, job_id: str) -> None:
    """Run a stored job as the scheduler would: the function its reference names, with its stored arguments."""
    job = scheduler.background.get_job(job_id)
    assert job is not None
    job.func(*job.args, **job.kwargs)


@pytest.fixture
def stopped_afterwards() -> Iterator[list[Scheduler]]:
    schedulers: list[Scheduler] = []
    yield schedulers
    for scheduler in schedulers:
        if scheduler.background.running:
            scheduler.shutdown(wait=False)


def test_jobs_are_stored_by_reference_and_survive_a_restart_with_the_new_process_s_jobs(
    runtime: Runtime, stopped_afterwards: list[Scheduler]
) -> None:
    """The four jobs are kept in the database by reference; after a restart they are the same jobs (same
    next run) and run with the jobs of the scheduler now running, not the stopped one's."""
    first, first_jobs = started(runtime)
    stopped_afterwards.append(first)
    stored = {job.id: (job.func_ref, job.next_run_time) for job in first.background.get_jobs()}
    assert {job_id: ref for job_id, (ref, _) in stored.items()} == {
        NETWORK_JOB_ID: "bot.jobs:refresh_network_structure",
        NUDGES_JOB_ID: "bot.jobs:send_nudges",
        CALENDARS_JOB_ID: "bot.jobs:sync_calendars",
        SCORES_JOB_ID: "bot.jobs:rescore_ties",
    }
    first.shutdown(wait=False)
    with pytest.raises(RuntimeError, match="no scheduler"):
        jobs.send_nudges()  # nothing serves the stored jobs between two processes

    second, second_jobs = started(runtime)
    stopped_afterwards.append(second)
    assert {job.id: (job.func_ref, job.next_run_time) for job in second.background.get_jobs()} == stored
    for job_id in (NUDGES_JOB_ID, CALENDARS_JOB_ID, NETWORK_JOB_ID, SCORES_JOB_ID):
        run_stored(second, job_id)
    assert second_jobs.ran == ["send_nudges", "sync_calendars", "refresh_network_structure", "rescore_ties"]
    assert first_jobs.ran == []


def test_a_job_stored_before_jobs_named_their_scheduler_is_given_its_name(
    runtime: Runtime, stopped_afterwards: list[Scheduler]
) -> None:
    """A job stored by an older version carries no arguments: it still runs, and the next start names its scheduler."""
    first, _ = started(runtime)
    stopped_afterwards.append(first)
    first.background.modify_job(NUDGES_JOB_ID, kwargs={})
    run_stored(first, NUDGES_JOB_ID)
    first.shutdown(wait=False)

    second, second_jobs = started(runtime)
    stopped_afterwards.append(second)
    job = second.background.get_job(NUDGES_JOB_ID)
    assert job is not None and job.kwargs == {"scheduler": jobs.DEFAULT_SCHEDULER}
    run_stored(second, NUDGES_JOB_ID)
    assert second_jobs.ran == ["send_nudges"]
