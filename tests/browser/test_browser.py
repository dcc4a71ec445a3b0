"""The running app in headless Chromium: the Cluster Review page renders the suggestions table;
the Content Drafts page makes briefs for an approved cluster, opens one and downloads the XLSX.

Needs Debian's ``chromium`` (``.ci/run`` installs it); skipped, with the reason, elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from db.session import init_db
from services.projects.api import save_project
from services.providers.base import BrandProfile
from services.seed_clusters.api import FunnelDeps, generate_cluster
from tests.browser.server import CHROMIUM, launch, serve_app
from tests.fakes.funnel import (
    BRAND,
    TRAIL_CANDIDATES,
    TRAIL_VOLUMES,
    DictVolume,
    HashingEmbedder,
    ScriptedLLM,
)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


@pytest.fixture()
def approved_cluster() -> list[bool]:
    """Ask the app fixture to bulk-approve the cluster before the server starts."""
    return []


@pytest.fixture()
def running_app(tmp_path, approved_cluster):
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
    result = generate_cluster("trail running shoes", BRAND, project_id, deps=deps)
    if approved_cluster:
        from services.seed_clusters.approval import bulk_approve

        bulk_approve(engine, result.cluster_id)
    with serve_app(tmp_path, url) as base:
        yield base


def test_cluster_review_page_shows_the_table_in_chromium(running_app, tmp_path):
    from playwright.sync_api import sync_playwright

    shot = Path(os.environ.get("CLUSTER_REVIEW_SCREENSHOT", tmp_path / "review.png"))
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        # a deep link on a fresh server: the router loads, then the page the link named
        page.goto(f"{running_app}/cluster_review")
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


@pytest.mark.parametrize("approved_cluster", [[True]])
def test_content_drafts_briefs_and_xlsx_download_in_chromium(running_app, tmp_path):
    from openpyxl import load_workbook
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1600, "height": 1400})
        page.goto(running_app)
        page.get_by_role("heading", name="Projects").wait_for(timeout=60_000)
        page.get_by_role("link", name="Content Drafts").click()
        page.get_by_role("heading", name="Content Drafts").wait_for(timeout=60_000)
        page.get_by_role("button", name="Generate briefs").click()
        page.get_by_text("created, 0 rebuilt").wait_for(timeout=60_000)
        page.get_by_role("heading", name="Open a page").wait_for(timeout=60_000)
        # The open page's brief: its editable title, prefilled from the primary keyword.
        title = page.get_by_label("Title (≤ 60)")
        title.wait_for(timeout=60_000)
        assert "trail running shoes" in title.input_value().lower()
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name="Download XLSX").click()
        path = tmp_path / "drafts.xlsx"
        download.value.save_as(path)
        page.screenshot(path=str(tmp_path / "content.png"), full_page=True)
        browser.close()
    book = load_workbook(path)
    assert {"Briefs", "Drafts", "Internal links", "Social posts"} <= set(book.sheetnames)
    briefs = book["Briefs"]
    keywords = [row[0].value for row in briefs.iter_rows(min_row=2)]
    assert len(keywords) >= 8
