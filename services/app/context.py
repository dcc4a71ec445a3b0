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
    """Build the context once (settings, key file, migrations) and return it."""
    global _app
    with _lock:
        if _app is None:
            _app = build_app()
        return _app


def set_app(app: AppContext | None) -> None:
    """Replace the context (tests), or reset it with None."""
    global _app
    with _lock:
        _app = app
