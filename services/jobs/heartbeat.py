"""A running job: what its handler is handed (:class:`JobContext`) and its watcher thread.

* **Heartbeat and lease.** While a job runs, a watcher thread in its worker writes
  ``heartbeat_at`` every :func:`~services.jobs.registry.heartbeat_s` seconds; a job whose
  heartbeat is older than the lease is interrupted by :mod:`services.jobs.recovery`.
* **Cancel within 2 s.** The watcher polls the cancel flag every
  :data:`~services.jobs.registry.CANCEL_POLL_S`; the handler's next progress report raises at
  once, and a handler busy in a long block gets ``JobCancelled`` raised in its thread after
  :data:`~services.jobs.registry.CANCEL_GRACE_S`.
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time
import uuid
from typing import Any

from sqlalchemy import Engine, select, update

import services.jobs.registry as registry
from db.models import Job, utcnow
from db.session import session_scope
from services.core.errors import JobCancelled
from services.jobs.registry import CANCEL_GRACE_S, CANCEL_POLL_S, JobDeps
from services.jobs.table import finish

log = logging.getLogger(__name__)

#: Jobs running in this process (job id → engine): alive, whatever their heartbeat says.
_running: dict[uuid.UUID, Engine] = {}
_running_lock = threading.Lock()


class JobContext:
    """Handed to a handler: parameters, dependencies, progress reporting, cancellation."""

    def __init__(
        self, job_id: uuid.UUID, project_id: uuid.UUID | None, params: dict[str, Any], deps: JobDeps
    ) -> None:
        self.job_id = job_id
        self.project_id = project_id
        self.params = params
        self.deps = deps
        self.engine = deps.engine
        self._last_write = float("-inf")
        #: Set by the watcher when a cancel was requested: the next report raises at once.
        self.cancelled = threading.Event()

    def progress(self, percent: float, message: str = "") -> None:
        """Record progress (0-100) and a message; raise ``JobCancelled`` if cancel was asked.

        Writes are throttled to one per :func:`~services.jobs.registry.progress_interval_s`
        (reaching 100 always writes); a cancel seen by the watcher raises at once.
        """
        if self.cancelled.is_set():
            raise JobCancelled("cancelled by the user")
        pct = int(max(0, min(100, percent)))
        now = time.monotonic()
        if now - self._last_write < registry.progress_interval_s() and pct < 100:
            return
        self._last_write = now
        with session_scope(self.engine) as s:
            job = s.get(Job, self.job_id)
            if job is None:
                raise JobCancelled("the job was deleted")
            if job.cancel_requested or job.status != "running":
                raise JobCancelled("cancelled by the user")
            job.progress = max(job.progress or 0, pct)
            job.heartbeat_at = utcnow()
            if message:
                job.message = message[:2000]

    def check_cancel(self) -> None:
        """Raise ``JobCancelled`` when a cancel was requested (one query)."""
        if self.cancelled.is_set():
            raise JobCancelled("cancelled by the user")
        with self.engine.connect() as conn:
            row = conn.execute(
                select(Job.cancel_requested, Job.status).where(Job.id == self.job_id)
            ).first()
        if row is None or row[0] or row[1] != "running":
            raise JobCancelled("cancelled by the user")


class Watcher(threading.Thread):
    """Heartbeat and cancel watch of one running job (daemon thread in its worker)."""

    def __init__(self, ctx: JobContext, kind: str, handler_thread: int) -> None:
        super().__init__(name=f"job-watch-{ctx.job_id}", daemon=True)
        self.ctx = ctx
        self.kind = kind
        self.handler_thread = handler_thread
        self.done = threading.Event()
        self.beat_every = registry.heartbeat_s()
        self._inject_lock = threading.Lock()

    def stop(self) -> None:
        """The handler returned: no exception may be raised in its thread from now on."""
        with self._inject_lock:
            self.done.set()

    def run(self) -> None:
        last_beat = time.monotonic()
        while not self.done.wait(CANCEL_POLL_S):
            try:
                if self._cancel_requested():
                    self._cancel()
                    return
                if time.monotonic() - last_beat >= self.beat_every:
                    last_beat = time.monotonic()
                    self._beat()
            except Exception:  # job boundary: a failed look is retried at the next poll
                log.exception("job %s watcher", self.ctx.job_id)

    def _cancel_requested(self) -> bool:
        with self.ctx.engine.connect() as conn:
            row = conn.execute(
                select(Job.cancel_requested, Job.status).where(Job.id == self.ctx.job_id)
            ).first()
        return row is None or bool(row[0]) or row[1] != "running"

    def _beat(self) -> None:
        with session_scope(self.ctx.engine) as s:
            s.execute(
                update(Job)
                .where(Job.id == self.ctx.job_id, Job.status == "running")
                .values(heartbeat_at=utcnow())
            )

    def _cancel(self) -> None:
        """Stop the handler within ~1 s; finalize the job without it if it does not stop."""
        self.ctx.cancelled.set()
        if self.done.wait(CANCEL_GRACE_S):
            return
        # The handler is in a long block without progress reports: raise in its thread
        # (lands at its next Python bytecode; a C call in progress finishes first).
        with self._inject_lock:
            if self.done.is_set():
                return
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(self.handler_thread), ctypes.py_object(JobCancelled)
            )
        if self.done.wait(CANCEL_GRACE_S):
            return
        finish(
            self.ctx.engine,
            self.ctx.job_id,
            "cancelled",
            message="Cancelled",
            only_if=("running",),
        )
        registry.release(self.ctx.engine, self.kind, self.ctx.project_id)
