"""Seed funnel Stage 3 with SERP evidence: the live adapters (Claude SDK + DataForSEO over
HTTP) against local servers answering contract shapes; same-SERP candidates become one
page, the budget ceiling skips SERPs cleanly, offline runs say SERP evidence was missing."""

from __future__ import annotations

import pybreaker
import pytest
from sqlalchemy import func, select

from db.models import BudgetReservation, SerpCache
from db.session import session_scope
from services.clustering.serp_overlap import EVIDENCE_SETTINGS_KEY
from services.core.app_settings import set_setting
from services.providers.dataforseo.client import DataForSEOClient, DataForSEOVolumeProvider
from services.providers.llm.claude import AnthropicProvider
from services.providers.llm.offline import OfflineLLMProvider
from services.seed_clusters.api import FunnelDeps, generate_cluster
from services.seed_clusters.serps import (
    NOTE_EVIDENCE_OFF,
    NOTE_OFFLINE,
    NOTE_SERPS_OFF,
    SERP_CANDIDATES,
)
from services.spend.budget import BudgetGuard, set_monthly_budget
from tests.fakes.contracts import volume_from_request
from tests.fakes.embedder import HashEmbedder
from tests.fakes.http_server import FakeServer
from tests.fakes.llm import anthropic_handler
from tests.fakes.serp import SERP_PATH, serp_handler

SEED = "trail running shoes"
SV = "/v3/keywords_data/google_ads/search_volume/live"
MSG = "/v1/messages"
SHARED = [f"https://www.shop{i}.com/trail/" for i in range(5)]
#: Three of the fake LLM's candidates whose top 10 share 5 URLs (the rest differ).
TRIO = {
    "waterproof trail running shoes": [*SHARED, *(f"https://a{i}.com/" for i in range(5))],
    "winter trail running shoes": [*SHARED, *(f"https://b{i}.com/" for i in range(5))],
    "trail running shoes for mud": [*SHARED[:4], *(f"https://c{i}.com/" for i in range(6))],
}


@pytest.fixture()
def servers():
    with FakeServer() as llm, FakeServer() as dfs:
        llm.route(MSG, anthropic_handler())
        dfs.route(SV, volume_from_request)
        dfs.route(SERP_PATH, serp_handler(TRIO))
        yield llm, dfs


def deps_for(engine, servers, *, serps: bool = True, estimate: float | None = None) -> FunnelDeps:
    llm_server, dfs_server = servers
    embedder = HashEmbedder()
    client = DataForSEOClient(
        "login",
        "password",
        base_url=dfs_server.url,
        http_retries=0,
        backoff_factor=0,
        breaker=pybreaker.CircuitBreaker(fail_max=20, reset_timeout=60),
    )
    offline = OfflineLLMProvider(engine, lambda: embedder)
    return FunnelDeps(
        engine=engine,
        llm=AnthropicProvider("sk-test", base_url=llm_server.url, max_retries=0),
        volume=DataForSEOVolumeProvider(client, engine),
        embedder_factory=lambda: embedder,
        fallback_llm=offline,
        budget=BudgetGuard(engine),
        estimate_usd=(lambda: estimate) if estimate is not None else (lambda: 0.5),
        dataforseo_serps=serps,
    )


def serp_rows(engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(SerpCache)) or 0


def test_three_candidates_sharing_the_top_10_become_one_page(engine, project_id, servers):
    result = generate_cluster(SEED, {}, project_id, deps=deps_for(engine, servers))

    assert result.success and result.notes == []
    pages = [s for s in result.suggestions if set(TRIO) & {s.keyword, *s.secondary_keywords}]
    assert len(pages) == 1  # one page for the three wordings
    (page,) = pages
    assert page.keyword in TRIO and set(TRIO) <= {page.keyword, *page.secondary_keywords}
    by_serp = {k for k, r in page.merged.items() if k in TRIO}
    assert by_serp == set(TRIO) - {page.keyword}
    assert {page.merged[k] for k in by_serp} <= {
        "same SERP (5 of 10 shared)",
        "same SERP (4 of 10 shared)",
    }
    assert "same SERP (" in page.reasoning
    meta = result.generation_metadata
    merged = [m for m in meta["stages"]["filter"]["merged"] if m["page"] == page.keyword]
    assert {m["keyword"] for m in merged} == set(page.merged)
    assert "SERP overlap" in meta["evidence"]
    serp = meta["serp"]
    asked = serp["asked"]
    assert asked <= SERP_CANDIDATES and serp["fetched"] == asked and serp["min_overlap"] == 4
    assert len(servers[1].requests_to(SERP_PATH)) == asked == serp_rows(engine)
    assert serp["cost_usd"] == pytest.approx(0.002 * asked)

    # A repeat run pays for no SERP: every keyword is cached.
    again = generate_cluster(SEED, {}, project_id, deps=deps_for(engine, servers))
    assert again.generation_metadata["serp"]["fetched"] == 0
    assert len(servers[1].requests_to(SERP_PATH)) == asked


def test_the_overlap_setting_decides_the_merge(engine, project_id, servers):
    set_setting(engine, EVIDENCE_SETTINGS_KEY, {"min_serp_overlap": 6})
    result = generate_cluster(SEED, {}, project_id, deps=deps_for(engine, servers))
    assert result.generation_metadata["serp"]["min_overlap"] == 6
    # 5 shared URLs < 6: no SERP merge, no page holds two of the trio.
    assert not any("same SERP" in r for s in result.suggestions for r in s.merged.values())
    assert all(len(set(TRIO) & {s.keyword, *s.secondary_keywords}) <= 1 for s in result.suggestions)


def test_serps_that_do_not_fit_the_budget_are_skipped_with_a_note(engine, project_id, servers):
    # The run's hold covers the LLM and volume calls but not 18 SERPs on top.
    set_monthly_budget(engine, 0.09)
    result = generate_cluster(SEED, {}, project_id, deps=deps_for(engine, servers, estimate=0.09))

    assert result.success and result.cluster_id is not None
    assert servers[1].requests_to(SERP_PATH) == [] and serp_rows(engine) == 0
    assert result.generation_metadata["serp"]["status"] == "budget"
    assert any(n.startswith("SERP evidence skipped:") and "budget" in n for n in result.notes)
    assert result.generation_metadata["notes"] == result.notes
    with session_scope(engine) as s:
        (res,) = s.scalars(select(BudgetReservation)).all()
    assert res.status == "settled" and res.actual_usd <= 0.09 + 1e-9


def test_without_dataforseo_serps_nothing_is_fetched_and_the_review_says_so(
    engine, project_id, servers
):
    result = generate_cluster(SEED, {}, project_id, deps=deps_for(engine, servers, serps=False))
    assert result.success and result.notes == [NOTE_OFFLINE]
    assert result.generation_metadata["serp"]["status"] == "offline"
    assert servers[1].requests_to(SERP_PATH) == [] and serp_rows(engine) == 0
    assert "SERP overlap" not in result.generation_metadata["evidence"]
    assert not any("same SERP" in r for s in result.suggestions for r in s.merged.values())


def test_evidence_switched_off_fetches_no_serp(engine, project_id, servers):
    result = generate_cluster(
        SEED, {}, project_id, deps=deps_for(engine, servers), use_evidence=False
    )
    assert result.notes == [NOTE_EVIDENCE_OFF] and servers[1].requests_to(SERP_PATH) == []


def test_serps_per_cluster_limits_what_is_bought_and_zero_switches_it_off(
    engine, project_id, servers
):
    set_setting(engine, EVIDENCE_SETTINGS_KEY, {"serp_keywords": 3})
    result = generate_cluster(SEED, {}, project_id, deps=deps_for(engine, servers))
    assert result.generation_metadata["serp"]["asked"] == 3
    assert len(servers[1].requests_to(SERP_PATH)) == 3

    set_setting(engine, EVIDENCE_SETTINGS_KEY, {"serp_keywords": 0})
    off = generate_cluster("road running shoes", {}, project_id, deps=deps_for(engine, servers))
    assert off.generation_metadata["serp"] == {"status": "off"}
    assert NOTE_SERPS_OFF in off.notes
    assert len(servers[1].requests_to(SERP_PATH)) == 3  # nothing more bought
