"""Competitor analysis on a real database: cached SERP → pages read politely → briefs."""

from __future__ import annotations

import pytest

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


def test_dataforseo_on_fetches_missing_serps_within_the_budget(engine, project_id):
    from sqlalchemy import func, select

    from db.models import APIUsage
    from services.core.errors import BudgetExceeded
    from services.providers.base import Usage
    from services.spend.budget import BudgetGuard, set_monthly_budget

    asked: list[str] = []

    with SerpSite() as site:

        def fetch(keyword: str):
            asked.append(keyword)
            usage = Usage("dataforseo", "serp/google/organic/live/advanced", cost_usd=0.002)
            return [site.url + "/a", site.url + "/b"], usage

        cid = make_cluster(engine, project_id)
        api.generate_briefs(engine, cid)
        set_monthly_budget(engine, 0.001)  # less than one SERP per page
        with pytest.raises(BudgetExceeded):
            api.analyse_competitors(engine, cid, serp_fetch=fetch, budget=BudgetGuard(engine))
        assert asked == []  # refused before any call
        set_monthly_budget(engine, 5.0)
        report = api.analyse_competitors(
            engine,
            cid,
            serp_fetch=fetch,
            fetcher=Fetcher(rate_limit=False, timeout_s=0.5),
            main_text=no_trafilatura,
            budget=BudgetGuard(engine),
        )
    pages = len(api.list_content(engine, cid))
    assert len(asked) == pages and report.without_serp == 0
    assert report.outcome.succeeded == 2 * pages
    with session_scope(engine) as s:
        serp_rows = select(func.count()).where(APIUsage.endpoint.like("serp/%"))
        assert s.scalar(serp_rows) == pages
    assert all(v.brief["serp"] for v in api.list_content(engine, cid))
