"""Crawl a real static site (Scipy Lecture Notes, CC BY 4.0, ../shared/data/sites/) served on
127.0.0.1: every HTML page reachable by links from the home page is found, titles and H1s are
right, and the home page's meta refresh to another site is recorded, not followed."""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from sqlalchemy import select

from db.models import CrawledPage
from db.session import session_scope
from services.site.crawl import api
from services.site.crawl.fetch import Fetcher
from services.site.crawl.model import CrawlLimits
from tests.conftest import DATA
from tests.unit.site.crawl_site import SiteServer, static_site

ROOT = DATA / "sites" / "scipy-lectures" / "html"
_A_HREF = re.compile(r"<a\s[^>]*href=\"([^\"]+)\"", re.IGNORECASE)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ROOT.is_dir(), reason="shared static site not available"),
]


def link_graph() -> set[str]:
    """HTML files reachable from index.html through ``<a href>`` (our own reading of the files)."""
    seen, todo = {"index.html"}, ["index.html"]
    while todo:
        rel = todo.pop()
        for href in _A_HREF.findall((ROOT / rel).read_text(errors="replace")):
            target = urlsplit(urljoin(f"http://site/{rel}", href))
            if target.netloc != "site":
                continue
            path = unquote(target.path).lstrip("/")
            path = path + "index.html" if path.endswith("/") or not path else path
            if path.endswith(".html") and (ROOT / path).is_file() and path not in seen:
                seen.add(path)
                todo.append(path)
    return seen


def test_static_site_pages_match_its_link_graph(engine, project_id):
    with SiteServer() as site:
        static_site(site, ROOT)
        report = api.run_crawl(
            engine,
            project_id,
            site.url + "/",
            limits=CrawlLimits(max_pages=2_000),
            fetcher=Fetcher(rate_limit=False),
        )
    pages = api.list_pages(engine, project_id)
    ok = pages[pages["crawl_status"] == "crawled"]
    found = {urlsplit(u).path.lstrip("/") or "index.html" for u in ok["url"]}
    assert found == link_graph()
    assert report.complete and report.sitemap_urls == 0  # no sitemap: links followed
    assert ok["title"].notna().all()
    no_h1 = {urlsplit(u).path.lstrip("/") for u in ok.loc[ok["h1"].isna(), "url"]}
    assert no_h1 == {p for p in found if "<h1" not in (ROOT / p).read_text(errors="replace")}

    by_path = {urlsplit(r["url"]).path: r for r in ok.to_dict("records")}
    functions = by_path["/intro/language/functions.html"]
    assert functions["title"] == "1.2.4. Defining functions — Scipy lecture notes"
    assert functions["h1"] == "1.2.4. Defining functions"
    assert functions["word_count"] > 500
    with session_scope(engine) as s:
        home = s.scalars(select(CrawledPage).where(CrawledPage.url == site.url + "/")).one()
        assert home.crawl_meta["meta_refresh"] == "https://lectures.scientific-python.org/"
    assert not any("scientific-python.org" in p for p in site.paths())
