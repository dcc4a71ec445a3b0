"""Tabs of the Keyword Lists page (the page wires them; each calls keyword_lists.api)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from services.clustering.options import SINGLETON_MIN_VOLUME, STRICTNESS_LEVELS
from services.core.errors import ClusterPlannerError
from services.core.wording import count_noun
from services.keyword_lists import api
from services.providers.base import SEARCH_INTENTS
from ui.frame import HUB_PARAM, url_picker
from ui.jobs import job_panel, submit
from ui.safe import plain


def cluster_summary(job: Any) -> str:
    """One line for a finished clustering job."""
    diff = job.result.get("diff", {})
    keywords = count_noun(job.result.get("keywords", 0), "keyword")
    return (
        f"Clustered {keywords} in {job.result.get('seconds', 0)} s: "
        f"{count_noun(diff.get('new_clusters', 0), 'new cluster')}, "
        f"{len(diff.get('grown', {})):,} grown, {diff.get('untouched', 0):,} untouched, "
        f"{diff.get('unclustered', 0):,} unclustered."
    )


def discover_tab(engine: Any, pid: str) -> None:
    """Seeds and filters → a discovery job; add its keywords to the list."""
    from services.keyword_lists.discovery import (  # pandas, the lexical keys: when shown
        DEFAULT_LIMIT,
        DEFAULT_MAX_KD,
        DEFAULT_MIN_VOLUME,
        MAX_LIMIT,
    )

    seeds = st.text_area("Seed keywords (up to 10, one per line)")
    c1, c2, c3, c4 = st.columns(4)
    min_volume = c1.number_input("Min. volume", 0, value=DEFAULT_MIN_VOLUME, step=100)
    max_kd = c2.number_input("Max. KD", 0, 100, value=int(DEFAULT_MAX_KD))
    limit = c3.number_input("Limit", 1, MAX_LIMIT, value=DEFAULT_LIMIT)
    intents = c4.multiselect("Intent", SEARCH_INTENTS, key="discover_intents")
    live = st.toggle("Live (DataForSEO)", value=False)
    if live and seeds.strip():
        try:
            preview = api.discovery_preview(engine, seeds)
            st.caption(f"{preview.message} · ${preview.remaining_usd:.2f} left this month")
        except ClusterPlannerError:
            pass
    if st.button("Discover"):
        submit(
            lambda: api.start_discovery(
                engine,
                pid,
                seeds,
                min_volume=min_volume,
                max_kd=max_kd,
                intents=intents,
                limit=limit,
                live=live,
            )
        )
    job_panel(engine, pid, "discovery")
    if st.button("Add discovered keywords to the list"):
        st.success(f"{count_noun(api.qualify_discovered(engine, pid), 'keyword')} qualified.")


def keywords_tab(engine: Any, pid: str, view: Any) -> None:
    """Filterable keyword table and the Cluster button with its options."""
    from services.keyword_lists.store import KEYWORD_STATUSES  # pandas: when shown

    f1, f2, f3, f4 = st.columns(4)
    shown = api.filter_keywords(
        view.keywords,
        min_volume=f1.number_input("Min. volume ", 0, value=0, step=100),
        max_kd=f2.number_input("Max. KD ", 0, 100, value=100),
        intents=f3.multiselect("Intent ", SEARCH_INTENTS),
        statuses=f4.multiselect("Status", KEYWORD_STATUSES),
    )
    st.caption(f"{len(shown):,} of {count_noun(len(view.keywords), 'keyword')}")
    st.dataframe(shown, hide_index=True)
    strictness = st.select_slider(
        "Strictness",
        STRICTNESS_LEVELS,
        value="balanced",
        help=(
            "How sure the same-page model must be before two keywords share a page: loose "
            "merges more, strict keeps more apart. Offline grouping reads only the words; "
            "whether Google ranks one page for both is in the SERP. When it must match "
            "Google, use the Parent Keyword / topic column of your export or SERP overlap."
        ),
    )
    floor = st.number_input(
        "A keyword without close variants is its own page from (searches/month)",
        0,
        value=SINGLETON_MIN_VOLUME,
        step=10,
        help="Below this, such keywords go to Unclustered with the reason; 0 keeps every keyword.",
    )
    hint = st.checkbox(
        "Use the evidence in your data (Parent Keyword / topic, ranking URL, cached SERPs)",
        value=True,
        help="Keywords the data shows are one page share a cluster; each says what merged it.",
    )
    serp = st.toggle("Group by SERP overlap (DataForSEO, about $0.002 per keyword)", value=False)
    min_shared = st.slider("Shared top-10 URLs", 2, 7, 3, disabled=not serp)
    if serp:
        preview = api.serp_preview(engine, pid)
        st.caption(f"{preview.message} · ${preview.remaining_usd:.2f} left this month")
    if st.button("Cluster", type="primary"):
        submit(
            lambda: api.start_clustering(
                engine,
                pid,
                strictness=strictness,
                singleton_min_volume=int(floor),
                serp_min_shared=min_shared if serp else None,
                evidence=None if hint else False,  # None: the project setting
            )
        )
    job_panel(engine, pid, "cluster", cluster_summary)


#: Cluster cards listed under the treemap (the largest first).
CLUSTER_CARDS = 50
#: Member tables: the keyword stays in view; a missing volume is an empty cell.
MEMBER_COLUMNS: dict[str, Any] = {
    "keyword": st.column_config.TextColumn("Keyword", pinned=True),
    "search_volume": st.column_config.NumberColumn("Search volume", format="%d"),
    "similarity": st.column_config.NumberColumn("Similarity", format="%.2f"),
    "evidence": st.column_config.TextColumn("Evidence"),
}

#: Top-level boxes of the treemap overview (hubs, or clusters outside any hub), by volume:
#: 800+ clusters in one treemap are unreadable (issue 8).
TREEMAP_TOP = 15


def top_of_tree(tm: Any, top: int, focus: str | None) -> Any:
    """Treemap rows under the ``top`` largest top-level nodes, or under ``focus`` only."""
    parent_of = dict(zip(tm["id"], tm["parent"], strict=True))

    def root(node: str) -> str:
        while parent_of.get(node):
            node = parent_of[node]
        return node

    top_level = tm[tm["parent"] == ""].nlargest(top, "value")["id"]
    roots = set(top_level) if focus is None else {focus}
    return tm[tm["id"].map(root).isin(roots)]


def clusters_tab(engine: Any, pid: str, view: Any) -> None:
    """Treemap, CSV, Send to review, cluster cards and the Unclustered bucket."""
    if view.clusters.empty:
        st.info("No clusters yet: import or discover keywords, then press Cluster.")
        return
    tm = api.treemap_rows(view)
    tops = tm[tm["parent"] == ""].sort_values("value", ascending=False)
    names = dict(zip(tops["id"], tops["label"], strict=True))
    focus = st.selectbox(
        "Treemap",
        [None, *names],
        format_func=lambda i: f"Top {TREEMAP_TOP} hubs by search volume" if i is None else names[i],
        help="Pick a hub to drill down into its clusters and keywords; click a box to zoom.",
    )
    tm = top_of_tree(tm, TREEMAP_TOP, focus)
    st.plotly_chart(
        go.Figure(
            go.Treemap(
                ids=tm["id"],
                parents=tm["parent"],
                labels=tm["label"],
                values=tm["value"],
                branchvalues="total",
                maxdepth=2 if focus is None else 3,
            )
        )
    )
    st.download_button(  # built when clicked, not on every rerun (issue 22)
        "Export clusters (CSV)",
        lambda: api.clusters_csv(engine, pid),
        "clusters.csv",
        "text/csv",
    )
    # The chosen hub lives in the URL (?hub=<id>) like the project and the tab.
    hubs = dict(zip(view.hubs["id"].astype(str), view.hubs["name"], strict=True))
    hub_id, _, unknown = url_picker("Hub", HUB_PARAM, list(hubs), hubs, "hub_id")
    if unknown:
        st.caption("The hub of this link is gone (the list was clustered again): pick a hub.")
    if hub_id and st.button("Send to review"):
        try:
            api.send_hub_to_review(engine, pid, hub_id)
            st.success(f"'{plain(hubs[hub_id])}' is ready on the Cluster Review page.")
        except ClusterPlannerError as exc:
            st.error(plain(exc))
    # A card's members are read and drawn only while it is open (issue 22: 50 tables of a
    # 12.7k-keyword list were most of the tab's time); opening one reruns the script.
    for c in view.clusters.head(CLUSTER_CARDS).itertuples():
        mix = ", ".join(f"{k} {v}" for k, v in (c.intent_mix or {}).items())
        title = f"{c.name} · {count_noun(c.keyword_count, 'keyword')} · {c.total_volume:,}/mo"
        card = st.expander(plain(f"{title} · {mix}"), key=f"card-{c.id}", on_change="rerun")
        with card:
            rows = view.members_of([c.id]) if card.open is not False else None
            if rows is not None and len(rows):
                st.dataframe(
                    rows[["keyword", "search_volume", "similarity", "evidence"]],
                    hide_index=True,
                    column_config=MEMBER_COLUMNS,
                )
    unclustered_bucket(engine, pid, view)


def unclustered_bucket(engine: Any, pid: str, view: Any) -> None:
    """Unclustered keywords with their reason, and moving one into a cluster."""
    unclustered = view.unclustered
    bucket = st.expander(
        f"Unclustered · {count_noun(len(unclustered), 'keyword')}",
        key="unclustered",
        on_change="rerun",
    )
    with bucket:
        if bucket.open is False:  # the table and the pickers only while open (issue 22)
            return
        st.dataframe(unclustered[["keyword", "search_volume", "reason"]], hide_index=True)
        if len(unclustered):
            kw = st.selectbox("Move keyword", unclustered["keyword"].tolist())
            target = st.selectbox("To cluster", view.clusters["name"].tolist())
            if st.button("Move"):
                cid = view.clusters.loc[view.clusters["name"] == target, "id"].iloc[0]
                api.move_keyword(engine, pid, kw, cid)
                st.rerun()
