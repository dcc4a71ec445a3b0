"""Settings → "Reload keys": re-read ``.streamlit/secrets.toml`` without a restart (issue 19).

API keys and model names are read when a provider is built, so the running app takes new
values at once. What the engine, the key file and the job worker were built from at start-up
(database, data dir, secret key, Redis, environment) needs a restart, and the page says so.
Environment variables are the process's own: a key exported in another shell is not seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from services.core import config

#: Settings used only at start-up: a changed value needs a restart.
RESTART_KEYS = frozenset(
    {
        "DATABASE_URL",
        "CLUSTER_PLANNER_DATA_DIR",
        "CLUSTER_PLANNER_SECRET_KEY",
        "CLUSTER_PLANNER_KEY_FILE",
        "CLUSTER_PLANNER_ENV",
        "REDIS_URL",
    }
)


@dataclass
class Reload:
    """What "Reload keys" found: names only, never values."""

    applied: list[str] = field(default_factory=list)
    needs_restart: list[str] = field(default_factory=list)


def reload_keys(app: Any) -> Reload:
    """Re-read secrets.toml and the environment; apply what can change while running.

    Parameters
    ----------
    app : services.app.bootstrap.AppContext
        Its ``settings`` are replaced (the job worker shares the same context).

    Returns
    -------
    Reload
        Names of the settings that changed, split into applied / needs a restart.
    """
    fresh = config.load_settings(secrets_file=config.SECRETS_FILE)
    old = app.settings
    changed = sorted(k for k in {*old.values, *fresh.values} if old.get(k) != fresh.get(k))
    out = Reload(
        applied=[k for k in changed if k not in RESTART_KEYS],
        needs_restart=[k for k in changed if k in RESTART_KEYS],
    )
    if out.applied:
        values = dict(old.values)
        values.update({k: fresh.values.get(k, "") for k in out.applied})
        app.settings = config.Settings(values=values)
        config.get_settings.cache_clear()
    return out


def reload_keys_button(app: Any) -> None:
    """The button; the page reruns so every table uses the new keys, then says what changed."""
    if st.button("Reload keys", help="Re-read .streamlit/secrets.toml now."):
        st.session_state["_keys_reloaded"] = reload_keys(app)
        st.rerun()
    result = st.session_state.pop("_keys_reloaded", None)
    if result is None:
        return
    if result.applied:
        st.success("Reloaded; now in use: " + ", ".join(result.applied) + ".")
    if result.needs_restart:
        st.warning(
            "Changed, but only read at start-up: "
            + ", ".join(result.needs_restart)
            + ". Restart the app (stop it, then run streamlit run app.py again) to use them."
        )
    if not result.applied and not result.needs_restart:
        st.info(
            "No key changed in .streamlit/secrets.toml. A key exported as an environment "
            "variable after start-up is only seen after a restart."
        )
