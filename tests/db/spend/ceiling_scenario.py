"""10 concurrent paid funnel runs against a small monthly budget (issue 11 item 2).

The scenario of the fault-injection run: every run's first Stage 1 and Stage 3 answer is
invalid and ~4,000 tokens long, so each stage pays a long first answer plus a repair. Runs go
through the real funnel (``generate_cluster``) with the real Claude adapter against a local
server, the real :class:`~services.spend.budget.BudgetGuard` (worst-case holds, top-ups) and
DataForSEO on a local server. Shared by ``tests/db/spend/test_budget_ceiling.py`` and
``bench/budget_ceiling.py``.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pybreaker
from sqlalchemy import func, select

from db.models import APIUsage, BudgetReservation, Project
from db.session import session_scope
from services.core.errors import BudgetExceeded
from services.providers.dataforseo.client import DataForSEOClient, DataForSEOVolumeProvider
from services.providers.llm.claude import AnthropicProvider
from services.providers.llm.offline import OfflineLLMProvider
from services.providers.registry import ProviderSet
from services.seed_clusters.api import FunnelDeps, generate_cluster
from services.spend.budget import BudgetGuard, run_estimate_usd, set_monthly_budget
from tests.fakes.contracts import volume_from_request
from tests.fakes.embedder import HashEmbedder
from tests.fakes.http_server import FakeServer
from tests.fakes.llm import anthropic_handler

SEEDS = [
    "trail running shoes",
    "hiking boots",
    "running socks",
    "rain jackets",
    "camping stoves",
    "sleeping bags",
    "trekking poles",
    "climbing shoes",
    "ski goggles",
    "water bottles",
]


def _long_invalid(stage: str) -> str:
    """An invalid answer of ~4,000 output tokens (``⌈chars / 4⌉`` at the fake server)."""
    key = "candidates" if stage == "expand" else "decisions"
    return json.dumps({key: "x" * 15_900})


def run_ceiling(engine: Any, *, runs: int = 10, budget_usd: float = 0.20) -> dict[str, Any]:
    """Run ``runs`` concurrent funnel runs; return spend, budget and outcome counts.

    Returns
    -------
    dict
        ``spend_usd`` (sum of ``api_usage.cost_usd``), ``settled_usd`` (ledger),
        ``budget_usd``, ``ratio`` = max(spend, settled) / budget, ``succeeded``,
        ``failed``, ``refused``, ``top_ups``, ``seconds``.
    """
    set_monthly_budget(engine, budget_usd)
    with session_scope(engine) as s:
        pids = []
        for i in range(runs):
            p = Project(name=f"Budget store {i}", domain=f"store{i}.example")
            s.add(p)
            s.flush()
            pids.append(p.id)
    seen: dict[str, int] = {}
    lock = threading.Lock()

    def override(stage: str, prompt: str) -> str | None:
        key = f"{stage}:{prompt[:200]}"
        with lock:
            seen[key] = seen.get(key, 0) + 1
            first = seen[key] == 1
        return _long_invalid(stage) if first else None  # the repair gets a valid answer

    outcomes: dict[str, int] = {"succeeded": 0, "failed": 0, "refused": 0}
    embedder = HashEmbedder()
    with FakeServer() as llm_srv, FakeServer() as dfs_srv:
        llm_srv.route("/v1/messages", anthropic_handler(override=override, delay=0.05))
        dfs_srv.route("/v3/keywords_data/google_ads/search_volume/live", volume_from_request)

        def one(i: int) -> None:
            llm = AnthropicProvider("sk-test", base_url=llm_srv.url, max_retries=0)
            client = DataForSEOClient(
                "login",
                "password",
                base_url=dfs_srv.url,
                breaker=pybreaker.CircuitBreaker(fail_max=50, reset_timeout=60),
            )
            volume = DataForSEOVolumeProvider(client, engine)
            offline = OfflineLLMProvider(engine, lambda: embedder)
            ps = ProviderSet(llm=llm, volume=volume, offline_llm=offline)
            deps = FunnelDeps(
                engine=engine,
                llm=llm,
                volume=volume,
                embedder_factory=lambda: embedder,
                fallback_llm=offline,
                budget=BudgetGuard(engine),
                estimate_usd=lambda: run_estimate_usd(ps),
            )
            try:
                result = generate_cluster(SEEDS[i % len(SEEDS)], {}, pids[i], deps=deps)
                key = "succeeded" if result.success else "failed"
            except BudgetExceeded:
                key = "refused"
            with lock:
                outcomes[key] += 1

        started = time.perf_counter()
        threads = [threading.Thread(target=one, args=(i,)) for i in range(runs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        seconds = time.perf_counter() - started
    with session_scope(engine) as s:
        spend = float(s.execute(select(func.coalesce(func.sum(APIUsage.cost_usd), 0.0))).scalar())
        settled = float(
            s.execute(select(func.coalesce(func.sum(BudgetReservation.actual_usd), 0.0))).scalar()
        )
        holds = s.execute(select(BudgetReservation.estimate_usd)).scalars().all()
    return {
        "runs": runs,
        "budget_usd": budget_usd,
        "spend_usd": round(spend, 6),
        "settled_usd": round(settled, 6),
        "ratio": round(max(spend, settled) / budget_usd, 4),
        **outcomes,
        "holds_usd": [round(h, 4) for h in holds],
        "seconds": round(seconds, 2),
    }
