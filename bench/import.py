"""Benchmark: import a 100,000-row Semrush export into a fresh SQLite database.

The export is built in memory from the team's shared Semrush files (never copied into the
repository): both files are brought to the Keyword Magic Tool layout and repeated with a
" v<N>" suffix on every keyword until there are 100,000 distinct rows. Only
:func:`services.projects.imports.import_keywords` is timed (parse + upsert, one transaction).

Run: ``python bench/import.py``. Target: 100,000 rows in at most 3 s. The last line of the
output is JSON: ``{"rows": ..., "seconds": ...}``.
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import pandas as pd  # noqa: E402

from db.models import Project  # noqa: E402
from db.session import init_db, session_scope  # noqa: E402
from services.core.text import normalize_keyword  # noqa: E402
from services.projects.imports import import_keywords  # noqa: E402

DATA = REPO.parent / "shared" / "data"
SOURCES = [
    DATA / "semrush-wordpress" / "wordpress_broad-match_us_2026-04-24.csv",
    DATA / "semrush-add-to-website-clustered" / "add-to-website_broad-match_us_2026-04-22.csv",
]
ROWS = 100_000
TARGET_SECONDS = 3.0


def build_export(rows: int = ROWS) -> bytes:
    """A Semrush Keyword Magic CSV (UTF-8) of ``rows`` distinct keywords, in memory."""
    frames = [pd.read_csv(path, dtype=str, keep_default_na=False) for path in SOURCES]
    columns = list(frames[-1].columns)  # the wider layout (adds Competitive Density, …)
    base = pd.concat([f.reindex(columns=columns, fill_value="") for f in frames], ignore_index=True)
    # Distinct after normalisation, so every suffix variant " v<N>" is a new keyword too.
    base = base[~base["Keyword"].map(normalize_keyword).duplicated()].reset_index(drop=True)
    copies = []
    variant = 0
    while sum(len(c) for c in copies) < rows:
        copy = base.copy()
        if variant:
            copy["Keyword"] = copy["Keyword"] + f" v{variant}"
        copies.append(copy)
        variant += 1
    export = pd.concat(copies, ignore_index=True).head(rows)
    buffer = io.StringIO()
    export.to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def main() -> None:
    data = build_export()
    with tempfile.TemporaryDirectory() as tmp:
        engine = init_db(
            f"sqlite:///{Path(tmp) / 'bench.db'}", secret_key=None, key_file=Path(tmp) / "key"
        )
        with session_scope(engine) as session:
            project = Project(name="Bench")
            session.add(project)
            session.flush()
            project_id = project.id
        stages: dict[str, float] = {}
        started, cpu_started = time.perf_counter(), time.process_time()

        def progress(fraction: float, message: str) -> None:
            if fraction in (0.1, 1.0):
                label = "parsed" if fraction == 0.1 else "committed"
                stages[label] = round(time.perf_counter() - started, 3)

        report = import_keywords(engine, project_id, data, "bench.csv", progress)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        engine.dispose()
    print(f"file: {len(data) / 1e6:.1f} MB, tool {report.tool}, rows read {report.rows_read:,}")
    print(
        f"imported {report.rows_imported:,} keywords ({report.inserted:,} new, "
        f"{report.updated:,} updated, {report.duplicates_merged:,} merged, "
        f"{report.skipped:,} skipped)"
    )
    print(f"stages (s from start): {stages}")
    verdict = "OK" if seconds <= TARGET_SECONDS else f"SLOW (target {TARGET_SECONDS:.0f} s)"
    print(
        f"{report.rows_read:,} rows in {seconds:.2f} s wall ({cpu_seconds:.2f} s CPU) = "
        f"{report.rows_read / seconds:,.0f} rows/s  {verdict}"
    )
    print(json.dumps({"rows": report.rows_read, "seconds": round(seconds, 3)}))


if __name__ == "__main__":
    main()
