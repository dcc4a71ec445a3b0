"""New Cluster: a seed keyword → 8-12 data-backed collection pages."""

import streamlit as st

from services.core.errors import ClusterPlannerError
from services.projects.api import get_project
from services.seed_clusters.api import STAGE_LABELS, generate_cluster
from ui.frame import page
from ui.safe import plain

app, project_id = page("New Cluster")

project = get_project(app.engine, project_id)
funnel = app.funnel_plan()
deps = funnel.deps
for warning in funnel.warnings:
    st.warning(plain(warning))
st.caption(
    f"Providers — LLM: **{deps.llm.name}**, search volume: "
    f"**{deps.volume.name if deps.volume else 'none'}** · {funnel.preflight.message}"
)
if not funnel.preflight.fits:
    st.error(
        "This run's estimate does not fit the budget left this month; raise the budget in Settings."
    )

with st.form("seed_form"):
    seed = st.text_input("Seed keyword", placeholder="trail running shoes", max_chars=200)
    go = st.form_submit_button("Generate cluster", type="primary")

if go:
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
                seed, project.brand_config, project_id, deps=deps, progress=progress
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
        [
            {
                "role": s.role,
                "keyword": s.keyword,
                "url_slug": s.url_slug,
                "search volume": s.search_volume,
                "score": s.composite_score,
                "strategy": s.expansion_strategy,
            }
            for s in result.suggestions
        ],
        hide_index=True,
        width="stretch",
    )
    st.info(
        "Open **Cluster Review** to approve, edit and export these pages.",
        icon=":material/fact_check:",
    )
