"""The network's structure, computed on a schedule: bridges, local bridges and each member's brokerage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from time import perf_counter

from sqlalchemy import delete, select, update

from models.core.graph import (
    BRIDGE,
    LOCAL_BRIDGE,
    brokerage,
    build_team_graph,
    contact_node,
    find_bridges,
    link_strength,
    member_node,
)
from models.db.orm import Contact, ContactLink, MemberBrokerage, Tie, Workspace
from models.db.repository import refresh_team_strength
from models.db.uow import UnitOfWork

UPDATE_CHUNK = 5000


@dataclass(frozen=True)
class StructureReport:
    workspace_id: int
    nodes: int
    edges: int
    bridges: int
    local_bridges: int
    seconds: float


def workspace_ids(uow: UnitOfWork, slack_team_ids: list[str] | None = None) -> list[int]:
    """The workspaces to recompute: all of them, or those of these Slack team ids."""
    with uow:
        query = select(Workspace.id).order_by(Workspace.id)
        if slack_team_ids:
            query = query.where(Workspace.slack_team_id.in_(slack_team_ids))
        return list(uow.session.scalars(query))


def refresh_structure(uow: UnitOfWork, workspace_id: int, now: datetime) -> StructureReport:
    """Recompute one workspace's bridges and brokerage from the graph teammates may see, and store them.

    Runs off the request path (a scheduled job or `rapport network`): `/whoknows` only reads the
    stored flags. A private tie is no part of the graph: it changes no flag or position others see
    (and carries no flag itself).
    """
    started = perf_counter()
    with uow:
        session = uow.session
        # Private ties stay out: the flags and positions computed here are shown to teammates.
        ties = session.execute(
            select(Tie.id, Tie.member_id, Tie.contact_id, Tie.strength).where(
                Tie.workspace_id == workspace_id, Tie.private.is_(False)
            )
        ).all()
        links = session.execute(
            select(
                ContactLink.id,
                ContactLink.contact_a_id,
                ContactLink.contact_b_id,
                ContactLink.occurrences,
                ContactLink.kind,
            ).where(ContactLink.workspace_id == workspace_id)
        ).all()
        accounts = session.execute(
            select(Contact.id, Contact.account_id).where(
                Contact.workspace_id == workspace_id, Contact.account_id.is_not(None)
            )
        ).all()

    graph = build_team_graph(
        ((m, c, s) for _, m, c, s in ties),
        ((a, b, link_strength(kind, n)) for _, a, b, n, kind in links),
        ((c, a) for c, a in accounts if a is not None),
    )
    flags = find_bridges(graph)
    tie_flags: dict[str, list[int]] = {BRIDGE: [], LOCAL_BRIDGE: []}
    bridges_per_member: dict[int, int] = {}
    for tie_id, member_id, contact_id, _ in ties:
        flag = flags.get(frozenset((member_node(member_id), contact_node(contact_id))))
        if flag:
            tie_flags[flag].append(tie_id)
            bridges_per_member[member_id] = bridges_per_member.get(member_id, 0) + 1
    link_flags: dict[str, list[int]] = {BRIDGE: [], LOCAL_BRIDGE: []}
    for link_id, a, b, _, _ in links:
        flag = flags.get(frozenset((contact_node(a), contact_node(b))))
        if flag:
            link_flags[flag].append(link_id)
    members = sorted({m for _, m, _, _ in ties})
    positions = brokerage(graph, [member_node(m) for m in members])

    with uow:
        session = uow.session
        session.execute(update(Tie).where(Tie.workspace_id == workspace_id).values(bridge=None))
        session.execute(update(ContactLink).where(ContactLink.workspace_id == workspace_id).values(bridge=None))
        for flag, ids in tie_flags.items():
            for start in range(0, len(ids), UPDATE_CHUNK):
                session.execute(update(Tie).where(Tie.id.in_(ids[start : start + UPDATE_CHUNK])).values(bridge=flag))
        for flag, ids in link_flags.items():
            for start in range(0, len(ids), UPDATE_CHUNK):
                chunk = ids[start : start + UPDATE_CHUNK]
                session.execute(update(ContactLink).where(ContactLink.id.in_(chunk)).values(bridge=flag))
        # A backstop for `contacts.team_strength` (kept up to date wherever a tie changes).
        refresh_team_strength(session, None, workspace_id=workspace_id)
        session.execute(delete(MemberBrokerage).where(MemberBrokerage.workspace_id == workspace_id))
        session.add_all(
            MemberBrokerage(
                member_id=member_id,
                workspace_id=workspace_id,
                degree=positions[member_node(member_id)].degree,
                effective_size=positions[member_node(member_id)].effective_size,
                constraint=positions[member_node(member_id)].constraint,
                bridges=bridges_per_member.get(member_id, 0),
                computed_at=now,
            )
            for member_id in members
        )
        uow.commit()
    bridge_count = len(tie_flags[BRIDGE]) + len(link_flags[BRIDGE])
    local_count = len(tie_flags[LOCAL_BRIDGE]) + len(link_flags[LOCAL_BRIDGE])
    return StructureReport(
        workspace_id=workspace_id,
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        bridges=bridge_count,
        local_bridges=local_count,
        seconds=perf_counter() - started,
    )
