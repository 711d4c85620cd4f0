"""Several workspaces: installed through Slack's OAuth flow over HTTP, each seeing only its own data."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import Engine, text
from waitress.server import create_server

from bot.app import build_app
from bot.db import make_session_factory
from bot.installations import installation_store
from bot.server import make_wsgi_app
from bot.settings import Settings, load_settings
from bot.slack_standin import SlackStandIn
from handlers.deps import Deps
from models.uow import UnitOfWork
from tests.slack_driver import SIGNING_SECRET, Clock, flatten, sign, slash_body

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


def install(server: Server, standin: SlackStandIn, team_id: str, code: str) -> str:
    """Go through the install page and Slack's redirect as a browser would; returns the team's bot token."""
    token = standin.add_oauth_code(code, team_id, team_name=f"Team {team_id}")
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
    with server.engine.begin() as connection:
        connection.execute(text("DELETE FROM slack_oauth_states"))
    answers = [install_page(server) for _ in range(11)]
    assert [status for status, _ in answers] == [200] * 10 + [429]
    assert int(answers[-1][1]["Retry-After"]) >= 1
    assert len(stored_states(server.engine)) == 10


def test_expired_install_states_are_purged_when_a_new_one_is_issued(server: Server) -> None:
    """A state nobody came back with is deleted once its ten minutes are over."""
    with server.engine.begin() as connection:
        connection.execute(text("DELETE FROM slack_oauth_states"))
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
