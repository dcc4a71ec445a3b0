"""Benchmark: content briefs, drafts spreadsheet, drafting overhead and cost per page.

Run: ``python bench/content.py [pages] [drafted_pages]`` (defaults 1000 and 30).

1. Briefs for ``pages`` approved pages, offline (targets ≤ 10 s for 1,000): one seed cluster
   whose approved pages are bridged as bulk-approve does (``CrawledPage`` + ``PageKeywords``,
   6 secondary keywords each), a keyword universe of 20 × pages keywords of which 10 % are
   questions carrying the head terms, and a cached SERP for every 10th primary keyword —
   then ``services.content.api.generate_briefs`` on a temporary SQLite database.
2. XLSX of ``pages`` drafts (≤ 5 s for 1,000): every page gets a written draft of realistic
   size (≈ 700-word HTML body, 3 FAQ entries, 4 social posts), then ``workbook_xlsx``.
3. Our overhead per drafted page beyond LLM time (≤ 50 ms): ``run_drafts`` for
   ``drafted_pages`` pages through the real ``anthropic`` SDK against a local server that
   answers the three calls with realistic-size JSON (``tests/unit/content/content_fakes``
   shapes); overhead = wall time − time the server spent answering, per page. It covers
   prompt building, SDK/HTTP work, validation, the per-page transaction, usage rows and the
   budget reserve/settle.
4. Competitor analysis: the top-10 pages of one SERP (the DataForSEO contract response pointed
   at locally served pages of realistic size — 8 articles of 1,000-2,000 words, one
   robots-blocked page, one slow page past the timeout) read with the crawler's polite
   fetcher at its production settings (robots.txt, 1 request/s per host, 10 s timeout, 2 MB
   cap) and trafilatura main text; reports the time per page (fetch + extraction, measured
   with the per-host delay lifted) and the wall time at production politeness, which on one
   local host includes the 1 s per-host delay that real SERPs spread over ten hosts.
5. Cost per page from the token counts the server reports (our real prompts at
   ⌈characters / 4⌉ tokens in, the realistic answers out) at Claude Haiku 4.5's list price
   (services/providers/pricing.py; goal ≤ $0.02), next to the batch preview's estimate.

Last line: JSON with unit-carrying keys.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cryptography.fernet import Fernet  # noqa: E402

from db.models import (  # noqa: E402
    ClusterPage,
    CrawledPage,
    KeywordCluster,
    KeywordMetric,
    PageKeywords,
    Project,
    SerpCache,
)
from db.models.content import ContentPage  # noqa: E402
from db.session import get_engine, migrate, session_scope  # noqa: E402
from db.types import configure_encryption  # noqa: E402
from services.content import api  # noqa: E402
from services.providers.llm.claude import AnthropicProvider  # noqa: E402
from services.providers.pricing import llm_cost_usd  # noqa: E402
from services.spend.budget import (  # noqa: E402
    BudgetGuard,
    estimate_drafts_cost,
    set_monthly_budget,
)
from tests.fakes.http_server import FakeServer  # noqa: E402
from tests.unit.content.content_fakes import (  # noqa: E402
    anthropic_content_handler,
    content_answer,
)

HEADS = ["trail running shoes", "hiking boots", "rain jackets", "camping stoves", "tents"]
MODIFIERS = ["waterproof", "lightweight", "cheap", "women's", "men's", "kids", "vegan", "wide"]
QUESTIONS = ["how to clean", "what are", "are", "how to choose", "why buy"]
LOREM = (
    "Choose a pair that fits your foot shape and the ground you run on; test the grip, the "
    "drop and the cushioning before a long race, and replace them every few hundred miles. "
)
MODEL = "claude-haiku-4-5"


def build_db(pages: int):
    configure_encryption(Fernet.generate_key())
    tmp = tempfile.mkdtemp(prefix="bench-content-")
    engine = get_engine(f"sqlite:///{tmp}/bench.db")
    migrate(engine)
    with session_scope(engine) as s:
        project = Project(
            name="Bench",
            domain="shop.example",
            brand_config={"company_name": "Ridgeline", "products": ["outdoor gear"]},
        )
        s.add(project)
        s.flush()
        cluster = KeywordCluster(
            project_id=project.id,
            seed_keyword="outdoor gear",
            name="outdoor gear",
            status="approved",
        )
        s.add(cluster)
        s.flush()
        metrics = []
        for i in range(pages):
            head = HEADS[i % len(HEADS)]
            kw = f"{MODIFIERS[i % len(MODIFIERS)]} {head} {i}"
            slug = f"/collections/p-{i}"
            crawled = CrawledPage(
                project_id=project.id,
                url=f"https://shop.example{slug}",
                normalized_url=f"shop.example{slug}",
                title=kw,
                source="cluster",
                status="completed",
                category="collection",
            )
            s.add(crawled)
            s.flush()
            secondary = [f"{kw} {m}" for m in ("sale", "review", "uk", "size 10", "2026", "black")]
            s.add(
                PageKeywords(
                    crawled_page_id=crawled.id,
                    primary_keyword=kw,
                    secondary_keywords=secondary,
                    search_volume=100 + i,
                    is_approved=True,
                    is_priority=i == 0,
                )
            )
            s.add(
                ClusterPage(
                    cluster_id=cluster.id,
                    keyword=kw,
                    role="parent" if i == 0 else "child",
                    url_slug=slug,
                    is_approved=True,
                    sort_order=i,
                    crawled_page_id=crawled.id,
                )
            )
            metrics.append((kw, 100 + i))
            metrics += [(k, 10 + j) for j, k in enumerate(secondary)]
            for j in range(13):
                q = QUESTIONS[j % len(QUESTIONS)]
                metrics.append((f"{q} {kw} {j}" if j % 7 == 0 else f"{kw} filler {j}", 5 + j))
            if i % 10 == 0:
                s.add(
                    SerpCache(
                        keyword=kw,
                        location_name="United States",
                        language_name="English",
                        urls=[f"rival{r}.example/{i}" for r in range(10)],
                    )
                )
        s.add_all(
            KeywordMetric(project_id=project.id, keyword=k, search_volume=v, source="semrush")
            for k, v in metrics
        )
        return engine, project.id, cluster.id, len(metrics)


def realistic_answer(schema: str, prompt: str) -> str | None:
    """Answers of realistic size (a ≈ 700-word collection copy) for cost and overhead."""
    data = content_answer(schema, prompt)
    if schema == "CollectionDraft":
        data["buying_guide_html"] = "".join(
            f"<h2>Section {k}</h2><p>{LOREM * 3}</p>" for k in range(6)
        )
        data["faq"] = [{"question": f"Question {k}?", "answer": LOREM} for k in range(3)]
    if schema == "CompetitorAnalysis":
        data["common_themes"] = [LOREM[:90]] * 5
        data["content_gaps"] = [LOREM[:90]] * 4
        data["key_headings"] = [f"Heading {k}" for k in range(8)]
        data["unique_angles"] = [LOREM[:90]] * 3
    if schema == "SocialPosts":
        for key in ("facebook", "linkedin"):
            data[key] = LOREM[:200] + " " + data[key]
        data["google_business_profile"] = LOREM * 2 + data["google_business_profile"]
    return json.dumps(data)


def fake_drafts(engine, cluster_id) -> None:
    with session_scope(engine) as s:
        rows = s.query(ContentPage).filter(ContentPage.cluster_id == cluster_id)
        for n, row in enumerate(rows):  # unique text per page, as real drafts are
            body = "".join(f"<h2>Section {k} of {n}</h2><p>{LOREM * 3}</p>" for k in range(6))
            row.draft = {
                "kind": "llm",
                "title": row.brief["title"],
                "meta_description": row.brief["meta_description"],
                "h1": row.brief["h1"],
                "body_html": body,
                "faq": [{"question": f"Q{k} of {n}?", "answer": LOREM} for k in range(3)],
                "social": {
                    "facebook": f"{n} {LOREM[:200]}",
                    "linkedin": LOREM[:300],
                    "x": LOREM[:250],
                    "google_business_profile": LOREM * 3,
                },
            }
            row.status = "drafted"


def competitor_timing() -> dict:
    """Section 4: read one SERP's pages politely; per-page and wall times (s)."""
    from services.clustering.serp_overlap import top_urls  # noqa: PLC0415
    from services.content.competitor_actions import (  # noqa: PLC0415
        COMPETITOR_TIMEOUT_S,
        MAIN_TEXT_TIMEOUT_S,
        politeness_of,
    )
    from services.content.competitors import fetch_competitors, summarize  # noqa: PLC0415
    from services.site.crawl.extract import MainText  # noqa: PLC0415
    from services.site.crawl.fetch import Fetcher  # noqa: PLC0415
    from tests.unit.content.serp_site import SerpSite, article  # noqa: PLC0415

    words = (LOREM * 60).split()
    pages = {
        f"/a{k}": (
            200,
            "text/html",
            article(f"Guide {k}", [f"Topic {j}" for j in range(k % 4, k % 4 + 6)], 1000 + 150 * k),
            0.0,
        )
        for k in range(8)
    }
    pages["/blocked/x"] = (200, "text/html", b"<h1>x</h1>", 0.0)
    pages["/slow"] = (200, "text/html", b"<h1>slow</h1>", COMPETITOR_TIMEOUT_S + 2)
    order = ["/a0", "/a1", "/blocked/x", "/a2", "/a3", "/slow", "/a4", "/a5", "/a6", "/a7"]
    del words
    with SerpSite(pages) as site:
        urls = top_urls(site.serp_response(order)["tasks"][0]["result"])
        results = list(enumerate(urls, 1))
        main_text = MainText(timeout_s=MAIN_TEXT_TIMEOUT_S)
        # pass 1, per-host delay lifted: what one page costs (fetch + extraction)
        quick = Fetcher(rate_limit=False, timeout_s=COMPETITOR_TIMEOUT_S)
        read = fetch_competitors(results, quick, main_text=main_text, scheme="http")
        quick.close()
        # pass 2, production politeness: the wall time of one SERP on one host
        fetcher = Fetcher(timeout_s=COMPETITOR_TIMEOUT_S)
        t0 = time.perf_counter()
        fetch_competitors(results, fetcher, main_text=main_text, scheme="http")
        wall = time.perf_counter() - t0
        main_text.close()
        fetcher.close()
    summary = summarize(read, "guide", [])
    ok = sorted(p.seconds for p in read if p.ok)
    return {
        "pages": len(read),
        "read": len(ok),
        "errors": sorted({p.error for p in read if p.error}),
        "fetch_seconds_per_page_median": round(ok[len(ok) // 2], 4) if ok else None,
        "fetch_seconds_per_page_max": round(max(p.seconds for p in read), 3),
        "wall_seconds_one_host": round(wall, 2),
        "median_words": summary["median_words"],
        "politeness": politeness_of(fetcher),
    }


def time_briefs(engine, cluster_id) -> tuple[float, float]:
    """Section 1: wall and CPU seconds of the briefs batch, and a sample brief's shape."""
    t0, c0 = time.perf_counter(), time.process_time()
    report = api.generate_briefs(engine, cluster_id)
    briefs_s, briefs_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"briefs: {report.created} in {briefs_s:.2f} s, {briefs_cpu:.2f} s CPU "
        "(target ≤ 10 s for 1,000; CPU time is what a loaded machine does not change)"
    )
    sample = api.list_content(engine, cluster_id)[1].brief
    q = sum(o["source"] == "question" for o in sample["outline"])
    print(
        f"  sample brief: {len(sample['outline'])} outline headings ({q} questions), "
        f"{len(sample['internal_links']['outgoing'])} outgoing links"
    )
    return briefs_s, briefs_cpu


def print_competitors(comp: dict) -> None:
    """One line on section 4."""
    print(
        f"competitors: {comp['read']}/{comp['pages']} pages read ({', '.join(comp['errors'])}); "
        f"fetch {comp['fetch_seconds_per_page_median']} s/page median, "
        f"max {comp['fetch_seconds_per_page_max']} s; wall {comp['wall_seconds_one_host']} s "
        f"on one host; politeness {comp['politeness']}"
    )


def main() -> None:
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    drafted = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    engine, project_id, cluster_id, universe = build_db(pages)
    print(f"{pages} approved pages, keyword universe {universe:,} keywords")

    briefs_s, briefs_cpu = time_briefs(engine, cluster_id)

    fake_drafts(engine, cluster_id)
    t0 = time.perf_counter()
    data = api.workbook_xlsx(engine, cluster_id)
    xlsx_s = time.perf_counter() - t0
    print(f"xlsx: {pages} drafts in {xlsx_s:.2f} s, {len(data) / 1e6:.1f} MB (target ≤ 5 s)")

    # drafting overhead and cost: a fresh cluster of `drafted` pages
    engine2, _pid, cluster2, _ = build_db(drafted)
    api.generate_briefs(engine2, cluster2)
    set_monthly_budget(engine2, 1000.0)
    with FakeServer() as server:
        server.route("/v1/messages", anthropic_content_handler(override=realistic_answer))
        llm = AnthropicProvider("bench", base_url=server.url, max_retries=0, model=MODEL)
        t0 = time.perf_counter()
        result = api.run_drafts(engine2, cluster2, llm, budget=BudgetGuard(engine2))
        wall = time.perf_counter() - t0
        served = server.server_seconds
        bodies = [r.json for r in server.requests]
    assert result.drafted == drafted, result.to_dict()
    overhead_ms = (wall - served) / drafted * 1000
    print(
        f"drafts: {drafted} pages, {len(bodies)} calls, wall {wall:.2f} s, server {served:.2f} s"
        f" → overhead {overhead_ms:.1f} ms/page (target ≤ 50 ms)"
    )
    from tests.fakes.contracts import approx_tokens  # noqa: PLC0415

    in_tok = out_tok = 0
    for body in bodies:
        schema = body["output_config"]["format"]["schema"]
        prompt = body["messages"][0]["content"]
        in_tok += approx_tokens(body["system"] + prompt + json.dumps(schema))
        out_tok += approx_tokens(realistic_answer(schema["title"], prompt) or "")
    in_pp, out_pp = in_tok / drafted, out_tok / drafted
    cost_pp = llm_cost_usd(MODEL, input_tokens=round(in_pp), output_tokens=round(out_pp)) or 0.0
    logged_pp = result.cost_usd / drafted
    est_pp = estimate_drafts_cost(MODEL, 1).total_usd
    print(
        f"tokens per page: {in_pp:,.0f} in, {out_pp:,.0f} out → ${cost_pp:.4f}/page on Haiku 4.5 "
        f"(logged ${logged_pp:.4f}; preview estimate ${est_pp:.4f}; goal ≤ $0.02)"
    )
    comp = competitor_timing()
    print_competitors(comp)
    print(
        json.dumps(
            {
                "pages": pages,
                "competitor_fetch_seconds_per_page_median": comp["fetch_seconds_per_page_median"],
                "competitor_fetch_seconds_per_page_max": comp["fetch_seconds_per_page_max"],
                "competitor_wall_seconds_one_host": comp["wall_seconds_one_host"],
                "competitor_delay_per_host_s": comp["politeness"]["delay_per_host_s"],
                "competitor_timeout_s": comp["politeness"]["timeout_s"],
                "competitor_max_page_bytes": comp["politeness"]["max_page_bytes"],
                "briefs_seconds": round(briefs_s, 3),
                "briefs_cpu_seconds": round(briefs_cpu, 3),
                "xlsx_seconds": round(xlsx_s, 3),
                "xlsx_mb": round(len(data) / 1e6, 2),
                "draft_overhead_ms_per_page": round(overhead_ms, 1),
                "input_tokens_per_page": round(in_pp),
                "output_tokens_per_page": round(out_pp),
                "cost_usd_per_page_haiku45": round(cost_pp, 5),
                "estimate_usd_per_page_haiku45": round(est_pp, 5),
            }
        )
    )


if __name__ == "__main__":
    main()
