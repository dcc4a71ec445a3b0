"""The in-process worker (huey consumer threads) and the queue's process set-up.

``streamlit run app.py`` starts everything: the app calls
:func:`services.app.jobs.start_worker` once (inside ``st.cache_resource``), which registers the
handlers and runs :func:`start_worker` here: an in-process huey consumer in daemon threads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import services.jobs.queue as queue
import services.jobs.registry as registry
from services.jobs.recovery import recover_stale
from services.jobs.registry import DEFAULT_WORKERS, Handler, JobDeps, ReleaseHook

if TYPE_CHECKING:
    from huey import Huey
    from huey.consumer import Consumer

log = logging.getLogger(__name__)

_consumer: Consumer | None = None


def _thread_consumer(h: Huey, workers: int) -> Consumer:
    """A huey consumer for a non-main thread: no signal handlers (Streamlit owns the main
    thread)."""
    from huey.consumer import Consumer

    class _ThreadConsumer(Consumer):
        def _set_signal_handlers(self) -> None:  # pragma: no cover - trivial
            return None

    return _ThreadConsumer(
        h,
        workers=workers,
        worker_type="thread",
        periodic=False,
        check_worker_health=False,
        initial_delay=0.1,
        max_delay=1.0,
    )


def start_worker(deps: JobDeps | None = None, *, workers: int = DEFAULT_WORKERS) -> Consumer | None:
    """Start the in-process huey consumer in daemon threads (idempotent).

    Parameters
    ----------
    deps : JobDeps, optional
        Handler dependencies, installed when none were (default: those already installed).
    workers : int
        Worker threads.

    Returns
    -------
    huey.consumer.Consumer or None
        The running consumer (None when huey is in immediate mode: jobs run inline).
    """
    global _consumer
    with registry.lock:
        if deps is not None and not registry.has_deps():
            registry.set_deps(deps)
        h = queue.get_huey()
        if h.immediate:
            return None
        if _consumer is not None:
            return _consumer
        try:
            recover_stale(registry.get_deps().engine)
        except Exception:  # never block start-up on housekeeping
            log.exception("could not recover interrupted jobs")
        consumer = _thread_consumer(h, workers)
        consumer.start()
        _consumer = consumer
        return consumer


def stop_worker() -> None:
    """Stop the in-process consumer (tests); jobs in flight finish their current block."""
    global _consumer
    with registry.lock:
        if _consumer is not None:
            _consumer.stop(graceful=False)
            _consumer = None


def configure(
    *,
    huey: Huey | None = None,
    deps: JobDeps | None = None,
    deps_factory: Callable[[], JobDeps] | None = None,
    handlers: dict[str, Handler] | None = None,
    release_hooks: dict[str, ReleaseHook] | None = None,
    heartbeat_s: float | None = None,
    lease_s: float | None = None,
    progress_interval_s: float | None = None,
) -> None:
    """Install a huey instance, handler dependencies, handlers and/or timings (tests, start-up).

    Parameters
    ----------
    huey : huey.Huey, optional
        E.g. ``Huey(HUEY_NAME, immediate=True)`` in unit tests.
    deps : JobDeps, optional
        Dependencies handed to handlers.
    deps_factory : callable, optional
        Builds :class:`JobDeps` on first use (default: the composition root's).
    handlers : dict, optional
        kind → handler, added to :data:`~services.jobs.registry.HANDLERS`.
    release_hooks : dict, optional
        kind → ``release(engine, project_id)``, added to
        :data:`~services.jobs.registry.RELEASE_HOOKS`.
    heartbeat_s, lease_s : float, optional
        Override ``JOB_HEARTBEAT_S`` / ``JOB_LEASE_S`` (seconds; tests keep them small).
    progress_interval_s : float, optional
        Override the minimum seconds between two progress writes (tests: 0).
    """
    with registry.lock:
        if huey is not None:
            queue.set_huey(huey)
        registry.set_deps(deps, factory=deps_factory)
        for kind, handler in (handlers or {}).items():
            registry.register(kind, handler)
        registry.RELEASE_HOOKS.update(release_hooks or {})
        for key, value in (
            ("JOB_HEARTBEAT_S", heartbeat_s),
            ("JOB_LEASE_S", lease_s),
            ("PROGRESS_INTERVAL_S", progress_interval_s),
        ):
            if value is not None:
                registry.set_timing(key, value)


def reset() -> None:
    """Forget the huey instance, dependencies, timings and worker (tests).

    Registered handlers and hooks stay (the composition root installed them for the process).
    """
    stop_worker()
    with registry.lock:
        queue.set_huey(None)
        registry.forget_deps()
