"""New Cluster: a seed keyword → 8-12 data-backed pages (fewer, with a message, on thin data)."""

import streamlit as st

from services.core.errors import ClusterPlannerError
from services.projects.api import get_project
from services.seed_clusters.api import (
    STAGE_LABELS,
    clusters_for_seed,
    generate_cluster,
    validate_seed,
)
from ui.frame import page
from ui.safe import plain
from ui.seed_clusters import suggestion_rows

app, project_id = page("New Cluster")

project = get_project(app.engine, project_id)
funnel = app.funnel_plan()
deps = funnel.deps
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
            f"'{plain(pending)}' already has {len(existing)} cluster(s), the newest "
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

if run_seed:
    st.session_state.pop("pending_seed", None)
    st.session_state.pop("new_version", None)
    with st.status("Generating cluster…", expanded=True) as status:
        lines = {}

        def progress(stage: str, seconds: float | None) -> None:
            label = STAGE_LABELS[stage]
            if seconds is None:
                lines[stage] = st.empty()
                lines[stage].markdown(f"⏳ {label}…")
            else:
                lines[stage].markdown(f"✅ {label} — {seconds:.2f} s")

        try:
            result = generate_cluster(
                run_seed, project.brand_config, project_id, deps=deps, progress=progress
            )
        except ClusterPlannerError as exc:
            status.update(label="Not started", state="error")
            st.error(plain(exc))
            st.stop()
        if not result.success:
            status.update(label="Generation failed", state="error")
            st.error(plain(result.error))
            st.stop()
        meta = result.generation_metadata
        status.update(
            label=f"{len(result.suggestions)} pages suggested in {meta['total_seconds']:.2f} s",
            state="complete",
            expanded=False,
        )
    st.session_state["cluster_id"] = str(result.cluster_id)
    for warning in result.warnings:
        st.warning(plain(warning))
    st.caption(f"Cost of this run: ${meta['total_cost_usd']:.4f}")
    st.dataframe(
        suggestion_rows(result.suggestions),
        hide_index=True,
        width="stretch",
        column_config={"search volume": st.column_config.NumberColumn(format="%d")},
    )
    st.info(
        "Open **Cluster Review** to approve, edit and export these pages.",
        icon=":material/fact_check:",
    )
