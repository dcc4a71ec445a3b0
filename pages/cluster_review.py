"""Cluster Review: approve, reject or edit the suggested pages, then bulk-approve."""

import streamlit as st

from services.core.errors import ClusterPlannerError
from services.core.wording import count_noun
from services.projects.api import get_project
from services.seed_clusters.api import set_cluster_archived
from services.seed_clusters.approval import bulk_approve
from services.seed_clusters.export import cluster_csv
from services.seed_clusters.queries import list_clusters
from services.seed_clusters.review import (
    EDITABLE_COLUMNS,
    REVIEW_COLUMNS,
    review_table,
    save_decisions,
    to_decisions,
)
from ui.frame import CLUSTER_PARAM, page, url_picker
from ui.safe import plain
from ui.seed_clusters import (
    REVIEW_COLUMN_CONFIG,
    confirm_button,
    restore_list,
    review_display,
    run_action,
)

app, project_id = page("Cluster Review")
if flash := st.session_state.pop("review_flash", None):
    st.success(plain(flash))

clusters = list_clusters(app.engine, project_id)
archived = list_clusters(app.engine, project_id, archived=True)
restore_list(
    archived,
    "clusters",
    lambda cid: set_cluster_archived(app.engine, cid, False),
    "review_flash",
)
if clusters.empty:
    st.info("No clusters yet: generate one on the New Cluster page.")
    st.stop()
ids = clusters["id"].tolist()
labels = dict(zip(ids, clusters["name"] + " · " + clusters["status"], strict=True))
# The open cluster lives in the URL (?cluster=<id>): a reload or a shared link opens it.
cluster_id, _, _ = url_picker("Cluster", CLUSTER_PARAM, ids, labels, "cluster_id")
if cluster_id is None:
    st.warning(
        "The cluster of this link is not in this project or is archived (see Archived "
        "clusters above). Pick a cluster above."
    )
    st.stop()

header, table = review_table(app.engine, cluster_id)
for warning in header["warnings"]:
    st.warning(plain(warning))
summary = st.empty()  # filled after the editor: the selection count follows the ticks live
if st.toggle("Select every page", key=f"all_{cluster_id}"):
    table = table.assign(approve=True)
problem = st.empty()  # a rejected edit is reported here, right above the table
edited = st.data_editor(
    review_display(table, get_project(app.engine, project_id).site_type),
    key=f"editor_{cluster_id}_{bool(table['approve'].all())}",
    hide_index=True,
    width="stretch",
    height=min(38 + 35 * len(table), 38 + 35 * 20),
    column_order=REVIEW_COLUMNS[1:],
    disabled=[c for c in REVIEW_COLUMNS if c not in EDITABLE_COLUMNS],
    column_config=REVIEW_COLUMN_CONFIG,
)
summary.caption(
    f"Seed: **{plain(header['seed_keyword'])}** · status: **{plain(header['status'])}** · "
    f"{count_noun(len(edited), 'page')} · {int(edited['approve'].sum()):,} selected"
    # What the evidence could not do, e.g. "SERP evidence was not available: …".
    + "".join(f"  \n{plain(note)}" for note in header["metadata"].get("notes", []))
)

covered = table[table["covered_by"] != ""]
new_page_ids: list = []
if not covered.empty:
    st.caption(
        f"{count_noun(len(covered), 'page')} of this cluster the site already covers: approving "
        "links each keyword to its existing URL as an 'optimise existing page' task."
    )
    forced = st.multiselect(
        "Create a new page anyway for (it will compete with the existing page)",
        options=covered["id"].tolist(),
        format_func=lambda i: (
            f"{covered.set_index('id').at[i, 'keyword']} "
            f"(covered by {covered.set_index('id').at[i, 'covered_by']})"
        ),
        key=f"new_pages_{cluster_id}",
    )
    if forced:
        st.warning("A new page beside a page that already ranks splits its traffic.")
    new_page_ids = list(forced)

c1, c2, c3, c4 = st.columns([1, 1, 1, 1])
if c1.button("Approve selected", type="primary"):
    try:
        report = bulk_approve(
            app.engine, cluster_id, to_decisions(table, edited), new_page_ids=new_page_ids
        )
    except ClusterPlannerError as exc:
        problem.error(plain(exc))
    else:
        st.session_state["review_flash"] = report.message
        st.rerun()
if c2.button("Save edits"):
    try:
        n = save_decisions(app.engine, cluster_id, to_decisions(table, edited))
    except ClusterPlannerError as exc:
        problem.error(plain(exc))
    else:
        st.session_state["review_flash"] = (
            f"Saved; {count_noun(n, 'page')} marked approved. Changed keywords were looked up "
            "again and rescored."
        )
        st.rerun()
c3.download_button(
    "Download CSV",
    data=cluster_csv(app.engine, cluster_id),
    file_name=f"cluster-{header['seed_keyword'].replace(' ', '-')}.csv",
    mime="text/csv",
)
with c4:
    if confirm_button(
        "Archive cluster",
        f"archive_{cluster_id}",
        f"Archive '{plain(header['name'])}'? It leaves the lists and the dashboard; you can "
        "restore it from 'Archived clusters'.",
    ):
        run_action(
            lambda: set_cluster_archived(app.engine, cluster_id, True),
            "review_flash",
            f"Archived '{header['name']}'.",
        )
