"""Nudge digests end to end: due at each member's own 09:00, delivered exactly once whatever happens."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from sqlalchemy import Engine, func, select

from bot.db import make_session_factory
from bot.standin import Call, SlackStandIn
from handlers.delivery.sender import SlackSender, slack_sender
from handlers.kit.deps import Deps
from models.db.orm import Member, NudgeMemory, Outbox, Tie
from models.db.uow import UnitOfWork
from models.delivery.outbox import LEASE, MAX_ATTEMPTS, deliver_pending
from models.nudges.digests import compose_due, sweep
from tests.db.test_digests import MONDAY, client_of, seller
from tests.form_answers import answers, checkboxes, radio_buttons, timepicker
from tests.slack_driver import BOT_TOKEN, SlackDriver, button, flatten


def sender_for(standin: SlackStandIn, uow: UnitOfWork) -> SlackSender:
    client = WebClient(
        token=BOT_TOKEN,
        base_url=standin.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3), ServerErrorRetryHandler(max_retry_count=2)],
    )
    return slack_sender(client, Deps(uow=uow.fresh, clock=lambda: datetime.now(UTC)))


def delivered(standin: SlackStandIn, user_id: str) -> list[dict]:  # type: ignore[type-arg]
    return [
        m
        for m in standin.delivered_to(user_id)
        if ((m.get("metadata") or {}).get("event_payload") or {}).get("kind") == "digest"
    ]


def sellers_in_paris(uow: UnitOfWork, user_ids: list[str]) -> list[str]:
    """These sellers in Paris, each with one relationship overdue: every one of them due by 09:00 UTC on MONDAY."""
    for user_id in user_ids:
        seller(uow, user_id, "Europe/Paris")
    return user_ids


def digests_received(standin: SlackStandIn, user_ids: list[str]) -> dict[str, int]:
    """How many digests Slack delivered to each of these members."""
    return {user_id: len(delivered(standin, user_id)) for user_id in user_ids}


def test_each_member_gets_the_digest_at_their_own_nine_oclock(uow: UnitOfWork, standin: SlackStandIn) -> None:
    """Kolkata's digest goes out at 03:30 UTC, Los Angeles' at 17:00 UTC; earlier, nothing is due."""
    seller(uow, "U0KOLKATA", "Asia/Kolkata")
    seller(uow, "U0LA", "America/Los_Angeles")
    sender = sender_for(standin, uow)

    early = sweep(uow, sender, MONDAY.replace(hour=3, minute=29), "w1")
    assert early.composed == [] and standin.calls_to("chat.postMessage") == []

    kolkata = sweep(uow, sender, MONDAY.replace(hour=3, minute=30), "w1")
    assert [d.slack_user_id for d in kolkata.composed] == ["U0KOLKATA"] and kolkata.sent == 1
    assert "haven't talked to" in flatten(delivered(standin, "U0KOLKATA")[0])

    assert sweep(uow, sender, MONDAY.replace(hour=16, minute=59), "w1").composed == []
    los_angeles = sweep(uow, sender, MONDAY.replace(hour=17), "w1")
    assert [d.slack_user_id for d in los_angeles.composed] == ["U0LA"]
    assert sweep(uow, sender, MONDAY.replace(hour=18), "w1").sent == 0  # once per period
    assert len(delivered(standin, "U0KOLKATA")) == len(delivered(standin, "U0LA")) == 1


def test_two_sweeps_at_once_send_each_digest_once(uow: UnitOfWork, db: Engine, standin: SlackStandIn) -> None:
    """Two sweeps racing on threads (and Slack slow to answer): every member gets exactly one digest."""
    users = sellers_in_paris(uow, [f"U0RACE{n}" for n in range(6)])
    standin.delays["chat.postMessage"] = 0.05
    sessions = make_session_factory(db)
    now = MONDAY.replace(hour=9)
    threads = [
        threading.Thread(target=sweep, args=(UnitOfWork(sessions), sender_for(standin, uow), now, f"w{n}"))
        for n in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert digests_received(standin, users) == dict.fromkeys(users, 1)


def test_rate_limits_and_server_errors_are_retried_and_nothing_is_lost(
    uow: UnitOfWork, db: Engine, standin: SlackStandIn
) -> None:
    """A 429 (Retry-After honoured) and 500s: retried; what still fails stays pending and goes out next sweep."""
    seller(uow, "U0ONE", "Europe/Paris")
    seller(uow, "U0TWO", "Europe/Paris")
    now = MONDAY.replace(hour=9)
    standin.fail_next("chat.postMessage", status=429, retry_after=1)
    first = sweep(uow, sender_for(standin, uow), now, "w1")
    assert first.sent == 2

    seller(uow, "U0THREE", "Europe/Paris")
    standin.fail_next("chat.postMessage", status=500, times=3)  # more than the client's two retries
    second = sweep(uow, sender_for(standin, uow), now, "w1")
    assert second.failed == 1 and second.sent == 0
    with db.connect() as connection:
        assert connection.scalar(select(Outbox.status).where(Outbox.attempts == 1)) == "pending"
    third = sweep(uow, sender_for(standin, uow), now + timedelta(minutes=5), "w1")
    assert third.sent == 1
    assert [len(delivered(standin, u)) for u in ("U0ONE", "U0TWO", "U0THREE")] == [1, 1, 1]


def test_a_member_who_blocked_the_app_is_marked_and_the_sweep_goes_on(
    uow: UnitOfWork, db: Engine, standin: SlackStandIn
) -> None:
    """cannot_dm_bot marks that member unreachable (never retried); the others still get theirs."""
    seller(uow, "U0GONE", "Europe/Paris")
    seller(uow, "U0HERE", "Europe/Paris")
    standin.user_errors["U0GONE"] = "cannot_dm_bot"
    report = sweep(uow, sender_for(standin, uow), MONDAY.replace(hour=9), "w1")
    assert report.unreachable == ["U0GONE"] and report.sent == 1
    with db.connect() as connection:
        assert (
            connection.scalar(select(Member.unreachable_reason).where(Member.slack_user_id == "U0GONE"))
            == "cannot_dm_bot"
        )
    assert sweep(uow, sender_for(standin, uow), MONDAY.replace(hour=10), "w1").composed == []


def test_a_workspace_whose_token_cannot_be_rotated_never_stops_the_other_workspaces_digests(
    uow: UnitOfWork, db: Engine, standin: SlackStandIn
) -> None:
    """The sender raises for one workspace: the others' digests go out in the same sweep; that row waits, counted."""
    seller(uow, "U0GOOD", "Europe/Paris")
    seller(uow, "U0ROTATE", "Europe/Paris", team="T0BROKEN")
    seller(uow, "U0ALSOGOOD", "Europe/Paris")
    working = sender_for(standin, uow)
    broken = True

    def client_for_team(team_id: str) -> WebClient:
        if broken and team_id == "T0BROKEN":
            raise SlackTokenRotationError(SlackApiError("invalid_refresh_token", {"ok": False}))  # type: ignore[arg-type]
        return working.clients(team_id)

    now = MONDAY.replace(hour=9)
    first = sweep(uow, SlackSender(client_for_team, working.renderers), now, "w1")
    assert first.sent == 2 and first.failed == 1
    assert len(delivered(standin, "U0GOOD")) == len(delivered(standin, "U0ALSOGOOD")) == 1
    with db.connect() as connection:
        stuck = connection.execute(
            select(Outbox.status, Outbox.attempts, Outbox.last_error, Outbox.claimed_by)
            .join(Member, Member.id == Outbox.member_id)
            .where(Member.slack_user_id == "U0ROTATE")
        ).one()
        assert tuple(stuck) == ("pending", 1, "SlackTokenRotationError", None)
        assert connection.scalar(select(func.count()).where(Outbox.status == "sending")) == 0

    broken = False  # the workspace reinstalled the app: the next sweep delivers the row that waited
    later = sweep(uow, SlackSender(client_for_team, working.renderers), now + timedelta(minutes=1), "w1")
    assert later.sent == 1 and len(delivered(standin, "U0ROTATE")) == 1


def test_a_renderer_that_fails_counts_toward_the_attempt_limit_and_is_then_left_alone(
    uow: UnitOfWork, db: Engine, standin: SlackStandIn
) -> None:
    """A digest that cannot be rendered is tried once per sweep, up to MAX_ATTEMPTS, and never blocks the sweep."""
    seller(uow, "U0ONE", "Europe/Paris")
    real = sender_for(standin, uow)

    def failing(message):  # type: ignore[no-untyped-def]
        raise KeyError("items")

    sender = SlackSender(real.clients, {**real.renderers, "digest": failing})
    now = MONDAY.replace(hour=9)
    assert sweep(uow, sender, now, "w1").failed == 1
    for attempt in range(1, MAX_ATTEMPTS):
        assert deliver_pending(uow, sender, now + timedelta(minutes=attempt), "w1").failed == 1
    with db.connect() as connection:
        assert connection.execute(select(Outbox.status, Outbox.attempts, Outbox.last_error)).one() == (
            "pending",
            MAX_ATTEMPTS,
            "KeyError",
        )
    assert deliver_pending(uow, real, now + timedelta(hours=1), "w1").sent == 0  # left for a person to look at


def test_a_member_whose_digest_cannot_be_composed_never_stops_the_others(
    uow: UnitOfWork, db: Engine, standin: SlackStandIn
) -> None:
    """One member's unreadable data (a nudge kind this version does not know) costs only their digest."""
    seller(uow, "U0ODD", "Europe/Paris")
    seller(uow, "U0FINE", "Europe/Paris")
    with uow:
        odd = uow.session.scalars(select(Member).where(Member.slack_user_id == "U0ODD")).one()
        tie = uow.session.scalars(select(Tie).where(Tie.member_id == odd.id)).one()
        uow.session.add(
            NudgeMemory(workspace_id=odd.workspace_id, member_id=odd.id, contact_id=tie.contact_id, kind="retired")
        )
        uow.commit()

    def briefings_that_fail(uow: UnitOfWork, now: datetime, only_user: str | None) -> int:
        raise RuntimeError("a composer's bug")

    report = sweep(uow, sender_for(standin, uow), MONDAY.replace(hour=9), "w1", composers=(briefings_that_fail,))
    assert [d.slack_user_id for d in report.composed] == ["U0FINE"] and report.sent == 1
    assert len(delivered(standin, "U0FINE")) == 1 and delivered(standin, "U0ODD") == []


def test_a_digest_claimed_by_a_process_that_died_is_not_sent_twice(uow: UnitOfWork, standin: SlackStandIn) -> None:
    """A claim left "sending" is taken over after the lease; if Slack already had it, it is not sent again."""
    seller(uow, "U0CRASH", "Europe/Paris")
    now = MONDAY.replace(hour=9)
    compose_due(uow, now)

    class DiesAfterSending(SlackSender):
        def send(self, message):  # type: ignore[no-untyped-def]
            super().send(message)
            raise SystemExit("killed right after Slack took the message")

    real = sender_for(standin, uow)
    with pytest.raises(SystemExit):
        deliver_pending(uow, DiesAfterSending(real.clients, real.renderers), now, "dead-worker")
    assert deliver_pending(uow, sender_for(standin, uow), now + timedelta(minutes=1), "w2").sent == 0  # still leased
    later = deliver_pending(uow, sender_for(standin, uow), now + LEASE + timedelta(minutes=1), "w2")
    assert later.recovered == 1 and len(delivered(standin, "U0CRASH")) == 1


def test_snooze_and_not_relevant_are_respected(
    uow: UnitOfWork, slack: SlackDriver, standin: SlackStandIn, clock
) -> None:  # type: ignore[no-untyped-def]
    """Snooze 2 weeks hides the nudge until then; Not relevant never shows that kind for that contact again."""
    seller(uow, "U0SELLER1", "Europe/Paris")
    clock.now = MONDAY.replace(hour=9)
    sweep(uow, sender_for(standin, uow), clock.now, "w1")
    digest = delivered(standin, "U0SELLER1")[0]
    snoozed = slack.press(button(digest, "Snooze 2 weeks"), user="U0SELLER1")
    assert "Snoozed for two weeks" in snoozed.text

    def kinds(days_later: int) -> list[str]:
        composed = compose_due(uow, MONDAY.replace(hour=9) + timedelta(days=days_later), dry_run=True)
        return [item.kind.value for item in composed[0].items]

    assert "neglected" not in kinds(7)  # how long a snooze lasts: tests/core/test_digests.py
    slack.press(button(digest, "Not relevant"), user="U0SELLER1")
    assert "neglected" not in kinds(60)


def test_log_it_opens_the_logcall_form_for_that_contact(
    uow: UnitOfWork, slack: SlackDriver, standin: SlackStandIn
) -> None:
    """“Log it” in the digest opens the /logcall form with the contact and company filled in."""
    seller(uow, "U0SELLER1", "Europe/Paris")
    sweep(uow, sender_for(standin, uow), MONDAY.replace(hour=9), "w1")
    slack.press(button(delivered(standin, "U0SELLER1")[0], "Log it"), user="U0SELLER1")
    form = slack.opened_view()
    who = next(b for b in form["blocks"] if b["block_id"] == "contacts")
    assert who["element"]["initial_value"] == f"{client_of('U0SELLER1')} LER1"


def open_digest_settings(uow: UnitOfWork, slack: SlackDriver, standin: SlackStandIn) -> dict[str, Any]:
    """The Settings form, opened from the first digest of a seller in Paris (U0SELLER1)."""
    seller(uow, "U0SELLER1", "Europe/Paris")
    sweep(uow, sender_for(standin, uow), MONDAY.replace(hour=9), "w1")
    slack.press(button(delivered(standin, "U0SELLER1")[0], "Settings"), user="U0SELLER1")
    return slack.opened_view()


def weekly_on_tuesday_at_eight(cadences: str, lead: str, only_tags: str) -> dict[str, dict[str, Any]]:
    """The Settings form filled in: weekly, at 08:00, on Tuesdays, with these cadences, lead time and tags."""
    return answers(
        frequency=radio_buttons("weekly"),
        time=timepicker("08:00"),
        days=checkboxes("tue"),
        cadences=cadences,
        lead=lead,
        only_tags=only_tags,
    )


def test_settings_change_frequency_time_days_and_tag_cadences(
    uow: UnitOfWork, slack: SlackDriver, standin: SlackStandIn, db: Engine
) -> None:
    """The Settings form saves weekly at 08:00 on Tuesdays and client=15; a bad rule is refused by its field."""
    form = open_digest_settings(uow, slack, standin)
    values = weekly_on_tuesday_at_eight(cadences="fortnightly please", lead="45", only_tags="#client")
    refused = slack.submit(form, values, user="U0SELLER1")
    assert "cadences" in json.loads(refused.ack.body)["errors"]
    values["cadences"]["cadences"]["value"] = "client=15, friend=90"
    slack.submit(form, values, user="U0SELLER1")
    with db.connect() as connection:
        row = connection.execute(
            select(
                Member.nudge_frequency,
                Member.nudge_time,
                Member.nudge_days,
                Member.briefing_lead_minutes,
                Member.nudge_tags,
            ).where(Member.slack_user_id == "U0SELLER1")
        ).one()
    assert tuple(row) == ("weekly", "08:00", "tue", 45, "client")
    assert "every week on Tue at 08:00" in flatten(standin.calls_to("chat.postMessage")[-1].args)


def test_settings_too_long_or_too_large_to_keep_are_refused_under_their_fields(
    uow: UnitOfWork, slack: SlackDriver, standin: SlackStandIn, db: Engine
) -> None:
    """A lead time of thousands of digits, a cadence for a 70-letter tag and a list of tags longer than
    its column are each refused under their field (never a crash, never a partial save)."""
    form = open_digest_settings(uow, slack, standin)
    tags = ", ".join(f"tag{n:03d}" for n in range(60))
    values = weekly_on_tuesday_at_eight(cadences="x" * 70 + "=30", lead="9" * 5000, only_tags=tags)
    refused = slack.submit(form, values, user="U0SELLER1")
    errors = json.loads(refused.ack.body)["errors"]
    assert errors == {
        "cadences": "A tag goes up to 64 characters.",
        "lead": "Write a number of minutes between 5 and 1440.",
        "only_tags": "A list of tags goes up to 300 characters.",
    }
    with db.connect() as connection:
        assert connection.scalar(select(Member.nudge_frequency).where(Member.slack_user_id == "U0SELLER1")) != "weekly"


# Separate processes: a kill -9 mid-sweep, and three replicas on PostgreSQL ---------------------------
def run_nudges(db: Engine, standin: SlackStandIn, as_of: datetime, cwd: Path) -> subprocess.Popen[bytes]:
    """`rapport nudges --as-of` in its own process, on this database and the stand-in."""
    env = {
        **os.environ,
        "DATABASE_URL": db.url.render_as_string(hide_password=False),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_BASE_URL": standin.base_url,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "nudges", "--as-of", as_of.isoformat()],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for_calls(standin: SlackStandIn, method: str, count: int, timeout: float = 20.0) -> None:
    """Until the stand-in has recorded `count` calls to `method`: the moment a test acts at, waited for."""
    seen: list[Call] = []
    for _ in range(count):
        seen.append(standin.wait_for(lambda call: call.method == method and all(call is not s for s in seen), timeout))


@pytest.mark.slow
def test_a_sweep_killed_mid_delivery_and_rerun_sends_each_digest_once(
    uow: UnitOfWork, db: Engine, standin: SlackStandIn, tmp_path: Path
) -> None:
    """kill -9 while Slack is answering; the next sweep (after the lease) completes without doubles."""
    users = sellers_in_paris(uow, [f"U0KILL{n}" for n in range(5)])
    now = MONDAY.replace(hour=9)
    standin.delays["chat.postMessage"] = 0.4
    process = run_nudges(db, standin, now, tmp_path)
    wait_for_calls(standin, "chat.postMessage", 2)  # the first message is through; the second is in flight
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    standin.delays.clear()
    rerun = run_nudges(db, standin, now + LEASE + timedelta(minutes=1), tmp_path)
    output = rerun.communicate(timeout=60)[0].decode()
    assert rerun.returncode == 0, output
    assert digests_received(standin, users) == dict.fromkeys(users, 1)


@pytest.mark.slow
def test_three_replicas_on_one_database_send_every_digest_exactly_once(
    uow: UnitOfWork, db: Engine, standin: SlackStandIn, tmp_path: Path
) -> None:
    """Three `rapport` processes sweep one database at once (PostgreSQL in CI, and SQLite), Slack answering 429 and 500."""
    users = sellers_in_paris(uow, [f"U0REP{n:02d}" for n in range(12)])
    now = MONDAY.replace(hour=9)
    standin.delays["chat.postMessage"] = 0.05
    standin.fail_next("chat.postMessage", status=429, retry_after=1, times=2)
    replicas = [run_nudges(db, standin, now, tmp_path) for _ in range(3)]
    wait_for_calls(standin, "chat.postMessage", 2)  # both 429s answered: the 500s come next
    standin.fail_next("chat.postMessage", status=500, times=4)
    outputs = [replica.communicate(timeout=120)[0].decode() for replica in replicas]
    assert all(replica.returncode == 0 for replica in replicas), outputs
    # What still failed after the retries is pending: the next sweep (any replica) sends it.
    final = run_nudges(db, standin, now + timedelta(minutes=5), tmp_path)
    final.communicate(timeout=60)
    assert digests_received(standin, users) == dict.fromkeys(users, 1)
