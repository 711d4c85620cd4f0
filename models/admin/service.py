"""A workspace's data for its admins: export everything as JSON (streamed), or delete everything on request.

The export's shape is stable and versioned (`format`); see README.md, "Export format".
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from models.admin.export_format import EXPORT_FORMAT, WorkspaceExport, Writable, write_document, write_lines
from models.admin.repository import AdminRepository, InteractionPage, WorkspaceDirectory
from models.core.scoring import TieFigures
from models.db.uow import UnitOfWork
from models.scores.engine import figures
from models.scores.repository import MembersContacts

#: Ties scored per call of the engine: with more, SQLite reads their contacts' histories by scanning
#: every interaction of the database instead of through the contacts' index.
TIES_PER_ROUND = 200


def workspace_teams(uow: UnitOfWork, team_ids: list[str] | None = None) -> list[str]:
    """The Slack team ids of the database's workspaces (or of those named that it holds), in order."""
    with uow:
        return WorkspaceDirectory(uow).team_ids(team_ids)


def write_export(uow: UnitOfWork, team_ids: Sequence[str], now: datetime, out: Writable, lines: bool = False) -> int:
    """Write these workspaces to `out` as they are read: one JSON document (README, "Export format"),
    or JSON Lines when `lines`; returns how many workspaces were written.

    Memory stays that of a page of rows (and of the workspace's members), whatever the workspace's
    size. Each workspace is read in one read-only transaction that sees one snapshot: nothing is
    kept, not even the figures the engine computes for the ties (the nightly rescoring keeps them),
    so an export never holds SQLite's write lock. Raises LookupError for a workspace the database
    does not hold (and never creates it).
    """
    write = write_lines if lines else write_document
    return write(out, _workspaces(uow, team_ids, now))


def export_workspace(uow: UnitOfWork, team_id: str, now: datetime) -> dict[str, Any]:
    """One workspace's part of the JSON document, whole in memory (for a small workspace, or a test)."""
    buffer = io.StringIO()
    write_export(uow, [team_id], now, buffer)
    (workspace,) = json.loads(buffer.getvalue())["workspaces"]
    return dict(workspace)


def _workspaces(uow: UnitOfWork, team_ids: Sequence[str], now: datetime) -> Iterator[WorkspaceExport]:
    """Each workspace with its sections as iterators over its open transaction: the writer reads them
    before it asks for the next workspace."""
    for team_id in team_ids:
        with uow:
            directory = WorkspaceDirectory(uow)
            directory.read_one_snapshot()
            if not directory.holds(team_id):
                raise LookupError(f"no workspace {team_id}")
            repo = uow.workspace(team_id, AdminRepository)
            members = repo.all_members()
            names = {member.id: member.slack_user_id for member in members}
            heading = {
                "format": EXPORT_FORMAT,
                "exported_at": now.isoformat(),
                "workspace": {"team_id": repo.workspace.slack_team_id, "name": repo.workspace.name},
            }
            sections = {
                "members": (
                    {"slack_user_id": m.slack_user_id, "display_name": m.display_name, "time_zone": m.time_zone}
                    for m in members
                ),
                "accounts": ({"id": a.id, "name": a.name} for page in repo.account_pages() for a in page),
                "contacts": _contacts(repo),
                "interactions": _interactions(repo.interaction_pages(), names),
                "ties": _ties(repo, names, now),
            }
            yield WorkspaceExport(heading, sections)


def _contacts(repo: AdminRepository) -> Iterator[dict[str, Any]]:
    for page, tags in repo.contact_pages():
        for c in page:
            yield {
                "id": c.id,
                "name": c.name,
                "email": c.email,
                "account": c.account_id,
                "job_title": c.job_title,
                "responsibilities": c.responsibilities,
                "tags": tags.get(c.id, []),
            }


def _interactions(pages: Iterator[InteractionPage], members: Mapping[int, str]) -> Iterator[dict[str, Any]]:
    for page in pages:
        for i in page.rows:
            yield {
                "id": i.id,
                "member": members[i.member_id],
                "contacts": page.contact_ids.get(i.id, []),
                "colleagues": [members[colleague] for colleague in page.colleague_ids.get(i.id, [])],
                "occurred_at": i.occurred_at.isoformat(),
                "duration_minutes": i.duration_minutes,
                "channel": i.channel,
                "initiator": i.initiator,
                "notes": i.notes,
                "tags": page.tags.get(i.id, []),
                "undone": i.undone_at is not None,
            }


def _ties(repo: AdminRepository, members: Mapping[int, str], now: datetime) -> Iterator[dict[str, Any]]:
    """Every tie of the workspace, scored as the member sees it: a page of ties at a time through the
    engine's bulk path (the same figures as one tie at a time), kept nowhere."""
    # Ties come member by member: what a member knows is read once, and forgotten with their last page
    # (memory follows the largest member, not the workspace).
    known: MembersContacts = {}
    for page in repo.tie_pages(TIES_PER_ROUND):
        on_page = {tie.member_id for tie in page}
        for member_id in set(known) - on_page:
            del known[member_id]
        scored = figures(repo, [(tie.member_id, tie.contact_id) for tie in page], now, known)
        for tie in page:
            yield _tie(tie, members[tie.member_id], scored[(tie.member_id, tie.contact_id)])


def _tie(tie: Any, member: str, report: TieFigures) -> dict[str, Any]:
    return {
        "member": member,
        "contact": tie.contact_id,
        "score": {
            "total": report.score.total,
            "signs": [
                {"number": s.number, "name": s.name, "points": s.points, "known": s.known, "explanation": s.explanation}
                for s in report.score.signs
            ],
            "unknown": list(report.score.unknown),
        },
        "strength": {
            "value": round(report.strength.value, 4),
            "band": report.band,
            "activity": round(report.strength.activity, 4),
            "reciprocity": round(report.strength.reciprocity, 4),
            "seller_view": round(report.strength.seller_view, 4),
            "volume": round(report.strength.volume, 4),
            "regularity": round(report.strength.regularity, 4),
            "spread": round(report.strength.spread, 4),
            "variety": round(report.strength.variety, 4),
        },
        "interaction_count": report.interaction_count,
        "last_interaction_at": _iso(report.last_interaction_at),
        "connected_on": _iso(tie.connected_on),
        "source": tie.source,
        "private": tie.private,
    }


def record_installation(uow: UnitOfWork, team_id: str, enterprise_id: str | None, name: str = "") -> None:
    """The app was installed in this workspace: keep its Enterprise Grid organisation beside its team id."""
    with uow:
        uow.workspace(team_id, AdminRepository).record_installation(enterprise_id, name)
        uow.commit()


def enterprise_of(uow: UnitOfWork, team_id: str) -> str | None:
    """The Enterprise Grid organisation a workspace was installed from, if it is in one (and known)."""
    with uow:
        return WorkspaceDirectory(uow).enterprise_of(team_id)


def delete_workspace(uow: UnitOfWork, team_id: str) -> bool:
    """Remove every row of the workspace (the database cascades to all its data); False if unknown."""
    with uow:
        deleted = WorkspaceDirectory(uow).delete(team_id)
        uow.commit()
        return deleted


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
