"""the foundation schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slack_team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
        sa.UniqueConstraint("slack_team_id", name=op.f("uq_workspaces_slack_team_id")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("name_key", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_accounts_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("workspace_id", "name_key", name=op.f("uq_accounts_workspace_id_name_key")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("profile_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_members_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint(
            "workspace_id",
            "slack_user_id",
            name=op.f("uq_members_workspace_id_slack_user_id"),
        ),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_members_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("name_key", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("job_title", sa.String(length=255), nullable=True),
        sa.Column("responsibilities", sa.Text(), nullable=True),
        sa.Column("created_by_member_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_contacts_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_member_id"],
            ["members.id"],
            name=op.f("fk_contacts_created_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_contacts_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_workspace_id"), ["workspace_id"], unique=False)
        batch_op.create_index("ix_contacts_workspace_name_key", ["workspace_id", "name_key"], unique=False)

    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("request_key", sa.String(length=128), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_given", sa.Boolean(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("initiator", sa.String(length=8), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_interactions_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_interactions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
        sa.UniqueConstraint(
            "workspace_id",
            "request_key",
            name=op.f("uq_interactions_workspace_id_request_key"),
        ),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_interactions_member_occurred",
            ["member_id", "occurred_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_interactions_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "pending_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("request_key", sa.String(length=128), nullable=False),
        sa.Column("command_json", sa.Text(), nullable=False),
        sa.Column("choices_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_pending_logs_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_pending_logs_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_logs")),
        sa.UniqueConstraint(
            "workspace_id",
            "request_key",
            name=op.f("uq_pending_logs_workspace_id_request_key"),
        ),
    )
    with op.batch_alter_table("pending_logs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_logs_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "contact_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("contact_a_id", sa.Integer(), nullable=False),
        sa.Column("contact_b_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("contact_a_id < contact_b_id", name=op.f("ck_contact_links_ordered_pair")),
        sa.ForeignKeyConstraint(
            ["contact_a_id"],
            ["contacts.id"],
            name=op.f("fk_contact_links_contact_a_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_b_id"],
            ["contacts.id"],
            name=op.f("fk_contact_links_contact_b_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_contact_links_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_links")),
        sa.UniqueConstraint(
            "contact_a_id",
            "contact_b_id",
            "kind",
            name=op.f("uq_contact_links_contact_a_id_contact_b_id_kind"),
        ),
    )
    with op.batch_alter_table("contact_links", schema=None) as batch_op:
        batch_op.create_index("ix_contact_links_b", ["contact_b_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_links_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "contact_tags",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_tags_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_id", "tag", name=op.f("pk_contact_tags")),
    )
    op.create_table(
        "interaction_colleagues",
        sa.Column("interaction_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_interaction_colleagues_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_interaction_colleagues_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("interaction_id", "member_id", name=op.f("pk_interaction_colleagues")),
    )
    op.create_table(
        "interaction_contacts",
        sa.Column("interaction_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_interaction_contacts_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_interaction_contacts_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("interaction_id", "contact_id", name=op.f("pk_interaction_contacts")),
    )
    with op.batch_alter_table("interaction_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interaction_contacts_contact_id"),
            ["contact_id"],
            unique=False,
        )

    op.create_table(
        "interaction_tags",
        sa.Column("interaction_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_interaction_tags_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("interaction_id", "tag", name=op.f("pk_interaction_tags")),
    )
    op.create_table(
        "ties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("knows_job_title", sa.Boolean(), nullable=True),
        sa.Column("knows_responsibilities", sa.Boolean(), nullable=True),
        sa.Column("appreciation", sa.String(length=16), nullable=True),
        sa.Column("friendship", sa.String(length=16), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("score_total", sa.Integer(), nullable=True),
        sa.Column("strength", sa.Float(), nullable=False),
        sa.Column("last_interaction_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("interaction_count", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_ties_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_ties_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_ties_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ties")),
        sa.UniqueConstraint("member_id", "contact_id", name=op.f("uq_ties_member_id_contact_id")),
    )
    with op.batch_alter_table("ties", schema=None) as batch_op:
        batch_op.create_index("ix_ties_workspace_contact", ["workspace_id", "contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ties_workspace_id"), ["workspace_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("ties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ties_workspace_id"))
        batch_op.drop_index("ix_ties_workspace_contact")

    op.drop_table("ties")
    op.drop_table("interaction_tags")
    with op.batch_alter_table("interaction_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interaction_contacts_contact_id"))

    op.drop_table("interaction_contacts")
    op.drop_table("interaction_colleagues")
    op.drop_table("contact_tags")
    with op.batch_alter_table("contact_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_links_workspace_id"))
        batch_op.drop_index("ix_contact_links_b")

    op.drop_table("contact_links")
    with op.batch_alter_table("pending_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_logs_workspace_id"))

    op.drop_table("pending_logs")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interactions_workspace_id"))
        batch_op.drop_index("ix_interactions_member_occurred")

    op.drop_table("interactions")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_workspace_name_key")
        batch_op.drop_index(batch_op.f("ix_contacts_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_contacts_account_id"))

    op.drop_table("contacts")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_workspace_id"))

    op.drop_table("members")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_workspace_id"))

    op.drop_table("accounts")
    op.drop_table("workspaces")
