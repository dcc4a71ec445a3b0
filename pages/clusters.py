"""Clusters: every live cluster of the project with status, page counts and search volume."""

import plotly.express as px
import streamlit as st

from services.seed_clusters.api import set_cluster_archived
from services.seed_clusters.queries import (
    CLUSTER_LABELS,
    cluster_pages_frame,
    list_clusters,
    project_totals,
)
from ui.frame import page
from ui.safe import plain
from ui.seed_clusters import restore_list

app, project_id = page("Clusters")
if flash := st.session_state.pop("clusters_flash", None):
    st.success(plain(flash))

clusters = list_clusters(app.engine, project_id)
restore_list(
    list_clusters(app.engine, project_id, archived=True),
    "clusters",
    lambda cid: set_cluster_archived(app.engine, cid, False),
    "clusters_flash",
)
if clusters.empty:
    st.info("No clusters yet: generate one on the New Cluster page.")
    st.stop()

totals = project_totals(app.engine, project_id)
m1, m2, m3, m4 = st.columns(4)
m1.metric("Clusters", f"{totals['clusters']:,}")
m2.metric(
    "Approved pages",
    f"{totals['approved_pages']:,}",
    help="Approved on Cluster Review: in the content pipeline.",
)
m3.metric(
    "Pre-selected, not yet approved",
    f"{totals.get('preselected_pages', 0):,}",
    help="Ticked by the funnel or a reviewer; they count as approved only after "
    "'Approve selected' on Cluster Review.",
)
m4.metric(
    "Search volume (distinct keywords)",
    f"{totals['search_volume']:,}/mo",
    help="A keyword that is a page in several clusters counts once.",
)
st.dataframe(
    clusters.drop(columns=["id"]).rename(columns=CLUSTER_LABELS),
    hide_index=True,
    width="stretch",
    column_config={
        CLUSTER_LABELS["name"]: st.column_config.TextColumn(pinned=True),
        CLUSTER_LABELS["total_search_volume"]: st.column_config.NumberColumn(format="%d"),
        CLUSTER_LABELS["cost_usd"]: st.column_config.NumberColumn(format="$%.4f"),
        CLUSTER_LABELS["created_at"]: st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
    },
)

ids = clusters["id"].tolist()
names = dict(zip(ids, clusters["name"], strict=True))
chosen = st.selectbox("Chart a cluster", ids, format_func=names.__getitem__)
pages = cluster_pages_frame(app.engine, chosen)
if not (pages["search_volume"].fillna(0) > 0).any():
    st.info(
        "No volume data for this cluster's pages: import a keyword export with search volume "
        "or switch on DataForSEO in Settings."
    )
    st.stop()
fig = px.bar(
    pages.fillna({"search_volume": 0}),
    x="search_volume",
    y="keyword",
    color="role",
    orientation="h",
    labels={"search_volume": "Search volume (searches/month)", "keyword": "", "role": "Role"},
    title=f"Pages of '{names[chosen]}' by search volume",
)
fig.update_layout(yaxis={"categoryorder": "total ascending"}, height=120 + 28 * len(pages))
st.plotly_chart(fig, width="stretch")
