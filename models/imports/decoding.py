"""From an exported file's bytes to its text and its CSV records: encodings guessed, binary data refused."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from models.imports.values import UnreadableFile

#: A text whose share of control characters exceeds this is binary, not an export.
MAX_CONTROL_SHARE: Final = 0.01
#: Byte order marks, longest first where one starts another (UTF-32 LE begins as UTF-16 LE).
_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes) -> str:
    """The text of an exported file: UTF-8 (with or without BOM), UTF-16 or UTF-32 (BOM, or guessed
    from its zero bytes), else Windows-1252/Latin-1. Binary data raises `UnreadableFile`."""
    if not data.strip():
        raise UnreadableFile("The file is empty.")
    try:
        text = _decode_text(data)
    except UnicodeDecodeError as error:
        raise UnreadableFile(f"The file is not valid text in the encoding it announces ({error.reason}).") from None
    sample = text[:65536]
    controls = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\x0c") or 0x7F <= ord(ch) < 0xA0)
    if "\x00" in sample or controls > MAX_CONTROL_SHARE * len(sample):
        raise UnreadableFile("This is not a text file (it looks like binary data): export it as CSV or vCard.")
    return text


def _decode_text(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding)
    head = data[:4096]
    if len(head) >= 4 and head.count(0) * 3 > len(head):
        # Text of Latin letters in UTF-16 without a BOM: every other byte is zero.
        even_zeros = head[0::2].count(0)
        odd_zeros = head[1::2].count(0)
        return data.decode("utf-16-be" if even_zeros > odd_zeros else "utf-16-le")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


@dataclass(frozen=True, slots=True)
class Record:
    """One CSV record: the file line it starts on, and its cells."""

    line: int
    cells: list[str]


def records(text: str, delimiter: str = ",") -> Iterator[Record]:
    """CSV records with the file line each starts on; blank lines are left out."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if len(cells) > 1 or (cells and cells[0].strip()):
                yield Record(line, cells)
    except csv.Error as error:
        raise UnreadableFile(f"Line {reader.line_num} cannot be read as CSV: {error}.") from None


def delimiter(header_line: str) -> str:
    """The separator of a CSV file, from its header: comma, semicolon (European Excel) or tab."""
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


def csv_records(text: str) -> Iterator[Record]:
    """The records of a CSV export whose separator its header line tells."""
    return records(text, delimiter(text.split("\n", 1)[0]))
