"""The network's structure, computed on a schedule: bridges, local bridges and each member's brokerage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from time import perf_counter

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
from models.db.uow import UnitOfWork
from models.network.repository import StructureRepository


@dataclass(frozen=True)
class StructureReport:
    """What one computation found, and how long it took."""

    workspace_id: int
    nodes: int
    edges: int
    bridges: int
    local_bridges: int
    seconds: float


def workspace_ids(uow: UnitOfWork, slack_team_ids: list[str] | None = None) -> list[int]:
    """The workspaces to recompute: all of them, or those of these Slack team ids."""
    with uow:
        return StructureRepository.workspace_ids(uow, slack_team_ids)


def refresh_structure(uow: UnitOfWork, workspace_id: int, now: datetime) -> StructureReport:
    """Recompute one workspace's bridges and brokerage from the graph teammates may see, and store them.

    Runs off the request path (a scheduled job or `rapport network`): `/whoknows` only reads the
    stored flags. A private tie is no part of the graph: it changes no flag or position others see
    (and carries no flag itself).
    """
    started = perf_counter()
    with uow:
        repo = StructureRepository(uow, workspace_id)
        # Private ties stay out: the flags and positions computed here are shown to teammates.
        ties = repo.visible_ties()
        links = repo.links()
        accounts = repo.accounts_of_contacts()

    graph = build_team_graph(
        ((m, c, s) for _, m, c, s in ties),
        ((a, b, link_strength(kind, n)) for _, a, b, n, kind in links),
        accounts,
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
        repo = StructureRepository(uow, workspace_id)
        repo.store_flags(tie_flags, link_flags)
        repo.store_brokerage({m: positions[member_node(m)] for m in members}, bridges_per_member, now)
        uow.commit()
    return StructureReport(
        workspace_id=workspace_id,
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        bridges=len(tie_flags[BRIDGE]) + len(link_flags[BRIDGE]),
        local_bridges=len(tie_flags[LOCAL_BRIDGE]) + len(link_flags[LOCAL_BRIDGE]),
        seconds=perf_counter() - started,
    )
