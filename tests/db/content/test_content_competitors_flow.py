"""Competitor analysis on a real database: cached SERP → pages read politely → briefs."""

from __future__ import annotations

from db.models import SerpCache
from db.session import session_scope
from services.content import api
from services.site.crawl.fetch import Fetcher
from tests.db.content.test_content_flow import make_cluster
from tests.unit.content.serp_site import SerpSite


def no_trafilatura(html: str, url: str) -> tuple[str | None, str]:
    return None, ""


def test_analyse_competitors_records_page_errors_and_sets_word_counts(engine, project_id):
    with SerpSite() as site:
        with session_scope(engine) as s:
            s.add(
                SerpCache(
                    keyword="trail running shoes",
                    location_name="United States",
                    language_name="English",
                    urls=[site.url + p for p in ("/a", "/blocked/page", "/b", "/slow", "/c")],
                )
            )
        cid = make_cluster(engine, project_id)
        api.generate_briefs(engine, cid)
        report = api.analyse_competitors(
            engine, cid, fetcher=Fetcher(rate_limit=False, timeout_s=0.5), main_text=no_trafilatura
        )
    assert report.keywords == 1 and report.without_serp == 5
    assert (report.outcome.succeeded, report.outcome.failed) == (3, 2)
    assert report.outcome.status == "partial"  # per-page errors, never a failed batch
    assert report.politeness["timeout_s"] == 0.5 and report.politeness["robots_txt"]
    assert len(report.page_seconds) == 5
    parent = api.list_content(engine, cid)[0]
    comp = parent.brief["competitors"]
    assert comp["pages_failed"] == 2
    errors = {p["url"].rsplit("/", 1)[-1]: p["error"] for p in comp["pages"]}
    assert errors["page"] == "blocked by robots.txt" and errors["slow"] == "timeout"
    assert parent.brief["word_count_source"].startswith("competitors: median")
    others = api.list_content(engine, cid)[1:]
    assert all(v.brief["word_count_source"].startswith("assumed") for v in others)
    # a rebuilt brief keeps the analysis
    api.generate_briefs(engine, cid)
    again = api.list_content(engine, cid)[0].brief
    assert again["competitors"]["median_words"] == comp["median_words"]
    assert again["word_count"] == parent.brief["word_count"]
