"""Which candidates get a SERP, the overlap setting's range, the SERP merge's wording."""

from __future__ import annotations

import pytest

from services.clustering.serp_overlap import (
    checked_min_overlap,
    checked_serp_keywords,
    min_overlap_of,
    pairs_by_overlap,
    serp_keywords_of,
)
from services.core.errors import InvalidInputError
from services.providers.base import BrandProfile, Candidate
from services.seed_clusters.intents import serp_label
from services.seed_clusters.serps import NOTE_OFFLINE, serp_evidence, serp_keywords


def cand(keyword: str, volume: int | None) -> Candidate:
    return Candidate(keyword=keyword, expansion_strategy="attribute", search_volume=volume)


def test_the_seed_then_the_highest_volume_filtered_candidates_within_the_limit():
    cands = [
        cand("wool socks", 500),
        cand("https://socks.example/wool", 9_000),  # a URL: filtered, not paid for
        cand("merino wool socks", 2_000),
        cand("wool socks for men", None),
        cand("thick wool socks", 800),
    ]
    brand = BrandProfile()
    assert serp_keywords("Wool Socks", cands, brand, "shopify", {}, limit=3) == [
        "wool socks",
        "merino wool socks",
        "thick wool socks",
    ]
    # Ideas without volume get no paid SERP while others have volume; in an outage all do.
    assert "wool socks for men" not in serp_keywords("wool socks", cands, brand, "shopify", {})
    blind = [cand(c.keyword, None) for c in cands]
    assert serp_keywords("wool socks", blind, brand, "shopify", {}) == [
        "wool socks",
        "thick wool socks",  # no volume at all: shorter first
        "merino wool socks",
        "wool socks for men",
    ]


def test_the_overlap_setting_is_2_to_7_and_a_bad_stored_value_reads_as_4():
    assert checked_min_overlap("5") == 5
    for bad in (1, 8, "x", None):
        with pytest.raises(InvalidInputError):
            checked_min_overlap(bad)
    assert min_overlap_of({}) == 4 and min_overlap_of({"min_serp_overlap": 9}) == 4
    assert min_overlap_of({"min_serp_overlap": 3}) == 3


def test_serps_per_cluster_is_0_to_50_and_a_bad_stored_value_reads_as_30():
    assert checked_serp_keywords("0") == 0 and checked_serp_keywords(50) == 50
    for bad in (-1, 51, "x", None, 2.5):
        with pytest.raises(InvalidInputError):
            checked_serp_keywords(bad)
    assert serp_keywords_of({}) == 30 and serp_keywords_of({"serp_keywords": 99}) == 30
    assert serp_keywords_of({"serp_keywords": 0}) == 0


def test_serp_merges_read_same_serp():
    assert serp_label("SERP overlap 5/10") == "same SERP (5 of 10 shared)"
    assert serp_label("same Parent Keyword") == "same Parent Keyword"


def test_offline_nothing_is_fetched_or_invented():
    found = serp_evidence(None, None, ["wool socks"], ("United States", "English"))  # type: ignore[arg-type]
    assert found.urls == {} and found.usage == [] and found.notes == [NOTE_OFFLINE]
    assert found.meta["status"] == "offline"


def test_pairs_by_overlap_counts_pairs_at_each_threshold():
    a, b = list("abcdefghij"), list("abcdefxyzw")
    assert pairs_by_overlap([a, b, list("abcqrstuvk"), []], [3, 4, 6, 7]) == {
        3: 3,
        4: 1,
        6: 1,
        7: 0,
    }
