"""A unit test per filter reason of keyword lists (issue 16 §6) and the store page types."""

from __future__ import annotations

import pytest

from services.keyword_lists.filters import (
    REASON_URL,
    competitor_of,
    is_url_like,
    list_filter_reasons,
    navigational_by_label,
)
from services.keyword_lists.review_pages import left_out_reason, review_page_type


@pytest.mark.parametrize(
    "keyword",
    [
        "localhost/wordpress/wp-admin",
        "https://example.com/socks",
        "www.sockshop.co.uk",
        "asos.com socks",
        "/wp-login.php",
        "blog/2020/socks",
        "localhost:8080",  # no "." or "/": the address patterns still see it
        "wp-admin login",
    ],
)
def test_urls_domains_and_site_paths_are_not_searches(keyword):
    assert is_url_like(keyword)
    assert list_filter_reasons([keyword]) == [REASON_URL]


@pytest.mark.parametrize(
    "keyword",
    [
        "nike socks",
        "24/7 plumber",
        "1/2 price socks",
        "asp.net core",
        "node.js",
        "http error 500 wordpress",
        "wordpress.com vs wordpress.org",
        "how to install wordpress on localhost",
    ],
)
def test_ordinary_searches_are_not_urls(keyword):
    assert not is_url_like(keyword)
    assert list_filter_reasons([keyword]) == [None]


def test_competitor_brand_unless_compared():
    comps = ["Marks and Spencer", "Superdrug"]
    assert competitor_of("superdrug compression socks", comps) == "superdrug"
    assert competitor_of("superdrug vs boots compression socks", comps) is None
    assert competitor_of("nike socks", comps) is None
    assert list_filter_reasons(["marks and spencer mens socks"], comps) == [
        "competitor brand (marks and spencer)"
    ]


def test_navigational_only_by_the_datas_label():
    assert navigational_by_label("navigational")
    assert navigational_by_label("navigational,branded")
    assert not navigational_by_label("informational,branded")  # Ahrefs "nike socks"
    assert not navigational_by_label("navigational,transactional")
    assert not navigational_by_label(None)


def test_store_only_cues_only_on_stores():
    assert left_out_reason("ai tools for youtube", "commercial", "publisher", ()) is None
    assert left_out_reason("sock shop jobs", "commercial", "shopify", ()).startswith(
        "no store page"
    )


def test_a_brand_the_store_sells_is_a_collection_but_navigational_is_left_out():
    assert left_out_reason("nike grip socks", "branded", "shopify", ()) is None
    assert left_out_reason("nike socks login", "navigational", "shopify", ()).startswith(
        "navigational"
    )
    assert left_out_reason("superdrug socks", None, "shopify", ("Superdrug",)) == (
        "competitor brand (superdrug)"
    )


def test_the_brand_safety_list_does_not_empty_a_users_own_list():
    # Real practice areas and places the word list flags: kept in list clustering.
    words = ["sexual harassment lawyer", "car accident lawyer cumming ga", "nude socks"]
    assert list_filter_reasons(words) == [None, None, None]


@pytest.mark.parametrize(
    ("keyword", "intent", "expected"),
    [
        ("nike socks", "informational,branded", "collection"),
        ("nike grip socks", "informational", "collection"),
        ("how to wash nike socks", "informational", "article"),
        ("what are grip socks for", None, "article"),
        ("nike vs adidas socks", "commercial", "comparison"),
        ("best running socks", "commercial", "comparison"),
    ],
)
def test_store_page_types(keyword, intent, expected):
    assert review_page_type(keyword, intent, "shopify") == expected


def test_other_site_types_keep_the_shared_page_rules():
    assert review_page_type("payday loans", "informational", "publisher") == "article"
