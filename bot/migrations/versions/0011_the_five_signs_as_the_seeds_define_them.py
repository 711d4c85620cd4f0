"""the five signs as the seeds define them: every tie is scored again

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

Sign 1 no longer counts a title on the contact's record (LinkedIn, a calendar, a teammate) as the
seller knowing it, sign 4 no longer counts everyone at the contact's company as their network, and
sign 5 is regular only from meetings and calls and balanced only when enough is known: every kept
score changed. Ties gain `signs_known` (how many signs are known, for the weekly tips) and contacts
`job_title_source` (where a title came from, shown as a hint).

Why not rescore here: a migration that ran today's engine would break once a later revision adds a
column the engine reads. Instead the new `signs_known` is left NULL on every scored tie, which marks
its figures as kept under older rules; `bot.db.migrate`, once the schema is at head (where the code
and the schema agree), rescores every workspace holding such ties (`scores.engine.rescore_stale`).
A later rule change asks for the same by setting `signs_known` to NULL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ties", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signs_known", sa.Integer(), nullable=True))
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("job_title_source", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("job_title_source")
    with op.batch_alter_table("ties", schema=None) as batch_op:
        batch_op.drop_column("signs_known")
