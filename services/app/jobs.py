"""Background jobs: huey runs long work outside the Streamlit script; state lives in ``jobs``.

Queue engine: huey (https://huey.readthedocs.io). Default storage is ``SqliteHuey`` in the
data dir (``<data dir>/huey.db``): embedded, nothing else to run, queued jobs survive a
restart. With ``REDIS_URL`` set, ``RedisHuey`` is used instead, so consumers on other
machines (``huey_consumer services.app.jobs.huey -k thread``, same ``REDIS_URL`` and
``DATABASE_URL``) take jobs too.

``streamlit run app.py`` starts everything: the app calls :func:`start_worker` once (inside
``st.cache_resource``), which runs an in-process huey consumer in daemon threads.

Job state — kind, status (queued | running | succeeded | failed | cancelled), progress
0-100, message, error, timestamps — is the ``jobs`` table (:class:`db.models.Job`), so a
page that polls :func:`get_job` shows the same progress after a browser refresh, and any
process can cancel. Handlers report progress through :class:`JobContext`, which also
raises :class:`~services.keyword_lists.run.JobCancelled` between blocks once a cancel was
requested.

Handlers by kind come from the composition root (:func:`services.app.bootstrap.job_handlers`),
installed with :func:`configure` or taken from there on first use; the handler modules are
imported only when a worker needs them, so this module stays cheap to import.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from huey import Huey, RedisHuey, SqliteHuey
from huey.consumer import Consumer
from sqlalchemy import CursorResult, Engine, select, update

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

log = logging.getLogger(__name__)

#: Job kinds the queue accepts (their handlers: :func:`services.app.bootstrap.job_handlers`).
JOB_KINDS: tuple[str, ...] = (
    "cluster",
    "discovery",
    "primary_keywords",
    "crawl",
    "drafts",
)
Handler = Callable[["JobContext"], dict[str, Any]]
#: kind → handler installed by :func:`configure` (tests add their own); empty until then.
HANDLERS: dict[str, Handler] = {}
JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
ACTIVE = ("queued", "running")
#: Minimum seconds between two progress writes (and cancel checks) of one job.
PROGRESS_INTERVAL_S = 0.5
#: Worker threads of the in-process consumer. One: jobs are CPU-bound (faiss and
#: onnxruntime already use both cores), a second job would only halve the speed of both.
DEFAULT_WORKERS = 1
HUEY_NAME = "cluster-planner"
TASK_NAME = "cluster_planner.run_job"


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

    @property
    def is_active(self) -> bool:
        """True while queued or running."""
        return self.status in ACTIVE


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

    def progress(self, percent: float, message: str = "") -> None:
        """Record progress (0-100) and a message; raise ``JobCancelled`` if cancel was asked.

        Writes are throttled to one per :data:`PROGRESS_INTERVAL_S` (a change of stage
        message or reaching 100 always writes).
        """
        pct = int(max(0, min(100, percent)))
        now = time.monotonic()
        if now - self._last_write < PROGRESS_INTERVAL_S and pct < 100:
            return
        self._last_write = now
        with session_scope(self.engine) as s:
            job = s.get(Job, self.job_id)
            if job is None:
                raise JobCancelled("the job was deleted")
            if job.cancel_requested:
                raise JobCancelled("cancelled by the user")
            job.progress = max(job.progress or 0, pct)
            if message:
                job.message = message[:2000]

    def check_cancel(self) -> None:
        """Raise ``JobCancelled`` when a cancel was requested (one query)."""
        with self.engine.connect() as conn:
            flag = conn.execute(select(Job.cancel_requested).where(Job.id == self.job_id)).scalar()
        if flag is None or flag:
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
    """Register :func:`run_job` on ``h`` once; keep the task wrapper to enqueue with."""
    if id(h) not in _tasks:
        _tasks[id(h)] = h.task(name=TASK_NAME)(run_job)
    return h


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
) -> None:
    """Install a huey instance, handler dependencies and/or handlers (tests, the app at start-up).

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


def reset() -> None:
    """Forget the huey instance, dependencies and worker (tests)."""
    global _huey, _deps, _deps_factory
    stop_worker()
    with _lock:
        _huey = None
        _deps = None
        _deps_factory = None


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
def submit(
    kind: str,
    project_id: Any,
    params: dict[str, Any] | None = None,
    *,
    engine: Engine | None = None,
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

    Returns
    -------
    uuid.UUID
        The job id (poll it with :func:`get_job`).

    Raises
    ------
    InvalidInputError
        Unknown kind.
    ProviderError
        The queue could not be reached (the job row is marked failed).
    """
    if kind not in HANDLERS and kind not in JOB_KINDS:
        raise InvalidInputError(f"Unknown job kind {kind!r}.")
    engine = engine or get_deps().engine
    pid = None if project_id is None else as_uuid(project_id)
    with session_scope(engine) as s:
        job = Job(
            project_id=pid,
            kind=kind,
            status="queued",
            progress=0,
            message="Waiting for a worker",
            params=params or {},
            result={},
        )
        s.add(job)
        s.flush()
        job_id = job.id
    try:
        h = get_huey()
        _tasks[id(h)](str(job_id))
    except ClusterPlannerError:
        raise
    except Exception as exc:  # the queue backend (SQLite file, Redis) is unavailable
        _finish(
            engine, job_id, "failed", error=f"Could not queue the job: {type(exc).__name__}: {exc}"
        )
        raise ProviderError(f"The job queue is unavailable: {exc}", provider="huey") from exc
    return job_id


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
            return
        job.status, job.started_at, job.message = "running", utcnow(), "Starting"
        kind, project_id, params = job.kind, job.project_id, dict(job.params or {})
    ctx = JobContext(jid, project_id, params, deps)
    try:
        handler = _resolve(kind)
        result = handler(ctx) or {}
    except JobCancelled:
        _finish(engine, jid, "cancelled", message="Cancelled")
        return
    except ClusterPlannerError as exc:
        _finish(engine, jid, "failed", error=str(exc), message="Failed")
        return
    except Exception as exc:  # a bug: keep the traceback in the log, the message on the job
        log.exception("job %s (%s) failed", jid, kind)
        _finish(engine, jid, "failed", error=f"{type(exc).__name__}: {exc}", message="Failed")
        return
    _finish(engine, jid, "succeeded", result=result, message=str(result.get("message") or "Done"))


def _resolve(kind: str) -> Handler:
    handler = HANDLERS.get(kind)
    if handler is None:
        from services.app.bootstrap import job_handlers

        HANDLERS.update({k: v for k, v in job_handlers().items() if k not in HANDLERS})
        handler = HANDLERS.get(kind)
    if handler is None:
        raise InvalidInputError(f"Unknown job kind {kind!r}.")
    return handler


def _finish(
    engine: Engine,
    job_id: uuid.UUID,
    status: str,
    *,
    error: str | None = None,
    message: str | None = None,
    result: dict[str, Any] | None = None,
) -> None:
    with session_scope(engine) as s:
        job = s.get(Job, job_id)
        if job is None:
            return
        job.status = status
        job.finished_at = utcnow()
        if status == "succeeded":
            job.progress = 100
        if error is not None:
            job.error = error[:10_000]
        if message is not None:
            job.message = message[:2000]
        if result is not None:
            job.result = result


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
    """Cancel a job: a queued one at once, a running one at its next progress report.

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
        elif job.status == "running":
            job.cancel_requested = True
            job.message = "Cancelling…"
        return _view(job)


def recover_interrupted(engine: Engine, *, older_than: timedelta = timedelta(0)) -> int:
    """Mark ``running`` jobs as failed after a restart of the only (embedded) worker.

    Only valid with the embedded SQLite queue, where every worker lives in this process.
    """
    cutoff = utcnow() - older_than
    with session_scope(engine) as s:
        res = s.execute(
            update(Job)
            .where(Job.status == "running", Job.updated_at <= cutoff)
            .values(
                status="failed",
                error="Interrupted: the app restarted while the job ran.",
                finished_at=utcnow(),
            )
        )
        return int(cast("CursorResult[Any]", res).rowcount or 0)


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
        if isinstance(h, SqliteHuey):
            try:
                recover_interrupted(get_deps().engine)
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
