"""SQLAlchemy 2.x typed models.

Names, statuses and columns follow the owner's design documents
(``shared/design/cluster-funnel-design.md`` D5, ``primary-keywords-design.md``).
Units: search_volume searches/month, cpc USD, competition 0-1, keyword_difficulty 0-100,
cost_usd USD.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.types import EncryptedString, JSONType

if TYPE_CHECKING:
    from db.models.seed_clusters import KeywordCluster

CLUSTER_STATUSES = ("generating", "suggestions_ready", "approved", "content_generating", "complete")
PAGE_ROLES = ("parent", "child")


def utcnow() -> datetime:
    """Timezone-aware UTC now (stored as timestamptz on PostgreSQL)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base; every table has a UUID primary key."""

    type_annotation_map = {dict[str, Any]: JSONType, list[Any]: JSONType}

    # Typing only: SQLAlchemy types ``__table__`` as ``FromClause`` because a class may be
    # mapped to a subquery; every model here is mapped to a plain ``Table``.
    __table__: ClassVar[Table]


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class Project(TimestampMixin, Base):
    """A client site. ``wordpress_app_password`` is Fernet-encrypted at rest."""

    __tablename__ = "projects"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    domain: Mapped[str | None] = mapped_column(String(255))
    wordpress_url: Mapped[str | None] = mapped_column(String(500))
    wordpress_username: Mapped[str | None] = mapped_column(String(200))
    wordpress_app_password: Mapped[str | None] = mapped_column(EncryptedString(1000))
    brand_config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Per-project DataForSEO location/language (defaults: United States, English).
    location_name: Mapped[str] = mapped_column(String(100), default="United States")
    language_name: Mapped[str] = mapped_column(String(50), default="English")
    # Issue 8 (migration 0007): shopify | woocommerce | wordpress | publisher | custom; the
    # custom URL pattern ({slug}, optional {parent}); composite-score weights {"volume",
    # "relevance", "competition"} (None = spec defaults); archived projects leave the picker.
    site_type: Mapped[str] = mapped_column(String(20), default="shopify")
    url_pattern: Mapped[str | None] = mapped_column(String(200))
    score_weights: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    clusters: Mapped[list[KeywordCluster]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )


class CrawledPage(TimestampMixin, Base):
    """A page of the site (crawled at onboarding, or created from an approved cluster page)."""

    __tablename__ = "crawled_pages"
    __table_args__ = (
        UniqueConstraint("project_id", "normalized_url", name="uq_crawled_pages_url"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    normalized_url: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str | None] = mapped_column(String(1000))
    headings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    body_content: Mapped[str | None] = mapped_column(Text)
    product_count: Mapped[int | None] = mapped_column(Integer)
    labels: Mapped[list[Any]] = mapped_column(default=list)
    category: Mapped[str | None] = mapped_column(String(50))
    source: Mapped[str] = mapped_column(String(32), default="onboarding")
    status: Mapped[str] = mapped_column(String(32), default="pending")
    crawl_error: Mapped[str | None] = mapped_column(Text)
    last_crawled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Site crawl (services/site/crawl, migration 0003); ``category`` holds the page type
    # (home | collection | product | article | other).
    http_status: Mapped[int | None] = mapped_column(Integer)
    final_url: Mapped[str | None] = mapped_column(String(2000))
    canonical_url: Mapped[str | None] = mapped_column(String(2000))
    noindex: Mapped[bool] = mapped_column(Boolean, default=False)
    meta_description: Mapped[str | None] = mapped_column(Text)
    h1: Mapped[str | None] = mapped_column(String(1000))
    word_count: Mapped[int | None] = mapped_column(Integer)
    crawl_depth: Mapped[int | None] = mapped_column(Integer)
    discovered_via: Mapped[str | None] = mapped_column(String(16))  # start | sitemap | link
    last_crawl_run_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    gone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    crawl_meta: Mapped[dict[str, Any]] = mapped_column(default=dict)

    keywords: Mapped[PageKeywords | None] = relationship(
        back_populates="page", cascade="all, delete-orphan", uselist=False
    )


class PageKeywords(TimestampMixin, Base):
    """Primary/secondary keywords of a page, 1:1 with :class:`CrawledPage`."""

    __tablename__ = "page_keywords"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    crawled_page_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("crawled_pages.id", ondelete="CASCADE"), unique=True
    )
    primary_keyword: Mapped[str] = mapped_column(String(500))
    secondary_keywords: Mapped[list[Any]] = mapped_column(default=list)
    search_volume: Mapped[int | None] = mapped_column(Integer)
    difficulty_score: Mapped[float | None] = mapped_column(Float)
    is_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    is_priority: Mapped[bool] = mapped_column(Boolean, default=False)
    alternative_keywords: Mapped[list[Any]] = mapped_column(default=list)
    composite_score: Mapped[float | None] = mapped_column(Float)
    relevance_score: Mapped[float | None] = mapped_column(Float)
    ai_reasoning: Mapped[str | None] = mapped_column(Text)

    page: Mapped[CrawledPage] = relationship(back_populates="keywords")


class KeywordMetric(Base):
    """The project's keyword universe and volume cache: one row per normalised keyword."""

    __tablename__ = "keyword_metrics"
    __table_args__ = (
        UniqueConstraint("project_id", "keyword", name="uq_keyword_metrics_keyword"),
        Index("ix_keyword_metrics_project_volume", "project_id", "search_volume"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    keyword: Mapped[str] = mapped_column(String(1000))
    search_volume: Mapped[int | None] = mapped_column(Integer)  # searches/month
    cpc: Mapped[float | None] = mapped_column(Float)  # USD
    competition: Mapped[float | None] = mapped_column(Float)  # 0-1
    competition_level: Mapped[str | None] = mapped_column(String(16))
    keyword_difficulty: Mapped[float | None] = mapped_column(Float)  # 0-100
    intent: Mapped[str | None] = mapped_column(String(100))  # comma-joined labels
    source: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), default="qualified")
    # The status a clustering run found (qualified | failed), restored if the run is cut short.
    status_before: Mapped[str | None] = mapped_column(String(32))
    serp_features: Mapped[str | None] = mapped_column(Text)
    # Imported Ahrefs "Parent Keyword" / "Parent Topic" or a tool's cluster column (normalised),
    # an optional grouping hint for list clustering (issue 12).
    grouping_hint: Mapped[str | None] = mapped_column(String(500))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class APIUsage(Base):
    """One call to an outside service (offline providers log zero-cost rows)."""

    __tablename__ = "api_usage"
    __table_args__ = (Index("ix_api_usage_created", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    cluster_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    provider: Mapped[str] = mapped_column(String(50))
    endpoint: Mapped[str] = mapped_column(String(200))
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AppSetting(Base):
    """Workspace-wide settings (e.g. ``monthly_budget_usd``), key → JSON value."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class BudgetReservation(Base):
    """An estimate held against the monthly budget while a paid run is in flight."""

    __tablename__ = "budget_reservations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    estimate_usd: Mapped[float] = mapped_column(Float)
    actual_usd: Mapped[float | None] = mapped_column(Float)
    # reserved | settled | released | abandoned (a killed run: its billed spend is kept)
    status: Mapped[str] = mapped_column(String(16), default="reserved")
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Issue 11 (migration 0006): billed spend so far (USD), written after every paid call, and
    # when it was last written (a hold not written for a while belongs to a killed run).
    spent_usd: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Job(TimestampMixin, Base):
    """A background job (discovery, list clustering, …); state lives here, not in the UI."""

    __tablename__ = "jobs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    # queued | running | succeeded | failed | cancelled | interrupted
    progress: Mapped[int] = mapped_column(Integer, default=0)  # 0-100
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Issue 11 (migration 0006): the running job's heartbeat (a lease: no beat for
    # JOB_LEASE_S → interrupted), the worker holding it ("host:pid"), and "kind:project" while
    # queued/running — unique, so a double submit is refused (NULL once finished).
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    worker: Mapped[str | None] = mapped_column(String(200))
    active_key: Mapped[str | None] = mapped_column(String(200), unique=True, index=True)
