"""The queue: huey wiring, submit / resume, and the task that runs one job.

Queue engine: huey (https://huey.readthedocs.io), imported on first use. Default storage is
``SqliteHuey`` in the data dir (``<data dir>/huey.db``): embedded, nothing else to run, queued
jobs survive a restart. With ``REDIS_URL`` set, ``RedisHuey`` is used instead, so consumers
on other machines (``huey_consumer services.app.jobs.huey -k thread``, same ``REDIS_URL`` and
``DATABASE_URL``) take jobs too.

* **SIGTERM.** huey's consumer reports tasks cut short by a shutdown
  (``SIGNAL_INTERRUPTED``); the job is then marked ``interrupted`` and released.
* **Resume.** :func:`resume` re-queues an interrupted, failed or cancelled job (same id).
* **Double submit.** A job holds ``active_key`` (unique) while queued or running (see
  :func:`services.jobs.table.active_key`); a second submit is refused with
  :class:`~services.core.errors.JobAlreadyActive`.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

import services.jobs.registry as registry
from db.models import Job, utcnow
from db.session import session_scope
from services.core.errors import (
    ClusterPlannerError,
    InvalidInputError,
    JobCancelled,
    NotFoundError,
    ProviderError,
)
from services.core.ids import as_uuid
from services.jobs.heartbeat import JobContext, Watcher, _running, _running_lock
from services.jobs.recovery import recover_stale
from services.jobs.registry import HUEY_NAME, RESUMABLE, TASK_MODULE, TASK_NAME, WORKER_ID
from services.jobs.table import JobView, active_key, already_active, finish, get_job, interrupt_job

if TYPE_CHECKING:
    from huey import Huey

log = logging.getLogger(__name__)

_huey: Huey | None = None
_tasks: dict[int, Any] = {}


def build_huey(settings: Any) -> Huey:
    """``RedisHuey`` when ``REDIS_URL`` is set, else ``SqliteHuey`` in the data dir."""
    from huey import RedisHuey, SqliteHuey

    url = settings.get("REDIS_URL")
    if url:
        return RedisHuey(HUEY_NAME, url=url, results=False)
    return SqliteHuey(HUEY_NAME, filename=str(settings.data_dir / "huey.db"), results=False)


def _register(h: Huey) -> Huey:
    """Register :func:`run_job` on ``h`` once (plus the start-up and interruption hooks)."""
    from huey.signals import SIGNAL_INTERRUPTED

    if id(h) not in _tasks:
        task = h.task(name=TASK_NAME, __module__=TASK_MODULE)  # a stable key (see TASK_MODULE)
        _tasks[id(h)] = task(run_job)
        h.signal(SIGNAL_INTERRUPTED)(_on_interrupted)
        h.on_startup()(_on_worker_startup)
    return h


def _on_worker_startup() -> None:
    """huey worker start: interrupt jobs whose worker died (never blocks the start)."""
    try:
        recover_stale(registry.get_deps().engine)
    except Exception:  # job boundary: housekeeping must not stop the worker
        log.exception("could not recover stale jobs at worker start")


def _on_interrupted(signal: str, task: Any, *args: Any, **kwargs: Any) -> None:
    """huey ``SIGNAL_INTERRUPTED`` (consumer shut down, e.g. SIGTERM): mark the job interrupted."""
    try:
        job_id = uuid.UUID(str(task.args[0]))
        engine = registry.get_deps().engine
        interrupt_job(engine, job_id, "Interrupted: the worker was stopped (SIGTERM).")
    except Exception:  # job boundary during shutdown: log and let the process exit
        log.exception("could not mark an interrupted job")


def get_huey() -> Huey:
    """The process-wide huey instance (built from settings on first use)."""
    global _huey
    with registry.lock:
        if _huey is None:
            from services.core.config import get_settings

            _huey = _register(build_huey(get_settings()))
        return _huey


def set_huey(h: Huey | None) -> None:
    """Install a huey instance (tests: ``Huey(HUEY_NAME, immediate=True)``), or forget it."""
    global _huey
    with registry.lock:
        _huey = None if h is None else _register(h)


def submit(
    kind: str,
    project_id: Any,
    params: dict[str, Any] | None = None,
    *,
    engine: Engine | None = None,
    dedupe_key: str | None = None,
) -> uuid.UUID:
    """Create a queued job row and enqueue it.

    Parameters
    ----------
    kind : str
        A registered kind (:func:`services.jobs.registry.register`).
    project_id : uuid.UUID or str or None
        Owning project.
    params : dict, optional
        JSON-ready handler parameters.
    engine : sqlalchemy.Engine, optional
        Default: the workers' engine (:func:`~services.jobs.registry.get_deps`).
    dedupe_key : str, optional
        At most one queued/running job per key; default :func:`~services.jobs.table.active_key`.

    Returns
    -------
    uuid.UUID
        The job id (poll it with :func:`~services.jobs.table.get_job`).

    Raises
    ------
    InvalidInputError
        Unknown kind.
    JobAlreadyActive
        The same job is already queued or running (double submit); nothing was queued.
    ProviderError
        The queue could not be reached (the job row is marked failed).
    """
    if kind not in registry.HANDLERS:
        raise InvalidInputError(f"Unknown job kind {kind!r}.")
    engine = engine or registry.get_deps().engine
    pid = None if project_id is None else as_uuid(project_id)
    key = dedupe_key or active_key(kind, pid, params)
    recover_stale(engine)  # a dead job must not block the next one
    try:
        with session_scope(engine) as s:
            job = Job(
                project_id=pid,
                kind=kind,
                status="queued",
                progress=0,
                message="Waiting for a worker",
                params=params or {},
                result={},
                active_key=key,
            )
            s.add(job)
            s.flush()
            job_id = job.id
    except IntegrityError as exc:
        raise already_active(engine, key, kind) from exc
    _enqueue(engine, job_id)
    return job_id


def _enqueue(engine: Engine, job_id: uuid.UUID) -> None:
    try:
        h = get_huey()
        _tasks[id(h)](str(job_id))
    except ClusterPlannerError:
        raise
    except Exception as exc:  # the queue backend (SQLite file, Redis) is unavailable
        finish(
            engine,
            job_id,
            "failed",
            error=f"Could not queue the job: {type(exc).__name__}: {exc}",
            only_if=("queued",),
        )
        raise ProviderError(f"The job queue is unavailable: {exc}", provider="huey") from exc


def resume(job_id: Any, *, engine: Engine | None = None) -> JobView:
    """Re-queue an interrupted, failed or cancelled job with its parameters (same id).

    Raises
    ------
    NotFoundError
        No such job.
    InvalidInputError
        The job is queued, running or succeeded.
    JobAlreadyActive
        Another job of the same kind is queued or running for the project.
    """
    engine = engine or registry.get_deps().engine
    jid = as_uuid(job_id)
    recover_stale(engine)
    try:
        with session_scope(engine) as s:
            job = s.get(Job, jid)
            if job is None:
                raise NotFoundError("That job does not exist.")
            if job.status not in RESUMABLE:
                raise InvalidInputError(f"A {job.status} job cannot be resumed.")
            kind = job.kind
            key = active_key(job.kind, job.project_id, dict(job.params or {}))
            job.status, job.progress, job.error = "queued", 0, None
            job.message, job.cancel_requested = "Resumed: waiting for a worker", False
            job.started_at = job.finished_at = job.heartbeat_at = None
            job.worker, job.active_key = None, key
            s.flush()
    except IntegrityError as exc:
        raise already_active(engine, key, kind) from exc
    _enqueue(engine, jid)
    return get_job(jid, engine=engine)


def _start(engine: Engine, jid: uuid.UUID) -> tuple[str, Any, dict[str, Any]] | None:
    """Mark a queued job running (kind, project, params), or None when it must not run."""
    with session_scope(engine) as s:
        job = s.get(Job, jid)
        if job is None or job.status != "queued":
            return None
        if job.cancel_requested:
            job.status, job.finished_at, job.message = (
                "cancelled",
                utcnow(),
                "Cancelled before it started",
            )
            job.active_key = None
            return None
        now = utcnow()
        job.status, job.started_at, job.message = "running", now, "Starting"
        job.heartbeat_at, job.worker = now, WORKER_ID
        return job.kind, job.project_id, dict(job.params or {})


def run_job(job_id: str) -> None:
    """The huey task: run one job's handler and record the outcome in the ``jobs`` row."""
    deps = registry.get_deps()
    engine = deps.engine
    jid = uuid.UUID(job_id)
    started = _start(engine, jid)
    if started is None:
        return
    kind, project_id, params = started
    ctx = JobContext(jid, project_id, params, deps)
    watcher = Watcher(ctx, kind, threading.get_ident())
    with _running_lock:
        _running[jid] = engine
    watcher.start()
    # State left in this (reused) worker thread by an earlier job, e.g. an active budget
    # hold, must not leak into this one: the boundary hooks clear it (huey reuses threads).
    registry.job_boundary()
    try:
        _run_handler(engine, jid, kind, ctx, watcher)
    finally:
        watcher.stop()
        registry.job_boundary()
        with _running_lock:
            _running.pop(jid, None)


def _run_handler(
    engine: Engine, jid: uuid.UUID, kind: str, ctx: JobContext, watcher: Watcher
) -> None:
    try:
        try:
            result = registry.handler_for(kind)(ctx) or {}
        finally:
            watcher.stop()  # no JobCancelled may be raised in this thread past this point
    except JobCancelled:
        finish(engine, jid, "cancelled", message="Cancelled", only_if=("running",))
        registry.release(engine, kind, ctx.project_id)  # idempotent; the handler may have
        return
    except ClusterPlannerError as exc:
        finish(engine, jid, "failed", error=str(exc), message="Failed", only_if=("running",))
        return
    except Exception as exc:  # a bug: keep the traceback in the log, the message on the job
        log.exception("job %s (%s) failed", jid, kind)
        finish(
            engine,
            jid,
            "failed",
            error=f"{type(exc).__name__}: {exc}",
            message="Failed",
            only_if=("running",),
        )
        return
    finish(
        engine,
        jid,
        "succeeded",
        result=result,
        message=str(result.get("message") or "Done"),
        only_if=("running",),
    )
