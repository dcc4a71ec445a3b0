"""Keyword Lists: import, discover, filter, cluster (background job), review clusters and hubs."""

import streamlit as st

from services.keyword_lists import api
from ui.frame import page
from ui.imports import import_widget
from ui.keyword_lists import clusters_tab, discover_tab, keywords_tab

app, pid = page("Keyword Lists")
engine = app.engine

# The open tab lives in the URL (?tab=…): a reload during a job stays on the job's tab. Only
# the open tab's content is computed (issue 22): a tab's ``.open`` is True/False while the
# tabs track state (they do, being bound to the URL); None would mean "render every tab".
tab_import, tab_discover, tab_list, tab_clusters = st.tabs(
    ["Import", "Discover", "Keywords", "Clusters"], key="tab", bind="query-params"
)
with tab_import:
    if tab_import.open is not False:
        import_widget(app, pid, key="list-import")
with tab_discover:
    if tab_discover.open is not False:
        discover_tab(engine, pid)
view = (
    api.list_view(engine, pid)
    if tab_list.open is not False or tab_clusters.open is not False
    else None
)
with tab_list:
    if tab_list.open is not False:
        keywords_tab(engine, pid, view)
with tab_clusters:
    if tab_clusters.open is not False:
        clusters_tab(engine, pid, view)
