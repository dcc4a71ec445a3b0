"""The report of a crawl: figures, its outcome (completed / partial / failed) and hints.

Pure: built from the crawler's :class:`~services.site.crawl.crawler.CrawlSummary`; the api
stores it as ``CrawlRun.stats`` and returns it to the job panel and the CLI.

Outcome (issues 18 §6 and 19 §2, rule of :mod:`services.core.outcome`): a 2xx page extracted
succeeds; a timeout, connection error, page that raised while being processed, or 5xx answer
fails with its reason; deliberate skips (robots.txt, off host, not HTML, patterns) and 4xx
answers are neither — except that when no page succeeded, 4xx answers count as failures (a
site answering 404 everywhere was not crawled).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from services.core.outcome import BatchOutcome
from services.core.wording import count_noun
from services.site.crawl.model import CrawlLimits, CrawlSummary
from services.site.crawl.urls import same_site, site_root


@dataclass
class CrawlReport:
    """Outcome of a crawl (also the job's result and ``CrawlRun.stats``).

    Attributes
    ----------
    run_id : str
        The ``crawl_runs`` row.
    status : str
        ``completed`` | ``partial`` | ``failed`` (:class:`~services.core.outcome.BatchOutcome`)
        or ``cancelled``.
    pages : int
        Pages stored (any HTTP status); ``ok`` of them 2xx HTML, ``http_errors`` 4xx/5xx.
    fetched : int
        URLs requested (pages + non-HTML answers + timeouts…), resumed attempts included.
    skipped : int
        URLs not crawled; ``skip_counts`` by reason.
    sitemap_urls : int
        Page URLs listed in the site's sitemaps.
    redirects : int
        Redirect hops followed.
    gone : int
        Pages marked gone; ``gone_note`` says why none were checked.
    complete : bool
        Every discovered URL was fetched.
    time_limited : bool
        The crawl's overall time limit stopped it.
    seconds : float
        Wall time of this attempt; ``pages_per_second`` = pages / seconds.
    robots : dict
        robots.txt status, delay (s), sitemaps.
    outcome : dict
        :meth:`BatchOutcome.as_dict`: status, succeeded, failed, skipped, top_reasons.
    hints : list of str
        Plain sentences on what to change (sitemap on another host, site under a sub-path).
    """

    run_id: str
    status: str
    start_url: str
    pages: int = 0
    ok: int = 0
    http_errors: int = 0
    fetched: int = 0
    skipped: int = 0
    skip_counts: dict[str, int] = field(default_factory=dict)
    sitemap_urls: int = 0
    redirects: int = 0
    gone: int = 0
    gone_note: str = ""
    complete: bool = False
    time_limited: bool = False
    seconds: float = 0.0
    pages_per_second: float = 0.0
    requests: int = 0
    robots: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    outcome: dict[str, Any] = field(default_factory=dict)
    hints: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        """One line for the job panel and the CLI."""
        text = (
            f"Crawled {count_noun(self.pages, 'page')} ({self.ok:,} OK, "
            f"{count_noun(self.http_errors, 'HTTP error')}), "
            f"skipped {count_noun(self.skipped, 'URL')} in {self.seconds:.1f} s"
        )
        if self.gone:
            text += f"; {count_noun(self.gone, 'page')} gone since the last crawl"
        if self.time_limited:
            text += " (time limit reached: not every URL was crawled)"
        elif not self.complete:
            text += " (limits reached: not every URL was crawled)"
        if self.status in ("partial", "failed"):
            text += f". {self.status.capitalize()}: {self._reasons()}"
        return text

    def _reasons(self) -> str:
        top = self.outcome.get("top_reasons") or []
        failed = int(self.outcome.get("failed") or 0)
        listed = "; ".join(f"{r['reason']} ×{r['count']:,}" for r in top[:3])
        return f"{count_noun(failed, 'URL')} failed" + (f" ({listed})" if listed else "")

    @property
    def exit_code(self) -> int:
        """CLI exit code: 0 completed, 1 partial / failed / cancelled."""
        return 0 if self.status == "completed" else 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with ``message``."""
        return {**asdict(self), "message": self.message}


def gone_note(summary: CrawlSummary, limits: CrawlLimits) -> str:
    """Why pages no longer found were not marked gone ("" when they were checked)."""
    if summary.time_limited:
        return "not checked: the crawl hit its time limit"
    if not summary.complete:
        return "not checked: the crawl hit its page or depth limit"
    if limits.include or limits.exclude:
        return "not checked: include/exclude patterns limited the crawl"
    return ""


def hints(summary: CrawlSummary) -> list[str]:
    """Plain sentences for two common set-up mistakes.

    - The sitemap (or the pages it lists) is on another host: it was not used.
    - The start address answered 404/410: the site may live under a sub-path; the most common
      first path segment of the site's sitemap URLs is suggested when there is one.
    """
    out: list[str] = []
    off = [url for url, status in summary.sitemaps if status == "off host"]
    if off:
        out.append(
            f"The sitemap {off[0]} is on another host than the start address, so it was not "
            "read. Start the crawl on that host if it is the site, or links are followed instead."
        )
    urls = summary.sitemap_page_urls
    if urls and not any(same_site(u, summary.site) for u in urls):
        host = urlsplit(urls[0]).netloc
        out.append(
            f"The sitemap lists pages on {host}, not on the start address's site: none of them "
            "were crawled. Check the address (www, http/https, port)."
        )
    if summary.start_status in (404, 410):
        out.append(_subpath_hint(summary, urls))
    return out


def _subpath_hint(summary: CrawlSummary, urls: list[str]) -> str:
    segments: Counter[str] = Counter()
    for url in urls:
        if same_site(url, summary.site):
            first = (urlsplit(url).path or "/").strip("/").split("/", 1)[0]
            if first:
                segments[first] += 1
    text = (
        f"The start address answered HTTP {summary.start_status}. If the site lives under a "
        "sub-path, start the crawl there"
    )
    if segments:
        segment = segments.most_common(1)[0][0]
        return text + f", e.g. {site_root(summary.start_url)}{segment}/."
    return text + " (e.g. https://example.com/shop/)."


def build_report(
    run_id: Any,
    status: str,
    summary: CrawlSummary,
    outcome: BatchOutcome,
    *,
    fetched: int,
    gone: int,
    note: str,
) -> CrawlReport:
    """The :class:`CrawlReport` of a finished (or stopped) attempt."""
    seconds = float(summary.seconds or 0.0)
    return CrawlReport(
        run_id=str(run_id),
        status=status,
        start_url=summary.start_url,
        pages=summary.pages,
        ok=summary.ok,
        http_errors=summary.http_errors,
        fetched=fetched,
        skipped=sum(summary.skip_counts.values()),
        skip_counts=dict(summary.skip_counts),
        sitemap_urls=summary.sitemap_urls,
        redirects=len(summary.redirects),
        gone=gone,
        gone_note=note,
        complete=summary.complete,
        time_limited=summary.time_limited,
        seconds=round(seconds, 2),
        pages_per_second=round(summary.pages / seconds, 2) if seconds > 0 else 0.0,
        requests=summary.requests,
        robots=dict(summary.robots),
        error=summary.error,
        outcome=outcome.as_dict(),
        hints=hints(summary),
    )
