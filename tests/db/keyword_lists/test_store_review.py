"""Send to review on a store (issue 16 §8): product and category nouns become collections,
questions and how-tos supporting articles; evidence merges pages; competitors are left out."""

from __future__ import annotations

from db.models import KeywordCluster, Project
from db.session import session_scope
from services.keyword_lists.send_to_review import send_hub_to_review
from tests.db.keyword_lists.test_send_to_review import _hub
from tests.fakes.keyword_lists import TrigramEmbedder, add_keywords

# Ahrefs labels product nouns "informational"; the store must still sell them.
NIKE = [
    ("nike socks", 77000, "informational,branded", "nike socks"),
    ("nike grip socks", 5400, "informational,branded", "nike grip socks"),
    ("nike elite socks", 3600, "informational", "nike elite socks"),
    ("nike socks sale", 1900, "transactional", "nike socks"),
    ("how to wash nike socks", 300, "informational", "how to wash nike socks"),
    ("nike vs adidas socks", 250, "commercial", "nike vs adidas socks"),
    ("marks and spencer mens socks", 2600, "commercial,branded", "mens socks"),
    ("nike socks login", 40, "navigational", "nike login"),
]


def _store_hub(engine, project_id):
    add_keywords(
        engine,
        project_id,
        [
            {"keyword": k, "search_volume": v, "intent": i, "grouping_hint": p}
            for k, v, i, p in NIKE
        ],
    )
    with session_scope(engine) as s:
        s.get(Project, project_id).brand_config = {"competitors": ["Marks and Spencer"]}
    return _hub(engine, project_id, [(k, v) for k, v, _i, _p in NIKE], site_type="shopify")


def _pages(engine, review_id):
    with session_scope(engine) as s:
        review = s.get(KeywordCluster, review_id)
        pages = sorted(review.pages, key=lambda p: p.sort_order)
        return (
            {
                p.keyword: (p.page_type, p.url_slug, p.secondary_keywords, p.reasoning)
                for p in pages
            },
            review.generation_metadata,
        )


def test_store_hub_pages_are_collections_and_supporting_articles(engine, project_id):
    hub_id = _store_hub(engine, project_id)
    pages, meta = _pages(engine, send_hub_to_review(engine, project_id, hub_id, TrigramEmbedder()))
    for kw in ("nike socks", "nike grip socks", "nike elite socks"):
        ptype, slug, _sec, _r = pages[kw]
        assert ptype == "collection" and slug.startswith("/collections/"), (kw, ptype, slug)
        assert "/blogs/news/" not in slug
    assert pages["how to wash nike socks"][0] == "article"
    assert pages["how to wash nike socks"][1].startswith("/blogs/")
    assert pages["nike vs adidas socks"][0] == "comparison"


def test_evidence_merges_clusters_into_one_page_and_says_so(engine, project_id):
    hub_id = _store_hub(engine, project_id)
    pages, _meta = _pages(engine, send_hub_to_review(engine, project_id, hub_id, TrigramEmbedder()))
    assert "nike socks sale" not in pages  # same Parent Keyword as "nike socks"
    _t, _s, secondary, reasoning = pages["nike socks"]
    assert "nike socks sale" in secondary
    assert "'nike socks sale' (merged: same Parent Keyword)" in reasoning


def test_competitor_and_navigational_clusters_are_left_out_with_their_reason(engine, project_id):
    hub_id = _store_hub(engine, project_id)
    pages, meta = _pages(engine, send_hub_to_review(engine, project_id, hub_id, TrigramEmbedder()))
    assert "marks and spencer mens socks" not in pages and "nike socks login" not in pages
    reasons = {r["keyword"]: r["reason"] for r in meta["left_out"]}
    assert reasons["marks and spencer mens socks"] == "competitor brand (marks and spencer)"
    assert reasons["nike socks login"].startswith("navigational")


def test_evidence_switched_off_for_the_project_keeps_pages_apart(engine, project_id):
    hub_id = _store_hub(engine, project_id)
    with session_scope(engine) as s:
        project = s.get(Project, project_id)
        project.brand_config = {**project.brand_config, "use_evidence": False}
    pages, _meta = _pages(engine, send_hub_to_review(engine, project_id, hub_id, TrigramEmbedder()))
    assert "nike socks sale" in pages
