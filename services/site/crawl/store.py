"""SQL of the site crawl: crawl runs, pages upserted in place, internal links, reads.

Every function takes an open ``Session`` (the api owns the unit of work). Pages are keyed by
``(project_id, normalized_url)`` — the same key the seed-cluster approval and the rankings
import use — so a crawl updates the row of a page the planner already knows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from db.models import CrawledPage, CrawlLink, CrawlRun, utcnow
from services.site.crawl.model import CrawlLimits, CrawlSummary, PageRecord, ResumeState
from services.site.crawl.urls import url_key

if TYPE_CHECKING:
    import pandas as pd

#: ``CrawledPage.status`` values written by the crawl.
PAGE_CRAWLED = "crawled"  # 2xx HTML page, extracted
PAGE_ERROR = "error"  # answered 3xx without a usable target, 4xx or 5xx
PAGE_GONE = "gone"  # crawled before, not found by a later complete crawl
#: Sources the crawl leaves as they are (a planned cluster page stays "cluster").
KEEP_SOURCES = ("cluster",)

PAGE_COLUMNS = [
    "url",
    "status",
    "title",
    "h1",
    "word_count",
    "page_type",
    "canonical",
    "noindex",
    "source",
    "meta_description",
    "product_count",
    "depth",
    "discovered_via",
    "crawl_status",
    "error",
    "final_url",
    "last_crawled_at",
]
#: Run statuses a resume may continue (``interrupted``: its job's process died).
RESUMABLE_RUNS = ("cancelled", "failed", "interrupted")
#: Run statuses of a finished crawl (``partial``: some URLs failed, see
#: :mod:`services.site.crawl.report`).
FINISHED_RUNS = ("completed", "partial")
LINK_COLUMNS = ["source_url", "target_url", "anchor_text", "nofollow"]
SKIP_COLUMNS = ["url", "reason", "status", "found_on"]


def create_run(
    s: Session,
    project_id: uuid.UUID,
    start_url: str,
    limits: CrawlLimits,
    *,
    job_id: Any = None,
) -> uuid.UUID:
    """Insert a ``running`` crawl run (``stats.job_id``: the job running it); returns its id."""
    run = CrawlRun(
        project_id=project_id,
        start_url=start_url,
        limits=limits.to_dict(),
        status="running",
        stats={"job_id": str(job_id)} if job_id else {},
    )
    s.add(run)
    s.flush()
    return run.id


def get_run(s: Session, run_id: uuid.UUID) -> CrawlRun | None:
    """The crawl run, or None."""
    return s.get(CrawlRun, run_id)


def latest_run(s: Session, project_id: uuid.UUID) -> CrawlRun | None:
    """The project's most recent crawl run."""
    return s.scalars(
        select(CrawlRun)
        .where(CrawlRun.project_id == project_id)
        .order_by(CrawlRun.started_at.desc())
        .limit(1)
    ).first()


def run_of_job(s: Session, project_id: uuid.UUID, job_id: Any) -> CrawlRun | None:
    """The project's run started by job ``job_id`` (``stats.job_id``), newest first."""
    runs = s.scalars(
        select(CrawlRun)
        .where(CrawlRun.project_id == project_id)
        .order_by(CrawlRun.started_at.desc())
        .limit(50)
    )
    wanted = str(job_id)
    return next((r for r in runs if (r.stats or {}).get("job_id") == wanted), None)


def mark_interrupted(s: Session, project_id: uuid.UUID) -> int:
    """Mark the project's ``running`` runs ``interrupted`` (their job's process is gone).

    Returns
    -------
    int
        Runs marked.
    """
    runs = list(
        s.scalars(
            select(CrawlRun).where(CrawlRun.project_id == project_id, CrawlRun.status == "running")
        )
    )
    for run in runs:
        run.status, run.finished_at = "interrupted", utcnow()
        run.error = "The crawl stopped with its job (the worker was stopped); resume it."
    return len(runs)


def resume_state(s: Session, run: CrawlRun) -> ResumeState:
    """What the run already fetched and the links it found but had not fetched yet.

    Seen: every page this run stored plus the URLs it skipped; frontier: internal link
    targets of its pages (depth = the page's depth + 1) not seen yet.
    """
    pages = s.execute(
        select(CrawledPage.id, CrawledPage.normalized_url, CrawledPage.crawl_depth).where(
            CrawledPage.last_crawl_run_id == run.id
        )
    ).all()
    seen = {p.normalized_url for p in pages}
    seen |= {url_key(str(item.get("url", ""))) for item in run.skipped or []}
    depth_of = {p.id: int(p.crawl_depth or 0) for p in pages}
    frontier: list[tuple[str, int, str]] = []
    queued: set[str] = set()
    if depth_of:
        links = s.execute(
            select(CrawlLink.source_page_id, CrawlLink.target_url, CrawlLink.target_normalized)
            .where(CrawlLink.source_page_id.in_(list(depth_of)))
            .order_by(CrawlLink.source_page_id)
        ).all()
        for link in links:
            key = link.target_normalized
            if key in seen or key in queued:
                continue
            queued.add(key)
            frontier.append((link.target_url, depth_of[link.source_page_id] + 1, "link"))
    return ResumeState(seen=seen, frontier=frontier, done=int(run.pages_fetched or 0))


def _apply(page: CrawledPage, record: PageRecord, run_id: uuid.UUID) -> None:
    now = utcnow()
    page.final_url = record.final_url[:2000]
    page.http_status = record.status
    page.crawl_depth = (
        record.depth
        if page.crawl_depth is None or page.last_crawl_run_id != run_id
        else min(page.crawl_depth, record.depth)
    )
    page.discovered_via = record.via
    page.last_crawl_run_id = run_id
    page.last_crawled_at = now
    page.gone_at = None
    if page.source not in KEEP_SOURCES:
        page.source = "crawl"
    meta: dict[str, Any] = {
        "requested_url": record.url,
        "redirects": [[u, st] for u, st in record.redirects],
        "content_type": record.content_type,
        "truncated": record.truncated,
        "fetch_seconds": round(record.seconds, 3),
    }
    ex = record.extracted
    if ex is None:
        page.status = PAGE_ERROR
        page.crawl_error = f"HTTP {record.status}"
        page.crawl_meta = {**(page.crawl_meta or {}), **meta}
        return
    page.status = PAGE_CRAWLED
    page.crawl_error = "; ".join(ex.warnings) or None
    page.title = ex.title
    page.meta_description = ex.meta_description
    page.h1 = ex.h1
    page.headings = ex.headings
    page.body_content = ex.body_text
    page.word_count = ex.word_count
    page.product_count = ex.product_count
    page.category = ex.page_type
    page.canonical_url = ex.canonical[:2000] if ex.canonical else None
    page.noindex = ex.noindex
    meta.update(
        robots_meta=ex.robots_meta,
        meta_refresh=ex.meta_refresh,
        jsonld_types=ex.jsonld_types,
        internal_links=len(record.internal_links),
        external_links=record.external_links,
        warnings=ex.warnings,
    )
    page.crawl_meta = meta


def save_pages(
    s: Session, project_id: uuid.UUID, run_id: uuid.UUID, records: Iterable[PageRecord]
) -> int:
    """Upsert pages (by normalized URL) and replace their internal links.

    Returns
    -------
    int
        Pages written.
    """
    by_key: dict[str, PageRecord] = {}
    for record in records:
        by_key[record.key[:2000]] = record
    if not by_key:
        return 0
    existing = {
        p.normalized_url: p
        for p in s.scalars(
            select(CrawledPage).where(
                CrawledPage.project_id == project_id,
                CrawledPage.normalized_url.in_(list(by_key)),
            )
        )
    }
    pages: list[tuple[CrawledPage, PageRecord]] = []
    for key, record in by_key.items():
        page = existing.get(key)
        if page is None:
            page = CrawledPage(
                project_id=project_id,
                url=record.final_url[:2000],
                normalized_url=key,
                source="crawl",
                headings={},
                labels=[],
                crawl_meta={},
            )
            s.add(page)
        _apply(page, record, run_id)
        pages.append((page, record))
    s.flush()
    ids = [page.id for page, record in pages if record.extracted is not None]
    if ids:
        s.execute(delete(CrawlLink).where(CrawlLink.source_page_id.in_(ids)))
    rows = [
        {
            "id": uuid.uuid4(),
            "project_id": project_id,
            "source_page_id": page.id,
            "target_url": link.url[:2000],
            "target_normalized": url_key(link.url)[:2000],
            "anchor_text": link.anchor[:1000],
            "nofollow": link.nofollow,
        }
        for page, record in pages
        if record.extracted is not None
        for link in record.internal_links
    ]
    if rows:
        s.execute(CrawlLink.__table__.insert(), rows)
    return len(pages)


def record_progress(s: Session, run_id: uuid.UUID, fetched: int) -> None:
    """Store how many URLs the run fetched so far (a resume counts them toward max pages)."""
    s.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(pages_fetched=fetched))


def finish_run(
    s: Session,
    run_id: uuid.UUID,
    status: str,
    summary: CrawlSummary | None,
    *,
    fetched: int,
    error: str | None = None,
    stats: dict[str, Any] | None = None,
) -> None:
    """Close a run: status, URLs fetched, skipped URLs and figures."""
    run = s.get(CrawlRun, run_id)
    if run is None:
        return
    run.status = status
    run.pages_fetched = fetched
    run.finished_at = utcnow()
    run.error = error
    if summary is not None:
        previous = list(run.skipped or [])  # a resumed run keeps what it skipped before
        kept = {str(item.get("url")) for item in previous}
        run.skipped = previous + [
            {"url": k.url, "reason": k.reason, "status": k.status, "found_on": k.found_on}
            for k in summary.skipped
            if k.url not in kept
        ]
    if stats is not None:
        job_id = (run.stats or {}).get("job_id")
        run.stats = {**stats, "job_id": job_id} if job_id else stats


def mark_gone(s: Session, project_id: uuid.UUID, run_id: uuid.UUID) -> int:
    """Mark pages an earlier crawl found and this complete crawl did not as ``gone``.

    Returns
    -------
    int
        Pages newly marked.
    """
    result = s.execute(
        update(CrawledPage)
        .where(
            CrawledPage.project_id == project_id,
            CrawledPage.last_crawled_at.is_not(None),
            CrawledPage.last_crawl_run_id != run_id,
            CrawledPage.status != PAGE_GONE,
        )
        .values(status=PAGE_GONE, gone_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def pages_frame(s: Session, project_id: uuid.UUID) -> pd.DataFrame:
    """Every page of the project (columns: :data:`PAGE_COLUMNS`), by URL (body text not read)."""
    import pandas as pd  # the frames the pages show: not when crawling

    p = CrawledPage
    columns = {
        "url": p.url,
        "status": p.http_status,
        "title": p.title,
        "h1": p.h1,
        "word_count": p.word_count,
        "page_type": p.category,
        "canonical": p.canonical_url,
        "noindex": p.noindex,
        "source": p.source,
        "meta_description": p.meta_description,
        "product_count": p.product_count,
        "depth": p.crawl_depth,
        "discovered_via": p.discovered_via,
        "crawl_status": p.status,
        "error": p.crawl_error,
        "final_url": p.final_url,
        "last_crawled_at": p.last_crawled_at,
    }
    rows = s.execute(
        select(*columns.values()).where(p.project_id == project_id).order_by(p.url)
    ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(columns))
    frame["noindex"] = frame["noindex"].fillna(False).astype(bool)
    for col in ("status", "word_count", "product_count", "depth"):
        frame[col] = frame[col].astype("Int64")
    return frame


def crawled_pages(s: Session, project_id: uuid.UUID) -> list[CrawledPage]:
    """Pages the crawl extracted (HTTP 2xx, not gone), by URL."""
    return list(
        s.scalars(
            select(CrawledPage)
            .where(CrawledPage.project_id == project_id, CrawledPage.status == PAGE_CRAWLED)
            .order_by(CrawledPage.url)
        )
    )


def links_frame(s: Session, project_id: uuid.UUID) -> pd.DataFrame:
    """Internal links (columns: :data:`LINK_COLUMNS`): source page URL, target URL, anchor."""
    import pandas as pd  # the frames the pages show: not when crawling

    rows = s.execute(
        select(CrawledPage.url, CrawlLink.target_url, CrawlLink.anchor_text, CrawlLink.nofollow)
        .join(CrawledPage, CrawledPage.id == CrawlLink.source_page_id)
        .where(CrawlLink.project_id == project_id)
        .order_by(CrawledPage.url, CrawlLink.target_url)
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=LINK_COLUMNS)
