"""Seed-cluster tables: ``keyword_clusters`` (one seed's suggested cluster) and ``cluster_pages``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.core import Base, Project, TimestampMixin


class KeywordCluster(TimestampMixin, Base):
    """A seed-keyword cluster (design D5 ``keyword_clusters``)."""

    __tablename__ = "keyword_clusters"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    seed_keyword: Mapped[str] = mapped_column(String(500))
    name: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(32), default="generating")
    generation_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Archived clusters leave the dashboard and the review list until restored (0007).
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    project: Mapped[Project] = relationship(back_populates="clusters")
    pages: Mapped[list[ClusterPage]] = relationship(
        back_populates="cluster",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ClusterPage.sort_order",
    )


class ClusterPage(TimestampMixin, Base):
    """One suggested collection page of a cluster (design D5 ``cluster_pages``)."""

    __tablename__ = "cluster_pages"
    __table_args__ = (UniqueConstraint("cluster_id", "url_slug", name="uq_cluster_pages_slug"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    cluster_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("keyword_clusters.id", ondelete="CASCADE"), index=True
    )
    keyword: Mapped[str] = mapped_column(String(500))
    role: Mapped[str] = mapped_column(String(16), default="child")
    url_slug: Mapped[str] = mapped_column(String(100))
    expansion_strategy: Mapped[str | None] = mapped_column(String(50))
    reasoning: Mapped[str | None] = mapped_column(Text)
    search_volume: Mapped[int | None] = mapped_column(Integer)
    cpc: Mapped[float | None] = mapped_column(Float)
    competition: Mapped[float | None] = mapped_column(Float)
    competition_level: Mapped[str | None] = mapped_column(String(16))
    composite_score: Mapped[float | None] = mapped_column(Float)
    is_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    # Secondary keywords (list-clustering "Send to review" puts cluster members here).
    secondary_keywords: Mapped[list[Any]] = mapped_column(default=list)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # Issue 8 (migration 0007): collection | article | comparison | landing; data | dataforseo
    # | llm_idea | seed; relevance 0-1; the composite score's weighted parts; whether the
    # user typed the path (then it is kept as typed); URL of an approved page that already
    # targets the keyword.
    page_type: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(20))
    relevance: Mapped[float | None] = mapped_column(Float)
    score_parts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    slug_edited: Mapped[bool] = mapped_column(Boolean, default=False)
    covered_by: Mapped[str | None] = mapped_column(String(2000))
    crawled_page_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("crawled_pages.id", ondelete="SET NULL"), unique=True
    )

    cluster: Mapped[KeywordCluster] = relationship(back_populates="pages")
