"""Background jobs: huey runs long work outside the Streamlit script; state lives in ``jobs``.

The queue is infrastructure, like the database: it sits below the features and imports none
of them. Features call :func:`submit` with a kind; each feature's ``jobs.py`` holds its
handlers; the composition root (:func:`services.app.bootstrap.wire_process`) registers them
(:func:`register`) when the app, the CLI or a worker starts.

Modules, one responsibility each:

* :mod:`~services.jobs.registry` — handlers, release hooks, dependencies, timings;
* :mod:`~services.jobs.table` — the ``jobs`` table: views, finish, cancel, interrupt;
* :mod:`~services.jobs.heartbeat` — :class:`JobContext` and the heartbeat / cancel watcher;
* :mod:`~services.jobs.recovery` — stale-job recovery (lease, dead worker, exit);
* :mod:`~services.jobs.queue` — huey wiring, :func:`submit`, :func:`resume`, the task;
* :mod:`~services.jobs.worker` — the in-process consumer, :func:`configure`, :func:`reset`.

huey is imported on first use, so importing this package is cheap.
"""

from __future__ import annotations

from services.jobs.heartbeat import JobContext
from services.jobs.inline import claim_inline
from services.jobs.queue import (
    build_huey,
    get_huey,
    resume,
    run_job,
    submit,
)
from services.jobs.recovery import (
    recover_interrupted,
    recover_stale,
    recover_stale_throttled,
)
from services.jobs.registry import (
    ACTIVE,
    CANCEL_GRACE_S,
    CANCEL_POLL_S,
    DEFAULT_HEARTBEAT_S,
    DEFAULT_LEASE_S,
    DEFAULT_WORKERS,
    EXCLUSIVE_PER_PROJECT,
    HANDLERS,
    HUEY_NAME,
    JOB_STATUSES,
    PROGRESS_INTERVAL_S,
    RECOVER_EVERY_S,
    RELEASE_HOOKS,
    RESUMABLE,
    TASK_NAME,
    WORKER_HOST,
    WORKER_ID,
    Handler,
    JobDeps,
    add_hooks,
    get_deps,
    heartbeat_s,
    lease_s,
    register,
)
from services.jobs.table import JobView, active_key, cancel, get_job, interrupt_job, latest_job
from services.jobs.worker import configure, reset, start_worker, stop_worker

__all__ = [
    "claim_inline",
    "ACTIVE",
    "CANCEL_GRACE_S",
    "CANCEL_POLL_S",
    "DEFAULT_HEARTBEAT_S",
    "DEFAULT_LEASE_S",
    "DEFAULT_WORKERS",
    "EXCLUSIVE_PER_PROJECT",
    "HANDLERS",
    "HUEY_NAME",
    "JOB_STATUSES",
    "PROGRESS_INTERVAL_S",
    "RECOVER_EVERY_S",
    "RELEASE_HOOKS",
    "RESUMABLE",
    "TASK_NAME",
    "WORKER_HOST",
    "WORKER_ID",
    "Handler",
    "JobContext",
    "JobDeps",
    "JobView",
    "active_key",
    "add_hooks",
    "build_huey",
    "cancel",
    "configure",
    "deps_from_app",
    "get_deps",
    "get_huey",
    "get_job",
    "heartbeat_s",
    "interrupt_job",
    "latest_job",
    "lease_s",
    "recover_interrupted",
    "recover_stale",
    "recover_stale_throttled",
    "register",
    "reset",
    "resume",
    "run_job",
    "start_worker",
    "stop_worker",
    "submit",
]


def deps_from_app(app: object) -> JobDeps:
    """:class:`JobDeps` of an :class:`services.app.bootstrap.AppContext` (its ``job_deps()``).

    The composition root decides what handlers get (engine, embedder factory, providers);
    the queue only asks for it.
    """
    job_deps = getattr(app, "job_deps", None)
    if job_deps is None:
        raise TypeError(f"{type(app).__name__} does not build job dependencies (job_deps()).")
    deps: JobDeps = job_deps()
    return deps
