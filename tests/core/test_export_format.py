"""The export's JSON document, written item by item, is what `json.dumps(..., indent=2)` writes whole."""

from __future__ import annotations

import io
import json
from typing import Any

from models.admin.export_format import SECTIONS, WorkspaceExport, write_document, write_lines

#: Items with every kind of value the export writes, and some it might one day.
ITEMS: list[dict[str, Any]] = [
    {
        "id": 1,
        "name": 'Émile "Zola"\n\t\u2028\x85\u2029',
        "tags": [],
        "nested": {"empty": {}, "list": [1, 2.5, -0.0, 1e300]},
    },
    {"id": 2, "flags": [True, False, None], "big": 10**20, "nan": float("nan"), "tuple": (1, "a")},
]


def workspace(items: list[dict[str, Any]]) -> WorkspaceExport:
    heading = {"format": "rapport-export/1", "exported_at": "2026-11-22T10:00:00+00:00", "workspace": {"team_id": "T1"}}
    return WorkspaceExport(heading, {name: iter(items if name == "ties" else []) for name in SECTIONS})


def test_the_document_is_byte_for_byte_what_json_writes_whole() -> None:
    """Empty and full sections, nested and empty containers, escapes, floats, NaN, no workspace at all."""
    for workspaces in ([], [ITEMS], [ITEMS, []]):
        buffer = io.StringIO()
        assert write_document(buffer, iter([workspace(items) for items in workspaces])) == len(workspaces)
        whole = {
            "workspaces": [
                {**workspace(items).heading, **{name: items if name == "ties" else [] for name in SECTIONS}}
                for items in workspaces
            ]
        }
        assert buffer.getvalue() == json.dumps(whole, ensure_ascii=False, indent=2) + "\n"


def test_json_lines_are_one_typed_object_a_line() -> None:
    """The workspace's line, then one line per item, its type first; a line separator in a note splits no line."""
    buffer = io.StringIO()
    write_lines(buffer, iter([workspace(ITEMS[:1])]))
    first, tie = (json.loads(line) for line in buffer.getvalue().splitlines())
    assert first["type"] == "workspace" and first["workspace"] == {"team_id": "T1"}
    assert list(tie) == ["type", *ITEMS[0]] and tie["name"] == ITEMS[0]["name"]
