"""A small shop site served on 127.0.0.1 for the crawl tests (http.server in a thread).

``SiteServer`` answers static routes (status, headers, body, delay) and records every request
with its arrival time. :func:`shop_site` builds the test site of issue 9 on two servers: the
site itself, and a second one standing in for its ``http://`` origin that redirects every path
to the first (an http→https redirect on the same host name).
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Route:
    """One answer: status, body, headers (Content-Type included), delay in seconds.

    ``drip_s`` makes a slow-loris answer: ``Content-Length: 100000`` is announced, then the
    body is sent one byte every ``drip_s`` seconds until the client hangs up (or 10 min pass).
    ``header_drip_s`` trickles the headers instead: the status line, then one header line every
    ``header_drip_s`` seconds, never ending them (until the client hangs up or 10 min pass).
    """

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})
    delay: float = 0.0
    drip_s: float = 0.0
    header_drip_s: float = 0.0


def html_route(body: str, status: int = 200, **headers: str) -> Route:
    return Route(status, body, {"Content-Type": "text/html; charset=utf-8", **headers})


def redirect(to: str, status: int = 301) -> Route:
    return Route(status, b"", {"Location": to, "Content-Type": "text/html"})


class SiteServer:
    """Threaded HTTP/1.1 server on an ephemeral 127.0.0.1 port serving :attr:`routes`."""

    def __init__(self) -> None:
        self.routes: dict[str, Route | Callable[[str], Route]] = {}
        self.fallback: Callable[[str], Route] | None = None
        self.requests: list[tuple[float, str, str]] = []  # (monotonic time, path, user agent)
        self._lock = threading.Lock()
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def do_GET(self) -> None:  # noqa: N802 - http.server naming
                path = self.path
                with outer._lock:
                    outer.requests.append(
                        (time.monotonic(), path, self.headers.get("User-Agent", ""))
                    )
                route = outer.routes.get(path) or outer.routes.get(path.split("?", 1)[0])
                if route is None and outer.fallback is not None:
                    route = outer.fallback
                if callable(route):
                    route = route(path)
                if route is None:
                    route = html_route("<html><body>Not found</body></html>", 404)
                if route.delay:
                    time.sleep(route.delay)
                data = route.body.encode() if isinstance(route.body, str) else route.body
                if route.drip_s:
                    self._drip(route, data)
                    return
                if route.header_drip_s:
                    self._drip_headers(route)
                    return
                try:
                    self.send_response(route.status)
                    for key, value in route.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    view = memoryview(data)
                    for start in range(0, len(data), 1 << 20):
                        self.wfile.write(view[start : start + (1 << 20)])
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _drip(self, route: Route, data: bytes) -> None:
                try:
                    self.send_response(route.status)
                    for key, value in route.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    self.wfile.flush()
                    stop = time.monotonic() + 600
                    payload = (data or b"<html>") + b" " * 100000
                    for i in range(100000):
                        if time.monotonic() > stop:
                            break
                        self.wfile.write(payload[i : i + 1])
                        self.wfile.flush()
                        time.sleep(route.drip_s)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass
                self.close_connection = True

            def _drip_headers(self, route: Route) -> None:
                try:
                    self.wfile.write(f"HTTP/1.1 {route.status} OK\r\n".encode())
                    self.wfile.flush()
                    stop = time.monotonic() + 600
                    i = 0
                    while time.monotonic() < stop:
                        time.sleep(route.header_drip_s)
                        self.wfile.write(f"X-Drip-{i}: {i}\r\n".encode())
                        self.wfile.flush()
                        i += 1
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass
                self.close_connection = True

        class _Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                return  # the crawler closing a connection early (timeout, 5 MB cap) is expected

        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def paths(self) -> list[str]:
        with self._lock:
            return [p for _t, p, _ua in self.requests]

    def start(self) -> SiteServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def page(
    title: str,
    h1: str,
    body: str = "",
    *,
    links: tuple[str, ...] = (),
    head: str = "",
    jsonld: Any = None,
    body_class: str = "",
) -> str:
    """An HTML page with navigation boilerplate, a main article and the given links."""
    anchors = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in _pairs(links))
    ld = (
        f'<script type="application/ld+json">{json.dumps(jsonld)}</script>'
        if jsonld is not None
        else ""
    )
    return (
        f"<!doctype html><html><head><title>{title}</title>{head}{ld}</head>"
        f'<body class="{body_class}"><header><nav><a href="/">Home</a> <a href="/about">About us</a>'
        f"</nav></header><main><h1>{h1}</h1>{body}<ul>{anchors}</ul></main>"
        "<footer>© Trail Shop · Privacy · Terms</footer></body></html>"
    )


def _pairs(links: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(href.split("|", 1)[0], href.split("|", 1)[-1]) for href in links]


PARAGRAPH = (
    "<p>Trail running shoes need grip on wet rock, a cushioned midsole for long descents and "
    "an upper that drains quickly after a river crossing. We test every pair for 200 km.</p>"
)


def shop_site(site: SiteServer, http_origin: SiteServer, *, crawl_delay: float = 2) -> None:
    """Install the issue-9 test site on ``site`` (and ``http_origin`` redirecting to it)."""
    base = site.url
    sitemap_pages = [
        "/",
        "/collections/shoes",
        "/products/trail-runner",
        "/noindex-page",
        "/canonical-dup",
        "/missing",
        "/broken",
        "/slow",
        "/huge",
        "/files/guide.pdf",
        "/loop-a",
        "/old-page",
        "/private/secret",
    ]
    urlset = "".join(f"<url><loc>{base}{p}</loc></url>" for p in sitemap_pages)
    urlset += "<url><loc>http://other.example.org/off-site</loc></url>"
    child = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urlset}</urlset>'
    ).encode()
    index = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/sitemap-pages.xml.gz</loc></sitemap></sitemapindex>"
    )
    robots = (
        "User-agent: *\nDisallow: /\n\n"
        "User-agent: ClusterPlanner\nDisallow: /private/\nAllow: /\n"
        f"Crawl-delay: {crawl_delay}\n\nSitemap: {base}/sitemap_index.xml\n"
    )
    block = "".join(f"<p>Pair {i}: grip on wet rock, {i % 97} km tested.</p>" for i in range(5000))
    huge = b"<!doctype html><html><head><title>Huge page</title></head><body><h1>Huge</h1>"
    huge += block.encode() * (20 * 1024 * 1024 // len(block) + 1)  # over 20 MB
    routes: dict[str, Any] = {
        "/robots.txt": Route(200, robots, {"Content-Type": "text/plain"}),
        "/sitemap_index.xml": Route(200, index, {"Content-Type": "application/xml"}),
        "/sitemap-pages.xml.gz": Route(
            200, gzip.compress(child), {"Content-Type": "application/x-gzip"}
        ),
        "/": html_route(
            page(
                "Trail Shop — running shoes",
                "Trail running shoes",
                PARAGRAPH * 3,
                links=(
                    "/collections/shoes|Shop all trail shoes",
                    "/products/trail-runner|Trail Runner 2",
                    "/blog/how-to-choose/|How to choose trail shoes",
                    "https://external.example.org/x|Partner",
                    "mailto:hello@example.org|Mail us",
                    f"{http_origin.url}/about-http|Our story",
                    "/download?file=size-guide|Size guide",
                    "/about#team|Team",
                ),
            )
        ),
        "/about": html_route(page("About Trail Shop", "About us", PARAGRAPH)),
        "/about-http": html_route(page("Our story", "Our story", PARAGRAPH)),
        "/collections/shoes": html_route(
            page(
                "Trail shoes collection",
                "Trail shoes",
                "".join(
                    f'<div class="product-card"><a href="/products/p{i}">Shoe {i}</a></div>'
                    for i in range(3)
                ),
                jsonld={
                    "@context": "https://schema.org",
                    "@type": "ItemList",
                    "itemListElement": [{"@type": "ListItem", "position": i} for i in range(12)],
                },
            )
        ),
        "/products/trail-runner": html_route(
            page(
                "Trail Runner 2 | Trail Shop",
                "Trail Runner 2",
                PARAGRAPH * 2,
                head='<meta name="description" content="A light trail shoe.">',
                jsonld={"@context": "https://schema.org", "@type": "Product", "name": "TR2"},
            )
        ),
        "/blog/how-to-choose/": redirect("/blog/how-to-choose"),
        "/blog/how-to-choose": html_route(
            page(
                "How to choose trail shoes",
                "How to choose trail running shoes",
                "<h2>Grip</h2>" + PARAGRAPH * 4 + "<h3>Drop</h3>" + PARAGRAPH,
                jsonld={"@context": "https://schema.org", "@graph": [{"@type": "BlogPosting"}]},
                links=("/products/trail-runner|the Trail Runner 2",),
            )
        ),
        "/noindex-page": html_route(
            page("Hidden", "Hidden page", PARAGRAPH, head='<meta name="robots" content="noindex">')
        ),
        "/canonical-dup": html_route(
            page(
                "Trail Runner 2 (colour)",
                "Trail Runner 2",
                PARAGRAPH,
                head=f'<link rel="canonical" href="{base}/products/trail-runner">',
            )
        ),
        "/missing": html_route("<html><body><h1>Not found</h1></body></html>", 404),
        "/broken": html_route("<html><body><h1>Error</h1></body></html>", 500),
        "/slow": Route(200, page("Slow", "Slow page"), {"Content-Type": "text/html"}, delay=2.5),
        "/huge": Route(200, huge, {"Content-Type": "text/html"}),
        "/files/guide.pdf": Route(200, b"%PDF-1.4 fake", {"Content-Type": "application/pdf"}),
        "/download": Route(200, b"%PDF-1.4 fake", {"Content-Type": "application/pdf"}),
        "/loop-a": redirect("/loop-b", 302),
        "/loop-b": redirect("/loop-a", 302),
        "/old-page": redirect("/new-page"),
        "/new-page": html_route(page("New page", "The new page", PARAGRAPH)),
        "/private/secret": html_route(page("Secret", "Secret")),
    }
    site.routes.update(routes)
    http_origin.fallback = lambda path: redirect(f"{base}{path}")


def static_site(site: SiteServer, root: Path) -> None:
    """Serve the files under ``root`` (``/`` → ``index.html``) with their media type."""

    def serve(path: str) -> Route:
        rel = path.split("?", 1)[0].split("#", 1)[0].lstrip("/")
        target = (root / rel) if rel else root / "index.html"
        if target.is_dir():
            target = target / "index.html"
        try:
            target.resolve().relative_to(root.resolve())
        except ValueError:
            return html_route("forbidden", 403)
        if not target.is_file():
            return html_route("<html><body>Not found</body></html>", 404)
        ctype = "text/html; charset=utf-8" if target.suffix == ".html" else "text/plain"
        return Route(200, target.read_bytes(), {"Content-Type": ctype})

    site.fallback = serve
