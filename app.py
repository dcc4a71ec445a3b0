"""Cluster Planner — router and frame: page config, sidebar project selector, navigation."""

import streamlit as st

from services.errors import ClusterPlannerError
from services.projects import list_projects
from services.ui_context import get_app

st.set_page_config(page_title="Cluster Planner", page_icon="🗂️", layout="wide")


@st.cache_resource
def _start_background_worker() -> bool:
    """Start the in-process job worker once per server (huey consumer thread)."""
    try:
        from services.jobs import start_worker
    except ImportError:
        return False
    start_worker()
    return True


app = get_app()
_start_background_worker()

with st.sidebar:
    st.markdown("### 🗂️ Cluster Planner")
    projects = list_projects(app.engine)
    if projects:
        ids = [str(p.id) for p in projects]
        names = {str(p.id): p.name for p in projects}
        current = st.session_state.get("project_id")
        index = ids.index(current) if current in ids else 0
        st.session_state["project_id"] = st.selectbox(
            "Project", ids, index=index, format_func=names.__getitem__
        )
    else:
        st.session_state.pop("project_id", None)
        st.info("Create a project to start.")

pages = {
    "Plan": [
        st.Page("pages/projects.py", title="Projects", icon="📁", default=True),
        st.Page("pages/new_cluster.py", title="New Cluster", icon="✨"),
        st.Page("pages/cluster_review.py", title="Cluster Review", icon="✅"),
        st.Page("pages/clusters.py", title="Clusters", icon="📊"),
    ],
}
optional = [
    ("pages/keyword_lists.py", "Keyword Lists", "🧮", "Plan"),
    ("pages/costs.py", "Costs", "💵", "Workspace"),
    ("pages/settings.py", "Settings", "⚙️", "Workspace"),
]
import pathlib  # noqa: E402

for path, title, icon, section in optional:
    if (pathlib.Path(__file__).parent / path).is_file():
        pages.setdefault(section, []).append(st.Page(path, title=title, icon=icon))

try:
    st.navigation(pages).run()
except ClusterPlannerError as exc:  # typed errors only; anything else is a bug
    st.error(str(exc))
