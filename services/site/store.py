"""SQL of the site package (rankings, primary keywords, approval into ``PageKeywords``).

Functions take an open connection or session (the caller's unit of work, opened in
:mod:`services.site.api`) unless they say otherwise.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import (
    CrawledPage,
    CrawlLink,
    KeywordMetric,
    PageKeywords,
    PagePrimaryKeyword,
    PageRanking,
    Project,
)
from services.core.errors import NotFoundError

# Reused, not copied: the keyword importer's universe upsert (higher volume wins, gaps filled).
from services.projects.imports import upsert_metrics
from services.site.rankings import ROW_COLUMNS

#: Rows per executemany batch of the rankings upsert.
CHUNK_SIZE = 5_000
#: ``CrawledPage.source`` of pages seen only in a rankings import.
RANKINGS_PAGE_SOURCE = "rankings"


def check_project(conn: Connection | Session, project_id: uuid.UUID) -> Project | Any:
    """The project row. Raises ``NotFoundError`` when it does not exist."""
    row = conn.execute(select(Project.id, Project.domain).where(Project.id == project_id)).first()
    if row is None:
        raise NotFoundError(f"Project {project_id} does not exist.")
    return row


def ensure_pages(
    conn: Connection, project_id: uuid.UUID, pages: pd.DataFrame
) -> tuple[dict[str, uuid.UUID], int]:
    """Page id of every ``normalized_url``; pages the project lacks are created.

    Parameters
    ----------
    pages : pandas.DataFrame
        Columns ``normalized_url`` and ``page_url`` (one row per page).

    Returns
    -------
    ids : dict
        normalized_url → ``CrawledPage.id``.
    created : int
        New ``CrawledPage(source='rankings', status='pending')`` rows.
    """
    t = CrawledPage.__table__
    existing = {
        row.normalized_url: row.id
        for row in conn.execute(
            select(t.c.normalized_url, t.c.id).where(t.c.project_id == project_id)
        )
    }
    now = datetime.now(UTC)
    new = [
        {
            "id": uuid.uuid4(),
            "project_id": project_id,
            "url": url,
            "normalized_url": norm,
            "headings": {},
            "labels": [],
            "source": RANKINGS_PAGE_SOURCE,
            "status": "pending",
            "created_at": now,
            "updated_at": now,
        }
        for norm, url in zip(pages["normalized_url"], pages["page_url"], strict=True)
        if norm not in existing
    ]
    if new:
        conn.execute(insert(t), new)
        existing.update({row["normalized_url"]: row["id"] for row in new})
    return existing, len(new)


def _rankings_upsert(dialect_name: str) -> Any:
    table = PageRanking.__table__
    stmt: postgresql.Insert | sqlite.Insert = (
        postgresql.insert(table) if dialect_name == "postgresql" else sqlite.insert(table)
    )
    new = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=["project_id", "source", "normalized_url", "keyword", "date"],
        set_={
            name: new[name]
            for name in (
                "crawled_page_id",
                "page_url",
                "position",
                "clicks",
                "impressions",
                "estimated_traffic",
                "search_volume",
                "imported_at",
            )
        },
    )


def _value(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


def upsert_rankings(
    conn: Connection, project_id: uuid.UUID, rows: pd.DataFrame, page_ids: dict[str, uuid.UUID]
) -> int:
    """Insert or update page-query rows (key: source, page, keyword, date); returns the count."""
    now = datetime.now(UTC)
    stmt = _rankings_upsert(conn.dialect.name)
    records = []
    for rec in rows[ROW_COLUMNS].to_dict("records"):
        out = {k: _value(v) for k, v in rec.items()}
        for name in ("clicks", "impressions", "search_volume"):
            if out[name] is not None:
                out[name] = int(round(out[name]))
        out.update(
            id=uuid.uuid4(),
            project_id=project_id,
            crawled_page_id=page_ids.get(rec["normalized_url"]),
            imported_at=now,
        )
        records.append(out)
    for start in range(0, len(records), CHUNK_SIZE):
        conn.execute(stmt, records[start : start + CHUNK_SIZE])
    return len(records)


def upsert_keyword_metrics(conn: Connection, project_id: uuid.UUID, metrics: pd.DataFrame) -> int:
    """Keyword metrics into the universe with the keyword importer's upsert; returns new rows."""
    inserted, _updated = upsert_metrics(conn, project_id, metrics)
    return inserted


def load_rankings(conn: Connection | Session, project_id: uuid.UUID) -> pd.DataFrame:
    """Every stored page-query row of the project (:data:`~services.site.rankings.ROW_COLUMNS`)."""
    t = PageRanking.__table__
    result = conn.execute(
        select(*(t.c[name] for name in ROW_COLUMNS)).where(t.c.project_id == project_id)
    )
    frame = pd.DataFrame([tuple(r) for r in result], columns=ROW_COLUMNS)
    for name in ("position", "clicks", "impressions", "estimated_traffic", "search_volume"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return frame


def load_pages(conn: Connection | Session, project_id: uuid.UUID) -> list[dict[str, Any]]:
    """Pages of the project: id, url, normalized_url, title, h1, headings, body, source,
    status, http_status, noindex, crawl_meta, category."""
    t = CrawledPage.__table__
    rows = conn.execute(
        select(
            t.c.id,
            t.c.url,
            t.c.normalized_url,
            t.c.title,
            t.c.h1,
            t.c.headings,
            t.c.body_content,
            t.c.source,
            t.c.status,
            t.c.http_status,
            t.c.noindex,
            t.c.crawl_meta,
            t.c.category,
        )
        .where(t.c.project_id == project_id)
        .order_by(t.c.normalized_url)
    )
    return [dict(r._mapping) for r in rows]


def load_universe(conn: Connection | Session, project_id: uuid.UUID) -> pd.DataFrame:
    """keyword, search_volume, competition of the project's keyword universe."""
    t = KeywordMetric.__table__
    rows = conn.execute(
        select(t.c.keyword, t.c.search_volume, t.c.competition).where(t.c.project_id == project_id)
    )
    frame = pd.DataFrame(
        [tuple(r) for r in rows], columns=["keyword", "search_volume", "competition"]
    )
    frame["search_volume"] = pd.to_numeric(frame["search_volume"]).astype("float64")
    frame["competition"] = pd.to_numeric(frame["competition"]).astype("float64")
    return frame


def locked_primaries(conn: Connection | Session, project_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """Primaries a run must not move: approved or typed (``manual``) rows, keyword → page id."""
    t = PagePrimaryKeyword.__table__
    rows = conn.execute(
        select(t.c.keyword, t.c.crawled_page_id).where(
            t.c.project_id == project_id,
            t.c.keyword.is_not(None),
            (t.c.is_approved.is_(True)) | (t.c.source == "manual"),
        )
    )
    return {r.keyword: r.crawled_page_id for r in rows}


def cluster_primaries(conn: Connection | Session, project_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """``PageKeywords`` primaries of the project's pages (cluster pages included), keyword → page."""
    pk, cp = PageKeywords.__table__, CrawledPage.__table__
    rows = conn.execute(
        select(pk.c.primary_keyword, pk.c.crawled_page_id)
        .join(cp, cp.c.id == pk.c.crawled_page_id)
        .where(cp.c.project_id == project_id)
    )
    return {r.primary_keyword: r.crawled_page_id for r in rows}


def replace_suggestions(
    conn: Connection | Session, project_id: uuid.UUID, rows: Iterable[dict[str, Any]]
) -> int:
    """Replace the unlocked suggestions of the project by ``rows`` (one transaction).

    Priority flags already set on a page are kept. The unique constraint
    ``(project_id, keyword)`` rejects a keyword held by another page (``IntegrityError``).
    """
    t = PagePrimaryKeyword.__table__
    unlocked = (
        (t.c.project_id == project_id) & (t.c.is_approved.is_(False)) & (t.c.source != "manual")
    )
    priority = {
        r.crawled_page_id
        for r in conn.execute(
            select(t.c.crawled_page_id).where(unlocked, t.c.is_priority.is_(True))
        )
    }
    conn.execute(delete(t).where(unlocked))
    now = datetime.now(UTC)
    records = [
        {
            "id": uuid.uuid4(),
            "project_id": project_id,
            "created_at": now,
            "updated_at": now,
            "is_approved": False,
            **row,
            "is_priority": row["crawled_page_id"] in priority or row.get("is_priority", False),
        }
        for row in rows
    ]
    if records:
        conn.execute(insert(t), records)
    return len(records)


def primary_rows(conn: Connection | Session, project_id: uuid.UUID) -> pd.DataFrame:
    """Pages joined to their primary keyword row (pages without one have NaN/None fields)."""
    pp, cp = PagePrimaryKeyword.__table__, CrawledPage.__table__
    stmt = (
        select(
            cp.c.id.label("page_id"),
            cp.c.url,
            cp.c.normalized_url,
            cp.c.title,
            cp.c.source.label("page_source"),
            pp.c.keyword.label("primary"),
            pp.c.source,
            pp.c.is_fallback,
            pp.c.composite_score.label("score"),
            pp.c.relevance_score.label("relevance"),
            pp.c.search_volume,
            pp.c.clicks,
            pp.c.alternatives,
            pp.c.is_priority,
            pp.c.is_approved,
            pp.c.error,
        )
        .join(pp, pp.c.crawled_page_id == cp.c.id)
        .where(cp.c.project_id == project_id)
        .order_by(pp.c.composite_score.desc().nulls_last(), cp.c.url)
    )
    result = conn.execute(stmt)
    return pd.DataFrame([tuple(r) for r in result], columns=list(result.keys()))


def primary_by_page(
    s: Session, project_id: uuid.UUID, page_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, PagePrimaryKeyword]:
    """ORM rows of the given pages (for edits and approval in the caller's session)."""
    ids = list(page_ids)
    rows = s.scalars(
        select(PagePrimaryKeyword).where(
            PagePrimaryKeyword.project_id == project_id,
            PagePrimaryKeyword.crawled_page_id.in_(ids),
        )
    )
    return {r.crawled_page_id: r for r in rows}


def bridge_to_page_keywords(s: Session, row: PagePrimaryKeyword) -> str:
    """Create or update the page's ``PageKeywords`` from an approved primary; the outcome.

    Approved site primaries reach the content pipeline the same way approved cluster pages
    do (``services.seed_clusters.approval``): one ``PageKeywords`` row per page with
    ``is_approved=True``, the priority flag, the score and the alternatives.
    """
    pk = s.scalar(select(PageKeywords).where(PageKeywords.crawled_page_id == row.crawled_page_id))
    values = {
        "primary_keyword": row.keyword,
        "search_volume": row.search_volume,
        "is_approved": True,
        "is_priority": row.is_priority,
        "alternative_keywords": [a.get("keyword") for a in row.alternatives or []],
        "composite_score": row.composite_score,
        "relevance_score": row.relevance_score,
        "ai_reasoning": f"primary keyword from {row.source}"
        + (" (title/H1 fallback)" if row.is_fallback else ""),
    }
    if pk is None:
        s.add(PageKeywords(crawled_page_id=row.crawled_page_id, secondary_keywords=[], **values))
        return "created"
    for name, value in values.items():
        setattr(pk, name, value)
    return "updated"


def covered_keywords(
    conn: Connection | Session, project_id: uuid.UUID, keywords: list[str], max_position: float
) -> tuple[dict[str, str], pd.DataFrame]:
    """(primary keyword → url, rankings rows of those keywords within ``max_position``)."""
    pp, cp, pr = PagePrimaryKeyword.__table__, CrawledPage.__table__, PageRanking.__table__
    primaries = {
        r.keyword: r.url
        for r in conn.execute(
            select(pp.c.keyword, cp.c.url)
            .join(cp, cp.c.id == pp.c.crawled_page_id)
            .where(pp.c.project_id == project_id, pp.c.keyword.in_(keywords))
        )
    }
    result = conn.execute(
        select(*(pr.c[name] for name in ROW_COLUMNS)).where(
            pr.c.project_id == project_id,
            pr.c.keyword.in_(keywords),
            pr.c.position <= max_position,
        )
    )
    frame = pd.DataFrame([tuple(r) for r in result], columns=ROW_COLUMNS)
    for name in ("position", "clicks", "impressions", "estimated_traffic", "search_volume"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return primaries, frame


def inbound_links(conn: Connection | Session, project_id: uuid.UUID) -> dict[str, int]:
    """Normalized URL → internal links pointing to it (the crawl's links)."""
    t = CrawlLink.__table__
    rows = conn.execute(
        select(t.c.target_normalized, func.count())
        .where(t.c.project_id == project_id)
        .group_by(t.c.target_normalized)
    )
    return {str(url): int(n) for url, n in rows}


def parent_keywords(conn: Connection | Session, project_id: uuid.UUID) -> dict[str, str]:
    """keyword → its imported Ahrefs Parent Keyword / Parent Topic (``grouping_hint``)."""
    t = KeywordMetric.__table__
    rows = conn.execute(
        select(t.c.keyword, t.c.grouping_hint).where(
            t.c.project_id == project_id,
            t.c.source == "ahrefs",
            t.c.grouping_hint.is_not(None),
            t.c.grouping_hint != "",
        )
    )
    return {str(k): str(h) for k, h in rows}
