"""Settings: which provider serves each role, the Sonnet switch, the monthly budget and the
SERP-overlap threshold.

Secrets are never shown: API keys appear only as "set" / "not set".
"""

import streamlit as st

from services.app.selfcheck import run_selfcheck
from services.clustering.serp_settings import MIN_SHARED_RANGE, SERP_KEYWORDS_RANGE
from services.core.errors import ClusterPlannerError
from services.providers.registry import (
    LLM_CHOICES,
    LLM_LABELS,
    VOLUME_CHOICES,
    VOLUME_LABELS,
)
from services.settings.api import save_settings, settings_view
from ui.frame import page
from ui.model_prices import model_prices_section
from ui.safe import plain
from ui.settings_keys import reload_keys_button

app, _ = page("Settings", needs_project=False)
if st.session_state.pop("settings_saved", False):
    st.success("Settings saved.")
view = settings_view(app.settings, app.engine)

st.subheader("Providers in use")
st.dataframe(
    [
        {"Role": r.role, "Selected": r.chosen, "Active": r.active, "Details": r.detail}
        for r in view.roles
    ],
    hide_index=True,
    width="stretch",
)
for warning in view.warnings:
    st.warning(warning)

with st.form("provider_settings"):
    llm = st.radio(
        "LLM for Stages 1 and 3",
        LLM_CHOICES,
        index=LLM_CHOICES.index(view.llm_choice) if view.llm_choice in LLM_CHOICES else 0,
        format_func=LLM_LABELS.__getitem__,
        horizontal=True,
    )
    use_fallback = st.toggle(
        f"Anthropic: use the fallback model {view.fallback_model} instead of {view.anthropic_model}",
        value=view.use_fallback_model,
        help="Costs about 3× more per cluster; for when Haiku's suggestions are not good enough.",
    )
    volume = st.radio(
        "Search volume for Stage 2",
        VOLUME_CHOICES,
        index=VOLUME_CHOICES.index(view.volume_choice)
        if view.volume_choice in VOLUME_CHOICES
        else 0,
        format_func=VOLUME_LABELS.__getitem__,
        horizontal=True,
    )
    budget = st.number_input(
        "Monthly budget (USD)",
        min_value=0.0,
        max_value=100_000.0,
        value=float(view.monthly_budget_usd),
        step=5.0,
        format="%.2f",
        help="Paid runs whose estimate does not fit what is left this month are refused.",
    )
    overlap = st.slider(
        "SERP overlap: shared top-10 results that make two keywords one page",
        MIN_SHARED_RANGE[0],
        MIN_SHARED_RANGE[1],
        value=view.min_serp_overlap,
        help="With DataForSEO on, new clusters compare the Google top 10 of their strongest "
        "keywords (about $0.002 per keyword, paid once). Lower joins more keywords.",
    )
    serp_keywords = st.number_input(
        "SERPs per new cluster (0 = no SERP evidence)",
        min_value=SERP_KEYWORDS_RANGE[0],
        max_value=SERP_KEYWORDS_RANGE[1],
        value=view.serp_keywords,
        step=5,
        help="The seed and its strongest candidates get their Google top 10 (DataForSEO, "
        "$0.002 each, paid once per keyword and market): 30 cost at most $0.06 on a seed's "
        "first run, above the $0.10 design target of a cluster's other calls. Asked of the "
        "budget during the run and skipped when it does not fit.",
    )
    saved = st.form_submit_button("Save", type="primary")

if saved:
    try:
        save_settings(
            app.settings,
            app.engine,
            llm=llm,
            volume=volume,
            use_fallback_model=use_fallback,
            monthly_budget_usd=budget,
            min_serp_overlap=overlap,
            serp_keywords=int(serp_keywords),
        )
    except ClusterPlannerError as exc:
        st.error(plain(exc))
    else:
        st.session_state["settings_saved"] = True
        st.rerun()

model_prices_section(app.engine)

st.subheader("API keys")
st.caption(
    "Keys come from environment variables or `.streamlit/secrets.toml` (see "
    "`.streamlit/secrets.toml.example`). Their values are never shown, logged or stored. "
    "After editing secrets.toml, press **Reload keys**."
)
reload_keys_button(app)
st.dataframe(
    [{"Key": key, "Status": "set" if is_set else "not set"} for key, is_set in view.keys.items()],
    hide_index=True,
    width="stretch",
)

st.subheader("Installed libraries")
st.caption("Checked at start-up: each stack is imported once; a missing one names its install.")
st.dataframe(
    [
        {"Stack": c.name, "Needed for": c.purpose, "Status": "ok" if c.ok else c.install}
        for c in run_selfcheck()
    ],
    hide_index=True,
    width="stretch",
    column_config={"Stack": st.column_config.TextColumn(pinned=True)},
)
