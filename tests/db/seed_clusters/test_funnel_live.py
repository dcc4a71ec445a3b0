"""The funnel end to end on the live adapters (Claude SDK + DataForSEO over HTTP) against
local servers: the happy path with its real cost, a repeat run, and every failure mode."""

from __future__ import annotations

import pybreaker
import pytest
from sqlalchemy import func, select, update

from db.models import APIUsage, BudgetReservation, ClusterPage, KeywordCluster, KeywordMetric
from db.session import session_scope
from services.core.errors import BudgetExceeded
from services.providers.dataforseo.client import DataForSEOClient, DataForSEOVolumeProvider
from services.providers.llm.claude import AnthropicProvider
from services.providers.llm.offline import OfflineLLMProvider
from services.providers.registry import ProviderSet
from services.seed_clusters.api import FunnelDeps, generate_cluster
from services.seed_clusters.approval import bulk_approve
from services.spend.budget import BudgetGuard, estimate_cluster_cost, set_monthly_budget
from tests.fakes.contracts import (
    anthropic_error,
    anthropic_message,
    dataforseo_envelope,
    envelope_error,
    failed_task,
    volume_from_request,
)
from tests.fakes.embedder import HashEmbedder
from tests.fakes.http_server import FakeServer, Reply, dead_url
from tests.fakes.llm import anthropic_handler

SEED = "trail running shoes"
SV = "/v3/keywords_data/google_ads/search_volume/live"
MSG = "/v1/messages"


@pytest.fixture()
def llm_server():
    with FakeServer() as srv:
        yield srv


@pytest.fixture()
def dfs_server():
    with FakeServer() as srv:
        yield srv


def deps_for(
    engine, llm_url: str, dfs_url: str, *, max_retries: int = 0, fallback: bool = True, **dfs_kw
):
    embedder = HashEmbedder()
    llm = AnthropicProvider("sk-test", base_url=llm_url, max_retries=max_retries)
    dfs_kw.setdefault("http_retries", 0)
    client = DataForSEOClient(
        "login",
        "password",
        base_url=dfs_url,
        backoff_factor=0,
        rate_limit_backoff_s=0.001,
        breaker=pybreaker.CircuitBreaker(fail_max=20, reset_timeout=60),
        **dfs_kw,
    )
    volume = DataForSEOVolumeProvider(client, engine)
    offline = OfflineLLMProvider(engine, lambda: embedder)
    ps = ProviderSet(llm=llm, volume=volume, offline_llm=offline)
    return FunnelDeps(
        engine=engine,
        llm=llm,
        volume=volume,
        embedder_factory=lambda: embedder,
        fallback_llm=offline if fallback else None,
        budget=BudgetGuard(engine),
        estimate_usd=lambda: estimate_cluster_cost(ps).total_usd,
    )


def counts(engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return {
            name: s.scalar(select(func.count()).select_from(model)) or 0
            for name, model in [
                ("clusters", KeywordCluster),
                ("pages", ClusterPage),
                ("usage", APIUsage),
                ("metrics", KeywordMetric),
            ]
        }


def reservations(engine) -> list[BudgetReservation]:
    with session_scope(engine) as s:
        return list(s.scalars(select(BudgetReservation)).all())


# --------------------------------------------------------------------------- happy path
def test_haiku_plus_one_dataforseo_request_costs_under_ten_cents(
    engine, project_id, llm_server, dfs_server, capsys
):
    llm_server.route(MSG, anthropic_handler())
    dfs_server.route(SV, volume_from_request)
    deps = deps_for(engine, llm_server.url, dfs_server.url)

    result = generate_cluster(SEED, {"company_name": "Trailhead Co"}, project_id, deps=deps)

    assert result.success and result.warnings == []
    assert 8 <= len(result.suggestions) <= 12 and result.suggestions[0].role == "parent"
    # "best …" is a buying guide (comparison) since "best" changes the page (issue 16).
    assert all(
        s.url_slug.startswith("/collections/" if s.page_type == "collection" else "/blogs/news/")
        for s in result.suggestions
    )
    assert len(llm_server.requests_to(MSG)) == 2 and len(dfs_server.requests_to(SV)) == 1
    meta = result.generation_metadata
    stages = meta["stages"]
    assert stages["enrich"]["cost_usd"] == 0.075
    llm_usd = stages["expand"]["cost_usd"] + stages["filter"]["cost_usd"]
    assert 0.005 < llm_usd < 0.02
    assert meta["total_cost_usd"] == pytest.approx(llm_usd + 0.075)
    assert meta["total_cost_usd"] <= 0.10  # design target per cluster
    assert meta["estimate_usd"] >= meta["total_cost_usd"]  # the estimate is an upper bound

    with session_scope(engine) as s:
        rows = s.execute(select(APIUsage.provider, APIUsage.cost_usd, APIUsage.cluster_id)).all()
    assert sorted(r[0] for r in rows) == ["anthropic", "anthropic", "dataforseo"]
    assert sum(r[1] for r in rows) == pytest.approx(meta["total_cost_usd"])
    assert {r[2] for r in rows} == {result.cluster_id}
    (res,) = reservations(engine)
    assert res.status == "settled" and res.actual_usd == pytest.approx(meta["total_cost_usd"])
    assert counts(engine)["metrics"] == 18  # every candidate cached for 30 days

    with capsys.disabled():
        print(
            f"\n[observed] Haiku + 1 DataForSEO request: expand ${stages['expand']['cost_usd']:.6f}"
            f" + enrich $0.075 + filter ${stages['filter']['cost_usd']:.6f}"
            f" = ${meta['total_cost_usd']:.6f} per cluster (estimate ${meta['estimate_usd']:.6f})"
        )

    # The same seed again: every keyword is cached, so volume costs $0.
    again = generate_cluster(SEED, {"company_name": "Trailhead Co"}, project_id, deps=deps)
    assert again.success and len(dfs_server.requests_to(SV)) == 1
    assert again.generation_metadata["stages"]["enrich"]["cost_usd"] == 0
    assert [s.search_volume for s in again.suggestions] == [
        s.search_volume for s in result.suggestions
    ]
    with capsys.disabled():
        print(
            f"[observed] repeat of the same seed: ${again.generation_metadata['total_cost_usd']:.6f}"
        )


# --------------------------------------------------------------------------- failures
def test_stage1_error_after_retries_is_a_failure_result_without_cluster(
    engine, project_id, llm_server, dfs_server
):
    llm_server.route(MSG, anthropic_error(529, headers={"retry-after-ms": "1"}))
    dfs_server.route(SV, volume_from_request)
    result = generate_cluster(
        SEED, {}, project_id, deps=deps_for(engine, llm_server.url, dfs_server.url, max_retries=2)
    )

    assert not result.success and result.cluster_id is None
    assert "Could not generate suggestions" in result.error and "overloaded_error" in result.error
    assert len(llm_server.requests) == 3  # the SDK's own 2 retries, then our error
    assert dfs_server.requests == []
    assert counts(engine) == {"clusters": 0, "pages": 0, "usage": 0, "metrics": 0}
    (res,) = reservations(engine)
    assert res.status == "released" and res.actual_usd == 0


def _failure_replies(kind: str):
    if kind == "5xx":
        return [Reply(status=503, body="Service Unavailable")]
    if kind == "timeout":
        return [Reply(delay=0.6, body=dataforseo_envelope([]))]
    if kind == "40202 storm":
        return [envelope_error(40202, "The rate-limit per minute has been exceeded.")]
    if kind == "failed task in 20000":
        return [
            Reply(
                body=dataforseo_envelope(
                    [failed_task(40101, "Internal SE Server Error.", cost=0.075)]
                )
            )
        ]
    if kind == "malformed JSON":
        return [Reply(body="<html>502 Bad Gateway</html>")]
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind", ["down", "5xx", "timeout", "40202 storm", "failed task in 20000", "malformed JSON"]
)
def test_dataforseo_failure_keeps_suggestions_without_volume(
    engine, project_id, llm_server, dfs_server, kind
):
    llm_server.route(MSG, anthropic_handler())
    if kind == "down":
        dfs_url = dead_url()
    else:
        dfs_server.route(SV, *_failure_replies(kind))
        dfs_url = dfs_server.url
    deps = deps_for(engine, llm_server.url, dfs_url, timeout=(1.0, 0.2))

    result = generate_cluster(SEED, {}, project_id, deps=deps)

    assert result.success and result.cluster_id is not None
    assert 8 <= len(result.suggestions) <= 12
    assert all(s.search_volume is None for s in result.suggestions)
    assert any(w.startswith("volume data unavailable: DataForSEO") for w in result.warnings)
    assert len(llm_server.requests) == 2  # Stage 3 still ran on Claude
    if kind == "40202 storm":
        assert len(dfs_server.requests) == 3  # backed off and retried twice
    # The user can still approve.
    with session_scope(engine) as s:
        s.execute(
            update(ClusterPage)
            .where(ClusterPage.cluster_id == result.cluster_id)
            .values(is_approved=True)
        )
    report = bulk_approve(engine, result.cluster_id)
    assert report.status == "approved" and report.created == len(result.suggestions)


def test_stage3_error_falls_back_to_offline_filter_with_warning(
    engine, project_id, llm_server, dfs_server
):
    handler = anthropic_handler()

    def stage3_fails(rec):
        if rec.json["output_config"]["format"]["schema"]["title"] == "ClusterFilter":
            return anthropic_error(500, "Internal server error")
        return handler(rec)

    llm_server.route(MSG, stage3_fails)
    dfs_server.route(SV, volume_from_request)
    result = generate_cluster(
        SEED, {}, project_id, deps=deps_for(engine, llm_server.url, dfs_server.url)
    )

    assert result.success and 8 <= len(result.suggestions) <= 12
    assert any(
        "AI filtering failed" in w and "offline filter was used" in w for w in result.warnings
    )
    meta = result.generation_metadata
    assert (
        meta["stages"]["filter"]["provider"] == "offline"
        and meta["stages"]["filter"]["cost_usd"] == 0
    )
    assert meta["stages"]["expand"]["cost_usd"] > 0


def test_invalid_output_twice_writes_nothing(engine, project_id, llm_server, dfs_server):
    llm_server.route(MSG, Reply(body=anthropic_message("I think these are good keywords: ...")))
    dfs_server.route(SV, volume_from_request)
    result = generate_cluster(
        SEED, {}, project_id, deps=deps_for(engine, llm_server.url, dfs_server.url)
    )

    assert not result.success and "invalid twice" in result.error
    assert len(llm_server.requests) == 2 and dfs_server.requests == []
    # No cluster data; the two billed (invalid) calls are still logged for the cost page.
    assert counts(engine) == {"clusters": 0, "pages": 0, "usage": 2, "metrics": 0}


def test_invalid_stage3_twice_without_fallback_writes_no_cluster(
    engine, project_id, llm_server, dfs_server
):
    handler = anthropic_handler()

    def stage3_invalid(rec):
        if rec.json["output_config"]["format"]["schema"]["title"] == "ClusterFilter":
            return Reply(body=anthropic_message('{"decisions": [{"keyword": 1}]}'))
        return handler(rec)

    llm_server.route(MSG, stage3_invalid)
    dfs_server.route(SV, volume_from_request)
    deps = deps_for(engine, llm_server.url, dfs_server.url, fallback=False)
    result = generate_cluster(SEED, {}, project_id, deps=deps)

    assert not result.success and "Could not filter suggestions" in result.error
    c = counts(engine)
    assert (c["clusters"], c["pages"]) == (0, 0)


def test_budget_exceeded_is_refused_before_any_call(engine, project_id, llm_server, dfs_server):
    set_monthly_budget(engine, 0.05)
    llm_server.route(MSG, anthropic_handler())
    dfs_server.route(SV, volume_from_request)
    deps = deps_for(engine, llm_server.url, dfs_server.url)
    estimate = deps.estimate_usd()

    with pytest.raises(BudgetExceeded) as info:
        generate_cluster(SEED, {}, project_id, deps=deps)

    assert f"${estimate:.4f}" in str(info.value) and "$0.05" in str(info.value)
    assert llm_server.requests == [] and dfs_server.requests == []
    assert counts(engine)["clusters"] == 0 and reservations(engine) == []
