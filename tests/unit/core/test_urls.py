"""One URL identity (issue 18 §1): scheme, www, slash, index document, default port."""

from __future__ import annotations

import pytest

from services.core.urls import host_identity, same_site_identity, site_host, url_identity


@pytest.mark.parametrize(
    "url",
    [
        "https://www.example.com/Guides/",
        "http://example.com/guides",
        "https://example.com:443/guides/index.html",
        "http://WWW.example.com:80/guides//?utm_source=x#top",
        "//example.com/guides/index.php",
    ],
)
def test_variants_of_one_page_share_an_identity(url: str) -> None:
    assert url_identity(url) == "example.com/guides"


def test_paths_resolve_against_the_project_domain_without_its_www() -> None:
    assert url_identity("/guides/", "www.example.com") == "example.com/guides"
    assert url_identity("/guides/", None) == "/guides"


def test_other_ports_and_subdomains_are_other_sites() -> None:
    assert url_identity("https://example.com:8080/a") == "example.com:8080/a"
    assert not same_site_identity("https://blog.example.com/", "example.com")
    assert not same_site_identity("example.com:8080", "example.com")


def test_domain_and_crawl_host_are_one_site() -> None:
    assert same_site_identity("nerdwallet.com", "https://www.nerdwallet.com/travel/learn/x")
    assert host_identity("https://WWW.NerdWallet.com:443/") == "nerdwallet.com"


def test_new_pages_use_the_host_the_site_is_served_on() -> None:
    urls = [
        "https://www.nerdwallet.com/travel/learn/a",
        "https://www.nerdwallet.com/travel/learn/b",
        "https://other.com/x",
    ]
    assert site_host("nerdwallet.com", urls) == "www.nerdwallet.com"
    assert site_host("nerdwallet.com", []) == "nerdwallet.com"
    assert site_host(None, []) is None
