"""Page types follow the site type (issue 16 §8): a store sells from collections, a publisher
writes articles and hubs, a service business has service and location pages."""

from __future__ import annotations

import pytest

from services.seed_clusters.site_rules import (
    SiteSettings,
    page_label,
    page_type_of,
    role_note,
    site_family,
)


@pytest.mark.parametrize(
    ("site_type", "family"),
    [
        ("shopify", "store"),
        ("woocommerce", "store"),
        ("publisher", "publisher"),
        ("wordpress", "publisher"),
        ("custom", "service"),
    ],
)
def test_every_supported_site_type_has_a_family(site_type, family):
    assert site_family(site_type) == family


@pytest.mark.parametrize(
    ("keyword", "intent", "expected"),
    [
        ("car accident lawyer reviews", "commercial", "landing"),  # was "collection"
        ("car accident lawyers", None, "landing"),
        ("best car accident lawyer", "commercial", "landing"),
        ("car accident lawyer near me", "commercial,local", "landing"),
        ("how long does a car accident claim take", None, "article"),
        ("car accident settlement amounts", "informational", "article"),
        ("lawyer vs attorney", None, "comparison"),
    ],
)
def test_service_site_pages_are_service_location_pages_and_articles(keyword, intent, expected):
    assert page_type_of(keyword, intent, "custom") == expected


@pytest.mark.parametrize(
    ("keyword", "intent", "expected"),
    [
        ("car accident lawyer reviews", "commercial", "article"),  # was "collection"
        ("chase sapphire reserve reviews", None, "article"),
        ("travel credit cards", "commercial", "collection"),  # a hub
        ("best travel credit cards", None, "comparison"),
        ("how to build credit", None, "article"),
        ("cabelas credit card", "commercial", "landing"),
    ],
)
def test_publisher_pages_are_articles_comparisons_and_hubs(keyword, intent, expected):
    assert page_type_of(keyword, intent, "publisher") == expected
    assert page_type_of(keyword, intent, "wordpress") == expected


@pytest.mark.parametrize(
    ("keyword", "intent", "expected"),
    [
        ("running socks", None, "collection"),
        ("running socks reviews", "commercial", "comparison"),  # a roundup
        ("best running socks", None, "comparison"),
        ("how to wash running socks", None, "article"),
    ],
)
def test_store_pages_are_collections_and_supporting_articles(keyword, intent, expected):
    assert page_type_of(keyword, intent, "shopify") == expected
    assert page_type_of(keyword, intent, "woocommerce") == expected


def test_labels_and_notes_name_pages_as_the_site_type_does():
    assert page_label("landing", "custom", "car accident lawyer near me") == "location page"
    assert page_label("landing", "custom", "car accident lawyer", "commercial,local") == (
        "location page"
    )
    assert page_label("landing", "custom", "car accident lawyer reviews") == "service page"
    assert page_label("collection", "publisher") == "hub"
    assert page_label("article", "shopify") == "supporting article"
    assert page_label("collection", "shopify") == "collection"
    service = SiteSettings.of("custom", "/{slug}/")
    note = role_note("landing", "car accident lawyer", service, "car accident lawyer near me")
    assert note == "Location page linked from 'car accident lawyer'."
    assert role_note("landing", "x", SiteSettings.of("publisher")) == ""


def test_a_parent_landing_page_is_the_hub_except_on_a_service_site():
    from services.seed_clusters.site_rules import parent_page_type

    assert parent_page_type("landing", "publisher") == "collection"
    assert parent_page_type("landing", "shopify") == "collection"
    assert parent_page_type("landing", "custom") == "landing"
    assert parent_page_type("article", "publisher") == "article"


@pytest.mark.parametrize(
    ("keyword", "expected_type", "expected_format"),
    [
        # Shared Semrush wordpress export: a guide's fixed phrases are not a roundup.
        ("wordpress security best practices", "article", "guide"),
        ("best way to backup wordpress", "article", "guide"),
        ("best wordpress security plugins", "comparison", "listicle"),
        ("top wordpress themes", "comparison", "listicle"),
    ],
)
def test_best_practices_is_a_guide_not_a_roundup(keyword, expected_type, expected_format):
    from services.content.templates import choose_format

    page_type = page_type_of(keyword, "commercial", "publisher")
    assert page_type == expected_type
    assert choose_format(page_type, keyword, "publisher") == expected_format
