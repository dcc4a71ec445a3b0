"""Runs that execute inline (the command line) but hold a job slot like a queued job.

One run at a time per project and kind, from the command line as from the page (issue 20
§5): :func:`claim_inline` inserts a ``running`` job row with the kind's ``active_key``, so a
second inline run or a page job meets the unique key and gets :class:`JobAlreadyActive`
instead of racing on the same rows.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError

from db.models import Job, utcnow
from db.session import session_scope
from services.core.errors import JobAlreadyActive
from services.jobs.recovery import recover_stale
from services.jobs.registry import WORKER_ID, heartbeat_s
from services.jobs.table import active_key


@contextlib.contextmanager
def claim_inline(engine: Engine, project_id: uuid.UUID, kind: str) -> Iterator[None]:
    """Hold the project's ``kind`` slot of the jobs table while the block runs inline (a
    command-line run): the same unique ``active_key`` a queued job takes, kept alive with
    heartbeats, freed (succeeded / failed) when the block ends.

    Raises
    ------
    JobAlreadyActive
        A job of that kind is queued or running for the project (its status and progress
        are in the message); nothing ran.
    """
    recover_stale(engine)  # a dead run must not block this one
    now = utcnow()
    try:
        with session_scope(engine) as s:
            job = Job(
                project_id=project_id,
                kind=kind,
                status="running",
                progress=0,
                message="Running from the command line",
                params={"inline": True},
                result={},
                active_key=active_key(kind, project_id),
                started_at=now,
                heartbeat_at=now,
                worker=WORKER_ID,
            )
            s.add(job)
            s.flush()
            job_id = job.id
    except IntegrityError:
        raise JobAlreadyActive(
            f"A {kind} run is already queued or running for this project: wait for it to "
            "finish (or cancel it on the page), then run the command again."
        ) from None
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(engine, job_id, stop), daemon=True)
    beat.start()
    status = "failed"
    try:
        yield
        status = "succeeded"
    finally:
        stop.set()
        beat.join(timeout=5)
        with session_scope(engine) as s:
            s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running")
                .values(status=status, finished_at=utcnow(), active_key=None, progress=100)
            )


def _heartbeat(engine: Engine, job_id: uuid.UUID, stop: threading.Event) -> None:
    while not stop.wait(heartbeat_s()):
        # a missed beat is retried at the next one
        with contextlib.suppress(Exception), session_scope(engine) as s:
            s.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow()))
