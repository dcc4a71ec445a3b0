"""jobs: heartbeat, lease owner, one active job per kind; budget holds: running spend

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 19:00:00

Models: ``db/models/core.py`` (``Job``, ``BudgetReservation``); issue 11 items 1-2.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("worker", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("active_key", sa.String(length=200), nullable=True))
        batch_op.create_index("ix_jobs_active_key", ["active_key"], unique=True)
        batch_op.create_index("ix_jobs_status", ["status"], unique=False)
    with op.batch_alter_table("budget_reservations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("spent_usd", sa.Float(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("budget_reservations", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("spent_usd")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_status")
        batch_op.drop_index("ix_jobs_active_key")
        batch_op.drop_column("active_key")
        batch_op.drop_column("worker")
        batch_op.drop_column("heartbeat_at")
