"""The job queue as the composition root starts it; the worker entry point.

The queue itself is :mod:`services.jobs` (below the features, importing none of them). This
module adds what needs the composition root:

* ``huey_consumer services.app.jobs.huey -k thread`` — a consumer process (e.g. on another
  machine with the same ``REDIS_URL`` and ``DATABASE_URL``): reading ``huey`` registers the
  handlers (:func:`services.app.bootstrap.wire_process`) and returns the queue's instance;
* :func:`start_worker` — the app's in-process consumer, with the app's dependencies.

Every other name is re-exported from :mod:`services.jobs` for one release; new code imports
``services.jobs``.
"""

from __future__ import annotations

from typing import Any

from services import jobs as _queue
from services.jobs import *  # noqa: F403 - the old path, for one release
from services.jobs import DEFAULT_WORKERS


def start_worker(app: Any = None, *, workers: int = DEFAULT_WORKERS) -> Any:  # type: ignore[no-redef]
    """Wire the process (:func:`services.app.bootstrap.wire_process`), then start the
    in-process consumer (:func:`services.jobs.start_worker`) with ``app``'s dependencies
    (engine, providers) unless dependencies were installed already. Returns the consumer, or
    None when huey runs jobs inline (immediate mode)."""
    from services.app.bootstrap import wire_process

    wire_process(app)
    return _queue.start_worker(app.job_deps() if app is not None else None, workers=workers)


def __getattr__(name: str) -> Any:
    """``services.app.jobs.huey`` (lazy): the instance an external consumer runs."""
    if name == "huey":
        from services.app.bootstrap import wire_process

        wire_process()
        return _queue.get_huey()
    raise AttributeError(name)
