"""Two overlapping imports at once, in opposite row orders, on SQLite and PostgreSQL
(issue 11, item 5): no deadlock, no "database is locked", exact new/updated counts.

Each trial creates a project and starts two threads (own connections) on a barrier: import
A holds keywords ``0 … K-1`` shuffled, import B ``K/2 … 3K/2-1`` in reverse order, so
``K/2`` keywords are shared and locked in opposite file orders. Both go through
:func:`services.projects.imports.import_keywords` (one transaction each, the inline page
path); with ``--mode job`` through ``write_keywords(atomic=False)`` (the import job's
batch commits). Meanwhile a third thread writes a small row every 50 ms (a project rename)
and records how long each write waited; a write that fails ("database is locked") counts.

Checks per trial: no exception, ``inserted_A + inserted_B == 3K/2`` (each keyword new
exactly once), ``updated_A + updated_B == K/2`` and the project holds ``3K/2`` rows.

PostgreSQL runs in a database of its own (default
``postgresql://postgres@127.0.0.1:5432/concurrent_imports``, created when missing).

Run: ``python bench/concurrent_imports.py [--trials 12] [--keywords 20000] [--mode inline|job]
[--db both|sqlite|postgresql]``. The last line is JSON, e.g. ``{"trials": 12,
"sqlite_failed_imports": 0, "sqlite_deadlocks": 0, "sqlite_wrong_counts": 0,
"sqlite_side_writes_failed": 0, "sqlite_side_write_max_wait_s": 0.8, …, "seconds": 40.1}``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select, update  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from db.models import KeywordMetric, Project  # noqa: E402
from db.session import init_db, session_scope  # noqa: E402
from services.projects import imports  # noqa: E402

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/concurrent_imports"


def _export(keywords: list[str], rng: random.Random) -> bytes:
    rows = "".join(f"{k},{rng.randint(10, 5000)},{rng.randint(0, 100)}\n" for k in keywords)
    return ("Keyword,Volume,Keyword Difficulty\n" + rows).encode()


def _pg_engine(url: str, key_file: Path):
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return init_db(url, secret_key=None, key_file=key_file)


@dataclass
class Trial:
    """What one pair of overlapping imports did."""

    failed: int
    deadlocks: int
    locked: int
    errors: list[str]
    wrong_counts: int
    side_failures: int
    side_max_wait_s: float
    seconds: float


def _inputs(engine, keywords: int, seed: int) -> tuple[list[str], dict[str, bytes], object]:
    """The trial's keywords, the two overlapping export files and a new project's id."""
    rng = random.Random(seed)
    words = [f"trail running shoe model {i:06d}" for i in range(keywords * 3 // 2)]
    first = words[:keywords]
    rng.shuffle(first)
    second = words[keywords // 2 :][::-1]
    files = {"a": _export(first, rng), "b": _export(second, rng)}
    with session_scope(engine) as s:
        project = Project(name=f"concurrency {seed}")
        s.add(project)
        s.flush()
        pid = project.id
    return words, files, pid


def _stored(engine, pid) -> int:
    """Keyword rows the project holds."""
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).where(KeywordMetric.project_id == pid)
        ).scalar_one()


def _outcome(
    results: dict[str, object],
    new: int,
    shared: int,
    stored: int,
    side_failures: int,
    waits: list[float],
    seconds: float,
) -> Trial:
    """The trial's record: ``new`` keywords inserted once, ``shared`` updated once."""
    errors = [r for r in results.values() if isinstance(r, Exception)]
    counts = [r for r in results.values() if isinstance(r, tuple)]
    exact = (
        not errors
        and sum(c[0] for c in counts) == new
        and sum(c[1] for c in counts) == shared
        and stored == new
    )
    return Trial(
        failed=len(errors),
        deadlocks=sum("deadlock" in str(e).lower() for e in errors),
        locked=sum("database is locked" in str(e).lower() for e in errors),
        errors=[f"{type(e).__name__}: {str(e).splitlines()[0][:120]}" for e in errors],
        wrong_counts=0 if exact or errors else 1,
        side_failures=side_failures,
        side_max_wait_s=max(waits, default=0.0),
        seconds=seconds,
    )


def trial(engine, keywords: int, mode: str, seed: int) -> Trial:
    """One pair of overlapping imports plus a side writer; what happened."""
    words, files, pid = _inputs(engine, keywords, seed)
    barrier = threading.Barrier(3)
    results: dict[str, object] = {}
    done = threading.Event()
    waits: list[float] = []
    side_failures = 0

    def run(name: str) -> None:
        barrier.wait()
        try:
            if mode == "job":
                frame, _ = imports.parse_keyword_export(files[name])
                results[name] = imports.write_keywords(engine, pid, frame, atomic=False)
            else:
                report = imports.import_keywords(engine, pid, files[name])
                results[name] = (report.inserted, report.updated)
        except Exception as exc:  # noqa: BLE001 - the bench records every failure
            results[name] = exc

    def side_writer() -> None:
        nonlocal side_failures
        barrier.wait()
        n = 0
        while not done.is_set():
            started = time.perf_counter()
            try:
                with engine.begin() as conn:
                    conn.execute(
                        update(Project)
                        .where(Project.id == pid)
                        .values(name=f"concurrency {seed} r{n}")
                    )
            except OperationalError:
                side_failures += 1
            waits.append(time.perf_counter() - started)
            n += 1
            time.sleep(0.05)

    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    threads.append(threading.Thread(target=side_writer))
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads[:2]:
        t.join(timeout=600)
    seconds = time.perf_counter() - started
    done.set()
    threads[2].join(timeout=60)
    stored = _stored(engine, pid)
    return _outcome(results, len(words), keywords // 2, stored, side_failures, waits, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--keywords", type=int, default=20_000)
    parser.add_argument("--mode", choices=["inline", "job"], default="inline")
    parser.add_argument("--db", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args()
    started = time.perf_counter()
    summary: dict[str, object] = {
        "trials": args.trials,
        "keywords_per_import": args.keywords,
        "mode": args.mode,
    }
    with tempfile.TemporaryDirectory() as tmp:
        engines = {}
        if args.db in ("both", "sqlite"):
            engines["sqlite"] = init_db(
                f"sqlite:///{Path(tmp) / 'c.db'}", secret_key=None, key_file=Path(tmp) / "k"
            )
        if args.db in ("both", "postgresql"):
            engines["postgresql"] = _pg_engine(args.pg_url, Path(tmp) / "k")
        for name, engine in engines.items():
            rows = [trial(engine, args.keywords, args.mode, seed) for seed in range(args.trials)]
            for row in rows:
                for error in row.errors:
                    print(f"{name}: {error}")
            summary[f"{name}_failed_imports"] = sum(r.failed for r in rows)
            summary[f"{name}_deadlocks"] = sum(r.deadlocks for r in rows)
            summary[f"{name}_locked"] = sum(r.locked for r in rows)
            summary[f"{name}_wrong_counts"] = sum(r.wrong_counts for r in rows)
            summary[f"{name}_side_writes_failed"] = sum(r.side_failures for r in rows)
            summary[f"{name}_side_write_max_wait_s"] = round(
                max(r.side_max_wait_s for r in rows), 2
            )
            summary[f"{name}_pair_seconds_max"] = round(max(r.seconds for r in rows), 2)
            print(
                f"{name}: {summary[f'{name}_failed_imports']} failed imports "
                f"({summary[f'{name}_deadlocks']} deadlocks), "
                f"{summary[f'{name}_wrong_counts']} wrong counts, "
                f"{summary[f'{name}_side_writes_failed']} side writes failed "
                f"(max wait {summary[f'{name}_side_write_max_wait_s']} s)"
            )
    summary["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
