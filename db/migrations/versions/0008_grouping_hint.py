"""grouping hint: an imported Parent Keyword / Parent Topic / cluster column per keyword

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 19:20:00

Model: ``db/models/core.py`` (KeywordMetric.grouping_hint). Issue 12: keyword-list
clustering may start keywords that share the hint in one cluster (off by default).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("keyword_metrics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grouping_hint", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("keyword_metrics", schema=None) as batch_op:
        batch_op.drop_column("grouping_hint")
