"""keyword lists: hubs, page-level clusters, members, SERP cache

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 13:30:00

Models: ``db/list_models.py``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "list_hubs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("total_volume", sa.Integer(), nullable=False),
        sa.Column("run_no", sa.Integer(), nullable=False),
        sa.Column("review_cluster_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["review_cluster_id"], ["keyword_clusters.id"], ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("list_hubs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_list_hubs_project_id"), ["project_id"], unique=False)

    op.create_table(
        "list_clusters",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("hub_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=1000), nullable=False),
        sa.Column("centre_keyword", sa.String(length=1000), nullable=False),
        sa.Column("is_pillar", sa.Boolean(), nullable=False),
        sa.Column("is_approved", sa.Boolean(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("keyword_count", sa.Integer(), nullable=False),
        sa.Column("total_volume", sa.Integer(), nullable=False),
        sa.Column("intent_mix", JSON, nullable=False),
        sa.Column("run_no", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["hub_id"], ["list_hubs.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("list_clusters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_list_clusters_hub_id"), ["hub_id"], unique=False)
        batch_op.create_index(
            "ix_list_clusters_project_hub", ["project_id", "hub_id"], unique=False
        )

    op.create_table(
        "list_cluster_members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("keyword_id", sa.Uuid(), nullable=False),
        sa.Column("cluster_id", sa.Uuid(), nullable=True),
        sa.Column("keyword", sa.String(length=1000), nullable=False),
        sa.Column("search_volume", sa.Integer(), nullable=True),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("moved_by_user", sa.Boolean(), nullable=False),
        sa.Column("run_no", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["keyword_id"], ["keyword_metrics.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cluster_id"], ["list_clusters.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("keyword_id", name="uq_list_cluster_members_keyword"),
    )
    with op.batch_alter_table("list_cluster_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_list_cluster_members_cluster_id"), ["cluster_id"], unique=False
        )
        batch_op.create_index(
            "ix_list_cluster_members_project_cluster", ["project_id", "cluster_id"], unique=False
        )

    op.create_table(
        "serp_cache",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("keyword", sa.String(length=700), nullable=False),
        sa.Column("location_name", sa.String(length=100), nullable=False),
        sa.Column("language_name", sa.String(length=50), nullable=False),
        sa.Column("device", sa.String(length=16), nullable=False),
        sa.Column("urls", JSON, nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "keyword", "location_name", "language_name", "device", name="uq_serp_cache"
        ),
    )


def downgrade() -> None:
    op.drop_table("serp_cache")
    with op.batch_alter_table("list_cluster_members", schema=None) as batch_op:
        batch_op.drop_index("ix_list_cluster_members_project_cluster")
        batch_op.drop_index(batch_op.f("ix_list_cluster_members_cluster_id"))
    op.drop_table("list_cluster_members")
    with op.batch_alter_table("list_clusters", schema=None) as batch_op:
        batch_op.drop_index("ix_list_clusters_project_hub")
        batch_op.drop_index(batch_op.f("ix_list_clusters_hub_id"))
    op.drop_table("list_clusters")
    with op.batch_alter_table("list_hubs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_list_hubs_project_id"))
    op.drop_table("list_hubs")
