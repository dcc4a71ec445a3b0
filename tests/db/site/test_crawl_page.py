"""AppTest of pages/site_crawl.py: empty state, a bad address, crawled pages, resume offer."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db.models import CrawlRun
from db.session import session_scope
from services.app.bootstrap import AppContext
from services.app.context import set_app
from services.core.config import load_settings
from services.site.crawl import api
from services.site.crawl.fetch import Fetcher
from services.site.crawl.model import CrawlLimits
from tests.unit.site.crawl_site import Route, SiteServer, html_route, page

PAGE = Path(__file__).resolve().parents[3] / "pages" / "site_crawl.py"


@pytest.fixture()
def app_context(engine, tmp_path):
    ctx = AppContext(
        settings=load_settings(env={"CLUSTER_PLANNER_DATA_DIR": str(tmp_path)}), engine=engine
    )
    set_app(ctx)
    yield ctx
    set_app(None)


def crawl_page(project_id) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["_frame"] = True
    at.session_state["project_id"] = str(project_id)
    return at


def test_site_crawl_page(app_context, engine, project_id):
    at = crawl_page(project_id).run()
    assert not at.exception
    assert at.text_input[0].value == "https://example.com/"  # from the project's domain
    assert (at.number_input[2].label, at.number_input[2].value) == ("Time limit (minutes)", 120)
    assert any("No pages yet" in i.value for i in at.info)

    at.text_input[0].input("not a url")
    at.button[0].click().run()  # the form's submit button
    assert any("Enter the site's address" in e.value for e in at.error)

    with SiteServer() as site:
        site.routes["/robots.txt"] = Route(404, "", {"Content-Type": "text/plain"})
        site.routes["/"] = html_route(page("Home <b>", "Welcome", links=("/missing|Gone",)))
        site.routes["/about"] = html_route(page("About", "About us"))
        api.run_crawl(
            engine, project_id, site.url, limits=CrawlLimits(), fetcher=Fetcher(rate_limit=False)
        )
    with session_scope(engine) as s:
        s.query(CrawlRun).update({"status": "cancelled"})  # as if the user had cancelled it
    at.run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["3", "2", "1", "0"]
    shown = at.dataframe[0].value
    assert "Home <b>" in set(shown["title"])  # shown as plain text in a table
    assert any(b.label == "Resume the crawl" for b in at.button)


def test_crawl_outcome_states_on_the_page(app_context, engine, project_id):
    with session_scope(engine) as s:  # a crawl in progress, nothing stored yet
        s.add(CrawlRun(project_id=project_id, start_url="https://example.com/", pages_fetched=7))
    at = crawl_page(project_id).run()
    assert not at.exception
    assert any("7 URLs fetched so far" in i.value for i in at.info)
    assert not any("No pages yet" in i.value for i in at.info)
    assert [t.label for t in at.tabs] == ["Pages", "Skipped / Errors", "Internal links"]

    with session_scope(engine) as s:
        s.query(CrawlRun).update({"status": "completed"})
    with SiteServer() as site:
        site.routes["/robots.txt"] = Route(404, "", {"Content-Type": "text/plain"})
        site.routes["/"] = html_route(page("Home", "Home", links=("/boom|Boom",)))
        site.routes["/about"] = html_route(page("About", "About us"))
        site.routes["/boom"] = html_route("<html>down</html>", 503)
        report = api.run_crawl(
            engine, project_id, site.url, limits=CrawlLimits(), fetcher=Fetcher(rate_limit=False)
        )
    assert report.status == "partial"
    at.run()
    assert not at.exception
    assert any("Partial: 1 URL failed (HTTP 503" in w.value for w in at.warning)
    assert any("Top reasons: HTTP 503 ×1" in c.value for c in at.caption)
    assert not any(b.label == "Resume the crawl" for b in at.button)
