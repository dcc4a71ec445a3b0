"""seed trust: site type, URL pattern, score weights, archiving; page type, source, score parts

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 19:00:00

Models: ``db/models/core.py`` (Project: site_type, url_pattern, score_weights, archived_at)
and ``db/models/seed_clusters.py`` (KeywordCluster.archived_at; ClusterPage: page_type,
source, relevance, score_parts, slug_edited, covered_by). Issue 8.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("site_type", sa.String(length=20), nullable=False, server_default="shopify")
        )
        batch_op.add_column(sa.Column("url_pattern", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("score_weights", JSON, nullable=True))
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("keyword_clusters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("cluster_pages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("page_type", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("relevance", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("score_parts", JSON, nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(
            sa.Column("slug_edited", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("covered_by", sa.String(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cluster_pages", schema=None) as batch_op:
        for name in (
            "covered_by",
            "slug_edited",
            "score_parts",
            "relevance",
            "source",
            "page_type",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("keyword_clusters", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        for name in ("archived_at", "score_weights", "url_pattern", "site_type"):
            batch_op.drop_column(name)
