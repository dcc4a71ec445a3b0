"""Keyword Lists: import, discover, filter, cluster (background job), review clusters and hubs."""

import streamlit as st

from services.keyword_lists import api
from ui.frame import page
from ui.imports import import_widget
from ui.keyword_lists import clusters_tab, discover_tab, keywords_tab

app, pid = page("Keyword Lists")
engine = app.engine

# The open tab lives in the URL (?tab=…): a reload during a job stays on the job's tab.
tab_import, tab_discover, tab_list, tab_clusters = st.tabs(
    ["Import", "Discover", "Keywords", "Clusters"], key="tab", bind="query-params"
)
with tab_import:
    import_widget(app, pid, key="list-import")
with tab_discover:
    discover_tab(engine, pid)
view = api.list_view(engine, pid)
with tab_list:
    keywords_tab(engine, pid, view)
with tab_clusters:
    clusters_tab(engine, pid, view)
