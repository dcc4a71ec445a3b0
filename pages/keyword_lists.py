"""Keyword Lists: import, discover, filter, cluster (background job), review clusters and hubs."""

import streamlit as st

from services.core.errors import ClusterPlannerError
from services.keyword_lists import api
from services.projects.imports import import_keywords
from ui.frame import page
from ui.keyword_lists import clusters_tab, discover_tab, keywords_tab

app, pid = page("Keyword Lists")
engine = app.engine

tab_import, tab_discover, tab_list, tab_clusters = st.tabs(
    ["Import", "Discover", "Keywords", "Clusters"]
)
with tab_import:
    upload = st.file_uploader(
        "Keyword export (Semrush, Ahrefs, Keyword Planner, Search Console)",
        type=["csv", "tsv", "txt"],
    )
    if upload is not None and st.button("Import"):
        try:
            report = import_keywords(engine, pid, upload.getvalue(), upload.name)
            st.success(
                f"Imported {report.rows_imported:,} keywords ({report.inserted:,} new) "
                f"from a {report.tool} export."
            )
        except ClusterPlannerError as exc:
            st.error(str(exc))
with tab_discover:
    discover_tab(engine, pid)
view = api.list_view(engine, pid)
with tab_list:
    keywords_tab(engine, pid, view)
with tab_clusters:
    clusters_tab(engine, pid, view)
