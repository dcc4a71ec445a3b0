"""What a crawl is given and what it produces: limits, page records, skips, resume state and
the summary (with its :class:`~services.core.outcome.BatchOutcome`). Pure data."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from services.core.errors import InvalidInputError
from services.core.outcome import BatchOutcome
from services.site.crawl.extract import Extracted, Link
from services.site.crawl.fetch import CONNECTION_ERROR, DEFAULT_TIMEOUT_S, TIMEOUT

DEFAULT_MAX_PAGES = 500
#: Default overall time limit of a crawl, seconds (2 h); the form allows 1 min … 24 h.
DEFAULT_TIME_LIMIT_S = 7200.0
MAX_TIME_LIMIT_S = 86_400.0
#: Hard ceiling of the form's max pages.
MAX_PAGES_LIMIT = 50_000
#: robots.txt bytes read (Google's documented limit is 500 KiB).
ROBOTS_MAX_BYTES = 500 * 1024
#: Skipped URLs kept per crawl (counts by reason are complete).
MAX_SKIPS_KEPT = 5_000
MAX_REDIRECTS_KEPT = 2_000

# Skip reasons added by the crawler (the fetcher adds not HTML, timeout, redirect loop…).
OFF_HOST = "off host"
ROBOTS_DISALLOW = "robots.txt disallow"
EXCLUDED = "excluded by pattern"
NOT_INCLUDED = "not in include patterns"
REDIRECT_OFF_HOST = "redirect off host"
PAGE_FAILED = "page could not be processed"
NOT_HTML_FILE = "not HTML"
#: File extensions that are never HTML pages: such links are skipped without a request.
_FILE_EXTENSION_LIST = (
    "pdf zip gz tgz bz2 xz rar 7z tar png jpg jpeg gif webp avif svg "
    "ico bmp tif tiff mp3 mp4 m4a mov avi webm wav ogg css js mjs map "
    "json csv tsv xls xlsx doc docx ppt pptx odt ods py ipynb exe dmg msi "
    "apk woff woff2 ttf otf eot"
)
FILE_EXTENSIONS = frozenset(_FILE_EXTENSION_LIST.split())


@dataclass
class CrawlLimits:
    """The crawl form's limits.

    Attributes
    ----------
    max_pages : int
        URLs fetched at most (pages, errors and non-HTML answers alike); default 500.
    max_depth : int or None
        Link hops from the start URL / a sitemap URL; None = no limit.
    include : list of str
        Path patterns a URL must match (any), e.g. ``/blog/*`` or ``/collections``
        (a prefix when it has no wildcard); empty = all. The start URL is always fetched.
    exclude : list of str
        Path patterns never fetched.
    follow_links : bool
        Follow internal links even when sitemaps list pages (default True).
    timeout_s : float
        Seconds per request (15): connect, wait for a byte, and the whole download.
    time_limit_s : float
        Seconds the whole crawl may take (:data:`DEFAULT_TIME_LIMIT_S`); when it is reached
        no new URL is fetched, requests in flight stop, and the run is not ``complete``.
    """

    max_pages: int = DEFAULT_MAX_PAGES
    max_depth: int | None = None
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    follow_links: bool = True
    timeout_s: float = DEFAULT_TIMEOUT_S
    time_limit_s: float = DEFAULT_TIME_LIMIT_S

    def validated(self) -> CrawlLimits:
        """A cleaned copy.

        Raises
        ------
        InvalidInputError
            max pages outside 1…50,000, negative depth, timeout outside 1…60 s.
        """
        if not 1 <= int(self.max_pages) <= MAX_PAGES_LIMIT:
            raise InvalidInputError(f"Max pages must be between 1 and {MAX_PAGES_LIMIT:,}.")
        if self.max_depth is not None and int(self.max_depth) < 0:
            raise InvalidInputError("Max depth cannot be negative.")
        if not 1 <= float(self.timeout_s) <= 60:
            raise InvalidInputError("The timeout must be between 1 and 60 seconds.")
        if not 1 <= float(self.time_limit_s) <= MAX_TIME_LIMIT_S:
            raise InvalidInputError("The crawl time limit must be between 1 second and 24 hours.")
        return CrawlLimits(
            max_pages=int(self.max_pages),
            max_depth=None if self.max_depth is None else int(self.max_depth),
            include=[p.strip() for p in self.include if p and p.strip()],
            exclude=[p.strip() for p in self.exclude if p and p.strip()],
            follow_links=bool(self.follow_links),
            timeout_s=float(self.timeout_s),
            time_limit_s=float(self.time_limit_s),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (job params, ``CrawlRun.limits``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> CrawlLimits:
        """Inverse of :meth:`to_dict` (unknown keys ignored)."""
        data = data or {}
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known).validated()


@dataclass
class PageRecord:
    """One fetched URL that answered (any HTTP status).

    Attributes
    ----------
    url : str
        The URL asked for.
    final_url : str
        Where redirects ended.
    key : str
        ``url_key(final_url)`` (= ``CrawledPage.normalized_url``).
    status : int
        HTTP status of the final answer.
    depth : int
        Link hops from a seed.
    via : str
        ``start`` | ``sitemap`` | ``link``.
    redirects : list of (str, int)
        Hops before ``final_url``.
    extracted : Extracted or None
        For 2xx HTML pages.
    internal_links : list of Link
        Links to the site (from ``extracted``).
    external_links : int
        Links off the site.
    truncated : bool
        Body cut at 5 MB.
    content_type : str
    seconds : float
        Fetch time.
    """

    url: str
    final_url: str
    key: str
    status: int
    depth: int
    via: str
    redirects: list[tuple[str, int]] = field(default_factory=list)
    extracted: Extracted | None = None
    internal_links: list[Link] = field(default_factory=list)
    external_links: int = 0
    truncated: bool = False
    content_type: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """2xx and extracted."""
        return 200 <= self.status < 300 and self.extracted is not None


@dataclass
class Skip:
    """A URL not crawled, and why (``reason`` is one of the module's/fetcher's reasons)."""

    url: str
    reason: str
    status: int | None = None
    found_on: str = ""


@dataclass
class ResumeState:
    """What an interrupted run already did: keys fetched (or skipped), and what to fetch next.

    Attributes
    ----------
    seen : set of str
        URL keys not to fetch again.
    frontier : list of (str, int, str)
        (URL, depth, via) still to fetch.
    done : int
        URLs already fetched (counts toward ``max_pages``).
    """

    seen: set[str] = field(default_factory=set)
    frontier: list[tuple[str, int, str]] = field(default_factory=list)
    done: int = 0


@dataclass
class CrawlSummary:
    """What a crawl did (the api turns it into the report and ``CrawlRun.stats``)."""

    start_url: str
    site: str
    fetched: int = 0
    pages: int = 0
    ok: int = 0
    http_errors: int = 0
    skipped: list[Skip] = field(default_factory=list)
    skip_counts: Counter[str] = field(default_factory=Counter)
    robots: dict[str, Any] = field(default_factory=dict)
    sitemap_urls: int = 0
    sitemaps: list[tuple[str, str]] = field(default_factory=list)
    sitemap_errors: list[str] = field(default_factory=list)
    sitemap_page_urls: list[str] = field(default_factory=list)  # the first 200 (hints)
    redirects: list[tuple[str, str, int]] = field(default_factory=list)
    dropped_depth: int = 0
    left_over: int = 0
    complete: bool = False
    time_limited: bool = False
    seconds: float = 0.0
    requests: int = 0
    error: str = ""
    start_status: int | None = None
    client_errors: Counter[int] = field(default_factory=Counter)
    outcome: BatchOutcome = field(default_factory=lambda: BatchOutcome(noun="page"))

    def add_skip(self, skip: Skip) -> None:
        """Count a skip by reason (the part before a parenthesis) and keep the first N.

        A URL that was asked for and gave no page through no choice of ours (timeout,
        connection error, page processing error: :func:`is_failure`) counts as a failed row of
        :attr:`outcome`; a deliberate skip (robots.txt, off host, not HTML…) as skipped.
        """
        self.skip_counts[skip.reason.split(" (", 1)[0].split(":", 1)[0]] += 1
        if len(self.skipped) < MAX_SKIPS_KEPT:
            self.skipped.append(skip)
        if is_failure(skip.reason):
            self.outcome.fail(skip.reason.split(" (", 1)[0][:160])
        else:
            self.outcome.skip()

    def add_page(self, record: PageRecord) -> None:
        """Count a stored page: 2xx extracted = succeeded, 5xx = failed (``HTTP 503``), 4xx =
        skipped (the site says the page does not exist) and kept in :attr:`client_errors`."""
        self.pages += 1
        if record.via == "start":
            self.start_status = record.status
        if record.ok:
            self.ok += 1
            self.outcome.ok()
            return
        if record.status >= 400:
            self.http_errors += 1
        if record.status >= 500:
            self.outcome.fail(f"HTTP {record.status}")
        elif record.status >= 400:
            self.client_errors[record.status] += 1
            self.outcome.skip()
        else:
            self.outcome.skip()

    def final_outcome(self) -> BatchOutcome:
        """:attr:`outcome`, where 4xx answers count as failures when no page succeeded (a site
        that answers 404 everywhere did not get crawled)."""
        outcome = BatchOutcome(
            noun="page",
            succeeded=self.outcome.succeeded,
            failed=self.outcome.failed,
            skipped=self.outcome.skipped,
            reasons=Counter(self.outcome.reasons),
        )
        if not outcome.succeeded:
            for status, n in self.client_errors.items():
                outcome.skipped -= n
                outcome.fail(f"HTTP {status}", n)
        return outcome


#: Reasons of a URL that was asked for and failed (a failed row, not a deliberate skip).
FAILURE_REASONS = (TIMEOUT, CONNECTION_ERROR, PAGE_FAILED, "no answer")


def is_failure(reason: str) -> bool:
    """True when a skip ``reason`` is a failure of the fetch or of the page's processing."""
    return reason.startswith(FAILURE_REASONS)
