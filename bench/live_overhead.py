"""Benchmark: our own overhead per live funnel run, beyond the time the services take.

Run: ``python bench/live_overhead.py [runs] [delay_ms]`` (defaults 20 runs, 50 ms).

Local HTTP servers (``tests/fakes``) stand in for Claude (``/v1/messages``, recorded response
shape) and DataForSEO (``search_volume/live``, the real capture wrapped in the envelope);
each answers after a fixed delay. ``generate_cluster`` runs on the real adapters — the
``anthropic`` SDK and ``requests`` + urllib3 — with the budget guard, the KeywordMetric
cache and a temporary SQLite database. Every run uses a new seed, so nothing is cached
and each cluster makes 1 DataForSEO request and 2 LLM calls.

overhead = wall time of ``generate_cluster`` − time the servers spent answering (their
delay included). It covers prompt building, SDK/HTTP client work, JSON parsing and
validation, Stage 3 rules, budget reserve/settle and the database writes. Near-duplicate
detection uses the test hash embedder, not MiniLM (``bench/funnel.py`` times that).

Also printed: the cost per cluster computed from the token counts the servers report (our
real prompts and answers at ⌈characters / 4⌉ tokens) and DataForSEO's $0.075 per request,
and the cost of repeating a seed. Last line: JSON
``{"overhead_ms": …, "dataforseo_requests": …, "llm_calls": …}``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import pybreaker  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402

from db.models import Project  # noqa: E402
from db.session import get_engine, migrate, session_scope  # noqa: E402
from db.types import configure_encryption  # noqa: E402
from services.projects.keyword_data import KeywordMetricsSQL  # noqa: E402
from services.providers.dataforseo.client import DataForSEOClient, DataForSEOVolumeProvider  # noqa: E402
from services.providers.llm.claude import AnthropicProvider  # noqa: E402
from services.providers.llm.offline import OfflineLLMProvider  # noqa: E402
from services.providers.registry import ProviderSet  # noqa: E402
from services.seed_clusters.api import FunnelDeps, generate_cluster  # noqa: E402
from services.spend.budget import BudgetGuard, estimate_cluster_cost  # noqa: E402
from tests.fakes.contracts import volume_from_request  # noqa: E402
from tests.fakes.embedder import HashEmbedder  # noqa: E402
from tests.fakes.http_server import FakeServer, Reply  # noqa: E402
from tests.fakes.llm import anthropic_handler  # noqa: E402

SV = "/v3/keywords_data/google_ads/search_volume/live"
MSG = "/v1/messages"
PRODUCTS = [
    "running shoes",
    "hiking boots",
    "yoga mats",
    "rain jackets",
    "camping tents",
    "bike helmets",
]
STYLES = ["trail", "road", "kids", "pro", "classic", "urban", "alpine", "retro", "studio", "travel"]
BRAND = {
    "company_name": "Trailhead Co",
    "products": ["outdoor footwear", "outdoor gear"],
    "price_point": "mid-range",
    "primary_persona": "weekend hikers and runners",
    "competitors": ["Salomon", "REI"],
}


def main(runs: int = 20, delay_ms: float = 50.0) -> dict[str, float]:
    delay = delay_ms / 1000.0
    tmp = tempfile.mkdtemp(prefix="live-bench-")
    configure_encryption(Fernet.generate_key())
    engine = get_engine(f"sqlite:///{tmp}/bench.db")
    migrate(engine)
    with session_scope(engine) as s:
        project = Project(name="Bench", domain="bench.example", brand_config=BRAND)
        s.add(project)
        s.flush()
        project_id = project.id

    llm_server = FakeServer().start()
    dfs_server = FakeServer().start()
    try:
        llm_server.route(MSG, anthropic_handler(delay=delay))
        dfs_server.route(SV, lambda rec: _delayed(volume_from_request(rec), delay))
        embedder = HashEmbedder()
        llm = AnthropicProvider("bench-key", base_url=llm_server.url)
        client = DataForSEOClient(
            "bench",
            "bench",
            base_url=dfs_server.url,
            breaker=pybreaker.CircuitBreaker(fail_max=100),
        )
        volume = DataForSEOVolumeProvider(client, KeywordMetricsSQL(engine))
        offline = OfflineLLMProvider(KeywordMetricsSQL(engine), lambda: embedder)
        ps = ProviderSet(llm=llm, volume=volume, offline_llm=offline)
        deps = FunnelDeps(
            engine=engine,
            llm=llm,
            volume=volume,
            embedder_factory=lambda: embedder,
            fallback_llm=offline,
            budget=BudgetGuard(engine),
            estimate_usd=lambda: estimate_cluster_cost(ps).total_usd,
        )
        seeds = [f"{style} {product}" for product in PRODUCTS for style in STYLES]
        assert runs + 2 <= len(seeds), f"at most {len(seeds) - 2} runs"

        for seed in seeds[:2]:  # warm-up: imports, connection pools, SQLite pages
            _run(seed, project_id, deps, llm_server, dfs_server)
        overheads, dfs_counts, llm_counts, costs = [], [], [], []
        for seed in seeds[2 : 2 + runs]:
            overhead, n_dfs, n_llm, cost = _run(seed, project_id, deps, llm_server, dfs_server)
            overheads.append(overhead)
            dfs_counts.append(n_dfs)
            llm_counts.append(n_llm)
            costs.append(cost)
        repeat_seed = seeds[2]
        _, repeat_dfs, _, repeat_cost = _run(repeat_seed, project_id, deps, llm_server, dfs_server)
    finally:
        llm_server.stop()
        dfs_server.stop()

    p50 = statistics.median(overheads) * 1000
    p95 = sorted(overheads)[max(0, round(0.95 * len(overheads)) - 1)] * 1000
    print(f"runs: {runs}, server delay {delay_ms:.0f} ms per request")
    print(f"our overhead per funnel run: p50 {p50:.1f} ms, p95 {p95:.1f} ms (target ≤ 50 ms)")
    print(
        f"requests per cluster: DataForSEO {statistics.mean(dfs_counts):g}, "
        f"LLM {statistics.mean(llm_counts):g}"
    )
    print(
        f"cost per cluster (Haiku 4.5 tokens observed + 1 DataForSEO request): "
        f"${statistics.mean(costs):.4f} (design target ≤ $0.10); "
        f"estimate used for the budget: ${estimate_cluster_cost(ps).total_usd:.4f}"
    )
    print(
        f"repeat of seed '{repeat_seed}': ${repeat_cost:.4f} "
        f"({repeat_dfs} DataForSEO requests: every keyword cached)"
    )
    result = {
        "overhead_ms": round(p50, 1),
        "dataforseo_requests": statistics.mean(dfs_counts),
        "llm_calls": statistics.mean(llm_counts),
    }
    print(json.dumps(result))
    return result


def _delayed(reply: Reply, delay: float) -> Reply:
    reply.delay = delay
    return reply


def _run(seed, project_id, deps, llm_server, dfs_server) -> tuple[float, int, int, float]:
    n_llm, n_dfs = len(llm_server.requests), len(dfs_server.requests)
    t0 = time.perf_counter()
    result = generate_cluster(seed, BRAND, project_id, deps=deps)
    wall = time.perf_counter() - t0
    if not result.success:
        raise RuntimeError(result.error)
    new_llm = llm_server.requests[n_llm:]
    new_dfs = dfs_server.requests[n_dfs:]
    server_time = sum(r.seconds for r in new_llm) + sum(r.seconds for r in new_dfs)
    return (
        wall - server_time,
        len(new_dfs),
        len(new_llm),
        result.generation_metadata["total_cost_usd"],
    )


if __name__ == "__main__":
    args = sys.argv[1:]
    main(int(args[0]) if args else 20, float(args[1]) if len(args) > 1 else 50.0)
