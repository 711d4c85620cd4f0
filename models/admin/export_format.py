"""The export's two spellings, written as the records come: one JSON document, or JSON Lines.

Pure: plain values in, text out to an open file. A workspace's sections are iterators read one
item at a time, so memory stays that of one item whatever the workspace's size.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
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
        out.write(f"\n{inner}{encode_basestring(key)}: {_nested(value, depth + 1)},")
    for position, (name, items) in enumerate(workspace.sections.items()):
        out.write(f"\n{inner}{encode_basestring(name)}: [")
        count = 0
        for item in items:
            out.write(("," if count else "") + "\n" + _margin(depth + 2) + _nested(item, depth + 2))
            count += 1
        out.write(f"\n{inner}]" if count else "]")
        out.write("," if position < len(workspace.sections) - 1 else "")
    out.write("\n" + _margin(depth) + "}")


def _nested(value: Any, depth: int) -> str:
    """`value` as `json.dumps(value, ensure_ascii=False, indent=2)` spells it (string keys), its lines
    after the first `depth` levels in. Written out here because `json` indents in pure Python, several
    times slower than this; the scalars go through `json`'s own C encoder for strings."""
    scalar = _SCALARS.get(type(value))
    if scalar is not None:
        return scalar(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner, deeper = _margin(depth + 1), depth + 1
        items = [f"{inner}{encode_basestring(key)}: {_nested(item, deeper)}" for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + _margin(depth) + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner, deeper = _margin(depth + 1), depth + 1
        return "[\n" + ",\n".join([inner + _nested(item, deeper) for item in value]) + "\n" + _margin(depth) + "]"
    return json.dumps(value, ensure_ascii=False)


def _number(value: float) -> str:
    """A float as `json` writes it (NaN and the infinities by `json` itself)."""
    return float.__repr__(value) if math.isfinite(value) else json.dumps(value)


#: How each plain scalar type is written, as `json` writes it (`ensure_ascii=False`).
_SCALARS: dict[type, Callable[[Any], str]] = {
    str: encode_basestring,
    int: int.__repr__,
    float: _number,
    bool: lambda value: "true" if value else "false",
    type(None): lambda _: "null",
}
#: The margins of the first levels, made once.
_MARGINS = tuple(" " * (INDENT * depth) for depth in range(16))


def _margin(depth: int) -> str:
    return _MARGINS[depth] if depth < len(_MARGINS) else " " * (INDENT * depth)


def _line(record: Mapping[str, Any]) -> str:
    """One JSON line; the line breaks `json` leaves as they are (NEL, the Unicode line and paragraph
    separators), which may only sit inside strings, escaped there, so that a reader splitting on every
    kind of line break still reads one object a line."""
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    return text.translate(_UNBROKEN) + "\n"


#: The line breaks `json.dumps(..., ensure_ascii=False)` writes as they are, and their escapes.
_UNBROKEN = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})
