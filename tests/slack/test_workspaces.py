"""Several workspaces: installed through Slack's OAuth flow over HTTP, each seeing only its own data."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine, select, text, update
from waitress.server import create_server

from bot.app import build_app, make_web_client
from bot.db import make_session_factory
from bot.installations import SLACK_SDK_TABLES, client_factory, installation_store
from bot.server import make_wsgi_app
from bot.settings import Settings, load_settings
from bot.standin import SlackStandIn
from handlers.delivery.sender import slack_sender
from handlers.kit.deps import Deps
from handlers.nudges.listeners import SETTINGS_MODAL_ID
from models.core.values import Actor, Channel, ContactRef, Initiator, LogCallCommand
from models.db.orm import Member, Tie, Workspace
from models.db.uow import UnitOfWork
from models.logcall.service import log_call
from models.nudges.digests import sweep
from tests.form_answers import answers, checkboxes, radio_buttons, timepicker
from tests.slack_driver import SIGNING_SECRET, Clock, flatten, payload_body, sign, slash_body

pytestmark = pytest.mark.slow


@dataclass
class Server:
    url: str
    settings: Settings
    engine: Engine


@pytest.fixture
def server(db: Engine, standin: SlackStandIn, clock: Clock) -> Iterator[Server]:
    """`rapport run --http` in several-workspace mode, on a real port, against the Slack stand-in."""
    settings = load_settings(
        environ={
            "SLACK_CLIENT_ID": "111.222",
            "SLACK_CLIENT_SECRET": "client-secret-xyz",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_BASE_URL": standin.base_url,
        },
        env_file=None,
    )
    sessions = make_session_factory(db)
    work = ThreadPoolExecutor(max_workers=4)  # the work after each acknowledgement, as in production
    app = build_app(settings, Deps(uow=lambda: UnitOfWork(sessions), clock=clock), engine=db, executor=work)
    with db.begin() as connection:  # slack_sdk's own tables are not emptied between tests like ours
        for table in sorted(SLACK_SDK_TABLES):
            connection.execute(text(f"DELETE FROM {table}"))
    wsgi = create_server(make_wsgi_app(app, SIGNING_SECRET), host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=wsgi.run, daemon=True)
    thread.start()
    yield Server(url=f"http://127.0.0.1:{wsgi.effective_port}", settings=settings, engine=db)
    # Stop waitress in order: its request threads, then its loop (woken up to see it has nothing left
    # to watch), and only then its sockets; closing them under the running loop makes it fail.
    wsgi.task_dispatcher.shutdown()
    watched = dict(wsgi._map)
    wsgi._map.clear()
    wsgi.pull_trigger()
    thread.join(timeout=5)
    for dispatcher in watched.values():
        dispatcher.close()
    work.shutdown(wait=True)  # nothing may still write while the next test empties the tables


def install(
    server: Server,
    standin: SlackStandIn,
    team_id: str,
    code: str,
    enterprise_id: str | None = None,
    organisation_wide: bool = False,
) -> str:
    """Go through the install page and Slack's redirect as a browser would; returns the team's bot token."""
    token = standin.add_oauth_code(
        code, team_id, team_name=f"Team {team_id}", enterprise_id=enterprise_id, organisation_wide=organisation_wide
    )
    with urllib.request.urlopen(server.url + "/slack/install") as page:
        html = page.read().decode()
        cookie = page.headers["Set-Cookie"].split(";")[0]  # Secure: a browser on https sends it back
    state = re.search(r"state=([\w-]+)", html)
    assert state is not None, html
    redirect = urllib.request.Request(
        f"{server.url}/slack/oauth_redirect?code={code}&state={state.group(1)}", headers={"Cookie": cookie}
    )
    with urllib.request.urlopen(redirect) as finished:
        assert finished.status == 200
    return token


def post(server: Server, body: str, content_type: str = "application/x-www-form-urlencoded") -> int:
    headers = {**sign(body), "Content-Type": content_type}
    request = urllib.request.Request(server.url + "/slack/events", data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def reply_to(standin: SlackStandIn, count: int) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + 10
    while len(standin.posts_to_response_urls) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return standin.posts_to_response_urls[count - 1].body


def test_two_workspaces_install_through_oauth_and_see_only_their_own_data(
    server: Server, standin: SlackStandIn
) -> None:
    """Both installs go through oauth.v2.access; each team's requests use its own token and data."""
    alpha_token = install(server, standin, "T0ALPHA", "code-alpha")
    beta_token = install(server, standin, "T0BETA", "code-beta")
    assert [c.args.get("code") for c in standin.calls_to("oauth.v2.access")] == ["code-alpha", "code-beta"]

    assert (
        post(
            server,
            slash_body(
                standin, "Jane Doe (ACME) lunch yesterday me: secret alpha notes", user="U0ALICE", team="T0ALPHA"
            ),
        )
        == 200
    )
    alpha_reply = reply_to(standin, 1)
    assert "Met in person with Jane Doe" in flatten(alpha_reply)
    assert standin.calls_to("users.info")[-1].token == alpha_token

    assert post(server, slash_body(standin, "jane doe", user="U0BOB", team="T0BETA", command="/whoknows")) == 200
    beta_reply = flatten(reply_to(standin, 2))
    assert "Nobody on the team knows" in beta_reply and "alpha" not in beta_reply
    assert standin.calls_to("users.info")[-1].token == beta_token

    assert post(server, slash_body(standin, "Jane Doe (ACME) email today them", user="U0BOB", team="T0BETA")) == 200
    beta_logged = flatten(reply_to(standin, 3))
    assert "new contact: Jane Doe" in beta_logged and "1 interaction" in beta_logged  # not alpha's Jane


def test_uninstalling_removes_that_workspace_tokens_only(server: Server, standin: SlackStandIn) -> None:
    """app_uninstalled from one workspace deletes its installation; the other keeps working."""
    install(server, standin, "T0ALPHA", "code-alpha")
    install(server, standin, "T0BETA", "code-beta")
    event = {
        "token": "legacy",
        "team_id": "T0ALPHA",
        "api_app_id": "A0RAPPORT",
        "event": {"type": "app_uninstalled", "event_ts": f"{time.time():.6f}"},
        "type": "event_callback",
        "event_id": "Ev0UNINSTALL",
        "event_time": int(time.time()),
    }
    assert post(server, json.dumps(event), content_type="application/json") == 200
    store = installation_store(server.settings, server.engine)
    deadline = time.monotonic() + 10
    while store.find_bot(enterprise_id=None, team_id="T0ALPHA") is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.find_bot(enterprise_id=None, team_id="T0ALPHA") is None
    assert store.find_bot(enterprise_id=None, team_id="T0BETA") is not None


# The install page, open to anyone ---------------------------------------------------------------
def install_page(server: Server) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(server.url + "/slack/install", timeout=10) as page:
            return page.status, dict(page.headers)
    except urllib.error.HTTPError as refused:
        with refused:  # closes the connection before the server goes away
            return refused.code, dict(refused.headers)


def stored_states(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(text("SELECT state FROM slack_oauth_states")))


def test_a_burst_on_the_install_page_is_answered_429_with_retry_after(server: Server) -> None:
    """One client may open the install page ten times at once; the eleventh waits, and stores no state."""
    answers = [install_page(server) for _ in range(11)]
    assert [status for status, _ in answers] == [200] * 10 + [429]
    assert int(answers[-1][1]["Retry-After"]) >= 1
    assert len(stored_states(server.engine)) == 10


def test_expired_install_states_are_purged_when_a_new_one_is_issued(server: Server) -> None:
    """A state nobody came back with is deleted once its ten minutes are over."""
    with server.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO slack_oauth_states (state, expire_at) VALUES ('stale', :at), ('fresh', :later)"),
            {"at": datetime(2020, 1, 1), "later": datetime(2999, 1, 1)},
        )
    assert install_page(server)[0] == 200
    remaining = stored_states(server.engine)
    assert "stale" not in remaining and "fresh" in remaining and len(remaining) == 2


def test_a_workspace_token_is_checked_with_slack_once_not_before_every_acknowledgement(
    server: Server, standin: SlackStandIn
) -> None:
    """Bolt's auth.test about a stored token is asked once, then remembered: later requests call no Slack method first."""
    install(server, standin, "T0ALPHA", "code-alpha")
    checks_at_install = len(standin.calls_to("auth.test"))
    for number in range(3):
        assert post(server, slash_body(standin, "help", user=f"U0ALICE{number}", team="T0ALPHA")) == 200
    assert len(standin.calls_to("auth.test")) == checks_at_install + 1


# Enterprise Grid ---------------------------------------------------------------------------------
GRID = "E0ORG"
MONDAY_NINE_IN_PARIS = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def grid_body(body: str, enterprise_id: str = GRID) -> str:
    """A slash command as Slack sends it from a workspace of a Grid organisation (with the organisation's id)."""
    return (
        body
        + "&"
        + urlencode({"enterprise_id": enterprise_id, "enterprise_name": "Org", "is_enterprise_install": "false"})
    )


def workspaces(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as connection:
        return dict(connection.execute(select(Workspace.slack_team_id, Workspace.enterprise_id)).all())


def overdue_relationship(engine: Engine, team_id: str, user_id: str) -> None:
    """A member of `team_id` in Paris, with a relationship 45 days without a word (cadence 30 days)."""
    uow = UnitOfWork(make_session_factory(engine))
    command = LogCallCommand(
        contacts=(ContactRef("Amara Okafor", "Globex"),),
        channel=Channel.PHONE,
        occurred_at=MONDAY_NINE_IN_PARIS - timedelta(days=45),
        initiator=Initiator.ME,
    )
    log_call(uow, Actor(team_id, user_id), command, "seed-grid", MONDAY_NINE_IN_PARIS - timedelta(days=45))
    with engine.begin() as connection:
        connection.execute(
            update(Member)
            .where(Member.slack_user_id == user_id)
            .values(time_zone="Europe/Paris", profile_fetched_at=MONDAY_NINE_IN_PARIS)
        )
        connection.execute(update(Tie).values(cadence_days=30))


def test_an_enterprise_grid_workspace_installs_works_gets_its_digest_and_is_deleted_with_its_tokens(
    server: Server, standin: SlackStandIn, tmp_path: Path
) -> None:
    """A workspace of a Grid organisation, end to end: installed through OAuth (its organisation kept beside its
    team id), a command answered with its token, a digest delivered by the scheduled sweep (not "unreachable"),
    and `rapport workspace delete` removing its tokens."""
    token = install(server, standin, "T0GRID", "code-grid", enterprise_id=GRID)
    assert workspaces(server.engine) == {"T0GRID": GRID}

    body = grid_body(slash_body(standin, "Jane Doe (ACME) phone yesterday", user="U0GRIDSELLER", team="T0GRID"))
    assert post(server, body) == 200
    assert "Phone call with Jane Doe" in flatten(reply_to(standin, 1))
    assert standin.calls_to("users.info")[-1].token == token
    assert workspaces(server.engine) == {"T0GRID": GRID}  # one workspace, keyed by its team

    overdue_relationship(server.engine, "T0GRID", "U0GRIDSELLER")
    deps = Deps(uow=lambda: UnitOfWork(make_session_factory(server.engine)), clock=lambda: MONDAY_NINE_IN_PARIS)
    clients = client_factory(
        server.settings, server.engine, lambda bot_token: make_web_client(server.settings, bot_token)
    )
    report = sweep(deps.uow(), slack_sender(clients, deps), MONDAY_NINE_IN_PARIS, "w1")
    assert (report.sent, report.skipped) == (1, 0)
    digest = standin.calls_to("chat.postMessage")[-1]
    assert digest.token == token and "Amara Okafor" in flatten(digest.args)

    environment = {
        **os.environ,
        "DATABASE_URL": server.engine.url.render_as_string(hide_password=False),
        "SLACK_CLIENT_ID": server.settings.slack_client_id or "",
        "SLACK_CLIENT_SECRET": server.settings.slack_client_secret or "",
    }
    deleted = subprocess.run(
        [sys.executable, "-m", "bot.cli", "workspace", "delete", "T0GRID", "--yes"],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert deleted.returncode == 0 and "T0GRID: all data deleted" in deleted.stdout, deleted.stderr
    with server.engine.connect() as connection:
        for table in ("slack_bots", "slack_installations"):
            assert connection.scalar(text(f"SELECT count(*) FROM {table} WHERE team_id = 'T0GRID'")) == 0
    assert workspaces(server.engine) == {}


def test_an_organisation_level_payload_is_keyed_by_the_members_workspace_or_refused(
    server: Server, standin: SlackStandIn
) -> None:
    """Installed organisation-wide, a form names the organisation where Bolt looks for a team: the member's own
    workspace is used. A payload naming no workspace at all is refused with a clear reply, never keyed by the
    organisation (which would split a member's data in two)."""
    install(server, standin, "T0UNUSED", "code-org", enterprise_id=GRID, organisation_wide=True)
    settings_form = {
        "type": "view_submission",
        "team": None,
        "enterprise": {"id": GRID, "name": "Org"},
        "is_enterprise_install": True,
        "user": {"id": "U0GRIDB", "team_id": "T0GRIDB"},
        "api_app_id": "A0RAPPORT",
        "trigger_id": "1.trigger",
        "view": {
            "id": "V0ORGFORM",
            "type": "modal",
            "callback_id": SETTINGS_MODAL_ID,
            "app_installed_team_id": GRID,
            "team_id": "T0GRIDB",
            "private_metadata": "",
            "state": {
                "values": answers(frequency=radio_buttons("weekly"), time=timepicker("08:00"), days=checkboxes("tue"))
            },
        },
    }
    assert post(server, payload_body(settings_form)) == 200
    standin.wait_for(lambda call: call.method == "chat.postMessage" and "Saved" in str(call.args), timeout=10)
    assert set(workspaces(server.engine)) == {"T0GRIDB"}

    nameless = {
        "type": "block_actions",
        "team": None,
        "enterprise": {"id": GRID, "name": "Org"},
        "is_enterprise_install": True,
        "user": {"id": "U0SOMEONE"},
        "api_app_id": "A0RAPPORT",
        "trigger_id": "2.trigger",
        "response_url": standin.response_url("action"),
        "container": {"type": "message"},
        "actions": [{"type": "button", "action_id": "nudge_settings", "block_id": "b", "value": "settings"}],
    }
    assert post(server, payload_body(nameless)) == 200
    refusal = standin.wait_for_response_post("action", timeout=10)
    assert "couldn't tell which workspace" in flatten(refusal.body)
    assert set(workspaces(server.engine)) == {"T0GRIDB"}  # nothing under the organisation's id
