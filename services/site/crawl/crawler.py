"""The crawl loop: robots.txt → sitemaps → breadth-first fetching and extraction.

No database here: pages go out through ``on_page`` as they are fetched (the api stores them in
batches, so a cancelled crawl keeps what it fetched and can be resumed).

Discovery (issue 9 §1): the start URL, the URLs of the site's sitemaps (robots.txt ``Sitemap:``
lines, else ``/sitemap.xml``; indexes and ``.gz`` files followed), then internal links of the
fetched pages (breadth first), also canonical and same-site meta-refresh targets. With
``follow_links=False`` links are followed only when no sitemap lists a page (the fallback).
``depth`` counts link hops from the start URL or a sitemap URL (both depth 0).

A URL is fetched once per crawl (key: :func:`services.site.crawl.urls.url_key`, so ``/a``,
``/a/`` and ``http://www.…/a`` are one page). The start URL is always fetched; other URLs
must be on the start URL's site (:func:`~services.site.crawl.urls.site_key`: host and port;
www/non-www and http/https on default ports alike), pass the include/exclude
patterns and robots.txt, and not name a file that is never a page (``.pdf``, ``.zip``, images…:
:data:`~services.site.crawl.model.FILE_EXTENSIONS`, skipped without a request; other non-HTML
answers are skipped by their Content-Type). Redirects are followed on the site and recorded
on the page they land on; a redirect off the site is recorded, not followed.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from urllib.parse import urlsplit

from services.core.errors import InvalidInputError
from services.site.crawl import sitemaps
from services.site.crawl.extract import MainText, extract_page
from services.site.crawl.fetch import (
    REDIRECT_LOOP,
    TIME_LIMIT,
    TOO_MANY_REDIRECTS,
    Fetcher,
    FetchResult,
)
from services.site.crawl.model import (
    EXCLUDED,
    FILE_EXTENSIONS,
    MAX_REDIRECTS_KEPT,
    NOT_HTML_FILE,
    NOT_INCLUDED,
    OFF_HOST,
    PAGE_FAILED,
    REDIRECT_OFF_HOST,
    ROBOTS_DISALLOW,
    ROBOTS_MAX_BYTES,
    CrawlLimits,
    CrawlSummary,
    PageRecord,
    ResumeState,
    Skip,
)
from services.site.crawl.robots import RobotsRules, rules_for_status
from services.site.crawl.urls import (
    host_key,
    is_http,
    path_matches,
    same_site,
    site_key,
    site_root,
    url_key,
)

log = logging.getLogger(__name__)
ProgressFn = Callable[[float, str], None]


def _extension(url: str) -> str:
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1].lower() if "." in last else ""


class Crawler:
    """One crawl of one site (see module docstring).

    Parameters
    ----------
    start_url : str
        Absolute http(s) URL (usually the home page).
    limits : CrawlLimits
        Validated limits.
    fetcher : Fetcher
        Polite HTTP client (its ``rate_limit``/timeout are used as given).
    on_page : callable
        ``on_page(PageRecord)`` for every URL that answered, in the main thread.
    progress : callable, optional
        ``progress(percent 0-100, message)``; may raise ``JobCancelled`` to stop.
    main_text : MainText, optional
        trafilatura with a time limit (default: a new one).
    resume : ResumeState, optional
        Continue an interrupted run.
    """

    def __init__(
        self,
        start_url: str,
        limits: CrawlLimits,
        fetcher: Fetcher,
        on_page: Callable[[PageRecord], None],
        *,
        progress: ProgressFn | None = None,
        main_text: MainText | None = None,
        resume: ResumeState | None = None,
    ) -> None:
        if not is_http(start_url):
            raise InvalidInputError("Enter the site's address, e.g. https://www.example.com/.")
        self.start_url = start_url
        self.limits = limits
        self.fetcher = fetcher
        self.on_page = on_page
        self.progress = progress or (lambda _pct, _msg: None)
        self.main_text = main_text or MainText()
        self._own_main_text = main_text is None
        self.site = site_key(start_url)
        self.robots = RobotsRules()
        self.summary = CrawlSummary(start_url=start_url, site=self.site)
        self.resume = resume
        self._seen: set[str] = set(resume.seen) if resume else set()
        self._stored: set[str] = set()  # keys handed to on_page in this attempt
        self._queue: deque[tuple[str, int, str, str]] = deque()
        self._follow = limits.follow_links
        self._done = resume.done if resume else 0

    # ------------------------------------------------------------------ admission
    def _allow_redirect(self, target: str) -> str | None:
        if not same_site(target, self.site):
            return REDIRECT_OFF_HOST
        if not self.robots.allows(target):
            return ROBOTS_DISALLOW
        return None

    def _admit(self, url: str, depth: int, via: str, found_on: str = "") -> None:
        key = url_key(url)
        if key in self._seen:
            return
        self._seen.add(key)
        if not same_site(url, self.site):
            self.summary.add_skip(Skip(url, OFF_HOST, found_on=found_on))
            return
        if via != "start":
            if self.limits.max_depth is not None and depth > self.limits.max_depth:
                self.summary.dropped_depth += 1
                self._seen.discard(key)  # reachable at a smaller depth through another page
                return
            if any(path_matches(url, p) for p in self.limits.exclude):
                self.summary.add_skip(Skip(url, EXCLUDED, found_on=found_on))
                return
            if self.limits.include and not any(path_matches(url, p) for p in self.limits.include):
                self.summary.add_skip(Skip(url, NOT_INCLUDED, found_on=found_on))
                return
        ext = _extension(url)
        if ext in FILE_EXTENSIONS and via != "start":
            self.summary.add_skip(Skip(url, f"{NOT_HTML_FILE} (.{ext} file)", found_on=found_on))
            return
        if not self.robots.allows(url):
            self.summary.add_skip(Skip(url, ROBOTS_DISALLOW, found_on=found_on))
            return
        self._queue.append((url, depth, via, found_on))

    # ------------------------------------------------------------------ stages
    def _load_robots(self) -> None:
        """robots.txt of the start URL's origin. RFC 9309 §2.3.1.2: redirects are followed
        (five at most, even to another host); a loop or a longer chain counts as
        "unavailable" (no restriction), a network failure as "unreachable"."""
        url = site_root(self.start_url) + "robots.txt"
        result = self.fetcher.get(url, html_only=False, max_bytes=ROBOTS_MAX_BYTES)
        if result.skip_reason in (REDIRECT_LOOP, TOO_MANY_REDIRECTS):
            self.robots = rules_for_status(404, "")
            self.robots.detail = f"robots.txt: {result.skip_reason}, treated as unavailable"
        else:
            status = result.status if not result.skip_reason else None
            self.robots = rules_for_status(status, result.text(), result.skip_reason or "")
        self.fetcher.set_delay(host_key(self.start_url), self.robots.delay_s)
        self.summary.robots = {
            "url": url,
            "status": self.robots.status,
            "delay_s": self.robots.delay_s,
            "sitemaps": self.robots.sitemaps,
            "detail": self.robots.detail,
        }

    def _load_sitemaps(self) -> list[str]:
        found = sitemaps.discover(self.fetcher, self.start_url, self.site, self.robots.sitemaps)
        self.summary.sitemaps = found.sitemaps
        self.summary.sitemap_errors = found.errors
        self.summary.sitemap_urls = len(found.urls)
        self.summary.sitemap_page_urls = found.urls[:200]
        return found.urls

    def _fetch_one(self, url: str, depth: int, via: str, found_on: str) -> PageRecord | Skip:
        """Worker thread: fetch and extract one URL; a failure is recorded on the URL."""
        try:
            return self._fetch_and_extract(url, depth, via, found_on)
        except Exception as exc:  # thread boundary: one bad page must not stop the crawl
            log.exception("crawl of %s failed", url)
            return Skip(url, f"{PAGE_FAILED}: {type(exc).__name__}: {exc}"[:500], None, found_on)

    def _fetch_and_extract(
        self, url: str, depth: int, via: str, found_on: str
    ) -> PageRecord | Skip:
        result: FetchResult = self.fetcher.get(url, allow=self._allow_redirect)
        if result.skip_reason or result.status is None:
            return Skip(url, result.skip_reason or "no answer", result.status, found_on)
        record = PageRecord(
            url=url,
            final_url=result.final_url,
            key=url_key(result.final_url),
            status=result.status,
            depth=depth,
            via=via,
            redirects=result.redirects,
            truncated=result.truncated,
            content_type=result.content_type,
            seconds=result.seconds,
        )
        if 200 <= result.status < 300:
            record.extracted = extract_page(
                result.text(),
                result.final_url,
                headers=result.headers,
                main_text=self.main_text,
            )
            if result.truncated:
                record.extracted.warnings.append(
                    f"body truncated at {len(result.body) // (1024 * 1024)} MB"
                )
            for link in record.extracted.links:
                if same_site(link.url, self.site):
                    record.internal_links.append(link)
                else:
                    record.external_links += 1
        return record

    def _handle(self, outcome: PageRecord | Skip) -> None:
        if isinstance(outcome, Skip) and outcome.reason == TIME_LIMIT:
            self.summary.left_over += 1  # not fetched: a resumed run asks for it again
            return
        self._done += 1
        self.summary.fetched += 1
        if isinstance(outcome, Skip):
            self.summary.add_skip(outcome)
            return
        record = outcome
        requested = url_key(record.url)
        for hop_url, hop_status in record.redirects:
            if len(self.summary.redirects) < MAX_REDIRECTS_KEPT:
                self.summary.redirects.append((hop_url, record.final_url, hop_status))
        if record.key in self._stored:
            return  # a redirect landed on a page this crawl already has
        self._stored.add(record.key)
        self._seen.update({record.key, requested})
        self.summary.add_page(record)
        self.on_page(record)
        if record.extracted is None:
            return
        follow = self._follow
        next_depth = record.depth + 1
        if follow:
            for link in record.extracted.links:
                self._admit(link.url, next_depth, "link", record.final_url)
        for extra in (record.extracted.canonical, record.extracted.meta_refresh):
            if extra and same_site(extra, self.site):
                self._admit(extra, next_depth, "link", record.final_url)

    def _report(self, in_flight: int) -> None:
        total = min(self.limits.max_pages, self._done + len(self._queue) + in_flight)
        pct = 5 + 94 * self._done / max(total, 1)
        self.progress(
            min(pct, 99.0),
            f"Crawled {self._done:,} of {total:,} URLs ({self.summary.ok:,} pages)",
        )

    # ------------------------------------------------------------------ run
    def run(self) -> CrawlSummary:
        """Crawl until the frontier is empty or ``max_pages`` URLs were fetched.

        Returns
        -------
        CrawlSummary
            ``complete`` is True when every discovered URL was fetched (no page limit or
            depth limit cut the crawl); ``error`` is set when robots.txt forbids crawling.

        Raises
        ------
        JobCancelled
            From ``progress`` (pages fetched so far were already handed to ``on_page``).
        """
        started = time.perf_counter()
        self.fetcher.stop_at = time.monotonic() + self.limits.time_limit_s
        try:
            self.progress(0, "Reading robots.txt")
            self._load_robots()
            if self.robots.status == "unreachable":
                self.summary.error = self.robots.detail
                return self.summary
            self.progress(2, "Reading sitemaps")
            sitemap_urls = self._load_sitemaps()
            if self.resume is not None:
                for url, depth, via in self.resume.frontier:
                    self._queue.append((url, depth, via, ""))
            self._admit(self.start_url, 0, "start")  # already seen when a resumed run had it
            self._admit_seeds(sitemap_urls)
            if not any(same_site(u, self.site) for u in sitemap_urls):
                self._follow = True  # the fallback: no sitemap page, follow links
            self._loop()
            self.summary.left_over += len(self._queue)
            self.summary.complete = (
                not self._queue
                and self.summary.dropped_depth == 0
                and not self.summary.time_limited
            )
            return self.summary
        finally:
            self.fetcher.stop_at = None
            self.summary.seconds = round(time.perf_counter() - started, 3)
            self.summary.requests = self.fetcher.requests_made
            if self._own_main_text:
                self.main_text.close()

    def _out_of_time(self) -> bool:
        stop_at = self.fetcher.stop_at
        return stop_at is not None and time.monotonic() >= stop_at

    def _stop_for_time(self) -> None:
        """The time limit is reached: fetch nothing new (requests in flight end at once)."""
        if not self.summary.time_limited:
            log.info("crawl of %s hit its time limit; %d URLs left", self.site, len(self._queue))
        self.summary.time_limited = True

    def _admit_seeds(self, urls: list[str]) -> None:
        for url in urls:
            self._admit(url, 0, "sitemap", "sitemap")

    def _loop(self) -> None:
        workers = max(1, self.fetcher.max_in_flight)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crawl")
        futures: set[Future[PageRecord | Skip]] = set()
        try:
            while self._queue or futures:
                if self._out_of_time():
                    self._stop_for_time()
                while self._queue and len(futures) < workers and not self.summary.time_limited:
                    if self._done + len(futures) >= self.limits.max_pages:
                        break
                    url, depth, via, found_on = self._queue.popleft()
                    if url_key(url) in self._stored:
                        continue  # already reached through a redirect
                    futures.add(pool.submit(self._fetch_one, url, depth, via, found_on))
                if not futures:
                    break  # page limit reached with URLs left in the queue
                finished, futures = wait(futures, return_when=FIRST_COMPLETED)
                for future in finished:
                    self._handle(future.result())
                self._report(len(futures))
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
