"""Benchmark: primary keywords for 500 pages offline (issue 9 target: ≤ 30 s).

A synthetic shop is generated here (no third-party data): 500 collection pages
("<modifier> <product>") stored as crawled pages with title, H1 and H2s, and a Search Console
query+page export with 12 queries per page (6,000 rows, clicks and impressions drawn from a
seeded RNG, some queries shared between pages). The export is imported
(:func:`services.site.api.import_rankings`, timed apart), then
:func:`services.site.api.run_primary_keywords` runs offline — MiniLM relevance, imported
metrics as the volume provider — and is timed end to end (loading pages and rankings,
candidates, enrichment, embeddings, scoring, assignment, saving).

Run: ``python bench/primary_keywords.py [--pages 500]``. The last line is JSON:
``{"pages": 500, "seconds": …, "cpu_seconds": …, "load_average_1min": …, "import_seconds": …,
"assigned": …, "fallbacks": …, "peak_rss_mb": …}`` (the machine's load average is printed
because MiniLM's ONNX inference dominates and slows down when other processes share the cores).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from db.models import CrawledPage, Project  # noqa: E402
from db.session import init_db, session_scope  # noqa: E402
from services.core.urls import normalize_url  # noqa: E402
from services.projects.keyword_data import KeywordMetricsSQL  # noqa: E402
from services.providers.embeddings import get_embedder  # noqa: E402
from services.providers.offline_volume import ImportedVolumeProvider  # noqa: E402
from services.site import api  # noqa: E402

TARGET_SECONDS = 30.0
PRODUCTS = [
    "running shoes", "hiking boots", "rain jackets", "backpacks", "tents", "sleeping bags",
    "trail shoes", "socks", "gloves", "beanies", "fleece jackets", "base layers",
    "water bottles", "headlamps", "trekking poles", "sandals", "climbing shoes", "shorts",
    "leggings", "down jackets",
]  # fmt: skip
MODIFIERS = [
    "women's", "men's", "kids", "waterproof", "lightweight", "winter", "summer", "vegan",
    "wide fit", "cheap", "premium", "insulated", "recycled", "ultralight", "merino",
    "breathable", "packable", "heated", "reflective", "wool", "leather", "budget", "pro",
    "trail", "road",
]  # fmt: skip
QUERY_TEMPLATES = [
    "{k}", "best {k}", "{k} sale", "{k} uk", "buy {k}", "{k} review", "cheap {k}",
    "{k} for beginners", "top {k}", "{k} near me", "{k} brands", "{k} 2026",
]  # fmt: skip


def synthetic_site(pages: int, seed: int = 7) -> tuple[list[dict[str, object]], bytes]:
    """(crawled page dicts, GSC query+page CSV bytes) for ``pages`` collection pages."""
    rng = random.Random(seed)
    combos = [(m, p) for p in PRODUCTS for m in MODIFIERS]
    rng.shuffle(combos)
    site, lines = [], ["Date,Page,Query,Clicks,Impressions,CTR,Position"]
    for modifier, product in combos[:pages]:
        keyword = f"{modifier} {product}"
        slug = keyword.replace("'", "").replace(" ", "-")
        url = f"https://shop.example.com/collections/{slug}"
        site.append(
            {
                "url": url,
                "title": f"{keyword.title()} | Example Outdoor",
                "headings": {
                    "h1": [keyword.title()],
                    "h2": [f"Best {keyword}", f"How to choose {keyword}", "Delivery and returns"],
                },
                "body": f"Shop {keyword}. Free delivery on {product} over 50.",
            }
        )
        for template in QUERY_TEMPLATES:
            query = template.format(k=keyword)
            impressions = rng.randint(5, 5000)
            clicks = rng.randint(0, impressions // 5)
            position = round(rng.uniform(1, 40), 1)
            lines.append(f"2026-10-01,{url},{query},{clicks},{impressions},0.1,{position}")
        # a query shared with another page (cannibalization-like overlap)
        lines.append(
            f"2026-10-01,{url},{product},{rng.randint(0, 50)},{rng.randint(100, 900)},0.02,18.0"
        )
    return site, ("\n".join(lines) + "\n").encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    args = parser.parse_args()
    site, export = synthetic_site(args.pages)
    with tempfile.TemporaryDirectory() as tmp:
        engine = init_db(f"sqlite:///{tmp}/bench.db", secret_key=None, key_file=Path(tmp) / "k")
        with session_scope(engine) as s:
            project = Project(name="bench", domain="shop.example.com")
            s.add(project)
            s.flush()
            pid = project.id
            for p in site:
                s.add(
                    CrawledPage(
                        project_id=pid,
                        url=p["url"],
                        normalized_url=normalize_url(str(p["url"])),
                        title=p["title"],
                        headings=p["headings"],
                        body_content=p["body"],
                        source="onboarding",
                        status="completed",
                    )
                )
        started = time.perf_counter()
        api.import_rankings(engine, pid, io.BytesIO(export).getvalue(), "gsc.csv")
        import_seconds = time.perf_counter() - started
        embedder = get_embedder("minilm")
        embedder.embed(["warm up"])  # model load is not part of the run
        started, cpu = time.perf_counter(), time.process_time()
        report = api.run_primary_keywords(
            engine, pid, embedder=embedder, volume=ImportedVolumeProvider(KeywordMetricsSQL(engine))
        )
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{report.pages} pages, {report.candidates} candidates: {seconds:.1f} s "
        f"(target ≤ {TARGET_SECONDS:.0f} s)",
        file=sys.stderr,
    )
    print(
        json.dumps(
            {
                "pages": report.pages,
                "candidates": report.candidates,
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu_seconds, 2),
                "load_average_1min": round(os.getloadavg()[0], 2),
                "import_seconds": round(import_seconds, 2),
                "assigned": report.assigned,
                "fallbacks": report.fallbacks,
                "peak_rss_mb": round(peak, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
