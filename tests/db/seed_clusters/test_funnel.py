"""Every scenario of the owner's funnel spec (shared/design/cluster-funnel-spec.md)."""

import re

import pytest
from sqlalchemy import func, select

from db.models import APIUsage, ClusterPage, KeywordCluster
from db.session import session_scope
from services.core.errors import InvalidInputError
from services.core.scoring import calculate_score
from services.providers.base import EXPANSION_STRATEGIES, BrandProfile, Candidate, ExpansionRequest
from services.seed_clusters.api import FunnelDeps, generate_cluster
from services.seed_clusters.enrich import run_stage2
from services.seed_clusters.expand import run_stage1
from tests.fakes.funnel import (
    BRAND,
    TRAIL_CANDIDATES,
    TRAIL_VOLUMES,
    DictVolume,
    HashingEmbedder,
    ScriptedLLM,
)

SLUG = re.compile(r"^/(collections|blogs/news)/[a-z0-9]+(-[a-z0-9]+)*$")


def _deps(engine, llm=None, volume=None, **kw):
    embedder = HashingEmbedder()
    return FunnelDeps(
        engine=engine,
        llm=llm or ScriptedLLM(TRAIL_CANDIDATES),
        volume=volume if volume is not None else DictVolume(TRAIL_VOLUMES),
        embedder_factory=lambda: embedder,
        **kw,
    )


def _count(engine, model):
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- Stage 1
def test_stage1_returns_15_to_20_candidates_with_all_fields():
    llm = ScriptedLLM(TRAIL_CANDIDATES)
    result = run_stage1(
        llm, ExpansionRequest(seed="trail running shoes", brand=BrandProfile.from_dict(BRAND))
    )
    assert 15 <= len(result.candidates) <= 20
    for c in result.candidates:
        assert c.keyword and c.rationale and c.estimated_intent
        assert c.expansion_strategy in EXPANSION_STRATEGIES


def test_stage1_always_includes_the_seed_as_parent_even_if_the_provider_omits_it():
    llm = ScriptedLLM([c for c in TRAIL_CANDIDATES if c[0] != "trail running shoes"])
    result = run_stage1(llm, ExpansionRequest(seed="Trail Running Shoes", brand=BrandProfile()))
    first = result.candidates[0]
    assert (first.keyword, first.role_hint) == ("trail running shoes", "parent")
    assert [c.role_hint for c in result.candidates].count("parent") == 1


def test_brand_profile_reaches_the_provider(engine, project_id):
    llm = ScriptedLLM(TRAIL_CANDIDATES)
    generate_cluster("trail running shoes", BRAND, project_id, deps=_deps(engine, llm))
    brand = llm.expand_requests[0].brand
    assert brand.company_name == "Ridgeline Running"
    assert brand.products == ("trail running shoes", "running socks")
    assert brand.price_point == "premium"
    assert brand.primary_persona.startswith("ultra runners")
    assert brand.competitors == ("Salomon", "Hoka")
    assert llm.filter_requests[0].brand == brand


def test_stage1_failure_returns_failure_result_and_creates_no_cluster(engine, project_id):
    llm = ScriptedLLM(expand_error="Claude API returned 529 overloaded")
    result = generate_cluster("trail running shoes", BRAND, project_id, deps=_deps(engine, llm))
    assert not result.success
    assert "529 overloaded" in result.error
    assert result.cluster_id is None
    assert _count(engine, KeywordCluster) == 0


def test_empty_seed_is_refused(engine, project_id):
    with pytest.raises(InvalidInputError):
        generate_cluster("   ", BRAND, project_id, deps=_deps(engine))


# ---------------------------------------------------------------- Stage 2
def test_stage2_enriches_in_one_batch_call_and_flags_low_volume_without_removing():
    volume = DictVolume(TRAIL_VOLUMES)
    cands = [Candidate(keyword=k, expansion_strategy=s) for k, s in TRAIL_CANDIDATES]
    outcome = run_stage2(volume, cands, project_id=None)
    assert len(volume.calls) == 1 and len(volume.calls[0]) == len(cands)
    assert len(outcome.candidates) == len(cands)
    low = {c.keyword for c in outcome.candidates if c.low_volume}
    assert low == {k for k, v in TRAIL_VOLUMES.items() if v < 50}
    first = outcome.candidates[0]
    assert (first.search_volume, first.cpc, first.competition, first.competition_level) == (
        60500,
        1.2,
        0.4,
        "MEDIUM",
    )


def test_stage2_unavailable_continues_without_volume_and_warns():
    cands = [Candidate(keyword=k, expansion_strategy=s) for k, s in TRAIL_CANDIDATES]
    outcome = run_stage2(DictVolume({}, error="HTTP 500"), cands)
    assert not outcome.volume_available
    assert any(w.startswith("volume data unavailable") for w in outcome.warnings)
    assert all(c.search_volume is None for c in outcome.candidates)


# ---------------------------------------------------------------- Stage 3 + orchestration
def test_generate_cluster_returns_8_to_12_scored_pages_with_one_parent(engine, project_id):
    result = generate_cluster("trail running shoes", BRAND, project_id, deps=_deps(engine))
    assert result.success and result.cluster_id
    pages = result.suggestions
    assert 8 <= len(pages) <= 12
    assert [p.role for p in pages].count("parent") == 1
    assert pages[0].role == "parent" and pages[0].keyword == "trail running shoes"
    slugs = [p.url_slug for p in pages]
    assert len(set(slugs)) == len(slugs)
    assert all(SLUG.match(s) and len(s.rsplit("/", 1)[1]) <= 60 for s in slugs)
    for p in pages:
        assert p.composite_score == calculate_score(p.search_volume, p.relevance, p.competition)


def test_near_duplicates_keep_the_higher_volume_variant(engine, project_id):
    result = generate_cluster("trail running shoes", BRAND, project_id, deps=_deps(engine))
    kws = {p.keyword for p in result.suggestions}
    assert "women's trail running shoes" in kws  # 9,900 searches/month
    assert "trail running shoes for women" not in kws  # 1,300: cannibalization risk
    dropped = {
        d["keyword"]: d["reason"] for d in result.generation_metadata["stages"]["filter"]["dropped"]
    }
    assert "near-duplicate" in dropped["trail running shoes for women"]


def test_low_volume_candidates_are_filtered(engine, project_id):
    result = generate_cluster("trail running shoes", BRAND, project_id, deps=_deps(engine))
    kws = {p.keyword for p in result.suggestions}
    assert "rocky terrain trail running shoes" not in kws  # 20/month
    assert "trail running shoes for ultramarathons" not in kws  # 30/month
    assert all(p.search_volume >= 50 for p in result.suggestions)


def test_volume_threshold_relaxes_when_fewer_than_5_would_remain(engine, project_id):
    volumes = {k: 10 for k in TRAIL_VOLUMES} | {
        "trail running shoes": 60500,
        "best trail running shoes": 900,
    }
    result = generate_cluster(
        "trail running shoes", BRAND, project_id, deps=_deps(engine, volume=DictVolume(volumes))
    )
    assert 8 <= len(result.suggestions) <= 12
    assert any(p.search_volume == 10 for p in result.suggestions)
    assert any("relaxed" in w for w in result.warnings)


def test_slug_for_spec_example(engine, project_id):
    result = generate_cluster("trail running shoes", BRAND, project_id, deps=_deps(engine))
    by_kw = {p.keyword: p.url_slug for p in result.suggestions}
    assert by_kw["waterproof trail running shoes"] == "/collections/waterproof-trail-running-shoes"


def test_result_and_saved_cluster_carry_metadata_and_usage(engine, project_id):
    result = generate_cluster("trail running shoes", BRAND, project_id, deps=_deps(engine))
    meta = result.generation_metadata
    assert set(meta["stages"]) == {"expand", "enrich", "filter"}
    for stage in meta["stages"].values():
        assert stage["seconds"] >= 0 and "cost_usd" in stage
    assert meta["stages"]["expand"]["candidates"] == 18
    assert meta["total_cost_usd"] == pytest.approx(0.002 + 0.075 + 0.003)
    with session_scope(engine) as s:
        cluster = s.get(KeywordCluster, result.cluster_id)
        assert cluster.status == "suggestions_ready" and cluster.name == "trail running shoes"
        assert cluster.generation_metadata["stages"]["filter"]["kept"] == len(result.suggestions)
        assert s.scalar(select(func.count()).select_from(ClusterPage)) == len(result.suggestions)
        rows = s.scalars(select(APIUsage).where(APIUsage.cluster_id == result.cluster_id)).all()
        assert sorted(r.endpoint for r in rows) == ["expand", "filter", "volume"]


def test_stage2_failure_returns_best_effort_result_with_warning(engine, project_id):
    volume = DictVolume({}, error="DataForSEO 50000 Internal Error")
    result = generate_cluster(
        "trail running shoes", BRAND, project_id, deps=_deps(engine, volume=volume)
    )
    assert result.success
    assert 8 <= len(result.suggestions) <= 12
    assert all(p.search_volume is None for p in result.suggestions)
    assert any("volume data unavailable" in w for w in result.warnings)
    assert not any("relaxed" in w for w in result.warnings)  # no data, nothing to relax about


def test_stage3_failure_falls_back_to_offline_filter_with_warning(engine, project_id):
    failing = ScriptedLLM(TRAIL_CANDIDATES, filter_error="invalid structured output twice")
    fallback = ScriptedLLM(TRAIL_CANDIDATES)
    result = generate_cluster(
        "trail running shoes", BRAND, project_id, deps=_deps(engine, failing, fallback_llm=fallback)
    )
    assert result.success and 8 <= len(result.suggestions) <= 12
    assert fallback.filter_requests and any("offline filter was used" in w for w in result.warnings)


def test_off_topic_candidates_judged_by_the_provider_are_dropped(engine, project_id):
    llm = ScriptedLLM(TRAIL_CANDIDATES, confidences={"kids trail running shoes": 0.1})
    result = generate_cluster("trail running shoes", BRAND, project_id, deps=_deps(engine, llm))
    assert "kids trail running shoes" not in {p.keyword for p in result.suggestions}


class _Budget:
    def __init__(self):
        self.reserved, self.settled = [], []

    def reserve(self, estimate_usd, label):
        self.reserved.append(estimate_usd)
        return "token"

    def settle(self, token, actual_usd):
        self.settled.append(actual_usd)


def test_paid_run_reserves_the_estimate_and_settles_the_actual_cost(engine, project_id):
    budget = _Budget()
    deps = _deps(engine, budget=budget, estimate_usd=lambda: 0.09)
    generate_cluster("trail running shoes", BRAND, project_id, deps=deps)
    assert budget.reserved == [0.09]
    assert budget.settled == [pytest.approx(0.08)]
