"""What the queue knows about the rest of the program: handlers, hooks, dependencies, timings.

The queue sits below the features and imports none of them. The composition root
(:func:`services.app.bootstrap.wire_process`) hands it, at start-up of the app, the CLI or a
worker:

* a handler per job kind (:func:`register`), with the kind's release hook (what an
  interrupted job of that kind leaves half-done) and whether the kind works on the whole
  project (one queued/running job per project);
* hooks run around every job and after every stale-job sweep (:func:`add_hooks`; the spend
  meter and the budget holds of killed runs);
* the dependencies handlers get (:class:`JobDeps`, built lazily by a factory).

This is the message-bus shape of cosmicpython/code (``bootstrap.py`` hands a ``{kind:
handler}`` map to ``messagebus.py``).
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from services.core.errors import InvalidInputError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from services.jobs.context import JobContext

Handler = Callable[["JobContext"], dict[str, Any]]
ReleaseHook = Callable[["Engine", Any], Any]

#: kind → handler (:func:`register`; tests add their own with ``monkeypatch.setitem``).
HANDLERS: dict[str, Handler] = {}
#: kind → ``release(engine, project_id)``: undo what an interrupted job of that kind left
#: half-done (list clustering: keywords in ``clustering`` go back to ``qualified``).
RELEASE_HOOKS: dict[str, ReleaseHook] = {}
#: Kinds of which a project has at most one queued/running job (they work on the whole
#: project: its pending keywords, its site). Other kinds refuse only the same parameters twice.
EXCLUSIVE_PER_PROJECT: set[str] = set()
#: Called with no argument before and after every job in its worker thread.
JOB_BOUNDARY_HOOKS: list[Callable[[], Any]] = []
#: Called with the engine after every stale-job sweep (:func:`services.jobs.recover_stale`).
SWEEP_HOOKS: list[Callable[[Engine], Any]] = []

JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled", "interrupted")
ACTIVE = ("queued", "running")
#: Statuses :func:`services.jobs.resume` accepts.
RESUMABLE = ("interrupted", "failed", "cancelled")
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
#: Minimum seconds between two stale-job sweeps triggered by page loads.
RECOVER_EVERY_S = 10.0
#: Worker threads of the in-process consumer. One: jobs are CPU-bound (faiss and
#: onnxruntime already use both cores), a second job would only halve the speed of both.
DEFAULT_WORKERS = 1
HUEY_NAME = "cluster-planner"
TASK_NAME = "cluster_planner.run_job"
#: Module part of the key huey stores queued tasks under: the queue's old home, kept so that
#: tasks queued (SQLite file, Redis) by a version before ``services/jobs`` still run.
TASK_MODULE = "services.app.jobs"
#: This process, as stored in ``jobs.worker`` ("host:pid"; ``CLUSTER_PLANNER_WORKER_HOST``
#: overrides the host name, e.g. for containers that share a host name).
WORKER_HOST = os.environ.get("CLUSTER_PLANNER_WORKER_HOST") or socket.gethostname()
WORKER_ID = f"{WORKER_HOST}:{os.getpid()}"


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


lock = threading.RLock()
_timing: dict[str, float] = {}
_deps: JobDeps | None = None
_deps_factory: Callable[[], JobDeps] | None = None
#: Installed by the composition root; survives :func:`forget_deps` (tests reset the rest).
_default_factory: Callable[[], JobDeps] | None = None


def register(
    kind: str,
    handler: Handler,
    release_hook: ReleaseHook | None = None,
    *,
    exclusive_per_project: bool = False,
) -> None:
    """Install the handler of a job kind (idempotent; the last registration wins).

    Parameters
    ----------
    kind : str
        The job kind, e.g. ``"cluster"``.
    handler : callable
        ``handler(ctx: JobContext) -> dict`` (the job's ``result``; ``message`` is shown).
    release_hook : callable, optional
        ``release(engine, project_id)``: undo what an interrupted job left half-done.
    exclusive_per_project : bool
        At most one queued/running job of this kind per project (else per parameters).
    """
    with lock:
        HANDLERS[kind] = handler
        if release_hook is not None:
            RELEASE_HOOKS[kind] = release_hook
        if exclusive_per_project:
            EXCLUSIVE_PER_PROJECT.add(kind)


def add_hooks(
    *,
    on_job_boundary: Callable[[], Any] | None = None,
    on_sweep: Callable[[Engine], Any] | None = None,
) -> None:
    """Add a hook run before and after each job, and/or one run after each stale-job sweep.

    Adding the same function twice keeps one (the composition root may run more than once).
    """
    with lock:
        if on_job_boundary is not None and on_job_boundary not in JOB_BOUNDARY_HOOKS:
            JOB_BOUNDARY_HOOKS.append(on_job_boundary)
        if on_sweep is not None and on_sweep not in SWEEP_HOOKS:
            SWEEP_HOOKS.append(on_sweep)


def handler_for(kind: str) -> Handler:
    """The registered handler of ``kind``.

    Raises
    ------
    InvalidInputError
        No handler is registered for that kind.
    """
    handler = HANDLERS.get(kind)
    if handler is None:
        raise InvalidInputError(f"Unknown job kind {kind!r}.")
    return handler


def release(engine: Engine, kind: str, project_id: Any) -> None:
    """Run the kind's release hook (undo half-done work of an interrupted job)."""
    hook = RELEASE_HOOKS.get(kind)
    if hook is not None and project_id is not None:
        hook(engine, project_id)


def job_boundary() -> None:
    """Run the hooks registered for the start and end of every job."""
    for hook in list(JOB_BOUNDARY_HOOKS):
        hook()


def after_sweep(engine: Engine) -> None:
    """Run the hooks registered for the end of a stale-job sweep."""
    for hook in list(SWEEP_HOOKS):
        hook(engine)


def set_deps(
    deps: JobDeps | None = None,
    *,
    factory: Callable[[], JobDeps] | None = None,
    default_factory: Callable[[], JobDeps] | None = None,
) -> None:
    """Install handler dependencies, a factory for them, or the composition root's default."""
    global _deps, _deps_factory, _default_factory
    with lock:
        if deps is not None:
            _deps = deps
        if factory is not None:
            _deps_factory = factory
            _deps = None
        if default_factory is not None:
            _default_factory = default_factory


def forget_deps() -> None:
    """Forget installed dependencies and timings (tests); the default factory stays."""
    global _deps, _deps_factory
    with lock:
        _deps = None
        _deps_factory = None
        _timing.clear()


def has_deps() -> bool:
    """True when dependencies (or a factory other than the default) were installed."""
    return _deps is not None or _deps_factory is not None


def get_deps() -> JobDeps:
    """Handler dependencies of this process.

    Raises
    ------
    InvalidInputError
        Nothing installed them: the composition root
        (:func:`services.app.bootstrap.wire_process`) did not run in this process.
    """
    global _deps
    with lock:
        if _deps is None:
            factory = _deps_factory or _default_factory
            if factory is None:
                raise InvalidInputError(
                    "The job queue has no dependencies: start it through "
                    "services.app.bootstrap.wire_process (app, CLI or worker)."
                )
            _deps = factory()
        return _deps


def set_timing(key: str, seconds: float) -> None:
    """Override a timing setting (tests keep them small); :func:`forget_deps` clears them."""
    _timing[key] = float(seconds)


def _seconds(key: str, default: float) -> float:
    """A timing in seconds: :func:`set_timing` value, else settings/env, else default."""
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


def progress_interval_s() -> float:
    """Minimum seconds between two progress writes (:data:`PROGRESS_INTERVAL_S`; tests 0)."""
    return _timing.get("PROGRESS_INTERVAL_S", PROGRESS_INTERVAL_S)
