"""Send to review uses the evidence the list's data holds (issue 16 §1): cached SERPs of the
list's clustering run, the project's ranking URLs and Parent Keyword columns make one page,
and review says which evidence merged it."""

from __future__ import annotations

import datetime as dt

from db.models import KeywordCluster, PageRanking, SerpCache
from db.session import session_scope
from services.keyword_lists.send_to_review import send_hub_to_review
from tests.db.keyword_lists.test_send_to_review import _hub
from tests.fakes.keyword_lists import TrigramEmbedder

HUB = [
    ("payday loans", 90000),
    ("cash advance", 12000),  # same SERP as "payday loans" (no shared word)
    ("short term loan", 8000),  # same ranking URL as "quick loans online"
    ("quick loans online", 5000),
    ("personal loan calculator", 4000),  # nothing in common: its own page
]
TOP = [f"https://site{i}.example/payday" for i in range(10)]


def _pages(engine, review_id):
    with session_scope(engine) as s:
        return {
            p.keyword: (list(p.secondary_keywords or []), p.reasoning)
            for p in s.get(KeywordCluster, review_id).pages
        }


def test_cached_serp_overlap_and_ranking_urls_merge_pages_with_their_reason(engine, project_id):
    hub_id = _hub(engine, project_id, HUB, site_type="publisher")
    with session_scope(engine) as s:
        # The list's SERP run cached these (project locale: United States / English).
        s.add(SerpCache(keyword="payday loans", location_name="United States",
                        language_name="English", urls=TOP))  # fmt: skip
        s.add(SerpCache(keyword="cash advance", location_name="United States",
                        language_name="English", urls=TOP[:5] + ["x.example/a"] * 5))  # fmt: skip
        s.add(SerpCache(keyword="personal loan calculator", location_name="United States",
                        language_name="English", urls=TOP[:2]))  # fmt: skip
        for kw in ("short term loan", "quick loans online"):
            s.add(
                PageRanking(
                    project_id=project_id,
                    page_url="https://loans.example/quick-loans/",
                    normalized_url="loans.example/quick-loans",
                    keyword=kw,
                    position=4,
                    source="gsc",
                    date=dt.date(2026, 11, 1),
                )
            )
    pages = _pages(engine, send_hub_to_review(engine, project_id, hub_id, TrigramEmbedder()))
    assert sorted(pages) == ["payday loans", "personal loan calculator", "short term loan"]
    secondary, reasoning = pages["payday loans"]
    assert "cash advance" in secondary
    assert "'cash advance' (merged: SERP overlap" in reasoning
    secondary, reasoning = pages["short term loan"]
    assert "quick loans online" in secondary
    assert "'quick loans online' (merged: same ranking URL)" in reasoning


def test_the_workspace_serp_overlap_setting_decides_send_to_review(engine, project_id):
    from services.clustering.serp_settings import EVIDENCE_SETTINGS_KEY
    from services.core.app_settings import set_setting

    set_setting(engine, EVIDENCE_SETTINGS_KEY, {"min_serp_overlap": 6})  # 5 shared < 6
    hub_id = _hub(engine, project_id, HUB[:2], site_type="publisher")
    with session_scope(engine) as s:
        s.add(SerpCache(keyword="payday loans", location_name="United States",
                        language_name="English", urls=TOP))  # fmt: skip
        s.add(SerpCache(keyword="cash advance", location_name="United States",
                        language_name="English", urls=TOP[:5] + ["x.example/a"] * 5))  # fmt: skip
    pages = _pages(engine, send_hub_to_review(engine, project_id, hub_id, TrigramEmbedder()))
    assert sorted(pages) == ["cash advance", "payday loans"]
