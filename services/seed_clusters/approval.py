"""Stage 5: bulk-approve bridges approved cluster pages into the content pipeline.

One unit of work per call (owner's spec, "Bulk-approve bridges cluster pages to content
pipeline"): for each approved ``ClusterPage`` a ``CrawledPage(source='cluster',
status='completed', category=<page type: collection | article | landing>, title in title
case)`` and a ``PageKeywords(is_approved=True,
is_priority=parent)``; ``ClusterPage.crawled_page_id`` set; cluster status ``approved``.

Optimise, don't duplicate (issue 18 §1): a page whose keyword an existing page of the site
covers (``ClusterPage.covered_by``, or the site's primaries and rankings at approval time:
:func:`services.site.optimise.coverage`) becomes an "optimise existing page" task on that
URL — the keyword joins the page's keywords to add, the cluster page is linked to it — and
no new page is created. The user may still ask for a new page (``new_page_ids``); the report
then warns that the two pages will compete. New pages live on the host the site is served
on and follow the site's own URL pattern for their type and topic when it has one
(:mod:`services.site.url_patterns`; a path the user typed is kept).

Idempotent and safe to run twice at once: the unique constraints on
``crawled_pages(project_id, normalized_url)``, ``cluster_pages.crawled_page_id`` and
``page_keywords.crawled_page_id`` reject duplicates, and a conflicting run is retried on
the committed state, where there is nothing left to do.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
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
from services.core.urls import page_url, url_identity
from services.core.wording import count_noun
from services.seed_clusters.review import PageDecision, apply_decisions
from services.seed_clusters.site_rules import SiteSettings, site_pattern, suggest_path
from services.seed_clusters.store import with_site_sections
from services.site.optimise import add_keyword_to_page, coverage, find_page, new_page_host
from services.site.url_patterns import InferredPattern

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
        optimised: "optimise existing page" tasks recorded (no new page).
        optimise_tasks: (keyword, URL of the existing page to optimise) of those tasks.
        new_beside_covered: new pages the user asked for although a page covers them.
        patterns: where new pages' paths came from (the site's own patterns, plain text).
        warnings: plain-text warnings (new pages that will compete with existing ones).
    """

    created: int
    linked_existing: int
    already_bridged: int
    status: str
    optimised: int = 0
    optimise_tasks: list[tuple[str, str]] = field(default_factory=list)
    new_beside_covered: int = 0
    patterns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        """One plain-text summary for the review page and the CLI."""
        text = (
            f"Approved: {count_noun(self.created, 'page')} created, "
            f"{count_noun(self.optimised, 'existing page')} to optimise (no new page), "
            f"{self.linked_existing:,} linked to existing pages, "
            f"{self.already_bridged:,} already there. Cluster status: {self.status}."
        )
        lines = [text]
        lines += [f"Optimise {url} for “{kw}”." for kw, url in self.optimise_tasks]
        lines += [f"Paths: {p}" for p in self.patterns]
        lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)


@dataclass
class _Site:
    """What approval knows of the live site (read once per approval)."""

    settings: SiteSettings
    host: str | None
    covers: dict[str, str]
    parent_keyword: str | None
    taken: set[str]


def _site(s: Session, project: Project, pages: list[ClusterPage]) -> _Site:
    parent = next((p.keyword for p in pages if p.role == "parent"), None)
    return _Site(
        settings=with_site_sections(
            s,
            project.id,
            SiteSettings.of(project.site_type, project.url_pattern, project.score_weights),
        ),
        host=new_page_host(s, project),
        covers=coverage(s, project.id, [p.keyword for p in pages]),
        parent_keyword=parent,
        taken={p.url_slug for p in pages},
    )


def _site_path(page: ClusterPage, site: _Site) -> InferredPattern | None:
    """Re-path a new page by the site's own pattern (a typed path is kept); the pattern."""
    if page.slug_edited:
        return None
    found = site_pattern(
        page.keyword, page.page_type or "collection", site.settings, topic=site.parent_keyword
    )
    if found is None:
        return None
    site.taken.discard(page.url_slug)
    page.url_slug = suggest_path(
        page.keyword,
        page.page_type or "collection",
        site.settings,
        parent_keyword=None if page.role == "parent" else site.parent_keyword,
        taken=site.taken,
        pattern=found.pattern,
    )[:100]
    return found


def _optimise(s: Session, project: Project, page: ClusterPage, url: str) -> str | None:
    """Record the "optimise existing page" task; None when no page of the project has ``url``."""
    existing = find_page(s, project.id, url)
    if existing is None:
        return None
    outcome = add_keyword_to_page(
        s,
        existing,
        page.keyword,
        search_volume=page.search_volume,
        note=f"Optimise for “{page.keyword}” (approved in a cluster instead of a new page)",
    )
    page.covered_by = existing.url
    holder = s.scalar(select(ClusterPage.id).where(ClusterPage.crawled_page_id == existing.id))
    if holder is None:
        page.crawled_page_id = existing.id
    return outcome


def _bridge_page(
    s: Session, project: Project, page: ClusterPage, site: _Site, report: ApprovalReport
) -> str:
    """Create (or link) the CrawledPage/PageKeywords of one approved page; returns the outcome."""
    found = _site_path(page, site)
    if found is not None and found.evidence not in report.patterns:
        report.patterns.append(found.evidence)
    normalized = url_identity(page.url_slug, project.domain)
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
            url=page_url(page.url_slug, site.host),
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


def _approve_page(
    s: Session,
    project: Project,
    page: ClusterPage,
    site: _Site,
    report: ApprovalReport,
    new_page: bool,
) -> str:
    """Optimise the covering page, or bridge a new one; the outcome (a report counter)."""
    cover = page.covered_by or site.covers.get(page.keyword)
    if cover and not new_page:
        outcome = _optimise(s, project, page, cover)
        if outcome == "optimise":
            report.optimise_tasks.append((page.keyword, page.covered_by or cover))
        if outcome is not None:
            return outcome
    outcome = _bridge_page(s, project, page, site, report)
    if cover and new_page:
        if url_identity(page.url_slug, project.domain) == url_identity(cover, project.domain):
            report.warnings.append(
                f"“{page.keyword}” was to get a new page, but its path {page.url_slug} is the "
                f"URL of the page that covers it ({cover}): linked to that page instead. Type "
                "another path in the table to create a separate page."
            )
        else:
            report.new_beside_covered += 1
            report.warnings.append(
                f"“{page.keyword}” gets a new page although {cover} already covers it: the two "
                "pages will compete for the same search (cannibalization). Optimising the "
                "existing page is usually better."
            )
    return outcome


@retry(
    retry=retry_if_exception_type((IntegrityError, OperationalError)),
    stop=stop_after_attempt(4),
    wait=wait_random(0.05, 0.3),
    reraise=True,
)
def bulk_approve(
    engine: Engine,
    cluster_id: Any,
    decisions: list[PageDecision] | None = None,
    *,
    new_page_ids: Collection[Any] = (),
) -> ApprovalReport:
    """Bridge every approved page of a cluster, all or nothing.

    ``decisions`` (the Cluster Review table's edits, :func:`services.seed_clusters.review.to_decisions`)
    are saved in the same transaction first, so a refused approval leaves the edits unsaved
    too. A page an existing page covers becomes an "optimise existing page" task (module
    docstring) unless its id is in ``new_page_ids`` (the user chose "new page"; warned).

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
        report = ApprovalReport(0, 0, 0, cluster.status)
        site = _site(s, project, list(cluster.pages))
        forced = {as_uuid(p) for p in new_page_ids}
        counts = {"created": 0, "linked": 0, "already": 0, "optimise": 0}
        for page in approved:
            if page.crawled_page_id is not None:
                counts["already"] += 1
                continue
            counts[_approve_page(s, project, page, site, report, page.id in forced)] += 1
        if cluster.status in ("generating", "suggestions_ready"):
            cluster.status = "approved"
        report.created, report.linked_existing = counts["created"], counts["linked"]
        report.already_bridged, report.optimised = counts["already"], counts["optimise"]
        report.status = cluster.status
        return report


def approve_pages(
    engine: Engine,
    cluster_id: Any,
    *,
    keywords: list[str] | None = None,
    select_all: bool = False,
    project_id: Any = None,
    new_pages: list[str] | None = None,
) -> ApprovalReport:
    """Bulk-approve a selection of pages (the CLI's ``approve``).

    Args:
        keywords: approve exactly the pages whose primary keyword is listed (plus the parent
            when none of them is the parent); None keeps the current selection (the
            pre-selected pages).
        select_all: approve every page.
        project_id: when given, the cluster must belong to this project.
        new_pages: keywords that get a new page even when an existing page covers them
            (warned; by default such pages become "optimise existing page" tasks).

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
    forced = {normalize_keyword(k) for k in new_pages or []}
    new_ids = [pid for pid, kw, _, _, _ in pages if kw in forced]
    return bulk_approve(engine, cluster_id, decisions, new_page_ids=new_ids)
