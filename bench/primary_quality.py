"""Primary-keyword quality on the development rankings exports (issue 9, "Tests and measures").

For each export kept under the git-ignored ``.local/devdata/`` (fetched from the public
repositories listed in ``../shared/data/README.md``; never committed): import it into a fresh
SQLite project (no crawl: pages are known from the rankings only, so relevance is measured
against the URL slug's words), run the primary-keyword assignment offline (MiniLM, imported
metrics) and compare, per URL, the chosen primary with the keyword that brings the page the
most traffic — GSC clicks, Semrush "Traffic", Ahrefs "Organic traffic", summed over the
export's rows for that (URL, keyword) — the truth. top-1: primary == truth; top-5: truth
among the primary and the first four alternatives. URLs whose best keyword brings 0 traffic
are left out (no truth).

``--no-performance`` scores without the clicks/traffic confidence boost (relevance + volume
+ competition only), to show how much of the rate comes from the rankings themselves.

Run: ``python bench/primary_quality.py [--no-performance] [FILE ...]``. The last line is
JSON: ``{"files": {name: {rows_read, rows_imported, skipped, urls_scored, top1_rate,
top5_rate, seconds}}}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from db.models import Project  # noqa: E402
from db.session import init_db, session_scope  # noqa: E402
from services.projects.keyword_data import KeywordMetricsSQL  # noqa: E402
from services.providers.embeddings import get_embedder  # noqa: E402
from services.providers.offline_volume import ImportedVolumeProvider  # noqa: E402
from services.site import api, primary, primary_scoring  # noqa: E402
from services.site.rankings import parse_rankings_export  # noqa: E402

DEVDATA = REPO / ".local" / "devdata"
FILES = [
    "designrush-semrush.csv",
    "grange-semrush.csv",
    "oralb-ahrefs.csv",
    "gsc-insights.csv",
]


def truth(data: bytes, name: str) -> dict[str, str]:
    """normalized_url → keyword with the most traffic (clicks for GSC)."""
    rows, _metrics, report = parse_rankings_export(data, name)
    measure = "clicks" if report.tool == "gsc" else "estimated_traffic"
    per = rows.groupby(["normalized_url", "keyword"], as_index=False)[measure].sum()
    per = per[per[measure] > 0].sort_values(
        [measure, "keyword"], ascending=[False, True], kind="stable"
    )
    best = per.drop_duplicates("normalized_url")
    return dict(zip(best["normalized_url"], best["keyword"], strict=True))


def fresh_project(path: Path, workdir: Path) -> tuple[Any, Any]:
    """(engine, project id) of a new SQLite database under ``workdir`` for one export."""
    engine = init_db(
        f"sqlite:///{workdir / (path.stem + '.db')}", secret_key=None, key_file=workdir / "k"
    )
    with session_scope(engine) as s:
        project = Project(name=path.stem, domain="")
        s.add(project)
        s.flush()
        return engine, project.id


def measure(path: Path, embedder: Any, workdir: Path) -> dict[str, object]:
    data = path.read_bytes()
    engine, pid = fresh_project(path, workdir)
    started = time.perf_counter()
    report = api.import_rankings(engine, pid, data, path.name)
    run = api.run_primary_keywords(
        engine, pid, embedder=embedder, volume=ImportedVolumeProvider(KeywordMetricsSQL(engine))
    )
    seconds = time.perf_counter() - started
    best = truth(data, path.name)
    table = api.primary_keywords_table(engine, pid)
    from services.core.urls import normalize_url

    top1 = top5 = scored = 0
    for row in table.itertuples(index=False):
        want = best.get(normalize_url(row.url))
        if want is None:
            continue
        scored += 1
        ranked = [row.primary, *[a["keyword"] for a in row.alternatives or []]][:5]
        top1 += row.primary == want
        top5 += want in ranked
    return {
        "tool": report.tool,
        "rows_read": report.rows_read,
        "rows_imported": report.rows_imported,
        "duplicates_merged": report.duplicates_merged,
        "skipped": report.skipped,
        "skipped_reasons": report.skipped_reasons,
        "pages": report.pages,
        "keywords": report.keywords,
        "fallbacks": run.fallbacks,
        "urls_scored": scored,
        "top1_rate": round(top1 / scored, 3) if scored else None,
        "top5_rate": round(top5 / scored, 3) if scored else None,
        "seconds": round(seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--no-performance", action="store_true")
    args = parser.parse_args()
    paths = args.files or [DEVDATA / name for name in FILES]
    if args.no_performance:
        original = primary.score_candidate

        def no_boost(candidate: primary.Candidate) -> primary.Candidate:
            candidate.share = 0.0
            return original(candidate)

        primary_scoring.score_candidate = no_boost  # type: ignore[assignment]
    embedder = get_embedder("minilm")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            if not path.is_file():
                print(f"missing {path} (fetch it, see ../shared/data/README.md)", file=sys.stderr)
                continue
            results[path.name] = measure(path, embedder, Path(tmp))
            print(path.name, results[path.name], file=sys.stderr)
    print(json.dumps({"performance_boost": not args.no_performance, "files": results}))


if __name__ == "__main__":
    main()
