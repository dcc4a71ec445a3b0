"""list cluster members record which evidence of the data merged them

Revision ID: 0010_lists
Revises: 0009
Create Date: 2026-12-04 23:00:00

Model: ``db/models/keyword_lists.py`` (ListClusterMember.evidence). Issue 16 §1: list
clustering uses the Parent Keyword / ranking URL / cached SERPs by default and records per
merge which evidence decided it ("merged: same Parent Keyword").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_lists"
down_revision: str | None = "0009"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("list_cluster_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("list_cluster_members", schema=None) as batch_op:
        batch_op.drop_column("evidence")
