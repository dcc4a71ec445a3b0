"""The New Cluster result table names page types as the site type does (as Cluster Review)."""

from __future__ import annotations

from types import SimpleNamespace

from ui.seed_clusters import suggestion_rows


def _page(keyword: str, page_type: str) -> SimpleNamespace:
    return SimpleNamespace(
        role="child",
        page_type=page_type,
        keyword=keyword,
        url_slug="/x",
        search_volume=10,
        composite_score=50.0,
        score_parts={},
        source="data",
        preselected=True,
        secondary_keywords=[],
        expansion_strategy="modifier",
    )


def test_page_types_follow_the_site_type() -> None:
    pages = [_page("car accident lawyer near me", "landing"), _page("what to do", "article")]
    custom = [r["page type"] for r in suggestion_rows(pages, "custom")]
    store = [r["page type"] for r in suggestion_rows(pages, "shopify")]
    assert custom == ["location page", "article"]
    assert store == ["landing", "supporting article"]
