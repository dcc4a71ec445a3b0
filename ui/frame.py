"""The preamble every page runs: router guard, app context, title, selected project."""

from __future__ import annotations

from typing import Any

import streamlit as st

from services.app.context import get_app


def page(title: str, *, needs_project: bool = True) -> tuple[Any, str | None]:
    """Start a page: load the router on a deep link, set the title, check the project.

    Parameters
    ----------
    title : str
        The page title.
    needs_project : bool
        Stop with a hint when no project is selected.

    Returns
    -------
    tuple
        ``(app, project_id)`` — the :class:`services.app.bootstrap.AppContext` and the selected
        project id (str) or None.
    """
    if not st.session_state.get("_frame"):  # deep link on a fresh server: load the router first
        st.switch_page("app.py")
    app = get_app()
    st.title(title)
    project_id = st.session_state.get("project_id")
    if needs_project and not project_id:
        st.info("Create or select a project first.")
        st.stop()
    return app, project_id
