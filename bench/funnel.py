"""Benchmark: warm p50/p95 of ``generate_cluster`` offline with the Semrush WordPress export.

Run: ``python bench/funnel.py [runs]``. Builds a temporary SQLite database, imports
``../shared/data/semrush-wordpress`` (12,680 keywords), warms the embedder with one run,
then times ``runs`` (default 30) clusters over a rotation of seeds. Also reports, for the
seed "wordpress themes", how many Stage 1 candidates exist in the export with volume ≥ 50.
Last line: JSON ``{"p50_s": …, "p95_s": …}``.
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

from services.app.bootstrap import build_app  # noqa: E402
from services.core.config import load_settings  # noqa: E402
from services.projects.api import save_project  # noqa: E402
from services.projects.imports import import_keywords, load_keyword_universe  # noqa: E402
from services.providers.base import BrandProfile, ExpansionRequest  # noqa: E402
from services.seed_clusters.api import generate_cluster  # noqa: E402

EXPORT = (
    REPO.parent
    / "shared"
    / "data"
    / "semrush-wordpress"
    / "wordpress_broad-match_us_2026-04-24.csv"
)
SEEDS = [
    "wordpress themes",
    "wordpress hosting",
    "wordpress plugins",
    "wordpress website",
    "wordpress templates",
]
BRAND = BrandProfile(
    company_name="Acme Themes",
    products=("WordPress themes", "page builder templates"),
    price_point="premium",
    primary_persona="small business owners building their own site",
    competitors=("ThemeForest", "Elegant Themes"),
)


def main(runs: int = 30) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(
            load_settings(env={"CLUSTER_PLANNER_DATA_DIR": tmp}, secrets_file=Path(tmp) / "none")
        )
        project_id = save_project(app.engine, name="Bench", domain="bench.example", brand=BRAND)
        report = import_keywords(app.engine, project_id, EXPORT.read_bytes(), EXPORT.name)
        print(
            f"imported {report.rows_imported:,} keywords ({report.tool}) in {report.seconds:.2f} s"
        )
        deps, _ = app.funnel_deps()
        t0 = time.perf_counter()
        first = generate_cluster(SEEDS[0], BRAND.to_dict(), project_id, deps=deps)
        print(f"cold run (embedder load + first cluster): {time.perf_counter() - t0:.3f} s")

        # Stage 1 grounding: candidates of "wordpress themes" that exist in the export with volume ≥ 50.
        universe = load_keyword_universe(app.engine, project_id)
        volumes = dict(zip(universe["keyword"], universe["search_volume"], strict=True))
        stage1 = deps.llm.expand(
            ExpansionRequest(seed="wordpress themes", brand=BRAND, project_id=project_id)
        )
        real = [c.keyword for c in stage1.candidates if (volumes.get(c.keyword) or 0) >= 50]
        print(
            f"stage 1 for 'wordpress themes': {len(stage1.candidates)} candidates, "
            f"{len(real)} in the export with volume >= 50"
        )
        for c in stage1.candidates:
            print(f"  {c.expansion_strategy:20s} {c.keyword:45s} {volumes.get(c.keyword)}")
        print("suggestions:")
        for s in first.suggestions:
            print(
                f"  {s.role:6s} {s.keyword:45s} vol={s.search_volume} score={s.composite_score} {s.url_slug}"
            )

        times = []
        for i in range(runs):
            t0 = time.perf_counter()
            result = generate_cluster(SEEDS[i % len(SEEDS)], BRAND.to_dict(), project_id, deps=deps)
            times.append(time.perf_counter() - t0)
            assert result.success and 8 <= len(result.suggestions) <= 12, result
    times.sort()
    figures = {
        "p50_s": round(statistics.median(times), 4),
        "p95_s": round(times[max(0, int(round(0.95 * len(times))) - 1)], 4),
        "runs": runs,
        "stage1_real_candidates_wordpress_themes": len(real),
        "stage1_candidates_wordpress_themes": len(stage1.candidates),
    }
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
