"""A workspace's data for its admins: export everything as JSON, or delete everything on request.

The export's shape is stable and versioned (`format`); see README.md, "Export format".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from models.db.orm import (
    Account,
    Contact,
    Interaction,
    Member,
    Tie,
    Workspace,
    contact_tags,
    interaction_tags,
)
from models.db.repository import get_or_create_workspace
from models.db.uow import UnitOfWork
from models.scores.engine import report_of, rescore
from models.scores.repository import ScoreRepository

EXPORT_FORMAT = "rapport-export/1"


def workspace_teams(uow: UnitOfWork, team_ids: list[str] | None = None) -> list[str]:
    with uow:
        query = select(Workspace.slack_team_id).order_by(Workspace.slack_team_id)
        if team_ids:
            query = query.where(Workspace.slack_team_id.in_(team_ids))
        return list(uow.session.scalars(query))


def export_workspace(uow: UnitOfWork, team_id: str, now: datetime) -> dict[str, Any]:
    """Members, accounts, contacts, interactions (notes included), and every tie with its score and strength."""
    with uow:
        session = uow.session
        workspace = session.scalar(select(Workspace).where(Workspace.slack_team_id == team_id))
        if workspace is None:
            raise LookupError(f"no workspace {team_id}")
        repo = ScoreRepository(session, workspace)
        members = {
            m.id: m
            for m in session.scalars(select(Member).where(Member.workspace_id == workspace.id).order_by(Member.id))
        }
        accounts = {a.id: a for a in session.scalars(select(Account).where(Account.workspace_id == workspace.id))}
        contacts = list(
            session.scalars(select(Contact).where(Contact.workspace_id == workspace.id).order_by(Contact.id))
        )
        tags: dict[int, list[str]] = {}
        for contact_id, tag in session.execute(
            select(contact_tags.c.contact_id, contact_tags.c.tag)
            .join(Contact, Contact.id == contact_tags.c.contact_id)
            .where(Contact.workspace_id == workspace.id)
        ):
            tags.setdefault(contact_id, []).append(tag)
        interactions = list(
            session.scalars(
                select(Interaction).where(Interaction.workspace_id == workspace.id).order_by(Interaction.id)
            )
        )
        interaction_tag_rows: dict[int, list[str]] = {}
        for interaction_id, tag in session.execute(
            select(interaction_tags.c.interaction_id, interaction_tags.c.tag)
            .join(Interaction, Interaction.id == interaction_tags.c.interaction_id)
            .where(Interaction.workspace_id == workspace.id)
        ):
            interaction_tag_rows.setdefault(interaction_id, []).append(tag)
        by_id = {c.id: c for c in contacts}
        ties = []
        for tie in session.scalars(
            select(Tie).where(Tie.workspace_id == workspace.id).order_by(Tie.member_id, Tie.contact_id)
        ):
            pair = (tie.member_id, tie.contact_id)
            report = report_of(by_id[tie.contact_id], rescore(repo, [pair], now)[pair])
            ties.append(
                {
                    "member": members[tie.member_id].slack_user_id,
                    "contact": tie.contact_id,
                    "score": {
                        "total": report.score.total,
                        "signs": [
                            {
                                "number": s.number,
                                "name": s.name,
                                "points": s.points,
                                "known": s.known,
                                "explanation": s.explanation,
                            }
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
                    },
                    "interaction_count": report.interaction_count,
                    "last_interaction_at": _iso(report.last_interaction_at),
                    "connected_on": _iso(tie.connected_on),
                    "source": tie.source,
                    "private": tie.private,
                }
            )
        return {
            "format": EXPORT_FORMAT,
            "exported_at": now.isoformat(),
            "workspace": {"team_id": workspace.slack_team_id, "name": workspace.name},
            "members": [
                {"slack_user_id": m.slack_user_id, "display_name": m.display_name, "time_zone": m.time_zone}
                for m in members.values()
            ],
            "accounts": [{"id": a.id, "name": a.name} for a in sorted(accounts.values(), key=lambda a: a.id)],
            "contacts": [
                {
                    "id": c.id,
                    "name": c.name,
                    "email": c.email,
                    "account": c.account_id,
                    "job_title": c.job_title,
                    "responsibilities": c.responsibilities,
                    "tags": sorted(tags.get(c.id, [])),
                }
                for c in contacts
            ],
            "interactions": [
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
                    "tags": sorted(interaction_tag_rows.get(i.id, [])),
                    "undone": i.undone_at is not None,
                }
                for i in interactions
            ],
            "ties": ties,
        }


def record_installation(uow: UnitOfWork, team_id: str, enterprise_id: str | None, name: str = "") -> None:
    """The app was installed in this workspace: keep its Enterprise Grid organisation beside its team id."""
    with uow:
        workspace = get_or_create_workspace(uow.session, team_id, name)
        workspace.enterprise_id = enterprise_id
        if name and not workspace.name:
            workspace.name = name
        uow.commit()


def enterprise_of(uow: UnitOfWork, team_id: str) -> str | None:
    """The Enterprise Grid organisation a workspace was installed from, if it is in one (and known)."""
    with uow:
        return uow.session.scalar(select(Workspace.enterprise_id).where(Workspace.slack_team_id == team_id))


def delete_workspace(uow: UnitOfWork, team_id: str) -> bool:
    """Remove every row of the workspace (the database cascades to all its data); False if unknown."""
    with uow:
        workspace_id = uow.session.scalar(select(Workspace.id).where(Workspace.slack_team_id == team_id))
        if workspace_id is None:
            return False
        uow.session.execute(delete(Workspace).where(Workspace.id == workspace_id))
        uow.commit()
        return True


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
