"""Issue 16 examples end to end (offline Stage 1-3, real MiniLM, fixtures shaped like the
issue's exports): one page per search, words that change the page, on topic, stemming,
evidence, competition, a seed without data."""

import pytest
from sqlalchemy import func, insert, select

from db.models import KeywordCluster, KeywordMetric
from db.session import session_scope
from services.providers.embeddings import get_embedder
from services.providers.llm.offline import OfflineLLMProvider
from services.providers.offline_volume import ImportedVolumeProvider
from services.seed_clusters.api import (
    FunnelDeps,
    evidence_enabled,
    generate_cluster,
    set_evidence_enabled,
)


def _import(engine, project_id, rows):
    """rows: keyword → volume, or keyword → (volume, parent keyword, KD)."""
    with session_scope(engine) as s:
        s.execute(
            insert(KeywordMetric),
            [
                {
                    "project_id": project_id,
                    "keyword": k,
                    "search_volume": v if isinstance(v, int) else v[0],
                    "grouping_hint": None if isinstance(v, int) else v[1],
                    "keyword_difficulty": None if isinstance(v, int) else v[2],
                    "source": "ahrefs",
                }
                for k, v in rows.items()
            ],
        )


@pytest.fixture()
def deps(engine):
    provider = OfflineLLMProvider(engine, lambda: get_embedder("minilm"))
    return FunnelDeps(
        engine=engine,
        llm=provider,
        volume=ImportedVolumeProvider(engine),
        embedder_factory=lambda: get_embedder("minilm"),
        fallback_llm=provider,
    )


PAYDAY = {
    "payday loans": 90500,
    "payday loans near me": 40500,
    "payday loan near me": 9900,
    "what are payday loans": 2200,
    "what are the best payday loans": 700,
    "payday loans online": 14800,
    "payday loans no credit check": 9900,
    "payday loans for bad credit": 1600,
    "payday loans direct lender": 3600,
    "payday loan consolidation": 1900,
    "how to consolidate payday loans": 150,
    "can i consolidate payday loans": 100,
    "how to get out of payday loans": 1000,
    "how many payday loans can i get at once": 300,
    "payday loans texas": 1900,
}


def _pages(result):
    return {s.keyword: s for s in result.suggestions}


def test_near_me_is_a_local_page_and_best_is_not_the_definition(engine, project_id, deps):
    _import(engine, project_id, PAYDAY)
    result = generate_cluster("payday loans", {}, project_id, deps=deps)
    pages = _pages(result)
    assert result.suggestions[0].keyword == "payday loans"
    near = pages["payday loans near me"]  # its own (local) page, singular as secondary
    assert near.secondary_keywords == ["payday loan near me"]
    assert near.merged == {"payday loan near me": "singular/plural"}
    assert "what are payday loans" in pages and "what are the best payday loans" in pages


def test_consolidate_finds_consolidation(engine, project_id, deps):
    _import(engine, project_id, PAYDAY)
    result = generate_cluster("payday loan consolidation", {}, project_id, deps=deps)
    kws = {s.keyword for s in result.suggestions}
    assert {"how to consolidate payday loans", "can i consolidate payday loans"} <= kws


def test_a_shared_verb_is_no_topic(engine, project_id, deps):
    _import(engine, project_id, PAYDAY)
    result = generate_cluster("how to get out of payday loans", {}, project_id, deps=deps)
    assert "how many payday loans can i get at once" not in _pages(result)
    passed = {
        p["keyword"]: p["reason"]
        for p in result.generation_metadata["stages"]["expand"]["passed_over"]
    }
    assert passed["how many payday loans can i get at once"] == "off-topic (does not carry 'out')"


def test_video_pages_do_not_drift_into_image_generation(engine, project_id, deps):
    _import(
        engine,
        project_id,
        {
            "ai image generation tools": 2400,
            "free ai image generation tools": 900,
            "ai image generation tools for artists": 150,
            "ai video generation tools": 3600,
            "best ai video generation tools": 1300,
            "ai tools": 90000,
        },
    )
    result = generate_cluster("ai image generation tools", {}, project_id, deps=deps)
    kws = {s.keyword for s in result.suggestions}
    assert not any("video" in k for k in kws)
    assert "free ai image generation tools" in kws


def test_chase_trio_ranking_on_one_url_is_one_page(engine, project_id, deps):
    rows = {
        "chase cd rates": (12000, None, 20.0),
        "chase cd rates today": (10000, "chase cd rates", 22.0),
        "chase cd rate": (6700, "chase cd rates", 21.0),
        "cd rates chase bank": (2100, "chase cd rates", 18.0),
        "chase savings account": (30000, None, 40.0),
    }
    _import(engine, project_id, rows)
    result = generate_cluster("chase cd rates", {}, project_id, deps=deps)
    parent = result.suggestions[0]
    assert parent.keyword == "chase cd rates"
    assert set(parent.secondary_keywords) == {
        "chase cd rates today",
        "chase cd rate",
        "cd rates chase bank",
    }
    assert parent.merged["chase cd rates today"] == "same Parent Keyword"
    assert parent.competition_source == "Keyword Difficulty"
    merged = result.generation_metadata["stages"]["filter"]["merged"]
    assert {
        "page": "chase cd rates",
        "keyword": "chase cd rates today",
        "reason": "same Parent Keyword",
    } in merged
    # Evidence switched off (the project setting): the text rules alone keep
    # "chase cd rates today" apart.
    assert evidence_enabled(engine, project_id)
    set_evidence_enabled(engine, project_id, False)
    assert not evidence_enabled(engine, project_id)
    off = generate_cluster("chase cd rates", {}, project_id, deps=deps)
    assert "chase cd rates today" in _pages(off)
    assert off.generation_metadata["evidence"] == []


def test_relevance_varies_and_competition_says_its_source(engine, project_id, deps):
    _import(engine, project_id, PAYDAY)
    result = generate_cluster("payday loans", {}, project_id, deps=deps)
    children = result.suggestions[1:]
    assert len({round(s.relevance, 2) for s in children}) > 3
    assert {s.competition_source for s in result.suggestions} == {"unknown"}
    assert all(s.score_parts["competition"] == 0.0 for s in result.suggestions)
    assert all("Competition: unknown." in s.reasoning for s in result.suggestions)


def test_a_seed_without_data_is_not_saved_unless_kept(engine, project_id, deps):
    _import(engine, project_id, {"trail running shoes": 5000, "trail running shoes women": 900})
    result = generate_cluster("zorbing helmets", {}, project_id, deps=deps)
    assert result.success and result.cluster_id is None
    assert "was not saved" in result.message
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(KeywordCluster)) == 0
    kept = generate_cluster("zorbing helmets", {}, project_id, deps=deps, keep_empty=True)
    assert kept.cluster_id is not None and kept.message is None


def test_a_seed_the_data_spells_otherwise_gets_a_suggested_seed(engine, project_id, deps):
    _import(engine, project_id, {"trail running shoes": 5000, "trail running shoes women": 900})
    result = generate_cluster("trail running shoe", {}, project_id, deps=deps)
    # The singular has no data: it stays the parent (the user's choice), its plural is
    # its secondary keyword and is offered in its place.
    parent = result.suggestions[0]
    assert parent.keyword == "trail running shoe" and parent.demand == 5000
    assert parent.secondary_keywords == ["trail running shoes"]
    assert result.suggested_seed == "trail running shoes"
    assert result.cluster_id is not None
