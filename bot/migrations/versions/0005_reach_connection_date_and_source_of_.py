"""reach: connection date and source of ties, contact phone and profile

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("profile_url", sa.String(length=500), nullable=True))

    with op.batch_alter_table("ties", schema=None) as batch_op:
        batch_op.add_column(sa.Column("connected_on", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=16), server_default="slack", nullable=False))


def downgrade() -> None:

    with op.batch_alter_table("ties", schema=None) as batch_op:
        batch_op.drop_column("source")
        batch_op.drop_column("connected_on")

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("profile_url")
        batch_op.drop_column("phone")
