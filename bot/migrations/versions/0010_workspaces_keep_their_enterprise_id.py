"""workspaces keep their Enterprise Grid organisation's id beside their team id

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

A workspace is keyed by its team id, always; in an Enterprise Grid organisation, slack_sdk's
installation store finds its bot only by team *and* enterprise id, so scheduled work (which knows
the team alone) failed to find the bot of a Grid workspace. The organisation's id is now kept on
the workspace when the app is installed; workspaces installed before take it from the store's
own table, when it is in this database.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", sa.String(length=32), nullable=True))
    if sa.inspect(op.get_bind()).has_table("slack_bots"):
        op.execute(
            "UPDATE workspaces SET enterprise_id = ("
            "SELECT slack_bots.enterprise_id FROM slack_bots "
            "WHERE slack_bots.team_id = workspaces.slack_team_id AND slack_bots.enterprise_id IS NOT NULL "
            "ORDER BY slack_bots.installed_at DESC LIMIT 1)"
        )


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("enterprise_id")
