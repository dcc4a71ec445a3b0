"""New Cluster: a seed keyword → 8-12 data-backed pages (fewer, with a message, on thin data)."""

import streamlit as st

from services.core.errors import ClusterPlannerError
from services.core.wording import count_noun
from services.projects.api import get_project
from services.seed_clusters.api import clusters_for_seed, validate_seed
from ui.frame import page
from ui.new_cluster import (
    RUN_OFFLINE,
    offline_deps,
    run_funnel,
    show_failure,
    show_no_data,
    show_result,
)
from ui.safe import plain

app, project_id = page("New Cluster")

project = get_project(app.engine, project_id)
funnel = app.funnel_plan()
deps = funnel.deps
live = deps.fallback_llm is not None or deps.dataforseo_ideas  # a paid provider is in use
for warning in funnel.warnings:
    st.warning(plain(warning))
st.caption(
    f"Providers — LLM: **{plain(deps.llm.name)}**, search volume: "
    f"**{plain(deps.volume.name if deps.volume else 'none')}** · "
    f"{plain(funnel.preflight.message)} · site type: **{plain(project.site_type)}**"
)
if not funnel.preflight.fits:
    st.error(
        "This run's estimate does not fit the budget left this month; raise the budget in Settings."
    )

with st.form("seed_form"):
    seed = st.text_input("Seed keyword", placeholder="trail running shoes")
    seed_error = st.empty()  # errors show here, at the input
    go = st.form_submit_button("Generate cluster", type="primary")

run_seed = None
if go:
    try:
        checked = validate_seed(seed)
    except ClusterPlannerError as exc:
        seed_error.error(plain(exc))
        st.stop()
    st.session_state["pending_seed"] = checked
    st.session_state.pop("new_version", None)
pending = st.session_state.get("pending_seed")
if pending:
    existing = clusters_for_seed(app.engine, project_id, pending)
    if existing and not st.session_state.get("new_version"):
        st.info(
            f"'{plain(pending)}' already has {count_noun(len(existing), 'cluster')}, the newest "
            f"'{plain(existing[0]['name'])}' ({plain(existing[0]['status'])})."
        )
        c1, c2 = st.columns(2)
        if c1.button("Open the existing cluster", type="primary"):
            st.session_state["cluster_id"] = str(existing[0]["id"])
            st.session_state.pop("pending_seed", None)
            st.switch_page("pages/cluster_review.py")
        if c2.button("Make a new version"):
            st.session_state["new_version"] = True
            st.rerun()
    else:
        run_seed = pending

offline_seed = st.session_state.pop(RUN_OFFLINE, None)
result = None
if offline_seed:
    st.caption(f"Running '{plain(offline_seed)}' offline on this project's imported data.")
    result = run_funnel(offline_seed, project, offline_deps(app), live=False)
elif run_seed:
    st.session_state.pop("pending_seed", None)
    st.session_state.pop("new_version", None)
    result = run_funnel(run_seed, project, deps, live=live)
show_failure()
result = show_no_data(project, deps) or result
if result is not None:
    show_result(result, project.site_type)
