"""After an install: crawl a page served on 127.0.0.1 and extract its main text (issue 19).

Run by ``scripts/check_install.sh`` inside a venv made exactly as README's command 1 makes it.
It fails (exit 1, with the reason) when an optional-at-import stack is missing — the start-up
self-check (:mod:`services.app.selfcheck`) names what to install — or when the crawler cannot
get the page's main text through trafilatura. No network: the site is a local HTTP server.
Ends with one JSON line.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

#: The sentence the main text must contain; the nav and footer words must not be in it.
ARTICLE = (
    "Trail running shoes need a grippy outsole, a protective toe cap and a rock plate. "
    "Choose a drop between four and eight millimetres for technical descents. "
    "Fit them in the afternoon, when your feet are at their largest, with the socks you race in."
)
PAGE = f"""<!doctype html><html><head><title>How to choose trail running shoes</title>
<meta name="description" content="A buyer's guide."></head><body>
<nav><a href="/">Home</a> <a href="/shop">Shop navigation link</a></nav>
<article><h1>How to choose trail running shoes</h1>
<p>{ARTICLE}</p><p>{ARTICLE}</p></article>
<footer>Footer copyright notice</footer></body></html>"""


class _Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path == "/robots.txt":
            body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
        elif self.path in ("/", "/guide"):
            body, ctype = PAGE.encode(), "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return


def main() -> int:
    """Self-check, then crawl the local page; 0 when the main text came through trafilatura."""
    from services.app.selfcheck import run_selfcheck

    started = time.perf_counter()
    problems = [f"{s.name}: {s.error} -> {s.install}" for s in run_selfcheck() if not s.ok]

    from services.site.crawl.crawler import Crawler, CrawlLimits
    from services.site.crawl.fetch import Fetcher

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    records: list = []
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/guide"
        limits = CrawlLimits(max_pages=1).validated()
        fetcher = Fetcher(rate_limit=False, timeout_s=5.0)
        Crawler(url, limits, fetcher, records.append).run()
        fetcher.close()
    except Exception as exc:  # the check reports every failure as a reason
        problems.append(f"crawl raised {type(exc).__name__}: {exc}")
    finally:
        server.shutdown()
    page = next((r for r in records if r.ok), None)
    if page is None:
        problems.append("the local page was not crawled")
    else:
        text = page.extracted.body_text
        if ARTICLE[:60] not in text:
            problems.append(f"main text misses the article: {text[:120]!r}")
        if "Footer copyright" in text or "Shop navigation" in text:
            problems.append("main text kept the nav/footer (trafilatura did not run)")
        if page.extracted.warnings:
            problems.append(f"extraction warnings: {page.extracted.warnings}")
    try:
        import trafilatura

        direct = trafilatura.extract(PAGE) or ""
    except ImportError as exc:
        direct = ""
        problems.append(f"trafilatura does not import: {exc}".replace("\n", " "))
    if ARTICLE[:60] not in direct:
        problems.append("trafilatura.extract returned no main text")
    for line in problems:
        print(f"FAIL {line}", file=sys.stderr)
    print(
        json.dumps(
            {
                "ok": not problems,
                "problems": len(problems),
                "pages_crawled": len(records),
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
