"""Page types for guides, case studies, blog posts, category and tag pages (issue 18 §5)."""

from __future__ import annotations

import pytest

from services.site.crawl.page_type import classify


@pytest.mark.parametrize(
    ("url", "kwargs", "expected"),
    [
        ("https://x.com/guides/trail-shoes", {"jsonld_types": ["Article"]}, "guide"),
        ("https://x.com/travel/learn/faye-travel-insurance", {}, "guide"),
        ("https://x.com/x", {"jsonld_types": ["HowTo"]}, "guide"),
        ("https://x.com/case-studies/acme-redesign", {}, "case_study"),
        ("https://x.com/blog/tag/seo", {}, "tag"),
        ("https://x.com/x", {"body_classes": "archive tag tag-seo"}, "tag"),
        ("https://x.com/category/news", {}, "category"),
        ("https://x.com/product-category/shoes/", {}, "collection"),
        ("https://x.com/blog/how-we-ship", {"jsonld_types": ["BlogPosting"]}, "article"),
        ("https://x.com/2024/05/race-report", {}, "article"),
        ("https://x.com/pricing", {}, "other"),
    ],
)
def test_editorial_page_types(url: str, kwargs: dict, expected: str) -> None:
    assert classify(url, **kwargs) == expected
