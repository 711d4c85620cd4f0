"""The `rapport` command line: run the bot (Socket Mode, HTTP, or the console), migrate the database."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeAlias

from sqlalchemy import text

from bot.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.app import Runtime
    from models.core.errors import RapportError

logger = logging.getLogger("rapport")

HOW_TO_CONNECT = """No Slack settings found, so here is the console (the real app on your local database).
To connect to Slack: create the app from manifest.yml (see README.md, "Connect to Slack"), put
SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode) in a .env file, and run `make run` again.
"""


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"rapport: {error}", file=sys.stderr)
        return 2

    from bot.logs import configure_logging

    json_lines = settings.log_format == "json" and args.command == "run" and settings.slack_configured
    configure_logging(settings.log_level, settings.secrets, json_lines=json_lines)
    try:
        return COMMANDS[args.command](settings, args)
    except SettingsError as error:
        print(f"rapport: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def parser() -> argparse.ArgumentParser:
    """The command line: running the bot, one pass of a scheduled job, an admin's tools, imports."""
    rapport = argparse.ArgumentParser(
        prog="rapport", description="Relationship intelligence for B2B sellers, in Slack."
    )
    commands = rapport.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _running(commands)
    _passes(commands)
    _admin(commands)
    _importing(commands)
    return rapport


Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _running(commands: Commands) -> None:
    run = commands.add_parser("run", help="run the bot: Socket Mode, HTTP (--http), or the console without tokens")
    run.add_argument("--http", action="store_true", help="serve Slack's HTTP requests on PORT (signing secret checked)")
    run.add_argument("--socket", action="store_true", help="use Socket Mode (needs SLACK_APP_TOKEN)")
    console = commands.add_parser("console", help="try the bot in the terminal, no Slack account needed")
    console.add_argument("--tz", help="your time zone (IANA name, e.g. Europe/Paris); default: this machine's")
    commands.add_parser("migrate", help="create or upgrade the database schema")


def _passes(commands: Commands) -> None:
    """One pass of what the scheduler runs, as of a moment."""
    nudges = commands.add_parser(
        "nudges", help="one sweep of the nudge digests as of a moment (what the scheduler runs)"
    )
    passes = commands.add_parser("briefings", help="one pass of the pre-meeting briefings as of a moment")
    for command, dry_run in (
        (nudges, "print what would be sent; send and write nothing"),
        (passes, "print the briefings that are due; send and write nothing"),
    ):
        command.add_argument(
            "--as-of",
            type=_moment,
            metavar="ISO",
            help="the moment, e.g. 2026-12-01T09:00 (UTC unless an offset is given); default now",
        )
        command.add_argument("--member", metavar="USER_ID", help="only this Slack user")
        command.add_argument("--dry-run", action="store_true", help=dry_run)
    commands.add_parser(
        "calendars", help="read every member's calendar feed now (the scheduler does it every 15 minutes)"
    )
    network = commands.add_parser(
        "network", help="recompute bridges and brokerage now (the scheduler does it every NETWORK_REFRESH_MINUTES)"
    )
    network.add_argument("--workspace", action="append", metavar="TEAM_ID", help="only this Slack team (repeatable)")
    scores = commands.add_parser("scores", help="score every tie again now (the scheduler does it once a day)")
    scores.add_argument("--workspace", action="append", metavar="TEAM_ID", help="only this Slack team (repeatable)")


def _admin(commands: Commands) -> None:
    workspace = commands.add_parser("workspace", help="manage a workspace's data")
    workspace_commands = workspace.add_subparsers(dest="workspace_command", required=True, metavar="ACTION")
    delete = workspace_commands.add_parser("delete", help="remove all of a workspace's data (and its tokens)")
    delete.add_argument("team_ids", nargs="+", metavar="TEAM_ID")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    export = commands.add_parser("export", help="write a workspace's data as JSON, for its admins, as it is read")
    export.add_argument("--workspace", action="append", metavar="TEAM_ID", help="only this Slack team (repeatable)")
    export.add_argument(
        "--output", metavar="FILE", help="write to FILE instead of standard output (-: standard output)"
    )
    export.add_argument("--jsonl", action="store_true", help="JSON Lines: one object a line, each with its `type`")


def _importing(commands: Commands) -> None:
    importing = commands.add_parser(
        "import",
        help="import contacts (LinkedIn, vCard, CRM CSV) as reach, or past interactions from a CRM",
        description=IMPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    importing.add_argument("kind", choices=("linkedin", "vcard", "csv", "interactions"), help="what the file is")
    importing.add_argument("file", metavar="FILE", help="the exported file")
    importing.add_argument(
        "--member", metavar="USER_ID", help="whose contacts these are (for interactions: rows that name no member)"
    )
    importing.add_argument("--team", metavar="TEAM_ID", help="the Slack team; default: the database's only workspace")
    importing.add_argument(
        "--map", action="append", metavar="FIELD=COLUMN,...", help="which column is which (csv, interactions)"
    )
    importing.add_argument("--tag", action="append", default=[], metavar="TAG", help="tag every imported contact")
    importing.add_argument("--dry-run", action="store_true", help="print the report; write nothing")


def _migrate(settings: Settings) -> int:
    from bot.app import make_runtime

    make_runtime(settings)
    print(f"Database ready: {settings.database_url_for_display}")
    return 0


def _moment(text_value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text_value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a moment: {text_value!r} (write it like 2026-12-01T09:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _nudges(settings: Settings, as_of: datetime | None, member: str | None, dry_run: bool) -> int:
    from bot.app import make_runtime, make_web_client
    from bot.jobs import OTHER_COMPOSERS, WORKER
    from handlers.delivery.sender import slack_sender
    from handlers.nudges.wording import headline
    from models.nudges.digests import compose_due, sweep

    runtime = make_runtime(settings)
    now = as_of or datetime.now(UTC)
    if dry_run:
        composed = compose_due(runtime.deps.uow(), now, only_user=member, dry_run=True)
        for digest in composed:
            print(f"{digest.slack_user_id} ({digest.period_key}): {len(digest.items)} item(s)")
            for item in digest.items:
                print(f"  - [{item.kind.value}] {headline(item)}")
        if not composed:
            print(f"No digest due at {now.isoformat()}.")
        return 0
    settings.require("SLACK_BOT_TOKEN")
    sender = slack_sender(make_web_client(settings, settings.slack_bot_token), runtime.deps)
    report = sweep(runtime.deps.uow(), sender, now, WORKER, only_user=member, composers=OTHER_COMPOSERS)
    print(
        f"{len(report.composed)} digest(s) composed, {report.sent} sent, {report.recovered} found already sent, "
        f"{report.failed} to retry, {report.skipped} unreachable"
    )
    return 0


def _briefings(settings: Settings, as_of: datetime | None, member: str | None, dry_run: bool) -> int:
    from bot.app import make_runtime, make_web_client
    from bot.jobs import WORKER
    from handlers.delivery.sender import slack_sender
    from models.briefings.service import compose_briefings, compose_follow_ups, due_briefings
    from models.delivery import outbox

    runtime = make_runtime(settings)
    now = as_of or datetime.now(UTC)
    if dry_run:
        due = due_briefings(runtime.deps.uow(), now, only_user=member)
        for item in due:
            print(
                f"{item.slack_user_id}: {item.title} at {item.starts_at.isoformat()} ({item.lead_minutes} min before)"
            )
            for name, plan in item.plans:
                primary, secondary = plan.primary, plan.secondary
                print(f"  - {name}: primary {primary.kind.value}, secondary {secondary.kind.value}: {primary.goal}")
        if not due:
            print(f"No briefing due at {now.isoformat()}.")
        return 0
    settings.require("SLACK_BOT_TOKEN")
    uow = runtime.deps.uow()
    composed = compose_briefings(uow, now, member) + compose_follow_ups(uow, now, member)
    sender = slack_sender(make_web_client(settings, settings.slack_bot_token), runtime.deps)
    report = outbox.deliver_pending(uow, sender, now, WORKER, only_user=member)
    print(
        f"{composed} message(s) composed, {report.sent} sent, {report.dropped} too late, {report.failed} to retry, {report.skipped} unreachable"
    )
    return 0


def _calendars(settings: Settings) -> int:
    from bot.app import calendar_fetch, make_runtime
    from models.briefings.feeds import FeedReaders, SyncResult, sync_all_feeds

    runtime = make_runtime(settings)
    results: list[SyncResult] = []
    # One after the other on this thread, so that the count below is complete.
    sync_all_feeds(runtime.deps.uow, FeedReaders(calendar_fetch(settings)), runtime.deps.clock, then=results.append)
    read = [r for r in results if r.problem is None]
    print(f"{len(results)} feed(s): {len(read)} read, {len(results) - len(read)} with a problem")
    return 0


def _delete_workspaces(settings: Settings, team_ids: list[str], yes: bool) -> int:
    from bot.app import make_runtime
    from bot.installations import installation_store
    from models.admin.service import delete_workspace

    if not yes:
        if not sys.stdin.isatty():
            print("rapport: add --yes to delete without a question (no terminal to ask on)", file=sys.stderr)
            return 2
        answer = input(f"Delete ALL data of {', '.join(team_ids)} (contacts, interactions, notes, ties)? Type yes: ")
        if answer.strip().lower() != "yes":
            print("Nothing deleted.")
            return 1
    runtime = make_runtime(settings)
    for team_id in team_ids:
        deleted = delete_workspace(runtime.deps.uow(), team_id)
        tokens = installation_store(settings, runtime.engine).delete_team(team_id) if settings.oauth_enabled else 0
        outcome = "all data deleted" if deleted else "no data here"
        print(f"{team_id}: {outcome}" + (f", {tokens} installation record(s) deleted" if tokens else ""))
    return 0


def _export(settings: Settings, teams: list[str] | None, output: str | None, lines: bool) -> int:
    import os

    from bot.app import make_runtime
    from models.admin.service import workspace_teams, write_export

    runtime = make_runtime(settings)
    now = datetime.now(UTC)
    chosen = workspace_teams(runtime.deps.uow(), teams)
    if teams and set(teams) - set(chosen):
        print(f"rapport: no workspace {', '.join(sorted(set(teams) - set(chosen)))} in this database", file=sys.stderr)
        return 2
    if output and output != "-":
        # Everyone's notes are in it: readable by its owner only (0600), also when the file was there
        # with a wider mode, and made so before a byte is written.
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            write_export(runtime.deps.uow(), chosen, now, handle, lines)
        print(f"Exported {len(chosen)} workspace(s) to {output} (readable by you only).", file=sys.stderr)
    else:
        write_export(runtime.deps.uow(), chosen, now, sys.stdout, lines)
    return 0


def _network(settings: Settings, teams: list[str] | None) -> int:
    from bot.app import make_runtime
    from models.network.structure import refresh_structure, workspace_ids

    runtime = make_runtime(settings)
    deps = runtime.deps
    chosen = workspace_ids(deps.uow(), teams)
    if teams and not chosen:
        print(f"rapport: no workspace {', '.join(teams)} in this database", file=sys.stderr)
        return 2
    for workspace_id in chosen:
        report = refresh_structure(deps.uow(), workspace_id, deps.clock())
        print(
            f"workspace {workspace_id}: {report.nodes} nodes, {report.edges} edges, "
            f"{report.bridges} bridges, {report.local_bridges} local bridges ({report.seconds:.1f} s)"
        )
    return 0


def _scores(settings: Settings, teams: list[str] | None) -> int:
    from bot.app import make_runtime
    from models.admin.service import workspace_teams
    from models.scores.engine import rescore_workspace

    deps = make_runtime(settings).deps
    chosen = workspace_teams(deps.uow(), teams)
    if teams and not chosen:
        print(f"rapport: no workspace {', '.join(teams)} in this database", file=sys.stderr)
        return 2
    for team_id in chosen:
        print(f"workspace {team_id}: {rescore_workspace(deps.uow(), team_id, deps.clock())} ties scored")
    return 0


IMPORT_HELP = """Import a file in one transaction: every row, or nothing when the file cannot be read.

  rapport import linkedin Connections.csv --member U0123ABCD [--tag client]
  rapport import vcard contacts.vcf --member U0123ABCD
  rapport import csv crm.csv --member U0123ABCD --map "name=Full Name,email=E-mail,company=Account"
  rapport import interactions activities.csv --map "member=Owner,contact=Contact,when=Date,channel=Type"

Contacts are merged by e-mail, then by name and company, and become the member's reach (a tie with
no interaction). Fields for --map: name, first_name, last_name, email, company, title, phone, url,
connected_on (contacts); member (e-mail or Slack id), contact, email, company, when, channel,
direction, duration, notes (interactions). Importing the same file again changes nothing."""


def _import(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path
    from typing import Any

    from tqdm import tqdm

    from bot.app import make_runtime
    from bot.db import refresh_statistics
    from handlers.imports.report import report_lines
    from models.core.errors import RapportError
    from models.imports.service import import_file

    try:
        data = Path(args.file).read_bytes()
    except OSError as error:
        print(f"rapport: cannot read {args.file}: {error.strerror or error}", file=sys.stderr)
        return 2
    bars: dict[str, tqdm[Any]] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in bars:
            bars[stage] = tqdm(total=total, desc=stage, unit=" rows", file=sys.stderr, leave=False)
        bars[stage].update(done - bars[stage].n)

    runtime = make_runtime(settings)
    try:
        report = import_file(
            runtime.deps.uow(),
            args.team,
            args.kind,
            data,
            runtime.deps.clock(),
            member=args.member,
            mapping=args.map,
            tags=args.tag,
            progress=progress if sys.stderr.isatty() else None,
            dry_run=args.dry_run,
        )
    except RapportError as error:
        print(f"rapport: {import_refusal(error)} Nothing was imported.", file=sys.stderr)
        return 2
    finally:
        for bar in bars.values():
            bar.close()
    if not args.dry_run:
        refresh_statistics(runtime.engine)  # a bulk load changes the tables' shape: tell the planner
    print("\n".join(report_lines(report, import_skip_reason)))
    return 0


def import_refusal(error: RapportError) -> str:
    """Why nothing was imported, in the command line's words: the flag that would have done."""
    from models.imports.values import MemberNeeded, NoWorkspace, SeveralWorkspaces, UnmappedColumns

    if isinstance(error, MemberNeeded):
        return "Say whose contacts these are: --member U… (their Slack user id)."
    if isinstance(error, NoWorkspace):
        return "No workspace in the database yet: say which with --team T… (your Slack team id)."
    if isinstance(error, SeveralWorkspaces):
        return f"Several workspaces here ({', '.join(error.teams)}): say which with --team."
    if isinstance(error, UnmappedColumns):
        return f"{error.found} {error.ask}, e.g. --map {error.example}."
    return error.message


def import_skip_reason(reason: str) -> str:
    """A skipped row's reason, with the flag that covers rows naming no member."""
    from models.imports.values import NO_MEMBER_NAMED

    return f"{reason} (give --member for such rows)" if reason == NO_MEMBER_NAMED else reason


def _console(settings: Settings, time_zone: str | None = None) -> int:
    from bot.app import make_runtime
    from bot.console import Console, stdin_reader

    runtime = make_runtime(settings)
    console = Console(settings, runtime, read_line=stdin_reader(), time_zone=time_zone)
    try:
        console.run()
    finally:
        console.close()
    return 0


def _run(settings: Settings, http: bool, socket: bool) -> int:
    if http:
        # Several workspaces (OAuth) need no bot token in the environment; one workspace does.
        settings.require("SLACK_SIGNING_SECRET", *(() if settings.oauth_enabled else ("SLACK_BOT_TOKEN",)))
    elif socket or settings.slack_configured:
        settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    else:
        print(HOW_TO_CONNECT)
        return _console(settings)

    from bot.app import build_app, make_runtime, make_web_client

    runtime = make_runtime(settings)
    app = build_app(settings, runtime.deps, engine=runtime.engine)
    from bot.installations import client_factory
    from bot.scheduler import start_scheduler
    from handlers.delivery.sender import slack_sender

    clients = client_factory(settings, runtime.engine, lambda token: make_web_client(settings, token))
    scheduler = start_scheduler(runtime, settings.network_refresh_minutes, slack_sender(clients, runtime.deps))
    try:
        return _serve(settings, runtime, app, http)
    finally:
        scheduler.shutdown(wait=False)


def _serve(settings: Settings, runtime: Runtime, app: App, http: bool) -> int:
    if http:
        from bot.server import serve

        def healthy() -> bool:
            try:
                with runtime.engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                return True
            except Exception:  # noqa: BLE001 - any database failure means "not healthy"
                return False

        logger.info("Rapport listening for Slack on port %s, path /slack/events", settings.port)
        serve(app, port=settings.port, signing_secret=settings.slack_signing_secret or "", health=healthy)
        return 0

    from slack_bolt.adapter.socket_mode import SocketModeHandler

    logger.info("Rapport connecting to Slack in Socket Mode")
    SocketModeHandler(app, settings.slack_app_token, web_client=app.client).start()  # type: ignore[no-untyped-call]
    return 0


#: What each command runs, given the settings and the parsed arguments.
COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "run": lambda settings, args: _run(settings, http=args.http, socket=args.socket),
    "console": lambda settings, args: _console(settings, time_zone=args.tz),
    "migrate": lambda settings, _args: _migrate(settings),
    "nudges": lambda settings, args: _nudges(settings, args.as_of, args.member, args.dry_run),
    "briefings": lambda settings, args: _briefings(settings, args.as_of, args.member, args.dry_run),
    "calendars": lambda settings, _args: _calendars(settings),
    "network": lambda settings, args: _network(settings, args.workspace),
    "scores": lambda settings, args: _scores(settings, args.workspace),
    "workspace": lambda settings, args: _delete_workspaces(settings, args.team_ids, args.yes),
    "export": lambda settings, args: _export(settings, args.workspace, args.output, args.jsonl),
    "import": _import,
}


if __name__ == "__main__":
    sys.exit(main())
