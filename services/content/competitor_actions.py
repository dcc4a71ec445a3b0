"""Competitor analysis action: read the SERP pages of every brief of a scope.

:func:`analyse_competitors` takes each brief's top organic URLs (the SERP cache, or
DataForSEO when a fetch function is given), reads the pages through the crawler's polite
fetcher (:mod:`services.content.competitors`) *outside* any database transaction, then
writes each page's summary into its brief (median length → word count, common headings,
gaps) in one unit of work. Per-page errors are recorded in the summary; the batch ends
completed or partial (:class:`services.core.outcome.BatchOutcome`), never failed because of
one page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from db.session import session_scope
from services.content import store
from services.content.briefs import apply_competitors
from services.content.competitors import (
    MAX_COMPETITOR_BYTES,
    RobotsCache,
    fetch_competitors,
    summarize,
)
from services.content.views import resolve
from services.core.errors import ProviderError
from services.core.outcome import BatchOutcome
from services.site.crawl.fetch import Fetcher
from services.spend.usage import record_usage

#: Seconds per competitor page request (connect/read and download budget).
COMPETITOR_TIMEOUT_S = 10.0
#: Seconds of main-text extraction per page before the extractor's fallback text.
MAIN_TEXT_TIMEOUT_S = 5.0


@dataclass
class CompetitorsReport:
    """What :func:`analyse_competitors` did.

    Attributes:
        outcome: pages read / failed (noun "page"), the top failure reasons.
        keywords: briefs analysed (with SERP URLs).
        without_serp: briefs without SERP data (nothing fetched; word counts stay assumed).
        seconds: wall time of the fetches (s).
        politeness: the fetcher's settings (delay per host s, timeout s, bytes, in flight).
        page_seconds: fetch time of each page read or failed (s), rank order per keyword.
    """

    outcome: BatchOutcome = field(default_factory=lambda: BatchOutcome(noun="page"))
    keywords: int = 0
    without_serp: int = 0
    seconds: float = 0.0
    politeness: dict[str, Any] = field(default_factory=dict)
    page_seconds: list[float] = field(default_factory=list)

    @property
    def message(self) -> str:
        """One line for the page and the CLI."""
        extra = (
            f"; {self.without_serp} brief(s) have no SERP data (word counts stay assumed)"
            if self.without_serp
            else ""
        )
        return f"{self.keywords} keyword(s): {self.outcome.summary()}{extra}"


def politeness_of(fetcher: Fetcher, max_bytes: int = MAX_COMPETITOR_BYTES) -> dict[str, Any]:
    """The fetcher's politeness settings as a report shows them."""
    return {
        "delay_per_host_s": fetcher.default_delay_s if fetcher.rate_limit else 0.0,
        "robots_txt": True,
        "timeout_s": fetcher.timeout_s,
        "max_page_bytes": max_bytes,
        "max_in_flight": fetcher.max_in_flight,
        "user_agent": fetcher.user_agent,
    }


def serp_client_of(providers: Any) -> Any:
    """The DataForSEO client of a provider set when DataForSEO is the chosen, configured
    keyword-data provider (SERPs can then be fetched), else None."""
    volume = getattr(providers, "volume", None)
    return getattr(volume, "client", None) if getattr(volume, "name", "") == "dataforseo" else None


def analyse_competitors(
    engine: Engine,
    cluster_id: Any,
    *,
    fetcher: Fetcher | None = None,
    serp_client: Any = None,
    serp_fetch: Callable[..., Any] | None = None,
    main_text: Callable[[str, str], tuple[str | None, str]] | None = None,
    budget: Any = None,
) -> CompetitorsReport:
    """Read the ranking pages of every brief of a scope and store the summaries.

    Parameters
    ----------
    fetcher : Fetcher, optional
        Default: the crawler's polite fetcher with :data:`COMPETITOR_TIMEOUT_S`.
    serp_client : DataForSEOClient, optional
        DataForSEO on (:func:`serp_client_of`): briefs without cached SERP URLs get them
        fetched ($0.002 each, reserved against the monthly budget first) and cached.
    serp_fetch : callable, optional
        A ready fetch function (:func:`services.keyword_lists.serp_store.live_fetcher`
        shape) instead of ``serp_client`` (tests).
    budget : BudgetGuard, optional
        Default: a :class:`services.spend.budget.BudgetGuard` on ``engine``.
    main_text : callable, optional
        Main-text extractor (default: trafilatura with :data:`MAIN_TEXT_TIMEOUT_S`).

    Raises
    ------
    NotFoundError
        Unknown cluster.
    BudgetExceeded
        The SERPs to fetch do not fit the budget left (nothing was fetched).
    """
    with session_scope(engine) as s:
        cluster, project = resolve(s, cluster_id)
        rows = store.content_pages(s, cluster.id if cluster else None, project.id)
        todo = [(r.id, r.primary_keyword, dict(r.brief or {})) for r in rows]
        location, language = project.location_name, project.language_name
    if serp_client is not None and serp_fetch is None:
        from services.providers.dataforseo.serp import live_fetcher

        serp_fetch = live_fetcher(serp_client, location, language)
    if serp_fetch is not None:
        _fill_serps(engine, project.id, todo, serp_fetch, (location, language), budget)
    own = fetcher is None
    fetcher = fetcher or Fetcher(timeout_s=COMPETITOR_TIMEOUT_S)
    closer = None
    if main_text is None:
        from services.site.crawl.extract import MainText

        main_text = closer = MainText(timeout_s=MAIN_TEXT_TIMEOUT_S)
    report = CompetitorsReport(politeness=politeness_of(fetcher))
    started = time.perf_counter()
    try:
        summaries = _read_all(todo, fetcher, main_text, report)
    finally:
        report.seconds = time.perf_counter() - started
        if closer is not None:
            closer.close()
        if own:
            fetcher.close()
    serps = {content_id: brief.get("serp") or [] for content_id, _kw, brief in todo}
    with session_scope(engine) as s:
        for content_id, summary in summaries.items():
            row = store.get_content(s, content_id)
            brief = dict(row.brief or {})
            brief["serp"] = brief.get("serp") or serps[content_id]
            row.brief = apply_competitors(brief, summary)
    return report


def _read_all(
    todo: list[tuple[Any, str, dict[str, Any]]],
    fetcher: Fetcher,
    main_text: Callable[[str, str], tuple[str | None, str]],
    report: CompetitorsReport,
) -> dict[Any, dict[str, Any]]:
    """Each brief's SERP pages read and summarised (content id → summary); counts and
    per-page times go to ``report``."""
    robots = RobotsCache(fetcher)
    summaries: dict[Any, dict[str, Any]] = {}
    for content_id, keyword, brief in todo:
        results = [(int(r["rank"]), str(r["url"])) for r in brief.get("serp") or []]
        if not results:
            report.without_serp += 1
            continue
        report.keywords += 1
        pages = fetch_competitors(results, fetcher, robots=robots, main_text=main_text)
        for p in pages:
            report.page_seconds.append(round(p.seconds, 4))
            report.outcome.ok() if p.ok else report.outcome.fail(p.error)
        topics = [
            str(o["text"]) for o in brief.get("outline") or [] if o.get("source") != "structure"
        ]
        summaries[content_id] = summarize(pages, keyword, topics)
    return summaries


def _fill_serps(
    engine: Engine,
    project_id: Any,
    todo: list[tuple[Any, str, dict[str, Any]]],
    serp_fetch: Callable[..., Any],
    locale: tuple[str, str],
    budget: Any,
) -> None:
    """Fetch (and cache) the SERP URLs of briefs that have none, within the budget; a
    failure stays with its keyword (the rest go on)."""
    from services.providers.dataforseo.serp_cache import estimate_serp_cost, fetch_serps
    from services.spend.budget import BudgetGuard

    wanted = [kw for _id, kw, brief in todo if not brief.get("serp")]
    if not wanted:
        return
    location, language = locale
    missing, estimate = estimate_serp_cost(engine, wanted, location, language)
    guard = budget or BudgetGuard(engine)
    reservation = (
        guard.reserve(estimate, f"competitor SERPs: {missing} keyword(s)") if missing else None
    )
    failures: dict[str, str] = {}
    usage: list[Any] = []
    try:
        urls, usage = fetch_serps(
            engine, wanted, serp_fetch, location=location, language=language, failures=failures
        )
    except ProviderError as exc:  # the service is down: analyse what is cached
        usage, urls = list(getattr(exc, "usage", [])), {}
    finally:
        with session_scope(engine) as s:
            spent = record_usage(s, usage, project_id=project_id)
        if reservation is not None:
            guard.settle(reservation, spent)
    for _id, kw, brief in todo:
        if not brief.get("serp") and urls.get(kw):
            brief["serp"] = [{"rank": i, "url": u, "title": ""} for i, u in enumerate(urls[kw], 1)]
