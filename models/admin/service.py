"""A workspace's data for its admins: export everything as JSON, or delete everything on request.

The export's shape is stable and versioned (`format`); see README.md, "Export format".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from models.admin.repository import AdminRepository, WorkspaceDirectory
from models.db.orm import Contact, Interaction, Member, Tie
from models.db.uow import UnitOfWork
from models.scores.engine import TieReport, report_of, rescore

EXPORT_FORMAT = "rapport-export/1"


def workspace_teams(uow: UnitOfWork, team_ids: list[str] | None = None) -> list[str]:
    """The Slack team ids of the database's workspaces (or of those named that it holds), in order."""
    with uow:
        return WorkspaceDirectory(uow).team_ids(team_ids)


def export_workspace(uow: UnitOfWork, team_id: str, now: datetime) -> dict[str, Any]:
    """Members, accounts, contacts, interactions (notes included), and every tie with its score and strength.

    Raises LookupError for a workspace the database does not hold (and never creates it).
    """
    with uow:
        if not WorkspaceDirectory(uow).holds(team_id):
            raise LookupError(f"no workspace {team_id}")
        repo = uow.workspace(team_id, AdminRepository)
        members = {member.id: member for member in repo.all_members()}
        contacts = repo.all_contacts()
        return {
            "format": EXPORT_FORMAT,
            "exported_at": now.isoformat(),
            "workspace": {"team_id": repo.workspace.slack_team_id, "name": repo.workspace.name},
            "members": [
                {"slack_user_id": m.slack_user_id, "display_name": m.display_name, "time_zone": m.time_zone}
                for m in members.values()
            ],
            "accounts": [{"id": a.id, "name": a.name} for a in repo.all_accounts()],
            "contacts": _contacts(contacts, repo.all_contact_tags()),
            "interactions": _interactions(repo.all_interactions(), repo.all_interaction_tags(), members),
            "ties": _ties(repo, members, contacts, now),
        }


def _contacts(contacts: Sequence[Contact], tags: Mapping[int, list[str]]) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "name": c.name,
            "email": c.email,
            "account": c.account_id,
            "job_title": c.job_title,
            "responsibilities": c.responsibilities,
            "tags": tags.get(c.id, []),
        }
        for c in contacts
    ]


def _interactions(
    interactions: Sequence[Interaction], tags: Mapping[int, list[str]], members: Mapping[int, Member]
) -> list[dict[str, Any]]:
    return [
        {
            "id": i.id,
            "member": members[i.member_id].slack_user_id,
            "contacts": [c.id for c in i.contacts],
            "colleagues": [m.slack_user_id for m in i.colleagues],
            "occurred_at": i.occurred_at.isoformat(),
            "duration_minutes": i.duration_minutes,
            "channel": i.channel,
            "initiator": i.initiator,
            "notes": i.notes,
            "tags": tags.get(i.id, []),
            "undone": i.undone_at is not None,
        }
        for i in interactions
    ]


def _ties(
    repo: AdminRepository, members: Mapping[int, Member], contacts: Sequence[Contact], now: datetime
) -> list[dict[str, Any]]:
    """Every tie of the workspace, scored as the member sees it."""
    by_id = {c.id: c for c in contacts}
    ties = []
    for tie in repo.all_ties():
        pair = (tie.member_id, tie.contact_id)
        report = report_of(by_id[tie.contact_id], rescore(repo, [pair], now)[pair])
        ties.append(_tie(tie, members[tie.member_id], report))
    return ties


def _tie(tie: Tie, member: Member, report: TieReport) -> dict[str, Any]:
    return {
        "member": member.slack_user_id,
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
