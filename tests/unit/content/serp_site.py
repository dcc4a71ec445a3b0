"""A local "web" of ranking pages for competitor analysis tests and the bench.

One threaded HTTP server answers as several competitor sites would: articles with H2/H3 and
JSON-LD, a robots.txt that blocks one path, a slow page, a huge page, a PDF and a 404. The SERP
is the DataForSEO contract response (``serp_google_organic_live_regular.json``) with its
organic URLs pointed at these pages, in rank order.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.fakes.contracts import load
from tests.unit.site.crawl_site import Route, SiteServer

ROBOTS = "User-agent: *\nDisallow: /blocked/\nCrawl-delay: 0\n"


def article(title: str, headings: list[str], words: int, schema: str = "Article") -> bytes:
    body = " ".join(["word"] * words)
    hs = "".join(f"<h2>{h}</h2><p>{body}</p>" for h in headings)
    ld = json.dumps({"@context": "https://schema.org", "@type": schema})
    return (
        f"<html><head><title>{title}</title>"
        f'<script type="application/ld+json">{ld}</script></head>'
        f"<body><main><h1>{title}</h1>{hs}</main></body></html>"
    ).encode()


PAGES: dict[str, tuple[int, str, bytes, float]] = {
    "/a": (
        200,
        "text/html",
        article(
            "Payday Loans Explained",
            ["How payday loans work", "Payday loan alternatives", "Costs and fees"],
            300,
        ),
        0.0,
    ),
    "/b": (
        200,
        "text/html",
        article(
            "What Is a Payday Loan",
            ["How Payday Loans Work", "Alternatives to payday loans", "Eligibility"],
            500,
        ),
        0.0,
    ),
    "/c": (
        200,
        "text/html; charset=utf-8",
        article(
            "Payday loans guide", ["Costs and fees", "How do payday loans work?"], 700, "FAQPage"
        ),
        0.0,
    ),
    "/blocked/page": (200, "text/html", article("Blocked", ["Secret"], 100), 0.0),
    "/slow": (200, "text/html", article("Slow", ["Late"], 100), 3.0),
    "/huge": (200, "text/html", article("Huge", ["Everything about payday loans"], 400_000), 0.0),
    "/doc.pdf": (200, "application/pdf", b"%PDF-1.4", 0.0),
    "/gone": (404, "text/html", b"<h1>Not found</h1>", 0.0),
}
ORDER = ["/a", "/blocked/page", "/b", "/slow", "/c", "/huge", "/doc.pdf", "/gone"]


class SerpSite(SiteServer):
    """``with SerpSite() as site:`` → ``site.url``, ``site.serp_response()``, ``site.hits``
    (the crawl tests' :class:`~tests.unit.site.crawl_site.SiteServer` with these pages)."""

    def __init__(self, pages: dict[str, tuple[int, str, bytes, float]] | None = None) -> None:
        super().__init__()
        self.routes["/robots.txt"] = Route(200, ROBOTS, {"Content-Type": "text/plain"})
        for path, (status, ctype, body, delay) in (pages or PAGES).items():
            self.routes[path] = Route(status, body, {"Content-Type": ctype}, delay)

    @property
    def hits(self) -> list[str]:
        """Paths requested, in order."""
        return self.paths()

    def serp_response(self, order: list[str] | None = None) -> dict[str, Any]:
        """The contract SERP response with its organic results pointed at ``order``."""
        data = copy.deepcopy(load("dataforseo/serp_google_organic_live_regular.json"))
        items = data["tasks"][0]["result"][0]["items"]
        organic = [i for i in items if i.get("type") == "organic"]
        paths = list(order or ORDER)
        while len(organic) < len(paths):  # the recorded SERP has fewer organic results
            extra = copy.deepcopy(organic[-1])
            extra["rank_group"] = (extra.get("rank_group") or 0) + 1
            extra["rank_absolute"] = (extra.get("rank_absolute") or 0) + 1
            items.append(extra)
            organic.append(extra)
        for item, path in zip(organic, paths, strict=False):
            item["url"] = self.url + path
        for item in organic[len(paths) :]:
            item["type"] = "organic_dropped"  # only our pages rank
        return data
