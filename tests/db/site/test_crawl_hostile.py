"""The crawl against hostile servers on 127.0.0.1 (issue 20): slow-loris page and sitemap,
the overall time limit, a redirect to another port, a UTF-7 charset, binary served as HTML."""

from __future__ import annotations

import json
import threading
import time
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from services.site.crawl import api
from services.site.crawl.fetch import Fetcher
from services.site.crawl.model import CrawlLimits
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


@pytest.mark.slow
def test_a_server_trickling_header_lines_ends_within_the_deadline(engine, project_id):
    """Status line, then one header line a second, forever: each line arrives well inside the
    read timeout, so only the deadline on the header phase ends the request."""
    deadline = 2.0
    with SiteServer() as site:
        site.routes["/robots.txt"] = Route(404, "", {"Content-Type": "text/plain"})
        site.routes["/"] = html_route(page("Home", "Home", links=("/trickle|Trickle", "/ok|OK")))
        site.routes["/trickle"] = Route(200, "", header_drip_s=1)
        site.routes["/ok"] = html_route(page("OK", "OK"))
        started = time.monotonic()
        report = api.run_crawl(
            engine,
            project_id,
            site.url,
            limits=CrawlLimits(max_pages=5, timeout_s=deadline),
            fetcher=fetcher(deadline),
        )
        elapsed = time.monotonic() - started
    assert elapsed < deadline + 2, elapsed
    reasons = skipped(engine, project_id)
    assert reasons["/trickle"].startswith("timeout"), reasons
    assert report.ok == 2  # home and /ok stored


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


def test_a_crawl_whose_every_page_raises_fails_with_the_reason_and_exit_1(
    engine, project_id, tmp_path, monkeypatch, capsys
):
    from services.app.bootstrap import AppContext
    from services.cli import main
    from services.core.config import load_settings
    from services.site.crawl import crawler

    def broken_extractor(*_args, **_kwargs):
        raise ModuleNotFoundError("No module named 'trafilatura'")

    monkeypatch.setattr(crawler, "extract_page", broken_extractor)
    app = AppContext(
        settings=load_settings(env={"CLUSTER_PLANNER_DATA_DIR": str(tmp_path)}), engine=engine
    )
    app.crawl_fetcher = fetcher()  # type: ignore[attr-defined]
    with SiteServer() as site:
        site.routes["/robots.txt"] = Route(404, "", {"Content-Type": "text/plain"})
        site.routes["/"] = html_route(page("Home", "Home", links=("/a|A",)))
        code = main(["crawl", str(project_id), site.url, "--json"], app=app)
    out, _err = capsys.readouterr()
    assert code == 1
    report = json.loads(out)
    assert report["status"] == "failed"
    assert report["outcome"]["top_reasons"][0]["reason"].startswith(
        "page could not be processed: ModuleNotFoundError: No module named 'trafilatura'"
    )
    run = api.latest_run(engine, project_id)
    assert run.status == "failed" and "trafilatura" in (run.error or "")
    assert run.stats["outcome"]["status"] == "failed"


def test_hints_for_a_root_404_under_a_sub_path_and_a_sitemap_on_another_port(engine, project_id):
    with SiteServer() as site, SiteServer() as other:
        site.routes["/robots.txt"] = Route(
            200,
            f"User-agent: *\nAllow: /\nSitemap: {other.url}/sitemap.xml\n",
            {"Content-Type": "text/plain"},
        )
        site.routes["/"] = html_route("<html><body>Not here</body></html>", 404)
        report = api.run_crawl(
            engine, project_id, site.url, limits=CrawlLimits(), fetcher=fetcher()
        )
        assert other.paths() == []
    assert report.status == "failed"
    assert report.outcome["top_reasons"] == [{"reason": "HTTP 404", "count": 1}]
    text = " ".join(report.hints)
    assert "sitemap" in text and "another host" in text
    assert "answered HTTP 404" in text and "sub-path" in text


def test_cli_progress_is_one_line_on_a_terminal_and_throttled_in_logs():
    import io

    from services.site.crawl.cli import Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    bar = Progress(tty)
    for i in range(50):
        bar(i * 2, f"Crawled {i} of 50 URLs")
    bar(100, "Crawled 50 pages")
    assert tty.getvalue().count("\n") == 1 and tty.getvalue().count("\r") == 51

    log = io.StringIO()
    lines = Progress(log, every_s=60)
    lines(0, "Reading robots.txt")
    for i in range(50):
        lines(5 + i, f"Crawled {i} of 50 URLs")
    lines(100, "Crawled 50 pages")
    assert log.getvalue().count("\n") == 3  # stage changes and the end, not 52 lines


KILLED_CRAWL = """
import sys
from db.session import get_engine
from services.site.crawl import api
from services.site.crawl.model import CrawlLimits
from services.site.crawl.fetch import Fetcher

engine = get_engine(sys.argv[1])
api.run_crawl(
    engine, sys.argv[2], sys.argv[3], limits=CrawlLimits(),
    fetcher=Fetcher(rate_limit=False, timeout_s=5, max_in_flight=1), job_id=sys.argv[4],
)
"""


@pytest.mark.parametrize("resume", ["resume button", "job re-queued"])
def test_a_killed_crawl_is_interrupted_and_resumes_without_refetching(
    engine, project_id, database_url, tmp_path, resume
):
    import os
    import signal
    import subprocess
    import sys
    import uuid

    from tests.conftest import REPO

    paths = [f"/p{i}" for i in range(12)]
    job_id = uuid.uuid4()
    with SiteServer() as site:
        site.routes["/robots.txt"] = Route(404, "", {"Content-Type": "text/plain"})
        site.routes["/about"] = html_route(page("About", "About"))
        site.routes["/"] = html_route(page("Home", "Home", links=tuple(f"{p}|{p}" for p in paths)))
        for path in paths:
            site.routes[path] = Route(200, page(path, path), {"Content-Type": "text/html"}, 0.4)
        script = tmp_path / "crawl.py"
        script.write_text(KILLED_CRAWL)
        proc = subprocess.Popen(
            [sys.executable, str(script), database_url, str(project_id), site.url, str(job_id)],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(api.list_pages(engine, project_id)) < 4:
                time.sleep(0.1)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        stored = set(api.list_pages(engine, project_id)["url"])
        assert 4 <= len(stored) < 14
        run = api.latest_run(engine, project_id)
        assert run.status == "running"  # nobody closed it: the process died
        before = len(site.paths())
        if resume == "resume button":
            assert api.release_interrupted(engine, project_id) == 1  # the job's release hook
            run = api.latest_run(engine, project_id)
            assert run.status == "interrupted"
            report = api.run_crawl(
                engine,
                project_id,
                "",
                limits=CrawlLimits(),
                fetcher=fetcher(),
                resume_run_id=run.id,
            )
        else:  # jobs.resume re-queues the same job: it continues the run it started
            ctx = SimpleNamespace(
                engine=engine,
                project_id=project_id,
                job_id=job_id,
                params={"start_url": site.url, "limits": CrawlLimits().to_dict()},
                progress=lambda _pct, _msg: None,
                deps=SimpleNamespace(extras={"crawl_fetcher": fetcher()}),
            )
            report = api.CrawlReport(
                **{k: v for k, v in api.crawl_job(ctx).items() if k != "message"}
            )
            assert report.run_id == str(run.id)
        again = [p for p in site.paths()[before:] if p not in ("/robots.txt", "/sitemap.xml")]
    assert report.status == "completed" and report.pages == 14 - len(stored)
    refetched = {site.url + p for p in again} & stored
    assert refetched == set()  # nothing stored before the kill was fetched again
    assert len(api.list_pages(engine, project_id)) == 14


def test_fetch_page_for_a_competitor_page_holds_its_deadline():
    from services.site.crawl.fetch import fetch_page

    with SiteServer() as site:
        site.routes["/slow"] = Route(200, "<html>", drip_s=1)
        site.routes["/ok"] = html_route(page("Rival", "Rival guide"))
        started = time.monotonic()
        slow = fetch_page(site.url + "/slow", timeout_s=1.5)
        elapsed = time.monotonic() - started
        ok = fetch_page(site.url + "/ok", timeout_s=5)
    assert elapsed < 1.5 + 2 and slow.skip_reason.startswith("timeout") and not slow.body
    assert ok.status == 200 and "Rival guide" in ok.text()


@pytest.mark.slow
def test_fetch_page_holds_its_deadline_against_trickled_headers():
    from services.site.crawl.fetch import fetch_page

    with SiteServer() as site:
        site.routes["/trickle"] = Route(200, "", header_drip_s=1)
        started = time.monotonic()
        result = fetch_page(site.url + "/trickle", timeout_s=1.5)
        elapsed = time.monotonic() - started
        ok_after = fetch_page(site.url + "/missing", timeout_s=5)
    assert elapsed < 1.5 + 2, elapsed
    assert result.status is None and result.skip_reason.startswith("timeout") and not result.body
    assert ok_after.status == 404  # the server (and the client side) still work
    assert not [t for t in threading.enumerate() if isinstance(t, threading.Timer)]  # watchdogs
