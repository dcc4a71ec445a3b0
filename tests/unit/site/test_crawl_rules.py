"""robots.txt rules, URL keys and patterns, crawl limits (pure)."""

from __future__ import annotations

import pytest

from services.core.errors import InvalidInputError
from services.site.crawl.model import CrawlLimits
from services.site.crawl.robots import MAX_DELAY_S, parse_robots, rules_for_status
from services.site.crawl.urls import host_key, path_matches, resolve_link, slug_of, url_key

ROBOTS = """
User-agent: *
Disallow: /

User-agent: ClusterPlanner
Disallow: /checkout
Disallow: /*?sort=
Disallow: /*.json$
Allow: /checkout/help
Crawl-delay: 3
Request-rate: 1/5s

Sitemap: https://shop.example.com/sitemap_index.xml
"""


def test_our_group_wildcards_longest_match_and_delays():
    rules = parse_robots(ROBOTS)
    base = "https://shop.example.com"
    assert rules.allows(f"{base}/collections/shoes")  # our group, not the "*" one
    assert not rules.allows(f"{base}/checkout/cart")
    assert rules.allows(f"{base}/checkout/help")  # the longer Allow wins
    assert not rules.allows(f"{base}/collections/shoes?sort=price")
    assert not rules.allows(f"{base}/products.json") and rules.allows(f"{base}/products.json/x")
    assert rules.delay_s == 5.0  # Request-rate 1/5s is stricter than Crawl-delay 3
    assert rules.sitemaps == [f"{base}/sitemap_index.xml"]


def test_other_groups_apply_when_ours_is_absent_and_delays_are_capped():
    rules = parse_robots("User-agent: *\nDisallow: /private/\nCrawl-delay: 120\n")
    assert not rules.allows("https://a.example.com/private/x")
    assert rules.delay_s == MAX_DELAY_S and "capped" in rules.detail


def test_unavailable_and_unreachable_robots_txt():
    assert rules_for_status(404, "").allows("https://a.example.com/anything")
    for status, error in ((503, ""), (None, "timeout")):
        rules = rules_for_status(status, "", error)
        assert rules.status == "unreachable" and not rules.allows("https://a.example.com/")


def test_crafted_wildcards_do_not_hang_the_matcher():
    """CVE-2026-55520: protego < 0.6.2 backtracked exponentially on many ``*``."""
    rules = parse_robots("User-agent: *\nDisallow: /" + "*a" * 40 + "b\n")
    assert rules.allows("https://a.example.com/" + "a" * 60 + "c")


def test_url_identity_keys_and_links():
    assert host_key("https://WWW.Shop.example.com:8443/x") == "shop.example.com"
    assert (
        url_key("http://www.shop.example.com/Blog/Post/?utm=1#top") == "shop.example.com/blog/post"
    )
    assert url_key("https://shop.example.com/blog/post") == "shop.example.com/blog/post"
    assert (
        resolve_link("../b?x=1#frag", "https://s.example.com/a/c/d")
        == "https://s.example.com/a/b?x=1"
    )
    assert (
        resolve_link("https://s.example.com", "https://s.example.com/x") == "https://s.example.com/"
    )
    for href in (
        "mailto:a@b.c",
        "tel:123",
        "javascript:void(0)",
        "#top",
        "",
        "ftp://s.example.com/f",
    ):
        assert resolve_link(href, "https://s.example.com/") is None
    assert slug_of("https://s.example.com/blog/trail-shoes.html") == "trail-shoes"
    assert slug_of("https://s.example.com/") == ""


def test_include_exclude_patterns():
    url = "https://s.example.com/blog/2024/trail-shoes"
    assert path_matches(url, "/blog")  # a prefix without wildcard
    assert path_matches(url, "/blog/*/trail-*")
    assert path_matches(url, "*/trail-shoes")
    assert not path_matches(url, "/collections")
    assert not path_matches(url, "/Blog")  # URL paths are case-sensitive


def test_limits_validation_and_round_trip():
    limits = CrawlLimits(max_pages=50, max_depth=2, include=[" /blog ", ""], exclude=["/tag/*"])
    clean = limits.validated()
    assert clean.include == ["/blog"] and clean.exclude == ["/tag/*"]
    assert CrawlLimits.from_dict({**clean.to_dict(), "unknown": 1}) == clean
    for bad in (CrawlLimits(max_pages=0), CrawlLimits(max_depth=-1), CrawlLimits(timeout_s=0.1)):
        with pytest.raises(InvalidInputError):
            bad.validated()
