"""Pages competing for one search on the development rankings exports (issue 18 §3).

For each export under the git-ignored ``.local/devdata/``: import it into a fresh SQLite
project, suggest primary keywords offline (MiniLM, imported metrics), then build the
cannibalization report with MiniLM. Reports the keyword-level conflicts, whether the data
can show them (one URL per keyword), the same-search page pairs and the near-duplicate
pairs, and prints the first ``--show`` near-duplicate pairs to stderr for reading (a
strategist counts the sibling-product pairs among them by eye).

Run: ``python bench/primary_conflicts.py [--show 15] [FILE ...]``. The last line is JSON:
``{"files": {name: {keyword_conflicts, one_url_per_keyword, same_search_pairs,
near_duplicate_pairs, actions, seconds}}}``.
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

from bench.primary_quality import FILES, fresh_project  # noqa: E402
from services.projects.keyword_data import KeywordMetricsSQL  # noqa: E402
from services.providers.embeddings import get_embedder  # noqa: E402
from services.providers.offline_volume import ImportedVolumeProvider  # noqa: E402
from services.site import api  # noqa: E402

DEVDATA = REPO / ".local" / "devdata"


def measure(path: Path, embedder: Any, workdir: Path, show: int) -> dict[str, object]:
    engine, pid = fresh_project(path, workdir)
    api.import_rankings(engine, pid, path.read_bytes(), path.name)
    api.run_primary_keywords(
        engine, pid, embedder=embedder, volume=ImportedVolumeProvider(KeywordMetricsSQL(engine))
    )
    started = time.perf_counter()
    result = api.cannibalization_report(engine, pid, embedder=embedder)
    seconds = time.perf_counter() - started
    pairs = result.near_duplicates
    near = pairs[pairs["Cosine"].notna()]
    same = pairs[pairs["Cosine"].isna()]
    print(f"--- {path.name}: first {show} near-duplicate pairs", file=sys.stderr)
    for row in near.head(show).itertuples(index=False):
        print(f"  {row[1]!r} / {row[3]!r}  [{row[5]}]", file=sys.stderr)
    print(f"--- {path.name}: first {show} same-search pairs", file=sys.stderr)
    for row in same.head(show).itertuples(index=False):
        print(f"  {row[1]!r} / {row[3]!r}  [{row[5]}]", file=sys.stderr)
    return {
        "keyword_conflicts": result.conflicts,
        "one_url_per_keyword": bool(result.notice),
        "same_search_pairs": len(same),
        "near_duplicate_pairs": len(near),
        "actions": pairs["Action"].value_counts().to_dict(),
        "report_seconds": round(seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--show", type=int, default=15)
    args = parser.parse_args()
    embedder = get_embedder("minilm")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.files or [DEVDATA / n for n in FILES]:
            if not path.is_file():
                print(f"missing {path} (see ../shared/data/README.md)", file=sys.stderr)
                continue
            results[path.name] = measure(path, embedder, Path(tmp), args.show)
    print(json.dumps({"files": results}))


if __name__ == "__main__":
    main()
