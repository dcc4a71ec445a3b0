"""Sitemap discovery with ultimate-sitemap-parser (usp), fetched through our polite fetcher.

usp parses XML sitemaps, sitemap indexes (recursively, loops stopped), ``.gz`` files, plain-text
and RSS/Atom sitemaps, and tolerates the malformed XML real sites serve. Its fetching goes
through :class:`PoliteWebClient`, an adapter of usp's ``AbstractWebClient`` over our
:class:`~services.site.crawl.fetch.Fetcher`, so every sitemap request obeys the same rate limit,
timeout, User-Agent and same-site rule as pages. Licence: GPL-3.0 (fine for an internal app
that is not distributed).

Sources, in order (issue 9 §1): robots.txt ``Sitemap:`` lines; when there are none,
``/sitemap.xml`` at the site root.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from http import HTTPStatus

from usp.fetch_parse import SitemapFetcher
from usp.objects.sitemap import AbstractSitemap, InvalidSitemap
from usp.web_client.abstract_client import (
    AbstractWebClient,
    AbstractWebClientResponse,
    AbstractWebClientSuccessResponse,
    WebClientErrorResponse,
)

from services.site.crawl.fetch import MAX_SITEMAP_BYTES, Fetcher, FetchResult
from services.site.crawl.urls import is_http, same_site, site_root

log = logging.getLogger(__name__)


class _Success(AbstractWebClientSuccessResponse):
    def __init__(self, result: FetchResult) -> None:
        self._result = result

    def status_code(self) -> int:
        return int(self._result.status or 0)

    def status_message(self) -> str:
        return "OK"

    def header(self, case_insensitive_name: str) -> str | None:
        return self._result.headers.get(case_insensitive_name.lower())

    def raw_data(self) -> bytes:
        return self._result.body

    def url(self) -> str:
        return self._result.final_url


class PoliteWebClient(AbstractWebClient):
    """usp web client over our :class:`Fetcher`; only URLs of ``site`` are fetched.

    Errors are reported as not retryable: the fetcher's own urllib3 ``Retry`` already retried.
    Each URL fetched is appended to :attr:`fetched` as ``(url, status or reason)``.
    """

    def __init__(self, fetcher: Fetcher, site: str) -> None:
        self.fetcher = fetcher
        self.site = site
        self.max_bytes = MAX_SITEMAP_BYTES
        self.fetched: list[tuple[str, str]] = []

    def set_max_response_data_length(self, max_response_data_length: int | None) -> None:
        self.max_bytes = min(max_response_data_length or MAX_SITEMAP_BYTES, MAX_SITEMAP_BYTES)

    def get(self, url: str) -> AbstractWebClientResponse:
        if not same_site(url, self.site):
            self.fetched.append((url, "off host"))
            return WebClientErrorResponse(f"{url} is not on {self.site}", retryable=False)
        result = self.fetcher.get(
            url,
            html_only=False,
            max_bytes=self.max_bytes,
            allow=lambda u: None if same_site(u, self.site) else "redirect off host",
        )
        self.fetched.append((url, str(result.status or result.skip_reason)))
        if result.skip_reason or result.status is None:
            return WebClientErrorResponse(str(result.skip_reason or "no answer"), retryable=False)
        if not 200 <= result.status < 300:
            # usp's own wording ("404 Not Found"), so its quiet_404 logs a missing sitemap at INFO.
            try:
                phrase = HTTPStatus(result.status).phrase
            except ValueError:
                phrase = "HTTP error"
            return WebClientErrorResponse(f"{result.status} {phrase}", retryable=False)
        return _Success(result)


@dataclass
class SitemapUrls:
    """Page URLs found in a site's sitemaps.

    Attributes
    ----------
    urls : list of str
        Distinct page URLs in sitemap order (any host; the crawler filters).
    sitemaps : list of (str, str)
        Every sitemap file requested: (URL, HTTP status or why it failed).
    errors : list of str
        Sitemaps that could not be read, with the reason.
    """

    urls: list[str] = field(default_factory=list)
    sitemaps: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def discover(
    fetcher: Fetcher, start_url: str, site: str, robots_sitemaps: list[str]
) -> SitemapUrls:
    """Page URLs listed by the site's sitemaps.

    Parameters
    ----------
    fetcher : Fetcher
        The crawl's fetcher.
    start_url : str
        The crawl's start URL (its root gives ``/sitemap.xml``).
    site : str
        The site's :func:`~services.site.crawl.urls.host_key`.
    robots_sitemaps : list of str
        ``Sitemap:`` URLs of robots.txt.

    Returns
    -------
    SitemapUrls
        Never raises for a missing or broken sitemap (it is listed in ``errors``).
    """
    client = PoliteWebClient(fetcher, site)
    sources = [u for u in robots_sitemaps if is_http(u)] or [site_root(start_url) + "sitemap.xml"]
    found = SitemapUrls()
    seen: set[str] = set()
    for source in dict.fromkeys(sources):
        tree: AbstractSitemap = SitemapFetcher(
            url=source, recursion_level=0, web_client=client, quiet_404=True
        ).sitemap()
        _collect_errors(tree, found.errors)
        for page in tree.all_pages():
            if page.url not in seen:
                seen.add(page.url)
                found.urls.append(page.url)
    found.sitemaps = list(client.fetched)
    return found


def _collect_errors(tree: AbstractSitemap, errors: list[str]) -> None:
    if isinstance(tree, InvalidSitemap):
        errors.append(f"{tree.url}: {tree.reason}")
        return
    for sub in getattr(tree, "sub_sitemaps", []) or []:
        _collect_errors(sub, errors)
