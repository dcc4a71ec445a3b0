"""Content tables (``services/content``): one brief/draft record per approved page, and the
versions it replaced.

``content_pages`` holds the current brief and draft of one approved page (a ``CrawledPage``
with approved ``PageKeywords``: a seed-cluster page bridged by bulk-approve, later an onboarded
page). Status flow (issue 10): brief → drafted → edited → approved → published, or failed with
``error``. Regenerating a brief or a draft first copies the replaced one into
``content_versions``, so nothing is lost. Costs in USD.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from db.models.core import Base, TimestampMixin, utcnow

#: brief → drafted → edited → approved → published; failed carries ``error``.
CONTENT_STATUSES = ("brief", "drafted", "edited", "approved", "published", "failed")


class ContentPage(TimestampMixin, Base):
    """The brief and current draft of one approved page."""

    __tablename__ = "content_pages"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    crawled_page_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("crawled_pages.id", ondelete="CASCADE"), unique=True
    )
    # The seed cluster the page came from (None for onboarded pages).
    cluster_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("keyword_clusters.id", ondelete="SET NULL"), index=True
    )
    primary_keyword: Mapped[str] = mapped_column(String(500))
    page_type: Mapped[str] = mapped_column(String(16), default="collection")
    status: Mapped[str] = mapped_column(String(16), default="brief")
    error: Mapped[str | None] = mapped_column(Text)
    brief: Mapped[dict[str, Any]] = mapped_column(default=dict)
    draft: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prompt_version: Mapped[str | None] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(100))
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    wp_post_id: Mapped[int | None] = mapped_column(Integer)
    wp_type: Mapped[str | None] = mapped_column(String(16))  # posts | pages
    wp_url: Mapped[str | None] = mapped_column(String(2000))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ContentVersion(Base):
    """A brief or draft replaced by a regeneration (kept, never overwritten)."""

    __tablename__ = "content_versions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    content_page_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("content_pages.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # brief | draft
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="")
    prompt_version: Mapped[str | None] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(100))
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
