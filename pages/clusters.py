"""Clusters: every cluster of the project with status, page counts and search volume."""

import plotly.express as px
import streamlit as st

from services.seed_clusters.queries import cluster_pages_frame, list_clusters
from ui.frame import page

app, project_id = page("Clusters")

clusters = list_clusters(app.engine, project_id)
if clusters.empty:
    st.info("No clusters yet: generate one on the New Cluster page.")
    st.stop()

m1, m2, m3 = st.columns(3)
m1.metric("Clusters", len(clusters))
m2.metric("Approved pages", int(clusters["approved_pages"].sum()))
m3.metric("Total search volume", f"{int(clusters['total_search_volume'].sum()):,}/mo")
st.dataframe(
    clusters.drop(columns=["id"]),
    hide_index=True,
    width="stretch",
    column_config={
        "total_search_volume": st.column_config.NumberColumn("Search volume", format="%d"),
        "cost_usd": st.column_config.NumberColumn("Cost (USD)", format="$%.4f"),
    },
)

ids = clusters["id"].tolist()
names = dict(zip(ids, clusters["name"], strict=True))
chosen = st.selectbox("Chart a cluster", ids, format_func=names.__getitem__)
pages = cluster_pages_frame(app.engine, chosen)
fig = px.bar(
    pages.fillna({"search_volume": 0}),
    x="search_volume",
    y="keyword",
    color="role",
    orientation="h",
    labels={"search_volume": "Search volume (searches/month)", "keyword": ""},
    title=f"Pages of '{names[chosen]}' by search volume",
)
fig.update_layout(yaxis={"categoryorder": "total ascending"}, height=120 + 28 * len(pages))
st.plotly_chart(fig, width="stretch")
