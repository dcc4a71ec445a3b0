"""Models of keyword-list clustering: hubs, page-level clusters, members, SERP cache.

A project's keyword list (``keyword_metrics`` rows) is grouped into page-level clusters
(:class:`ListCluster`, one page each) and those into topical hubs (:class:`ListHub`, one
pillar cluster plus children). :class:`ListClusterMember` places each keyword: in a cluster,
or in the "Unclustered" bucket (``cluster_id`` NULL) with a ``reason``.

Units: search_volume searches/month, similarity cosine 0-1, cost_usd USD.
Migration: ``db/migrations/versions/0002_keyword_lists.py``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.core import Base, TimestampMixin, utcnow

#: Why a keyword sits in the Unclustered bucket (shown to the user).
UNCLUSTERED_REASONS = (
    "no neighbour above threshold",
    "no close variant and below <N> searches/month",
    "no close variant and unknown search volume",
    "off-topic for the brand",
    "below volume floor",
    "moved by user",
)


class ListHub(TimestampMixin, Base):
    """A topical hub: a pillar page-level cluster and its child clusters."""

    __tablename__ = "list_hubs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(500))
    total_volume: Mapped[int] = mapped_column(Integer, default=0)  # searches/month
    run_no: Mapped[int] = mapped_column(Integer, default=1)
    # Set by "Send to review": the KeywordCluster built from this hub.
    review_cluster_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("keyword_clusters.id", ondelete="SET NULL")
    )


class ListCluster(TimestampMixin, Base):
    """A page-level cluster: keywords one page can rank for. Name = highest-volume member."""

    __tablename__ = "list_clusters"
    __table_args__ = (Index("ix_list_clusters_project_hub", "project_id", "hub_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    hub_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("list_hubs.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(1000))
    centre_keyword: Mapped[str] = mapped_column(String(1000))
    is_pillar: Mapped[bool] = mapped_column(Boolean, default=False)
    is_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    method: Mapped[str] = mapped_column(String(16), default="semantic")  # semantic | serp
    keyword_count: Mapped[int] = mapped_column(Integer, default=0)
    total_volume: Mapped[int] = mapped_column(Integer, default=0)  # searches/month
    intent_mix: Mapped[dict[str, Any]] = mapped_column(default=dict)  # label → keywords
    run_no: Mapped[int] = mapped_column(Integer, default=1)


class ListClusterMember(Base):
    """Where one keyword of the list sits: a cluster, or Unclustered with a reason."""

    __tablename__ = "list_cluster_members"
    __table_args__ = (
        UniqueConstraint("keyword_id", name="uq_list_cluster_members_keyword"),
        Index("ix_list_cluster_members_project_cluster", "project_id", "cluster_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    keyword_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("keyword_metrics.id", ondelete="CASCADE")
    )
    cluster_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("list_clusters.id", ondelete="SET NULL"), index=True
    )
    keyword: Mapped[str] = mapped_column(String(1000))
    search_volume: Mapped[int | None] = mapped_column(Integer)  # searches/month
    similarity: Mapped[float | None] = mapped_column(Float)  # cosine to the cluster centre
    reason: Mapped[str | None] = mapped_column(String(64))  # set when cluster_id is NULL
    # Which evidence of the data put the keyword in its cluster ("same Parent Keyword", "same
    # ranking URL", "SERP overlap"; NULL = the text rules or the same-page model), issue 16.
    evidence: Mapped[str | None] = mapped_column(String(64))
    moved_by_user: Mapped[bool] = mapped_column(Boolean, default=False)
    run_no: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SerpCache(Base):
    """Top-10 organic URLs of one keyword's Google SERP (DataForSEO live/advanced)."""

    __tablename__ = "serp_cache"
    __table_args__ = (
        UniqueConstraint(
            "keyword", "location_name", "language_name", "device", name="uq_serp_cache"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    keyword: Mapped[str] = mapped_column(String(700))
    location_name: Mapped[str] = mapped_column(String(100))
    language_name: Mapped[str] = mapped_column(String(50))
    device: Mapped[str] = mapped_column(String(16), default="desktop")
    urls: Mapped[list[Any]] = mapped_column(default=list)  # normalised, rank order
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
