"""covering indexes for /whoknows: names per kind, ties by contact, colleagues by member

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

`ix_name_index_lookup (workspace_id, variant)` served contacts and companies alike and sent every
hit back to the table for its id. Two partial covering indexes replace it: a lookup of a typed
person's name reads only contacts' keys and ids, a company's only accounts'. Ties get one covering
`(contact_id, strength, private, member_id)`: the team's ties into a company of 2,000 contacts are
ranked from the index alone. Interactions a member joined as a colleague are found by member.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for name, column in (("ix_name_index_contacts", "contact_id"), ("ix_name_index_accounts", "account_id")):
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            name,
            "name_index",
            ["workspace_id", "variant", column],
            unique=False,
            sqlite_where=where,
            postgresql_where=where,
        )
    op.drop_index("ix_name_index_lookup", table_name="name_index")
    op.create_index("ix_ties_contact_strength", "ties", ["contact_id", "strength", "private", "member_id"])
    op.create_index("ix_interaction_colleagues_member", "interaction_colleagues", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_interaction_colleagues_member", table_name="interaction_colleagues")
    op.drop_index("ix_ties_contact_strength", table_name="ties")
    op.create_index("ix_name_index_lookup", "name_index", ["workspace_id", "variant"], unique=False)
    op.drop_index("ix_name_index_accounts", table_name="name_index")
    op.drop_index("ix_name_index_contacts", table_name="name_index")
