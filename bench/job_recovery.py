"""Benchmark: jobs never stay stuck with a Redis-backed ``huey_consumer`` (issue 11 item 1).

Run: ``python bench/job_recovery.py [--pg] [--keywords 40303] [--lease 10]`` (needs Redis on
``REDIS_URL``, default ``redis://127.0.0.1:6379/15``, which is flushed).

A real ``huey_consumer`` subprocess (thread worker, ``bench/_job_worker.py``) runs a "cluster"
job over the project's keywords (marked ``clustering`` as the real run does). Measured:

* SIGTERM (every deploy): seconds from the signal until the job is ``interrupted`` and every
  keyword is back to ``qualified``;
* SIGKILL, then a new consumer on the same host: seconds until interrupted and released
  (the dead worker's pid is noticed at start-up);
* SIGKILL and no new worker, a page load every second: seconds until interrupted (the lease,
  ``--lease`` seconds here; 60 s by default in production);
* cancel while running: seconds from the click until ``cancelled`` and released;
* resume of the interrupted job: it is queued and run again.

Last line: JSON with the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import redis  # noqa: E402
from huey import RedisHuey  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from bench._bench_db import bench_engine  # noqa: E402
from db.models import KeywordMetric  # noqa: E402
from db.session import session_scope  # noqa: E402
from services import jobs  # noqa: E402
from services.app.bootstrap import wire_process  # noqa: E402


def keyword_statuses(engine, project_id) -> dict[str, int]:
    with session_scope(engine) as s:
        rows = s.execute(
            select(KeywordMetric.status, func.count())
            .where(KeywordMetric.project_id == project_id)
            .group_by(KeywordMetric.status)
        ).all()
    return {k: int(v) for k, v in rows}


def wait(predicate, timeout: float, step: float = 0.05) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if predicate():
            return time.perf_counter() - started
        time.sleep(step)
    raise TimeoutError("condition not met")


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", action="store_true")
    ap.add_argument("--keywords", type=int, default=40_303)
    ap.add_argument("--lease", type=float, default=10.0)
    ap.add_argument("--schema", choices=("migrations", "models"), default="migrations")
    return ap.parse_args()


def seed_project(engine, keywords: int):
    """The bench project and its ``keywords`` qualified keywords; returns the project id."""
    with engine.begin() as conn:  # raw SQL: independent of other packages' new columns
        pid = "0" * 31 + "1"
        conn.execute(
            text(
                "INSERT INTO projects (id, name, domain, brand_config, location_name, "
                "language_name, created_at, updated_at) VALUES (:id, 'Bench', 'b.example', "
                "'{}', 'United States', 'English', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {
                "id": pid
                if engine.dialect.name == "sqlite"
                else pid[:8]
                + "-"
                + pid[8:12]
                + "-"
                + pid[12:16]
                + "-"
                + pid[16:20]
                + "-"
                + pid[20:]
            },
        )
    with session_scope(engine) as s:
        import uuid

        project_id = uuid.UUID(int=1)
        s.bulk_insert_mappings(
            KeywordMetric,
            [
                {
                    "id": uuid.uuid4(),
                    "project_id": project_id,
                    "keyword": f"keyword {i}",
                    "search_volume": i % 1000,
                    "source": "semrush",
                    "status": "qualified",
                }
                for i in range(keywords)
            ],
        )
    return project_id


def consumer(url: str, redis_url: str, lease: float) -> tuple[dict[str, str], list[str]]:
    """The environment and command line of a ``huey_consumer`` worker."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "JOB_HEARTBEAT_S": "1",
        "JOB_LEASE_S": str(lease),
        "BENCH_JOB_SECONDS": "120",
        "PYTHONPATH": str(REPO),
    }
    consumer_cmd = [
        str(Path(sys.executable).parent / "huey_consumer"),
        "bench._job_worker.huey",
        "-k",
        "thread",
        "-w",
        "1",
        "-d",
        "0.05",
        "-m",
        "0.2",
    ]
    return env, consumer_cmd


def report(args: argparse.Namespace, results: dict[str, float]) -> None:
    """The summary line and the JSON line."""
    db = "postgresql" if args.pg else "sqlite"
    print(
        f"{db}, {args.keywords:,} keywords, lease {args.lease:g} s: "
        + ", ".join(f"{k} {v:.2f}" for k, v in results.items())
    )
    print(
        json.dumps(
            {"database": db, "keywords": args.keywords, "lease_s": args.lease}
            | {k: round(v, 2) for k, v in results.items()}
        )
    )


def main() -> None:
    args = parse_args()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    redis.Redis.from_url(redis_url).flushdb()
    with bench_engine(args.pg, args.schema) as (engine, url):
        project_id = seed_project(engine, args.keywords)
        env, consumer_cmd = consumer(url, redis_url, args.lease)
        wire_process()  # as the app does at start: the queue knows the kinds
        jobs.reset()
        jobs.configure(
            huey=RedisHuey(jobs.HUEY_NAME, url=redis_url, results=False),
            deps=jobs.JobDeps(engine=engine, embedder_factory=lambda n: None),
            lease_s=args.lease,
        )
        results: dict[str, float] = {}

        workers: list[subprocess.Popen] = []

        def start_worker(extra: dict[str, str] | None = None) -> subprocess.Popen:
            proc = subprocess.Popen(
                consumer_cmd,
                cwd=REPO,
                env={**env, **(extra or {})},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            workers.append(proc)
            return proc

        def submit_and_wait_running() -> object:
            job_id = jobs.submit("cluster", project_id, engine=engine)
            wait(lambda: jobs.get_job(job_id, engine=engine).progress >= 5, 60)
            assert keyword_statuses(engine, project_id) == {"clustering": args.keywords}
            return job_id

        def released() -> bool:
            return keyword_statuses(engine, project_id) == {"qualified": args.keywords}

        try:
            measure(
                results, start_worker, submit_and_wait_running, released, engine, project_id, args
            )
        finally:
            for proc in workers:  # only the consumers this bench started
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(10)
        jobs.reset()
    report(args, results)


def measure(results, start_worker, submit_and_wait_running, released, engine, project_id, args):
    """The four measurements (see the module docstring)."""
    # 1. SIGTERM
    worker = start_worker()
    job_id = submit_and_wait_running()
    time.sleep(1.0)
    t0 = time.perf_counter()
    worker.send_signal(signal.SIGTERM)
    wait(lambda: jobs.get_job(job_id, engine=engine).status == "interrupted", 30)
    results["sigterm_interrupted_s"] = time.perf_counter() - t0
    wait(released, 30)
    results["sigterm_released_s"] = time.perf_counter() - t0
    worker.wait(30)
    print(
        f"SIGTERM: {jobs.get_job(job_id, engine=engine).message} / {keyword_statuses(engine, project_id)}"
    )

    # 2. resume runs it again; SIGKILL; a new worker on the same host recovers at start.
    worker = start_worker()
    jobs.resume(job_id, engine=engine)
    wait(
        lambda: (
            jobs.get_job(job_id, engine=engine).status == "running"
            and jobs.get_job(job_id, engine=engine).progress >= 5
        ),
        60,
    )
    results["resumed"] = 1.0
    time.sleep(1.0)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    t0 = time.perf_counter()
    worker = start_worker()
    wait(lambda: jobs.get_job(job_id, engine=engine).status == "interrupted", 60)
    results["sigkill_restart_interrupted_s"] = time.perf_counter() - t0
    wait(released, 30)
    results["sigkill_restart_released_s"] = time.perf_counter() - t0

    # 3. cancel latency while running.
    job2 = submit_and_wait_running()
    time.sleep(1.0)
    t0 = time.perf_counter()
    jobs.cancel(job2, engine=engine)
    wait(lambda: jobs.get_job(job2, engine=engine).status == "cancelled", 30, 0.02)
    results["cancel_s"] = time.perf_counter() - t0
    wait(released, 30, 0.02)
    results["cancel_released_s"] = time.perf_counter() - t0

    # 4. SIGKILL and no new worker: the lease, noticed by page loads (one per second). The
    # worker says it runs on another machine, so its dead pid cannot be seen from here.
    worker.send_signal(signal.SIGTERM)
    worker.wait(30)
    worker = start_worker({"CLUSTER_PLANNER_WORKER_HOST": "another-machine"})
    job3 = submit_and_wait_running()
    time.sleep(1.0)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    t0 = time.perf_counter()

    def page_load() -> bool:
        jobs.recover_stale(engine)  # what services.app.context.get_app does (throttled)
        return jobs.get_job(job3, engine=engine).status == "interrupted"

    wait(page_load, args.lease * 3 + 10, 1.0)
    results["sigkill_lease_interrupted_s"] = time.perf_counter() - t0
    wait(released, 30)
    results["sigkill_lease_released_s"] = time.perf_counter() - t0


if __name__ == "__main__":
    main()
