"""Cannibalization: keywords several pages rank for, and pages competing for one search;
owner, action and evidence for each."""

import streamlit as st

from services.core.errors import ClusterPlannerError
from services.site import api
from ui.frame import page
from ui.paging import paged
from ui.safe import plain

app, project_id = page("Cannibalization")

current = api.cannibalization_settings(app.engine)
with st.expander("Thresholds"), st.form("cannibalization_settings"):
    share = st.slider(
        "Conflict: each page takes at least this share of the keyword's clicks",
        0.05,
        0.5,
        current.min_click_share,
        0.05,
    )
    position = st.number_input(
        "Without clicks: pages ranking in the top N", 1, 100, int(current.max_position)
    )
    cosine = st.slider(
        "Near-duplicate primaries: cosine above", 0.5, 0.99, current.near_duplicate_cosine, 0.01
    )
    if st.form_submit_button("Save thresholds"):
        try:
            api.save_cannibalization_settings(
                app.engine, api.CannibalizationSettings(share, float(position), cosine)
            )
        except ClusterPlannerError as exc:
            st.error(plain(exc))
        else:
            st.rerun()

result = api.cannibalization_report(app.engine, project_id, embedder=app.embedder())
if result.notice:
    st.info(result.notice)
if not result.rows.empty:
    m1, m2 = st.columns(2)
    m1.metric("Keywords in conflict", result.conflicts)
    m2.metric("Keywords shared by 2+ pages", result.rows["keyword"].nunique())
    f1, f2, f3 = st.columns([1, 2, 2])
    conflicts_only = f1.toggle("Conflicts only", value=True)
    contains = f2.text_input("Keyword or URL contains")
    actions = f3.multiselect("Action", [a for a in api.ACTIONS if a != "keep"])
    shown = api.filter_report(
        result.rows, conflicts_only=conflicts_only, contains=contains, actions=actions
    )
    st.dataframe(
        api.with_headers(paged(shown, "conflicts_page")),
        hide_index=True,
        width="stretch",
        column_config={
            "Click share": st.column_config.NumberColumn("Click share", format="percent"),
            "Position": st.column_config.NumberColumn("Position", format="%.1f"),
            "Search volume": st.column_config.NumberColumn("Search volume", format="%d"),
        },
    )
    st.download_button(
        "Download CSV",
        lambda: api.to_csv_bytes(shown),  # built when clicked, not on every rerun
        file_name="cannibalization.csv",
        mime="text/csv",
    )
elif not result.notice:
    st.caption("No keyword is ranked by two or more pages.")

st.subheader("Pages competing for one search")
st.caption(
    "Pages whose primary or top keyword is the same search (word order, comparison order, "
    "short forms) or a near-duplicate; sibling products (Gold / Platinum, Preferred / "
    "Reserve) are not duplicates. The owner has the most traffic, then the best position, "
    "then the most internal links."
)
if result.near_duplicates.empty:
    st.caption("None found (or no primary keywords yet).")
else:
    st.dataframe(
        paged(result.near_duplicates, "pairs_page"),
        hide_index=True,
        width="stretch",
        column_config={"Cosine": st.column_config.NumberColumn("Cosine", format="%.2f")},
    )
    st.download_button(
        "Download CSV",
        lambda: result.near_duplicates.to_csv(index=False).encode("utf-8-sig"),
        file_name="competing-pages.csv",
        mime="text/csv",
        key="pairs_csv",
    )
