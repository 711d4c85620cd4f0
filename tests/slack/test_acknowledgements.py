"""Every form is acknowledged before any Slack call: what Slack does (429s, slowness) only delays the work after."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from sqlalchemy import Engine, func, select

from bot.app import build_app
from bot.db import make_session_factory
from bot.settings import Settings, load_settings
from bot.standin import SlackStandIn
from handlers.briefings.listeners import CONTEXT_MODAL_ID
from handlers.imports.listeners import IMPORT_MODAL_ID
from handlers.kit.deps import Deps
from handlers.logcall import views
from handlers.network.views import INTRO_MODAL_ID
from handlers.nudges.listeners import SETTINGS_MODAL_ID
from models.db.orm import Contact, Interaction, Member
from models.db.uow import UnitOfWork
from tests.form_answers import answers, checkboxes, datepicker, static_select, timepicker
from tests.slack_driver import BOT_TOKEN, SIGNING_SECRET, Clock, SlackDriver, button, flatten, interaction


class HeldExecutor(Executor):
    """Keeps the work that follows each acknowledgement until the test lets it run."""

    def __init__(self) -> None:
        self.held: list[tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self.held.append((future, fn, args, kwargs))
        return future

    def run(self) -> int:
        ran = 0
        while self.held:
            future, fn, args, kwargs = self.held.pop(0)
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as error:  # noqa: BLE001 - handed to the future, as a thread pool would
                future.set_exception(error)
            ran += 1
        return ran


def settings_for(standin: SlackStandIn) -> Settings:
    return load_settings(
        environ={
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_BASE_URL": standin.base_url,
        },
        env_file=None,
    )


@pytest.fixture
def held() -> HeldExecutor:
    return HeldExecutor()


@pytest.fixture
def slack(db: Engine, standin: SlackStandIn, clock: Clock, held: HeldExecutor) -> SlackDriver:
    """The real app, whose work after each acknowledgement waits until `held.run()`."""
    sessions = make_session_factory(db)
    app = build_app(settings_for(standin), Deps(uow=lambda: UnitOfWork(sessions), clock=clock), executor=held)
    return SlackDriver(app, standin)


def form(callback_id: str, metadata: dict[str, Any]) -> dict[str, Any]:
    return {"type": "modal", "callback_id": callback_id, "private_metadata": json.dumps(metadata)}


def test_no_form_calls_slack_before_its_acknowledgement(
    slack: SlackDriver, held: HeldExecutor, standin: SlackStandIn, db: Engine
) -> None:
    """Each form's acknowledgement comes with no Web API call at all (not even users.info for a newcomer);
    its work runs afterwards and reaches the person."""
    first = slack.command("Jane Doe (ACME) phone yesterday")
    held.run()
    slack.command("Jane Doe (ACME) video next tue 3pm: Q3 budget")
    held.run()
    meeting_id = int(button(standin.posts_to_response_urls[-1].body, "Set the context")["value"])
    assert first.ack.status == 200
    with db.connect() as connection:
        jane = connection.scalar(select(Contact.id).where(Contact.name == "Jane Doe"))
        seller = connection.scalar(select(Member.id).where(Member.slack_user_id == "U0SELLER1"))
    logged = answers(contacts="Raj Patel", channel=static_select("phone"), date=datepicker("2026-11-21"))
    forms = [  # (who, the form, its answers)
        ("U0NEWCOMER", form(views.LOGCALL_MODAL_ID, {"tz": "Asia/Tokyo"}), logged),
        ("U0NOZONE", form(views.LOGCALL_MODAL_ID, {}), logged),  # opened before forms kept a zone
        (
            "U0SELLER1",
            form(views.SCHEDULE_MODAL_ID, {"tz": "Europe/Paris"}),
            logged | answers(date=datepicker("2026-11-30")),
        ),
        (
            "U0SELLER1",
            form(views.RATE_MODAL_ID, {"contact_id": jane}),
            answers(appreciation=static_select("good")),
        ),
        ("U0SELLER1", form(views.TAGS_MODAL_ID, {"contact_id": jane}), answers(tags="client")),
        ("U0SELLER1", form(CONTEXT_MODAL_ID, {"meeting_id": meeting_id}), answers(topic="Budget")),
        (
            "U0SELLER1",
            form(SETTINGS_MODAL_ID, {}),
            answers(frequency=static_select("weekly"), time=timepicker("08:00"), days=checkboxes("tue")),
        ),
        (
            "U0SELLER2",
            form(INTRO_MODAL_ID, {"t": jane, "m": seller}),
            answers(message="Could you introduce me to Jane? We met at a fair."),
        ),
    ]
    for number, (user, view, values) in enumerate(forms):
        standin.clear()
        reply = slack.submit(view, values, view_id=f"V0FORM{number}", user=user)
        assert reply.ack.status == 200 and not reply.ack.body, view["callback_id"]
        assert standin.calls == [] and reply.posts == [], (view["callback_id"], standin.calls)
        assert held.run() == 1
        assert standin.calls or standin.posts_to_response_urls, view["callback_id"]  # the work reached Slack
    with db.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Interaction)) == 3


@pytest.mark.parametrize(
    ("callback_id", "values", "field"),
    [
        (
            views.LOGCALL_MODAL_ID,
            answers(contacts="Raj Patel", channel=static_select("phone"), date=datepicker("2026-12-25")),
            "date",
        ),
        (views.RATE_MODAL_ID, answers(cadence="often"), "cadence"),
        (SETTINGS_MODAL_ID, answers(frequency=static_select("daily")), "days"),
        (INTRO_MODAL_ID, answers(message="  "), "message"),
        (IMPORT_MODAL_ID, answers(kind=static_select("vcard")), "file"),
    ],
)
def test_a_form_with_errors_answers_them_at_once_and_nothing_follows(
    slack: SlackDriver, held: HeldExecutor, standin: SlackStandIn, callback_id: str, values: dict[str, Any], field: str
) -> None:
    """The errors come back in the acknowledgement, under their field; the work Bolt still hands over does nothing."""
    slack.command("Jane Doe (ACME) phone yesterday")
    held.run()
    standin.clear()
    reply = slack.submit(form(callback_id, {"tz": "Europe/Paris", "contact_id": 1, "t": 1}), values)
    answer = json.loads(reply.ack.body)
    assert answer["response_action"] == "errors" and field in answer["errors"]
    held.run()
    assert standin.calls == [] and standin.posts_to_response_urls == []


def test_the_form_is_read_in_the_zone_it_was_opened_in(slack: SlackDriver, held: HeldExecutor, db: Engine) -> None:
    """A time picked on the form means the member's own clock (the zone kept with the form), not UTC."""
    values = answers(
        contacts="Raj Patel",
        channel=static_select("phone"),
        date=datepicker("2026-11-21"),
        time=timepicker("09:00"),
    )
    slack.submit(form(views.LOGCALL_MODAL_ID, {"tz": "Asia/Tokyo"}), values, user="U0TOKYO")
    held.run()
    with db.connect() as connection:
        occurred = connection.scalar(select(Interaction.occurred_at))
    assert occurred is not None and occurred.hour == 0  # 09:00 in Tokyo is midnight UTC


# Socket Mode ---------------------------------------------------------------------------------------
class RecordingSocketClient:
    """What Bolt's Socket Mode handler needs of its client: a logger and a way to send the acknowledgement."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("socket-mode-test")
        self.acknowledged: list[tuple[float, SocketModeResponse]] = []

    def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.acknowledged.append((time.monotonic(), response))


@pytest.fixture
def socket_app(db: Engine, standin: SlackStandIn, clock: Clock) -> Iterator[SocketModeHandler]:
    sessions = make_session_factory(db)
    work = ThreadPoolExecutor(max_workers=4)
    app = build_app(settings_for(standin), Deps(uow=lambda: UnitOfWork(sessions), clock=clock), executor=work)
    yield SocketModeHandler(app, app_token="xapp-1-test")
    work.shutdown(wait=True)


def test_in_socket_mode_a_form_is_acknowledged_before_slack_lets_its_work_through(
    socket_app: SocketModeHandler, standin: SlackStandIn, db: Engine
) -> None:
    """Bolt's Socket Mode handler sends the acknowledgement when the listener's quick part returns: with Slack
    answering 429 to users.info, views.publish and chat.postMessage, it still goes at once; the work follows."""
    for method in ("users.info", "views.publish", "chat.postMessage"):
        standin.fail_next(method, status=429, retry_after=2)
    values = answers(contacts="Raj Patel", channel=static_select("phone"), date=datepicker("2026-11-21"))
    view = {**form(views.LOGCALL_MODAL_ID, {"tz": "Europe/Paris"}), "id": "V0SOCKET", "state": {"values": values}}
    payload = interaction("view_submission", "T0TEAM1", "U0SOCKET", "1.trigger", view=view)
    client = RecordingSocketClient()
    started = time.monotonic()
    socket_app.handle(client, SocketModeRequest(type="interactive", envelope_id="E0ENVELOPE", payload=payload))  # type: ignore[arg-type]
    assert [response.envelope_id for _, response in client.acknowledged] == ["E0ENVELOPE"]
    assert client.acknowledged[0][0] - started < 1.0
    deadline = time.monotonic() + 15
    while not any("Raj Patel" in flatten(m) for m in standin.delivered_to("U0SOCKET")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any("Raj Patel" in flatten(m) for m in standin.delivered_to("U0SOCKET"))
    with db.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Interaction)) == 1


def test_an_error_before_the_acknowledgement_is_answered_at_once_and_told_after(
    slack: SlackDriver, standin: SlackStandIn
) -> None:
    """A listener failing before its acknowledgement: Slack gets its answer at once, even while chat.postMessage
    is rate-limited; the person is told afterwards."""

    def broken(ack: Any) -> None:
        raise RuntimeError("a bug in a quick part")

    slack.app.view("broken_form")(ack=broken, lazy=[])
    slack.command("help")  # Bolt's first request asks auth.test: not what this test measures
    standin.fail_next("chat.postMessage", status=429, retry_after=2)
    started = time.monotonic()
    reply = slack.submit(form("broken_form", {}), {})
    assert reply.ack.status == 200 and time.monotonic() - started < 1.0
    deadline = time.monotonic() + 10
    while not standin.delivered_to("U0SELLER1") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "something went wrong" in flatten(standin.delivered_to("U0SELLER1")[-1])
