"""The running app in headless Chromium: the Cluster Review page renders the suggestions table.

Needs Debian's ``chromium`` (``.ci/run`` installs it); skipped, with the reason, elsewhere.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from funnel_fakes import (
    BRAND,
    TRAIL_CANDIDATES,
    TRAIL_VOLUMES,
    DictVolume,
    HashingEmbedder,
    ScriptedLLM,
)

from db.session import init_db
from services.projects.api import save_project
from services.providers.base import BrandProfile
from services.seed_clusters.api import FunnelDeps, generate_cluster

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def running_app(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = init_db(url, secret_key=None, key_file=tmp_path / "fernet.key")
    project_id = save_project(
        engine, name="Ridgeline", domain="ridgeline.example", brand=BrandProfile.from_dict(BRAND)
    )
    emb = HashingEmbedder()
    deps = FunnelDeps(
        engine=engine,
        llm=ScriptedLLM(TRAIL_CANDIDATES),
        volume=DictVolume(TRAIL_VOLUMES),
        embedder_factory=lambda: emb,
    )
    generate_cluster("trail running shoes", BRAND, project_id, deps=deps)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "CLUSTER_PLANNER_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{base}/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit did not start within 60 s")
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def test_cluster_review_page_shows_the_table_in_chromium(running_app, tmp_path):
    from playwright.sync_api import sync_playwright

    shot = Path(os.environ.get("CLUSTER_REVIEW_SCREENSHOT", tmp_path / "review.png"))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{running_app}/cluster_review")  # deep link on a fresh server → the router
        page.get_by_role("heading", name="Projects").wait_for(timeout=60_000)
        page.get_by_role("link", name="Cluster Review").click()
        page.get_by_role("heading", name="Cluster Review").wait_for(timeout=60_000)
        table = page.locator(
            '[data-testid="stDataFrame"], [data-testid="stDataFrameResizable"]'
        ).first
        table.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)  # let the grid paint its canvas
        assert "trail running shoes" in page.locator("body").inner_text()
        cells = (
            table.text_content() or ""
        )  # glide-data-grid keeps an accessible cell table in the DOM
        assert "waterproof trail running shoes" in cells, cells[:500]
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.stat().st_size > 10_000
