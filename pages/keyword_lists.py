"""Keyword Lists: import, discover, filter, cluster (background job), review clusters and hubs."""

import plotly.graph_objects as go
import streamlit as st

from services.app import jobs
from services.app.context import get_app
from services.clustering.pages import SINGLETON_MIN_VOLUME, STRICTNESS_LEVELS, ClusterOptions
from services.clustering.serp_overlap import estimate_serp_cost
from services.core.errors import ClusterPlannerError
from services.keyword_lists import discovery
from services.keyword_lists import export as list_export
from services.keyword_lists import send_to_review as list_review
from services.keyword_lists import store as list_store
from services.keyword_lists.jobs import project_locale
from services.projects.imports import import_keywords
from services.providers.base import SEARCH_INTENTS
from services.spend.budget import BudgetGuard

if not st.session_state.get("_frame"):  # deep link on a fresh server: load the router first
    st.switch_page("app.py")
app = get_app()
engine = app.engine
pid = st.session_state.get("project_id")
st.title("Keyword Lists")
if not pid:
    st.info("Select a project first.")
    st.stop()


@st.fragment(run_every=1.0)
def job_panel(kind: str) -> None:
    """Progress of the project's latest job of ``kind``; refreshes every second while it runs."""
    job = jobs.latest_job(pid, kind, engine=engine)
    if job is None:
        return
    seen = f"_job_active_{kind}"
    if job.is_active:
        st.session_state[seen] = True
        st.progress(job.progress / 100, text=f"{job.kind}: {job.message}")
        if st.button("Cancel", key=f"cancel-{kind}"):
            jobs.cancel(job.id, engine=engine)
        return
    if st.session_state.pop(seen, False):  # it just finished: redraw the whole page
        st.rerun(scope="app")
    if job.status == "failed":
        st.error(f"The {kind} job failed: {job.error}")
    elif job.status == "cancelled":
        st.warning(f"The {kind} job was cancelled.")
    elif kind == "cluster":
        diff = job.result.get("diff", {})
        st.success(
            f"Clustered {job.result.get('keywords', 0):,} keywords in {job.result.get('seconds', 0)} s: "
            f"{diff.get('new_clusters', 0):,} new clusters, {len(diff.get('grown', {})):,} grown, "
            f"{diff.get('untouched', 0):,} untouched, {diff.get('unclustered', 0):,} unclustered."
        )
    else:
        st.success(job.result.get("message", "Done"))


def submit(kind: str, params: dict) -> None:
    try:
        jobs.submit(kind, pid, params, engine=engine)
    except ClusterPlannerError as exc:
        st.error(str(exc))
        return
    st.rerun()  # show the job's progress (or its result) from the jobs table


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
                f"Imported {report.rows_imported:,} keywords ({report.inserted:,} new) from a {report.tool} export."
            )
        except ClusterPlannerError as exc:
            st.error(str(exc))

with tab_discover:
    seeds = st.text_area("Seed keywords (up to 10, one per line)")
    c1, c2, c3, c4 = st.columns(4)
    min_volume = c1.number_input("Min. volume", 0, value=discovery.DEFAULT_MIN_VOLUME, step=100)
    max_kd = c2.number_input("Max. KD", 0, 100, value=int(discovery.DEFAULT_MAX_KD))
    limit = c3.number_input("Limit", 1, discovery.MAX_LIMIT, value=discovery.DEFAULT_LIMIT)
    intents = c4.multiselect("Intent", SEARCH_INTENTS, key="discover_intents")
    live = st.toggle("Live (DataForSEO)", value=False)
    if live and seeds.strip():
        try:
            preview = discovery.preview_cost(discovery.validate(seeds, live=True))
            st.caption(
                f"{preview.message} · ${BudgetGuard(engine).status().remaining_usd:.2f} left this month"
            )
        except ClusterPlannerError:
            pass
    if st.button("Discover"):
        try:
            req = discovery.validate(
                seeds, min_volume=min_volume, max_kd=max_kd, intents=intents, limit=limit, live=live
            )
            submit("discovery", req.to_dict())
        except ClusterPlannerError as exc:
            st.error(str(exc))
    job_panel("discovery")
    last = jobs.latest_job(pid, "discovery", engine=engine)
    if (
        last
        and last.status == "succeeded"
        and last.result.get("saved")
        and st.button("Add discovered keywords to the list")
    ):
        st.success(
            f"{discovery.qualify(engine, pid, last.result['keywords']):,} keywords qualified."
        )

view = list_store.list_view(engine, pid)
with tab_list:
    f1, f2, f3, f4 = st.columns(4)
    shown = list_store.filter_keywords(
        view.keywords,
        min_volume=f1.number_input("Min. volume ", 0, value=0, step=100),
        max_kd=f2.number_input("Max. KD ", 0, 100, value=100),
        intents=f3.multiselect("Intent ", SEARCH_INTENTS),
        statuses=f4.multiselect("Status", list_store.KEYWORD_STATUSES),
    )
    st.caption(f"{len(shown):,} of {len(view.keywords):,} keywords")
    st.dataframe(shown, hide_index=True)
    strictness = st.select_slider("Strictness", STRICTNESS_LEVELS, value="balanced")
    floor = st.number_input(
        "A keyword without close variants is its own page from (searches/month)",
        0,
        value=SINGLETON_MIN_VOLUME,
        step=10,
        help="Below this, such keywords go to Unclustered with the reason; 0 keeps every keyword.",
    )
    serp = st.toggle("Group by SERP overlap (DataForSEO, about $0.002 per keyword)", value=False)
    min_shared = st.slider("Shared top-10 URLs", 2, 7, 3, disabled=not serp)
    if serp:
        location, language = project_locale(engine, pid)
        n, usd = estimate_serp_cost(
            engine, list_store.load_pending(engine, pid)["keyword"].tolist(), location, language
        )
        st.caption(
            f"{n:,} SERPs to fetch ≈ ${usd:.2f} · ${BudgetGuard(engine).status().remaining_usd:.2f} left this month"
        )
    if st.button("Cluster", type="primary"):
        opts = ClusterOptions(strictness=strictness, singleton_min_volume=int(floor))
        submit(
            "cluster",
            {"options": opts.to_dict(), "serp": {"min_shared": min_shared} if serp else None},
        )
    job_panel("cluster")

with tab_clusters:
    if view.clusters.empty:
        st.info("No clusters yet: import or discover keywords, then press Cluster.")
    else:
        tm = list_store.treemap_rows(view)
        st.plotly_chart(
            go.Figure(
                go.Treemap(
                    ids=tm["id"],
                    parents=tm["parent"],
                    labels=tm["label"],
                    values=tm["value"],
                    branchvalues="total",
                )
            )
        )
        st.download_button(
            "Export clusters (CSV)",
            list_export.clusters_csv(engine, pid),
            "clusters.csv",
            "text/csv",
        )
        hubs = dict(zip(view.hubs["name"], view.hubs["id"], strict=True))
        hub = st.selectbox("Hub", list(hubs))
        if hub and st.button("Send to review"):
            try:
                list_review.send_hub_to_review(engine, pid, hubs[hub])
                st.success(f"'{hub}' is ready on the Cluster Review page.")
            except ClusterPlannerError as exc:
                st.error(str(exc))
        for c in view.clusters.head(50).itertuples():
            mix = ", ".join(f"{k} {v}" for k, v in (c.intent_mix or {}).items())
            with st.expander(
                f"{c.name} · {c.keyword_count:,} keywords · {c.total_volume:,}/mo · {mix}"
            ):
                st.dataframe(
                    view.members[view.members["cluster_id"] == c.id][
                        ["keyword", "search_volume", "similarity"]
                    ],
                    hide_index=True,
                )
        unclustered = view.unclustered
        with st.expander(f"Unclustered · {len(unclustered):,} keywords"):
            st.dataframe(unclustered[["keyword", "search_volume", "reason"]], hide_index=True)
            if len(unclustered):
                kw = st.selectbox("Move keyword", unclustered["keyword"].tolist())
                target = st.selectbox("To cluster", view.clusters["name"].tolist())
                if st.button("Move"):
                    cid = view.clusters.loc[view.clusters["name"] == target, "id"].iloc[0]
                    list_store.move_keyword(engine, pid, kw, cid)
                    st.rerun()
