"""Site crawl: what pages, the CLI and the job worker call (issue 9 §1).

- :func:`run_crawl` crawls inline (the ``crawl`` job handler and the CLI use it);
- :func:`start_crawl_job` / :func:`resume_crawl_job` queue it as a background job (kind
  ``crawl``: progress, cancel, resume — a resumed run skips the URLs it already fetched);
- :func:`list_pages`, :func:`skipped_urls`, :func:`page_texts`, :func:`internal_links` and
  :func:`latest_run` read the results.

Pages are stored as ``CrawledPage`` rows (``source='crawl'``) in batches while the crawl runs,
updated in place on a re-crawl; a complete crawl (no page/depth limit hit, no include/exclude
patterns) marks pages it no longer finds as ``gone``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from db.models import Project
from db.session import session_scope
from services.core.errors import (
    CrawlBlocked,
    CrawlFailed,
    InvalidInputError,
    JobCancelled,
    NotFoundError,
)
from services.core.ids import as_uuid
from services.site.crawl import store
from services.site.crawl.crawler import Crawler
from services.site.crawl.fetch import Fetcher
from services.site.crawl.model import CrawlLimits
from services.site.crawl.report import CrawlReport
from services.site.crawl.runs import Saver, close_run, end_state, open_run
from services.site.crawl.urls import check_start_url, slug_of

if TYPE_CHECKING:
    import pandas as pd

JOB_KIND = "crawl"
#: Characters of main text in :attr:`PageText.body_summary`.
SUMMARY_CHARS = 1_500

ProgressFn = Callable[[float, str], None]

__all__ = [
    "JOB_KIND",
    "CrawlLimits",
    "CrawlReport",
    "PageText",
    "crawl_job",
    "default_start_url",
    "internal_links",
    "latest_run",
    "list_pages",
    "page_texts",
    "resume_crawl_job",
    "run_crawl",
    "skipped_urls",
    "start_crawl_job",
]


@dataclass
class PageText:
    """A crawled page's text for the primary-keyword step (part B of issue 9).

    Attributes
    ----------
    url : str
    title, h1 : str or None
    headings : list of str
        H2-H6 texts in document order.
    body_summary : str
        The first :data:`SUMMARY_CHARS` characters of the main text (cut at a word).
    slug : str
        Last path segment without extension (``""`` for the home page).
    page_type : str or None
        home | collection | product | article | other.
    noindex : bool
    word_count : int or None
    """

    url: str
    title: str | None
    h1: str | None
    headings: list[str]
    body_summary: str
    slug: str
    page_type: str | None = None
    noindex: bool = False
    word_count: int | None = None


def _summary_text(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text[:SUMMARY_CHARS]
    return cut[: cut.rfind(" ")] if " " in cut else cut


def _project(engine: Engine, project_id: Any) -> tuple[uuid.UUID, str | None]:
    pid = as_uuid(project_id)
    with session_scope(engine) as s:
        project = s.get(Project, pid)
        if project is None:
            raise NotFoundError("That project does not exist.")
        return pid, project.domain


def default_start_url(engine: Engine, project_id: Any) -> str:
    """``https://<project domain>/`` (empty when the project has no domain).

    Raises
    ------
    NotFoundError
        No such project.
    """
    _pid, domain = _project(engine, project_id)
    if not domain:
        return ""
    host = domain.strip().removeprefix("https://").removeprefix("http://").strip("/")
    return f"https://{host}/"


def run_crawl(
    engine: Engine,
    project_id: Any,
    start_url: str,
    *,
    limits: CrawlLimits,
    progress: ProgressFn | None = None,
    fetcher: Fetcher | None = None,
    resume_run_id: Any = None,
    job_id: Any = None,
) -> CrawlReport:
    """Crawl the site inline and store its pages.

    Parameters
    ----------
    engine : sqlalchemy.Engine
    project_id : uuid.UUID or str
    start_url : str
        The site's address (``https://`` is added when no scheme is given). Ignored when
        resuming (the run's own start URL is used).
    limits : CrawlLimits
        Max pages (default 500), max depth, include/exclude path patterns, timeout, time limit.
    progress : callable, optional
        ``progress(percent 0-100, message)``; raising ``JobCancelled`` stops the crawl (what
        was fetched is kept and the run can be resumed).
    fetcher : Fetcher, optional
        Default: a polite :class:`~services.site.crawl.fetch.Fetcher` (1 request/s per host,
        4 in flight, ``limits.timeout_s``). Tests pass ``Fetcher(rate_limit=False)``.
    resume_run_id : uuid.UUID or str, optional
        Continue this cancelled/failed/interrupted run instead of starting a new one.
    job_id : uuid.UUID or str, optional
        The background job running the crawl (kept on the run so that a resumed job
        continues its own run).

    Returns
    -------
    CrawlReport
        ``status`` completed / partial / failed by the rule of
        :mod:`services.site.crawl.report` (failed and partial runs are reported, not raised).

    Raises
    ------
    InvalidInputError
        Bad URL or limits; the run to resume is finished or of another project.
    NotFoundError
        No such project or run.
    CrawlBlocked
        robots.txt is unreachable (nothing may be crawled); the run is marked failed.
    JobCancelled
        From ``progress``; the run is marked cancelled.
    """
    limits = limits.validated()
    pid, _domain = _project(engine, project_id)
    run_id, start_url, limits, resume = open_run(
        engine, pid, start_url, limits, resume_run_id, job_id
    )
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher(timeout_s=limits.timeout_s)
    saver = Saver(engine, pid, run_id, resume.done if resume else 0)
    crawler = Crawler(start_url, limits, fetcher, saver.add, progress=progress, resume=resume)
    saver.summary = crawler.summary
    status, error = "failed", None
    try:
        crawler.run()
        status, error = end_state(crawler.summary)
    except JobCancelled:
        status = "cancelled"
        raise
    except Exception as exc:  # recorded on the run, then re-raised for the job/CLI
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        report = close_run(engine, saver, status, error, limits)
        if own_fetcher:
            fetcher.close()
    if crawler.summary.error:
        raise CrawlBlocked(crawler.summary.error)
    if progress:
        progress(100, report.message)
    return report


# --------------------------------------------------------------------------- background job
def start_crawl_job(
    engine: Engine, project_id: Any, start_url: str, limits: CrawlLimits
) -> uuid.UUID:
    """Queue a crawl (job kind ``crawl``); returns the job id to poll.

    Raises
    ------
    InvalidInputError
        Bad URL or limits (checked before queueing).
    NotFoundError
        No such project.
    """
    from services import jobs

    url = check_start_url(start_url)
    checked = limits.validated()
    pid, _domain = _project(engine, project_id)
    return jobs.submit(
        JOB_KIND, pid, {"start_url": url, "limits": checked.to_dict()}, engine=engine
    )


def resume_crawl_job(engine: Engine, project_id: Any) -> uuid.UUID:
    """Queue the continuation of the project's latest crawl run (cancelled, failed or
    interrupted): it continues from the stored frontier and skips the URLs already fetched.

    Raises
    ------
    InvalidInputError
        The latest run finished (or none exists): nothing to resume.
    """
    from services import jobs

    pid, _domain = _project(engine, project_id)
    with session_scope(engine) as s:
        run = store.latest_run(s, pid)
        if run is None or run.status not in store.RESUMABLE_RUNS:
            raise InvalidInputError("There is no interrupted crawl to resume.")
        params = {"start_url": run.start_url, "limits": run.limits, "resume_run_id": str(run.id)}
    return jobs.submit(JOB_KIND, pid, params, engine=engine)


def crawl_job(ctx: Any) -> dict[str, Any]:
    """Job handler (kind ``crawl``). Params: ``start_url``, ``limits`` (CrawlLimits dict),
    optional ``resume_run_id``. A crawl whose outcome is ``failed`` raises
    :class:`~services.core.errors.CrawlFailed` (the job fails with the reasons). A job re-queued after an interruption continues the run it
    started (found by ``stats.job_id``) instead of starting over.
    ``ctx.deps.extras["crawl_fetcher"]`` is a test seam (a fetcher with the rate limit lifted).
    """
    extras = getattr(ctx.deps, "extras", None) or {}
    resume_run_id = ctx.params.get("resume_run_id") or _own_run_to_resume(
        ctx.engine, ctx.project_id, ctx.job_id
    )
    report = run_crawl(
        ctx.engine,
        ctx.project_id,
        str(ctx.params.get("start_url", "")),
        limits=CrawlLimits.from_dict(ctx.params.get("limits")),
        progress=ctx.progress,
        fetcher=extras.get("crawl_fetcher"),
        resume_run_id=resume_run_id,
        job_id=ctx.job_id,
    )
    if report.status == "failed":  # the job fails too (red in the job panel), reasons shown
        raise CrawlFailed(report.message)
    return report.to_dict()


def _own_run_to_resume(engine: Engine, project_id: Any, job_id: Any) -> uuid.UUID | None:
    """The run this job started before it was interrupted (a job runs once at a time, so its
    run still ``running`` belongs to a dead attempt), or None for a first attempt."""
    if job_id is None or project_id is None:
        return None
    with session_scope(engine) as s:
        run = store.run_of_job(s, as_uuid(project_id), job_id)
        if run is None or run.status not in (*store.RESUMABLE_RUNS, "running"):
            return None
        if run.status == "running":
            run.status = "interrupted"
        return run.id


def release_interrupted(engine: Engine, project_id: Any) -> int:
    """Release hook of job kind ``crawl`` (:func:`services.app.jobs` runs it when a crawl job
    is interrupted: worker killed, lease expired, SIGTERM): its ``running`` run becomes
    ``interrupted`` so that the page offers Resume.

    Returns
    -------
    int
        Runs marked.
    """
    with session_scope(engine) as s:
        return store.mark_interrupted(s, as_uuid(project_id))


# --------------------------------------------------------------------------- reads
@dataclass
class RunView:
    """The latest crawl run as the page shows it."""

    id: uuid.UUID
    status: str
    start_url: str
    pages_fetched: int
    limits: dict[str, Any]
    stats: dict[str, Any]
    error: str | None


def latest_run(engine: Engine, project_id: Any) -> RunView | None:
    """The project's most recent crawl run, or None."""
    with session_scope(engine) as s:
        run = store.latest_run(s, as_uuid(project_id))
        if run is None:
            return None
        return RunView(
            id=run.id,
            status=run.status,
            start_url=run.start_url,
            pages_fetched=run.pages_fetched,
            limits=dict(run.limits or {}),
            stats=dict(run.stats or {}),
            error=run.error,
        )


def list_pages(engine: Engine, project_id: Any) -> pd.DataFrame:
    """Every page of the project, one row each.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`services.site.crawl.store.PAGE_COLUMNS`: url, status (HTTP status of
        the last crawl, <NA> when never crawled), title, h1, word_count, page_type (home |
        collection | product | article | other), canonical, noindex, source (crawl | cluster |
        …), meta_description, product_count, depth, discovered_via, crawl_status (crawled |
        error | gone | the planner's own statuses), error, final_url, last_crawled_at.
    """
    with session_scope(engine) as s:
        return store.pages_frame(s, as_uuid(project_id))


def skipped_urls(engine: Engine, project_id: Any) -> pd.DataFrame:
    """URLs the latest crawl run did not crawl: url, reason, status, found_on."""
    import pandas as pd  # the frames the pages show: not when crawling

    with session_scope(engine) as s:
        run = store.latest_run(s, as_uuid(project_id))
        rows = list(run.skipped or []) if run is not None else []
    return pd.DataFrame(rows, columns=store.SKIP_COLUMNS)


def page_texts(engine: Engine, project_id: Any) -> list[PageText]:
    """Text of every crawled 2xx page (not gone), by URL, for primary-keyword candidates."""
    with session_scope(engine) as s:
        pages = store.crawled_pages(s, as_uuid(project_id))
        return [
            PageText(
                url=p.url,
                title=p.title,
                h1=p.h1,
                headings=[
                    text
                    for level in ("h2", "h3", "h4", "h5", "h6")
                    for text in (p.headings or {}).get(level, [])
                ],
                body_summary=_summary_text(p.body_content),
                slug=slug_of(p.url),
                page_type=p.category,
                noindex=bool(p.noindex),
                word_count=p.word_count,
            )
            for p in pages
        ]


def internal_links(engine: Engine, project_id: Any) -> pd.DataFrame:
    """Internal links found by the crawl (for the content issue's link plan).

    Returns
    -------
    pandas.DataFrame
        Columns source_url (the linking page's URL), target_url (absolute, no fragment),
        anchor_text (link text, or the image's alt text), nofollow (bool).
    """
    with session_scope(engine) as s:
        return store.links_frame(s, as_uuid(project_id))
