"""SQL of the content package (callers own the session and the transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import (
    ClusterPage,
    CrawledPage,
    KeywordCluster,
    KeywordMetric,
    PageKeywords,
    PageRanking,
    Project,
    SerpCache,
)
from db.models.content import ContentPage, ContentVersion
from services.content.briefs import PageInput, SerpResult
from services.content.links import RankingRow
from services.core.errors import NotFoundError
from services.core.ids import as_uuid
from services.projects.keyword_data import lookup_metrics


def get_cluster(s: Session, cluster_id: Any) -> KeywordCluster:
    """The cluster, or :class:`NotFoundError`."""
    cluster = s.get(KeywordCluster, as_uuid(cluster_id))
    if cluster is None:
        raise NotFoundError("Cluster not found.")
    return cluster


def get_project(s: Session, project_id: Any) -> Project:
    """The project, or :class:`NotFoundError`."""
    project = s.get(Project, as_uuid(project_id))
    if project is None:
        raise NotFoundError("Project not found.")
    return project


def approved_clusters(s: Session, project_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """(id, name) of the project's clusters with at least one bridged page, newest first."""
    bridged = select(ClusterPage.cluster_id).where(ClusterPage.crawled_page_id.is_not(None))
    rows = s.execute(
        select(KeywordCluster.id, KeywordCluster.name)
        .where(KeywordCluster.project_id == project_id, KeywordCluster.id.in_(bridged))
        .order_by(KeywordCluster.created_at.desc())
    ).all()
    return [(cid, name) for cid, name in rows]


def approved_pages(s: Session, cluster: KeywordCluster) -> list[PageInput]:
    """The cluster's approved pages bridged by bulk-approve, parent first, with metrics.

    Search volume and intent come from the project's ``KeywordMetric`` rows (the cluster
    page's own volume when the project has none); secondary keywords carry their volume.
    """
    rows = s.execute(
        select(ClusterPage, CrawledPage, PageKeywords)
        .join(CrawledPage, CrawledPage.id == ClusterPage.crawled_page_id)
        .join(PageKeywords, PageKeywords.crawled_page_id == CrawledPage.id)
        .where(ClusterPage.cluster_id == cluster.id, PageKeywords.is_approved.is_(True))
        .order_by(ClusterPage.role != "parent", ClusterPage.sort_order)
    ).all()
    return _page_inputs(s, cluster.project_id, [tuple(r) for r in rows])


def _page_inputs(
    s: Session, project_id: uuid.UUID, rows: Sequence[tuple[Any, CrawledPage, PageKeywords]]
) -> list[PageInput]:
    """``PageInput`` per (ClusterPage or None, CrawledPage, PageKeywords) row."""
    words: set[str] = set()
    for _cp, _page, pk in rows:
        words.add(pk.primary_keyword)
        words.update(str(k) for k in pk.secondary_keywords or [])
    metrics = lookup_metrics(s, project_id, sorted(words))
    out = []
    for cp, page, pk in rows:
        m = metrics.get(pk.primary_keyword)
        volume = m.search_volume if m and m.search_volume is not None else pk.search_volume
        secondary = tuple(
            (str(k), metrics[str(k)].search_volume if str(k) in metrics else None)
            for k in pk.secondary_keywords or []
        )
        out.append(
            PageInput(
                page_id=str(page.id),
                primary_keyword=pk.primary_keyword,
                url=page.url,
                role=cp.role if cp is not None else "page",
                category=page.category,
                search_volume=volume,
                intent=m.intent if m else None,
                secondary=secondary,
                page_type=getattr(cp, "page_type", None) if cp is not None else None,
                source=page.source or "cluster",
            )
        )
    return out


def site_pages(s: Session, project: Project) -> list[PageInput]:
    """The project's own approved pages outside any seed cluster (onboarded site pages with
    an approved primary keyword), by URL, with metrics as :func:`approved_pages`."""
    in_clusters = select(ClusterPage.crawled_page_id).where(
        ClusterPage.crawled_page_id.is_not(None)
    )
    rows = s.execute(
        select(CrawledPage, PageKeywords)
        .join(PageKeywords, PageKeywords.crawled_page_id == CrawledPage.id)
        .where(
            CrawledPage.project_id == project.id,
            PageKeywords.is_approved.is_(True),
            CrawledPage.id.not_in(in_clusters),
        )
        .order_by(CrawledPage.url)
    ).all()
    return _page_inputs(s, project.id, [(None, page, pk) for page, pk in rows])


def has_site_pages(s: Session, project_id: uuid.UUID) -> bool:
    """True when the project has approved pages outside the seed clusters."""
    in_clusters = select(ClusterPage.crawled_page_id).where(
        ClusterPage.crawled_page_id.is_not(None)
    )
    first = s.execute(
        select(CrawledPage.id)
        .join(PageKeywords, PageKeywords.crawled_page_id == CrawledPage.id)
        .where(
            CrawledPage.project_id == project_id,
            PageKeywords.is_approved.is_(True),
            CrawledPage.id.not_in(in_clusters),
        )
        .limit(1)
    ).first()
    return first is not None


def project_keywords(s: Session, project_id: uuid.UUID) -> Iterator[tuple[str, int | None]]:
    """Every keyword of the project's data with its search volume (searches/month)."""
    yield from s.execute(
        select(KeywordMetric.keyword, KeywordMetric.search_volume).where(
            KeywordMetric.project_id == project_id
        )
    ).tuples()


def ranking_rows(s: Session, project_id: uuid.UUID) -> list[RankingRow]:
    """Keywords the site's existing pages rank for (rankings import), for link sources."""
    rows = s.execute(
        select(
            PageRanking.page_url, PageRanking.keyword, PageRanking.position, PageRanking.clicks
        ).where(PageRanking.project_id == project_id)
    ).all()
    return [RankingRow(url, kw, pos, clicks) for url, kw, pos, clicks in rows]


def cached_serps(
    s: Session, project: Project, keywords: Sequence[str]
) -> dict[str, list[SerpResult]]:
    """Top-10 organic URLs from the SERP cache for ``keywords`` (absent when not cached)."""
    if not keywords:
        return {}
    rows = s.execute(
        select(SerpCache.keyword, SerpCache.urls).where(
            SerpCache.keyword.in_(list(keywords)),
            SerpCache.location_name == project.location_name,
            SerpCache.language_name == project.language_name,
        )
    ).all()
    out: dict[str, list[SerpResult]] = {}
    for kw, urls in rows:
        results = []
        for rank, item in enumerate(urls or [], start=1):
            if isinstance(item, dict):
                results.append(
                    SerpResult(rank, str(item.get("url", "")), str(item.get("title", "")))
                )
            else:
                results.append(SerpResult(rank, str(item)))
        out[kw] = results[:10]
    return out


def content_pages(
    s: Session, cluster_id: uuid.UUID | None, project_id: uuid.UUID | None = None
) -> list[ContentPage]:
    """The cluster's content records (``cluster_id`` None: the project's site pages), parent
    first then by keyword."""
    query = select(ContentPage)
    if cluster_id is None:
        query = query.where(ContentPage.cluster_id.is_(None), ContentPage.project_id == project_id)
    else:
        query = query.where(ContentPage.cluster_id == cluster_id)
    rows = s.scalars(query).all()
    return sorted(rows, key=lambda c: (c.brief.get("role") != "parent", c.primary_keyword))


def content_by_page(s: Session, page_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ContentPage]:
    """Existing content records keyed by crawled page id."""
    if not page_ids:
        return {}
    rows = s.scalars(select(ContentPage).where(ContentPage.crawled_page_id.in_(page_ids))).all()
    return {r.crawled_page_id: r for r in rows}


def get_content(s: Session, content_id: Any) -> ContentPage:
    """One content record, or :class:`NotFoundError`."""
    row = s.get(ContentPage, as_uuid(content_id))
    if row is None:
        raise NotFoundError("Content page not found.")
    return row


def keep_version(s: Session, row: ContentPage, kind: str) -> None:
    """Copy the current brief or draft of ``row`` into ``content_versions`` (if any)."""
    payload = row.brief if kind == "brief" else row.draft
    if not payload:
        return
    s.add(
        ContentVersion(
            content_page_id=row.id,
            kind=kind,
            payload=dict(payload),
            status=row.status,
            prompt_version=row.prompt_version if kind == "draft" else None,
            model=row.model if kind == "draft" else None,
            cost_usd=row.cost_usd if kind == "draft" else 0.0,
        )
    )


def versions(s: Session, content_id: uuid.UUID) -> list[ContentVersion]:
    """Replaced briefs and drafts of one page, newest first."""
    return list(
        s.scalars(
            select(ContentVersion)
            .where(ContentVersion.content_page_id == content_id)
            .order_by(ContentVersion.created_at.desc())
        ).all()
    )
