"""Cluster Planner — router and frame: page config, navigation, sidebar project selector.

``st.navigation`` runs first, before any heavy import or database work: on a fresh server
Streamlit shows the raw ``pages/`` folder menu ("app, cluster review…") until some session
has executed ``st.navigation``, so the real menu must not wait for the engine, migrations
and the job worker (issue 8: ~4.5 s of a blank page with a lowercase menu).
"""

import streamlit as st

st.set_page_config(page_title="Cluster Planner", page_icon=":material/account_tree:", layout="wide")

PAGES = {
    "Plan": [
        st.Page("pages/projects.py", title="Projects", icon=":material/folder:", default=True),
        st.Page("pages/new_cluster.py", title="New Cluster", icon=":material/auto_awesome:"),
        st.Page("pages/cluster_review.py", title="Cluster Review", icon=":material/fact_check:"),
        st.Page("pages/clusters.py", title="Clusters", icon=":material/bar_chart:"),
        st.Page("pages/keyword_lists.py", title="Keyword Lists", icon=":material/list_alt:"),
    ],
    "Site": [
        st.Page("pages/site_crawl.py", title="Site Crawl", icon=":material/travel_explore:"),
        st.Page("pages/primary_keywords.py", title="Primary Keywords", icon=":material/key:"),
        st.Page("pages/cannibalization.py", title="Cannibalization", icon=":material/call_split:"),
    ],
    "Content": [
        st.Page("pages/content_drafts.py", title="Content Drafts", icon=":material/edit_note:"),
    ],
    "Workspace": [
        st.Page("pages/costs.py", title="Costs", icon=":material/payments:"),
        st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
    ],
}
current = st.navigation(PAGES)


@st.cache_resource
def _start_background_worker() -> bool:
    """Start the in-process job worker once per server (huey consumer threads)."""
    from services.app.context import get_app
    from services.app.jobs import start_worker

    start_worker(get_app())
    return True


def _frame() -> None:
    """The shared frame: app context, job worker, sidebar project selector."""
    from services.app.context import get_app
    from services.projects.api import list_projects

    app = get_app()
    _start_background_worker()
    # Pages check this flag: with a pages/ folder, Streamlit serves a deep link on a fresh
    # server in its legacy mode without running this router first; the page then switches here.
    st.session_state["_frame"] = True
    with st.sidebar:
        st.markdown("### :material/account_tree: Cluster Planner")
        _project_picker(list_projects(app.engine))  # archived projects are not offered
        _selfcheck_notice()


def _project_picker(projects: list) -> None:
    """The sidebar project picker; the choice lives in the URL (``?project=<id>``)."""
    from ui.frame import (
        MISSING_PROJECT,
        PROJECT_ITEM_PARAMS,
        PROJECT_PARAM,
        keep_in_url,
        url_picker,
    )

    if not projects:
        st.session_state.pop("project_id", None)
        st.info("Create a project to start.")
        return
    names = {str(p.id): p.name for p in projects}
    picked, chosen, unknown = url_picker("Project", PROJECT_PARAM, list(names), names, "project_id")
    if picked is None:  # the URL names an unknown or archived project: say so, open nothing
        st.session_state.pop("project_id", None)
        st.session_state[MISSING_PROJECT] = unknown
        st.warning(_missing_project_text(unknown), icon=":material/link_off:")
        return
    st.session_state.pop(MISSING_PROJECT, None)
    if picked != chosen:  # picked in the sidebar: the old project's open items do not apply
        for param in PROJECT_ITEM_PARAMS:
            keep_in_url(param, None)


def _missing_project_text(project_id: str) -> str:
    """Why the project of a link is not opened: archived (by name) or unknown."""
    from services.app.context import get_app
    from services.projects.api import list_projects
    from ui.safe import plain

    archived = {str(p.id): p.name for p in list_projects(get_app().engine, archived=True)}
    if project_id in archived:
        return plain(
            f"The project of this link, '{archived[project_id]}', is archived: restore it on "
            "Projects (Archived projects), or pick another project above."
        )
    return plain(f"The project of this link ({project_id}) does not exist. Pick a project above.")


@st.cache_resource
def _selfcheck() -> list:
    """Import each optional-at-import stack once per server (about 1 s)."""
    from services.app.selfcheck import run_selfcheck

    return run_selfcheck()


def _selfcheck_notice() -> None:
    """Say up-front which feature cannot work and the command that fixes it."""
    from ui.safe import plain

    for stack in _selfcheck():
        if not stack.ok:
            st.error(
                plain(
                    f"{stack.name} is not installed, so {stack.purpose} will fail. Run this, "
                    "then restart the app:"
                ),
                icon=":material/build:",
            )
            st.code(stack.install, language="bash")


_frame()
from services.core.errors import ClusterPlannerError  # noqa: E402  (after the menu is up)
from ui.frame import return_to_deep_link  # noqa: E402
from ui.safe import plain  # noqa: E402

return_to_deep_link()  # a deep link on a fresh server: on to the page it named
try:
    current.run()
except ClusterPlannerError as exc:  # typed errors only; anything else is a bug
    st.error(plain(exc))
