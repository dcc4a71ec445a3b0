"""Issue 19 in Chromium: the view lives in the URL, failures are shown where the eye is.

- A deep link to the second project's Keyword Lists (``?project=<id>&tab=Keywords``) on a fresh
  server opens that project, that tab and its running job; a reload and a new tab keep them.
- A failed live seed (the LLM answers 401) shows its reason without a click, and "Run offline on
  this project's data" makes the cluster from there.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from db.models import Job, KeywordMetric
from db.session import init_db, session_scope
from services.core.app_settings import set_provider_choices
from services.projects.api import save_project
from services.providers.base import BrandProfile
from tests.browser.server import CHROMIUM, launch, serve_app
from tests.fakes.funnel import BRAND, TRAIL_VOLUMES

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


def _engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    return url, init_db(url, secret_key=None, key_file=tmp_path / "fernet.key")


def _project(page) -> str:
    """The project the sidebar picker shows."""
    return page.locator('[data-testid="stSidebar"]').get_by_label("Project").input_value()


def test_deep_link_reload_and_new_tab_keep_project_tab_and_job_panel(tmp_path):
    from playwright.sync_api import sync_playwright

    url, engine = _engine(tmp_path)
    save_project(engine, name="Alpha client")  # first alphabetically: what the bug opened
    second = save_project(engine, name="Zeta shop")
    job_id = uuid.uuid4()
    with session_scope(engine) as s:  # a clustering job running on another worker
        now = datetime.now(UTC)
        s.add(
            Job(
                id=job_id,
                project_id=second,
                kind="cluster",
                status="running",
                progress=40,
                message="Grouping 1,200 keywords",
                started_at=now,
                heartbeat_at=now,
                worker="another-host:4242",
            )
        )
    stop = threading.Event()

    def heartbeat() -> None:  # what that worker does while the job runs (lease: 60 s)
        while not stop.wait(2.0):
            with session_scope(engine) as s:
                s.get(Job, job_id).heartbeat_at = datetime.now(UTC)

    beat = threading.Thread(target=heartbeat, daemon=True)
    beat.start()
    with serve_app(tmp_path, url) as base, sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(f"{base}/keyword_lists?project={second}&tab=Keywords")  # fresh server
        page.get_by_role("heading", name="Keyword Lists").wait_for(timeout=60_000)
        page.get_by_text("Grouping 1,200 keywords").wait_for(timeout=30_000)

        def same_view(p) -> None:
            assert _project(p) == "Zeta shop"
            assert f"project={second}" in p.url
            tab = p.get_by_role("tab", name="Keywords")
            assert tab.get_attribute("aria-selected") == "true"
            assert p.get_by_text("Grouping 1,200 keywords").is_visible()

        same_view(page)
        page.reload()
        page.get_by_role("heading", name="Keyword Lists").wait_for(timeout=60_000)
        page.get_by_text("Grouping 1,200 keywords").wait_for(timeout=30_000)
        same_view(page)

        other = browser.new_page(viewport={"width": 1440, "height": 1000})
        other.goto(page.url)
        other.get_by_role("heading", name="Keyword Lists").wait_for(timeout=60_000)
        other.get_by_text("Grouping 1,200 keywords").wait_for(timeout=30_000)
        same_view(other)
        browser.close()
    stop.set()
    beat.join()


class _Unauthorized(BaseHTTPRequestHandler):
    """An Anthropic API that refuses the key (shape of the documented error body)."""

    def do_POST(self) -> None:  # noqa: N802
        body = json.dumps(
            {
                "type": "error",
                "error": {"type": "authentication_error", "message": "invalid x-api-key"},
                "request_id": "req_browser_1",
            }
        ).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("request-id", "req_browser_1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return


def test_a_failed_live_seed_shows_its_reason_and_runs_offline_from_there(tmp_path):
    from playwright.sync_api import sync_playwright

    url, engine = _engine(tmp_path)
    project = save_project(
        engine, name="Ridgeline", domain="ridgeline.example", brand=BrandProfile.from_dict(BRAND)
    )
    with session_scope(engine) as s:
        s.add_all(
            KeywordMetric(project_id=project, keyword=k, search_volume=v, source="semrush")
            for k, v in TRAIL_VOLUMES.items()
            if "'" not in k
        )
    set_provider_choices(engine, "anthropic", "offline")
    api = ThreadingHTTPServer(("127.0.0.1", 0), _Unauthorized)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    env = {
        "ANTHROPIC_API_KEY": "sk-ant-wrong",
        "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{api.server_address[1]}",
    }
    try:
        with serve_app(tmp_path, url, **env) as base, sync_playwright() as pw:
            browser = launch(pw)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(f"{base}/new_cluster?project={project}")
            page.get_by_role("heading", name="New Cluster").wait_for(timeout=60_000)
            page.get_by_label("Seed keyword").fill("trail running shoes")
            page.get_by_role("button", name="Generate cluster").click()
            # the reason, without a click: visible on the page, with what to do
            page.get_by_text("invalid x-api-key").wait_for(timeout=60_000)
            assert page.get_by_text("invalid x-api-key").is_visible()
            page.get_by_text("check the provider's API key").wait_for(timeout=30_000)
            page.get_by_role("button", name="Run offline on this project's data").click()
            page.get_by_text("pages suggested in").wait_for(timeout=120_000)
            body = page.locator("body").inner_text()
            assert "invalid x-api-key" not in body
            page.screenshot(path=str(tmp_path / "offline.png"), full_page=True)
            browser.close()
    finally:
        api.shutdown()
