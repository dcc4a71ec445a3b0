"""Page-level cannibalization (issue 18 §3): same search, sibling veto, owner and action."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from services.site.page_conflicts import (
    SitePageStats,
    near_duplicate_pairs,
    page_stats,
    same_search_pairs,
    sibling_products,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("chase sapphire preferred", "chase sapphire reserve"),
        ("amex gold card", "amex platinum card"),
        ("revel credit card", "revvi credit card"),
        ("life insurance quotes", "home insurance quotes"),
        ("bentley continental gt v8", "bentley continental gt v8 s"),
        ("bmw x3", "bmw x5"),
    ],
)
def test_sibling_products_veto(a: str, b: str) -> None:
    assert sibling_products(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("upgrade card", "upgrade credit card"),
        ("medigap plan f vs g", "medigap plan g vs f"),
        ("cheap travel insurance", "affordable travel insurance"),
    ],
)
def test_an_added_or_interchangeable_word_is_no_veto(a: str, b: str) -> None:
    assert not sibling_products(a, b)


def test_vs_order_is_one_search_and_the_page_with_traffic_owns_it() -> None:
    pages = [
        SitePageStats("https://s.com/tsa-precheck-vs-clear", "tsa precheck vs clear", "", 200, 8),
        SitePageStats(
            "https://s.com/is-clear-worth-the-cost", "clear cost", "clear vs tsa precheck", 649, 3
        ),
        SitePageStats("https://s.com/global-entry", "global entry", "global entry", 900, 2),
    ]
    pairs = same_search_pairs(pages)
    assert len(pairs) == 1
    row = pairs.iloc[0]
    assert row["Owner page"] == "https://s.com/is-clear-worth-the-cost"
    assert row["Other page"] == "https://s.com/tsa-precheck-vs-clear"
    assert "comparison in another order" in row["Why one search"]
    assert row["Action"] == "re-target"  # 200 visits is more than a fifth of 649
    assert "Traffic 649 vs 200 visits/month; position 3 vs 8" in row["Evidence"]


def test_implied_head_noun_from_the_sites_keywords_and_merge_when_the_other_earns_little() -> None:
    vocabulary = [
        "amex credit card",
        "chase credit card",
        "citi credit card",
        "upgrade credit card",
    ]
    pages = [
        SitePageStats("https://s.com/upgrade-card-review", "upgrade card", "", 10, 12, 1),
        SitePageStats("https://s.com/upgrade-credit-card", "upgrade credit card", "", 400, 4, 9),
    ]
    pairs = same_search_pairs(pages, vocabulary)
    assert pairs[["Owner page", "Action"]].values.tolist() == [
        ["https://s.com/upgrade-credit-card", "merge + 301"]
    ]


def test_owner_ties_go_to_position_then_links_and_same_slug_is_canonical() -> None:
    a = SitePageStats("https://s.com/a/medigap-f-vs-g", "medigap plan f vs g", "", 0, 9, 5)
    b = SitePageStats("https://s.com/b/medigap-f-vs-g/", "medigap plan g vs f", "", 0, 9, 7)
    row = same_search_pairs([a, b]).iloc[0]
    assert row["Owner page"] == b.url and row["Action"] == "canonical"


def test_near_duplicates_skip_sibling_products_and_pairs_already_listed() -> None:
    pages = [
        SitePageStats("/p", "chase sapphire preferred", "", 500),
        SitePageStats("/r", "chase sapphire reserve", "", 400),
        SitePageStats("/b", "best travel credit cards", "", 300),
        SitePageStats("/t", "travel credit cards", "", 20),
    ]
    vectors = np.array([[1, 0], [0.99, 0.141], [0, 1], [0.1, 0.995]], dtype=np.float32)
    pairs = near_duplicate_pairs(pages, vectors, threshold=0.85)
    assert pairs[["Owner page", "Other page", "Action"]].values.tolist() == [
        ["/b", "/t", "merge + 301"]
    ]
    assert near_duplicate_pairs(pages, vectors, 0.85, {frozenset(("/b", "/t"))}).empty


def test_page_stats_use_clicks_else_estimated_traffic() -> None:
    ranked = pd.DataFrame(
        {
            "normalized_url": ["s.com/a", "s.com/a", "s.com/b"],
            "page_url": ["https://s.com/a", "https://s.com/a", "https://s.com/b"],
            "keyword": ["x", "y", "z"],
            "clicks": [np.nan, np.nan, np.nan],
            "estimated_traffic": [30.0, 70.0, 5.0],
            "position": [3.0, 6.0, 1.0],
        }
    )
    primaries = pd.DataFrame(
        {"url": ["https://s.com/a"], "normalized_url": ["s.com/a"], "primary": ["x"]}
    )
    stats = {p.url: p for p in page_stats(primaries, ranked, {"s.com/a": 4})}
    assert (stats["https://s.com/a"].traffic, stats["https://s.com/a"].top_keyword) == (100.0, "y")
    assert (stats["https://s.com/a"].position, stats["https://s.com/a"].links) == (3.0, 4)
    assert stats["https://s.com/b"].primary == "" and stats["https://s.com/b"].top_keyword == "z"


def test_the_same_parent_keyword_is_one_search() -> None:
    pages = [
        SitePageStats("https://s.com/medigap-f", "medigap plan f", "", 300, 2),
        SitePageStats("https://s.com/plan-f-coverage", "what does plan f cover", "", 20, 9),
    ]
    assert same_search_pairs(pages).empty
    pairs = same_search_pairs(
        pages, parents={"medigap plan f": "plan f", "what does plan f cover": "plan f"}
    )
    row = pairs.iloc[0]
    assert "the same Parent Keyword “plan f”" in row["Why one search"]
    assert (row["Owner page"], row["Action"]) == ("https://s.com/medigap-f", "merge + 301")


def test_a_narrower_page_is_de_optimized_not_merged() -> None:
    pages = [
        SitePageStats("/autocad", "kursus autocad", "", 900),
        SitePageStats("/autocad-medan", "kursus autocad medan", "", 30),
    ]
    vectors = np.array([[1, 0], [0.99, 0.141]], dtype=np.float32)
    row = near_duplicate_pairs(pages, vectors, threshold=0.85).iloc[0]
    assert (row["Owner page"], row["Action"]) == ("/autocad", "de-optimize")
    assert "adds “medan”" in row["Evidence"]


def test_a_group_on_one_search_is_listed_against_its_owner_only() -> None:
    pages = [SitePageStats(f"/p{i}", f"page {i}", "flashcom indonesia", 10 * i) for i in range(5)]
    pairs = same_search_pairs(pages)
    assert len(pairs) == 4 and set(pairs["Owner page"]) == {"/p4"}
