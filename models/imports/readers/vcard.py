"""vCard files (2.1, 3.0, 4.0) as phones and mail programs export them, several cards per file."""

from __future__ import annotations

import quopri
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from models.imports.decoding import decode
from models.imports.large_files import many_rows
from models.imports.readers.contact_rows import contact_row
from models.imports.values import ContactRow, UnreadableFile

#: The lines that open and close a card.
_CARD_BEGIN: Final = re.compile(r"BEGIN\s*:\s*VCARD\s*", re.IGNORECASE)
_CARD_END: Final = re.compile(r"END\s*:\s*VCARD\s*", re.IGNORECASE)
#: The encoding whose lines end in a soft break ("=") when a value goes on.
_QUOTED_PRINTABLE: Final = re.compile("QUOTED-PRINTABLE", re.IGNORECASE)
#: vCard 2.1's bare parameters that name an encoding (the others name a type).
_BARE_ENCODINGS: Final = frozenset({"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"})
#: A backslash escape: \n (or \N) is a new line, any other escaped character stands for itself.
_VCARD_ESCAPE: Final = re.compile(r"\\(.)")
_VCARD_ESCAPES: Final = {"n": "\n", "N": "\n"}


@many_rows
def read_vcards(data: bytes) -> list[ContactRow]:
    """vCard 2.1, 3.0 and 4.0 files as phones and mail programs export them, several cards per file.

    Folded lines, quoted-printable values (with their soft line breaks and CHARSET), escapes and
    item groups (item1.EMAIL) are read; photos and everything else are ignored.
    """
    cards = list(_split_cards(decode(data)))
    if not cards:
        raise UnreadableFile("No contact card in this file: a vCard file has BEGIN:VCARD … END:VCARD blocks.")
    rows: list[ContactRow] = []
    for line, lines, complete in cards:
        if not complete:
            rows.append(ContactRow(line=line, name="", problem="the card is cut short (no END:VCARD)"))
            continue
        rows.append(_card_row(line, _card_properties(lines)))
    return rows


def _split_cards(text: str) -> Iterator[tuple[int, list[str], bool]]:
    """(line of BEGIN:VCARD, the lines inside the card, whether it ends) for each card of a file."""
    start: int | None = None
    lines: list[str] = []
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if start is None:
            if _CARD_BEGIN.fullmatch(line):
                start, lines = number, []
        elif _CARD_END.fullmatch(line):
            yield start, lines, True
            start = None
        else:
            lines.append(line)
    if start is not None:
        yield start, lines, False


@dataclass(frozen=True, slots=True)
class _Property:
    """One vCard property: `name` upper case, `params` keyed upper case (bare 2.1 params as TYPE)."""

    group: str
    name: str
    params: dict[str, list[str]]
    value: str

    @property
    def types(self) -> set[str]:
        found = {part.strip().lower() for value in self.params.get("TYPE", []) for part in value.split(",")}
        return found | ({"pref"} if "PREF" in self.params else set())


def _card_properties(lines: Sequence[str]) -> list[_Property]:
    """The properties of a card: lines unfolded, quoted-printable soft breaks joined, values decoded.

    Linear in the card's length however long a folded line is: each property's pieces are kept in a
    list and joined once (adding to a string would copy it for every one of its continuation lines).
    """
    logical: list[_UnfoldedLine] = []
    for line in lines:
        current = logical[-1] if logical else None
        if current is not None and current.soft_break():
            current.add(line, drop_last_character=True)  # a quoted-printable soft line break
        elif current is not None and line[:1] in (" ", "\t"):
            current.add(line[1:])  # a folded line (RFC 6350 §3.2)
        elif line.strip():
            logical.append(_UnfoldedLine(line))
    return [prop for unfolded in logical if (prop := _parse_property(unfolded.text())) is not None]


class _UnfoldedLine:
    """One property's text as its lines are unfolded: its pieces, and what a soft break depends on.

    A quoted-printable soft break is a line ending in "=" in a property whose name and parameters
    (the text before the first ":") say QUOTED-PRINTABLE. Both are followed piece by piece, so that
    no piece is looked at twice.
    """

    __slots__ = ("_head_ended", "_head_tail", "_pieces", "_quoted_printable")

    def __init__(self, first: str) -> None:
        self._pieces: list[str] = []
        self._head_ended = False
        self._head_tail = ""  # the end of the head read so far: the marker may straddle two pieces
        self._quoted_printable = False
        self.add(first)

    def add(self, piece: str, drop_last_character: bool = False) -> None:
        if drop_last_character:  # every piece kept is non-empty: the last one ends the text
            self._pieces[-1] = self._pieces[-1][:-1]
            if not self._pieces[-1]:
                self._pieces.pop()
        if not piece:
            return
        self._pieces.append(piece)
        if not self._head_ended:
            head, colon, _ = piece.partition(":")
            window = self._head_tail + head
            self._quoted_printable = self._quoted_printable or bool(_QUOTED_PRINTABLE.search(window))
            self._head_tail = window[-(len(_QUOTED_PRINTABLE.pattern) - 1) :]
            self._head_ended = bool(colon)

    def soft_break(self) -> bool:
        return self._quoted_printable and self._pieces[-1].endswith("=")

    def text(self) -> str:
        return "".join(self._pieces)


def _parse_property(text: str) -> _Property | None:
    head, *rest = _split_unquoted(text, ":", once=True)
    if not rest:
        return None
    value = rest[0]
    name, *raw_params = _split_unquoted(head, ";")
    group, _, name = name.rpartition(".")
    params: dict[str, list[str]] = defaultdict(list)
    for raw in raw_params:
        key, equals, param_value = raw.partition("=")
        if not equals:  # vCard 2.1 writes bare parameters: TEL;CELL;PREF, EMAIL;QUOTED-PRINTABLE
            bare = key.strip().upper()
            key, param_value = ("ENCODING" if bare in _BARE_ENCODINGS else "TYPE"), bare
        params[key.strip().upper()].append(param_value.strip().strip('"'))
    encoding = {v.upper() for v in params.get("ENCODING", [])}
    if encoding & {"B", "BASE64"}:
        value = ""  # photos, sounds, keys: not needed
    elif "QUOTED-PRINTABLE" in encoding:
        charset = (params.get("CHARSET") or ["utf-8"])[0]
        raw_bytes = quopri.decodestring(value.encode("utf-8"))
        try:
            value = raw_bytes.decode(charset, errors="replace")
        except LookupError:
            value = raw_bytes.decode("utf-8", errors="replace")
    return _Property(group=group, name=name.strip().upper(), params=dict(params), value=value)


def _split_unquoted(text: str, separator: str, once: bool = False) -> list[str]:
    """Split on a separator outside double quotes (parameter values may quote ':' and ';')."""
    parts: list[str] = []
    start, quoted = 0, False
    for index, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch == separator and not quoted:
            parts.append(text[start:index])
            start = index + 1
            if once:
                break
    parts.append(text[start:])
    return parts


def _unescape_vcard(text: str) -> str:
    return " ".join(_VCARD_ESCAPE.sub(lambda m: _VCARD_ESCAPES.get(m[1], m[1]), text).split())


def _components(value: str) -> list[str]:
    """The parts of a structured value (N, ORG), split on unescaped semicolons."""
    return [_unescape_vcard(part) for part in re.split(r"(?<!\\);", value)]


def _card_row(line: int, properties: Sequence[_Property]) -> ContactRow:
    def first(name: str) -> str:
        return next((text for p in properties if p.name == name and (text := _unescape_vcard(p.value))), "")

    org = next((parts[0] for p in properties if p.name == "ORG" and (parts := _components(p.value)) and parts[0]), "")
    if first("X-ABSHOWAS").upper() == "COMPANY":  # Apple's card for a company, not a person
        return ContactRow(line=line, name=org or first("FN"), problem="a card for a company, not a person")
    name = first("FN")
    if not name:
        n = next((_components(p.value) for p in properties if p.name == "N"), [])
        family, given, additional, prefix, suffix = (n + [""] * 5)[:5]
        name = " ".join(" ".join((prefix, given, additional, family, suffix)).split())
    profile = next(
        (
            _unescape_vcard(p.value)
            for p in properties
            if p.name in ("X-SOCIALPROFILE", "URL") and ("linkedin" in p.value.lower() or "linkedin" in p.types)
        ),
        "",
    )
    values = {
        "name": name,
        "company": org,
        "title": first("TITLE"),
        "email": _preferred([p for p in properties if p.name == "EMAIL"], ("pref",)),
        "phone": _preferred([p for p in properties if p.name == "TEL"], ("pref", "cell", "mobile", "work")),
        "url": profile,
    }
    values["phone"] = values["phone"].removeprefix("tel:")
    return contact_row(line, {key: value for key, value in values.items() if value})


def _preferred(properties: Sequence[_Property], preferences: Sequence[str]) -> str:
    """The value marked preferred (TYPE=pref, PREF=1), else of the first preferred kind, else the first."""
    usable = [(p, text) for p in properties if (text := _unescape_vcard(p.value))]
    for preference in preferences:
        for prop, text in usable:
            if preference in prop.types:
                return text
    return usable[0][1] if usable else ""
