"""The worker of ``bench/job_recovery.py``: ``huey_consumer bench._job_worker.huey -k thread``.

The real queue (:mod:`services.jobs`: RedisHuey from ``REDIS_URL``, heartbeat,
lease, SIGTERM hook, the list-clustering release hook) with one stand-in handler for
kind "cluster": it marks the project's keywords ``clustering`` like the real run, then works
in Python for ``BENCH_JOB_SECONDS`` reporting progress every 0.5 s (the real run needs MiniLM
and minutes of CPU; what is measured here is the queue, not the clustering).
"""

from __future__ import annotations

import os
import time
from typing import Any

from db.session import get_engine
from services import jobs
from services.keyword_lists import store as list_store


def cluster_standin(ctx: Any) -> dict[str, Any]:
    """Mark keywords ``clustering``, then compute for ``BENCH_JOB_SECONDS`` seconds."""
    list_store.mark_clustering(ctx.engine, ctx.project_id)
    seconds = float(os.environ.get("BENCH_JOB_SECONDS", "60"))
    started = time.monotonic()
    while (elapsed := time.monotonic() - started) < seconds:
        sum(range(20_000))
        ctx.progress(100 * elapsed / seconds, "Planning clusters")
    list_store.reset_clustering(ctx.engine, ctx.project_id)
    return {"message": "stand-in finished"}


jobs.configure(
    deps=jobs.JobDeps(
        engine=get_engine(os.environ["DATABASE_URL"]), embedder_factory=lambda n: None
    ),
    handlers={"cluster": cluster_standin},
    release_hooks={"cluster": list_store.reset_clustering},
)
huey = jobs.get_huey()
