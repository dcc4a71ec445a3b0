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
        projects = list_projects(app.engine)  # archived projects are not offered
        if projects:
            ids = [str(p.id) for p in projects]
            names = {str(p.id): p.name for p in projects}
            chosen = st.session_state.get("project_id")
            index = ids.index(chosen) if chosen in ids else 0
            st.session_state["project_id"] = st.selectbox(
                "Project", ids, index=index, format_func=names.__getitem__
            )
        else:
            st.session_state.pop("project_id", None)
            st.info("Create a project to start.")


_frame()
from services.core.errors import ClusterPlannerError  # noqa: E402  (after the menu is up)
from ui.safe import plain  # noqa: E402

try:
    current.run()
except ClusterPlannerError as exc:  # typed errors only; anything else is a bug
    st.error(plain(exc))
