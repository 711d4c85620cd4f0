"""nudges: member settings, cadences, memory, outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "cadence_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_cadence_rules_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_cadence_rules_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadence_rules")),
        sa.UniqueConstraint("member_id", "tag", name=op.f("uq_cadence_rules_member_id_tag")),
    )
    with op.batch_alter_table("cadence_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cadence_rules_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("dedupe_key", sa.String(length=160), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_outbox_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_outbox_workspace_id_workspaces"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint(
            "workspace_id",
            "member_id",
            "kind",
            "dedupe_key",
            name=op.f("uq_outbox_workspace_id_member_id_kind_dedupe_key"),
        ),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status", ["status", "not_before"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "nudge_memory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("times_sent", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("muted", sa.Boolean(), nullable=False),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_nudge_memory_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_nudge_memory_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_nudge_memory_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge_memory")),
        sa.UniqueConstraint("member_id", "contact_id", "kind", name=op.f("uq_nudge_memory_member_id_contact_id_kind")),
    )
    with op.batch_alter_table("nudge_memory", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nudge_memory_workspace_id"), ["workspace_id"], unique=False)

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nudge_frequency", sa.String(length=8), server_default="daily", nullable=False))
        batch_op.add_column(sa.Column("nudge_time", sa.String(length=5), server_default="09:00", nullable=False))
        batch_op.add_column(
            sa.Column("nudge_days", sa.String(length=32), server_default="mon,tue,wed,thu,fri", nullable=False)
        )
        batch_op.add_column(sa.Column("dm_channel_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("tips_week", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("unreachable_reason", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("unreachable_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("ties", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cadence_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("overlap_share", sa.Float(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("ties", schema=None) as batch_op:
        batch_op.drop_column("overlap_share")
        batch_op.drop_column("cadence_days")

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("unreachable_at")
        batch_op.drop_column("unreachable_reason")
        batch_op.drop_column("tips_week")
        batch_op.drop_column("dm_channel_id")
        batch_op.drop_column("nudge_days")
        batch_op.drop_column("nudge_time")
        batch_op.drop_column("nudge_frequency")

    with op.batch_alter_table("nudge_memory", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nudge_memory_workspace_id"))

    op.drop_table("nudge_memory")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_workspace_id"))
        batch_op.drop_index("ix_outbox_status")

    op.drop_table("outbox")
    with op.batch_alter_table("cadence_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cadence_rules_workspace_id"))

    op.drop_table("cadence_rules")
