"""Benchmark: each screen's script time on a 12.7k-keyword project (issue 22).

Builds a fresh SQLite project, imports the shared Semrush "wordpress" export (12,680 keywords,
never copied into the repository) and clusters it with the production embedders
(:func:`services.keyword_lists.run.run_list_clustering`), gives it site data (the Semrush
Organic Positions export ``designrush-semrush.csv`` through the rankings import, then an
offline primary-keyword run: :func:`add_site_data`; skipped with a note when absent), then
runs every page script under
``pages/`` with Streamlit's ``AppTest`` (``streamlit.testing``): one warm-up run per screen
(its modules imported, as on a running server), then ``--repeats`` timed runs, reporting the
median script time (wall seconds, and CPU seconds of this process: the stable figure on a
busy shared machine) and its ratios to the Projects screen. The Keyword Lists screen is also timed on each of its tabs (``?tab=…``).

The first (warm-up) run of a screen is also reported for Cannibalization and the Clusters
tab: it computes the report the later reruns read from the per-data-state cache
(:mod:`services.site.report_cache`), with the page's imports.

Run: ``python bench/pages.py [--repeats 3]``. Target (issue 22): every screen ≤ 3x
Projects per rerun; first render under 1 s. The last line is JSON:
``{"keywords": …, "site_pages": …, "projects_s": …, "projects_cpu_s": …, "keyword_lists_s": …,
"keyword_lists_cpu_s": …, "primary_keywords_s": …, "primary_keywords_cpu_s": …,
"keyword_lists_first_render_s": …, "primary_keywords_first_render_s": …,
"keyword_lists_ratio_wall_x": …, "keyword_lists_ratio_cpu_x": …,
"primary_keywords_ratio_wall_x": …, "primary_keywords_ratio_cpu_x": …, "cannibalization_cpu_s": …,
"cannibalization_ratio_cpu_x": …, "cannibalization_first_render_s": …,
"cannibalization_first_render_cpu_s": …, "keyword_lists_clusters_cpu_s": … (same four),
"slowest_screen": …, "slowest_ratio_cpu_x": …}``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from cluster import SOURCES, fresh_project  # noqa: E402

EXPORT = SOURCES[0]  # the Semrush "wordpress" export
#: Semrush Organic Positions of a real site (10k rows, 2,322 URLs): the bench project's site data.
RANKINGS = REPO / ".local" / "devdata" / "designrush-semrush.csv"
PAGES = REPO / "pages"
#: Tabs of the Keyword Lists screen (its ``st.tabs`` labels, bound to ``?tab=``).
LIST_TABS = ("Import", "Discover", "Keywords", "Clusters")


def build_project(tmp: Path) -> tuple[object, str, int, float]:
    """(engine, project id, keywords imported, clustering seconds) of the bench project."""
    from services.clustering.pages import ClusterOptions
    from services.keyword_lists.run import list_embedder, run_list_clustering
    from services.projects.imports import import_keywords

    engine, project_id = fresh_project(tmp, "bench pages")
    pid = str(project_id)
    report = import_keywords(engine, pid, EXPORT.read_bytes(), EXPORT.name)
    t0 = time.perf_counter()
    run_list_clustering(engine, pid, list_embedder, ClusterOptions())
    return engine, pid, report.rows_imported, time.perf_counter() - t0


def add_site_data(engine: object, pid: str) -> dict[str, object]:
    """Import :data:`RANKINGS` through the product's rankings import and run the primary-keyword
    assignment offline (MiniLM relevance, imported metrics as the volume provider), so the
    Primary Keywords screen renders a real table. ``{"site_pages": 0, "site_note": …}`` when the
    export is absent."""
    if not RANKINGS.is_file():
        return {"site_pages": 0, "site_note": f"{RANKINGS.name} absent: no site data"}
    from services.projects.keyword_data import KeywordMetricsSQL
    from services.providers.embeddings import get_embedder
    from services.providers.offline_volume import ImportedVolumeProvider
    from services.site import api as site_api

    imported = site_api.import_rankings(engine, pid, RANKINGS.read_bytes(), RANKINGS.name)  # type: ignore[arg-type]
    t0 = time.perf_counter()
    report = site_api.run_primary_keywords(
        engine,  # type: ignore[arg-type]
        pid,
        embedder=get_embedder("minilm"),
        volume=ImportedVolumeProvider(KeywordMetricsSQL(engine)),  # type: ignore[arg-type]
    )
    return {
        "site_pages": report.pages,
        "site_rankings_rows": imported.rows_imported,
        "site_primary_assigned": report.assigned,
        "site_primary_s": round(time.perf_counter() - t0, 1),
    }


def time_page(path: Path, pid: str, repeats: int, tab: str | None = None) -> dict:
    """Median wall and CPU seconds of ``repeats`` fresh AppTest runs of one page script."""
    from streamlit.testing.v1 import AppTest

    def once() -> tuple[float, float, bool]:
        at = AppTest.from_file(str(path), default_timeout=300)
        at.session_state["_frame"] = True
        at.session_state["project_id"] = pid
        if tab is not None:
            at.query_params["tab"] = tab
        t0, c0 = time.perf_counter(), time.process_time()
        at.run()
        return time.perf_counter() - t0, time.process_time() - c0, bool(at.exception)

    first = once()  # warm-up: the page's imports and cached reports, as on a running server
    runs = [once() for _ in range(repeats)]
    return {
        "wall_s": round(statistics.median(r[0] for r in runs), 3),
        "cpu_s": round(statistics.median(r[1] for r in runs), 3),
        "first_wall_s": round(first[0], 3),
        "first_cpu_s": round(first[1], 3),
        "exception": any(r[2] for r in [first, *runs]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from services.app.bootstrap import AppContext
    from services.app.context import set_app
    from services.core.config import load_settings

    tmp = Path(tempfile.mkdtemp(prefix="bench_pages_"))
    engine, pid, n, cluster_s = build_project(tmp)
    print(f"project: {n:,} keywords imported, clustered in {cluster_s:.1f} s", flush=True)
    site = add_site_data(engine, pid)
    print(f"site data: {site}", flush=True)
    set_app(
        AppContext(
            settings=load_settings(env={"CLUSTER_PLANNER_DATA_DIR": str(tmp)}),
            engine=engine,  # type: ignore[arg-type]
        )
    )
    screens: dict[str, dict] = {}
    for path in sorted(PAGES.glob("*.py")):
        screens[path.stem] = time_page(path, pid, args.repeats)
    for tab in LIST_TABS:
        screens[f"keyword_lists?tab={tab}"] = time_page(
            PAGES / "keyword_lists.py", pid, args.repeats, tab
        )
    base_wall = screens["projects"]["wall_s"] or 1e-9
    base_cpu = screens["projects"]["cpu_s"] or 1e-9
    for name, res in screens.items():
        res["ratio_wall_x"] = round(res["wall_s"] / base_wall, 2)
        res["ratio_cpu_x"] = round(res["cpu_s"] / base_cpu, 2)
        flag = "  EXCEPTION" if res["exception"] else ""
        print(
            f"{name:<28} {res['wall_s']:7.3f} s (CPU {res['cpu_s']:.3f} s)  "
            f"{res['ratio_wall_x']:5.2f}x Projects wall, {res['ratio_cpu_x']:5.2f}x CPU  "
            f"(first render {res['first_wall_s']:.3f} s, CPU {res['first_cpu_s']:.3f} s){flag}",
            flush=True,
        )
    slowest = max(screens, key=lambda k: screens[k]["cpu_s"])
    out: dict[str, object] = {"keywords": n, "site_pages": site["site_pages"]}
    for name in ("projects", "keyword_lists", "primary_keywords"):
        out[f"{name}_s"] = screens[name]["wall_s"]
        out[f"{name}_cpu_s"] = screens[name]["cpu_s"]
    for name in ("keyword_lists", "primary_keywords"):
        out[f"{name}_ratio_wall_x"] = screens[name]["ratio_wall_x"]
        out[f"{name}_ratio_cpu_x"] = screens[name]["ratio_cpu_x"]
        out[f"{name}_first_render_s"] = screens[name]["first_wall_s"]  # with the page's imports
    # The screens issue 22 profiled: reruns, and the first render of a data state (its
    # report computed and cached; with the page's imports on this first run).
    for name, res in (
        ("cannibalization", screens["cannibalization"]),
        ("keyword_lists_clusters", screens["keyword_lists?tab=Clusters"]),
    ):
        out[f"{name}_cpu_s"] = res["cpu_s"]
        out[f"{name}_ratio_cpu_x"] = res["ratio_cpu_x"]
        out[f"{name}_first_render_s"] = res["first_wall_s"]
        out[f"{name}_first_render_cpu_s"] = res["first_cpu_s"]
    out["slowest_screen"] = slowest
    out["slowest_ratio_cpu_x"] = screens[slowest]["ratio_cpu_x"]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
