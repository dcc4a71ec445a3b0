"""Models of the site crawl: one row per crawl run and the internal links between pages.

Pages themselves are :class:`db.models.core.CrawledPage` rows (``source='crawl'``), updated in
place on every crawl; their crawl columns (HTTP status, canonical, noindex, H1, word count…)
are added by migration ``0003``. Owner: ``services/site/crawl``.
Migration: ``db/migrations/versions/0003_site_crawl.py``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from db.models.core import Base, TimestampMixin, utcnow

#: Status of a crawl run: running → completed | cancelled | failed (a cancelled or failed run
#: can be resumed: URLs it already fetched are skipped).
CRAWL_RUN_STATUSES = ("running", "completed", "cancelled", "failed")


class CrawlRun(TimestampMixin, Base):
    """One crawl of a project's site (possibly resumed several times)."""

    __tablename__ = "crawl_runs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    start_url: Mapped[str] = mapped_column(String(2000))
    limits: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="running")
    pages_fetched: Mapped[int] = mapped_column(Integer, default=0)
    # [{"url", "reason", "status"}] of the last attempt (capped; counts are in ``stats``).
    skipped: Mapped[list[Any]] = mapped_column(default=list)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CrawlLink(Base):
    """An internal link found on a crawled page (for the content issue's link plan)."""

    __tablename__ = "crawl_links"
    __table_args__ = (Index("ix_crawl_links_project_target", "project_id", "target_normalized"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    source_page_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("crawled_pages.id", ondelete="CASCADE"), index=True
    )
    target_url: Mapped[str] = mapped_column(String(2000))
    target_normalized: Mapped[str] = mapped_column(String(2000))
    anchor_text: Mapped[str] = mapped_column(String(1000), default="")
    nofollow: Mapped[bool] = mapped_column(Boolean, default=False)
