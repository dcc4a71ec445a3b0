"""No keyword data, no fake keywords (issue 18 §5): labels with their section, pages that
own no keyword."""

from __future__ import annotations

import pytest

from services.site.labels import page_label
from services.site.page_inputs import skip_reason


@pytest.mark.parametrize(
    ("url", "h1", "title", "label"),
    [
        ("https://x.org/accessibility/forms/", "Forms", "", "accessible forms"),
        ("https://x.com/travel/learn/insurance", "Insurance", "", "travel insurance"),
        (
            "https://x.com/p",
            "",
            "Best Hiking Boots for Women – Acme",
            "best hiking boots for women",
        ),
        ("https://x.com/g", "Crime data: a guide to the FBI's tables", "", "crime data"),
        (
            "https://x.com/g",
            "How to read the tables in the annual report of the",
            "",
            "how to read the tables",
        ),
        ("https://x.com/blog/clean-shoes.html", "", "", "clean shoes"),
        ("https://x.com/d", "1.2.3. Control flow", "", "control flow"),
    ],
)
def test_labels_are_phrases_with_their_section(url: str, h1: str, title: str, label: str) -> None:
    assert page_label(url, h1, title) == label


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            {"url": "https://x.org/", "crawl_meta": {"meta_refresh": "https://y.org/"}},
            "redirect stub",
        ),
        ({"url": "https://x.org/old", "title": "Redirecting…"}, "redirect stub"),
        ({"url": "https://x.org/a", "noindex": True}, "noindex"),
        ({"url": "https://x.org/b", "status": "error", "http_status": 404}, "crawl error"),
        ({"url": "https://x.org/c", "h1": "404 Not Found"}, "crawl error"),
        ({"url": "https://x.org/about-us/"}, "utility page"),
        ({"url": "https://x.org/c", "source": "cluster"}, "planned page"),
    ],
)
def test_pages_that_own_no_keyword(row: dict, reason: str) -> None:
    assert skip_reason(row) == reason


@pytest.mark.parametrize(
    "title", ["Error handling in Python", "Redirects in Apache", "About face: a novel"]
)
def test_real_pages_are_kept(title: str) -> None:
    assert skip_reason({"url": "https://x.org/guide/x", "title": title}) is None
