"""Stage 5: bulk-approve bridges approved cluster pages into the content pipeline.

One unit of work per call (owner's spec, "Bulk-approve bridges cluster pages to content
pipeline"): for each approved ``ClusterPage`` a ``CrawledPage(source='cluster',
status='completed', category=<page type: collection | article | landing>, title in title
case)`` and a ``PageKeywords(is_approved=True,
is_priority=parent)``; ``ClusterPage.crawled_page_id`` set; cluster status ``approved``.
Idempotent and safe to run twice at once: the unique constraints on
``crawled_pages(project_id, normalized_url)``, ``cluster_pages.crawled_page_id`` and
``page_keywords.crawled_page_id`` reject duplicates, and a conflicting run is retried on
the committed state, where there is nothing left to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_random

from db.models import ClusterPage, CrawledPage, KeywordCluster, PageKeywords, Project
from db.session import session_scope
from services.core.errors import InvalidInputError, NotFoundError
from services.core.ids import as_uuid
from services.core.slugs import title_case
from services.core.text import normalize_keyword
from services.core.urls import normalize_url, page_url
from services.seed_clusters.review import PageDecision, apply_decisions

#: CrawledPage.category per page type (the crawl's vocabulary: collection | article | …).
_CATEGORY = {
    "collection": "collection",
    "article": "article",
    "comparison": "article",
    "landing": "landing",
}


@dataclass
class ApprovalReport:
    """What bulk-approve did.

    Attributes:
        created: new CrawledPage + PageKeywords pairs.
        linked_existing: approved pages linked to a page the project already had at that URL.
        already_bridged: pages bridged by an earlier run (nothing done).
        status: the cluster's status afterwards.
    """

    created: int
    linked_existing: int
    already_bridged: int
    status: str


def _bridge_page(s: Session, project: Project, page: ClusterPage) -> str:
    """Create (or link) the CrawledPage/PageKeywords of one approved page; returns the outcome."""
    normalized = normalize_url(page.url_slug, project.domain)
    crawled = s.scalar(
        select(CrawledPage).where(
            CrawledPage.project_id == project.id, CrawledPage.normalized_url == normalized
        )
    )
    outcome = "linked"
    if crawled is None:
        outcome = "created"
        crawled = CrawledPage(
            project_id=project.id,
            url=page_url(page.url_slug, project.domain),
            normalized_url=normalized,
            title=title_case(page.keyword),
            source="cluster",
            status="completed",
            category=_CATEGORY.get(page.page_type or "collection", "collection"),
            labels=[page.role],
        )
        s.add(crawled)
        s.flush()
    if s.scalar(select(PageKeywords).where(PageKeywords.crawled_page_id == crawled.id)) is None:
        s.add(
            PageKeywords(
                crawled_page_id=crawled.id,
                primary_keyword=page.keyword,
                secondary_keywords=list(page.secondary_keywords or []),
                search_volume=page.search_volume,
                is_approved=True,
                is_priority=page.role == "parent",
                composite_score=page.composite_score,
                ai_reasoning=page.reasoning,
            )
        )
    page.crawled_page_id = crawled.id
    return outcome


@retry(
    retry=retry_if_exception_type((IntegrityError, OperationalError)),
    stop=stop_after_attempt(4),
    wait=wait_random(0.05, 0.3),
    reraise=True,
)
def bulk_approve(
    engine: Engine, cluster_id: Any, decisions: list[PageDecision] | None = None
) -> ApprovalReport:
    """Bridge every approved page of a cluster, all or nothing.

    ``decisions`` (the Cluster Review table's edits, :func:`services.seed_clusters.review.to_decisions`)
    are saved in the same transaction first, so a refused approval leaves the edits unsaved
    too.

    A concurrent run that loses the race hits a unique constraint (or SQLite's write lock),
    rolls back whole, and is retried (tenacity, up to 4 attempts) on the committed state.

    Raises:
        NotFoundError: unknown cluster.
        InvalidInputError: no page approved, or not exactly one approved parent.
    """
    with session_scope(engine) as s:
        cluster = s.get(KeywordCluster, as_uuid(cluster_id), with_for_update=True)
        if cluster is None:
            raise NotFoundError("Cluster not found.")
        project = s.get(Project, cluster.project_id)
        assert project is not None  # FK
        if decisions is not None:
            apply_decisions(s, cluster.id, decisions)
            s.refresh(cluster)
        approved = [p for p in cluster.pages if p.is_approved]
        if not approved:
            raise InvalidInputError("Select at least one page to approve.")
        parents = [p for p in approved if p.role == "parent"]
        if len(parents) != 1:
            raise InvalidInputError(
                f"Exactly one approved parent page is needed ({len(parents)} selected)."
            )
        counts = {"created": 0, "linked": 0, "already": 0}
        for page in approved:
            if page.crawled_page_id is not None:
                counts["already"] += 1
                continue
            counts[_bridge_page(s, project, page)] += 1
        if cluster.status in ("generating", "suggestions_ready"):
            cluster.status = "approved"
        return ApprovalReport(
            created=counts["created"],
            linked_existing=counts["linked"],
            already_bridged=counts["already"],
            status=cluster.status,
        )


def approve_pages(
    engine: Engine,
    cluster_id: Any,
    *,
    keywords: list[str] | None = None,
    select_all: bool = False,
    project_id: Any = None,
) -> ApprovalReport:
    """Bulk-approve a selection of pages (the CLI's ``approve``).

    Args:
        keywords: approve exactly the pages whose primary keyword is listed (plus the parent
            when none of them is the parent); None keeps the current selection (the
            pre-selected pages).
        select_all: approve every page.
        project_id: when given, the cluster must belong to this project.

    Raises:
        NotFoundError: unknown cluster, a cluster of another project, or a listed keyword
            that is no page of the cluster.
        InvalidInputError: as :func:`bulk_approve`.
    """
    wanted = {normalize_keyword(k) for k in keywords or []}
    with session_scope(engine) as s:
        cluster = s.get(KeywordCluster, as_uuid(cluster_id))
        if cluster is None or (
            project_id is not None and cluster.project_id != as_uuid(project_id)
        ):
            raise NotFoundError("Cluster not found in this project.")
        pages = [(p.id, p.keyword, p.role, p.url_slug, p.is_approved) for p in cluster.pages]
    missing = wanted - {kw for _, kw, _, _, _ in pages}
    if missing:
        raise NotFoundError(f"Not a page of this cluster: {', '.join(sorted(missing))}.")
    decisions = []
    for pid, kw, role, path, approved in pages:
        if select_all:
            approve = True
        elif keywords is not None:
            approve = kw in wanted or role == "parent"
        else:
            approve = bool(approved)
        decisions.append(
            PageDecision(page_id=pid, approve=approve, keyword=kw, url_slug=path, role=role)
        )
    return bulk_approve(engine, cluster_id, decisions)
