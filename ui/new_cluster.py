"""New Cluster pieces: run the funnel with live stage lines, and failures shown where the eye is.

A failed run shows its reason expanded, in plain words, with what to do (check the key in
Settings, retry, or run offline on this project's data — one click, same seed). A seed with no
data is not saved unless the user keeps it (issue 19).
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import streamlit as st

from services.core.errors import ClusterPlannerError
from services.core.wording import count_noun
from services.seed_clusters.api import STAGE_LABELS, generate_cluster
from ui.safe import plain
from ui.seed_clusters import suggestion_rows

if TYPE_CHECKING:
    from services.seed_clusters.api import FunnelDeps

#: Session keys: the last failed run ({seed, error, live}) and a seed to run offline next.
FAILURE = "seed_failure"
RUN_OFFLINE = "seed_run_offline"
#: Session key: a seed whose run found no data and was not saved ({seed, suggested}).
NO_DATA = "seed_no_data"


def offline_deps(app: Any) -> FunnelDeps:
    """Funnel dependencies with the offline providers: this project's imported data only."""
    from services.providers.registry import build_providers
    from services.seed_clusters.api import FunnelDeps

    ps = build_providers(app.settings, app.engine, app.embedder)  # defaults: offline
    return FunnelDeps(
        engine=app.engine, llm=ps.llm, volume=ps.volume, embedder_factory=app.embedder
    )


def _accepts_keep_empty() -> bool:
    return "keep_empty" in inspect.signature(generate_cluster).parameters


def run_funnel(
    seed: str, project: Any, deps: FunnelDeps, *, live: bool, keep_empty: bool = False
) -> Any:
    """Run one seed with per-stage lines; return the result, or None after a failure.

    A failure is stored in ``st.session_state[FAILURE]`` and shown by :func:`show_failure`.
    """
    for key in (FAILURE, NO_DATA):
        st.session_state.pop(key, None)
    extra = {"keep_empty": True} if keep_empty and _accepts_keep_empty() else {}
    with st.status("Generating cluster…", expanded=True) as status:
        lines: dict[str, Any] = {}

        def progress(stage: str, seconds: float | None) -> None:
            label = STAGE_LABELS[stage]
            if seconds is None:
                lines[stage] = st.empty()
                lines[stage].markdown(f"⏳ {label}…")
            else:
                lines[stage].markdown(f"✅ {label} — {seconds:.2f} s")

        try:
            result = generate_cluster(
                seed, project.brand_config, project.id, deps=deps, progress=progress, **extra
            )
        except ClusterPlannerError as exc:
            status.update(label="Not started", state="error", expanded=True)
            st.session_state[FAILURE] = {"seed": seed, "error": str(exc), "live": live}
            return None
        if not result.success:
            status.update(label="Generation failed — the reason is below", state="error")
            st.session_state[FAILURE] = {"seed": seed, "error": result.error, "live": live}
            return None
        if getattr(result, "cluster_id", None) is None:  # no data: not saved unless kept
            status.update(label="Not saved: no search data", state="error", expanded=False)
            st.session_state[NO_DATA] = {
                "seed": seed,
                "message": getattr(result, "message", None),
                "suggested": getattr(result, "suggested_seed", None),
                "warnings": list(result.warnings),
            }
            return None
        seconds = result.generation_metadata["total_seconds"]
        status.update(
            label=f"{count_noun(len(result.suggestions), 'page')} suggested in {seconds:.2f} s",
            state="complete",
            expanded=False,
        )
    st.session_state["cluster_id"] = str(result.cluster_id)
    return result


def show_failure() -> None:
    """The last failure, expanded, with the actions after a live provider failed: run offline
    on this project's data, or retry (an offline failure is not worth retrying as it is)."""
    failure = st.session_state.get(FAILURE)
    if not failure:
        return
    st.error(
        plain(f"'{failure['seed']}' could not be generated. {failure['error']}"),
        icon=":material/error:",
    )
    if not failure["live"]:
        return
    st.markdown(
        "What to do: check the provider's API key and model in **Settings** (keys added "
        "to `.streamlit/secrets.toml` need **Reload keys** there), retry in a minute if "
        "the provider was unreachable or busy, or run this seed offline on this project's "
        "imported data now (no cost)."
    )
    c1, c2 = st.columns(2)
    if c1.button("Run offline on this project's data", type="primary"):
        st.session_state[RUN_OFFLINE] = failure["seed"]
        st.session_state.pop(FAILURE, None)
        st.rerun()
    if c2.button("Retry"):
        st.session_state["pending_seed"] = failure["seed"]
        st.session_state["new_version"] = True
        st.session_state.pop(FAILURE, None)
        st.rerun()


def show_no_data(project: Any, deps: FunnelDeps) -> Any:
    """A seed without data: say so, suggest a seed, and save it only on "Keep it anyway"."""
    empty = st.session_state.get(NO_DATA)
    if not empty:
        return None
    st.warning(
        plain(
            empty.get("message")
            or f"No search data for '{empty['seed']}' in this project, so nothing was saved. "
            "Import a keyword export that covers it, or try a broader seed."
        )
    )
    for warning in empty.get("warnings", []):
        st.caption(plain(warning))
    c1, c2 = st.columns(2)
    if empty.get("suggested") and c1.button(f"Try '{plain(empty['suggested'])}'"):
        st.session_state["pending_seed"] = empty["suggested"]
        st.session_state.pop(NO_DATA, None)
        st.rerun()
    if c2.button("Keep it anyway"):
        return run_funnel(empty["seed"], project, deps, live=False, keep_empty=True)
    return None


def show_result(result: Any, site_type: str = "shopify") -> None:
    """Warnings, cost and the suggestions table of a saved run (page types named for
    ``site_type``)."""
    for warning in result.warnings:
        st.warning(plain(warning))
    st.caption(f"Cost of this run: ${result.generation_metadata['total_cost_usd']:.4f}")
    st.dataframe(
        suggestion_rows(result.suggestions, site_type),
        hide_index=True,
        width="stretch",
        column_config={
            "keyword": st.column_config.TextColumn(pinned=True),
            "search volume": st.column_config.NumberColumn(format="%d"),
        },
    )
    st.info(
        "Open **Cluster Review** to approve, edit and export these pages.",
        icon=":material/fact_check:",
    )
