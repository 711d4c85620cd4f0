"""The export streams: the same JSON document as when it was built whole, JSON Lines, bounded memory."""

from __future__ import annotations

import gc
import io
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from models.admin.repository import AdminRepository
from models.admin.service import write_export
from models.core.values import ContactRef
from models.db.uow import UnitOfWork
from models.scores.engine import figures
from tests.db.export_seed import NOW, seed_workspace

#: What the export wrote for the seeded workspaces (T1, then T2) before it streamed, held whole in memory.
SEEDED = Path(__file__).parent.parent / "data" / "export" / "seeded.json"
#: A tie's figures, which follow the scoring rules (checked against the engine one tie at a time).
FIGURES = ("score", "strength", "interaction_count", "last_interaction_at")


def exported(uow: UnitOfWork, lines: bool = False, teams: tuple[str, ...] = ("T1", "T2")) -> str:
    buffer = io.StringIO()
    write_export(uow, list(teams), NOW, buffer, lines)
    return buffer.getvalue()


def without_figures(document: dict[str, Any]) -> str:
    """The document as `json.dumps(..., indent=2)` spells it, the ties' figures left out (in place)."""
    for workspace in document["workspaces"]:
        workspace["ties"] = [{k: v for k, v in tie.items() if k not in FIGURES} for tie in workspace["ties"]]
    return json.dumps(document, ensure_ascii=False, indent=2)


@pytest.mark.parametrize("page_size", [3, 2_000])
def test_the_json_document_is_the_one_built_whole_before(
    uow: UnitOfWork, page_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Byte for byte (key order, indentation, list order) what the whole-document export wrote for the same
    data, however the rows are paged; the ties' figures are each the engine's for that tie alone."""
    monkeypatch.setattr(AdminRepository, "page_size", page_size)
    seed_workspace(uow, "T1")
    seed_workspace(uow, "T2", calls=7)
    text = exported(uow)
    document = json.loads(text)
    assert text == json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    assert without_figures(json.loads(text)) == without_figures(json.loads(SEEDED.read_text(encoding="utf-8")))
    for workspace in document["workspaces"]:
        with uow:
            repo = uow.workspace(workspace["workspace"]["team_id"], AdminRepository)
            member_ids = {member.slack_user_id: member.id for member in repo.all_members()}
            for tie in workspace["ties"]:
                pair = (member_ids[tie["member"]], tie["contact"])
                alone = figures(repo, [pair], NOW)[pair]
                assert (tie["score"]["total"], tie["strength"]["value"], tie["strength"]["band"]) == (
                    alone.score.total,
                    round(alone.strength.value, 4),
                    alone.band,
                )
                assert tie["interaction_count"] == alone.interaction_count


def test_json_lines_carry_the_documents_content_one_typed_object_a_line(uow: UnitOfWork) -> None:
    """A `workspace` line, then its members, accounts, contacts, interactions and ties, each line the
    document's item with its `type` first; the next workspace's line follows."""
    seed_workspace(uow, "T1")
    seed_workspace(uow, "T2", calls=7)
    document = json.loads(exported(uow))
    lines = [json.loads(line) for line in exported(uow, lines=True).splitlines()]
    assert all(next(iter(line)) == "type" for line in lines)
    rebuilt: list[dict[str, Any]] = []
    for line in lines:
        kind = line.pop("type")
        if kind == "workspace":
            rebuilt.append({**line, "members": [], "accounts": [], "contacts": [], "interactions": [], "ties": []})
        else:
            rebuilt[-1][kind + "s"].append(line)
    assert rebuilt == document["workspaces"]


def test_an_unknown_workspace_is_refused_and_never_created(uow: UnitOfWork) -> None:
    """Asking for a workspace the database does not hold raises LookupError and writes nothing of it."""
    seed_workspace(uow, "T1", calls=1)
    with pytest.raises(LookupError):
        exported(uow, teams=("T9",))
    assert json.loads(exported(uow, teams=("T1",)))["workspaces"][0]["workspace"]["team_id"] == "T1"


class CountingFile(io.StringIO):
    """A file that counts the writes it is sent and the largest one."""

    writes = 0
    largest = 0

    def write(self, text: str, /) -> int:
        self.writes += 1
        self.largest = max(self.largest, len(text))
        return super().write(text)


def peak_while_exporting(uow: UnitOfWork) -> tuple[int, int]:
    """The export's memory peak (what it wrote thrown away as it came) and how much it wrote."""
    written: list[int] = []

    class Discarding:
        def write(self, text: str, /) -> int:
            written.append(len(text))
            return len(text)

    gc.collect()  # what earlier tests left for the collector is not the export's
    tracemalloc.start()
    try:
        write_export(uow, ["T1"], NOW, Discarding())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, sum(written)


def test_the_export_writes_as_it_reads_in_bounded_memory(uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every item is its own write, none larger than an item; with pages of 10 rows the export's memory
    peak stays well below what it writes, and grows far less than it when the workspace grows."""
    monkeypatch.setattr(AdminRepository, "page_size", 10)
    crowd = [ContactRef(f"Person {n}", f"Company {n % 7}") for n in range(400)]
    seed_workspace(uow, "T1", calls=60, people=crowd)
    counting = CountingFile()
    write_export(uow, ["T1"], NOW, counting)
    document = json.loads(counting.getvalue())["workspaces"][0]
    items = sum(len(document[name]) for name in ("members", "accounts", "contacts", "interactions", "ties"))
    assert counting.writes > items and counting.largest < 4_000
    small_peak, small_size = peak_while_exporting(uow)
    seed_workspace(uow, "T1", calls=180, people=crowd, first=60)
    large_peak, large_size = peak_while_exporting(uow)
    assert large_size > 3 * small_size
    # Held whole, the document would take its text and several times more for its objects; streamed,
    # the peak stays under the text alone, and what grows is a page's inputs, not the workspace.
    assert large_peak < large_size, (large_peak, large_size)
    assert large_peak - small_peak < (large_size - small_size) / 2, (small_peak, large_peak, small_size, large_size)
