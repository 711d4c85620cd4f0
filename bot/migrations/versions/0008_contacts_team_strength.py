"""contacts.team_strength: the strongest visible tie into each contact

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22

Whom the team knows at a company, strongest first, used to take aggregating every tie into the
company's contacts (a sequential scan of `ties` on PostgreSQL for a company of 2,000 people). The
figure is now kept on the contact and indexed with its account; a member's own private ties, which
it leaves out, are found through a small partial index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_strength", sa.Float(), nullable=True))
    op.execute(
        "UPDATE contacts SET team_strength = "
        "(SELECT max(ties.strength) FROM ties WHERE ties.contact_id = contacts.id AND NOT ties.private)"
    )
    op.create_index("ix_contacts_account_team_strength", "contacts", ["account_id", "team_strength", "id"])
    where = sa.text("private")
    op.create_index(
        "ix_ties_private", "ties", ["member_id", "contact_id"], sqlite_where=where, postgresql_where=where
    )


def downgrade() -> None:
    op.drop_index("ix_ties_private", table_name="ties")
    op.drop_index("ix_contacts_account_team_strength", table_name="contacts")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("team_strength")
