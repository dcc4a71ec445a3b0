"""Projects: import keyword exports into the selected project; create, edit, archive projects."""

import streamlit as st

from services.core.errors import ClusterPlannerError
from services.projects.api import get_project, list_projects, save_project, set_project_archived
from ui.frame import page, select_project
from ui.imports import import_widget
from ui.project_form import project_form
from ui.safe import plain
from ui.seed_clusters import confirm_button, restore_list, run_action

app, _ = page("Projects", needs_project=False)
if flash := st.session_state.pop("flash", None):
    st.success(plain(flash))

project_id = st.session_state.get("project_id")
if not project_id:
    st.session_state["project_mode"] = "Create new"
elif st.session_state.pop("show_saved", False):
    st.session_state["project_mode"] = "Edit selected"  # the form shows the saved project
mode = st.radio(
    "Project",
    ["Edit selected", "Create new"],
    horizontal=True,
    key="project_mode",
    disabled=not project_id,
)
current = get_project(app.engine, project_id) if project_id and mode == "Edit selected" else None

# The import section comes first: it is what a selected project needs most often (issue 8).
if current is not None:
    st.subheader("Import keyword data")
    st.caption(
        "Semrush, Ahrefs, Google Ads Keyword Planner or Search Console exports (CSV/TSV). "
        "The tool is detected from the header; duplicates keep the higher volume."
    )
    import_widget(app, project_id, key="project-import")
    st.divider()

with st.expander(
    f"Project settings — {current.name}" if current else "New project", expanded=current is None
):
    values = project_form(current)
if values is not None:
    try:
        new_id = save_project(app.engine, **values)
    except ClusterPlannerError as exc:
        st.error(plain(exc))
    else:
        select_project(new_id)
        st.session_state["show_saved"] = True
        st.session_state["flash"] = f"Saved project '{values['name']}'."
        st.rerun()

if current is not None and confirm_button(
    "Archive project",
    f"archive_project_{current.id}",
    f"Archive '{plain(current.name)}'? It leaves the project list; nothing is deleted and you "
    "can restore it below.",
):
    select_project(None)
    run_action(
        lambda: set_project_archived(app.engine, current.id, True),
        "flash",
        f"Archived project '{current.name}'.",
    )
restore_list(
    [(str(p.id), p.name) for p in list_projects(app.engine, archived=True)],
    "projects",
    lambda pid: set_project_archived(app.engine, pid, False),
    "flash",
)
