"""Site types, page paths, typed-path checks, titles and score parts (issue 8, points 1 and 4)."""

import pytest

from services.core.scoring import DEFAULT_WEIGHTS, calculate_score, normalize_weights, score_parts
from services.core.slugs import (
    MAX_SLUG_LENGTH,
    check_custom_pattern,
    check_typed_path,
    page_path,
    slug_of,
    title_case,
)
from services.seed_clusters.site_rules import SiteSettings, page_type_of


@pytest.mark.parametrize(
    ("site_type", "page_type", "expected"),
    [
        ("shopify", "collection", "/collections/travel-credit-cards"),
        ("shopify", "article", "/blogs/news/travel-credit-cards"),
        ("shopify", "landing", "/pages/travel-credit-cards"),
        ("woocommerce", "collection", "/product-category/travel-credit-cards/"),
        ("woocommerce", "article", "/travel-credit-cards/"),
        ("wordpress", "collection", "/travel-credit-cards/"),
        ("wordpress", "comparison", "/travel-credit-cards/"),
        ("publisher", "article", "/credit-cards/travel-credit-cards/"),
    ],
)
def test_each_site_type_uses_its_url_pattern(site_type, page_type, expected):
    path = page_path(
        "travel credit cards", site_type=site_type, page_type=page_type, parent_slug="credit-cards"
    )
    assert path == expected


def test_publisher_parent_is_the_section_and_custom_patterns_fill_parent_and_slug():
    assert page_path("credit cards", site_type="publisher") == "/credit-cards/"
    pattern = "/guides/{parent}/{slug}/"
    assert (
        page_path("cabela's credit card", site_type="custom", pattern=pattern, parent_slug="cc")
        == "/guides/cc/cabelas-credit-card/"
    )
    assert page_path("credit cards", site_type="custom", pattern=pattern) == "/guides/credit-cards/"


def test_paths_are_unique_in_a_cluster_and_slugs_stay_within_60_characters():
    taken: set[str] = set()
    a = page_path("fha loans", site_type="wordpress", taken=taken)
    b = page_path("FHA Loans!", site_type="wordpress", taken=taken)
    assert (a, b) == ("/fha-loans/", "/fha-loans-2/")
    long = slug_of("best " + "travel credit card " * 10)
    assert len(long) <= MAX_SLUG_LENGTH and long == long.lower() and not long.endswith("-")


def test_custom_pattern_needs_slug_placeholder():
    assert check_custom_pattern(" /g/{slug} ") == "/g/{slug}"
    for bad in ("/g/", "g/{slug}", "/g/{id}/{slug}", "/G/{slug}"):
        with pytest.raises(ValueError):
            check_custom_pattern(bad)


def test_typed_path_is_accepted_as_typed_or_refused_with_a_reason():
    assert check_typed_path("/credit-cards/cabelas-credit-card") is None
    assert check_typed_path("/credit-cards/cabelas-credit-card/") is None
    assert "starts with '/'" in check_typed_path("credit-cards/x")
    assert "lowercase" in check_typed_path("/Credit-Cards/x")
    assert "full URL" in check_typed_path("https://x.com/a")
    assert "spaces" in check_typed_path("/credit cards/x")
    assert "empty segment" in check_typed_path("/credit-cards//x")
    assert "longer than 60" in check_typed_path("/a/" + "b" * 61)
    assert "Only lowercase" in check_typed_path("/cabela's")


@pytest.mark.parametrize(
    ("keyword", "title"),
    [
        ("cabela's credit card", "Cabela's Credit Card"),
        ("best seo tools for small business", "Best SEO Tools for Small Business"),
        ("fha vs va loans", "FHA vs VA Loans"),
        ("what are payday loans", "What Are Payday Loans"),
        ("gore-tex trail running shoes", "Gore-Tex Trail Running Shoes"),
        ("the iPhone guide", "The iPhone Guide"),
    ],
)
def test_title_case_handles_apostrophes_acronyms_and_small_words(keyword, title):
    assert title_case(keyword) == title


@pytest.mark.parametrize(
    ("keyword", "intent", "site_type", "page_type"),
    [
        ("amex platinum vs chase reserve", None, "publisher", "comparison"),
        ("best travel credit cards", None, "shopify", "comparison"),
        ("chase sapphire alternatives", None, "wordpress", "comparison"),
        ("what are payday loans", None, "shopify", "article"),
        ("how to build credit", None, "publisher", "article"),
        ("payday loans online", "informational", "publisher", "article"),
        ("travel credit cards", "commercial", "publisher", "collection"),
        ("cabelas credit card", "commercial", "publisher", "landing"),
        ("cabelas credit card", "commercial", "shopify", "collection"),
        ("trail running shoes", None, "woocommerce", "collection"),
    ],
)
def test_page_type_from_cues_intent_and_site(keyword, intent, site_type, page_type):
    assert page_type_of(keyword, intent, site_type) == page_type


def test_score_parts_sum_to_the_composite_with_default_and_project_weights():
    parts = score_parts(1000, 0.8, 0.2)
    assert parts == {"volume": 15.0, "relevance": 28.0, "competition": 12.0, "total": 55.0}
    assert calculate_score(1000, 0.8, 0.2) == 55.0
    heavy = score_parts(1000, 0.8, 0.2, {"volume": 2, "relevance": 1, "competition": 1})
    assert heavy["volume"] == 15.0 and heavy["total"] == round(15.0 + 20.0 + 20.0, 2)
    assert normalize_weights(None) == DEFAULT_WEIGHTS
    assert normalize_weights((0, 0, 0)) == DEFAULT_WEIGHTS
    with pytest.raises(ValueError):
        normalize_weights((1, -1, 1))
    assert SiteSettings.of("nonsense").site_type == "shopify"
