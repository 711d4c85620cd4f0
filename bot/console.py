"""`rapport console`: the real app and handlers in a terminal, with no Slack account needed.

Typed commands become signed Slack requests dispatched to the Bolt app; the app's Web API calls and
replies go to a local Slack stand-in, and what arrives there is printed as text. Buttons are numbered
and pressed by typing their number; modals are filled in field by field.
"""

from __future__ import annotations

import getpass
import itertools
import json
import os
import secrets
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from datetime import time as dt_time
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest

from bot.app import Runtime, build_app
from bot.render_text import RenderedButton, mrkdwn_to_text, render_message
from bot.settings import Settings
from bot.signing import signature_headers
from bot.standin import SlackStandIn
from handlers.kit.mrkdwn import escape

CONSOLE_TEAM_ID = "T0CONSOLE"
CONSOLE_USER_ID = "U0CONSOLE"
CONSOLE_CHANNEL_ID = "C0CONSOLE"
#: The app's id in every request the console makes, as Slack names the app in its requests.
CONSOLE_APP_ID = "A0CONSOLE"
COMMANDS = ("/logcall", "/whoknows", "/prep")

WELCOME = """Rapport console: the real app on your local database, no Slack account needed.
Type a command as you would in Slack, for example:
  /logcall Jane Doe (ACME) phone yesterday they called: budget moves to Q3 #prospect
  /logcall help          how to write a /logcall
  /logcall               opens the form
  /logcall Jane Doe video next tue 3pm: Q3 budget     schedules your next meeting
  /whoknows Jane Doe     the best introduction routes to a person (or a company)
  /prep Jane Doe         your briefing before meeting them: the relationship and two objectives
  home                   your App Home: the dashboard of your relationships and your settings
Press a button by typing its number. `help` shows this again; `quit` (or Ctrl-D) leaves."""


def local_time_zone() -> str:
    """The IANA name of this machine's time zone (TZ, /etc/timezone, /etc/localtime), else UTC."""
    if os.environ.get("TZ", "").strip("/:"):
        return os.environ["TZ"].lstrip(":")
    timezone_file = Path("/etc/timezone")
    if timezone_file.is_file():
        name = timezone_file.read_text().strip()
        if name:
            return name
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    return "UTC"


class Console:
    """One terminal session: reads lines, dispatches them to the app, prints what comes back."""

    def __init__(
        self,
        settings: Settings,
        runtime: Runtime,
        read_line: Callable[[str], str | None],
        out: TextIO = sys.stdout,
        time_zone: str | None = None,
        user_name: str | None = None,
    ) -> None:
        self.out = out
        self.read_line = read_line
        self.signing_secret = secrets.token_hex(16)
        self.standin = SlackStandIn(
            users={
                CONSOLE_USER_ID: {
                    "name": user_name or getpass.getuser(),
                    "real_name": user_name or getpass.getuser(),
                    "tz": time_zone or local_time_zone(),
                }
            }
        ).start()
        console_settings = replace(
            settings,
            slack_bot_token="xoxb-console-" + secrets.token_hex(4),
            slack_signing_secret=self.signing_secret,
            slack_api_base_url=self.standin.base_url,
        )
        self.app: App = build_app(console_settings, runtime.deps, work_inline=True)
        self.buttons: dict[int, RenderedButton] = {}
        self._next_button = 1
        self._showing_home = False
        self._ids = itertools.count(1)
        self._seen_calls = 0
        self._seen_posts = 0

    def close(self) -> None:
        self.standin.stop()

    # The loop ------------------------------------------------------------------------------------
    def run(self) -> None:
        self.say(WELCOME)
        while True:
            line = self.read_line("you> ")
            if line is None:
                self.say("Bye.")
                return
            line = line.strip()
            if not line:
                continue
            if line in {"quit", "exit", "/quit", "/exit"}:
                self.say("Bye.")
                return
            self.handle(line)

    def handle(self, line: str) -> None:
        if line in {"help", "?", "/help"}:
            self.say(WELCOME)
        elif line in {"home", "/home"}:
            self.open_home()
        elif line.isdecimal() and line.isascii():
            self.press(int(line))
        elif line.startswith("/"):
            command, _, text = line.partition(" ")
            if command not in COMMANDS:
                self.say(f"“{command}” is not a command here. Try: {', '.join(COMMANDS)}.")
                return
            self.slash_command(command, text)
        else:
            self.say("Type a command such as /logcall, a button number, or `help`.")

    # Requests as Slack sends them ------------------------------------------------------------------
    def slash_command(self, command: str, text: str) -> None:
        body = urlencode(
            {
                "token": "console",
                "team_id": CONSOLE_TEAM_ID,
                "team_domain": "console",
                "channel_id": CONSOLE_CHANNEL_ID,
                "channel_name": "console",
                "user_id": CONSOLE_USER_ID,
                "user_name": "you",
                "command": command,
                "text": escape(text),  # as Slack sends a command's text: &, < and > escaped
                "api_app_id": CONSOLE_APP_ID,
                "response_url": self.standin.response_url("command"),
                "trigger_id": self._trigger_id(),
            }
        )
        self.dispatch(body)

    def open_home(self) -> None:
        """Open the App Home tab, as clicking the app's name in Slack does."""
        self._showing_home = True
        event = {
            "token": "console",
            "team_id": CONSOLE_TEAM_ID,
            "api_app_id": CONSOLE_APP_ID,
            "type": "event_callback",
            "event_id": f"Ev{next(self._ids)}",
            "event_time": int(time.time()),
            "event": {
                "type": "app_home_opened",
                "user": CONSOLE_USER_ID,
                "channel": "D0CONSOLE",
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            },
        }
        self.dispatch(json.dumps(event), content_type="application/json")

    def press(self, number: int) -> None:
        button = self.buttons.get(number)
        if button is None:
            self.say(f"There is no button [{number}] on screen.")
            return
        element = button.element
        self._showing_home = str(element.get("action_id", "")).startswith("home_")
        action = {
            "type": "button",
            "action_id": element["action_id"],
            "block_id": button.block_id,
            "value": element.get("value", ""),
            "text": element.get("text"),
            "action_ts": f"{time.time():.6f}",
        }
        self.dispatch(
            self._interaction(
                "block_actions",
                response_url=self.standin.response_url("action"),
                container={"type": "message", "channel_id": CONSOLE_CHANNEL_ID, "is_ephemeral": True},
                channel={"id": CONSOLE_CHANNEL_ID, "name": "console"},
                actions=[action],
            )
        )

    def submit_view(self, view: Mapping[str, Any], values: dict[str, dict[str, Any]]) -> dict[str, Any]:
        return self.dispatch(self._interaction("view_submission", view={**view, "state": {"values": values}}))

    def _interaction(self, kind: str, **fields: Any) -> str:
        """An interactivity request of `kind` from the console's member, with its own `fields`,
        form-encoded as Slack sends it."""
        payload = {
            "type": kind,
            "team": {"id": CONSOLE_TEAM_ID, "domain": "console"},
            "user": {"id": CONSOLE_USER_ID, "team_id": CONSOLE_TEAM_ID},
            "api_app_id": CONSOLE_APP_ID,
            "trigger_id": self._trigger_id(),
            **fields,
        }
        return urlencode({"payload": json.dumps(payload)})

    def dispatch(self, body: str, content_type: str = "application/x-www-form-urlencoded") -> dict[str, Any]:
        """Sign and dispatch one request, print the acknowledgement and everything the app sent."""
        signed = signature_headers(body, self.signing_secret)
        headers: dict[str, str | Sequence[str]] = {
            "content-type": [content_type],
            "x-slack-request-timestamp": [signed["X-Slack-Request-Timestamp"]],
            "x-slack-signature": [signed["X-Slack-Signature"]],
        }
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        ack: dict[str, Any] = {}
        if response.body:
            try:
                ack = json.loads(response.body)
            except json.JSONDecodeError:
                ack = {"text": response.body}
        if response.status != 200:
            self.say(f"(the app answered HTTP {response.status})")
        if ack.get("blocks") or ack.get("text"):
            self.show(ack)
        self.drain()
        return ack

    # What the app sent -----------------------------------------------------------------------------
    def drain(self) -> None:
        posts = self.standin.posts_to_response_urls[self._seen_posts :]
        calls = self.standin.calls[self._seen_calls :]
        self._seen_posts += len(posts)
        self._seen_calls += len(calls)
        for post in posts:
            if post.body.get("delete_original"):
                self.say("(message removed)")
                continue
            if post.body.get("replace_original"):
                self.say("(updates the message above)")
            self.show(post.body)
        for call in calls:
            if call.method in {"chat.postMessage", "chat.postEphemeral"}:
                channel = str(call.args.get("channel", ""))
                if channel not in {CONSOLE_USER_ID, CONSOLE_CHANNEL_ID}:
                    self.say(f"(a direct message to @{channel}, who would see this:)")
                self.show(call.args)
            elif call.method == "views.publish":
                view = call.args.get("view")
                published = json.loads(view) if isinstance(view, str) else dict(view or {})
                if self._showing_home:
                    self.say("bot> [Home tab]")
                    self.show({"blocks": published.get("blocks", [])})
                    self._showing_home = False
            elif call.method in {"views.open", "views.push"}:
                view = call.args.get("view")
                opened = json.loads(view) if isinstance(view, str) else dict(view or {})
                opened.setdefault("id", f"V0CONSOLE{next(self._ids)}")  # Slack gives every opened view an id
                self.fill_modal(opened)

    def show(self, payload: Mapping[str, Any]) -> None:
        lines, buttons = render_message(payload, first_number=self._next_button)
        self._next_button += len(buttons)
        for button in buttons:
            self.buttons[button.number] = button
        self.say("bot> " + (lines[0].strip() if lines else ""))
        for line in lines[1:]:
            self.say(line)

    # Modals ---------------------------------------------------------------------------------------
    def fill_modal(self, view: dict[str, Any]) -> None:
        title = (view.get("title") or {}).get("text", "Form")
        self.say(f"bot> [form] {title}  (press Enter to skip an optional field, type `cancel` to close)")
        values: dict[str, dict[str, Any]] = {}
        inputs = [block for block in view.get("blocks", ()) if block.get("type") == "input"]
        for block in view.get("blocks", ()):
            if block.get("type") == "section":
                self.say("  " + mrkdwn_to_text(block["text"]["text"]))
        pending = inputs
        while pending:
            for block in pending:
                answer = self.ask(block)
                if answer is _CANCELLED:
                    self.say("bot> Form closed; nothing was recorded.")
                    return
                if answer is not None:
                    values[block["block_id"]] = {block["element"]["action_id"]: answer}
                else:
                    values.pop(block["block_id"], None)
            ack = self.submit_view(view, values)
            errors = ack.get("errors") if ack.get("response_action") == "errors" else None
            if not errors:
                return
            for block_id, problem in errors.items():
                self.say(f"  ⚠ {block_id}: {problem}")
            pending = [block for block in inputs if block["block_id"] in errors]

    def ask(self, block: Mapping[str, Any]) -> Any:
        element = block["element"]
        kind = element["type"]
        label = block["label"]["text"]
        optional = block.get("optional", False)
        suffix = "" if optional else " (required)"
        options = element.get("options") or []
        initial = element.get("initial_value") or element.get("initial_date") or ""
        if options:
            for index, option in enumerate(options, start=1):
                self.say(f"    {index}. {option['text']['text']}")
        hint = f" [{initial}]" if initial else ""
        many = kind in {"checkboxes", "multi_users_select"}
        while True:
            raw = self.read_line(
                f"  {label}{suffix}{hint}{' (numbers, comma-separated)' if many and options else ''}: "
            )
            if raw is None or raw.strip().lower() == "cancel":
                return _CANCELLED
            raw = raw.strip() or initial
            if not raw:
                if optional or kind in {"plain_text_input"}:
                    return None if optional else {"type": kind, "value": ""}
                self.say("    This one is required.")
                continue
            value = _element_value(kind, raw, options)
            if value is None:
                self.say("    " + _EXPECTED.get(kind, "Please pick one of the numbers above."))
                continue
            return value

    # Output ---------------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _trigger_id(self) -> str:
        return f"{next(self._ids)}.console.{secrets.token_hex(8)}"


_CANCELLED = object()
_EXPECTED = {
    "datepicker": "Please type a date like 2026-11-20 (the date picker in Slack).",
    "timepicker": "Please type a time like 14:30 (the time picker in Slack).",
}


def _element_value(kind: str, raw: str, options: list[dict[str, Any]]) -> dict[str, Any] | None:
    """What Slack puts in a view's state for this element, from what was typed."""
    if kind in {"static_select", "radio_buttons", "checkboxes"}:
        picked = []
        for part in raw.replace(" ", "").split(","):
            if not (part.isdecimal() and part.isascii()) or not 1 <= int(part) <= len(options):
                return None
            picked.append(options[int(part) - 1])
        if kind == "checkboxes":
            return {"type": kind, "selected_options": picked}
        return {"type": kind, "selected_option": picked[0]}
    if kind == "datepicker":
        try:
            return {"type": kind, "selected_date": date.fromisoformat(raw).isoformat()}
        except ValueError:
            return None
    if kind == "timepicker":
        try:
            return {"type": kind, "selected_time": dt_time.fromisoformat(raw).strftime("%H:%M")}
        except ValueError:
            return None
    if kind == "multi_users_select":
        users = [part.strip().lstrip("@<").rstrip(">") for part in raw.split(",") if part.strip()]
        return {"type": kind, "selected_users": users}
    return {"type": "plain_text_input", "value": raw}


def stdin_reader(stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> Callable[[str], str | None]:
    """Prompts on a terminal; reads (and echoes) lines when standard input is a pipe."""
    interactive = stdin.isatty()

    def read(prompt: str) -> str | None:
        if interactive:
            try:
                return input(prompt)
            except EOFError:
                return None
        line = stdin.readline()
        if not line:
            return None
        print(prompt + line.rstrip("\n"), file=out, flush=True)
        return line.rstrip("\n")

    return read
