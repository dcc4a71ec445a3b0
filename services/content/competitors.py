"""Competitor analysis of a SERP: the ranking pages' headings, lengths and schema types.

The top organic results of a keyword (SERP cache or DataForSEO) are fetched through the
crawler's polite fetcher (:class:`services.site.crawl.fetch.Fetcher`: per-host rate limit,
robots.txt ``Crawl-delay``, time and size limits, a clear User-Agent), each page only when
robots.txt allows our agent, and read with the crawler's extractor
(:func:`services.site.crawl.extract.extract_page`): H1-H3, main-text word count, JSON-LD
types. One page's failure (blocked, timeout, not HTML, HTTP error) is recorded on that page;
the batch never fails.

:func:`summarize` turns the pages into what a brief shows: the median length of the pages
read, the headings that recur across competitors (common sub-topics) and the brief's
sub-topics no competitor heading covers (gaps).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from services.core.text import FILLER_WORDS, content_tokens
from services.site.crawl.extract import extract_page
from services.site.crawl.fetch import Fetcher, FetchResult
from services.site.crawl.robots import RobotsRules, rules_for_status
from services.site.crawl.urls import host_key, site_root

#: Organic results read per keyword.
TOP_RESULTS = 10
#: Bytes of a competitor page kept (a huge page is cut here and still read; 2 MB holds the
#: HTML of nearly every article — HTTP Archive's median page HTML is ≈ 30 KB).
MAX_COMPETITOR_BYTES = 2 * 1024 * 1024
#: Bytes of a robots.txt kept (the crawler's limit, Google's documented 500 KiB).
ROBOTS_MAX_BYTES = 500 * 1024
#: A heading is "common" when this many competitor pages have it (and ≥ a third of those read).
COMMON_MIN_PAGES = 2
MAX_COMMON = 12
BLOCKED = "blocked by robots.txt"

#: ``main_text(html, url) -> (text, warning)`` as :func:`extract_page` takes it.
MainTextFn = Callable[[str, str], tuple[str | None, str]]


@dataclass
class CompetitorPage:
    """One ranking page as read (or why it was not).

    Attributes:
        rank: position in the SERP (1 = top).
        url: the result's URL.
        error: why the page gives no data ("" when read).
        headings: H2 and H3 texts in page order.
        word_count: words of the main text (0 when not read).
        schema_types: JSON-LD ``@type`` values.
        truncated: the page was larger than :data:`MAX_COMPETITOR_BYTES` (read in part).
        seconds: time to read the page: robots.txt check, fetch (with the fetcher's per-host
            wait) and extraction (s).
    """

    rank: int
    url: str
    error: str = ""
    title: str = ""
    h1: str = ""
    headings: list[str] = field(default_factory=list)
    word_count: int = 0
    schema_types: list[str] = field(default_factory=list)
    truncated: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the page was read."""
        return not self.error

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


class RobotsCache:
    """robots.txt rules per host, fetched once each through ``fetcher`` (thread-safe); the
    host's ``Crawl-delay`` is handed to the fetcher's rate limit."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    def rules(self, url: str) -> RobotsRules:
        """The rules of ``url``'s host (RFC 9309 §2.3.1: 4xx = allowed, 5xx/none = not)."""
        host = host_key(url)
        with self._guard:
            lock = self._locks[host]
        with lock:
            if host not in self._rules:
                got = self.fetcher.get(
                    site_root(url) + "robots.txt", html_only=False, max_bytes=ROBOTS_MAX_BYTES
                )
                status = got.status if not got.skip_reason else None
                if got.status is not None and 400 <= got.status < 500:
                    status = got.status
                rules = rules_for_status(status, got.text(), got.skip_reason or "")
                self.fetcher.set_delay(host, rules.delay_s)
                self._rules[host] = rules
            return self._rules[host]


def _error_of(result: FetchResult) -> str:
    if result.skip_reason:
        return result.skip_reason
    if result.status is None:
        return "no answer"
    if not 200 <= result.status < 300:
        return f"HTTP {result.status}"
    return ""


def read_page(
    rank: int,
    url: str,
    fetcher: Fetcher,
    robots: RobotsCache,
    *,
    main_text: MainTextFn | None = None,
    max_bytes: int = MAX_COMPETITOR_BYTES,
) -> CompetitorPage:
    """Fetch and extract one ranking page; every failure is recorded, never raised."""
    page = CompetitorPage(rank=rank, url=url)
    started = time.perf_counter()
    try:
        rules = robots.rules(url)
        if not rules.allows(url):
            page.error = BLOCKED if rules.status == "ok" else rules.detail or BLOCKED
            return page
        result = fetcher.get(url, max_bytes=max_bytes, allow=lambda u: _refuse(u, robots))
        page.error = _error_of(result)
        if page.error:
            page.seconds = time.perf_counter() - started
            return page
        data = extract_page(
            result.text(), result.final_url, headers=result.headers, main_text=main_text
        )
    except Exception as exc:  # noqa: BLE001 — one page's failure never fails the batch
        page.error = f"{type(exc).__name__}: {str(exc)[:200]}"
        page.seconds = time.perf_counter() - started
        return page
    page.seconds = time.perf_counter() - started
    page.truncated = result.truncated
    page.title = data.title or ""
    page.h1 = data.h1 or ""
    page.headings = list(data.headings.get("h2", [])) + list(data.headings.get("h3", []))
    page.word_count = int(data.word_count)
    page.schema_types = list(data.jsonld_types)
    return page


def _refuse(url: str, robots: RobotsCache) -> str | None:
    return None if robots.rules(url).allows(url) else BLOCKED


def with_scheme(url: str, scheme: str = "https") -> str:
    """An absolute URL from a SERP cache entry (stored without scheme: "x.com/a")."""
    return url if "://" in url else f"{scheme}://{url}"


def fetch_competitors(
    results: Sequence[tuple[int, str]],
    fetcher: Fetcher,
    *,
    robots: RobotsCache | None = None,
    main_text: MainTextFn | None = None,
    max_bytes: int = MAX_COMPETITOR_BYTES,
    scheme: str = "https",
) -> list[CompetitorPage]:
    """Read the ranking pages ``(rank, url)`` (at most :data:`TOP_RESULTS`), in parallel up to
    the fetcher's ``max_in_flight``; per-host politeness is the fetcher's. URLs without a
    scheme (the SERP cache's form) are fetched with ``scheme``.

    Returns
    -------
    list[CompetitorPage]
        In rank order, one per result; failures carry ``error``.
    """
    robots = robots or RobotsCache(fetcher)
    todo = [(rank, with_scheme(url, scheme)) for rank, url in list(results)[:TOP_RESULTS]]
    with ThreadPoolExecutor(max_workers=max(1, fetcher.max_in_flight)) as pool:
        pages = list(
            pool.map(
                lambda ru: read_page(
                    ru[0], ru[1], fetcher, robots, main_text=main_text, max_bytes=max_bytes
                ),
                todo,
            )
        )
    return sorted(pages, key=lambda p: p.rank)


_AUX = frozenset(["do", "doe", "did", "can", "i", "you", "we"])


def _key(text: str) -> frozenset[str]:
    """Words of a heading that carry its meaning ("How do payday loans work?" = "How payday
    loans work")."""
    return frozenset(t for t in content_tokens(text) if t not in FILLER_WORDS and t not in _AUX)


def summarize(
    pages: Sequence[CompetitorPage], primary: str, subtopics: Sequence[str]
) -> dict[str, Any]:
    """What a brief shows of the competitors.

    Parameters
    ----------
    pages : sequence of CompetitorPage
        From :func:`fetch_competitors`.
    primary : str
        The page's primary keyword (its words do not make a heading "common").
    subtopics : sequence of str
        The brief's sub-topic headings (H2s and FAQ questions from the data).

    Returns
    -------
    dict
        ``{"median_words": int | None, "pages_counted", "pages_failed", "common_headings":
        [{"text", "pages"}], "gaps": [str], "schema_types": [{"type", "pages"}], "pages":
        [CompetitorPage dicts]}``; the median is over pages read with ≥ 100 words.
    """
    ok = [p for p in pages if p.ok]
    lengths = [p.word_count for p in ok if p.word_count >= 100]
    own = _key(primary)
    seen: dict[frozenset[str], Counter[str]] = defaultdict(Counter)
    pages_with: Counter[frozenset[str]] = Counter()
    for p in ok:
        keys = set()
        for h in p.headings:
            k = _key(h) - own
            if k:
                seen[k][h] += 1
                keys.add(k)
        pages_with.update(keys)
    need = max(COMMON_MIN_PAGES, -(-len(ok) // 3))
    common = [
        {"text": seen[k].most_common(1)[0][0], "pages": n}
        for k, n in pages_with.most_common()
        if n >= need
    ][:MAX_COMMON]
    covered = [k for k in pages_with]
    gaps = []
    for topic in subtopics:
        want = _key(topic) - own
        if want and not any(want <= k for k in covered):
            gaps.append(topic)
    types = Counter(t for p in ok for t in set(p.schema_types))
    return {
        "median_words": int(statistics.median(lengths)) if lengths else None,
        "pages_counted": len(lengths),
        "pages_failed": len(pages) - len(ok),
        "common_headings": common,
        "gaps": gaps,
        "schema_types": [{"type": t, "pages": n} for t, n in types.most_common()],
        "pages": [p.to_dict() for p in pages],
    }
