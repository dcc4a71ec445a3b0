"""Benchmark: crawl a generated 500-page site from a local server, politeness lifted.

The site (built in memory, served on 127.0.0.1 by the tests' ``SiteServer``) has robots.txt, a
sitemap index with a gzip child listing every page, a home page, 20 collection pages with
product cards and JSON-LD ItemList, 300 product pages with JSON-LD Product, and 179 blog
articles of ~600 words with navigation, footer and 8 internal links each. The whole
:func:`services.site.crawl.api.run_crawl` is timed: robots.txt, sitemaps, fetching (4 in
flight, rate limit lifted — the test-only switch), extraction (selectolax + trafilatura) and
storage in a fresh SQLite database.

Before it, two hostile stages (issue 20): a 5 MB page crawled alone (its peak memory,
``big_page_rss_mb`` = growth of the process's peak RSS, measured first), and a slow-loris
site (``Content-Length: 100000`` then one byte every 2 s, for a page and ``/sitemap.xml``)
crawled with a 2 s deadline (``slow_loris_seconds``; target: at most deadline × 2 + 5 s).

Run: ``python bench/crawl.py [PAGES]``. Target: 500 pages in at most 60 s. The last line is
JSON: ``{"pages": ..., "seconds": ..., "pages_per_s": ..., "peak_rss_mb": ...,
"big_page_rss_mb": ..., "slow_loris_seconds": ..., "slow_loris_deadline_s": 2.0}``.
"""

from __future__ import annotations

import gzip
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cryptography.fernet import Fernet  # noqa: E402

from db.models import Project  # noqa: E402
from db.session import get_engine, migrate, session_scope  # noqa: E402
from db.types import configure_encryption  # noqa: E402
from services.site.crawl.api import run_crawl  # noqa: E402
from services.site.crawl.fetch import Fetcher  # noqa: E402
from services.site.crawl.model import CrawlLimits  # noqa: E402
from tests.unit.site.crawl_site import Route, SiteServer, html_route  # noqa: E402

PAGES = 500
TARGET_SECONDS = 60.0
WORDS = [
    "trail",
    "running",
    "shoes",
    "grip",
    "rock",
    "mud",
    "cushion",
    "midsole",
    "drop",
    "upper",
    "mesh",
    "lace",
    "fit",
    "size",
    "wide",
    "narrow",
    "heel",
    "toe",
    "rubber",
    "lug",
    "stability",
    "comfort",
    "race",
    "ultra",
    "marathon",
    "hike",
    "summit",
    "descent",
    "river",
    "crossing",
    "waterproof",
    "breathable",
    "light",
    "weight",
    "durable",
    "outsole",
    "plate",
    "foam",
]


def paragraph(rng: random.Random, words: int = 60) -> str:
    return "<p>" + " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + ".</p>"


def layout(title: str, h1: str, body: str, links: list[str], ld: str = "") -> str:
    nav = "".join(f'<a href="/collections/c{i}">Collection {i}</a>' for i in range(20))
    related = "".join(f'<li><a href="{u}">Read {u.rsplit("/", 1)[-1]}</a></li>' for u in links)
    return (
        f"<!doctype html><html><head><title>{title}</title>"
        f'<meta name="description" content="{title} at the Trail Shop.">{ld}</head>'
        f"<body><header><nav>{nav}</nav></header><main><h1>{h1}</h1>{body}"
        f"<ul>{related}</ul></main><footer>Privacy · Terms · Shipping · Returns</footer>"
        "</body></html>"
    )


def build_site(server: SiteServer, pages: int) -> list[str]:
    """Install ``pages`` pages on ``server``; returns their paths."""
    rng = random.Random(7)
    collections = [f"/collections/c{i}" for i in range(20)]
    products = [f"/products/p{i}" for i in range(300)]
    articles = [f"/blog/post-{i}" for i in range(max(0, pages - 1 - 20 - 300))]
    paths = ["/", *collections, *products, *articles][:pages]
    for path in paths:
        links = rng.sample(paths, min(8, len(paths)))
        if path.startswith("/collections/"):
            cards = "".join(
                f'<div class="product-card"><a href="{p}">{p}</a></div>'
                for p in rng.sample(products, 12)
            )
            ld = '<script type="application/ld+json">{"@type": "ItemList", "numberOfItems": 12}</script>'
            body = paragraph(rng) + cards
        elif path.startswith("/products/"):
            ld = '<script type="application/ld+json">{"@type": "Product", "name": "x"}</script>'
            body = "".join(paragraph(rng) for _ in range(4))
        else:
            ld = ""
            body = "".join(
                f"<h2>Section {k}</h2>" + paragraph(rng) + paragraph(rng) for k in range(5)
            )
        server.routes[path] = html_route(layout(f"Page {path}", f"Heading {path}", body, links, ld))
    base = server.url
    urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    child = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    server.routes["/sitemap-1.xml.gz"] = Route(
        200, gzip.compress(child.encode()), {"Content-Type": "application/x-gzip"}
    )
    server.routes["/sitemap.xml"] = Route(
        200,
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/sitemap-1.xml.gz</loc></sitemap></sitemapindex>",
        {"Content-Type": "application/xml"},
    )
    server.routes["/robots.txt"] = Route(
        200,
        f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n",
        {"Content-Type": "text/plain"},
    )
    return paths


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def hostile(engine) -> dict[str, float]:
    """The 5 MB page (peak RSS growth, MB) and the slow-loris crawl (seconds), in a project
    of their own."""
    with session_scope(engine) as s:
        project = Project(name="hostile", domain="127.0.0.1")
        s.add(project)
        s.flush()
        pid = project.id
    block = "".join(
        f"<p>Pair {i}: grip on wet rock. <a href='/x{i % 50}'>l</a></p>" for i in range(2000)
    )
    big = "<!doctype html><html><head><title>Big</title></head><body><h1>Big</h1>" + block * 80
    big_bytes = big.encode()[: 5 * 1024 * 1024]
    before = _rss_mb()
    with SiteServer() as server:
        server.routes["/robots.txt"] = Route(404, "", {"Content-Type": "text/plain"})
        server.routes["/"] = Route(200, big_bytes, {"Content-Type": "text/html"})
        run_crawl(
            engine,
            pid,
            server.url + "/",
            limits=CrawlLimits(max_pages=1),
            fetcher=Fetcher(rate_limit=False),
        )
    big_rss = _rss_mb() - before
    with SiteServer() as server:
        server.routes["/robots.txt"] = Route(404, "", {"Content-Type": "text/plain"})
        server.routes["/sitemap.xml"] = Route(200, "<?xml", {"Content-Type": "text/xml"}, drip_s=2)
        server.routes["/"] = html_route(layout("Home", "Home", "", ["/slow"], ""))
        server.routes["/slow"] = Route(200, "<html>", drip_s=2)
        started = time.perf_counter()
        run_crawl(
            engine,
            pid,
            server.url + "/",
            limits=CrawlLimits(max_pages=3, timeout_s=2),
            fetcher=Fetcher(rate_limit=False, timeout_s=2),
        )
        slow = time.perf_counter() - started
    return {
        "big_page_rss_mb": round(big_rss, 1),
        "slow_loris_seconds": round(slow, 2),
        "slow_loris_deadline_s": 2.0,
    }


def main(pages: int = PAGES) -> dict[str, float]:
    configure_encryption(Fernet.generate_key())
    with tempfile.TemporaryDirectory() as tmp:
        engine = get_engine(f"sqlite:///{tmp}/bench.db")
        migrate(engine)
        with session_scope(engine) as s:
            project = Project(name="bench", domain="127.0.0.1")
            s.add(project)
            s.flush()
            pid = project.id
        hostile_figures = hostile(engine)
        with SiteServer() as server:
            build_site(server, pages)
            started = time.perf_counter()
            report = run_crawl(
                engine,
                pid,
                server.url + "/",
                limits=CrawlLimits(max_pages=pages),
                fetcher=Fetcher(rate_limit=False),
            )
            seconds = time.perf_counter() - started
        engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(report.message)
    print(f"target: {pages} pages in <= {TARGET_SECONDS:g} s")
    result = {
        "pages": report.ok,
        "seconds": round(seconds, 2),
        "pages_per_s": round(report.ok / seconds, 1),
        "peak_rss_mb": round(peak_mb, 1),
        **hostile_figures,
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else PAGES)
