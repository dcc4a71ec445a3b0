"""The offline LLM provider with the real embedder: Stage 1 mining/invention, Stage 3 relevance."""

import pytest
from sqlalchemy import insert

from db.models import KeywordMetric
from db.session import session_scope
from services.providers.base import (
    EXPANSION_STRATEGIES,
    BrandProfile,
    Candidate,
    ExpansionRequest,
    FilterRequest,
)
from services.providers.embeddings import get_embedder
from services.providers.llm.offline import OfflineLLMProvider
from services.seed_clusters.modifiers import STRATEGY_LEXICONS


@pytest.fixture()
def provider(engine):
    return OfflineLLMProvider(engine, lambda: get_embedder("minilm"))


def test_without_keyword_data_invented_candidates_fit_the_seed(provider, project_id):
    result = provider.expand(
        ExpansionRequest(seed="leather handbags", brand=BrandProfile(), project_id=project_id)
    )
    kws = [c.keyword for c in result.candidates]
    assert 15 <= len(kws) <= 20 and kws[0] == "leather handbags"
    assert {c.source for c in result.candidates[1:]} == {"lexicon"}
    other_materials = set(STRATEGY_LEXICONS["material/type"]) - {"leather"}
    assert not [k for k in kws if set(k.split()) & other_materials]  # no "rubber leather handbags"
    assert not [k for k in kws if "marathon" in k or "ecommerce" in k]
    assert "leather handbags for women" in kws and "cheap leather handbags" in kws
    assert all(c.expansion_strategy in EXPANSION_STRATEGIES for c in result.candidates)


def test_real_keywords_are_preferred_and_labelled_by_modifier(provider, engine, project_id):
    rows = {
        "trail running shoes for women": 9900,
        "waterproof trail running shoes": 4400,
        "cheap trail running shoes": 880,
        "best trail running shoes": 27100,
        "winter trail running shoes": 720,
        "trail running shoes for beginners": 390,
        "how to clean trail running shoes": 5000,
        "salomon trail running shoes": 8000,
        "trail running shoes login": 300,
        "road running shoes": 12000,
    }
    with session_scope(engine) as s:
        s.execute(
            insert(KeywordMetric),
            [
                {"project_id": project_id, "keyword": k, "search_volume": v, "source": "semrush"}
                for k, v in rows.items()
            ],
        )
    brand = BrandProfile(competitors=("Salomon",))
    result = provider.expand(
        ExpansionRequest(seed="trail running shoes", brand=brand, project_id=project_id)
    )
    by_kw = {c.keyword: c for c in result.candidates}
    assert by_kw["trail running shoes for women"].source == "universe"
    assert by_kw["trail running shoes for women"].expansion_strategy == "demographic"
    assert by_kw["cheap trail running shoes"].expansion_strategy == "price/value"
    assert by_kw["winter trail running shoes"].expansion_strategy == "seasonal/occasion"
    assert by_kw["trail running shoes for beginners"].expansion_strategy == "experience level"
    # Not collection pages: a question, a competitor's brand query, a log-in, another product.
    for bad in (
        "how to clean trail running shoes",
        "salomon trail running shoes",
        "trail running shoes login",
        "road running shoes",
    ):
        assert bad not in by_kw
    real = [c for c in result.candidates if c.source == "universe"]
    assert result.candidates[1 : 1 + len(real)] == real  # real keywords come before invented ones


def test_stage3_relevance_saturates_on_topic_and_drops_off_topic(provider):
    cands = tuple(
        Candidate(keyword=k, expansion_strategy="attribute")
        for k in (
            "wordpress themes",
            "wordpress portfolio themes",
            "modern wordpress themes",
            "dog food",
        )
    )
    result = provider.filter(
        FilterRequest(seed="wordpress themes", brand=BrandProfile(), candidates=cands)
    )
    conf = {d.keyword: d for d in result.decisions}
    assert conf["wordpress themes"].role == "parent"
    assert conf["wordpress portfolio themes"].confidence == pytest.approx(1.0)
    assert conf["modern wordpress themes"].confidence == pytest.approx(1.0)
    assert not conf["dog food"].keep and conf["dog food"].confidence < 0.35


def test_offline_funnel_without_keyword_data_warns_twice(provider, engine, project_id):
    from services.providers.offline_volume import ImportedVolumeProvider
    from services.seed_clusters.api import FunnelDeps, generate_cluster

    deps = FunnelDeps(
        engine=engine,
        llm=provider,
        volume=ImportedVolumeProvider(engine),
        embedder_factory=lambda: get_embedder("minilm"),
    )
    result = generate_cluster("leather handbags", {}, project_id, deps=deps)
    assert result.success and 8 <= len(result.suggestions) <= 12
    assert any(w.startswith("volume data unavailable") for w in result.warnings)
    assert any("modifier ideas" in w for w in result.warnings)
