"""The console as a new user meets it: `rapport run` with no Slack settings, typed lines in, text out."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.app import make_runtime
from bot.console import Console
from bot.db import make_engine
from bot.settings import load_settings
from models.db.orm import Interaction

PARIS = ZoneInfo("Europe/Paris")
FIRST_EXAMPLE = "/logcall Jane Doe (ACME) phone yesterday they called: budget moves to Q3 #prospect"


def environment_without_slack(**extra: str) -> dict[str, str]:
    """This process's environment as a new user has it: no Slack setting, no database URL."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("SLACK_") and name not in {"DATABASE_URL", "RAPPORT_DATA_DIR", "PORT", "LOG_LEVEL"}
    }
    return {**env, "TZ": "Europe/Paris", **extra}


def rapport(
    cwd: Path, *args: str, session: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `rapport ARGS` as `make run` does, with `session` typed on standard input."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=environment_without_slack() if env is None else env,
        input=session if session is not None else "",
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def replies(result: subprocess.CompletedProcess[str]) -> str:
    """What a run that went well printed: it exited 0, with no traceback anywhere."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def refusal(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a run refused at start-up wrote on stderr: it exited non-zero, with no traceback."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    return result.stderr


def interactions_in(database: Path) -> int:
    """How many interactions the database holds that still count (an undone one keeps its row)."""
    engine = make_engine(f"sqlite:///{database}")
    query = select(func.count()).select_from(Interaction).where(Interaction.undone_at.is_(None))
    try:
        with engine.connect() as connection:
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


# `rapport run` in a fresh directory, as a subprocess ------------------------------------------------


def test_run_without_slack_settings_opens_the_console_and_scores_the_first_example(tmp_path: Path) -> None:
    """A new user gets the console, told how to connect Slack, and a reply with the tie explained sign by sign."""
    output = replies(rapport(tmp_path, "run", session=FIRST_EXAMPLE + "\n"))

    assert "To connect to Slack" in output
    assert "SLACK_BOT_TOKEN and SLACK_APP_TOKEN" in output
    assert "Phone call with Jane Doe" in output
    for line in ("tie score", "1. Job title and role", "5. Regularity and balance", "1 interaction"):
        assert line in output
    assert "[1] Rate this relationship: Jane Doe" in output
    assert re.search(r"\[\d+\] Undo", output)
    assert (tmp_path / "data" / "rapport.db").is_file()


def test_an_interaction_survives_a_restart_and_the_name_matches_whatever_the_case(tmp_path: Path) -> None:
    """After a restart, `jane doe` is the Jane Doe logged before: her reply counts 2 interactions."""
    replies(rapport(tmp_path, "run", session=FIRST_EXAMPLE + "\n"))

    second = replies(rapport(tmp_path, "run", session="/logcall jane doe email today me\n"))

    assert "Email with Jane Doe" in second
    assert "new contact" not in second
    assert "Jane Doe (ACME): tie score" in second
    assert "2 interactions" in second
    assert interactions_in(tmp_path / "data" / "rapport.db") == 2


def test_the_form_is_asked_field_by_field_and_a_bad_time_is_asked_again(tmp_path: Path) -> None:
    """`/logcall` alone asks each field in turn; "noon" is not a time and is asked again; then it is logged."""
    yesterday = (datetime.now(PARIS) - timedelta(days=1)).date().isoformat()
    answers = [
        "/logcall",
        "Raj Patel",  # Who
        "Initech",  # Company
        "3",  # Channel: phone call
        yesterday,  # Date
        "noon",  # Time, refused
        "10:15",  # Time
        "1",  # Who reached out: I did
        "30 min",  # How long
        "",  # Colleagues
        "#client",  # Tags
        "met at the fair",  # Notes
    ]

    output = replies(rapport(tmp_path, "run", session="\n".join(answers) + "\n"))

    assert "[form] Log an interaction" in output
    assert output.count("Please type a time like 14:30") == 1
    assert "Logged: Phone call with Raj Patel" in output
    assert "10:15 · you reached out · 30 min" in output
    assert "tags #client" in output
    assert "Raj Patel (Initech): tie score" in output
    assert interactions_in(tmp_path / "data" / "rapport.db") == 1


def test_an_unknown_command_and_a_bad_logcall_get_friendly_replies_and_record_nothing(tmp_path: Path) -> None:
    """`/nope` and `/logcall Jane Doe fax` are explained in plain words, never with a traceback."""
    output = replies(rapport(tmp_path, "run", session="/nope\n/logcall Jane Doe fax\nhello\n"))

    assert "“/nope” is not a command here. Try: /logcall, /whoknows, /prep." in output
    assert "“fax” is not a channel I know" in output
    assert "Log a conversation: /logcall <who> <channel>" in output
    assert "Type a command such as /logcall, a button number, or `help`." in output
    assert interactions_in(tmp_path / "data" / "rapport.db") == 0


def test_run_with_a_bot_token_but_no_app_token_names_slack_app_token(tmp_path: Path) -> None:
    """Half a Socket Mode set-up is refused in one message naming what is missing, not the console."""
    token = "xoxb-1111-2222-abcdefghijkl"
    result = rapport(tmp_path, "run", env=environment_without_slack(SLACK_BOT_TOKEN=token))

    message = refusal(result)
    assert "SLACK_APP_TOKEN" in message
    assert token not in result.stdout + message
    assert "Rapport console" not in result.stdout


def test_run_http_with_nothing_set_names_the_bot_token_and_the_signing_secret(tmp_path: Path) -> None:
    """`rapport run --http` without settings names both settings HTTP mode needs, in one message."""
    message = refusal(rapport(tmp_path, "run", "--http"))

    assert "SLACK_BOT_TOKEN" in message and "SLACK_SIGNING_SECRET" in message
    assert "SLACK_APP_TOKEN" not in message


def test_an_unknown_log_level_is_named_in_one_message(tmp_path: Path) -> None:
    """LOG_LEVEL=loud is refused like a bad PORT: one message naming LOG_LEVEL, no traceback."""
    result = rapport(tmp_path, "migrate", env=environment_without_slack(LOG_LEVEL="loud"))

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "LOG_LEVEL" in result.stderr


# The console in-process, on a fixed clock --------------------------------------------------------

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)  # Sunday, 11:00 in Paris


class Session:
    """A console on a fresh database; `answers` are typed whenever the console asks (form fields)."""

    def __init__(self, database: Path) -> None:
        settings = load_settings(environ={"DATABASE_URL": f"sqlite:///{database}"}, env_file=None)
        self.runtime = make_runtime(settings, clock=lambda: NOW)
        self.out = io.StringIO()
        self.answers: list[str] = []
        self.prompts: list[str] = []
        self.console = Console(
            settings, self.runtime, read_line=self._read, out=self.out, time_zone="Europe/Paris", user_name="sam"
        )

    def _read(self, prompt: str) -> str | None:
        self.prompts.append(prompt.strip())
        return self.answers.pop(0) if self.answers else None

    def type(self, line: str, *answers: str) -> str:
        """Type one line (and answer the form it opens); return what the console printed for it."""
        self.answers = list(answers)
        start = len(self.out.getvalue())
        self.console.handle(line)
        assert not self.answers, f"unused answers: {self.answers}"
        return self.out.getvalue()[start:]

    def close(self) -> None:
        self.console.close()
        self.runtime.engine.dispose()


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    console_session = Session(tmp_path / "rapport.db")
    yield console_session
    console_session.close()


def button_number(output: str, label: str) -> str:
    match = re.search(r"\[(\d+)\] " + re.escape(label), output)
    assert match, f"no [n] {label} button in:\n{output}"
    return match.group(1)


def test_typing_the_number_of_the_undo_button_undoes_the_interaction(session: Session) -> None:
    """Undo is pressed by typing its number: the reply says Undone and the tie counts 0 interactions."""
    logged = session.type(FIRST_EXAMPLE)

    undone = session.type(button_number(logged, "Undo"))

    assert "Undone: Phone call with Jane Doe" in undone
    assert "0 interactions" in undone
    assert interactions_in(Path(session.runtime.engine.url.database or "")) == 0


def test_pressing_undo_twice_says_it_was_already_undone(session: Session) -> None:
    """The same Undo typed again is harmless: it says so instead of failing."""
    undo = button_number(session.type(FIRST_EXAMPLE), "Undo")
    session.type(undo)

    assert "already undone" in session.type(undo)


def test_a_number_with_no_button_on_screen_is_explained(session: Session) -> None:
    """Typing a number before any button is shown says there is no such button."""
    assert session.type("7") == "There is no button [7] on screen.\n"


def test_buttons_keep_counting_up_across_replies(session: Session) -> None:
    """The second reply's buttons get new numbers, so an old number still presses the old button."""
    first = session.type(FIRST_EXAMPLE)
    second = session.type("/logcall Raj Patel (Initech) email today me")

    assert button_number(first, "Undo") == "2"
    assert button_number(first, "Schedule the next meeting") == "3"
    assert button_number(second, "Rate this relationship: Raj Patel") == "4"
    assert button_number(second, "Undo") == "5"


def test_the_rating_form_opened_by_its_button_scores_signs_one_to_three(session: Session) -> None:
    """Rate this relationship asks signs 1 to 3; yes to both questions, a good job and a friend gives +6."""
    rate = button_number(session.type(FIRST_EXAMPLE), "Rate this relationship: Jane Doe")

    rated = session.type(rate, "1", "1", "Head of IT", "Runs vendor selection", "1", "2", "")

    assert "[form] Rate this relationship" in rated
    assert "Thanks, your rating is saved." in rated
    assert "Jane Doe (ACME): tie score +6" in rated


def test_a_future_date_in_the_form_is_asked_again_alone(session: Session) -> None:
    """A date in the future is refused under the Date field; only that field is asked again."""
    answers = ["Raj Patel", "", "3", "2026-11-23", "", "", "", "", "", ""]

    output = session.type("/logcall", *answers, "2026-11-21")

    assert "⚠ date: That is in the future: log what already happened." in output
    assert session.prompts[len(answers)] == "Date (required) [2026-11-22]:"
    assert "Logged: Phone call with Raj Patel · yesterday" in output


def test_a_required_choice_left_empty_or_out_of_range_is_asked_again(session: Session) -> None:
    """Enter on Channel says it is required, 9 asks for one of the numbers; Enter on Date keeps today."""
    output = session.type("/logcall", "Li Wei", "", "", "9", "1", "", "10:30", "", "", "", "", "")

    assert "This one is required." in output
    assert "Please pick one of the numbers above." in output
    assert "Logged: Met in person with Li Wei · today 10:30" in output


def test_an_empty_who_in_the_form_is_refused_by_the_app_and_asked_again(session: Session) -> None:
    """Who left empty comes back with the app's message under that field; the name typed next is logged."""
    output = session.type("/logcall", "", "", "1", "", "", "", "", "", "", "", "Jo")

    assert "⚠ contacts: Who did you talk to? Give at least one name." in output
    assert "Logged: Met in person with Jo" in output


def test_cancel_closes_the_form_without_recording(session: Session) -> None:
    """Typing cancel in the form closes it; nothing is written."""
    output = session.type("/logcall", "Li Wei", "cancel")

    assert "Form closed; nothing was recorded." in output
    assert interactions_in(Path(session.runtime.engine.url.database or "")) == 0


def test_help_shows_the_welcome_again(session: Session) -> None:
    """`help` repeats how to use the console."""
    output = session.type("help")

    assert output.startswith("Rapport console:")
    assert "Press a button by typing its number." in output


def test_a_superscript_digit_is_not_taken_for_a_button_number(session: Session) -> None:
    """Typing "²" gets a reply like any other stray text, instead of closing the console with a traceback."""
    assert "Type a command such as /logcall" in session.type("²")


def test_prep_renders_a_briefing_and_whoknows_renders_routes_in_the_console(session: Session) -> None:
    """In the console, /logcall schedules a meeting, /prep shows its briefing and /whoknows the routes."""
    session.type(FIRST_EXAMPLE)
    scheduled = session.type("/logcall Jane Doe video next tue 3pm: Q3 budget")
    assert "Next meeting: Jane Doe, Tue 24 Nov 15:00 (video call)" in scheduled
    briefing = session.type("/prep jane doe")
    assert "Briefing: Meeting with Jane Doe, Tue 24 Nov 15:00" in briefing
    assert "Primary: Gather relationship intelligence" in briefing and "Ask:" in briefing
    routes = session.type("/whoknows jane doe")
    assert "1. You know Jane Doe" in routes


def test_home_shows_the_dashboard_in_the_console(session: Session) -> None:
    """Typing `home` shows the App Home tab as text, with its settings buttons numbered."""
    session.type(FIRST_EXAMPLE)
    shown = session.type("home")
    assert "[Home tab]" in shown and "YOUR RELATIONSHIPS" in shown
    assert "Jane Doe (ACME)" in shown and "Digest and briefings" in shown
