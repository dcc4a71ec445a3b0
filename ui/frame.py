"""The preamble every page runs: router guard, app context, title, selected project.

The selected project and a page's open item live in the URL's query string (issue 19): a
reload, a deep link, a new tab and a restarted server open the same view. ``?project=<id>``
is set by the sidebar picker (app.py) on every page; pages add their own (``?cluster=<id>``).
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import streamlit as st

from services.app.context import get_app
from services.core.wording import with_article

#: Query parameter of the selected project (its id).
PROJECT_PARAM = "project"
#: Query parameters of one project's items, dropped when the user picks another project.
CLUSTER_PARAM = "cluster"
HUB_PARAM = "hub"
PROJECT_ITEM_PARAMS = (CLUSTER_PARAM, HUB_PARAM)
#: Session key: the project id a URL named that is unknown or archived (the page says so).
MISSING_PROJECT = "_project_missing"
#: Session key: the page and query string a deep link asked for before the router loaded.
RETURN_TO = "_return_to"
REPO = Path(__file__).resolve().parents[1]


def choose_from_url(param: str, ids: list[str], remembered: Any = None) -> tuple[Any, Any]:
    """The id a page should open: the URL's, else the remembered one, else the first.

    Parameters
    ----------
    param : str
        Query parameter name (``project``, ``cluster``).
    ids : list of str
        The ids on offer.
    remembered : str, optional
        The id this session had open (``st.session_state``).

    Returns
    -------
    tuple
        ``(chosen, unknown)``: ``chosen`` is one of ``ids`` or None; ``unknown`` is the URL's
        id when it is not on offer (then ``chosen`` is None: the page says so and offers the
        picker rather than opening something else).
    """
    wanted = st.query_params.get(param)
    if wanted:
        return (wanted, None) if wanted in ids else (None, wanted)
    if remembered in ids:
        return remembered, None
    return (ids[0] if ids else None), None


def keep_in_url(param: str, value: Any) -> None:
    """Write ``?param=value`` (remove it for None) unless the URL already says so."""
    if value is None:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != str(value):
        st.query_params[param] = str(value)


def url_picker(
    label: str, param: str, ids: list[str], names: dict[str, str], session_key: str
) -> tuple[Any, Any, Any]:
    """A selectbox whose choice lives in ``?param=`` and in ``st.session_state[session_key]``.

    Parameters
    ----------
    label : str
        The selectbox label ("Project", "Cluster").
    param : str
        Query parameter name.
    ids : list of str
        The ids on offer.
    names : dict
        id -> what the user reads.
    session_key : str
        Where the session remembers the choice.

    Returns
    -------
    tuple
        ``(picked, chosen, unknown)``: the selected id (None while the URL names an unknown
        id and the user has not picked one), what :func:`choose_from_url` chose, and the
        URL's unknown id (or None).
    """
    chosen, unknown = choose_from_url(param, ids, st.session_state.get(session_key))
    picked = st.selectbox(
        label,
        ids,
        index=ids.index(chosen) if chosen else None,
        format_func=names.__getitem__,
        placeholder=f"Pick {with_article(label.lower())}",
    )
    if picked is not None:
        st.session_state[session_key] = picked
        keep_in_url(param, picked)
    return picked, chosen, unknown


def select_project(project_id: Any) -> None:
    """Open ``project_id`` (None: no project) in this session and in the URL, as the sidebar
    picker does: a page that creates or archives a project calls this before its rerun."""
    for param in PROJECT_ITEM_PARAMS:
        keep_in_url(param, None)
    if project_id is None:
        st.session_state.pop("project_id", None)
    else:
        st.session_state["project_id"] = str(project_id)
    keep_in_url(PROJECT_PARAM, None if project_id is None else str(project_id))


def return_to_deep_link() -> None:
    """In the router: go on to the page a deep link asked for on a fresh server.

    Streamlit serves such a link without the router (legacy ``pages/`` mode); :func:`page`
    then saved the page and its query string and switched to app.py, which lands on the
    default page. This sends the user on to where the link pointed, query string included.
    """
    target = st.session_state.pop(RETURN_TO, None)
    if target:
        st.switch_page(target[0], query_params=target[1])


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
        caller = inspect.currentframe()
        script = Path(caller.f_back.f_code.co_filename) if caller and caller.f_back else None
        if script is not None and script.is_relative_to(REPO):
            st.session_state[RETURN_TO] = (
                script.relative_to(REPO).as_posix(),
                st.query_params.to_dict(),
            )
        st.switch_page("app.py")
    app = get_app()
    st.title(title)
    project_id = st.session_state.get("project_id")
    if needs_project and not project_id:
        if st.session_state.get(MISSING_PROJECT):  # the sidebar says why
            st.info("Pick a project in the sidebar to open this page.")
        else:
            st.info("Create or select a project first.")
        st.stop()
    return app, project_id
