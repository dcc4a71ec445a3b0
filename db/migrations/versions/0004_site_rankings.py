"""site rankings import and primary keywords per page

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 19:00:00

Models: ``db/models/rankings.py``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "page_rankings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("crawled_page_id", sa.Uuid(), nullable=True),
        sa.Column("page_url", sa.String(length=2000), nullable=False),
        sa.Column("normalized_url", sa.String(length=2000), nullable=False),
        sa.Column("keyword", sa.String(length=1000), nullable=False),
        sa.Column("position", sa.Float(), nullable=True),
        sa.Column("clicks", sa.Integer(), nullable=True),
        sa.Column("impressions", sa.Integer(), nullable=True),
        sa.Column("estimated_traffic", sa.Float(), nullable=True),
        sa.Column("search_volume", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["crawled_page_id"], ["crawled_pages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "project_id", "source", "normalized_url", "keyword", "date", name="uq_page_rankings_row"
        ),
    )
    with op.batch_alter_table("page_rankings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_page_rankings_project_keyword", ["project_id", "keyword"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_page_rankings_crawled_page_id"), ["crawled_page_id"], unique=False
        )

    op.create_table(
        "page_primary_keywords",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("crawled_page_id", sa.Uuid(), nullable=False),
        sa.Column("keyword", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("is_fallback", sa.Boolean(), nullable=False),
        sa.Column("composite_score", sa.Float(), nullable=True),
        sa.Column("relevance_score", sa.Float(), nullable=True),
        sa.Column("search_volume", sa.Integer(), nullable=True),
        sa.Column("competition", sa.Float(), nullable=True),
        sa.Column("clicks", sa.Integer(), nullable=True),
        sa.Column("impressions", sa.Integer(), nullable=True),
        sa.Column("alternatives", JSON, nullable=False),
        sa.Column("is_priority", sa.Boolean(), nullable=False),
        sa.Column("is_approved", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["crawled_page_id"], ["crawled_pages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("crawled_page_id"),
        sa.UniqueConstraint("project_id", "keyword", name="uq_page_primary_keywords_keyword"),
    )
    with op.batch_alter_table("page_primary_keywords", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_page_primary_keywords_project_id"), ["project_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("page_primary_keywords", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_primary_keywords_project_id"))
    op.drop_table("page_primary_keywords")
    with op.batch_alter_table("page_rankings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_rankings_crawled_page_id"))
        batch_op.drop_index("ix_page_rankings_project_keyword")
    op.drop_table("page_rankings")
