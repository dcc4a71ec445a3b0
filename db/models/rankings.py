"""Site tables of the rankings import and primary keywords (issue 9, part B).

``page_rankings``: one row per (page, keyword, date, source) of an organic-rankings export
(Search Console query+page, Ahrefs Organic keywords, Semrush Organic Positions).
``page_primary_keywords``: the suggested/approved primary keyword of a site page; the unique
constraint ``(project_id, keyword)`` is what keeps a primary keyword on one page only
(``shared/design/primary-keywords-design.md`` decision 5, enforced by the database).
Units: position 1-100 (1 = top), clicks and impressions per export period, estimated_traffic
visits/month (the tool's estimate), search_volume searches/month, competition 0-1,
relevance_score 0-1, composite_score 0-85 (``services.core.scoring``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
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

RANKING_SOURCES = ("gsc", "ahrefs", "semrush")
PRIMARY_SOURCES = ("rankings", "universe", "llm", "title_fallback", "manual")


class PageRanking(Base):
    """A keyword a page of the site ranks for, from one rankings export row."""

    __tablename__ = "page_rankings"
    __table_args__ = (
        UniqueConstraint(
            "project_id", "source", "normalized_url", "keyword", "date", name="uq_page_rankings_row"
        ),
        Index("ix_page_rankings_project_keyword", "project_id", "keyword"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    crawled_page_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("crawled_pages.id", ondelete="CASCADE"), index=True
    )
    page_url: Mapped[str] = mapped_column(String(2000))
    normalized_url: Mapped[str] = mapped_column(String(2000))
    keyword: Mapped[str] = mapped_column(String(1000))
    position: Mapped[float | None] = mapped_column(Float)
    clicks: Mapped[int | None] = mapped_column(Integer)
    impressions: Mapped[int | None] = mapped_column(Integer)
    estimated_traffic: Mapped[float | None] = mapped_column(Float)
    search_volume: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(32))
    date: Mapped[date] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PagePrimaryKeyword(TimestampMixin, Base):
    """The primary keyword suggested for (or approved on) a page of the site.

    ``keyword`` is NULL when no candidate qualified and the title/H1 fallback was taken by
    another page; ``alternatives`` holds the next five candidates (dicts with keyword,
    score, relevance, search_volume, source, taken_by).
    """

    __tablename__ = "page_primary_keywords"
    __table_args__ = (
        UniqueConstraint("project_id", "keyword", name="uq_page_primary_keywords_keyword"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    crawled_page_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("crawled_pages.id", ondelete="CASCADE"), unique=True
    )
    keyword: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(32), default="rankings")
    is_fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    composite_score: Mapped[float | None] = mapped_column(Float)
    relevance_score: Mapped[float | None] = mapped_column(Float)
    search_volume: Mapped[int | None] = mapped_column(Integer)
    competition: Mapped[float | None] = mapped_column(Float)
    clicks: Mapped[int | None] = mapped_column(Integer)
    impressions: Mapped[int | None] = mapped_column(Integer)
    alternatives: Mapped[list[Any]] = mapped_column(default=list)
    is_priority: Mapped[bool] = mapped_column(Boolean, default=False)
    is_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(String(1000))
