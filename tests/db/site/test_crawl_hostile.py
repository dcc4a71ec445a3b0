"""The crawl against hostile servers on 127.0.0.1 (issue 20): slow-loris page and sitemap,
the overall time limit, a redirect to another port, a UTF-7 charset, binary served as HTML."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from services.site.crawl import api
from services.site.crawl.crawler import CrawlLimits
from services.site.crawl.fetch import Fetcher
from tests.unit.site.crawl_site import Route, SiteServer, html_route, page


def fetcher(timeout_s: float = 2.0, **kw) -> Fetcher:
    return Fetcher(rate_limit=False, timeout_s=timeout_s, **kw)


def skipped(engine, project_id) -> dict[str, str]:
    frame = api.skipped_urls(engine, project_id)
    return {urlsplit(u).path: r for u, r in zip(frame["url"], frame["reason"], strict=True)}


def test_slow_loris_page_and_sitemap_end_within_the_deadline(engine, project_id):
    deadline = 2.0
    with SiteServer() as site:
        site.routes["/robots.txt"] = Route(404, "", {"Content-Type": "text/plain"})
        site.routes["/sitemap.xml"] = Route(200, "<?xml", {"Content-Type": "text/xml"}, drip_s=2)
        site.routes["/"] = html_route(page("Home", "Home", links=("/slow|Slow", "/ok|OK")))
        site.routes["/slow"] = Route(200, "<html>", drip_s=2)
        site.routes["/ok"] = html_route(page("OK", "OK"))
        site.routes["/about"] = html_route(page("About", "About"))
        started = time.monotonic()
        report = api.run_crawl(
            engine,
            project_id,
            site.url,
            limits=CrawlLimits(max_pages=5, timeout_s=deadline),
            fetcher=fetcher(deadline),
        )
        elapsed = time.monotonic() - started
    # sitemap then pages: two slow downloads one after the other at most
    assert elapsed < 2 * deadline + 5, elapsed
    reasons = skipped(engine, project_id)
    assert reasons["/slow"].startswith("timeout")
    assert report.ok == 3  # home, /about and /ok stored despite the two slow answers


def test_the_crawl_time_limit_stops_a_long_crawl(engine, project_id):
    paths = [f"/p{i}" for i in range(40)]
    with SiteServer() as site:
        site.routes["/robots.txt"] = Route(404, "", {"Content-Type": "text/plain"})
        site.routes["/"] = html_route(page("Home", "Home", links=tuple(f"{p}|{p}" for p in paths)))
        for path in paths:
            site.routes[path] = Route(
                200, page(path, path), {"Content-Type": "text/html"}, delay=0.3
            )
        started = time.monotonic()
        report = api.run_crawl(
            engine,
            project_id,
            site.url,
            limits=CrawlLimits(time_limit_s=1.5),
            fetcher=fetcher(max_in_flight=2),
        )
        elapsed = time.monotonic() - started
    assert elapsed < 1.5 + 5, elapsed
    assert not report.complete and report.pages < 41
    assert "time limit" in report.message


def test_a_redirect_to_another_port_is_recorded_not_followed(engine, project_id):
    with SiteServer() as site, SiteServer() as other:
        port = urlsplit(other.url).port
        other.routes["/admin"] = html_route(page("Admin", "Admin"))
        site.routes["/robots.txt"] = Route(404, "", {"Content-Type": "text/plain"})
        site.routes["/"] = html_route(page("Home", "Home", links=("/redir|Go",)))
        site.routes["/redir"] = Route(302, "", {"Location": f"http://127.0.0.1:{port}/admin"})
        api.run_crawl(engine, project_id, site.url, limits=CrawlLimits(), fetcher=fetcher())
        assert other.paths() == []
    pages = api.list_pages(engine, project_id)
    assert not any(str(u).endswith("/admin") for u in pages["url"])
    assert skipped(engine, project_id)["/redir"] == "redirect off host"


def test_utf7_charset_is_not_trusted_and_binary_is_not_a_page(engine, project_id):
    utf7 = (
        '<html><head><meta charset="utf-7"><title>+ADw-script+AD4-alert(1)+ADw-/script+AD4-'
        "</title></head><body><h1>Hi</h1></body></html>"
    )
    with SiteServer() as site:
        site.routes["/robots.txt"] = Route(404, "", {"Content-Type": "text/plain"})
        site.routes["/"] = html_route(page("Home", "Home", links=("/u7|U7", "/bin|Bin")))
        site.routes["/u7"] = Route(200, utf7, {"Content-Type": "text/html"})
        site.routes["/bin"] = Route(
            200, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
        )
        api.run_crawl(engine, project_id, site.url, limits=CrawlLimits(), fetcher=fetcher())
    pages = api.list_pages(engine, project_id)
    titles = dict(zip(pages["url"].map(lambda u: urlsplit(u).path), pages["title"], strict=True))
    assert "<script>" not in str(titles["/u7"])
    assert "/bin" not in titles
    assert skipped(engine, project_id)["/bin"].startswith("not HTML (binary")
