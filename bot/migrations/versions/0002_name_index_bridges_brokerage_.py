"""name index, bridges, brokerage, introductions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "member_brokerage",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("degree", sa.Integer(), nullable=False),
        sa.Column("effective_size", sa.Float(), nullable=False),
        sa.Column("constraint", sa.Float(), nullable=True),
        sa.Column("bridges", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_member_brokerage_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_member_brokerage_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_brokerage")),
    )
    with op.batch_alter_table("member_brokerage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_brokerage_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "introductions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("request_key", sa.String(length=128), nullable=False),
        sa.Column("asker_member_id", sa.Integer(), nullable=False),
        sa.Column("intermediary_member_id", sa.Integer(), nullable=True),
        sa.Column("intermediary_contact_id", sa.Integer(), nullable=True),
        sa.Column("target_contact_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["asker_member_id"],
            ["members.id"],
            name=op.f("fk_introductions_asker_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["intermediary_contact_id"],
            ["contacts.id"],
            name=op.f("fk_introductions_intermediary_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["intermediary_member_id"],
            ["members.id"],
            name=op.f("fk_introductions_intermediary_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_contact_id"],
            ["contacts.id"],
            name=op.f("fk_introductions_target_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_introductions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_introductions")),
        sa.UniqueConstraint("workspace_id", "request_key", name=op.f("uq_introductions_workspace_id_request_key")),
    )
    with op.batch_alter_table("introductions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_introductions_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "name_index",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_name_index_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_name_index_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_name_index_workspace_id_workspaces"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_name_index")),
    )
    with op.batch_alter_table("name_index", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_name_index_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_name_index_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index("ix_name_index_lookup", ["workspace_id", "variant"], unique=False)

    with op.batch_alter_table("contact_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bridge", sa.String(length=16), nullable=True))

    with op.batch_alter_table("ties", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bridge", sa.String(length=16), nullable=True))
    _index_existing_names()


def _index_existing_names() -> None:
    """Make the contacts and accounts recorded before this migration findable through the index."""
    from models.core.names import name_variants  # the same keys the app writes

    connection = op.get_bind()
    index = sa.table(
        "name_index",
        sa.column("workspace_id", sa.Integer),
        sa.column("variant", sa.String),
        sa.column("contact_id", sa.Integer),
        sa.column("account_id", sa.Integer),
    )
    rows = []
    for workspace_id, contact_id, name in connection.execute(sa.text("SELECT workspace_id, id, name FROM contacts")):
        rows += [
            {"workspace_id": workspace_id, "variant": v, "contact_id": contact_id, "account_id": None}
            for v in name_variants(name)
        ]
    for workspace_id, account_id, name in connection.execute(sa.text("SELECT workspace_id, id, name FROM accounts")):
        rows += [
            {"workspace_id": workspace_id, "variant": v, "contact_id": None, "account_id": account_id}
            for v in name_variants(name)
        ]
    if rows:
        op.bulk_insert(index, rows)


def downgrade() -> None:

    with op.batch_alter_table("ties", schema=None) as batch_op:
        batch_op.drop_column("bridge")

    with op.batch_alter_table("contact_links", schema=None) as batch_op:
        batch_op.drop_column("bridge")

    with op.batch_alter_table("name_index", schema=None) as batch_op:
        batch_op.drop_index("ix_name_index_lookup")
        batch_op.drop_index(batch_op.f("ix_name_index_contact_id"))
        batch_op.drop_index(batch_op.f("ix_name_index_account_id"))

    op.drop_table("name_index")
    with op.batch_alter_table("introductions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_introductions_workspace_id"))

    op.drop_table("introductions")
    with op.batch_alter_table("member_brokerage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_brokerage_workspace_id"))

    op.drop_table("member_brokerage")
