"""The export's two spellings, written as the records come: one JSON document, or JSON Lines.

Pure: plain values in, text out to an open file. A workspace's sections are iterators read one
item at a time, so memory stays that of one item whatever the workspace's size.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

#: The version of the export's shape: fields may be added, existing ones keep their meaning.
EXPORT_FORMAT = "rapport-export/1"
#: The lists of a workspace, in the order they are written, with the `type` of their JSON lines.
SECTIONS = {"members": "member", "accounts": "account", "contacts": "contact", "interactions": "interaction", "ties": "tie"}
#: The JSON document is indented by this many spaces per level, as `json.dumps(..., indent=2)` would.
INDENT = 2


class Writable(Protocol):
    """Where the export goes: an open text file, standard output, or a buffer."""

    def write(self, text: str, /) -> int: ...


@dataclass(frozen=True)
class WorkspaceExport:
    """One workspace as it is exported: its heading (`format`, `exported_at`, `workspace`), then each
    of SECTIONS as an iterator of items, to be read in that order, once."""

    heading: Mapping[str, Any]
    sections: Mapping[str, Iterable[Mapping[str, Any]]]


def write_document(out: Writable, workspaces: Iterator[WorkspaceExport]) -> int:
    """`{"workspaces": [...]}` and a newline, byte for byte what `json.dumps(document, ensure_ascii=False,
    indent=2)` gives for the same document held whole; returns how many workspaces were written."""
    out.write('{\n  "workspaces": [')
    written = 0
    for workspace in workspaces:
        out.write(",\n" if written else "\n")
        _write_workspace(out, workspace, depth=2)
        written += 1
    out.write("\n  ]\n}\n" if written else "]\n}\n")
    return written


def write_lines(out: Writable, workspaces: Iterator[WorkspaceExport]) -> int:
    """JSON Lines: per workspace, one `{"type": "workspace", ...heading}` line, then one line per item
    (`{"type": "member", ...}`, and so on in the order of SECTIONS) that belongs to the workspace of the
    last such line; returns how many workspaces were written."""
    written = 0
    for workspace in workspaces:
        out.write(_line({"type": "workspace", **workspace.heading}))
        for name, items in workspace.sections.items():
            kind = SECTIONS[name]
            for item in items:
                out.write(_line({"type": kind, **item}))
        written += 1
    return written


def _write_workspace(out: Writable, workspace: WorkspaceExport, depth: int) -> None:
    """One workspace object at `depth` levels, its sections written item by item."""
    inner = _margin(depth + 1)
    out.write(_margin(depth) + "{")
    for key, value in workspace.heading.items():
        out.write(f"\n{inner}{_json(key)}: {_nested(value, depth + 1)},")
    for position, (name, items) in enumerate(workspace.sections.items()):
        out.write(f"\n{inner}{_json(name)}: [")
        count = 0
        for item in items:
            out.write(("," if count else "") + "\n" + _margin(depth + 2) + _nested(item, depth + 2))
            count += 1
        out.write(f"\n{inner}]" if count else "]")
        out.write("," if position < len(workspace.sections) - 1 else "")
    out.write("\n" + _margin(depth) + "}")


def _nested(value: Any, depth: int) -> str:
    """`value` as indented JSON whose lines after the first sit `depth` levels in."""
    return json.dumps(value, ensure_ascii=False, indent=INDENT).replace("\n", "\n" + _margin(depth))


def _margin(depth: int) -> str:
    return " " * (INDENT * depth)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _line(record: Mapping[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
