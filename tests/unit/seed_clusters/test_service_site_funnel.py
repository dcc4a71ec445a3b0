"""The seed funnel on a service site (custom site type): the parent is the service page, not
a hub of listings, and local children say they are location pages."""

from __future__ import annotations

from fakes.embedder import HashEmbedder

from services.providers.base import Candidate
from services.seed_clusters.select import decide
from services.seed_clusters.site_rules import SiteSettings


def _cand(kw, volume, intent="commercial"):
    return Candidate(
        keyword=kw,
        expansion_strategy="use-case",
        estimated_intent=intent,
        source="data",
        search_volume=volume,
        competition=0.3,
    )


def test_a_service_sites_parent_is_its_service_page():
    seed = "car accident lawyer"
    cands = [
        _cand(seed, 40000),
        _cand("car accident lawyer near me", 30000, intent="commercial,local"),
        _cand("car accident lawyer reviews", 900),
        _cand("how long does a car accident claim take", 700, intent="informational"),
    ]
    site = SiteSettings.of("custom", "/{slug}/")
    pages, _, _ = decide(seed, cands, [], HashEmbedder(), site=site)
    by = {p.keyword: p for p in pages}
    assert by[seed].page_type == "landing"  # was "collection": a hub of listings
    assert by["car accident lawyer reviews"].page_type == "landing"
    assert "Location page linked from 'car accident lawyer'" in (
        by["car accident lawyer near me"].reasoning
    )
    assert by["how long does a car accident claim take"].page_type == "article"
    # A publisher's parent still lists its children.
    pub, _, _ = decide(seed, cands, [], HashEmbedder(), site=SiteSettings.of("publisher"))
    assert {p.keyword: p for p in pub}[seed].page_type == "collection"
