"""The process-wide :class:`services.app.bootstrap.AppContext` for pages (no streamlit import).

Pages call :func:`get_app`; tests install their own context with :func:`set_app`.
Thread-safe: Streamlit runs each session in its own thread.
"""

from __future__ import annotations

import threading

from services.app.bootstrap import AppContext, build_app

_lock = threading.Lock()
_app: AppContext | None = None


def get_app() -> AppContext:
    """Build the context once (settings, key file, migrations) and return it.

    Each call (every page load) also interrupts stale jobs and settles dead budget holds,
    at most every few seconds (:func:`services.app.jobs.recover_stale_throttled`).
    """
    global _app
    with _lock:
        if _app is None:
            _app = build_app()
        app = _app
    from services.jobs import recover_stale_throttled

    recover_stale_throttled(app.engine)
    return app


def set_app(app: AppContext | None) -> None:
    """Replace the context (tests), or reset it with None."""
    global _app
    with _lock:
        _app = app
