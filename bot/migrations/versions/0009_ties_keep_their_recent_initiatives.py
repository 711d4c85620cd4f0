"""ties keep their recent initiatives (sign 5's balance) for the nudge sweep

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22

The sweep used to rank every member's interactions of the past year by contact (a window query,
a third of a digest's time). Each tie now keeps the counts as of its last scoring and until when
they hold. Existing ties start without them (`initiatives_as_of` empty): the first sweep computes
theirs in SQL and keeps them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ties", schema=None) as batch_op:
        batch_op.add_column(sa.Column("initiated_by_me", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("initiated_by_them", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("initiatives_as_of", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("initiatives_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ties", schema=None) as batch_op:
        batch_op.drop_column("initiatives_until")
        batch_op.drop_column("initiatives_as_of")
        batch_op.drop_column("initiated_by_them")
        batch_op.drop_column("initiated_by_me")
