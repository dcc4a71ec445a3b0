"""site crawl: crawl columns on crawled_pages, crawl runs, internal links

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 19:00:00

Models: ``db/models/site.py`` (CrawlRun, CrawlLink) and the crawl columns of
``db/models/core.py`` (CrawledPage).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("crawled_pages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("http_status", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("final_url", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("canonical_url", sa.String(length=2000), nullable=True))
        batch_op.add_column(
            sa.Column("noindex", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("meta_description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("h1", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("word_count", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("crawl_depth", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("discovered_via", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("last_crawl_run_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("gone_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("crawl_meta", JSON, nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.create_index(
            batch_op.f("ix_crawled_pages_last_crawl_run_id"), ["last_crawl_run_id"], unique=False
        )

    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("start_url", sa.String(length=2000), nullable=False),
        sa.Column("limits", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pages_fetched", sa.Integer(), nullable=False),
        sa.Column("skipped", JSON, nullable=False),
        sa.Column("stats", JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crawl_runs_project_id"), ["project_id"], unique=False)

    op.create_table(
        "crawl_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("source_page_id", sa.Uuid(), nullable=False),
        sa.Column("target_url", sa.String(length=2000), nullable=False),
        sa.Column("target_normalized", sa.String(length=2000), nullable=False),
        sa.Column("anchor_text", sa.String(length=1000), nullable=False),
        sa.Column("nofollow", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_page_id"], ["crawled_pages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("crawl_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_crawl_links_source_page_id"), ["source_page_id"], unique=False
        )
        batch_op.create_index(
            "ix_crawl_links_project_target", ["project_id", "target_normalized"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("crawl_links", schema=None) as batch_op:
        batch_op.drop_index("ix_crawl_links_project_target")
        batch_op.drop_index(batch_op.f("ix_crawl_links_source_page_id"))
    op.drop_table("crawl_links")
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crawl_runs_project_id"))
    op.drop_table("crawl_runs")
    with op.batch_alter_table("crawled_pages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crawled_pages_last_crawl_run_id"))
        for column in (
            "crawl_meta",
            "gone_at",
            "last_crawl_run_id",
            "discovered_via",
            "crawl_depth",
            "word_count",
            "h1",
            "meta_description",
            "noindex",
            "canonical_url",
            "final_url",
            "http_status",
        ):
            batch_op.drop_column(column)
