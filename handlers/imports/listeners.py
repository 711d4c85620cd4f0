"""Imports from Slack: upload an export in a form, get the import report back as a DM."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from handlers.home.listeners import download_file, publish_home
from handlers.imports.report import report_lines
from handlers.kit.actor import actor_of
from handlers.kit.blocks import notice, section
from handlers.kit.deps import Deps
from handlers.kit.errors import ack_only, guarded
from handlers.kit.forms import ack_form
from handlers.kit.profiles import member_profile
from models.core.errors import UsageError
from models.imports.service import import_file
from models.imports.values import UnmappedColumns, UnreadableFile

IMPORT_MODAL_ID = "import_modal"
KINDS = [
    ("linkedin", "LinkedIn connections export (Connections.csv)"),
    ("vcard", "vCard file (.vcf) from a phone or mail program"),
    ("csv", "CRM contacts CSV (say which column is which)"),
    ("interactions", "CRM activities CSV: past calls, meetings, e-mails"),
]


def import_modal() -> dict[str, Any]:
    def option(value: str, label: str) -> dict[str, Any]:
        return {"text": {"type": "plain_text", "text": label[:75]}, "value": value}

    return {
        "type": "modal",
        "callback_id": IMPORT_MODAL_ID,
        "title": {"type": "plain_text", "text": "Import contacts"},
        "submit": {"type": "plain_text", "text": "Import"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(
                "Imported contacts are *reach*: connections, not yet relationships, until you log a first conversation."
            ),
            {
                "type": "input",
                "block_id": "kind",
                "label": {"type": "plain_text", "text": "What is it?"},
                "element": {
                    "type": "static_select",
                    "action_id": "kind",
                    "options": [option(v, label) for v, label in KINDS],
                    "initial_option": option(*KINDS[0]),
                },
            },
            {
                "type": "input",
                "block_id": "file",
                "label": {"type": "plain_text", "text": "The file"},
                "element": {
                    "type": "file_input",
                    "action_id": "file",
                    "filetypes": ["csv", "vcf", "txt"],
                    "max_files": 1,
                },
            },
            {
                "type": "input",
                "block_id": "map",
                "optional": True,
                "label": {"type": "plain_text", "text": "Columns (CRM files only)"},
                "hint": {"type": "plain_text", "text": "name=Full Name,email=E-mail,company=Account"},
                "element": {"type": "plain_text_input", "action_id": "map", "max_length": 1000},
            },
            {
                "type": "input",
                "block_id": "tags",
                "optional": True,
                "label": {"type": "plain_text", "text": "Tag every contact"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "tags",
                    "max_length": 300,
                    "placeholder": {"type": "plain_text", "text": "client, prospect"},
                },
            },
        ],
    }


def _value(view: dict[str, Any], block: str) -> dict[str, Any]:
    return dict(view["state"]["values"].get(block, {}).get(block) or {})


def open_import(deps: Deps, body: dict[str, Any], client: WebClient) -> None:
    client.views_open(trigger_id=body["trigger_id"], view=import_modal())


def import_problems(view: dict[str, Any]) -> dict[str, str]:
    """What is missing from the form, by field: a file is needed, and a CRM file needs its columns."""
    kind = (_value(view, "kind").get("selected_option") or {}).get("value", "linkedin")
    if not _value(view, "file").get("files"):
        return {"file": "Choose the file to import."}
    if kind in {"csv", "interactions"} and not (_value(view, "map").get("value") or "").strip():
        return {"map": "Say which column is which, like name=Full Name,email=E-mail."}
    return {}


def check_import(ack: Ack, view: dict[str, Any]) -> None:
    """The form's quick part: its problems under their fields, else the acknowledgement."""
    ack_form(ack, import_problems(view))


def run_import(deps: Deps, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Download the file, import it in one transaction, and send the report by DM.

    Everything imported belongs to the member who uploaded the file: a row naming someone else is
    skipped (and said so in the report), and no member is created from the file.
    """
    if import_problems(view):
        return  # the acknowledgement showed them: Bolt runs this part regardless
    actor = actor_of(context)
    kind = (_value(view, "kind").get("selected_option") or {}).get("value", "linkedin")
    data = download_file(client, _value(view, "file")["files"][0])
    tags = [
        tag.strip().lstrip("#").lower() for tag in (_value(view, "tags").get("value") or "").split(",") if tag.strip()
    ]
    mapping = (_value(view, "map").get("value") or "").strip() or None
    member_profile(deps, client, actor)  # the uploader's e-mail, so that rows naming it are recognised as theirs
    try:
        report = import_file(
            deps.uow(), actor.team_id, kind, data, deps.clock(), owner=actor.user_id, mapping=mapping, tags=tags
        )
    except (UnreadableFile, UsageError) as problem:
        client.chat_postMessage(channel=actor.user_id, **notice(f":warning: Nothing was imported: {_refusal(problem)}"))
        return
    lines = report_lines(report)
    text = f":inbox_tray: *Import done* ({dict(KINDS)[kind]})\n" + "\n".join(lines[:40])
    if len(lines) > 40:
        text += f"\n… and {len(lines) - 40} more skipped rows: run `rapport import` on a terminal for the whole report."
    client.chat_postMessage(channel=actor.user_id, **notice(text))
    publish_home(deps, client, actor)


def _refusal(problem: UnreadableFile | UsageError) -> str:
    """Why nothing was imported, in the form's words: a column to map is named in its Columns field."""
    if isinstance(problem, UnmappedColumns):
        return f"{problem.found} {problem.ask} in the Columns field, e.g. {problem.example}."
    return problem.message


def register(app: App) -> None:
    app.action("home_import")(ack=ack_only, lazy=[guarded(open_import)])
    # A big file takes longer than Slack's 3 seconds: the form is checked and acknowledged first.
    app.view(IMPORT_MODAL_ID)(ack=check_import, lazy=[guarded(run_import)])
