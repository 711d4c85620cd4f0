"""The export's two spellings, written as the records come: one JSON document, or JSON Lines.

Pure: plain values in, text out to an open file. A workspace's sections are iterators read one
item at a time, so memory stays that of one item whatever the workspace's size.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any, Protocol

#: The version of the export's shape: fields may be added, existing ones keep their meaning.
EXPORT_FORMAT = "rapport-export/1"
#: The lists of a workspace, in the order they are written, with the `type` of their JSON lines.
SECTIONS = {
    "members": "member",
    "accounts": "account",
    "contacts": "contact",
    "interactions": "interaction",
    "ties": "tie",
}
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
        out.write(f"\n{inner}{_scalar(key)}: {_nested(value, depth + 1)},")
    for position, (name, items) in enumerate(workspace.sections.items()):
        out.write(f"\n{inner}{_scalar(name)}: [")
        count = 0
        for item in items:
            out.write(("," if count else "") + "\n" + _margin(depth + 2) + _nested(item, depth + 2))
            count += 1
        out.write(f"\n{inner}]" if count else "]")
        out.write("," if position < len(workspace.sections) - 1 else "")
    out.write("\n" + _margin(depth) + "}")


def _nested(value: Any, depth: int) -> str:
    """`value` as `json.dumps(value, ensure_ascii=False, indent=2)` spells it, its lines after the
    first `depth` levels in. Written out here because `json` indents in pure Python, several times
    slower than this; only the scalars go through `json`'s own C encoders."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = _margin(depth + 1)
        items = (f"{inner}{_scalar(key)}: {_nested(item, depth + 1)}" for key, item in value.items())
        return "{\n" + ",\n".join(items) + "\n" + _margin(depth) + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = _margin(depth + 1)
        return "[\n" + ",\n".join(inner + _nested(item, depth + 1) for item in value) + "\n" + _margin(depth) + "]"
    return _scalar(value)


def _scalar(value: Any) -> str:
    """A string, number, boolean or null as `json` writes it (`ensure_ascii=False`)."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float) and math.isfinite(value):
        return float.__repr__(value) if isinstance(value, float) else int.__repr__(value)
    return json.dumps(value, ensure_ascii=False)


def _margin(depth: int) -> str:
    return " " * (INDENT * depth)


def _line(record: Mapping[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
