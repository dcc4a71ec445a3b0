"""Benchmark: how real and how strong the offline seed clusters are (issue 8).

Run: ``python bench/funnel_quality.py``. For several seeds on each keyword export in
``../shared/data`` (imported into a temporary SQLite database, offline providers: the
project's data for Stage 1/2, MiniLM for relevance), it measures:

* ``real_share`` — share of the suggested child pages whose keyword exists in the imported
  data (goal 1.0; the parent is the user's own seed and is not counted);
* ``capture`` — search volume of the child pages ÷ search volume of the k highest-volume
  real keywords that contain every head term of the seed (plural- and order-insensitive;
  the seed and its same-search variants excluded), k = number of child pages (goal ≥ 0.8);
  ``capture_distinct`` counts one keyword per search in the denominator (variants of one
  search are one page's primary and secondary keywords, never two pages; see ``capture``).

Prints one line per seed, then ONE JSON line with the minimum and mean of both figures.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import pandas as pd  # noqa: E402

from services.app.bootstrap import build_app  # noqa: E402
from services.clustering.variants import same_search_key  # noqa: E402
from services.core.config import load_settings  # noqa: E402
from services.core.text import content_tokens, normalize_keyword  # noqa: E402
from services.projects.api import save_project  # noqa: E402
from services.projects.imports import import_keywords, load_keyword_universe  # noqa: E402
from services.providers.base import BrandProfile  # noqa: E402
from services.seed_clusters.api import generate_cluster  # noqa: E402
from services.seed_clusters.select import find_same_search  # noqa: E402

#: Highest-volume matching keywords grouped for the distinct-search denominator.
DISTINCT_POOL = 300

DATA = REPO.parent / "shared" / "data"
#: (export, site type, seeds): seeds a strategist would try on each file.
CASES = [
    (
        "semrush-wordpress/wordpress_broad-match_us_2026-04-24.csv",
        "wordpress",
        ["wordpress themes", "wordpress hosting", "wordpress plugins", "wordpress website"],
    ),
    (
        "semrush-add-to-website-clustered/add-to-website_broad-match_us_2026-04-22.csv",
        "publisher",
        ["add website to desktop", "add keywords to website", "add google analytics to website"],
    ),
    (
        "gkp-auto-repair-es/keyword-stats.csv",
        "custom",
        ["taller mecanico", "cambio de aceite", "taller de transmisiones"],
    ),
]


def capture(
    seed: str, child_volumes: list[int], universe: dict[str, int], *, distinct: bool = False
) -> float | None:
    """Child volume ÷ volume of the k best real keywords holding every head term.

    Without ``distinct`` every keyword counts (the issue's literal figure) except the seed's
    same-search variants (shared :func:`same_search_key`). With ``distinct`` the
    :data:`DISTINCT_POOL` highest-volume matches are grouped by the funnel's rule-based
    same-search test (:func:`find_same_search` without the embedder: lexical variants,
    comparisons, "how do I …" wording, short forms the list confirms) and each group counts
    once, at its best volume, the seed's group not at all: the best a cluster with one page
    per search can hold.
    """
    heads = set(content_tokens(seed))
    seed_key = same_search_key(seed)
    matching = sorted(
        (
            (v, kw)
            for kw, v in universe.items()
            if heads <= set(content_tokens(kw)) and same_search_key(kw) != seed_key
        ),
        reverse=True,
    )
    if distinct:
        pool = [seed] + [kw for _, kw in matching[:DISTINCT_POOL]]
        group_of = {i: i for i in range(len(pool))}
        for group in find_same_search(pool, None):
            for i in group:
                group_of[i] = min(group)
        best: dict[int, int] = {}
        for i, kw in enumerate(pool[1:], start=1):
            g = group_of[i]
            if g != 0:
                best[g] = max(best.get(g, 0), universe[kw])
        volumes = sorted(best.values(), reverse=True)
    else:
        volumes = [v for v, _ in matching]
    k = len(child_volumes)
    best = sum(volumes[:k])
    return round(sum(child_volumes) / best, 4) if best else None


def main() -> dict[str, float]:
    reals, captures, distinct = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(
            load_settings(env={"CLUSTER_PLANNER_DATA_DIR": tmp}, secrets_file=Path(tmp) / "none")
        )
        deps = app.funnel_plan().deps
        for i, (rel, site_type, seeds) in enumerate(CASES):
            path = DATA / rel
            pid = save_project(
                app.engine,
                name=f"bench {i}",
                site_type=site_type,
                url_pattern="/servicios/{parent}/{slug}/" if site_type == "custom" else None,
            )
            import_keywords(app.engine, pid, path.read_bytes(), path.name)
            frame = load_keyword_universe(app.engine, pid)
            universe = {
                normalize_keyword(k): 0 if pd.isna(v) else int(v)
                for k, v in zip(frame["keyword"], frame["search_volume"], strict=True)
            }
            for seed in seeds:
                result = generate_cluster(seed, BrandProfile().to_dict(), pid, deps=deps)
                children = [s for s in result.suggestions if s.role == "child"]
                real = sum(1 for s in children if s.keyword in universe)
                share = real / len(children) if children else 1.0
                volumes = [s.search_volume or 0 for s in children]
                cap = capture(seed, volumes, universe)
                cap_d = capture(seed, volumes, universe, distinct=True)
                reals.append(share)
                if cap is not None:
                    captures.append(cap)
                if cap_d is not None:
                    distinct.append(cap_d)
                print(
                    f"{path.parent.name:34s} {seed:32s} pages={len(result.suggestions):2d} "
                    f"real_share={share:.2f} capture={cap} capture_distinct={cap_d}"
                )
                for s in result.suggestions:
                    print(
                        f"    {s.role:6s} {s.page_type:10s} {s.search_volume!s:>6s} "
                        f"{s.keyword:50s} {s.url_slug}  [{s.source}; {s.expansion_strategy}]"
                        + (
                            f" +{len(s.secondary_keywords)} secondary"
                            if s.secondary_keywords
                            else ""
                        )
                    )
                for w in result.warnings:
                    print(f"    warning: {w}")
    figures = {
        "seeds": len(reals),
        "real_share_min": round(min(reals), 4),
        "real_share_mean": round(statistics.mean(reals), 4),
        "capture_min": round(min(captures), 4),
        "capture_mean": round(statistics.mean(captures), 4),
        "capture_distinct_min": round(min(distinct), 4),
        "capture_distinct_mean": round(statistics.mean(distinct), 4),
    }
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
