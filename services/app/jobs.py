"""Background jobs: huey runs long work outside the Streamlit script; state lives in ``jobs``.

Queue engine: huey (https://huey.readthedocs.io). Default storage is ``SqliteHuey`` in the
data dir (``<data dir>/huey.db``): embedded, nothing else to run, queued jobs survive a
restart. With ``REDIS_URL`` set, ``RedisHuey`` is used instead, so consumers on other
machines (``huey_consumer services.app.jobs.huey -k thread``, same ``REDIS_URL`` and
``DATABASE_URL``) take jobs too.

``streamlit run app.py`` starts everything: the app calls :func:`start_worker` once (inside
``st.cache_resource``), which runs an in-process huey consumer in daemon threads.

Job state — kind, status (queued | running | succeeded | failed | cancelled | interrupted),
progress 0-100, message, error, timestamps — is the ``jobs`` table (:class:`db.models.Job`), so
a page that polls :func:`get_job` shows the same progress after a browser refresh, and any
process can cancel. Handlers report progress through :class:`JobContext`, which raises
:class:`~services.core.errors.JobCancelled` once a cancel was requested.

Nothing stays stuck (issue 11):

* **Heartbeat and lease.** While a job runs, a watcher thread in its worker writes
  ``heartbeat_at`` every :data:`DEFAULT_HEARTBEAT_S` (setting ``JOB_HEARTBEAT_S``). A running
  job whose heartbeat is older than the lease, :data:`DEFAULT_LEASE_S` (``JOB_LEASE_S``), or
  whose worker process on this host is gone, is marked ``interrupted`` by whichever process
  looks next — :func:`recover_stale` runs on page load (:mod:`services.app.context`), at
  worker start and before each submit — and its side effects are undone by the kind's release
  hook (list clustering: keywords in ``clustering`` go back to ``qualified``). Budget holds of
  killed runs are settled at the same time (:func:`services.spend.budget.recover_stale_reservations`).
* **SIGTERM.** huey's consumer reports tasks cut short by a shutdown
  (``SIGNAL_INTERRUPTED``); the job is then marked ``interrupted`` and released before the
  process exits (an ``atexit`` hook does the same for the in-process worker).
* **Resume.** :func:`resume` re-queues an interrupted, failed or cancelled job (same id).
* **Double submit.** A job holds ``active_key`` (unique) while queued or running: "kind:project"
  for kinds that work on the whole project (:data:`EXCLUSIVE_PER_PROJECT`), else
  "kind:project:<parameters hash>"; a second submit is refused with
  :class:`~services.core.errors.JobAlreadyActive`.
* **Cancel within 2 s.** The watcher polls the cancel flag every :data:`CANCEL_POLL_S`; the
  handler's next progress report raises at once, and a handler busy in a long block gets
  ``JobCancelled`` raised in its thread after :data:`CANCEL_GRACE_S`.

Handlers by kind come from the composition root (:func:`services.app.bootstrap.job_handlers`),
installed with :func:`configure` or taken from there on first use; the handler modules are
imported only when a worker needs them, so this module stays cheap to import.
"""

from __future__ import annotations

import atexit
import ctypes
import hashlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from huey.consumer import Consumer
from huey.signals import SIGNAL_INTERRUPTED
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError

from db.models import Job, utcnow
from db.session import session_scope
from services.core.errors import (
    ClusterPlannerError,
    InvalidInputError,
    JobAlreadyActive,
    JobCancelled,
    NotFoundError,
    ProviderError,
)
from services.core.ids import as_uuid

log = logging.getLogger(__name__)

#: Job kinds the queue accepts (their handlers: :func:`services.app.bootstrap.job_handlers`).
JOB_KINDS: tuple[str, ...] = (
    "cluster",
    "discovery",
    "primary_keywords",
    "crawl",
    "drafts",
    "import",
)
Handler = Callable[["JobContext"], dict[str, Any]]
#: kind → handler installed by :func:`configure` (tests add their own); empty until then.
HANDLERS: dict[str, Handler] = {}
#: kind → ``release(engine, project_id)``: undo what an interrupted job of that kind left
#: half-done (from :func:`services.app.bootstrap.job_release_hooks`; tests add their own).
RELEASE_HOOKS: dict[str, Callable[[Engine, Any], Any]] = {}
JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled", "interrupted")
ACTIVE = ("queued", "running")
#: Statuses :func:`resume` accepts.
RESUMABLE = ("interrupted", "failed", "cancelled")
#: Kinds of which a project has at most one queued/running job (they work on the whole
#: project: its pending keywords, its site). Other kinds refuse only the same parameters twice.
EXCLUSIVE_PER_PROJECT = frozenset({"cluster", "crawl", "primary_keywords"})
#: Minimum seconds between two progress writes (and cancel checks) of one job.
PROGRESS_INTERVAL_S = 0.5
#: Seconds between two heartbeats of a running job (setting ``JOB_HEARTBEAT_S``).
DEFAULT_HEARTBEAT_S = 5.0
#: A running job without a heartbeat for this long is interrupted (setting ``JOB_LEASE_S``).
DEFAULT_LEASE_S = 60.0
#: Seconds between two looks at the cancel flag by the watcher.
CANCEL_POLL_S = 0.25
#: Seconds a handler gets to stop on its own after a cancel before ``JobCancelled`` is raised
#: in its thread, and again before the watcher finalizes the job without it.
CANCEL_GRACE_S = 0.5
#: Minimum seconds between two :func:`recover_stale` sweeps triggered by page loads.
RECOVER_EVERY_S = 10.0
#: Worker threads of the in-process consumer. One: jobs are CPU-bound (faiss and
#: onnxruntime already use both cores), a second job would only halve the speed of both.
DEFAULT_WORKERS = 1
HUEY_NAME = "cluster-planner"
TASK_NAME = "cluster_planner.run_job"
#: This process, as stored in ``jobs.worker`` ("host:pid"; ``CLUSTER_PLANNER_WORKER_HOST``
#: overrides the host name, e.g. for containers that share a host name).
WORKER_HOST = os.environ.get("CLUSTER_PLANNER_WORKER_HOST") or socket.gethostname()
WORKER_ID = f"{WORKER_HOST}:{os.getpid()}"

_timing: dict[str, float] = {}


def _seconds(key: str, default: float) -> float:
    """A timing setting in seconds: :func:`configure` value, else settings/env, else default."""
    if key in _timing:
        return _timing[key]
    from services.core.config import get_settings

    raw = get_settings().get(key)
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = default
    return value if value > 0 else default


def heartbeat_s() -> float:
    """Seconds between heartbeats (``JOB_HEARTBEAT_S``, default 5)."""
    return _seconds("JOB_HEARTBEAT_S", DEFAULT_HEARTBEAT_S)


def lease_s() -> float:
    """Lease of a running job in seconds (``JOB_LEASE_S``, default 60)."""
    return _seconds("JOB_LEASE_S", DEFAULT_LEASE_S)


@dataclass
class JobDeps:
    """What handlers need, built once per process.

    Attributes
    ----------
    engine : sqlalchemy.Engine
        The database.
    embedder_factory : callable
        ``embedder_factory(n_texts) -> Embedder`` (tier by size).
    app : object, optional
        The :class:`services.app.bootstrap.AppContext` (settings, providers) when available.
    extras : dict
        Test seams (e.g. a fake DataForSEO client under ``"dataforseo_client"``).
    """

    engine: Engine
    embedder_factory: Callable[[int], Any]
    app: Any = None
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class JobView:
    """A job as the page shows it (a detached copy of the row)."""

    id: uuid.UUID
    project_id: uuid.UUID | None
    kind: str
    status: str
    progress: int
    message: str
    error: str | None
    cancel_requested: bool
    params: dict[str, Any]
    result: dict[str, Any]
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        """True while queued or running."""
        return self.status in ACTIVE

    @property
    def can_resume(self) -> bool:
        """True when :func:`resume` can re-queue it (interrupted, failed or cancelled)."""
        return self.status in RESUMABLE


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

        Writes are throttled to one per :data:`PROGRESS_INTERVAL_S` (a change of stage
        message or reaching 100 always writes); a cancel seen by the watcher raises at once.
        """
        if self.cancelled.is_set():
            raise JobCancelled("cancelled by the user")
        pct = int(max(0, min(100, percent)))
        now = time.monotonic()
        if now - self._last_write < PROGRESS_INTERVAL_S and pct < 100:
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


# --------------------------------------------------------------------------- huey wiring
_lock = threading.RLock()
_huey: Huey | None = None
_deps: JobDeps | None = None
_deps_factory: Callable[[], JobDeps] | None = None
_consumer: Consumer | None = None


def build_huey(settings: Any) -> Huey:
    """``RedisHuey`` when ``REDIS_URL`` is set, else ``SqliteHuey`` in the data dir."""
    url = settings.get("REDIS_URL")
    if url:
        return RedisHuey(HUEY_NAME, url=url, results=False)
    return SqliteHuey(HUEY_NAME, filename=str(settings.data_dir / "huey.db"), results=False)


_tasks: dict[int, Any] = {}


def _register(h: Huey) -> Huey:
    """Register :func:`run_job` on ``h`` once (plus the start-up and interruption hooks)."""
    if id(h) not in _tasks:
        _tasks[id(h)] = h.task(name=TASK_NAME)(run_job)
        h.signal(SIGNAL_INTERRUPTED)(_on_interrupted)
        h.on_startup()(_on_worker_startup)
    return h


def _on_worker_startup() -> None:
    """huey worker start: interrupt jobs whose worker died (never blocks the start)."""
    try:
        recover_stale(get_deps().engine)
    except Exception:  # job boundary: housekeeping must not stop the worker
        log.exception("could not recover stale jobs at worker start")


def _on_interrupted(signal: str, task: Any, *args: Any, **kwargs: Any) -> None:
    """huey ``SIGNAL_INTERRUPTED`` (consumer shut down, e.g. SIGTERM): mark the job interrupted."""
    try:
        job_id = uuid.UUID(str(task.args[0]))
        interrupt_job(get_deps().engine, job_id, "Interrupted: the worker was stopped (SIGTERM).")
    except Exception:  # job boundary during shutdown: log and let the process exit
        log.exception("could not mark an interrupted job")


def get_huey() -> Huey:
    """The process-wide huey instance (built from settings on first use)."""
    global _huey
    with _lock:
        if _huey is None:
            from services.core.config import get_settings

            _huey = _register(build_huey(get_settings()))
        return _huey


def __getattr__(name: str) -> Any:
    """``services.app.jobs.huey`` (lazy): the instance an external consumer runs, e.g. on
    another machine with the same ``REDIS_URL`` and ``DATABASE_URL``:
    ``huey_consumer services.app.jobs.huey -k thread -w 1``."""
    if name == "huey":
        return get_huey()
    raise AttributeError(name)


def configure(
    *,
    huey: Huey | None = None,
    deps: JobDeps | None = None,
    deps_factory: Callable[[], JobDeps] | None = None,
    handlers: dict[str, Handler] | None = None,
    release_hooks: dict[str, Callable[[Engine, Any], Any]] | None = None,
    heartbeat_s: float | None = None,
    lease_s: float | None = None,
) -> None:
    """Install a huey instance, handler dependencies, handlers and/or timings (tests, app start).

    Parameters
    ----------
    huey : huey.Huey, optional
        E.g. ``Huey(HUEY_NAME, immediate=True)`` in unit tests.
    deps : JobDeps, optional
        Dependencies handed to handlers.
    deps_factory : callable, optional
        Builds :class:`JobDeps` on first use (default: from :func:`services.app.bootstrap.build_app`).
    handlers : dict, optional
        kind → handler, added to :data:`HANDLERS`.
    release_hooks : dict, optional
        kind → ``release(engine, project_id)``, added to :data:`RELEASE_HOOKS`.
    heartbeat_s, lease_s : float, optional
        Override ``JOB_HEARTBEAT_S`` / ``JOB_LEASE_S`` (seconds; tests keep them small).
    """
    global _huey, _deps, _deps_factory
    with _lock:
        if huey is not None:
            _huey = _register(huey)
        if deps is not None:
            _deps = deps
        if deps_factory is not None:
            _deps_factory = deps_factory
            _deps = None
        if handlers:
            HANDLERS.update(handlers)
        if release_hooks:
            RELEASE_HOOKS.update(release_hooks)
        if heartbeat_s is not None:
            _timing["JOB_HEARTBEAT_S"] = float(heartbeat_s)
        if lease_s is not None:
            _timing["JOB_LEASE_S"] = float(lease_s)


def reset() -> None:
    """Forget the huey instance, dependencies, timings and worker (tests)."""
    global _huey, _deps, _deps_factory
    stop_worker()
    with _lock:
        _huey = None
        _deps = None
        _deps_factory = None
        _timing.clear()


def _default_deps() -> JobDeps:
    from services.app.bootstrap import build_app

    return deps_from_app(build_app())


def deps_from_app(app: Any) -> JobDeps:
    """:class:`JobDeps` from an :class:`services.app.bootstrap.AppContext`."""
    from services.keyword_lists.run import list_embedder

    return JobDeps(engine=app.engine, embedder_factory=list_embedder, app=app)


def get_deps() -> JobDeps:
    """Handler dependencies of this process."""
    global _deps
    with _lock:
        if _deps is None:
            _deps = (_deps_factory or _default_deps)()
        return _deps


# --------------------------------------------------------------------------- public API
def active_key(
    kind: str, project_id: uuid.UUID | None, params: dict[str, Any] | None = None
) -> str:
    """The "one active job" key: ``kind:project`` for :data:`EXCLUSIVE_PER_PROJECT` kinds,
    else ``kind:project:<hash of the parameters>`` (the same job twice)."""
    key = f"{kind}:{project_id or '-'}"
    if kind in EXCLUSIVE_PER_PROJECT:
        return key
    digest = hashlib.sha1(
        json.dumps(params or {}, sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    return f"{key}:{digest}"


def _already_active(engine: Engine, key: str, kind: str) -> JobAlreadyActive:
    with session_scope(engine) as s:
        job = s.execute(select(Job).where(Job.active_key == key)).scalar_one_or_none()
        if job is None:
            return JobAlreadyActive(f"A {kind} job is already queued or running for this project.")
        since = job.started_at or job.created_at
        when = f" since {since:%H:%M} UTC" if since else ""
        return JobAlreadyActive(
            f"A {kind} job is already {job.status}{when} for this project "
            f"({int(job.progress or 0)} %): wait for it to finish or cancel it first."
        )


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
        One of :data:`HANDLERS`.
    project_id : uuid.UUID or str or None
        Owning project.
    params : dict, optional
        JSON-ready handler parameters.
    engine : sqlalchemy.Engine, optional
        Default: the workers' engine (:func:`get_deps`).
    dedupe_key : str, optional
        At most one queued/running job per key; default :func:`active_key`.

    Returns
    -------
    uuid.UUID
        The job id (poll it with :func:`get_job`).

    Raises
    ------
    InvalidInputError
        Unknown kind.
    JobAlreadyActive
        The same job is already queued or running (double submit); nothing was queued.
    ProviderError
        The queue could not be reached (the job row is marked failed).
    """
    if kind not in HANDLERS and kind not in JOB_KINDS:
        raise InvalidInputError(f"Unknown job kind {kind!r}.")
    engine = engine or get_deps().engine
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
        raise _already_active(engine, key, kind) from exc
    _enqueue(engine, job_id)
    return job_id


def _enqueue(engine: Engine, job_id: uuid.UUID) -> None:
    try:
        h = get_huey()
        _tasks[id(h)](str(job_id))
    except ClusterPlannerError:
        raise
    except Exception as exc:  # the queue backend (SQLite file, Redis) is unavailable
        _finish(
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
    engine = engine or get_deps().engine
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
        raise _already_active(engine, key, kind) from exc
    _enqueue(engine, jid)
    return get_job(jid, engine=engine)


# --------------------------------------------------------------------------- running a job
_running: dict[uuid.UUID, Engine] = {}
_running_lock = threading.Lock()


class _Watcher(threading.Thread):
    """Heartbeat and cancel watch of one running job (daemon thread in its worker)."""

    def __init__(self, ctx: JobContext, kind: str, handler_thread: int) -> None:
        super().__init__(name=f"job-watch-{ctx.job_id}", daemon=True)
        self.ctx = ctx
        self.kind = kind
        self.handler_thread = handler_thread
        self.done = threading.Event()
        self.beat_every = heartbeat_s()
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
        _finish(
            self.ctx.engine,
            self.ctx.job_id,
            "cancelled",
            message="Cancelled",
            only_if=("running",),
        )
        _release(self.ctx.engine, self.kind, self.ctx.project_id)


def run_job(job_id: str) -> None:
    """The huey task: run one job's handler and record the outcome in the ``jobs`` row."""
    deps = get_deps()
    engine = deps.engine
    jid = uuid.UUID(job_id)
    with session_scope(engine) as s:
        job = s.get(Job, jid)
        if job is None or job.status != "queued":
            return
        if job.cancel_requested:
            job.status, job.finished_at, job.message = (
                "cancelled",
                utcnow(),
                "Cancelled before it started",
            )
            job.active_key = None
            return
        now = utcnow()
        job.status, job.started_at, job.message = "running", now, "Starting"
        job.heartbeat_at, job.worker = now, WORKER_ID
        kind, project_id, params = job.kind, job.project_id, dict(job.params or {})
    ctx = JobContext(jid, project_id, params, deps)
    watcher = _Watcher(ctx, kind, threading.get_ident())
    with _running_lock:
        _running[jid] = engine
    watcher.start()
    # A budget hold left active in this (reused) worker thread by an earlier job must not
    # meter this one (services.spend.meter is per context; huey reuses its threads).
    from services.spend import meter

    meter.activate(None)
    try:
        _run_handler(engine, jid, kind, ctx, watcher)
    finally:
        watcher.stop()
        meter.activate(None)
        with _running_lock:
            _running.pop(jid, None)


def _run_handler(
    engine: Engine, jid: uuid.UUID, kind: str, ctx: JobContext, watcher: _Watcher
) -> None:
    try:
        try:
            handler = _resolve(kind)
            result = handler(ctx) or {}
        finally:
            watcher.stop()  # no JobCancelled may be raised in this thread past this point
    except JobCancelled:
        _finish(engine, jid, "cancelled", message="Cancelled", only_if=("running",))
        _release(engine, kind, ctx.project_id)  # idempotent; the handler may have done it
        return
    except ClusterPlannerError as exc:
        _finish(engine, jid, "failed", error=str(exc), message="Failed", only_if=("running",))
        return
    except Exception as exc:  # a bug: keep the traceback in the log, the message on the job
        log.exception("job %s (%s) failed", jid, kind)
        _finish(
            engine,
            jid,
            "failed",
            error=f"{type(exc).__name__}: {exc}",
            message="Failed",
            only_if=("running",),
        )
        return
    _finish(
        engine,
        jid,
        "succeeded",
        result=result,
        message=str(result.get("message") or "Done"),
        only_if=("running",),
    )


def _resolve(kind: str) -> Handler:
    handler = HANDLERS.get(kind)
    if handler is None:
        from services.app.bootstrap import job_handlers

        HANDLERS.update({k: v for k, v in job_handlers().items() if k not in HANDLERS})
        handler = HANDLERS.get(kind)
    if handler is None:
        raise InvalidInputError(f"Unknown job kind {kind!r}.")
    return handler


def _release(engine: Engine, kind: str, project_id: Any) -> None:
    """Run the kind's release hook (undo half-done work of an interrupted job)."""
    hook = RELEASE_HOOKS.get(kind)
    if hook is None:
        try:
            from services.app.bootstrap import job_release_hooks
        except ImportError:  # pragma: no cover - an older composition root
            return
        RELEASE_HOOKS.update(
            {k: v for k, v in job_release_hooks().items() if k not in RELEASE_HOOKS}
        )
        hook = RELEASE_HOOKS.get(kind)
    if hook is not None and project_id is not None:
        hook(engine, project_id)


def _finish(
    engine: Engine,
    job_id: uuid.UUID,
    status: str,
    *,
    error: str | None = None,
    message: str | None = None,
    result: dict[str, Any] | None = None,
    only_if: tuple[str, ...] | None = None,
) -> bool:
    """Write a final status; with ``only_if``, only when the job is still in one of those
    statuses (a job already interrupted or cancelled by another process keeps its status).

    Returns
    -------
    bool
        True when the row was written.
    """
    with session_scope(engine) as s:
        job = s.get(Job, job_id)
        if job is None or (only_if is not None and job.status not in only_if):
            return False
        job.status = status
        job.finished_at = utcnow()
        job.active_key = None
        if status == "succeeded":
            job.progress = 100
        if error is not None:
            job.error = error[:10_000]
        if message is not None:
            job.message = message[:2000]
        if result is not None:
            job.result = result
        return True


def interrupt_job(engine: Engine, job_id: uuid.UUID, reason: str) -> bool:
    """Mark a running job ``interrupted`` and release what it held.

    Returns
    -------
    bool
        True when the job was running (and is now interrupted).
    """
    with session_scope(engine) as s:
        job = s.get(Job, job_id)
        if job is None or job.status != "running":
            return False
        kind, project_id, progress = job.kind, job.project_id, int(job.progress or 0)
    done = _finish(
        engine,
        job_id,
        "interrupted",
        error=reason,
        message=f"Interrupted at {progress} % — resume it to run again",
        only_if=("running",),
    )
    if done:
        _release(engine, kind, project_id)
    return done


def _view(job: Job) -> JobView:
    return JobView(
        id=job.id,
        project_id=job.project_id,
        kind=job.kind,
        status=job.status,
        progress=int(job.progress or 0),
        message=job.message or "",
        error=job.error,
        cancel_requested=bool(job.cancel_requested),
        params=dict(job.params or {}),
        result=dict(job.result or {}),
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        heartbeat_at=job.heartbeat_at,
    )


def get_job(job_id: Any, *, engine: Engine | None = None) -> JobView:
    """The job's current state.

    Raises
    ------
    NotFoundError
        No such job.
    """
    engine = engine or get_deps().engine
    with session_scope(engine) as s:
        job = s.get(Job, as_uuid(job_id))
        if job is None:
            raise NotFoundError("That job does not exist.")
        return _view(job)


def latest_job(
    project_id: Any, kind: str | None = None, *, engine: Engine | None = None
) -> JobView | None:
    """The project's most recent job (of ``kind``), e.g. to resume after a browser refresh."""
    engine = engine or get_deps().engine
    stmt = select(Job).where(Job.project_id == as_uuid(project_id))
    if kind:
        stmt = stmt.where(Job.kind == kind)
    with session_scope(engine) as s:
        job = s.execute(stmt.order_by(Job.created_at.desc()).limit(1)).scalar_one_or_none()
        return _view(job) if job else None


def cancel(job_id: Any, *, engine: Engine | None = None) -> JobView:
    """Cancel a job: a queued one at once, a running one within 2 s (see the module notes).

    Raises
    ------
    NotFoundError
        No such job.
    """
    engine = engine or get_deps().engine
    with session_scope(engine) as s:
        job = s.get(Job, as_uuid(job_id))
        if job is None:
            raise NotFoundError("That job does not exist.")
        if job.status == "queued":
            job.status, job.finished_at, job.message = (
                "cancelled",
                utcnow(),
                "Cancelled before it started",
            )
            job.cancel_requested = True
            job.active_key = None
        elif job.status == "running":
            job.cancel_requested = True
            job.message = "Cancelling…"
        return _view(job)


# --------------------------------------------------------------------------- recovery
def _worker_gone(worker: str | None) -> bool:
    """True when ``worker`` ("host:pid") was a process on this host that no longer runs."""
    if not worker or ":" not in worker:
        return False
    host, _, pid = worker.rpartition(":")
    if host != WORKER_HOST or not pid.isdigit():
        return False
    if worker == WORKER_ID:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def recover_stale(engine: Engine, *, lease: float | None = None) -> int:
    """Interrupt running jobs whose lease expired or whose worker is gone; settle dead holds.

    A running job is stale when its last heartbeat (or start) is older than the lease
    (:func:`lease_s`), or when its worker was a process on this host that no longer exists
    (restart after SIGKILL: recovered at once). Stale jobs become ``interrupted`` and their
    kind's release hook runs; budget holds of killed runs are settled
    (:func:`services.spend.budget.recover_stale_reservations`).

    Parameters
    ----------
    engine : sqlalchemy.Engine
    lease : float, optional
        Seconds; default :func:`lease_s`.

    Returns
    -------
    int
        Jobs interrupted.
    """
    cutoff = utcnow() - timedelta(seconds=lease if lease is not None else lease_s())
    last_sign = func.coalesce(Job.heartbeat_at, Job.started_at, Job.updated_at)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Job.id, Job.worker, last_sign < cutoff).where(Job.status == "running")
        ).all()
    recovered = 0
    for jid, worker, expired in rows:
        if jid in _running:
            continue  # alive in this process
        if expired or _worker_gone(worker):
            reason = (
                f"Interrupted: worker {worker} stopped"
                if not expired
                else "Interrupted: no heartbeat from its worker within the lease"
            )
            recovered += int(interrupt_job(engine, jid, reason))
    from services.spend.budget import recover_stale_reservations

    recover_stale_reservations(engine)
    return recovered


_last_sweep: dict[int, float] = {}


def recover_stale_throttled(engine: Engine) -> int:
    """:func:`recover_stale` at most once per :data:`RECOVER_EVERY_S` per engine (page loads).

    Never raises: housekeeping must not break a page.
    """
    now = time.monotonic()
    if now - _last_sweep.get(id(engine), float("-inf")) < RECOVER_EVERY_S:
        return 0
    _last_sweep[id(engine)] = now
    try:
        return recover_stale(engine)
    except Exception:  # boundary: a page load must not fail on housekeeping
        log.exception("could not recover stale jobs")
        return 0


def recover_interrupted(engine: Engine, *, older_than: timedelta = timedelta(0)) -> int:
    """Interrupt every running job not running in this process (the embedded worker restarted).

    Kept for callers of the old API; :func:`recover_stale` is the general form.
    """
    cutoff = utcnow() - older_than
    with engine.connect() as conn:
        ids = (
            conn.execute(select(Job.id).where(Job.status == "running", Job.updated_at <= cutoff))
            .scalars()
            .all()
        )
    return sum(
        int(interrupt_job(engine, jid, "Interrupted: the app restarted while the job ran."))
        for jid in ids
        if jid not in _running
    )


@atexit.register
def _interrupt_own_jobs() -> None:
    """At interpreter exit (SIGTERM to the app): mark this process's running jobs interrupted."""
    with _running_lock:
        running = list(_running.items())
    for jid, engine in running:
        try:
            interrupt_job(engine, jid, "Interrupted: the worker process exited.")
        except Exception:  # exiting: log and go on with the next job
            log.exception("could not mark job %s interrupted at exit", jid)


class _ThreadConsumer(Consumer):
    """huey consumer for a non-main thread: no signal handlers (Streamlit owns the main thread)."""

    def _set_signal_handlers(self) -> None:  # pragma: no cover - trivial
        return None


def start_worker(app: Any = None, *, workers: int = DEFAULT_WORKERS) -> Consumer | None:
    """Start the in-process huey consumer in daemon threads (idempotent).

    Parameters
    ----------
    app : services.app.bootstrap.AppContext, optional
        The app's context (engine, settings); default: built from settings on first job.
    workers : int
        Worker threads.

    Returns
    -------
    huey.consumer.Consumer or None
        The running consumer (None when huey is in immediate mode: jobs run inline).
    """
    global _consumer
    with _lock:
        if app is not None and _deps is None:
            configure(deps=deps_from_app(app))
        h = get_huey()
        if h.immediate:
            return None
        if _consumer is not None:
            return _consumer
        try:
            recover_stale(get_deps().engine)
        except Exception:  # never block start-up on housekeeping
            log.exception("could not recover interrupted jobs")
        consumer = _ThreadConsumer(
            h,
            workers=workers,
            worker_type="thread",
            periodic=False,
            check_worker_health=False,
            initial_delay=0.1,
            max_delay=1.0,
        )
        consumer.start()
        _consumer = consumer
        return consumer


def stop_worker() -> None:
    """Stop the in-process consumer (tests); jobs in flight finish their current block."""
    global _consumer
    with _lock:
        if _consumer is not None:
            _consumer.stop(graceful=False)
            _consumer = None
