"""keyword status before a clustering run, so an interrupted run gives each keyword its own back

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 20:05:00

Model: ``db/models/core.py`` (KeywordMetric.status_before). Issue 11 §1: keywords of an
interrupted or cancelled run are released to their previous status (qualified or failed).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("keyword_metrics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_before", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("keyword_metrics", schema=None) as batch_op:
        batch_op.drop_column("status_before")
