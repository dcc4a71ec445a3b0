"""content: briefs, drafts and their replaced versions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 19:00:00

Models: ``db/models/content.py``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "content_pages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("crawled_page_id", sa.Uuid(), nullable=False),
        sa.Column("cluster_id", sa.Uuid(), nullable=True),
        sa.Column("primary_keyword", sa.String(length=500), nullable=False),
        sa.Column("page_type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("brief", JSON, nullable=False),
        sa.Column("draft", JSON, nullable=False),
        sa.Column("prompt_version", sa.String(length=32), nullable=True),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("wp_post_id", sa.Integer(), nullable=True),
        sa.Column("wp_type", sa.String(length=16), nullable=True),
        sa.Column("wp_url", sa.String(length=2000), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["crawled_page_id"], ["crawled_pages.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cluster_id"], ["keyword_clusters.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("crawled_page_id"),
    )
    with op.batch_alter_table("content_pages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_content_pages_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_content_pages_cluster_id"), ["cluster_id"], unique=False
        )

    op.create_table(
        "content_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("content_page_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("prompt_version", sa.String(length=32), nullable=True),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["content_page_id"], ["content_pages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("content_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_content_versions_content_page_id"), ["content_page_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("content_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_versions_content_page_id"))
    op.drop_table("content_versions")
    with op.batch_alter_table("content_pages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_pages_cluster_id"))
        batch_op.drop_index(batch_op.f("ix_content_pages_project_id"))
    op.drop_table("content_pages")
