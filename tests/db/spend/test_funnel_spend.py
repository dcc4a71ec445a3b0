"""Every billed call of a funnel run is logged and held against the budget, also when the run
fails afterwards (issue 11 item 2): a non-JSON Stage 3 answer, a top-up refused before a repair."""

from __future__ import annotations

import json

import pybreaker
import pytest
from sqlalchemy import func, select

from db.models import APIUsage, BudgetReservation
from db.session import session_scope
from services.providers import meter
from services.providers.dataforseo.client import DataForSEOClient, DataForSEOVolumeProvider
from services.providers.llm.claude import AnthropicProvider
from services.providers.llm.offline import OfflineLLMProvider
from services.seed_clusters.api import FunnelDeps, generate_cluster
from services.spend.budget import BudgetGuard, set_monthly_budget, worst_case_llm_usd
from tests.fakes.contracts import volume_from_request
from tests.fakes.embedder import HashEmbedder
from tests.fakes.http_server import FakeServer, Reply
from tests.fakes.llm import anthropic_handler

SEED = "trail running shoes"


@pytest.fixture(autouse=True)
def _no_meter():
    meter.activate(None)
    yield
    meter.activate(None)


def deps(engine, llm_url, dfs_url, estimate):
    embedder = HashEmbedder()
    llm = AnthropicProvider("sk-test", base_url=llm_url, max_retries=0, stage_deadline_s=5)
    client = DataForSEOClient(
        "login",
        "password",
        base_url=dfs_url,
        breaker=pybreaker.CircuitBreaker(fail_max=50, reset_timeout=60),
    )
    volume = DataForSEOVolumeProvider(client, engine)
    return FunnelDeps(
        engine=engine,
        llm=llm,
        volume=volume,
        embedder_factory=lambda: embedder,
        fallback_llm=OfflineLLMProvider(engine, lambda: embedder),
        budget=BudgetGuard(engine),
        estimate_usd=lambda: estimate,
    )


def ledger(engine) -> tuple[float, float, float]:
    with session_scope(engine) as s:
        logged = s.execute(select(func.coalesce(func.sum(APIUsage.cost_usd), 0.0))).scalar()
        hold = s.execute(select(BudgetReservation)).scalar_one()
        return float(logged), float(hold.actual_usd or 0.0), float(hold.spent_usd)


def test_non_json_stage3_answer_keeps_stage_1_and_2_spend_in_the_log(engine, project_id):
    with FakeServer() as llm_srv, FakeServer() as dfs_srv:
        good = anthropic_handler()
        calls = []

        def handle(rec):
            calls.append(rec)
            if (rec.json or {}).get("output_config", {}).get("format", {}).get("schema", {}).get(
                "title"
            ) == "ClusterFilter":
                return Reply(body='{"id": "msg_x", "content": [')  # HTTP 200, not JSON
            return good(rec)

        llm_srv.route("/v1/messages", handle)
        dfs_srv.route("/v3/keywords_data/google_ads/search_volume/live", volume_from_request)
        set_monthly_budget(engine, 5.0)
        result = generate_cluster(
            SEED,
            {},
            project_id,
            deps=deps(engine, llm_srv.url, dfs_srv.url, worst_case_llm_usd("claude-haiku-4-5")),
        )
    # Stage 3 fell back to the offline filter: the cluster exists, every call is logged.
    assert (
        result.success and result.generation_metadata["stages"]["filter"]["provider"] == "offline"
    )
    logged, settled, spent = ledger(engine)
    stage1 = result.generation_metadata["stages"]["expand"]["cost_usd"]
    assert stage1 > 0 and logged >= stage1 + 0.075
    assert logged == pytest.approx(settled) and spent == pytest.approx(logged)


def test_top_up_refused_before_a_repair_stops_the_run_and_logs_what_was_billed(engine, project_id):
    invalid = json.dumps({"candidates": "x" * 15_900})  # ~4,000 output tokens, invalid
    with FakeServer() as llm_srv, FakeServer() as dfs_srv:
        llm_srv.route("/v1/messages", anthropic_handler(override=lambda stage, p: invalid))
        dfs_srv.route("/v3/keywords_data/google_ads/search_volume/live", volume_from_request)
        # A hold (and budget) that covers the first call's worst case but not a repair too.
        set_monthly_budget(engine, 0.03)
        result = generate_cluster(
            SEED, {}, project_id, deps=deps(engine, llm_srv.url, dfs_srv.url, 0.03)
        )
        requests = len(llm_srv.requests)
    assert not result.success and "budget" in (result.error or "")
    assert requests == 1  # the repair was never sent
    logged, settled, spent = ledger(engine)
    assert 0 < logged <= 0.03
    assert logged == pytest.approx(spent) and logged == pytest.approx(settled)
